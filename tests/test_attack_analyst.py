"""The analyst's path under attack (R10's viewing levels, R7, R1), through the real HTTP path.

A request of its own is provided with a block search at one location (location/time rows,
no verification) and a route search on the demo's detour plate (its reads confirmed), and
granted to one analyst. Then the analyst's pages and downloads are driven as an analyst's
browser and as an attacker with a valid account would: other relations, file names that
are no file of the package, ids out of range, and what the officer does after provision.
"""
from __future__ import annotations

import io
import json
import uuid
import zipfile
from datetime import datetime, timedelta, timezone

import psycopg
import pytest
from psycopg.rows import dict_row

from casework_support import confirm_every_read
from conftest import TEST_PASSWORD, SessionClient, confirmed_request

UTC = timezone.utc
STRANGER = "analyst.stranger"
LATER = "analyst.later"
NOBODY = "analyst.nobody"


def _order(demo_db, plates, locations) -> dict:
    now = datetime.now(UTC)
    return {
        "received_at": now.isoformat(), "requester_name": "K. Mulder",
        "requester_function": "tactisch rechercheur", "order_reference": "OvJ-ANALIST",
        "prosecutor": "mr. B. de Boer", "prosecutor_office": "Parket Den Haag",
        "order_at": (now - timedelta(minutes=30)).isoformat(), "order_kind": "written",
        "crime_code": "289", "purpose": "doel", "facts": "GEHEIME-FEITEN-ANALIST",
        "suspect": "verdachte", "photos": False,
        "investigation": {"system": "BVH", "number": f"AN-{uuid.uuid4().hex[:10]}",
                          "name": "Onderzoek Analist"},
        "scope": {"windows": [{"start": demo_db["start"].isoformat(),
                               "end": demo_db["end"].isoformat()}],
                  "plates": plates, "locations": locations}}


def _run(officer, rid: int, kind: str, params: dict) -> int:
    pre = officer.post(f"/api/v1/requests/{rid}/searches",
                       json={"kind": kind, "parameters": params})
    assert pre.status_code in (200, 201), pre.get_json()
    eid = pre.get_json()["enquiry_id"]
    run = officer.post(f"/api/v1/searches/{eid}/run")
    assert run.status_code == 200, run.get_json()
    return eid


@pytest.fixture(scope="module")
def accounts_made(people, database_url):
    from anpr import accounts

    with psycopg.connect(database_url, row_factory=dict_row) as c:
        for name in (STRANGER, LATER, NOBODY):
            if not c.execute("SELECT 1 FROM account WHERE username = %s", (name,)).fetchone():
                accounts.create(c, name, name.title(), "analyst", TEST_PASSWORD,
                                unit_code="MN", granted_by="test-setup")
        c.commit()
    return True


def _provide(app, demo_db, truth, busiest_location) -> dict:
    """officer.mn's provided request: a block search at the busiest location for the demo's
    first hour and a route search on the detour plate, granted to analyst.mn."""
    officer = SessionClient(app, "officer.mn")
    plate = truth["detour"]["plate"]
    rid = confirmed_request(officer, days=2)
    start = demo_db["start"]
    first_hour = {"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}
    whole = {"start": start.isoformat(), "end": demo_db["end"].isoformat()}
    block = _run(officer, rid, "block", {"selection": {"kind": "pick",
                                                       "locations": [busiest_location]},
                                         "window": first_hour})
    route = _run(officer, rid, "route", {"plate": plate, "window": whole})
    confirm_every_read(officer, rid)
    assert officer.post(f"/api/v1/requests/{rid}/grants",
                        json={"account": "analyst.mn"}).status_code == 201
    package = officer.post(f"/api/v1/requests/{rid}/package")
    assert package.status_code == 200, package.get_data(as_text=True)[:300]
    z = zipfile.ZipFile(io.BytesIO(package.data))
    manifest = json.loads(z.read("manifest.json"))
    return {"rid": rid, "plate": plate, "block": block, "route": route, "zip": z,
            "manifest": manifest, "location": busiest_location, "whole": whole,
            "start": start, "officer": officer,
            "reference": manifest["request"]["reference"]}


@pytest.fixture(scope="module")
def provided(app, accounts_made, demo_db, truth, busiest_location):
    return _provide(app, demo_db, truth, busiest_location)


def _download(client, rid: int, name: str):
    return client.get(f"/analyse/{rid}/download", query_string={"file": name})


def _reads(conn, rid: int, actor: str) -> list[str]:
    conn.rollback()
    from anpr import audit

    return [e["details"].get("file") for e in audit.entries(conn, subject=f"request:{rid}",
                                                             action="provided.read")
            if e["actor"] == actor]


# -- defects found and fixed ---------------------------------------------------------------

def test_a_file_name_with_a_line_break_is_a_400_not_a_500(app, provided, conn):
    """The route file's name was matched with ``$``, which also matches before a final line
    break: ``route-<id>.kml`` followed by a newline was taken for the KML, built, audited,
    and then failed as a header value (Content-Disposition) with a 500. Now it is no file of
    the package: 400, in words, and no read recorded."""
    analyst = SessionClient(app, "analyst.mn")
    rid, route = provided["rid"], provided["route"]
    before = _reads(conn, rid, "analyst.mn")
    for name in (f"route-{route}.kml\n", f"route-{route}.gpx\n", f"route-{route}.gpkg\n",
                 f"route-{route}-legs.geojson\n", f"route-{route}.kml\r\n",
                 "passages.csv\n", f"route-{route}.kml\nX-Evil: 1"):
        r = _download(analyst, rid, name)
        assert r.status_code == 400, (name, r.status_code)
        assert "X-Evil" not in r.headers and "Content-Disposition" not in r.headers
    assert _reads(conn, rid, "analyst.mn") == before


def test_a_search_run_after_provision_is_not_shown_as_provided(app, accounts_made, demo_db,
                                                               truth, busiest_location):
    """R10: an analyst sees what was provided. The officer may still search a provided
    request (its package is made once), but the analyst's passages were read from every run
    search of the request, so a block search run after provision showed its passages on
    the analyst's map and in the downloads as if they had been provided. Now the analyst's
    files hold the searches the manifest lists: the same bytes as in the package."""
    got = _provide(app, demo_db, truth, busiest_location)
    officer, rid, start = got["officer"], got["rid"], got["start"]
    later = _run(officer, rid, "block", {
        "selection": {"kind": "pick", "locations": [got["location"]]},
        "window": {"start": (start + timedelta(hours=1)).isoformat(),
                   "end": (start + timedelta(hours=3)).isoformat()}})
    assert later not in {s["id"] for s in got["manifest"]["searches"]}
    analyst = SessionClient(app, "analyst.mn")
    for name in ("passages.geojson", "passages.csv"):
        r = _download(analyst, rid, name)
        assert r.status_code == 200
        assert r.headers["X-Same-As-Provided"] == "yes", name
        assert r.data == got["zip"].read(name), name
    fc = json.loads(_download(analyst, rid, "passages.geojson").data)
    assert len(fc["features"]) == got["manifest"]["counts"]["passages_provided"]


# -- attacks that hold ---------------------------------------------------------------------

HOSTILE = ('<b onclick="x()">A&amp;B</b> ]]> \'q\' "dq" &lt; <![CDATA[x]]> '
           '\x01\x07\x1b\x7f \u2028 =HYPERLINK("http://x") é' + "Z" * 1500)


def test_a_hostile_location_name_is_carried_as_text_in_every_file(app, accounts_made, demo_db,
                                                                  truth, busiest_location,
                                                                  tmp_path):
    """A location's name is free text an editor types (markup, quotes, control characters,
    1,500 characters more): the analyst's passages.csv and passages.geojson stay what
    Python's csv and json and GDAL read, and carry the name as it is (the GeoJSON exact, the
    CSV too since the name does not start like a formula); the route files name locations by
    their code only, and still open in GDAL."""
    editor = SessionClient(app, "editor")
    url = f"/api/v1/registry/locations/{busiest_location}"
    old = editor.get(url).get_json()["name"]
    assert editor.patch(url, json={"name": HOSTILE}).status_code == 200
    try:
        _hostile_files(app, _provide(app, demo_db, truth, busiest_location), busiest_location,
                       tmp_path)
    finally:
        assert editor.patch(url, json={"name": old}).status_code == 200


def _hostile_files(app, got, busiest_location, tmp_path):
    import csv

    import pyogrio

    analyst = SessionClient(app, "analyst.mn")
    rid = got["rid"]
    fc = json.loads(_download(analyst, rid, "passages.geojson").data)
    names = {f["properties"]["location_code"]: f["properties"]["location_name"]
             for f in fc["features"]}
    assert names[busiest_location] == HOSTILE
    data = _download(analyst, rid, "passages.csv").data
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    assert {r["location_name"] for r in rows if r["location_code"] == busiest_location} \
        == {HOSTILE}
    for name in ("passages.csv", "passages.csvt", "passages.prj", "passages.geojson"):
        (tmp_path / name).write_bytes(_download(analyst, rid, name).data)
    for name in ("passages.csv", "passages.geojson"):
        df = pyogrio.read_dataframe(tmp_path / name)
        assert HOSTILE in set(df["location_name"]), name
    for part in ("passages.geojson", "legs.geojson", "route.geojson", "gpkg", "kml", "gpx"):
        from gis import export

        name = export.route_file_name(got["route"], part)
        r = _download(analyst, rid, name)
        assert r.status_code == 200 and r.headers["X-Same-As-Provided"] == "yes", name
        if part in ("kml", "gpx"):
            from xml.etree import ElementTree as ET

            ET.fromstring(r.data)
        path = tmp_path / name
        path.write_bytes(r.data)
        assert pyogrio.list_layers(path).size, name


def test_route_xml_escapes_markup_in_codes_and_plates():
    """What a KML or GPX writes from a value (a location code, a camera id, a plate) is
    text: markup, an entity, a CDATA end and quotes come back as they went in."""
    from xml.etree import ElementTree as ET

    from gis import export

    evil = 'MN-<x a="1">&amp;]]>\'"-001'
    at = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    result = {"params": {"plate": evil}, "passages": [
        {"id": i, "camera_id": evil + "-R1", "location_code": evil,
         "captured_at": at + timedelta(minutes=i), "lon": 5.0 + i / 100, "lat": 52.0}
        for i in range(2)], "legs": [
        {"index": 0, "from_location": evil, "to_location": evil, "from_camera": evil,
         "to_camera": evil, "from_passage": 0, "to_passage": 1, "from_at": at,
         "to_at": at + timedelta(minutes=1), "flag": "ok", "observed_s": 60.0,
         "expected_s": 55.0, "excess_s": 5.0, "length_m": 900.0, "straight_m": 800.0,
         "kmh_straight": 48.0, "coordinates": [[5.0, 52.0], [5.01, 52.0]]}]}
    for fmt in ("kml", "gpx"):
        data = export.route_file(result, fmt)[0]
        texts = [el.text for el in ET.fromstring(data).iter() if el.text]
        assert evil in texts, fmt
        assert any(evil in t and t != evil for t in texts), fmt  # "evil -> evil", "camera evil"


RELATIONS = ("no grant", "grant revoked", "grant on another request", "member elsewhere",
             "other unit", "anonymous")


@pytest.fixture(scope="module")
def strangers(app, provided, accounts_made, database_url):
    """Accounts with every wrong relation to the provided request, recorded through the API:
    an analyst without a grant, one whose grant was withdrawn, one with a grant on another
    (provided) request, an officer who is a member of another investigation, an officer of
    another unit, and anonymous."""
    officer = provided["officer"]
    rid = provided["rid"]
    with psycopg.connect(database_url, row_factory=dict_row) as c:
        later_id = c.execute("SELECT id FROM account WHERE username = %s",
                             (LATER,)).fetchone()["id"]
    assert officer.post(f"/api/v1/requests/{rid}/grants", json={"account": LATER}
                        ).status_code == 201
    assert officer.delete(f"/api/v1/requests/{rid}/grants/{later_id}").status_code == 200
    other = confirmed_request(officer, days=1)
    assert officer.post(f"/api/v1/requests/{other}/grants", json={"account": STRANGER}
                        ).status_code == 201
    assert officer.post(f"/api/v1/requests/{other}/members", json={"account": "officer2.mn"}
                        ).status_code == 201
    anon = app.test_client()
    return {"no grant": SessionClient(app, NOBODY),
            "grant revoked": SessionClient(app, LATER),
            "grant on another request": SessionClient(app, STRANGER),
            "member elsewhere": SessionClient(app, "officer2.mn"),
            "other unit": SessionClient(app, "officer.rt"), "anonymous": anon}


@pytest.mark.parametrize("relation", RELATIONS)
def test_every_wrong_relation_gets_the_answer_of_a_request_that_does_not_exist(
        app, provided, strangers, relation):
    """On the list, the page and every download (whatever the file parameter: a real file,
    a traversal, another request's route), a wrong relation gets the same answer as an id
    that does not exist, no-store, revealing no plate, camera or reference."""
    client = strangers[relation]
    rid = provided["rid"]
    page = client.get("/analyse")
    if page.status_code == 200:
        assert provided["reference"] not in page.get_data(as_text=True)
    files = ["passages.csv", "passages.geojson", f"route-{provided['route']}.kml",
             "../manifest.json", "/etc/passwd", "crops/1.jpg", "", "x" * 5000]
    urls = [f"/analyse/{rid}", *(f"/analyse/{rid}/download?file={f}" for f in files)]
    for url in urls:
        r = client.get(url)
        text = r.get_data(as_text=True)
        assert r.status_code in (302, 401, 403, 404), (relation, url, r.status_code)
        assert r.headers.get("Cache-Control") == "no-store", url
        for secret in (provided["plate"], provided["reference"], provided["location"]):
            assert secret not in text, (relation, url, secret)
        ghost = client.get(url.replace(f"/analyse/{rid}", "/analyse/2000000000"))
        assert ghost.status_code == r.status_code, (relation, url)
        # (anonymous: the login redirect names the page asked for)
        assert ghost.get_data(as_text=True).replace("/analyse/2000000000", "/analyse/N") \
            == text.replace(f"/analyse/{rid}", "/analyse/N"), (relation, url)


def test_a_grantee_gets_a_400_for_any_name_that_is_no_file_of_the_package(app, provided,
                                                                          conn):
    """Traversals, absolute paths, encodings, backslashes, NUL, the manifest, crops and
    photos, another request's route, a route id of this request that is no route search,
    ids past 64 bits: 400 (NUL at the door), no-store, nothing read."""
    analyst = SessionClient(app, "analyst.mn")
    rid, route, block = provided["rid"], provided["route"], provided["block"]
    before = _reads(conn, rid, "analyst.mn")
    for name in ("../passages.csv", "..%2Fpassages.csv", "%2e%2e/passages.csv",
                 "/etc/passwd", "C:\\\\passages.csv", "..\\\\passages.csv", "./passages.csv",
                 "passages.csv/", "passages.csv ", " passages.csv", "PASSAGES.CSV",
                 "passages.csv%00", "manifest.json", "crops/1.jpg", "photos/1.jpg",
                 f"route-{block}.kml", f"route-{route}.zip", f"route-{route}-x.geojson",
                 f"route-{route}.geojson", f"route-0{route}.kml", f"route--{route}.kml",
                 "route-99999999999999999999.kml", f"route-{route}.kml/../passages.csv",
                 "passages.csv\u2028", "route-\u0662.kml"):
        r = _download(analyst, rid, name)
        assert r.status_code == 400, (name, r.status_code)
        assert r.headers.get("Cache-Control") == "no-store"
    r = analyst.get(f"/analyse/{rid}/download?file=passages.csv%00")
    assert r.status_code == 400
    assert _reads(conn, rid, "analyst.mn") == before


def test_ids_out_of_range_are_404_not_500(app, provided):
    analyst = SessionClient(app, "analyst.mn")
    for rid in ("0", "9223372036854775807", "9223372036854775808", "1" + "0" * 40):
        for url in (f"/analyse/{rid}", f"/analyse/{rid}/download?file=passages.csv"):
            assert analyst.get(url).status_code == 404, url
    assert analyst.get("/analyse/-1").status_code == 404


def test_the_requester_of_a_rejected_request_sees_that_nothing_was_provided(app, provided):
    """The requester of record keeps his relation after a rejection, but nothing was
    provided: 409 in words, no data; the list shows no provided results."""
    officer = provided["officer"]
    rid = confirmed_request(officer, days=1)
    assert officer.put(f"/api/v1/requests/{rid}/requester",
                       json={"account": "requester.mn"}).status_code == 200
    assert officer.post(f"/api/v1/requests/{rid}/reject",
                        json={"reason": "geen grond"}).status_code == 200
    requester = SessionClient(app, "requester.mn")
    for url in (f"/analyse/{rid}", f"/analyse/{rid}/download?file=passages.csv"):
        r = requester.get(url)
        assert r.status_code == 409, (url, r.status_code)
        assert r.headers.get("Cache-Control") == "no-store"


def test_the_analyst_gets_no_photo_or_crop(app, provided):
    """An analyst's files are the passages and the routes, never a crop or a photo, and
    the crop route refuses a grant holder."""
    analyst = SessionClient(app, "analyst.mn")
    rid = provided["rid"]
    page = analyst.get(f"/analyse/{rid}").get_data(as_text=True)
    assert "crops/" not in page and "photos/" not in page and "/crop" not in page
    fc = json.loads(_download(analyst, rid, "passages.geojson").data)
    pid = fc["features"][0]["properties"]["passage_id"]
    assert analyst.get(f"/api/v1/passages/{pid}/crop").status_code in (403, 404)


def test_a_rejected_read_is_on_no_analyst_file(app, accounts_made, database_url, truth):
    """R7: a read the officer rejected against its crop (a misread: someone else's passage)
    was not provided, and the analyst sees it nowhere: not in the passages, not on the
    route's layers, not in the GPX track or the KML."""
    from casework_support import cropped_copies, give_verdicts
    from gis import export

    lead = "AN" + uuid.uuid4().hex[:6].upper()
    copies = cropped_copies(app, database_url, truth["duplicate"]["plate"], lead)
    assert len(copies) >= 2
    officer = SessionClient(app, "officer.mn")
    rid = confirmed_request(officer, plates=[lead], days=2)
    now = datetime.now(UTC)
    window = {"start": (now - timedelta(days=2)).isoformat(), "end": now.isoformat()}
    _run(officer, rid, "plate", {"plates": [lead], "window": window})
    route = _run(officer, rid, "route", {"plate": lead, "window": window})
    bad = copies[0]["id"]
    assert give_verdicts(officer, rid, {c["id"]: "rejected" if c["id"] == bad else "confirmed"
                                        for c in copies}).status_code == 200
    assert officer.post(f"/api/v1/requests/{rid}/grants",
                        json={"account": "analyst.mn"}).status_code == 201
    assert officer.post(f"/api/v1/requests/{rid}/package").status_code == 200
    analyst = SessionClient(app, "analyst.mn")
    fc = json.loads(_download(analyst, rid, "passages.geojson").data)
    ids = {f["properties"]["passage_id"] for f in fc["features"]}
    assert bad not in ids and ids == {c["id"] for c in copies} - {bad}
    assert f",{bad}," not in _download(analyst, rid, "passages.csv").get_data(as_text=True)
    layer = json.loads(_download(analyst, rid, export.route_file_name(route,
                                                                      "passages.geojson")).data)
    assert {f["properties"]["passage_id"] for f in layer["features"]} == ids
    legs = json.loads(_download(analyst, rid, export.route_file_name(route,
                                                                     "legs.geojson")).data)
    assert all(bad not in (f["properties"]["from_passage"], f["properties"]["to_passage"])
               for f in legs["features"])
    from xml.etree import ElementTree as ET

    gpx = ET.fromstring(_download(analyst, rid, export.route_file_name(route, "gpx")).data)
    points = gpx.findall(".//{http://www.topografix.com/GPX/1/1}trkpt")
    assert len(points) == len(ids)
    kml = _download(analyst, rid, export.route_file_name(route, "kml")).get_data(as_text=True)
    assert f">{bad}<" not in kml


def test_what_was_provided_is_never_kept_by_a_browser(app, provided):
    """The list, the page and every file answer no-store (R1: a browser or proxy may not
    keep plates, times and places past retention), as attachments, not sniffed."""
    from webmap.analyst_pages import file_names

    analyst = SessionClient(app, "analyst.mn")
    rid = provided["rid"]
    for url in ("/analyse", f"/analyse/{rid}"):
        r = analyst.get(url)
        assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store", url
    for name in file_names(provided["manifest"]):
        r = _download(analyst, rid, name)
        assert r.status_code == 200, name
        assert r.headers["Cache-Control"] == "no-store", name
        assert r.headers["X-Content-Type-Options"] == "nosniff", name
        assert r.headers["Content-Disposition"].startswith("attachment; "), name
        assert r.headers["X-Same-As-Provided"] == "yes", name


def test_a_grant_names_one_active_account_exactly(app, provided):
    """The grant routes take an account by id or exact username: anything else (a bool, a
    float, a list, an object, an empty or padded or differently cased name, ids of no
    account or past 64 bits) is a 400 and stores nothing."""
    officer = provided["officer"]
    rid = provided["rid"]
    before = officer.get(f"/api/v1/requests/{rid}/grants").get_json()
    for body in ({"account": True}, {"account": 1.5}, {"account": -1}, {"account": 0},
                 {"account": 2**63 - 1}, {"account": "x" * 65}, {"account": [NOBODY]},
                 {"account": {"id": 1}}, {}, {"account": ""}, {"account": NOBODY + "\n"},
                 {"account": NOBODY.upper()}, {"account": " " + NOBODY}):
        r = officer.post(f"/api/v1/requests/{rid}/grants", json=body)
        assert r.status_code == 400, (body, r.status_code)
    for aid in ("0", "9223372036854775807", "99999999999999999999"):
        assert officer.delete(f"/api/v1/requests/{rid}/grants/{aid}").status_code == 400, aid
    assert officer.get(f"/api/v1/requests/{rid}/grants").get_json() == before
    assert officer.post("/api/v1/requests/99999999999999999999/grants",
                        json={"account": NOBODY}).status_code == 404
