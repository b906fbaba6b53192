"""A search's held results read back (issue 13): later pages, sort, filters, timeline and
points per location come from what the run kept, through the officer's own path, never
by running the search again; the same search asked twice is recognised."""
from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest
from psycopg.rows import dict_row

from casework_support import on_page
from conftest import SessionClient, confirmed_request


@pytest.fixture(scope="module")
def officer(app, people):
    return SessionClient(app, "officer.mn")


@pytest.fixture(scope="module")
def ran(officer, demo_db, database_url, busiest_location):
    """A block search at the window's busiest location, run inside a whole-country
    request: more than a page of 7 at whatever hour the suite runs (the convoy road held
    5 passages in the demo's window 23:00-05:00)."""
    rid = confirmed_request(officer)
    loc = busiest_location
    params = {"selection": {"kind": "pick", "locations": [loc]},
              "window": {"start": demo_db["start"].isoformat(),
                         "end": demo_db["end"].isoformat()}}
    pre = officer.post(f"/api/v1/requests/{rid}/searches",
                       json={"kind": "block", "parameters": params})
    assert pre.status_code == 201, pre.get_json()
    eid = pre.get_json()["enquiry_id"]
    run = officer.post(f"/api/v1/searches/{eid}/run")
    assert run.status_code == 200, run.get_json()
    with psycopg.connect(database_url, row_factory=dict_row) as c:
        held = {(r["passage_id"], r["captured_at"]) for r in c.execute(
            "SELECT passage_id, captured_at FROM enquiry_result WHERE enquiry_id = %s", (eid,))}
    assert len(held) > 7  # more than one page of 7
    return {"rid": rid, "eid": eid, "params": params, "held": held, "loc": loc}


def _audit_count(conn, rid: int) -> int:
    return conn.execute("SELECT count(*) AS n FROM audit_log WHERE subject = %s",
                        (f"request:{rid}",)).fetchone()["n"]


def test_pages_cover_exactly_the_held_rows_without_running_again(officer, ran, conn):
    before = _audit_count(conn, ran["rid"])
    url = f"/api/v1/searches/{ran['eid']}/results"
    seen, offset, pages = [], 0, 0
    while offset is not None:
        body = officer.get(f"{url}?limit=7&offset={offset}").get_json()
        assert body["total"] == len(ran["held"]) and len(body["passages"]) <= 7
        seen += [(r["passage_id"], r["captured_at"]) for r in body["passages"]]
        offset, pages = body["page"]["next_offset"], pages + 1
    assert pages == -(-len(ran["held"]) // 7)
    assert len(seen) == len(set(seen)) == len(ran["held"])
    from datetime import datetime

    assert {(pid, datetime.fromisoformat(at)) for pid, at in seen} == ran["held"]
    # Paging added no search to the log, and the search was not run again.
    conn.rollback()
    assert _audit_count(conn, ran["rid"]) == before
    times = [r["captured_at"] for r in officer.get(f"{url}?limit=1000").get_json()["passages"]]
    assert times == sorted(times)


def test_sort_and_filters_agree_with_the_whole_list(officer, ran):
    url = f"/api/v1/searches/{ran['eid']}/results"
    everything = officer.get(f"{url}?limit=1000").get_json()["passages"]
    plates = [r["plate"] for r in officer.get(f"{url}?limit=1000&sort=plate&order=desc"
                                              ).get_json()["passages"]]
    assert plates == sorted(plates, reverse=True)
    some = everything[len(everything) // 2]
    frag = some["plate"][1:4].lower()
    got = officer.get(f"{url}?limit=1000&plate={frag}").get_json()
    assert {r["passage_id"] for r in got["passages"]} == \
        {r["passage_id"] for r in everything if frag.upper() in r["plate"]}
    assert got["total"] == len(got["passages"])
    cam = some["camera_id"]
    got = officer.get(f"{url}?limit=1000&camera={cam}").get_json()["passages"]
    assert got and all(r["camera_id"] == cam for r in got)
    assert len(got) == sum(1 for r in everything if r["camera_id"] == cam)
    mid = some["captured_at"]
    got = officer.get(url, query_string={"limit": 1000, "from": mid}).get_json()["passages"]
    assert len(got) == sum(1 for r in everything if r["captured_at"] >= mid)
    # A location/time search needs no verification: every row says so.
    assert {r["state"] for r in everything} == {"not_required"}
    assert officer.get(f"{url}?state=not_required").get_json()["total"] == len(everything)
    assert officer.get(f"{url}?state=confirmed").get_json()["total"] == 0


def test_timeline_and_locations_add_up(officer, ran):
    base = f"/api/v1/searches/{ran['eid']}/results"
    hist = officer.get(f"{base}/histogram?buckets=12").get_json()
    assert len(hist["buckets"]) == 12
    assert sum(b["passages"] for b in hist["buckets"]) == hist["total"] == len(ran["held"])
    resp = officer.get(f"{base}/locations")
    assert resp.mimetype == "application/geo+json"
    feats = resp.get_json()["features"]
    assert [f["id"] for f in feats] == [ran["loc"]]
    assert feats[0]["properties"]["passages"] == len(ran["held"])
    # The timeline brushed to its first bucket is the table filtered to it.
    first = hist["buckets"][0]
    n = officer.get(base, query_string={"from": first["start"], "to": first["end"]}
                    ).get_json()["total"]
    assert n == first["passages"]


@pytest.mark.parametrize("query", ["limit=1e20", "limit=100000", "offset=-1", "sort=id;drop",
                                   "order=up", "state=maybe", "from=2026-12-01T10:00",
                                   "from=2026-12-02T10:00Z&to=2026-12-01T10:00Z",
                                   "plate=" + "A" * 41, "buckets=0"])
def test_bad_arguments_are_refused(officer, ran, query):
    url = f"/api/v1/searches/{ran['eid']}/results"
    if query.startswith("buckets"):
        url += "/histogram"
    resp = officer.get(f"{url}?{query}")
    assert resp.status_code == 400, (query, resp.get_json())


def test_the_same_search_again_is_recognised(officer, ran, conn):
    before_audit = _audit_count(conn, ran["rid"])
    again = officer.post(f"/api/v1/requests/{ran['rid']}/searches",
                         json={"kind": "block", "parameters": ran["params"]})
    assert again.status_code == 200
    body = again.get_json()
    assert body["already"] == "run" and body["enquiry_id"] == ran["eid"]
    assert body["passages_kept"] == len(ran["held"])
    conn.rollback()
    assert conn.execute("SELECT count(*) AS n FROM enquiry WHERE request_id = %s",
                        (ran["rid"],)).fetchone()["n"] == 1
    assert _audit_count(conn, ran["rid"]) == before_audit
    # A different window is a different search: previewed anew.
    from datetime import datetime

    start = ran["params"]["window"]["start"]
    end = (datetime.fromisoformat(start) + timedelta(hours=1)).isoformat()
    fresh = officer.post(f"/api/v1/requests/{ran['rid']}/searches", json={
        "kind": "block", "parameters": dict(ran["params"], window={"start": start, "end": end})})
    assert fresh.status_code == 201, fresh.get_json()
    assert fresh.get_json()["enquiry_id"] != ran["eid"] and "already" not in fresh.get_json()


def test_results_before_the_run_and_a_package_before_any_search(officer, demo_db, truth):
    rid = confirmed_request(officer)
    resp = officer.post(f"/api/v1/requests/{rid}/package")
    assert resp.status_code == 409 and "no search" in resp.get_json()["message"]
    pre = officer.post(f"/api/v1/requests/{rid}/searches", json={
        "kind": "block", "parameters": {
            "selection": {"kind": "pick", "locations": [truth["convoy"]["passages"][0]["location"]]},
            "window": {"start": demo_db["start"].isoformat(),
                       "end": (demo_db["start"] + timedelta(hours=1)).isoformat()}}})
    eid = pre.get_json()["enquiry_id"]
    assert officer.get(f"/api/v1/searches/{eid}/results").status_code == 409
    assert officer.post(f"/api/v1/requests/{rid}/package").status_code == 409


def test_dashboard_counts_what_the_request_page_counts(app, officer, demo_db, truth,
                                                       database_url):
    """Issue 13: the dashboard's 'te verifiëren' is the request's reads still to verify,
    each read once although two searches found it, reads without a crop not counted."""
    import uuid

    from casework_support import cropped_copies

    lead = "DC" + uuid.uuid4().hex[:4].upper()
    copies = cropped_copies(app, database_url, truth["convoy"]["lead"], lead, without_crop=1)
    rid = confirmed_request(officer, plates=[lead])
    whole = {"start": demo_db["start"].isoformat(), "end": demo_db["end"].isoformat()}
    wider = {"start": (demo_db["start"] - timedelta(hours=1)).isoformat(),
             "end": demo_db["end"].isoformat()}
    for window in (whole, wider):  # the same reads found twice
        pre = officer.post(f"/api/v1/requests/{rid}/searches", json={
            "kind": "plate", "parameters": {"plates": [lead], "window": window}})
        assert officer.post(f"/api/v1/searches/{pre.get_json()['enquiry_id']}/run"
                            ).status_code == 200
    reads = officer.get(f"/api/v1/requests/{rid}/reads?page_size=10").get_json()
    first = reads["reads"][0]
    officer.post(f"/api/v1/requests/{rid}/verdicts", json=on_page(reads, [
        {"passage_id": first["passage_id"], "captured_at": first["captured_at"],
         "verdict": "confirmed"}]))
    remaining = officer.get(f"/api/v1/requests/{rid}/reads?page_size=10").get_json()["remaining"]
    assert remaining == len(copies) - 2  # one verified, one without a crop
    row = next(r for r in officer.get("/api/v1/requests").get_json()["requests"]
               if r["id"] == rid)
    assert row["unverified"] == remaining


def test_the_page_maximum_is_a_setting(app, officer, ran, monkeypatch):
    """ANPR_RESULTS_MAX_PAGE bounds a page of held results, at /results and at the search
    endpoints alike (1000 by default); beyond it a clear 400."""
    import dataclasses

    from conftest import SearchClient

    url = f"/api/v1/searches/{ran['eid']}/results"
    assert officer.get(f"{url}?limit=1000").status_code == 200
    assert officer.get(f"{url}?limit=1001").status_code == 400
    settings = app.config["ANPR_SETTINGS"]

    def most(n: int) -> None:
        monkeypatch.setitem(app.config, "ANPR_SETTINGS", dataclasses.replace(
            settings, web=dataclasses.replace(settings.web, results_max_page=n)))

    most(5)
    refused = officer.get(f"{url}?limit=6")
    assert refused.status_code == 400 and "5" in refused.get_json()["bericht"]
    page = officer.get(f"{url}?limit=5").get_json()
    assert len(page["passages"]) == 5 and page["page"]["next_offset"] == 5
    raw = SearchClient(app, "officer.mn", ran["rid"])
    assert raw.post("/api/v1/search/block", json={**ran["params"], "limit": 6}).status_code == 400
    assert len(raw.post("/api/v1/search/block", json={**ran["params"], "limit": 5}
                        ).get_json()["passages"]) == 5
    most(2000)
    page = officer.get(f"{url}?limit=1500").get_json()
    assert page["page"]["limit"] == 1500 and len(page["passages"]) == min(1500, len(ran["held"]))


def test_the_same_search_written_otherwise_is_recognised(app, officer, demo_db, truth, conn):
    """The same search is recognised by its parameters as the search reads them: a plate
    typed 'ab-12-cd' is AB12CD, an instant is the same with another UTC offset, a default
    given is the default; at the search endpoints the one already run is answered from
    what it held, not run again and not logged again."""
    from datetime import timezone
    from zoneinfo import ZoneInfo

    from conftest import SearchClient

    lead = truth["convoy"]["lead"]
    rid = confirmed_request(officer)
    start, end = demo_db["start"], demo_db["end"]
    params = {"plates": [lead], "window": {"start": start.isoformat(), "end": end.isoformat()}}
    pre = officer.post(f"/api/v1/requests/{rid}/searches",
                       json={"kind": "plate", "parameters": params})
    assert pre.status_code == 201
    eid = pre.get_json()["enquiry_id"]
    assert officer.post(f"/api/v1/searches/{eid}/run").status_code == 200
    conn.rollback()
    held = {r["passage_id"] for r in conn.execute(
        "SELECT passage_id FROM enquiry_result WHERE enquiry_id = %s", (eid,))}
    audit = _audit_count(conn, rid)
    typed = {"plates": [f"{lead[:2].lower()}-{lead[2:4]}-{lead[4:].lower()}", lead],
             "window": {"start": start.astimezone(ZoneInfo("Europe/Amsterdam")).isoformat(),
                        "end": end.astimezone(timezone(timedelta(hours=-5))).isoformat()},
             "misreads": False}
    again = officer.post(f"/api/v1/requests/{rid}/searches",
                         json={"kind": "plate", "parameters": typed})
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["already"] == "run" and again.get_json()["enquiry_id"] == eid
    body = SearchClient(app, "officer.mn", rid).post("/api/v1/search/plate", json=typed)
    assert body.status_code == 200, body.get_json()
    assert body.get_json()["enquiry_id"] == eid
    assert {p["id"] for p in body.get_json()["passages"]} == held
    conn.rollback()
    assert conn.execute("SELECT count(*) AS n FROM enquiry WHERE request_id = %s",
                        (rid,)).fetchone()["n"] == 1
    assert _audit_count(conn, rid) == audit
    # A convoy with its default band written out is the convoy without it.
    window = params["window"]
    first = officer.post(f"/api/v1/requests/{rid}/searches", json={
        "kind": "convoy", "parameters": {"plate": lead, "window": window}})
    assert first.status_code == 201
    same = officer.post(f"/api/v1/requests/{rid}/searches", json={
        "kind": "convoy", "parameters": {"plate": lead.lower(), "window": window,
                                         "minutes": 2, "min_shared": 2, "misreads": False}})
    assert same.status_code == 200 and same.get_json()["already"] == "previewed"
    assert same.get_json()["enquiry_id"] == first.get_json()["enquiry_id"]
