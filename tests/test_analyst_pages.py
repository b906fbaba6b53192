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
from casework_support import confirm_every_read
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
    confirm_every_read(officer, rid)
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
    route = provided["route"]
    for name in (f"route-{route}-passages.geojson", f"route-{route}-legs.geojson",
                 f"route-{route}-route.geojson", f"route-{route}.gpkg", f"route-{route}.kml",
                 f"route-{route}.gpx"):
        assert f'data-file="{name}"' in html, name
    assert f"route-{route}.geojson" not in html  # no mixed-geometry file any more


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
    """The one-time package holds the route as GeoJSON (one file per layer), GeoPackage,
    KML and GPX; each opens in GDAL with its layers' geometry type, the CRS declared and the
    provided passages counted; the manifest holds each file's SHA-256, and a later download
    by the analyst is the same bytes as the package held."""
    import hashlib

    z, route = provided["zip"], provided["route"]
    manifest = provided["manifest"]
    analyst = SessionClient(app, "analyst.mn")
    counted = {}
    kml_types = {}
    for name, layers in (
            (f"route-{route}-passages.geojson", {"passages": "Point"}),
            (f"route-{route}-legs.geojson", {"legs": "LineString"}),
            (f"route-{route}-route.geojson", {"route": "LineString"}),
            (f"route-{route}.gpkg", {"passages": "Point", "legs": "LineString",
                                     "route": "LineString"}),
            (f"route-{route}.kml", None),
            (f"route-{route}.gpx", {"tracks": "MultiLineString", "track_points": "Point",
                                    "routes": "LineString"})):
        assert name in z.namelist() and name in manifest["files"], name
        data = z.read(name)
        assert manifest["files"][name] == hashlib.sha256(data).hexdigest(), name
        path = tmp_path / name
        path.write_bytes(data)
        found = {n: g for n, g in pyogrio.list_layers(path)}
        if name.endswith(".geojson"):
            assert found == layers, (name, found)  # one layer, one geometry type
        for layer, geom in (layers or {}).items():
            assert found.get(layer) == geom, (name, found)
            assert pyogrio.read_info(path, layer=layer)["crs"] == "EPSG:4326", name
        if name.endswith((".gpkg", "-passages.geojson")):
            info = pyogrio.read_info(path, layer="passages")
            counted[name.rsplit(".", 1)[1]] = info["features"]
            types = dict(zip(info["fields"], info["dtypes"]))
            assert types["captured_at"].startswith("datetime64"), (name, types)
        if name.endswith(".gpx"):
            counted["gpx"] = pyogrio.read_info(path, layer="track_points",
                                               force_feature_count=True)["features"]
        if name.endswith(".kml"):
            info = pyogrio.read_info(path, layer="legs")
            kml_types = dict(zip(info["fields"], info["dtypes"]))
        r = analyst.get(f"/analyse/{provided['rid']}/download", query_string={"file": name})
        assert r.status_code == 200 and r.headers["X-Same-As-Provided"] == "yes", name
        assert r.data == data, name
    assert not any(n == f"route-{route}.geojson" for n in z.namelist())
    assert kml_types["observed_s"] == "float64" and kml_types["length_m"] == "float64"
    on_route = json.loads(z.read(f"route-{route}-passages.geojson"))["features"]
    assert counted == {"gpkg": len(on_route), "geojson": len(on_route),
                       "gpx": len(on_route)} and len(on_route) >= 4


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
    ctx = browser.new_context(bypass_csp=True, timezone_id="Europe/Amsterdam", accept_downloads=True)
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
    # The shared basemap, as on every map: offline land (or the internal tiles), the places
    # with their search, the road network.
    pg.wait_for_selector("#map[data-places]", timeout=30000)
    assert pg.locator("#map").get_attribute("data-basemap") in ("vector", "tiles")
    assert int(pg.locator("#map").get_attribute("data-places")) > 600
    assert pg.locator("#map .map-place-search input").count() == 1
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


LOCATION_TIME = "not verified (location/time search: no verification required)"


@pytest.mark.browser
def test_browser_analyst_filters_on_time_location_and_verification(browser, live_server,
                                                                   provided, artifacts):
    """The time filter (Europe/Amsterdam), the location filter and the verification filter
    narrow map and list together; the verification is shown in Dutch, and a location/time
    row and a read without a crop are separate choices. The package's own passages file,
    with one row marked as a location/time search's and one as not verifiable (the words
    the package writes), as the analyst's browser receives it."""
    from zoneinfo import ZoneInfo

    from casework.verification import NOT_VERIFIABLE

    ams = ZoneInfo("Europe/Amsterdam")
    fc = json.loads(provided["zip"].read("passages.geojson"))
    feats = fc["features"]
    n = len(feats)
    assert n >= 4
    # The demo's reads have no crop: the package calls them not verifiable. One row as a
    # location/time search's, one as a confirmed read.
    assert {f["properties"]["verification"] for f in feats} <= {NOT_VERIFIABLE,
                                                                "verified: confirmed"}
    feats[0]["properties"]["verification"] = LOCATION_TIME
    feats[1]["properties"]["verification"] = "verified: confirmed"
    kinds = [f["properties"]["verification"] for f in feats]
    times = sorted(datetime.fromisoformat(f["properties"]["captured_at_utc"]) for f in feats)

    def minute(t):  # what a datetime-local field holds: Amsterdam time to the minute
        return t.astimezone(ams).replace(second=0, microsecond=0, tzinfo=None)

    ctx = browser.new_context(bypass_csp=True, timezone_id="Europe/Amsterdam")
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    log_in(pg, live_server, "analyst.mn")
    pg.route("**/download?file=passages.geojson", lambda route: route.fulfill(
        status=200, content_type="application/geo+json", body=json.dumps(fc)))
    pg.goto(f"{live_server}/analyse/{provided['rid']}")
    pg.wait_for_selector("#map[data-ready='1']", timeout=30000)

    def shown() -> int:
        count = int(pg.locator("#shown").get_attribute("data-count"))
        assert pg.locator("path.an-passage").count() == count
        return count

    assert shown() == n
    # Dutch throughout: no English verification words on the page.
    column = pg.locator("#passages tbody td[data-verification]").all_inner_texts()
    assert "geverifieerd: bevestigd" in column and NOT_VERIFIABLE in column
    assert any(t.startswith("niet geverifieerd (zoekvraag op locatie/tijd") for t in column)
    assert not any("verified" in t or "search" in t for t in column), column
    # Verification: four separate choices.
    options = pg.locator("#f-verification option").all_inner_texts()
    assert "niet te verifiëren (geen uitsnede)" in options
    assert not any("uitsnede" in o and "locatie" in o for o in options), options
    for value, want in (("verified", kinds.count("verified: confirmed")),
                        ("location_time", 1), ("not_verifiable", kinds.count(NOT_VERIFIABLE)),
                        ("unverified", 0), ("", n)):
        pg.select_option("#f-verification", value)
        assert shown() == want, value
    cells = pg.locator("#passages tbody td[data-verification]")
    pg.select_option("#f-verification", "location_time")
    assert [t.split(" (")[0] for t in cells.all_inner_texts()] == ["niet geverifieerd"]
    pg.select_option("#f-verification", "")
    # Time: from the second passage's minute on, then up to the third's too.
    start, end = minute(times[1]), minute(times[2])
    pg.fill("#f-from", start.strftime("%Y-%m-%dT%H:%M"))
    want = sum(1 for t in times if minute(t) >= start and t.astimezone(ams).replace(
        tzinfo=None) >= start)
    assert shown() == want and want < n
    pg.fill("#f-to", end.strftime("%Y-%m-%dT%H:%M"))
    want = sum(1 for t in times if start <= t.astimezone(ams).replace(tzinfo=None)
               and t.astimezone(ams).replace(tzinfo=None) <= end)
    assert shown() == want
    pg.fill("#f-from", "")
    pg.fill("#f-to", "")
    assert shown() == n
    # Location: by code (and by part of the name, case ignored).
    first = feats[0]["properties"]
    at_first = sum(1 for f in feats if first["location_code"].lower() in (
        f["properties"]["location_code"] + " " + f["properties"]["location_name"]).lower())
    pg.fill("#f-location", first["location_code"].lower())
    assert shown() == at_first and at_first < n
    rows = pg.locator("#passages tbody tr td:nth-child(3)").all_inner_texts()
    assert all(first["location_code"] in r for r in rows)
    # Filters combine: that location and only the location/time row (the first passage).
    pg.select_option("#f-verification", "location_time")
    assert shown() == 1
    pg.screenshot(path=str(artifacts / "analyst_filters.png"))
    assert errors == []
    ctx.close()


@pytest.mark.browser
def test_browser_analyst_without_a_grant_sees_nothing(browser, live_server, provided):
    ctx = browser.new_context(bypass_csp=True, timezone_id="Europe/Amsterdam")
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


# -- after completion (these run last: they complete the module's request) ---------------------

LATE = "analyst.late"


def _completed(app, provided, database_url) -> SessionClient:
    """The module's request completed by its handling officer; an analyst account to grant."""
    from anpr import accounts

    with psycopg.connect(database_url, row_factory=dict_row) as c:
        if not c.execute("SELECT 1 FROM account WHERE username = %s", (LATE,)).fetchone():
            accounts.create(c, LATE, "Analist Na Afronding", "analyst", TEST_PASSWORD,
                            unit_code="MN", granted_by="test-setup")
        c.commit()
    officer = SessionClient(app, "officer.mn")
    status = officer.get(f"/api/v1/requests/{provided['rid']}").get_json()["status"]
    if status != "completed":
        r = officer.post(f"/api/v1/requests/{provided['rid']}/complete")
        assert r.status_code == 200, r.get_json()
    return officer


def test_grants_after_completion_in_the_api_and_on_the_page(app, provided, database_url):
    """R10: what was provided stays viewable after completion, so the handling officer may
    still give (and take back) sight of it; the request page offers exactly that (the grants,
    members and requester of record) and no hand-over, which the API refuses then."""
    officer = _completed(app, provided, database_url)
    rid = provided["rid"]
    html = officer.get(f"/requests/{rid}").get_data(as_text=True)
    assert 'id="relations-box"' in html and 'id="grants-list"' in html
    assert 'id="grant-add-do"' in html and 'id="member-add-do"' in html
    assert 'id="ho-do"' not in html and 'id="relations-completed"' in html
    late = SessionClient(app, LATE)
    assert late.get(f"/analyse/{rid}").status_code == 404
    r = officer.post(f"/api/v1/requests/{rid}/grants", json={"account": LATE})
    assert r.status_code == 201, r.get_json()
    assert LATE in {g["username"] for g in officer.get(f"/api/v1/requests/{rid}/grants").get_json()}
    assert late.get(f"/analyse/{rid}").status_code == 200
    got = late.get(f"/analyse/{rid}/download", query_string={"file": "passages.geojson"})
    assert got.status_code == 200 and got.headers["X-Same-As-Provided"] == "yes"
    late_id = next(g["id"] for g in officer.get(f"/api/v1/requests/{rid}/grants").get_json()
                   if g["username"] == LATE)
    assert officer.delete(f"/api/v1/requests/{rid}/grants/{late_id}").status_code == 200
    assert late.get(f"/analyse/{rid}").status_code == 404
    # The hand-over the page no longer offers is refused by the API too.
    r = officer.post(f"/api/v1/requests/{rid}/handover", json={"to": "officer2.mn",
                                                               "reason": "met verlof"})
    assert r.status_code == 409 and "afgerond" in r.get_json()["bericht"]


@pytest.mark.browser
def test_browser_grant_after_completion(browser, live_server, app, provided, database_url):
    """On the completed request's page the officer opens the box and gives an analyst sight
    of what was provided; the analyst then finds it on the analyst's page."""
    _completed(app, provided, database_url)
    rid = provided["rid"]
    ctx = browser.new_context(bypass_csp=True, timezone_id="Europe/Amsterdam")
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    log_in(pg, live_server, "officer.mn")
    pg.goto(f"{live_server}/requests/{rid}")
    pg.wait_for_selector("#request[data-status='completed']", state="attached")
    assert pg.locator("#ho-do").count() == 0
    pg.click("#relations-box summary")
    assert pg.locator("#grants-list").is_visible()
    pg.fill("#grant-add", LATE)
    pg.click("#grant-add-do")
    # the list holds the earlier grant already: wait for the new one by its name
    pg.wait_for_selector(f"#grants-list li[data-id]:has-text('{LATE}')")
    assert LATE in pg.locator("#grants-list").inner_text()
    assert errors == []
    ctx.close()
    assert SessionClient(app, LATE).get(f"/analyse/{rid}").status_code == 200
