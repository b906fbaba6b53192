"""The Staatscourant layer: every download round-trips through GDAL with the same
features and attributes; the HTML listing and the public pages need no login."""
from __future__ import annotations

import io

import pyogrio
import pytest

from camera_registry import publication
from camera_registry.plans import CRITERIA, clock


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
    if fmt == "csv":  # the .csvt and .prj beside it, as the listing offers them
        for side in ("csvt", "prj"):
            (tmp_path / f"cameraplan_{year}.{side}").write_bytes(
                publication.export_plan(conn, year, side)[0])
    df = pyogrio.read_dataframe(path)  # no open options: GDAL finds geometry and CRS itself
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
    info = pyogrio.read_info(path)
    assert info["crs"] == "EPSG:4326", fmt
    types = dict(zip(info["fields"], info["dtypes"]))
    if fmt != "kml":  # KML has no date type; its dates are the TimeSpan (below)
        assert all(types[k].startswith("datetime64") for k in ("signed_on", "valid_from",
                                                               "valid_to")), (fmt, types)
    assert types["year"].startswith("int") and types["cameras"].startswith("int"), (fmt, types)
    assert types["hectometre"] == "float64", (fmt, types)


def _ogrinfo(path) -> tuple[str, str]:
    """Debian's own GDAL (as QGIS LTR on Debian 12 reads files), not the wheel's newer one."""
    import shutil
    import subprocess

    if not shutil.which("ogrinfo"):
        pytest.skip("Debian's gdal-bin (ogrinfo) is not installed")
    r = subprocess.run(["ogrinfo", "-ro", "-so", "-al", str(path)], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout, r.stderr


@pytest.mark.parametrize("fmt, geometry", [("geojson", "Point"), ("gpkg", "Point"),
                                           ("csv", "Unknown (any)"), ("kml", "Unknown (any)")])
def test_exports_open_in_debians_gdal_without_warnings(demo_db, conn, year, fmt, geometry,
                                                       tmp_path):
    for ext in ([fmt, "csvt", "prj"] if fmt == "csv" else [fmt]):
        body, _, name = publication.export_plan(conn, year, ext)
        (tmp_path / name).write_bytes(body)
    out, err = _ogrinfo(tmp_path / f"cameraplan_{year}.{fmt}")
    assert "Warning" not in err and "partially supported" not in err, err
    assert f"Geometry: {geometry}" in out and 'ID["EPSG",4326]' in out, out[:2000]
    if fmt in ("gpkg", "geojson", "csv"):
        for field in ("signed_on", "valid_from", "valid_to"):
            assert f"{field}: Date" in out, (fmt, field)


def test_kml_carries_the_plan_validity_as_timespan_and_criteria_in_words(demo_db, conn, year,
                                                                        tmp_path):
    """A KML viewer's time slider works on the validity; the popup names the criteria."""
    body, _, name = publication.export_plan(conn, year, "kml")
    path = tmp_path / name
    path.write_bytes(body)
    df = pyogrio.read_dataframe(path)
    expected = _expected(conn, year)
    for _, row in df.iterrows():
        props = expected[row["feature_id"]]["properties"]
        assert row["begin"].strftime("%Y-%m-%d") == props["valid_from"]
        assert row["end"].strftime("%Y-%m-%d") == props["valid_to"]
        for letter in props["criteria"].split(","):
            assert f"{letter}: {CRITERIA[letter]}" in row["description"]
    text = body.decode()
    assert text.count("<TimeSpan>") == len(expected) and "<styleUrl>#mobile</styleUrl>" in text


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


def test_a_name_with_a_control_character_keeps_the_published_kml_readable(
        demo_db, conn, login):
    """An editor pasted a location name with a vertical tab and an escape (from a
    document) through the registry editor; the published plan's KML (the public download's
    body), which ElementTree wrote with those characters as they were, no longer parsed as
    XML: not in a KML viewer, not in GDAL. They are U+FFFD there now; GeoJSON keeps the
    name exactly."""
    import json
    from datetime import datetime, timezone
    from xml.etree import ElementTree as ET

    from camera_registry import plans

    code = conn.execute("SELECT code FROM location WHERE owner = 'police'"
                        " ORDER BY code LIMIT 1 OFFSET 5").fetchone()["code"]
    conn.rollback()
    editor = login("editor")
    url = f"/api/v1/registry/locations/{code}"
    old = editor.get(url).get_json()["name"]
    pasted = "Knooppunt\x0bNoord \x1b[1m\x7f (afrit\x0c3)"
    assert editor.patch(url, json={"name": pasted}).status_code == 200
    try:
        # published on the test's connection, rolled back after it: a published plan is
        # never removed, and a committed one would be every later test's newest plan
        year = 2043
        plans.create_draft(conn, year, actor="editor")
        plans.ratify(conn, year, chief="korpschef", actor="editor")
        plans.publish(conn, year, actor="editor", at=datetime(year, 1, 1, tzinfo=timezone.utc))
        body, mime, _ = publication.export_plan(conn, year, "kml")   # what the download sends
        root = ET.fromstring(body)                                     # it parses
        names = [el.text for el in root.iter("{http://www.opengis.net/kml/2.2}name")]
        assert "Knooppunt\ufffdNoord \ufffd[1m\x7f (afrit\ufffd3)" in names
        geo = json.loads(publication.export_plan(conn, year, "geojson")[0])
        assert pasted in {f["properties"]["name"] for f in geo["features"]}
        conn.rollback()
    finally:
        assert editor.patch(url, json={"name": old}).status_code == 200
