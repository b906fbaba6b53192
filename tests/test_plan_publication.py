"""The Staatscourant layer: every download round-trips through GDAL with the same
features and attributes; the HTML listing and the public pages need no login."""
from __future__ import annotations

import io

import pyogrio
import pytest

from camera_registry import publication
from camera_registry.plans import clock


@pytest.fixture(scope="module")
def year(demo_db) -> int:
    return demo_db["end"].astimezone(clock.AMSTERDAM).year


def _expected(conn, year):
    feats, matched = publication.plan_features(conn, year)
    assert matched == len(feats) > 250
    return {f["id"]: f for f in feats}


def _norm(value, kind):
    if value is None or value == "" or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "strftime"):  # GDAL reads ISO dates in GeoJSON/GPKG as dates
        return value.strftime("%Y-%m-%d")
    if kind == "int":
        return int(value)
    if kind == "float":
        return round(float(value), 4)
    return str(value)


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "kml", "csv"])
def test_exports_round_trip_through_gdal(demo_db, conn, year, fmt, tmp_path):
    expected = _expected(conn, year)
    body, media, name = publication.export_plan(conn, year, fmt)
    path = tmp_path / name
    path.write_bytes(body)
    kwargs = {"X_POSSIBLE_NAMES": "lon", "Y_POSSIBLE_NAMES": "lat", "KEEP_GEOM_COLUMNS": "NO"} \
        if fmt == "csv" else {}
    df = pyogrio.read_dataframe(path, **kwargs)
    if fmt == "kml":  # KML keeps the name as the placemark's <name>
        df = df.rename(columns={"Name": "name"})
    assert len(df) == len(expected)
    assert set(publication.FIELDS) <= set(df.columns)
    got = {row["feature_id"]: row for _, row in df.iterrows()}
    assert set(got) == set(expected)
    for fid, feat in expected.items():
        row = got[fid]
        for field, kind in publication.FIELDS.items():
            assert _norm(row[field], kind) == _norm(feat["properties"][field], kind), (fmt, fid, field)
        lon, lat = feat["geometry"]["coordinates"]
        assert row.geometry.x == pytest.approx(lon, abs=1e-6)
        assert row.geometry.y == pytest.approx(lat, abs=1e-6)
    if fmt in ("gpkg", "geojson"):
        info = pyogrio.read_info(path)
        assert info["crs"] == "EPSG:4326"


def test_unknown_format_and_draft_refused(demo_db, conn, year):
    from anpr.errors import BadInput, NotFound
    from camera_registry import plans

    with pytest.raises(BadInput):
        publication.export_plan(conn, year, "shp")
    plans.create_draft(conn, 2040, actor="editor")
    with pytest.raises(NotFound):
        publication.export_plan(conn, 2040, "geojson")


def test_listing_groups_by_unit_with_criteria(demo_db, conn, year):
    data = publication.listing(conn, year)
    assert len(data["units"]) >= 10
    assert data["counts"]["locations"] > 250
    assert all(p["motivation"] and p["criteria"] for u in data["units"] for p in u["fixed"])
    assert data["mobile"] and data["prior_mobile"]


def test_public_pages_need_no_login(client, year):
    page = client.get(f"/plans/{year}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"Cameraplan ANPR Nationale Politie {year}" in html and "Eenheid Midden-Nederland" in html
    assert "Locaties van mobiele camera" in html
    for fmt in publication.FORMATS:
        r = client.get(f"/plans/{year}/cameraplan.{fmt}")
        assert r.status_code == 200 and r.data and "attachment" in r.headers["Content-Disposition"]
    assert client.get(f"/plans/{year}/cameraplan.exe").status_code == 400
    assert client.get("/plans/2090").status_code == 404
    assert client.get("/plans").status_code == 200
    assert client.get("/plans/map").status_code == 200
    d = client.get(f"/plans/diff/{year - 1}/{year}")
    assert d.status_code == 200 and "Locaties toegevoegd" in d.get_data(as_text=True)
