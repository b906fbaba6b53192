"""R5 attacked by an authorised insider: no search goes beyond the order's time, places,
plates or convoy band, at either door, and a refusal reveals nothing about passages.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import psycopg
import pytest

from conftest import NL_NORTH, NL_SOUTH, SearchClient, SessionClient, confirmed_request


@pytest.fixture(scope="module")
def window(demo_db) -> dict:
    return {"start": demo_db["start"].isoformat(), "end": demo_db["end"].isoformat()}


@pytest.fixture(scope="module")
def officer(app, people):
    return SessionClient(app, "officer2.mn")


def _stored(database_url: str, rid: int) -> tuple[int, int]:
    with psycopg.connect(database_url) as c:
        row = c.execute("SELECT count(*), count(er.passage_id) FROM enquiry e LEFT JOIN "
                        "enquiry_result er ON er.enquiry_id = e.id WHERE e.request_id = %s",
                        (rid,)).fetchone()
    return row[0], row[1]


def _both_doors(app, officer, rid: int, kind: str, params: dict) -> list:
    flow = officer.post(f"/api/v1/requests/{rid}/searches",
                        json={"kind": kind, "parameters": params})
    raw = SearchClient(app, officer.username, rid).post(f"/api/v1/search/{kind}", json=params)
    return [flow, raw]


def test_widening_the_window_is_refused_at_both_doors_and_stores_nothing(
        app, officer, truth, window, demo_db, database_url):
    lead = truth["convoy"]["lead"]
    rid = confirmed_request(officer, days=1, plates=[lead], convoy_minutes=5)
    wide = {"start": (demo_db["start"] - timedelta(days=3)).isoformat(), "end": window["end"]}
    before = _stored(database_url, rid)
    for kind, params in (("plate", {"plates": [lead], "window": wide}),
                         ("convoy", {"plate": lead, "window": wide, "minutes": 2}),
                         ("route", {"plate": lead, "window": wide}),
                         ("convoy", {"plate": lead, "window": window, "minutes": 6}),
                         ("partial", {"pattern": lead[:3] + "*", "window": window})):
        for resp in _both_doors(app, officer, rid, kind, params):
            assert resp.status_code == 403, (kind, params, resp.get_json())
            assert resp.get_json()["error"] == "outside_scope"
    assert _stored(database_url, rid) == before


def test_a_location_limited_order_reveals_no_camera_outside_it(app, officer, truth, window):
    """The plate was seen elsewhere too; neither a result nor a refusal names those places."""
    c = truth["convoy"]
    loc = c["passages"][0]["location"]
    outside = {p["lead_camera"] for p in c["passages"] if p["location"] != loc}
    assert outside
    rid = confirmed_request(officer, scope={"windows": [window], "locations": [loc],
                                            "plates": [c["lead"], c["follower"]]})
    for kind, params in (("route", {"plate": c["lead"], "window": window}),
                         ("convoy", {"plate": c["lead"], "window": window, "minutes": 5,
                                     "min_shared": 1}),
                         ("plate", {"plates": [c["lead"], c["follower"]], "window": window}),
                         ("route", {"plate": "ZZ999Z", "window": window})):
        for resp in _both_doors(app, officer, rid, kind, params):
            text = resp.get_data(as_text=True)
            assert resp.status_code in (200, 201, 403), text
            assert not any(cam in text for cam in outside), (kind, text[:400])


def test_an_order_without_plates_is_not_widened_by_a_client_scope(app, officer, truth, window):
    lead = truth["convoy"]["lead"]
    rid = confirmed_request(officer, scope={
        "windows": [window], "patterns": [lead[:3] + "*"],
        "areas": [{"kind": "polygon", "geometry": NL_NORTH},
                  {"kind": "polygon", "geometry": NL_SOUTH}]})
    r = SearchClient(app, officer.username, rid).post("/api/v1/search/partial/preview", json={
        "pattern": "Q*", "window": window, "scope": {"windows": [window], "patterns": ["Q*"]}})
    assert r.status_code == 403


def test_held_results_are_read_only_through_their_own_request(app, officer, truth, window,
                                                              database_url):
    """A result call reads held rows only of the preview it follows, in its own request:
    naming another request's search, or the same search with a wider window, reads and
    stores nothing; the other request's handler alone reaches its rows."""
    lead = truth["convoy"]["lead"]
    params = {"plates": [lead], "window": window}
    theirs = confirmed_request(SessionClient(app, "officer.mn"), plates=[lead])
    owner = SearchClient(app, "officer.mn", theirs)
    ran = owner.post("/api/v1/search/plate", json=params)
    assert ran.status_code == 200, ran.get_json()
    eid = ran.get_json()["enquiry_id"]
    mine = confirmed_request(officer, plates=[lead])
    before = _stored(database_url, mine)
    # Their search named from my request: not a preview of mine.
    r = officer.post("/api/v1/search/plate", json={**params, "request_id": mine,
                                                   "enquiry_id": eid})
    assert r.status_code == 409 and lead not in r.get_data(as_text=True)
    # Their request named outright: no relation, answered as if it did not exist.
    r = officer.post("/api/v1/search/plate", json={**params, "request_id": theirs,
                                                   "enquiry_id": eid, "offset": 0})
    assert r.status_code == 404 and lead not in r.get_data(as_text=True)
    # Their own search asked with a wider window than its preview: refused, not widened.
    wide = {**params, "window": {"start": (datetime.fromisoformat(window["start"])
                                           - timedelta(days=2)).isoformat(),
                                 "end": window["end"]}}
    r = SessionClient(app, "officer.mn").post("/api/v1/search/plate", json={
        **wide, "request_id": theirs, "enquiry_id": eid})
    assert r.status_code == 409
    assert _stored(database_url, mine) == before
