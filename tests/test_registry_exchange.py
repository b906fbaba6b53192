"""Registry import/export through GDAL: a dry run reports, bad files change nothing."""
from __future__ import annotations

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import LineString, Point, Polygon

from anpr.errors import BadInput
from camera_registry import exchange, registry

ED = "editor-1"


def _snapshot(conn):
    return conn.execute("SELECT (SELECT count(*) FROM location) AS l, (SELECT count(*) FROM camera) AS c,"
                        " (SELECT count(*) FROM registry_change) AS h, (SELECT md5(string_agg("
                        "code || ST_AsText(geom) || name, ',' ORDER BY code)) FROM location) AS s"
                        ).fetchone()


def test_export_round_trips_and_reimport_changes_nothing(demo_db, conn, tmp_path):
    path = tmp_path / "registry.gpkg"
    path.write_bytes(exchange.export_registry(conn, "gpkg"))
    layers = dict(pyogrio.list_layers(path))
    assert set(layers) == {"locations", "cameras"}
    locs = pyogrio.read_dataframe(path, layer="locations")
    cams = pyogrio.read_dataframe(path, layer="cameras")
    assert len(locs) == demo_db["counts"]["locations"] and len(cams) == demo_db["counts"]["cameras"]
    assert locs["criteria"].notna().all() and locs.crs.to_epsg() == 4326
    report = exchange.import_registry(conn, path, actor=ED)
    assert report["locations"] == {"create": [], "update": [], "unchanged": len(locs)}
    assert report["cameras"]["create"] == [] and report["cameras"]["update"] == []
    gj = tmp_path / "locations.geojson"
    gj.write_bytes(exchange.export_registry(conn, "geojson"))
    assert len(pyogrio.read_dataframe(gj)) == len(locs)


def test_dry_run_then_apply(demo_db, conn, tmp_path):
    path = tmp_path / "edit.gpkg"
    path.write_bytes(exchange.export_registry(conn, "gpkg"))
    locs = pyogrio.read_dataframe(path, layer="locations")
    cams = pyogrio.read_dataframe(path, layer="cameras")
    code = locs.loc[0, "code"]
    locs.loc[0, "name"] = "nieuwe naam"
    new = locs.iloc[[0]].copy()
    new["code"] = "MN-A12-950"; new["unit_code"] = "MN"; new["geometry"] = [Point(5.12, 52.09)]
    locs = gpd.GeoDataFrame(__import__("pandas").concat([locs, new], ignore_index=True), crs=4326)
    edited = tmp_path / "edited.gpkg"
    locs.to_file(edited, layer="locations", driver="GPKG")
    cams.to_file(edited, layer="cameras", driver="GPKG", append=True)
    before = _snapshot(conn)
    report = exchange.import_registry(conn, edited, actor=ED)
    assert report["locations"]["create"] == ["MN-A12-950"]
    assert [u["code"] for u in report["locations"]["update"]] == [code]
    assert report["locations"]["update"][0]["changes"]["name"][1] == "nieuwe naam"
    assert _snapshot(conn) == before  # a dry run writes nothing
    exchange.import_registry(conn, edited, actor=ED, apply=True)
    assert registry.location_state(conn, code)["name"] == "nieuwe naam"
    assert registry.location_state(conn, "MN-A12-950")
    # newest first: the new location's standing motivation (copied from row 0's, its
    # signature included: a new text with a signature date no standing one had), the new
    # location, the renamed one; the unchanged motivations are not written, nor recorded
    assert [(c["entity"], c["entity_key"], c["action"]) for c in registry.history(conn, limit=3)] \
        == [("location_motivation", "MN-A12-950", "create"), ("location", "MN-A12-950", "create"),
            ("location", code, "update")]


def _write(tmp_path, name, rows, crs=4326, geoms=None):
    gdf = gpd.GeoDataFrame(rows, geometry=geoms or [Point(5.1, 52.1)] * len(rows), crs=crs)
    path = tmp_path / name
    gdf.to_file(path, layer="locations", driver="GPKG")
    return path


BASE = {"code": "MN-A12-960", "name": "x", "unit_code": "MN", "criteria": "b"}


@pytest.mark.parametrize("case, message", [
    ("crs", "not WGS84"),
    ("invalid", "invalid geometry"),
    ("polygon", "must be a point"),
    ("duplicate", "duplicate code"),
    ("unit", "unknown unit"),
    ("criteria", "unknown criteria"),
    ("naming", "naming scheme"),
])
def test_bad_imports_refused_nothing_changed(demo_db, conn, tmp_path, case, message):
    rows, geoms, crs = [dict(BASE)], None, 4326
    if case == "crs":
        geoms, crs = [Point(155000, 463000)], 28992
    elif case == "invalid":
        rows = [dict(BASE)]
        geoms = [Polygon([(5.0, 52.0), (5.1, 52.1), (5.1, 52.0), (5.0, 52.1)])]
    elif case == "polygon":
        geoms = [Polygon([(5.0, 52.0), (5.1, 52.0), (5.1, 52.1)])]
    elif case == "duplicate":
        rows = [dict(BASE), dict(BASE)]
    elif case == "unit":
        rows = [BASE | {"unit_code": "ZZ"}]
    elif case == "criteria":
        rows = [BASE | {"criteria": "a,x"}]
    elif case == "naming":
        rows = [BASE | {"code": "camera 12"}]
    path = _write(tmp_path, f"{case}.gpkg", rows, crs=crs, geoms=geoms)
    before = _snapshot(conn)
    with pytest.raises(BadInput) as refused:
        exchange.import_registry(conn, path, actor=ED, apply=True)
    assert "nothing was changed" in refused.value.message
    assert any(message in p for p in refused.value.details["problems"]), refused.value.details
    assert _snapshot(conn) == before


def test_bad_camera_lane_refused(demo_db, conn, tmp_path):
    gdf = gpd.GeoDataFrame([{"id": "X-R1", "location_code": "NOPE-A1-001", "bearing": 1.0,
                             "inout": "in", "lane": 1}], geometry=[LineString([(5, 52), (5.1, 52)])],
                           crs=4326)
    path = tmp_path / "cams.geojson"
    gdf.to_file(path, driver="GeoJSON")
    with pytest.raises(BadInput) as refused:
        exchange.import_registry(conn, path, actor=ED)
    assert "unknown location" in refused.value.details["problems"][0]


def test_export_gpkg_has_date_columns(demo_db, conn, tmp_path):
    """Issue 19: dates are DATE columns in the GeoPackage (as the plan layer's), not TEXT;
    GeoPackage 1.2 so Debian's GDAL (QGIS LTR) opens it without a warning, and the values
    are the registry's own; a file with them re-imports unchanged (dry run)."""
    import shutil
    import subprocess

    path = tmp_path / "registry.gpkg"
    path.write_bytes(exchange.export_registry(conn, "gpkg"))
    want = {"locations": ("signed_on",), "cameras": ("active_from", "active_to")}
    geometry = {"locations": "Point", "cameras": "LineString"}
    for layer, dates in want.items():
        info = pyogrio.read_info(path, layer=layer)
        assert info["crs"] == "EPSG:4326" and info["geometry_type"] == geometry[layer]
        types = dict(zip(info["fields"], info["ogr_types"]))
        assert all(types[d] == "OFTDate" for d in dates), (layer, types)
        assert types["hectometre" if layer == "locations" else "bearing"] == "OFTReal"
        assert types["code" if layer == "locations" else "id"] == "OFTString"
    cams = pyogrio.read_dataframe(path, layer="cameras")
    row = conn.execute("SELECT id, active_from, active_to FROM camera ORDER BY id LIMIT 1"
                       ).fetchone()
    got = cams.set_index("id").loc[row["id"]]
    assert got["active_from"].date() == row["active_from"]
    assert (got["active_to"] != got["active_to"]) if row["active_to"] is None else \
        got["active_to"].date() == row["active_to"]
    locs = pyogrio.read_dataframe(path, layer="locations")
    signed = conn.execute("SELECT l.code, m.signed_on FROM location l JOIN location_motivation m"
                          " ON m.location_id = l.id WHERE m.signed_on IS NOT NULL LIMIT 1"
                          ).fetchone()
    if signed:
        assert locs.set_index("code").loc[signed["code"], "signed_on"].date() == signed["signed_on"]
    report = exchange.import_registry(conn, path, actor=ED)
    assert report["locations"]["update"] == [] and report["cameras"]["update"] == []
    if shutil.which("ogrinfo"):
        out = subprocess.run(["ogrinfo", "-ro", "-so", "-al", str(path)], capture_output=True,
                             text=True, timeout=120)
        assert out.returncode == 0 and "Warning" not in out.stderr, out.stderr
        assert "active_from: Date" in out.stdout and "signed_on: Date" in out.stdout
