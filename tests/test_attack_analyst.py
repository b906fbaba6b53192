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

from casework_support import on_page
from conftest import TEST_PASSWORD, SessionClient, confirmed_request

UTC = timezone.utc
STRANGER = "analyst.stranger"
LATER = "analyst.later"


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


def _confirm_all(officer, rid: int) -> None:
    while True:
        page = officer.get(f"/api/v1/requests/{rid}/reads?page_size=500").get_json()
        if not page["reads"]:
            return
        assert officer.post(f"/api/v1/requests/{rid}/verdicts", json=on_page(page, [
            {"passage_id": r["passage_id"], "captured_at": r["captured_at"],
             "verdict": "confirmed"} for r in page["reads"]])).status_code == 200


@pytest.fixture(scope="module")
def accounts_made(people, database_url):
    from anpr import accounts

    with psycopg.connect(database_url, row_factory=dict_row) as c:
        for name in (STRANGER, LATER):
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
    _confirm_all(officer, rid)
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
