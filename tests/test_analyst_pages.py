"""The analyst's page (R10's second viewing level), through the real HTTP path: an officer
provides a request with a plate and a route search and grants an analyst sight of it; that
analyst lands on the list, sees the provided passages and downloads every export, which
GDAL reads back as the package held it; an analyst without a grant sees nothing, and the
request's id answers 404 as one that does not exist."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import psycopg
import pyogrio
import pytest
from psycopg.rows import dict_row

from browser_support import browser, log_in  # noqa: F401  (fixture)
from conftest import TEST_PASSWORD, SessionClient, confirmed_request

UTC = timezone.utc
NO_GRANT = "analyst.nogrant"


@pytest.fixture(scope="module")
def provided(app, people, demo_db, database_url):
    """A provided request of officer.mn with a Q1 and a Q6 search on the detour plate, its
    results granted to analyst.mn (through the API, as the handling officer records it)."""
    from anpr import accounts

    with psycopg.connect(database_url, row_factory=dict_row) as c:
        if not c.execute("SELECT 1 FROM account WHERE username = %s", (NO_GRANT,)).fetchone():
            accounts.create(c, NO_GRANT, "Analist Zonder Recht", "analyst", TEST_PASSWORD,
                            unit_code="MN", granted_by="test-setup")
        c.commit()
    truth = json.loads((demo_db["home"] / "demo_ground_truth.json").read_text())
    plate = truth["detour"]["plate"]
    officer = SessionClient(app, "officer.mn")
    rid = confirmed_request(officer, plates=[plate], days=2)
    now = datetime.now(UTC)
    window = {"start": (now - timedelta(days=1)).isoformat(), "end": now.isoformat()}
    eids = {}
    for kind, params in (("plate", {"plates": [plate], "window": window}),
                         ("route", {"plate": plate, "window": window})):
        pre = officer.post(f"/api/v1/requests/{rid}/searches",
                           json={"kind": kind, "parameters": params})
        assert pre.status_code in (200, 201), pre.get_json()
        eids[kind] = pre.get_json()["enquiry_id"]
        run = officer.post(f"/api/v1/searches/{eids[kind]}/run")
        assert run.status_code == 200, run.get_json()
    while True:
        reads = officer.get(f"/api/v1/requests/{rid}/reads?page_size=500").get_json()["reads"]
        if not reads:
            break
        assert officer.post(f"/api/v1/requests/{rid}/verdicts", json={"verdicts": [
            {"passage_id": r["passage_id"], "captured_at": r["captured_at"],
             "verdict": "confirmed"} for r in reads]}).status_code == 200
    assert officer.post(f"/api/v1/requests/{rid}/grants",
                        json={"account": "analyst.mn"}).status_code == 201
    package = officer.post(f"/api/v1/requests/{rid}/package")
    assert package.status_code == 200, package.get_data(as_text=True)[:300]
    import io
    import zipfile

    z = zipfile.ZipFile(io.BytesIO(package.data))
    manifest = json.loads(z.read("manifest.json"))
    assert manifest["counts"]["passages_provided"] >= 4
    return {"rid": rid, "plate": plate, "route": eids["route"], "manifest": manifest,
            "reference": manifest["request"]["reference"], "zip": z}


def test_analyst_with_a_grant_lands_on_the_list_and_sees_the_results(app, provided):
    login_form = app.test_client()
    login_form.get("/login")
    with login_form.session_transaction() as s:
        token = s.get("csrf")
    landing = login_form.post("/login", data={"username": "analyst.mn", "password": TEST_PASSWORD,
                                              "csrf_token": token})
    assert landing.status_code == 302 and landing.headers["Location"].endswith("/analyse")
    analyst = SessionClient(app, "analyst.mn")
    page = analyst.get("/analyse").get_data(as_text=True)
    assert provided["reference"] in page and f'href="/analyse/{provided["rid"]}"' in page
    page = analyst.get(f"/analyse/{provided['rid']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for fmt in ("geojson", "gpkg", "kml", "gpx"):
        assert f"route-{provided['route']}.{fmt}" in html


@pytest.mark.parametrize("name,layers", [
    ("passages.geojson", {"passages": "Point"}),
    ("passages.csv", {"passages": "Point"}),
    (None, {"passages": "Point", "legs": "LineString", "route": "LineString"}),  # route gpkg
])
def test_downloads_are_the_provided_files_and_open_in_gdal(app, provided, tmp_path, name, layers):
    analyst = SessionClient(app, "analyst.mn")
    rid = provided["rid"]
    if name == "passages.csv":  # GDAL reads the CSV with its .csvt and .prj beside it
        for side in ("passages.csvt", "passages.prj"):
            r = analyst.get(f"/analyse/{rid}/download?file={side}")
            assert r.status_code == 200
            (tmp_path / side).write_bytes(r.data)
    file = name or f"route-{provided['route']}.gpkg"
    r = analyst.get(f"/analyse/{rid}/download", query_string={"file": file})
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert provided["reference"].replace("/", "_") in r.headers["Content-Disposition"] \
        or "attachment" in r.headers["Content-Disposition"]
    if name:  # the package held this file: the download is byte for byte the same
        assert r.headers["X-Same-As-Provided"] == "yes"
        assert r.data == provided["zip"].read(name)
    path = tmp_path / (name or "route.gpkg")
    path.write_bytes(r.data)
    for layer, geom in layers.items():
        kw = {"layer": layer} if len(layers) > 1 else {}
        info = pyogrio.read_info(path, **kw)
        if name == "passages.csv":  # a CSV's WKT column has no declared type: read it
            assert set(pyogrio.read_dataframe(path).geometry.geom_type) == {geom}
        else:
            assert info["geometry_type"] == geom, (file, layer, info["geometry_type"])
        assert info["crs"] == "EPSG:4326"
        if layer == "passages":
            assert info["features"] == provided["manifest"]["counts"]["passages_provided"] \
                or name is None
    if name is None:  # Debian's GDAL (QGIS LTR's) opens the GeoPackage without a warning
        import shutil
        import subprocess

        if shutil.which("ogrinfo"):
            out = subprocess.run(["ogrinfo", "-ro", "-so", "-al", str(path)], capture_output=True,
                                 text=True, timeout=120)
            assert out.returncode == 0 and "Warning" not in out.stderr, out.stderr
            assert "from_at: DateTime" in out.stdout and "captured_at: DateTime" in out.stdout
    if name == "passages.csv":
        info = pyogrio.read_info(path)
        types = dict(zip(info["fields"], info["dtypes"]))
        assert types["captured_at_utc"].startswith("datetime64"), types


def test_package_holds_the_route_in_every_format_and_each_opens_in_gdal(app, provided, tmp_path):
    """The one-time package holds the route as GeoJSON, GeoPackage, KML and GPX; each opens
    in GDAL with its layers' geometry type, the CRS declared and the provided passages
    counted; a later download by the analyst is the same bytes as the package held."""
    z, route = provided["zip"], provided["route"]
    manifest = provided["manifest"]
    analyst = SessionClient(app, "analyst.mn")
    counted = {}
    for fmt, layers in (("geojson", None), ("gpkg", {"passages": "Point", "legs": "LineString",
                                                     "route": "LineString"}),
                        ("kml", None), ("gpx", {"tracks": "MultiLineString",
                                                "track_points": "Point", "routes": "LineString"})):
        name = f"route-{route}.{fmt}"
        assert name in z.namelist() and name in manifest["files"], name
        data = z.read(name)
        path = tmp_path / name
        path.write_bytes(data)
        found = {n: g for n, g in pyogrio.list_layers(path)}
        for layer, geom in (layers or {}).items():
            assert found.get(layer) == geom, (name, found)
            assert pyogrio.read_info(path, layer=layer)["crs"] == "EPSG:4326", name
        if fmt == "gpkg":
            counted[fmt] = pyogrio.read_info(path, layer="passages")["features"]
        if fmt == "gpx":
            counted[fmt] = pyogrio.read_info(path, layer="track_points",
                                            force_feature_count=True)["features"]
        r = analyst.get(f"/analyse/{provided['rid']}/download", query_string={"file": name})
        assert r.status_code == 200 and r.headers["X-Same-As-Provided"] == "yes", name
        assert r.data == data, name
    on_route = [f for f in json.loads(z.read(f"route-{route}.geojson"))["features"]
                if f["properties"]["layer"] == "passages"]
    assert counted == {"gpkg": len(on_route), "gpx": len(on_route)} and len(on_route) >= 4


def test_route_as_gpx_and_kml(app, provided, tmp_path):
    analyst = SessionClient(app, "analyst.mn")
    for fmt in ("gpx", "kml"):
        r = analyst.get(f"/analyse/{provided['rid']}/download",
                        query_string={"file": f"route-{provided['route']}.{fmt}"})
        assert r.status_code == 200
        path = tmp_path / f"route.{fmt}"
        path.write_bytes(r.data)
        assert pyogrio.list_layers(path).size


def test_bad_file_name_is_a_400_and_reading_is_audited(app, provided, conn):
    analyst = SessionClient(app, "analyst.mn")
    for bad in ("", "../etc/passwd", "route-1.gpkg", "passages.shp", "x" * 5000):
        r = analyst.get(f"/analyse/{provided['rid']}/download", query_string={"file": bad})
        assert r.status_code == 400, (bad, r.status_code)
    from anpr import audit

    logged = audit.entries(conn, subject=f"request:{provided['rid']}", action="provided.read")
    assert any(e["actor"] == "analyst.mn" for e in logged)


def test_analyst_without_a_grant_sees_nothing(app, provided, conn):
    other = SessionClient(app, NO_GRANT)
    page = other.get("/analyse").get_data(as_text=True)
    assert provided["reference"] not in page and 'id="none"' in page
    for url in (f"/analyse/{provided['rid']}",
                f"/analyse/{provided['rid']}/download?file=passages.csv"):
        r = other.get(url)
        assert r.status_code == 404, (url, r.status_code)
        text = r.get_data(as_text=True)
        assert "Niet gevonden" in text and provided["plate"] not in text
        # The same answer as for a request that does not exist.
        ghost = other.get(url.replace(f"/{provided['rid']}", "/2000000000"))
        assert ghost.status_code == 404 and ghost.get_data(as_text=True) == text
    from anpr import audit

    logged = audit.entries(conn, subject=f"request:{provided['rid']}", action="access.refused")
    assert any(e["actor"] == NO_GRANT for e in logged)


# -- in Chromium --------------------------------------------------------------------------------

@pytest.mark.browser
def test_browser_analyst_downloads_an_export(browser, live_server, provided, tmp_path, artifacts):
    ctx = browser.new_context(timezone_id="Europe/Amsterdam", accept_downloads=True)
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    log_in(pg, live_server, "analyst.mn")
    assert pg.url.endswith("/analyse")
    pg.click(f"#requests a[href='/analyse/{provided['rid']}']")
    pg.wait_for_selector("#map[data-ready='1']", timeout=30000)
    n = provided["manifest"]["counts"]["passages_provided"]
    assert pg.locator("#shown").get_attribute("data-count") == str(n)
    assert pg.locator("path.an-passage").count() == n
    assert pg.locator("path.an-leg").count() >= 1
    assert pg.locator("#legend").is_visible()
    pg.screenshot(path=str(artifacts / "analyst_results.png"))
    # A filter narrows map and list together.
    first = pg.locator("#passages tbody tr").first.get_attribute("data-passage")
    pg.fill("#f-plate", "ZZZZZZ")
    assert pg.locator("#shown").get_attribute("data-count") == "0"
    pg.fill("#f-plate", provided["plate"][:3])
    assert pg.locator("#shown").get_attribute("data-count") == str(n)
    assert first
    with pg.expect_download() as dl:
        pg.click(f"a[data-file='route-{provided['route']}.gpx']")
    path = tmp_path / "route.gpx"
    dl.value.save_as(path)
    assert dl.value.suggested_filename.endswith(f"route-{provided['route']}.gpx")
    assert len(pyogrio.read_dataframe(path, layer="tracks")) == 1
    # The track's points are the real passages (the plate's, as the Q1 search provided).
    assert len(pyogrio.read_dataframe(path, layer="track_points")) == n
    with pg.expect_download() as dl:
        pg.click("a[data-file='passages.geojson']")
    dl.value.save_as(tmp_path / "passages.geojson")
    assert pyogrio.read_info(tmp_path / "passages.geojson")["features"] == n
    assert errors == []
    ctx.close()


@pytest.mark.browser
def test_browser_analyst_without_a_grant_sees_nothing(browser, live_server, provided):
    ctx = browser.new_context(timezone_id="Europe/Amsterdam")
    pg = ctx.new_page()
    log_in(pg, live_server, NO_GRANT)
    assert pg.url.endswith("/analyse")
    assert pg.locator("#none").is_visible()
    assert provided["reference"] not in pg.content()
    resp = pg.goto(f"{live_server}/analyse/{provided['rid']}")
    assert resp.status == 404
    assert "Niet gevonden" in pg.locator("#error").inner_text()
    ctx.close()


def test_other_roles_are_refused_in_words(app, provided):
    editor = SessionClient(app, "editor")  # a plan editor has no casework relations
    for url in ("/analyse", f"/analyse/{provided['rid']}"):
        r = editor.get(url)
        assert r.status_code == 403 and "voor analisten" in r.get_data(as_text=True), url


def test_officers_and_requesters_find_what_was_provided_to_them(app, provided):
    """The handling officer finds his provided request here too; an officer of the unit
    without a relation finds nothing and gets the 404 of a request that does not exist."""
    handler = SessionClient(app, "officer.mn")
    assert provided["reference"] in handler.get("/analyse").get_data(as_text=True)
    assert handler.get(f"/analyse/{provided['rid']}").status_code == 200
    colleague = SessionClient(app, "officer2.mn")
    assert provided["reference"] not in colleague.get("/analyse").get_data(as_text=True)
    assert colleague.get(f"/analyse/{provided['rid']}").status_code == 404
    requester = SessionClient(app, "requester.mn")
    assert requester.get("/analyse").status_code == 200
