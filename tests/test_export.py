"""Route and provision exports open in GDAL (pyogrio) as GIS users expect: one geometry
type per layer, real date-time fields, the CRS declared, and no invented times."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from xml.etree import ElementTree as ET

import pandas as pd
import pyogrio
import pytest

from gis import export
from gis.export import export_route
from gis.search.route import route
from gis.search.scope import Window


@pytest.fixture(scope="module")
def lead_route(database_url, demo_db):
    import psycopg
    from psycopg.rows import dict_row

    truth = json.loads((demo_db["home"] / "demo_ground_truth.json").read_text())
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        result = route(conn, truth["convoy"]["lead"], Window(demo_db["start"], demo_db["end"]))
    assert len(result["passages"]) >= 3 and result["legs"]
    # some leg runs over the road network: the case where times used to be invented
    assert any(len(leg["coordinates"]) > 2 for leg in result["legs"])
    return result


def _write(tmp_path, result, fmt, layer=None):
    payload, mimetype, suffix = export_route(result, fmt, layer)
    path = tmp_path / f"route.{suffix}"
    path.write_bytes(payload)
    return path, payload


def _field(meta, fields, name):
    return fields[list(meta["fields"]).index(name)]


def _utc(v) -> datetime:
    v = pd.Timestamp(v).to_pydatetime()
    return v.astimezone(timezone.utc) if v.tzinfo else v.replace(tzinfo=timezone.utc)


def _same_times(got, result) -> bool:
    """The passages' times in UTC, to the millisecond GeoPackage, GPX and KML keep."""
    want = sorted(p["captured_at"].astimezone(timezone.utc) for p in result["passages"])
    got = sorted(_utc(v) for v in got)
    return len(got) == len(want) and all(abs((a - b).total_seconds()) < 0.0015
                                         for a, b in zip(got, want))


def test_gpkg_layers_types_and_crs(tmp_path, lead_route):
    path, _ = _write(tmp_path, lead_route, "gpkg")
    layers = dict(pyogrio.list_layers(path))
    assert layers == {"passages": "Point", "legs": "LineString", "route": "LineString"}
    for layer in layers:
        assert pyogrio.read_info(path, layer=layer)["crs"] == "EPSG:4326"
    info = pyogrio.read_info(path, layer="passages")
    types = dict(zip(info["fields"], info["dtypes"]))
    assert types["captured_at"].startswith("datetime64")
    assert info["features"] == len(lead_route["passages"])
    df = pyogrio.read_dataframe(path, layer="passages")
    assert _same_times(df["captured_at"], lead_route)
    info = pyogrio.read_info(path, layer="legs")
    types = dict(zip(info["fields"], info["dtypes"]))
    assert types["from_at"].startswith("datetime64") and types["to_at"].startswith("datetime64")
    assert types["observed_s"] == "float64" and "times" not in types
    assert info["features"] == len(lead_route["legs"])
    legs = pyogrio.read_dataframe(path, layer="legs")
    assert set(legs["flag"]) == {leg["flag"] for leg in lead_route["legs"]}


def test_gpx_track_is_the_real_passages_and_routes_have_no_time(tmp_path, lead_route):
    path, payload = _write(tmp_path, lead_route, "gpx")
    layers = dict(pyogrio.list_layers(path))
    assert {"tracks", "track_points", "routes", "route_points"} <= set(layers)
    meta, _, geom, fields = pyogrio.raw.read(path, layer="track_points")
    assert len(geom) == len(lead_route["passages"])  # nothing but the passages
    assert meta["crs"] == "EPSG:4326"
    assert _same_times(_field(meta, fields, "time"), lead_route)
    meta, _, geom, fields = pyogrio.raw.read(path, layer="route_points")
    assert len(geom) == sum(len(leg["coordinates"]) for leg in lead_route["legs"])
    assert all(pd.isna(t) for t in _field(meta, fields, "time"))
    meta, _, geom, fields = pyogrio.raw.read(path, layer="routes")
    assert len(geom) == len(lead_route["legs"])
    assert set(_field(meta, fields, "type")) == {leg["flag"] for leg in lead_route["legs"]}
    assert payload.count(b"<time>") == len(lead_route["passages"])


def test_kml_time_primitives_styles_and_route_line(tmp_path, lead_route):
    path, payload = _write(tmp_path, lead_route, "kml")
    layers = dict(pyogrio.list_layers(path))
    assert set(layers) == {"route", "legs", "passages"}
    meta, _, geom, fields = pyogrio.raw.read(path, layer="passages")
    assert len(geom) == len(lead_route["passages"]) and meta["crs"] == "EPSG:4326"
    assert _same_times(_field(meta, fields, "timestamp"), lead_route)
    meta, _, geom, fields = pyogrio.raw.read(path, layer="legs")
    assert len(geom) == len(lead_route["legs"])
    begins, ends = _field(meta, fields, "begin"), _field(meta, fields, "end")
    assert all(b is not None and e is not None and b <= e for b, e in zip(begins, ends))
    meta, _, geom, _ = pyogrio.raw.read(path, layer="route")
    assert len(geom) == 1
    # a style per leg flag, each its own colour, and each leg drawn in its flag's style
    k = "{http://www.opengis.net/kml/2.2}"
    root = ET.fromstring(payload)
    colours = {s.get("id"): s.find(f"{k}LineStyle/{k}color").text
               for s in root.iter(f"{k}Style") if s.get("id", "").startswith("leg-")}
    assert set(colours) == {f"leg-{f}" for f in export.LEG_STYLES}
    assert len(set(colours.values())) == len(colours)
    used = [pm.find(f"{k}styleUrl").text for pm in root.iter(f"{k}Placemark")
            if pm.find(f"{k}TimeSpan") is not None and pm.find(f"{k}name").text != lead_route[
                "params"]["plate"]]
    assert used == [f"#leg-{leg['flag']}" for leg in lead_route["legs"]]


@pytest.mark.parametrize("layer, geometry, times", [
    ("passages", "Point", ("captured_at",)), ("legs", "LineString", ("from_at", "to_at")),
    ("route", "LineString", ("from_at", "to_at"))])
def test_geojson_is_one_file_per_layer_with_its_geometry_type(tmp_path, lead_route, layer,
                                                              geometry, times):
    """GDAL reads each route GeoJSON as one layer named after it, of one geometry type (not
    "Unknown", as the one mixed file read), in EPSG:4326, with date-time fields."""
    path, payload = _write(tmp_path, lead_route, "geojson", layer)
    assert path.name == f"route.{layer}.geojson"
    assert [tuple(x) for x in pyogrio.list_layers(path)] == [(layer, geometry)]
    info = pyogrio.read_info(path)
    assert info["geometry_type"] == geometry and info["crs"] == "EPSG:4326"
    want = {"passages": len(lead_route["passages"]), "legs": len(lead_route["legs"]),
            "route": 1}[layer]
    assert info["features"] == want
    types = dict(zip(info["fields"], info["dtypes"]))
    assert all(types[k].startswith("datetime64") for k in times), types
    assert "layer" not in types and "times" not in types
    if layer == "legs":
        assert types["observed_s"] == "float64" and types["length_m"] == "float64", types
        assert types["index"].startswith("int"), types
    if layer == "passages":
        assert types["passage_id"].startswith("int"), types
        df = pyogrio.read_dataframe(path)
        assert _same_times(df["captured_at"], lead_route)
        assert set(df["plate"]) == {lead_route["params"]["plate"]}
    for f in json.loads(payload)["features"]:
        for key, value in f["properties"].items():
            assert not isinstance(value, list), key  # no string lists (per-vertex times)
            if key in times:
                assert datetime.fromisoformat(value).utcoffset() is not None, key


def test_geojson_without_a_layer_is_refused(lead_route):
    from anpr.errors import BadInput

    with pytest.raises(BadInput, match="one file per layer"):
        export_route(lead_route, "geojson")
    assert export.route_file_name(7, "legs.geojson") == "route-7-legs.geojson"
    assert export.route_file_name(7, "gpkg") == "route-7.gpkg"
    assert [p for p in export.ROUTE_FILES if p.endswith(".geojson")] == [
        "passages.geojson", "legs.geojson", "route.geojson"]


def test_kml_attributes_are_typed(tmp_path, lead_route):
    """The legs' seconds and metres come back from GDAL as numbers (a typed Schema), not
    as text, as the plan KML's attributes do."""
    path, payload = _write(tmp_path, lead_route, "kml")
    info = pyogrio.read_info(path, layer="legs")
    types = dict(zip(info["fields"], info["dtypes"]))
    for name in ("observed_s", "expected_s", "excess_s", "length_m", "straight_m"):
        assert types[name] == "float64", (name, types)
    assert types["index"].startswith("int") and types["flag"] == "object", types
    legs = pyogrio.read_dataframe(path, layer="legs")
    assert legs["observed_s"].round(1).tolist() == [round(leg["observed_s"], 1)
                                                    for leg in lead_route["legs"]]
    assert legs["length_m"].round(1).tolist() == [leg["length_m"] for leg in lead_route["legs"]]
    info = pyogrio.read_info(path, layer="passages")
    types = dict(zip(info["fields"], info["dtypes"]))
    assert {"passage_id", "camera", "location_code", "plate"} <= set(types)
    info = pyogrio.read_info(path, layer="route")
    types = dict(zip(info["fields"], info["dtypes"]))
    assert types["legs"].startswith("int"), types
    assert b"<Data " not in payload and payload.count(b"<Schema ") == 3


def test_provision_passage_files_open_in_gdal(tmp_path, conn, demo_db, lead_route):
    """The package's CSV: geometry from its WKT column, types from the .csvt, CRS from the
    .prj, all without open options; the GeoJSON carries the same fields."""
    rows = conn.execute("""
        SELECT p.id, p.captured_at, p.camera_id, p.plate, p.plate_raw, p.country, p.confidence,
               ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat, l.code AS location_code,
               l.name AS location_name, c.inout::text AS inout, c.lane
          FROM jj126.passage p JOIN camera c ON c.id = p.camera_id
          JOIN location l ON l.id = c.location_id
         WHERE p.plate = %s ORDER BY p.captured_at""",
                        (lead_route["params"]["plate"],)).fetchall()
    assert rows
    files = export.provision_passages(rows, lambda r: "unverified")
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    csv_path, gj_path = tmp_path / "passages.csv", tmp_path / "passages.geojson"
    csv_info, gj_info = pyogrio.read_info(csv_path), pyogrio.read_info(gj_path)
    for info in (csv_info, gj_info):
        assert info["features"] == len(rows) and info["crs"] == "EPSG:4326"
    # a WKT column gives no layer geometry type in GDAL's CSV driver; every feature is a Point
    assert gj_info["geometry_type"] == "Point" and csv_info["geometry_type"] == "Unknown"
    csv_fields = [f for f in csv_info["fields"] if f != "WKT"]
    assert csv_fields == list(gj_info["fields"]) == export.PASSAGE_COLUMNS[1:]
    csv_types = dict(zip(csv_info["fields"], csv_info["dtypes"]))
    gj_types = dict(zip(gj_info["fields"], gj_info["dtypes"]))
    for name in ("captured_at_utc", "captured_at_local"):
        assert csv_types[name].startswith("datetime64") and gj_types[name].startswith("datetime64")
    assert csv_types["passage_id"] == "int64" and csv_types["lon"] == "float64"
    df = pyogrio.read_dataframe(csv_path)
    assert set(df.geometry.geom_type) == {"Point"}
    assert df.geometry.x.round(6).tolist() == [round(r["lon"], 6) for r in rows]
    assert df.geometry.y.round(6).tolist() == [round(r["lat"], 6) for r in rows]


def test_plan_layer_gpkg_has_date_columns(tmp_path, conn, demo_db):
    """The Staatscourant layer's dates are DATE columns in the GeoPackage, not strings."""
    from camera_registry import publication
    from camera_registry.plans import clock

    year = demo_db["end"].astimezone(clock.AMSTERDAM).year
    body, _, name = publication.export_plan(conn, year, "gpkg")
    path = tmp_path / name
    path.write_bytes(body)
    info = pyogrio.read_info(path)
    assert info["crs"] == "EPSG:4326" and info["geometry_type"] == "Point"
    types = dict(zip(info["fields"], info["ogr_types"]))
    assert {types[f] for f in ("signed_on", "valid_from", "valid_to")} == {"OFTDate"}
    assert types["cameras"] == "OFTInteger64" and types["hectometre"] == "OFTReal"
    df = pyogrio.read_dataframe(path)
    feats, matched = publication.plan_features(conn, year)
    assert len(df) == matched
    assert (df["valid_from"].dt.year == year).all()


@pytest.mark.parametrize("part", export.ROUTE_FILES)
def test_a_route_without_legs_still_opens(tmp_path, database_url, demo_db, lead_route, part):
    """One passage (no leg) and none at all: valid, empty layers rather than a 500."""
    one = {**lead_route, "passages": lead_route["passages"][:1], "legs": []}
    none = {**lead_route, "passages": [], "legs": []}
    layer, _, fmt = part.rpartition(".")
    for result, n in ((one, 1), (none, 0)):
        path, _ = _write(tmp_path, result, fmt, layer or None)
        if layer in ("legs", "route"):  # no leg: an empty collection
            assert json.loads(path.read_bytes())["features"] == []
            continue
        layer_name = {"gpx": "track_points", "kml": "passages", "gpkg": "passages"}.get(fmt)
        if fmt == "kml" and n == 0:
            assert pyogrio.list_layers(path) is not None
            continue
        df = (pyogrio.read_dataframe(path, layer=layer_name) if layer_name
              else pyogrio.read_dataframe(path))
        assert len(df) == n


def test_the_route_export_endpoint_gives_geojson_per_layer(app, login, demo_db, tmp_path):
    """The officers' route export (/api/v1/search/route/export): GeoJSON one file per layer,
    refused without a layer (in Dutch, before the search runs), each file one geometry
    type in GDAL."""
    from conftest import SearchClient, confirmed_request

    truth = json.loads((demo_db["home"] / "demo_ground_truth.json").read_text())
    plate = truth["detour"]["plate"]
    rid = confirmed_request(login("officer.mn"), plates=[plate], days=2)
    officer = SearchClient(app, "officer.mn", rid)  # each call after its preview
    body = {"plate": plate, "window": {"start": demo_db["start"].isoformat(),
                                       "end": demo_db["end"].isoformat()}}
    r = officer.post("/api/v1/search/route/export", json={**body, "format": "geojson"})
    assert r.status_code == 400
    assert r.get_json()["bericht"] == ("Een route als GeoJSON is één bestand per laag: geef laag "
                                       "passages, legs of route.")
    for layer, geometry in (("passages", "Point"), ("legs", "LineString"),
                            ("route", "LineString")):
        r = officer.post("/api/v1/search/route/export",
                         json={**body, "format": "geojson", "layer": layer})
        assert r.status_code == 200, r.get_data(as_text=True)[:300]
        assert f'route-{plate}.{layer}.geojson"' in r.headers["Content-Disposition"]
        path = tmp_path / f"{layer}.geojson"
        path.write_bytes(r.data)
        assert [tuple(x) for x in pyogrio.list_layers(path)] == [(layer, geometry)]
        assert pyogrio.read_info(path)["crs"] == "EPSG:4326"
