"""One search pipeline (issue 13): the request flow and the raw endpoints give the same
results for the same parameters, and what a run holds (R1) is what it returns.

Every search here goes the officer's real way: log in, register a request, confirm it,
add a search to it (the count preview), run it; and the same search through the raw
endpoint (``/api/v1/search/*`` with ``request_id`` and ``enquiry_id``).
"""
from __future__ import annotations

import json

import pytest

from conftest import SearchClient, SessionClient, confirmed_request


@pytest.fixture(scope="module")
def window(demo_db) -> dict:
    return {"start": demo_db["start"].isoformat(), "end": demo_db["end"].isoformat()}


@pytest.fixture(scope="module")
def officer(app, people):
    return SessionClient(app, "officer2.mn")


@pytest.fixture(scope="module")
def country(officer, demo_db) -> int:
    """A request whose order covers the whole country and names no plate."""
    return confirmed_request(officer)


def _flow(officer, rid: int, kind: str, params: dict) -> tuple[dict, set[int]]:
    """Preview and run inside the request; the run's output and the held passage ids."""
    pre = officer.post(f"/api/v1/requests/{rid}/searches",
                       json={"kind": kind, "parameters": params})
    assert pre.status_code == 201, pre.get_json()
    eid = pre.get_json()["enquiry_id"]
    run = officer.post(f"/api/v1/searches/{eid}/run")
    assert run.status_code == 200, run.get_json()
    out = run.get_json()
    return out, _held(officer, eid)


def _held(officer, eid: int) -> set[int]:
    import psycopg

    with psycopg.connect(officer.database_url) as c:
        return {r[0] for r in c.execute(
            "SELECT passage_id FROM enquiry_result WHERE enquiry_id = %s", (eid,))}


def _direct(app, rid: int, kind: str, params: dict) -> dict:
    r = SearchClient(app, "officer2.mn", rid).post(f"/api/v1/search/{kind}", json=params)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


@pytest.fixture(autouse=True)
def _url(officer, database_url):
    officer.database_url = database_url


def _count(database_url: str, sql: str, *args) -> int:
    import psycopg

    with psycopg.connect(database_url) as c:
        return c.execute(sql, args).fetchone()[0]


# -- defect 1: Q2 through the request flow ------------------------------------------------

@pytest.mark.parametrize("tail", ["*", "??", "ZZZZZ"])
def test_partial_plate_runs_and_holds_what_it_returns(app, officer, country, truth, window,
                                                      tail):
    lead = truth["convoy"]["lead"]
    pattern = lead[:3] + tail if tail != "ZZZZZ" else "QQ" + tail  # the last has no hit
    params = {"pattern": pattern, "window": window}
    out, held = _flow(officer, country, "partial", params)
    result = out["result"]
    assert out["passages_kept"] == result["passages_total"] == len(held)
    assert {p["id"] for p in result["passages"]} == held
    direct = _direct(app, country, "partial", params)
    assert direct["passages_total"] == result["passages_total"]
    assert {p["id"] for p in direct["passages"]} == held


# -- defect 2: every parameter the same through both doors --------------------------------

def _convoy_ids(out: dict) -> list[tuple[str, int]]:
    return [(p["plate"], p["shared_passages"]) for p in out["partners"]]


def _returned(kind: str, body: dict) -> set[int]:
    """The passages an answer lists: rows, a convoy's target and partner passages, the
    common plates' passages, a route's passages."""
    if kind == "convoy":
        return ({t["id"] for t in body["target_passages"]}
                | {x["id"] for p in body["partners"] for x in p["passages"]})
    if kind == "common":
        return {x["id"] for p in body["plates"] for x in p["passages"]}
    return {p["id"] for p in body["passages"]}


def _verify_flags(officer, eid: int) -> dict[int, bool]:
    import psycopg

    with psycopg.connect(officer.database_url) as c:
        return dict(c.execute("SELECT passage_id, verify FROM enquiry_result "
                              "WHERE enquiry_id = %s", (eid,)).fetchall())


def _every_page(client, kind: str, params: dict) -> tuple[dict, set[int], list, int]:
    """The search at the search endpoints, every page of it: the first call runs it, each
    later one (``offset``) reads what it held. The first answer, the passages of all
    pages, the ranked partners or plates of all pages in order, and the enquiry."""
    limit = 1000 if kind in ("plate", "partial", "block") else 3
    first = client.post(f"/api/v1/search/{kind}", json={**params, "limit": limit})
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    ids, ranked = _returned(kind, body), list(body.get("partners", body.get("plates", [])))
    nxt = (body.get("page") or {}).get("next_offset")
    while nxt is not None:
        page = client.post(f"/api/v1/search/{kind}",
                           json={**params, "limit": limit, "offset": nxt}).get_json()
        assert page["enquiry_id"] == body["enquiry_id"] and page["page"]["offset"] == nxt
        new = _returned(kind, page)
        if kind in ("plate", "partial", "block"):
            assert not new & ids  # no row on two pages
        ids |= new
        ranked += page.get("partners", page.get("plates", []))
        nxt = page["page"]["next_offset"]
    return body, ids, ranked, body["enquiry_id"]


def _cases(app, truth: dict, window: dict) -> list[tuple[str, dict, object]]:
    """A search of every kind with each parameter set to a value other than its default,
    and what that value must show in the rows returned."""
    from conftest import SessionClient as _Client

    c = truth["convoy"]
    lead, follower, loc = c["lead"], c["follower"], c["passages"][0]["location"]
    cam = c["passages"][0]["lead_camera"]
    point = _Client(app, "officer2.mn").get(f"/api/v1/locations/{loc}").get_json()["geometry"]
    x, y = point["coordinates"]
    square = {"type": "Polygon", "coordinates": [[[x - .01, y - .01], [x + .01, y - .01],
                                                  [x + .01, y + .01], [x - .01, y + .01],
                                                  [x - .01, y - .01]]]}
    line = {"type": "LineString", "coordinates": [[x - .002, y - .002], [x + .002, y + .002]]}
    lead_row = next(r for r in _lead_rows(app, truth, window) if r["camera_id"] == cam)
    s0 = truth["crime_sites"]["sites"][0]
    s0_window = {"start": s0["from"], "end": s0["to"]}
    s0_loc = s0["location_code"]
    s0_point = _Client(app, "officer2.mn").get(f"/api/v1/locations/{s0_loc}").get_json()
    misread_plate = next(iter(truth["misreads"]["vehicles"]))
    sites = [{"name": f"site {s['site']}", "cameras": s["cameras"],
              "window": {"start": s["from"], "end": s["to"]}}
             for s in truth["crime_sites"]["sites"]]
    by_pick = [{"name": s["name"], "window": s["window"],
                "selection": {"kind": "pick",
                              "locations": [truth["crime_sites"]["sites"][i]["location_code"]]}}
               for i, s in enumerate(sites)]
    by_pick[0] = {**by_pick[0], "selection": {"kind": "circle", "radius_m": 150,
                                              "geometry": s0_point["geometry"]}}
    at_loc = lambda res: {p["location_code"] for p in res["passages"]} == {loc}  # noqa: E731
    at_s0 = lambda res: {p["location_code"] for p in res["passages"]} == {s0_loc}  # noqa: E731
    return [
        # Q1: plates (two, as typed), cameras, each selection kind, misreads
        ("plate", {"plates": [lead, f"{follower[:2].lower()}-{follower[2:]}"], "window": window},
         lambda res: {p["plate"] for p in res["passages"]} == {lead, follower}),
        ("plate", {"plates": [lead], "window": window, "cameras": [cam]},
         lambda res: {p["camera_id"] for p in res["passages"]} == {cam}),
        ("plate", {"plates": [lead], "window": window,
                   "selection": {"kind": "polygon", "geometry": square}}, at_loc),
        ("plate", {"plates": [lead], "window": window,
                   "selection": {"kind": "circle", "geometry": point, "radius_m": 200}}, at_loc),
        ("plate", {"plates": [lead], "window": window,
                   "selection": {"kind": "corridor", "geometry": line, "buffer_m": 150}}, at_loc),
        ("plate", {"plates": [lead], "window": window,
                   "selection": {"kind": "pick", "locations": [loc],
                                 "inout": lead_row["inout"]}},
         lambda res: at_loc(res) and {p["inout"] for p in res["passages"]} == {lead_row["inout"]}),
        ("plate", {"plates": [lead], "window": window,
                   "selection": {"kind": "pick", "locations": [loc],
                                 "lanes": [lead_row["lane"]]}},
         lambda res: at_loc(res) and {p["lane"] for p in res["passages"]} == {lead_row["lane"]}),
        ("plate", {"plates": [misread_plate], "window": window, "misreads": True},
         lambda res: {p["match"] for p in res["passages"]} > {"exact"}),
        # Q2: pattern with cameras, with a selection
        ("partial", {"pattern": lead[:2] + "*", "window": window,
                     "cameras": [p["lead_camera"] for p in c["passages"]]},
         lambda res: all(p["plate"].startswith(lead[:2]) for p in res["passages"]) and
         {p["camera_id"] for p in res["passages"]} <= {p["lead_camera"] for p in c["passages"]}),
        ("partial", {"pattern": "*" + lead[-2:], "window": window,
                     "selection": {"kind": "rectangle", "geometry": square}},
         lambda res: at_loc(res) and all(p["plate"].endswith(lead[-2:])
                                         for p in res["passages"])),
        # Q3: cameras and every selection kind
        ("block", {"cameras": s0["cameras"][:2], "window": s0_window},
         lambda res: {p["camera_id"] for p in res["passages"]} <= set(s0["cameras"][:2])),
        ("block", {"selection": {"kind": "polygon", "geometry": {
            "type": "Polygon", "coordinates": [[[a + dx, b + dy] for dx, dy in (
                (-.01, -.01), (.01, -.01), (.01, .01), (-.01, .01), (-.01, -.01))]
                for a, b in [s0_point["geometry"]["coordinates"]]]}},
            "window": s0_window}, at_s0),
        ("block", {"selection": {"kind": "circle", "geometry": s0_point["geometry"],
                                 "radius_m": 150}, "window": s0_window}, at_s0),
        ("block", {"selection": {"kind": "corridor", "buffer_m": 100, "geometry": {
            "type": "LineString", "coordinates": [
                [s0_point["geometry"]["coordinates"][0] - .002,
                 s0_point["geometry"]["coordinates"][1]],
                [s0_point["geometry"]["coordinates"][0] + .002,
                 s0_point["geometry"]["coordinates"][1]]]}}, "window": s0_window}, at_s0),
        ("block", {"selection": {"kind": "pick", "locations": [s0_loc], "inout": "in"},
                   "window": s0_window},
         lambda res: at_s0(res) and {p["inout"] for p in res["passages"]} == {"in"}),
        ("block", {"selection": {"kind": "pick", "locations": [s0_loc], "lanes": [2]},
                   "window": s0_window},
         lambda res: at_s0(res) and {p["lane"] for p in res["passages"]} == {2}),
        # Q4: minutes, min_shared, misreads
        ("convoy", {"plate": lead, "window": window, "minutes": 10, "min_shared": 1},
         lambda res: follower in {p["plate"] for p in res["partners"]} and
         len(res["partners"]) == res["partners_total"]),
        ("convoy", {"plate": lead, "window": window, "minutes": 10, "min_shared": 3},
         lambda res: res["partners"][0]["plate"] == follower and
         all(p["shared_passages"] >= 3 for p in res["partners"])),
        ("convoy", {"plate": lead, "window": window, "minutes": 0.1, "min_shared": 1},
         lambda res: all(abs(o) <= 6 for p in res["partners"] for o in p["offsets_s"])),
        ("convoy", {"plate": misread_plate, "window": window, "misreads": True},
         lambda res: {t["match"] for t in res["target_passages"]} > {"exact"}),
        # Q5: k, misreads, sites chosen by selection
        ("common", {"sites": sites, "k": 3},
         lambda res: {p["plate"] for p in res["plates"]} ==
         set(truth["crime_sites"]["at_3_sites"])),
        ("common", {"sites": sites, "misreads": True},
         lambda res: res["params"]["misreads"] is True and
         all("match" in x for p in res["plates"] for x in p["passages"])),
        ("common", {"sites": by_pick, "k": 3},
         lambda res: {p["plate"] for p in res["plates"]} ==
         set(truth["crime_sites"]["at_3_sites"])),
        # Q6: detour_minutes, misreads
        ("route", {"plate": truth["detour"]["plate"], "window": window, "detour_minutes": 600},
         lambda res: res["flags"]["detour_or_stop"] == 0 and res["legs"]),
        ("route", {"plate": misread_plate, "window": window, "misreads": True},
         lambda res: {p["match"] for p in res["passages"]} > {"exact"}),
    ]


def _lead_rows(app, truth: dict, window: dict) -> list[dict]:
    """The lead car's passages as a plate search lists them (their camera's lane and
    direction), in a request of their own."""
    from conftest import SessionClient as _Client

    officer = _Client(app, "officer2.mn")
    rid = confirmed_request(officer)
    return _direct(app, rid, "plate", {"plates": [truth["convoy"]["lead"]],
                                       "window": window})["passages"]


def test_every_parameter_gives_the_same_result_through_both_doors(app, officer, truth, window):
    """Each parameter of each search, set to a value other than its default, through the
    request flow (preview, run) in one request and through the search endpoints (every
    page) in another: the rows held are exactly the rows returned, at each door, and the
    two doors hold and answer the same rows and ranking; each value shows in the rows."""
    flow_rid, raw_rid = confirmed_request(officer), confirmed_request(officer)
    raw = SearchClient(app, "officer2.mn", raw_rid)
    for kind, params, shows in _cases(app, truth, window):
        out, held = _flow(officer, flow_rid, kind, params)
        res = out["result"]
        assert out["passages_kept"] == len(held) > 0, (kind, params)
        if kind in ("plate", "partial", "block"):
            # The run answers the first page (its default 500 rows) of what it held.
            assert res["passages_total"] == len(held), (kind, params)
            assert _returned(kind, res) <= held
            assert len(res["passages"]) == min(500, len(held))
        else:  # every partner, plate or passage it held, and only those
            assert _returned(kind, res) == held, (kind, params)
        assert shows(res), (kind, params)
        # Read back later, the held results answer as the run did.
        answer = officer.get(f"/api/v1/searches/{out['enquiry_id']}/results/answer",
                             query_string={"limit": 1000}).get_json()
        for key in ("passages", "by_location", "passages_total", "target_passages",
                    "partners", "plates", "legs", "flags"):
            if key in res:
                got = answer[key][:500] if key == "passages" else answer[key]
                assert got == res[key], (kind, params, key)
        body, ids, ranked, eid = _every_page(raw, kind, params)
        assert ids == _held(officer, eid) == held, (kind, params)
        if kind in ("plate", "partial", "block"):
            assert body["passages_total"] == res["passages_total"]
            assert body["by_location"] == res["by_location"]
            assert [p["id"] for p in body["passages"][:500]] == [p["id"] for p in res["passages"]]
        elif kind == "convoy":
            assert [(p["plate"], p["shared_passages"], p["score"]) for p in ranked] == \
                [(p["plate"], p["shared_passages"], p["score"]) for p in res["partners"]]
            assert body["target_passages"] == res["target_passages"]
        elif kind == "common":
            assert ranked == res["plates"]
        else:
            assert body["flags"] == res["flags"] and body["passages"] == res["passages"]
        # Only probable misreads of a common-plate search are verified; every plate
        # search's read is; a block's and a convoy partner's are not (R7).
        flags = _verify_flags(officer, eid)
        if kind == "common":
            marked = {x["id"]: x.get("match", "exact") != "exact"
                      for p in res["plates"] for x in p["passages"]}
            assert flags == marked
        elif kind == "convoy":
            assert {i for i, v in flags.items() if v} == {t["id"] for t in res["target_passages"]}
        else:
            assert set(flags.values()) == {kind != "block"}
    # Q4: min_shared changes the list, the same way at both doors: each stricter list is
    # the looser one cut at min_shared (which partners drop out at 2 depends on the hour
    # the demo traffic ends); at 3 the one-off partners are gone.
    lists = {}
    for shared in (1, 2, 3):
        params = {"plate": truth["convoy"]["lead"], "window": window, "minutes": 10,
                  "min_shared": shared}
        lists[shared] = _convoy_ids(_direct(app, raw_rid, "convoy", {**params, "limit": 1000}))
    for k in (2, 3):
        assert lists[k] == [x for x in lists[1] if x[1] >= k]
    assert len(lists[1]) > len(lists[3]) and lists[3][0][0] == truth["convoy"]["follower"]


# -- defect 3: an order naming only a pattern ---------------------------------------------

def _scope(window: dict, **extra) -> dict:
    from conftest import NL_NORTH, NL_SOUTH

    return {"windows": [window], "areas": [{"kind": "polygon", "geometry": NL_NORTH},
                                           {"kind": "polygon", "geometry": NL_SOUTH}], **extra}


def test_pattern_only_order_allows_its_pattern(app, officer, truth, window):
    lead = truth["convoy"]["lead"]
    pattern = lead[:3] + "*"
    rid = confirmed_request(officer, scope=_scope(window, patterns=[pattern]))
    out, held = _flow(officer, rid, "partial", {"pattern": pattern, "window": window})
    assert out["result"]["passages_total"] > 0
    assert all(p["plate"].startswith(lead[:3]) for p in out["result"]["passages"])
    # A narrower pattern and a full plate within the pattern are inside the order; a wider
    # pattern, another plate and a block are not.
    narrower, _ = _flow(officer, rid, "partial", {"pattern": lead[:4] + "*", "window": window})
    assert 0 < narrower["passages_kept"] <= out["passages_kept"]
    r = officer.post(f"/api/v1/requests/{rid}/searches", json={
        "kind": "partial", "parameters": {"pattern": lead[:2] + "*", "window": window}})
    assert r.status_code == 403
    _flow(officer, rid, "plate", {"plates": [lead], "window": window})
    r = officer.post(f"/api/v1/requests/{rid}/searches", json={
        "kind": "plate", "parameters": {"plates": ["ZZ000Z"], "window": window}})
    assert r.status_code == 403
    r = officer.post(f"/api/v1/requests/{rid}/searches", json={
        "kind": "partial", "parameters": {"pattern": "*", "window": window,
                                          "cameras": truth["crime_sites"]["sites"][0]["cameras"]}})
    assert r.status_code == 403


# -- defect 4: the order's convoy band ----------------------------------------------------

def test_convoy_wider_than_the_orders_band_is_refused(app, officer, truth, window,
                                                      database_url):
    lead = truth["convoy"]["lead"]
    rid = confirmed_request(officer, plates=[lead], convoy_minutes=2)
    before = _count(database_url, "SELECT count(*) FROM enquiry WHERE request_id = %s", rid)
    for minutes in (60, 2.5):
        r = officer.post(f"/api/v1/requests/{rid}/searches", json={
            "kind": "convoy", "parameters": {"plate": lead, "window": window,
                                             "minutes": minutes}})
        assert r.status_code == 403, r.get_json()
        assert "bevel" in r.get_json()["message"]
        r = SearchClient(app, "officer2.mn", rid).post("/api/v1/search/convoy", json={
            "plate": lead, "window": window, "minutes": minutes})
        assert r.status_code == 403
    assert _count(database_url, "SELECT count(*) FROM enquiry WHERE request_id = %s",
                  rid) == before
    out, _ = _flow(officer, rid, "convoy", {"plate": lead, "window": window, "minutes": 2})
    assert out["result"]["params"]["minutes"] == 2


# -- defect 5: a location-limited order is searched inside its locations ------------------

def test_route_and_convoy_inside_a_location_limited_order(app, officer, truth, window):
    lead = truth["convoy"]["lead"]
    loc = truth["convoy"]["passages"][0]["location"]
    rid = confirmed_request(officer, plates=[lead],
                            scope={**_scope(window, plates=[lead]), "areas": [],
                                   "locations": [loc]})
    for kind, extra in (("route", {}), ("convoy", {"minutes": 2, "min_shared": 1})):
        params = {"plate": lead, "window": window, **extra}
        out, held = _flow(officer, rid, kind, params)
        res = out["result"]
        seen = res["passages"] if kind == "route" else res["target_passages"]
        assert seen and all(p["camera_id"].startswith(loc + "-") for p in seen)
        if kind == "convoy":
            assert all(x["camera_id"].startswith(loc + "-")
                       for p in res["partners"] for x in p["passages"])
        text = json.dumps(_direct(app, rid, kind, params))
        others = {p["lead_camera"] for p in truth["convoy"]["passages"]
                  if p["location"] != loc}
        assert not any(c in text for c in others)


# -- defect 6: parameters are validated at the door, nothing stored -----------------------

@pytest.mark.parametrize("kind,bad", [
    ("convoy", {"minutes": 1e308}), ("convoy", {"minutes": "2"}), ("convoy", {"minutes": 0}),
    ("convoy", {"min_shared": 0}), ("convoy", {"min_shared": 1.5}),
    ("route", {"detour_minutes": -1}), ("route", {"detour_minutes": 1e308}),
    ("common", {"k": 1}), ("common", {"k": "3"}),
])
def test_bad_parameter_is_a_400_before_anything_is_stored(app, officer, country, truth,
                                                          window, database_url, kind, bad):
    if kind == "common":
        base = {"sites": [{"name": f"s{s['site']}", "cameras": s["cameras"],
                           "window": {"start": s["from"], "end": s["to"]}}
                          for s in truth["crime_sites"]["sites"]]}
    else:
        base = {"plate": truth["convoy"]["lead"], "window": window}
    params = {**base, **bad}
    enquiries = "SELECT count(*) FROM enquiry WHERE request_id = %s"
    logged = ("SELECT count(*) FROM audit_log WHERE subject = %s AND action LIKE 'search.%%'")
    before = (_count(database_url, enquiries, country),
              _count(database_url, logged, f"request:{country}"))
    r = officer.post(f"/api/v1/requests/{country}/searches",
                     json={"kind": kind, "parameters": params})
    assert r.status_code == 400, r.get_json()
    r = SearchClient(app, "officer2.mn", country).post(f"/api/v1/search/{kind}/preview",
                                                       json=params)
    assert r.status_code == 400, r.get_json()
    assert (_count(database_url, enquiries, country),
            _count(database_url, logged, f"request:{country}")) == before


def test_selection_limits_are_the_same_at_both_doors(app, officer, country, window,
                                                     database_url):
    """A drawn selection beyond the configured vertex limit is refused at both doors."""
    n = app.config["ANPR_SETTINGS"].web.max_geometry_vertices + 10
    ring = [[5.0 + 0.1 * __import__("math").cos(6.283 * i / n),
             52.0 + 0.1 * __import__("math").sin(6.283 * i / n)] for i in range(n)]
    ring.append(ring[0])
    params = {"window": window, "selection": {"kind": "polygon", "geometry": {
        "type": "Polygon", "coordinates": [ring]}}}
    before = _count(database_url, "SELECT count(*) FROM enquiry WHERE request_id = %s", country)
    r = officer.post(f"/api/v1/requests/{country}/searches",
                     json={"kind": "block", "parameters": params})
    assert r.status_code == 400, r.get_json()
    r = SearchClient(app, "officer2.mn", country).post("/api/v1/search/block/preview",
                                                       json=params)
    assert r.status_code == 400, r.get_json()
    assert _count(database_url, "SELECT count(*) FROM enquiry WHERE request_id = %s",
                  country) == before


# -- defect 7: a call runs its search once, and answers with what it held -----------------

def _spy_executions(monkeypatch) -> list[str]:
    """Every execution of a search against the passage store: the one statement a plate,
    pattern or block run holds its rows with, the engine's searches (a page of them, a
    convoy, common plates, a route)."""
    from casework import enquiries
    from gis.search import block, common, convoy, partial, plate, route

    calls: list[str] = []
    for mod, name in ((enquiries, "_hold_where"), (plate, "plate_history"),
                      (partial, "partial_plate"), (block, "block_query"),
                      (convoy, "convoy_run"), (common, "common_plates"), (route, "route")):
        real = getattr(mod, name)
        monkeypatch.setattr(mod, name, lambda *a, _real=real, _n=name, **kw: (
            calls.append(_n), _real(*a, **kw))[1])
    return calls


def _once_cases(truth: dict, window: dict) -> list[tuple[str, dict]]:
    lead = truth["convoy"]["lead"]
    sites = [{"name": f"site {s['site']}", "cameras": s["cameras"],
              "window": {"start": s["from"], "end": s["to"]}}
             for s in truth["crime_sites"]["sites"]]
    s0 = truth["crime_sites"]["sites"][0]
    return [("plate", {"plates": [lead], "window": window}),
            ("partial", {"pattern": lead[:3] + "*", "window": window}),
            ("block", {"cameras": s0["cameras"],
                       "window": {"start": s0["from"], "end": s0["to"]}}),
            ("convoy", {"plate": lead, "window": window, "minutes": 10, "min_shared": 1}),
            ("common", {"sites": sites}),
            ("route", {"plate": truth["detour"]["plate"], "window": window})]


def test_a_run_executes_the_search_once(app, officer, truth, window, monkeypatch):
    """Each door runs a search once: the request flow's run, the search endpoints' first
    result call; the same search asked again at either door (a preview, a result call,
    a later page) is the one already run and reads what it held."""
    calls = _spy_executions(monkeypatch)
    rid = confirmed_request(officer)  # its own request: the same search twice is not run twice
    client = SearchClient(app, "officer2.mn", rid)
    for kind, params in _once_cases(truth, window):
        calls.clear()
        out, held = _flow(officer, rid, kind, params)
        assert len(calls) == 1, (kind, calls)
        calls.clear()
        r = client.post(f"/api/v1/search/{kind}", json={**params, "limit": 1000})
        assert r.status_code == 200, r.get_json()
        assert calls == [], (kind, calls)  # recognised: the one already run, not run again
        body = r.get_json()
        assert body["enquiry_id"] == out["enquiry_id"]
        assert _returned(kind, body) == held
    # A search first asked at the search endpoints runs once there, and not again for its
    # later pages or when the request flow asks it.
    other = confirmed_request(officer)
    client = SearchClient(app, "officer2.mn", other)
    for kind, params in _once_cases(truth, window):
        calls.clear()
        first = client.post(f"/api/v1/search/{kind}", json={**params, "limit": 2})
        assert first.status_code == 200 and len(calls) == 1, (kind, calls)
        calls.clear()
        if first.get_json().get("page", {}).get("next_offset") is not None:
            later = client.post(f"/api/v1/search/{kind}",
                                json={**params, "limit": 2, "offset": 2})
            assert later.status_code == 200 and later.get_json()["page"]["offset"] == 2
        again = officer.post(f"/api/v1/requests/{other}/searches",
                             json={"kind": kind, "parameters": params})
        assert again.status_code == 200 and again.get_json()["already"] == "run"
        assert again.get_json()["enquiry_id"] == first.get_json()["enquiry_id"]
        assert calls == [], (kind, calls)


def test_later_pages_read_what_the_run_held_not_the_live_store(app, officer, truth, window,
                                                               database_url):
    """After the run the live store changes (here: passages of the plate are added; after
    retention, days are gone): every later call at the search endpoints answers what the
    run held, a first page larger than the search's default too; the route file is the
    held route. Only a new search sees the live store."""
    import uuid

    from casework_support import cropped_copies

    plate = "LP" + uuid.uuid4().hex[:4].upper()
    copies = cropped_copies(app, database_url, truth["convoy"]["lead"], plate)
    rid = confirmed_request(officer, plates=[plate])
    client = SearchClient(app, "officer2.mn", rid)
    params = {"plates": [plate], "window": window}
    first = client.post("/api/v1/search/plate", json={**params, "limit": 3}).get_json()
    held = _held(officer, first["enquiry_id"])
    assert held == {c["id"] for c in copies} and first["passages_total"] == len(copies) > 3
    assert first["page"] == {"limit": 3, "offset": 0, "next_offset": 3}
    route = {"plate": plate, "window": window}
    ran_route = client.post("/api/v1/search/route", json=route).get_json()
    assert {p["id"] for p in ran_route["passages"]} == held

    added = cropped_copies(app, database_url, truth["detour"]["plate"], plate)
    seen, offset = [p["id"] for p in first["passages"]], 3
    while offset is not None:
        page = client.post("/api/v1/search/plate",
                           json={**params, "limit": 3, "offset": offset}).get_json()
        assert page["passages_total"] == len(copies) and page["enquiry_id"] == first["enquiry_id"]
        seen += [p["id"] for p in page["passages"]]
        offset = page["page"]["next_offset"]
    assert len(seen) == len(set(seen)) and set(seen) == held
    # A first page above the search's default page (500) reads the held rows too.
    big = client.post("/api/v1/search/plate", json={**params, "limit": 800}).get_json()
    assert {p["id"] for p in big["passages"]} == held and big["page"]["limit"] == 800
    # The route, as an answer and as a file, is the held one.
    again = client.post("/api/v1/search/route", json=route).get_json()
    assert again["passages"] == ran_route["passages"] and again["legs"] == ran_route["legs"]
    resp = client.post("/api/v1/search/route/export",
                       json={**route, "format": "geojson", "layer": "passages"})
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    points = {f["id"] for f in json.loads(resp.data)["features"]}  # one file per layer
    assert points == {f"passage-{i}" for i in held}
    # The store does hold the added passages: a new search (another window) finds them.
    from datetime import datetime, timedelta

    later_start = datetime.fromisoformat(window["start"]) + timedelta(seconds=1)
    fresh = officer.post(f"/api/v1/requests/{rid}/searches", json={
        "kind": "plate", "parameters": {"plates": [plate], "window": {
            "start": later_start.isoformat(), "end": window["end"]}}})
    assert fresh.status_code == 201, fresh.get_json()
    assert fresh.get_json()["preview"]["passages"] == len(copies) + len(added)


def test_a_convoy_and_common_plates_hold_every_partner_up_to_the_configured_most(
        app, officer, truth, window, database_url, monkeypatch):
    """A convoy holds and lists every partner (not the first 50), a common-plate search
    every plate; more than ANPR_SEARCH_MAX_RANKED is refused in Dutch and nothing held."""
    import dataclasses
    import uuid

    import psycopg

    from casework_support import cropped_copies

    target = "CV" + uuid.uuid4().hex[:4].upper()
    copies = cropped_copies(app, database_url, truth["convoy"]["lead"], target)
    tail = uuid.uuid4().hex[:2].upper()
    partners = [f"Q{tail}{i:03d}" for i in range(60)]
    with psycopg.connect(database_url) as c:  # 60 vehicles 20 s behind the target, each time
        for copy in copies:
            c.execute("INSERT INTO jj126.passage (camera_id, captured_at, plate, plate_raw, "
                      "country, confidence, geom, capture_id, segment_id) "
                      "SELECT p.camera_id, p.captured_at + interval '20 seconds', t.plate, "
                      "t.plate, 'NL', 0.9, p.geom, t.plate || '-' || p.id, p.segment_id "
                      "FROM jj126.passage p, unnest(%s::text[]) AS t(plate) "
                      "WHERE p.id = %s AND p.captured_at = %s",
                      (partners, copy["id"], copy["captured_at"]))
    rid = confirmed_request(officer, plates=[target])
    params = {"plate": target, "window": window, "minutes": 0.5, "min_shared": 1}
    out, held = _flow(officer, rid, "convoy", params)
    res = out["result"]
    found = res["partners_total"]
    assert {p["plate"] for p in res["partners"]} >= set(partners)
    assert found == len(res["partners"]) >= 60
    assert held == _returned("convoy", res)
    assert len(held) == len(copies) + sum(len(p["passages"]) for p in res["partners"])
    # The search endpoints page through all of them, 50 at a time, from what was held.
    client = SearchClient(app, "officer2.mn", rid)
    pages = [client.post("/api/v1/search/convoy", json={**params, "offset": o}).get_json()
             for o in range(0, found, 50)]
    assert [len(p["partners"]) for p in pages] == [min(50, found - o)
                                                   for o in range(0, found, 50)]
    assert pages[-1]["page"]["next_offset"] is None
    assert [p["plate"] for pg in pages for p in pg["partners"]] == \
        [p["plate"] for p in res["partners"]]

    web = app.config["ANPR_SETTINGS"].web
    monkeypatch.setitem(app.config, "ANPR_SETTINGS", dataclasses.replace(
        app.config["ANPR_SETTINGS"], web=dataclasses.replace(web, search_max_ranked=found - 1)))
    other = confirmed_request(officer, plates=[target])
    pre = officer.post(f"/api/v1/requests/{other}/searches",
                       json={"kind": "convoy", "parameters": params}).get_json()
    refused = officer.post(f"/api/v1/searches/{pre['enquiry_id']}/run")
    assert refused.status_code == 409, refused.get_json()
    bericht = refused.get_json()["bericht"]
    assert str(found) in bericht and str(found - 1) in bericht and "niets" in bericht, bericht
    assert _held(officer, pre["enquiry_id"]) == set()
    assert _count(database_url, "SELECT count(*) FROM enquiry WHERE id = %s AND run_at IS "
                  "NOT NULL", pre["enquiry_id"]) == 0
    assert _count(database_url, "SELECT count(*) FROM audit_log WHERE subject = %s AND "
                  "action = 'search.run'", f"request:{other}") == 0
    # Common plates: the same most, the same refusal.
    sites = [{"name": f"site {s['site']}", "cameras": s["cameras"],
              "window": {"start": s["from"], "end": s["to"]}}
             for s in truth["crime_sites"]["sites"]]
    monkeypatch.setitem(app.config, "ANPR_SETTINGS", dataclasses.replace(
        app.config["ANPR_SETTINGS"], web=dataclasses.replace(web, search_max_ranked=1)))
    country = confirmed_request(officer)
    r = SearchClient(app, "officer2.mn", country).post("/api/v1/search/common",
                                                       json={"sites": sites})
    assert r.status_code == 409 and "kentekens" in r.get_json()["bericht"]


def test_convoy_and_route_previews_count_the_same_at_both_doors(app, officer, country,
                                                                truth, window):
    lead = truth["convoy"]["lead"]
    one = [truth["convoy"]["passages"][0]["lead_camera"]]
    for kind in ("convoy", "route"):
        params = {"plate": lead, "window": window, "cameras": one}
        flow = officer.post(f"/api/v1/requests/{country}/searches",
                            json={"kind": kind, "parameters": params}).get_json()["preview"]
        raw = SearchClient(app, "officer2.mn", country).post(
            f"/api/v1/search/{kind}/preview", json=params).get_json()
        assert flow["passages"] == raw["passages"] == len(truth["convoy"]["passages"])


def test_package_route_is_the_held_route_of_verified_reads(app, people, demo_db, truth,
                                                           window, database_url):
    """The package's route is built from what the route search held, not by searching
    again: typed as an officer types it ("z2-74vt" style) the package is still made,
    its detour threshold is the search's, and a read rejected as a misread is not on it."""
    import io
    import uuid
    import zipfile

    from casework_support import cropped_copies, on_page

    lead = "RP" + uuid.uuid4().hex[:4].upper()
    copies = cropped_copies(app, database_url, truth["detour"]["plate"], lead)
    officer = SessionClient(app, "officer.mn")
    officer.database_url = database_url
    rid = confirmed_request(officer, plates=[lead])
    typed = f"{lead[:2].lower()}-{lead[2:]}"
    out, held = _flow(officer, rid, "route", {"plate": typed, "window": window,
                                              "detour_minutes": 1})
    assert held == {c["id"] for c in copies}
    page = officer.get(f"/api/v1/requests/{rid}/reads?page_size=500").get_json()
    verdicts = [{"passage_id": r["passage_id"], "captured_at": r["captured_at"],
                 "verdict": "confirmed"} for r in page["reads"]]
    verdicts[-1]["verdict"] = "rejected"
    misread = verdicts[-1]["passage_id"]
    assert officer.post(f"/api/v1/requests/{rid}/verdicts",
                        json=on_page(page, verdicts)).status_code == 200
    resp = officer.post(f"/api/v1/requests/{rid}/package")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    zf = zipfile.ZipFile(io.BytesIO(resp.data))
    [name] = [n for n in zf.namelist() if n.startswith("route-")
              and n.endswith("-passages.geojson")]
    route = json.loads(zf.read(name))
    on_route = {f["properties"]["passage_id"] for f in route["features"]}
    assert on_route == held - {misread}
    assert {f["properties"]["plate"] for f in route["features"]} == {lead}
    # The search's own detour threshold: at 1 minute every slow leg is a detour or stop.
    legs = json.loads(zf.read(name.replace("-passages.", "-legs.")))["features"]
    assert legs and all(f["properties"]["flag"] != "ok" or
                        f["properties"]["observed_s"] - f["properties"]["expected_s"] < 60
                        for f in legs)
