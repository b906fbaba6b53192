"""The planted demo cases walked the officer's own way, as a new officer would: through the
search panel on the map in Chromium where officers use the browser, and through the JSON
API where integrators do. What the ground truth says must be found, with no 500 and no
wrong or missing row, whatever an officer varies: windows across midnight and given in
local time with an offset, plates typed with dashes, spaces and lower case, a drawn
polygon against picked locations against a corridor, page sizes and sorting, the export
formats, the same search twice, an order that covers only part of a window."""
from __future__ import annotations

import io
import json
import sqlite3
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import psycopg
import pytest

from conftest import NL_NORTH, NL_SOUTH, SearchClient, SessionClient, confirmed_request

AMS = ZoneInfo("Europe/Amsterdam")
UTC = timezone.utc


def _iso(dt: datetime) -> str:
    return dt.isoformat()


def _ams(dt: datetime) -> str:
    """The instant written in Amsterdam local time with its offset (+01:00 or +02:00)."""
    return dt.astimezone(AMS).isoformat()


def _scope(windows: list[dict], **extra) -> dict:
    return {"windows": windows, "areas": [{"kind": "polygon", "geometry": NL_NORTH},
                                          {"kind": "polygon", "geometry": NL_SOUTH}], **extra}


def _count(database_url: str, sql: str, *args) -> int:
    with psycopg.connect(database_url) as c:
        return c.execute(sql, args).fetchone()[0]


def _convoy_keys(truth) -> set[tuple[str, datetime]]:
    return {(p["lead_camera"], datetime.fromisoformat(p["lead_at"]))
            for p in truth["convoy"]["passages"]}


def _keys(rows) -> set[tuple[str, datetime]]:
    return {(r["camera_id"], datetime.fromisoformat(r["captured_at"])) for r in rows}


# -- the order's time: several windows, part of a window ----------------------------------

def test_a_search_across_two_abutting_order_windows_is_inside_the_order(app, people, demo_db,
                                                                        truth):
    """An order naming the afternoon as two windows that meet (14-17 and 17-20) allows a
    search of 15-19: every minute of it is inside the order's time (R5)."""
    officer = SessionClient(app, "officer2.mn")
    start, end = demo_db["start"], demo_db["end"]
    mid = start + (end - start) / 2
    rid = confirmed_request(officer, scope=_scope([
        {"start": _iso(start), "end": _iso(mid)}, {"start": _iso(mid), "end": _iso(end)}]))
    lead = truth["convoy"]["lead"]
    r = SearchClient(app, "officer2.mn", rid).post("/api/v1/search/plate", json={
        "plates": [lead], "window": {"start": _iso(start), "end": _iso(end)}})
    assert r.status_code == 200, r.get_json()
    assert _keys(r.get_json()["passages"]) == _convoy_keys(truth)
    # Overlapping windows too (13-17 and 16-20).
    rid = confirmed_request(officer, scope=_scope([
        {"start": _iso(start), "end": _iso(mid + timedelta(minutes=30))},
        {"start": _iso(mid - timedelta(minutes=30)), "end": _iso(end)}]))
    r = SearchClient(app, "officer2.mn", rid).post("/api/v1/search/plate", json={
        "plates": [lead], "window": {"start": _iso(start), "end": _iso(end)}})
    assert r.status_code == 200, r.get_json()
    assert _keys(r.get_json()["passages"]) == _convoy_keys(truth)


def test_a_window_partly_outside_the_order_is_refused_in_dutch_and_stores_nothing(
        app, people, demo_db, truth, database_url):
    officer = SessionClient(app, "officer2.mn")
    start, end = demo_db["start"], demo_db["end"]
    rid = confirmed_request(officer, scope=_scope([
        {"start": _iso(start + timedelta(hours=1)), "end": _iso(end)}]))
    before = _count(database_url, "SELECT count(*) FROM enquiry WHERE request_id = %s", rid)
    params = {"plates": [truth["convoy"]["lead"]],
              "window": {"start": _ams(start), "end": _ams(end)}}
    for r in (officer.post(f"/api/v1/requests/{rid}/searches",
                           json={"kind": "plate", "parameters": params}),
              SearchClient(app, "officer2.mn", rid).post("/api/v1/search/plate/preview",
                                                         json=params)):
        assert r.status_code == 403, r.get_json()
        body = r.get_json()
        assert body["error"] == "outside_scope"
        bericht = body["bericht"]
        # Dutch, in Amsterdam time, naming the asked window and the order's.
        loc = lambda dt: dt.astimezone(AMS).strftime("%d-%m-%Y %H:%M")  # noqa: E731
        assert "buiten de tijd van het bevel" in bericht, bericht
        assert loc(start) in bericht and loc(end) in bericht, bericht
        assert loc(start + timedelta(hours=1)) in bericht, bericht
        assert "+00:00" not in bericht and "T" not in bericht.replace("Tijdvak", ""), bericht
    assert _count(database_url, "SELECT count(*) FROM enquiry WHERE request_id = %s",
                  rid) == before


# -- local offsets, typed plates, the same search twice -----------------------------------

def test_local_offsets_and_typed_plates_are_the_same_search(app, people, demo_db, truth,
                                                            database_url):
    """The window in Amsterdam time with its offset and the plates typed as a witness says
    them ('zx-12 ab', lower case, spaces) find exactly the planted passages; asked again
    in UTC with the plate in capitals it is the same search, not run twice."""
    officer = SessionClient(app, "officer2.mn")
    rid = confirmed_request(officer)
    client = SearchClient(app, "officer2.mn", rid)
    lead, follower = truth["convoy"]["lead"], truth["convoy"]["follower"]
    typed = [f" {lead[:2].lower()}-{lead[2:4]} {lead[4:].lower()} ",
             f"{follower[:2]}.{follower[2:].lower()}"]
    local = {"start": _ams(demo_db["start"]), "end": _ams(demo_db["end"])}
    assert local["start"].endswith(("+01:00", "+02:00"))
    first = client.post("/api/v1/search/plate", json={"plates": typed, "window": local,
                                                      "limit": 1000})
    assert first.status_code == 200, first.get_json()
    rows = first.get_json()["passages"]
    assert {p["plate"] for p in rows} == {lead, follower}
    assert _convoy_keys(truth) <= _keys(rows)
    follower_keys = {(p["follower_camera"], datetime.fromisoformat(p["follower_at"]))
                     for p in truth["convoy"]["passages"]}
    assert _keys(rows) == _convoy_keys(truth) | follower_keys
    runs = _count(database_url, "SELECT count(*) FROM audit_log WHERE subject = %s AND "
                  "action = 'search.run'", f"request:{rid}")
    again = officer.post(f"/api/v1/requests/{rid}/searches", json={
        "kind": "plate", "parameters": {
            "plates": [follower, lead],
            "window": {"start": demo_db["start"].astimezone(UTC).isoformat().replace(
                "+00:00", "Z"), "end": _iso(demo_db["end"])}}})
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["already"] == "run"
    assert again.get_json()["enquiry_id"] == first.get_json()["enquiry_id"]
    assert _count(database_url, "SELECT count(*) FROM audit_log WHERE subject = %s AND "
                  "action = 'search.run'", f"request:{rid}") == runs


# -- across midnight ----------------------------------------------------------------------

def _plant_across_midnight(database_url: str, truth) -> tuple[str, list[datetime], datetime]:
    """A plate of this test's own, passing a demo camera around the last Amsterdam midnight
    (23:00 UTC in winter) and the UTC midnight after it: two capture days, two dates."""
    plate = "MN" + uuid.uuid4().hex[:4].upper()
    today = datetime.now(AMS).replace(hour=0, minute=0, second=0, microsecond=0)
    midnight = today - timedelta(days=1)  # yesterday's local midnight, well inside the order
    utc_midnight = midnight.astimezone(UTC).replace(hour=0) + timedelta(days=1)
    times = sorted({midnight - timedelta(minutes=10), midnight + timedelta(minutes=10),
                    utc_midnight - timedelta(minutes=10), utc_midnight + timedelta(minutes=10)})
    cam = truth["convoy"]["passages"][0]["lead_camera"]
    with psycopg.connect(database_url) as c:
        for t in times:
            c.execute("SELECT jj126.ensure_partition(%s)", (t.astimezone(UTC).date(),))
        src = c.execute("SELECT geom, segment_id FROM jj126.passage WHERE camera_id = %s "
                        "LIMIT 1", (cam,)).fetchone()
        for i, t in enumerate(times):
            c.execute("INSERT INTO jj126.passage (camera_id, captured_at, plate, plate_raw, "
                      "country, confidence, geom, capture_id, segment_id) VALUES "
                      "(%s, %s, %s, %s, 'NL', 0.95, %s, %s, %s)",
                      (cam, t, plate, plate, src[0], f"midnight-{plate}-{i}", src[1]))
        c.commit()
    return plate, [t.astimezone(UTC) for t in times], midnight


def test_windows_across_midnight_in_local_time(app, people, demo_db, truth, database_url):
    plate, times, midnight = _plant_across_midnight(database_url, truth)
    officer = SessionClient(app, "officer2.mn")
    rid = confirmed_request(officer, plates=[plate])
    client = SearchClient(app, "officer2.mn", rid)

    def found(start: datetime, end: datetime, **extra) -> list[datetime]:
        r = client.post("/api/v1/search/plate", json={
            "plates": [plate.lower()], "window": {"start": _ams(start), "end": _ams(end)},
            **extra})
        assert r.status_code == 200, r.get_json()
        return sorted(datetime.fromisoformat(p["captured_at"]) for p in r.get_json()["passages"])

    # 23:30 - 01:30 local: all four, across both the local and the UTC date change.
    assert found(midnight - timedelta(minutes=30), midnight + timedelta(hours=2, minutes=30)) \
        == times
    # The first local half hour of the day: only the passage ten minutes after midnight.
    assert found(midnight, midnight + timedelta(minutes=30)) == [times[1]]
    # The half-open end: a window ending at a passage's own minute leaves it out.
    assert found(midnight - timedelta(minutes=10), midnight + timedelta(minutes=10)) \
        == [times[0]]
    # The route over the two capture days joins the four passages in time order.
    r = client.post("/api/v1/search/route", json={
        "plate": plate, "window": {"start": _ams(midnight - timedelta(hours=1)),
                                   "end": _ams(midnight + timedelta(hours=3))}})
    assert r.status_code == 200, r.get_json()
    route = r.get_json()
    assert [datetime.fromisoformat(p["captured_at"]) for p in route["passages"]] == times
    assert len(route["legs"]) == len(times) - 1
    # Held and read back across the two days: the results table by time, both orders.
    eid = route["enquiry_id"]
    asc = officer.get(f"/api/v1/searches/{eid}/results?sort=time").get_json()
    desc = officer.get(f"/api/v1/searches/{eid}/results?sort=time&order=desc").get_json()
    assert [datetime.fromisoformat(p["captured_at"]) for p in asc["passages"]] == times
    assert [datetime.fromisoformat(p["captured_at"]) for p in desc["passages"]] == times[::-1]
    # The table filtered on the local day: from local midnight, as the browser sends it.
    day = officer.get(f"/api/v1/searches/{eid}/results", query_string={
        "from": _ams(midnight), "to": _ams(midnight + timedelta(days=1))}).get_json()
    assert [datetime.fromisoformat(p["captured_at"]) for p in day["passages"]] == times[1:]


# -- page sizes and sorting ---------------------------------------------------------------

@pytest.mark.parametrize("sort", ["time", "plate", "camera", "location"])
def test_every_page_size_and_sort_lists_each_held_row_once(app, people, demo_db, truth, sort):
    """A block search at the five crime sites over their two hours, read back in pages of
    1, 7 and the maximum, by each sort key, both ways: every held row once, in order, and
    the planted crime-site plates among them."""
    officer = SessionClient(app, "officer2.mn")
    rid = confirmed_request(officer)
    s0 = truth["crime_sites"]["sites"][0]
    params = {"cameras": s0["cameras"], "window": {"start": s0["from"], "end": s0["to"]}}
    pre = officer.post(f"/api/v1/requests/{rid}/searches",
                       json={"kind": "block", "parameters": params}).get_json()
    run = officer.post(f"/api/v1/searches/{pre['enquiry_id']}/run")
    assert run.status_code == 200, run.get_json()
    eid, held = pre["enquiry_id"], run.get_json()["passages_kept"]
    planted = {p for p, s in _crime_plates(truth).items() if 1 in s}
    key = {"time": lambda r: r["captured_at"], "plate": lambda r: r["plate"],
           "camera": lambda r: r["camera_id"], "location": lambda r: r["location_code"]}[sort]
    for order in ("asc", "desc"):
        for size in (1, 7, 1000):
            rows, offset = [], 0
            while offset is not None:
                page = officer.get(f"/api/v1/searches/{eid}/results", query_string={
                    "sort": sort, "order": order, "limit": size, "offset": offset})
                assert page.status_code == 200, page.get_json()
                body = page.get_json()
                assert body["total"] == held and len(body["passages"]) <= size
                rows += body["passages"]
                offset = body["page"]["next_offset"]
                if size == 1 and len(rows) >= 40:  # a page of one: the first forty do
                    break
            ids = [r["passage_id"] for r in rows]
            assert len(ids) == len(set(ids)), (sort, order, size)
            keys = [key(r) for r in rows]
            assert keys == sorted(keys, reverse=order == "desc"), (sort, order, size)
            if size == 1000:
                assert len(ids) == held
                assert planted <= {r["plate"] for r in rows}
    # A page past the end is empty, not an error; a page above the maximum is refused.
    past = officer.get(f"/api/v1/searches/{eid}/results?offset={held + 5}").get_json()
    assert past["passages"] == [] and past["page"]["next_offset"] is None
    too = officer.get(f"/api/v1/searches/{eid}/results?limit=100000")
    assert too.status_code == 400 and too.get_json().get("bericht"), too.get_json()
    for bad in ("sort=speed", "order=up", "limit=-1", "offset=x", "limit=1.5"):
        r = officer.get(f"/api/v1/searches/{eid}/results?{bad}")
        assert r.status_code == 400, (bad, r.get_json())


def _crime_plates(truth) -> dict[str, set[int]]:
    """The planted crime-site plates (the decoys too) and the sites each is planted at."""
    return {p: set(s) for p, s in truth["crime_sites"]["plates"].items()}


# -- the map's search panel in Chromium ---------------------------------------------------

from browser_support import browser, log_in  # noqa: E402,F401  (fixture)


def _local_field(dt: datetime) -> str:
    """What an officer types into a datetime-local field: Amsterdam wall-clock time."""
    return dt.astimezone(AMS).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def own_request(app, people, demo_db):
    """A confirmed request of the officer's own (the whole country, the last 27 days)."""
    return confirmed_request(SessionClient(app, "officer2.mn"))


@pytest.fixture
def panel(browser, live_server, own_request):
    ctx = browser.new_context(bypass_csp=True, viewport={"width": 1500, "height": 950},
                              timezone_id="UTC", locale="nl-NL", accept_downloads=True)
    pg = ctx.new_page()
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    log_in(pg, live_server, "officer2.mn")
    pg.goto(live_server + "/")
    pg.wait_for_selector("#search-request[data-ready='1']", timeout=30_000)
    pg.select_option("#search-request", str(own_request))
    pg.wait_for_selector("#status[data-ready='1']", timeout=30_000)
    pg.wait_for_selector("#search-panel[data-state='idle']", timeout=10_000)
    yield pg
    ctx.close()


def _preview_then_results(page) -> None:
    page.click("#search-preview-btn")
    page.wait_for_selector("#search-panel[data-state='preview']", timeout=30_000)
    page.click("#search-run-btn")
    page.wait_for_selector("#search-panel[data-state='results']", timeout=60_000)


def _misread_vehicle(truth) -> tuple[str, dict]:
    return next((p, v) for p, v in truth["misreads"]["vehicles"].items() if v["misread"])


@pytest.mark.browser
def test_the_map_offers_the_misreads_option_and_marks_what_it_found(panel, demo_db, truth):
    """Qm from the map: the officer ticks 'including probable misreads' for a plate typed
    as heard and finds every passage of the vehicle, the misread ones marked; without the
    tick they are not there. The option is offered for Q1, Q4, Q5 and Q6, not Q2 or Q3."""
    plate, v = _misread_vehicle(truth)
    misread = {(x["camera"], datetime.fromisoformat(x["at"])) for x in v["misread"]}
    page = panel
    page.select_option("#search-kind", "plate")
    page.fill("#search-plates", f"{plate[:2].lower()}-{plate[2:]}")
    page.fill("#search-start", _local_field(demo_db["start"]))
    page.fill("#search-end", _local_field(demo_db["end"]))
    _preview_then_results(page)
    plain = page.evaluate("Anpr.pages.searchPanel.state.result.passages")
    assert not _keys(plain) & misread and len(plain) == v["passages"] - len(misread)

    assert page.is_visible("#search-misreads")
    page.check("#search-misreads")
    assert page.is_disabled("#search-run-btn")  # a changed search needs its own count
    _preview_then_results(page)
    body = page.evaluate("Anpr.pages.searchPanel.state.query.body")
    assert body["misreads"] is True
    rows = page.evaluate("Anpr.pages.searchPanel.state.result.passages")
    assert len(rows) == v["passages"] and misread <= _keys(rows)
    marked = page.eval_on_selector_all(
        "#search-rows tbody tr", "els => els.filter(e => e.dataset.match !== 'exact')"
        ".map(e => Number(e.dataset.id))")
    assert sorted(marked) == sorted(r["id"] for r in rows if r["match"] != "exact")
    assert len(marked) == len(misread)
    assert page.evaluate("Anpr.pages.searchPanel.state.result.verification_required")
    for kind, shown in (("partial", False), ("block", False), ("convoy", True),
                        ("route", True), ("common", True)):
        page.select_option("#search-kind", kind)
        assert page.is_visible("#search-misreads") is shown, kind
    # The route including probable misreads: every passage of the vehicle on it.
    page.select_option("#search-kind", "route")
    page.fill("#search-plate", plate.lower())
    page.check("#search-misreads")
    _preview_then_results(page)
    route = page.evaluate("Anpr.pages.searchPanel.state.result")
    assert route["params"]["misreads"] is True and misread <= _keys(route["passages"])
    assert not page.errors, page.errors


def _draw_rectangle(page, north, west, south, east) -> None:
    page.evaluate("([n, w, s, e]) => Anpr.pages.map.map.fitBounds([[s, w], [n, e]],"
                  " {animate: false, padding: [60, 60]})", [north, west, south, east])
    page.wait_for_timeout(300)
    box = page.locator("#map").bounding_box()
    pt = lambda lat, lon: page.evaluate(  # noqa: E731
        "([lat, lon]) => { const p = Anpr.pages.map.map.latLngToContainerPoint([lat, lon]);"
        " return [p.x, p.y]; }", [lat, lon])
    (x1, y1), (x2, y2) = pt(north, west), pt(south, east)
    page.evaluate("document.querySelector('#selection-count').dataset.count = ''")
    page.click(".leaflet-draw-draw-rectangle")
    page.mouse.move(box["x"] + x1, box["y"] + y1)
    page.mouse.down()
    page.mouse.move(box["x"] + (x1 + x2) / 2, box["y"] + (y1 + y2) / 2, steps=5)
    page.mouse.move(box["x"] + x2, box["y"] + y2, steps=5)
    page.mouse.up()
    page.wait_for_function("document.querySelector('#selection-count').dataset.count !== ''",
                           timeout=15_000)


def _draw_line(page, a, b) -> None:
    """A corridor: a line from a to b ((lat, lon) each) drawn with the polyline tool."""
    page.evaluate("([a, b]) => Anpr.pages.map.map.fitBounds([a, b], {animate: false,"
                  " padding: [120, 120]})", [list(a), list(b)])
    page.wait_for_timeout(300)
    box = page.locator("#map").bounding_box()
    pt = lambda ll: page.evaluate(  # noqa: E731
        "(ll) => { const p = Anpr.pages.map.map.latLngToContainerPoint(ll); return [p.x, p.y]; }",
        list(ll))
    page.evaluate("document.querySelector('#selection-count').dataset.count = ''")
    page.click(".leaflet-draw-draw-polyline")
    (x1, y1), (x2, y2) = pt(a), pt(b)
    page.mouse.click(box["x"] + x1, box["y"] + y1)
    page.wait_for_timeout(200)
    page.mouse.click(box["x"] + x2, box["y"] + y2)
    page.wait_for_timeout(200)
    page.mouse.click(box["x"] + x2, box["y"] + y2)  # the last point again ends the line
    page.wait_for_function("document.querySelector('#selection-count').dataset.count !== ''",
                           timeout=15_000)


def _location_point(app, code: str) -> tuple[float, float]:
    lon, lat = SessionClient(app, "officer2.mn").get(
        f"/api/v1/locations/{code}").get_json()["geometry"]["coordinates"]
    return lat, lon


@pytest.mark.browser
def test_common_plates_from_sites_drawn_on_the_map(panel, app, truth):
    """Q5 from the map: each crime site drawn as a small rectangle around its location and
    added with its own two hours, typed in Amsterdam time; at k = 3 the plates are the
    planted ones seen at three sites, no more, no fewer."""
    page = panel
    page.select_option("#search-kind", "common")
    for s in truth["crime_sites"]["sites"]:
        lat, lon = _location_point(app, s["location_code"])
        _draw_rectangle(page, lat + 0.002, lon - 0.003, lat - 0.002, lon + 0.003)
        assert s["location_code"] in page.inner_text("#selection-locations")
        page.fill("#search-site-start", _local_field(datetime.fromisoformat(s["from"])))
        # The site's end: the planted window's end, rounded up to the officer's minute.
        end = datetime.fromisoformat(s["to"])
        end = end.replace(second=0, microsecond=0) + (timedelta(minutes=1) if end.second or
                                                      end.microsecond else timedelta())
        page.fill("#search-site-end", _local_field(end))
        page.click("#search-site-add")
    assert page.locator("#search-sites li").count() == 5
    page.fill("#search-k", "3")
    _preview_then_results(page)
    plates = page.eval_on_selector_all("#search-common li", "els => els.map(e => e.dataset.plate)")
    assert set(plates) == set(truth["crime_sites"]["at_3_sites"]), plates
    body = page.evaluate("Anpr.pages.searchPanel.state.query.body")
    for site, s in zip(body["sites"], truth["crime_sites"]["sites"]):
        assert datetime.fromisoformat(site["window"]["start"]) <= datetime.fromisoformat(s["from"])
    assert not page.errors, page.errors


@pytest.mark.browser
def test_a_corridor_and_a_window_across_midnight_typed_on_the_map(panel, app, truth,
                                                                  database_url):
    """A plate passing around midnight, searched on the map with a window typed in
    Amsterdam time from 23:30 to 01:30 and only inside a corridor drawn along its
    location: the four passages, shown in Amsterdam time across the date change."""
    plate, times, midnight = _plant_across_midnight(database_url, truth)
    page = panel
    loc = truth["convoy"]["passages"][0]["location"]
    lat, lon = _location_point(app, loc)
    page.fill("#corridor-buffer", "150")
    _draw_line(page, (lat - 0.004, lon - 0.004), (lat + 0.004, lon + 0.004))
    assert loc in page.inner_text("#selection-locations")
    page.select_option("#search-kind", "plate")
    page.fill("#search-plates", f"{plate[:2].lower()} {plate[2:4]} {plate[4:].lower()}")
    page.check("#search-only-selection")
    page.fill("#search-start", _local_field(midnight - timedelta(minutes=30)))
    page.fill("#search-end", _local_field(midnight + timedelta(hours=1, minutes=30)))
    _preview_then_results(page)
    body = page.evaluate("Anpr.pages.searchPanel.state.query.body")
    # The plate typed in its groups is one plate, not three ('MN', 'C2', 'CB').
    assert body["plates"] == [plate]
    assert datetime.fromisoformat(body["window"]["start"]) == midnight - timedelta(minutes=30)
    rows = page.evaluate("Anpr.pages.searchPanel.state.result.passages")
    assert sorted(datetime.fromisoformat(r["captured_at"]) for r in rows) == times
    shown = page.eval_on_selector_all("#search-rows tbody tr td:first-child",
                                      "els => els.map(e => e.textContent.trim())")
    assert sorted(shown, key=lambda t: datetime.strptime(t, "%d-%m-%Y %H:%M:%S")) == [
        t.astimezone(AMS).strftime("%d-%m-%Y %H:%M:%S") for t in times]
    # How the officer's fields read typed plates: commas, semicolons and new lines part
    # plates, spaces only between whole plates.
    assert page.evaluate("Anpr.plates('zx 12 ab, AB123C XY99ZZ; 1 abc 23\\nab-12-cd')") == [
        "ZX12AB", "AB123C", "XY99ZZ", "1ABC23", "AB-12-CD"]
    assert not page.errors, page.errors


@pytest.mark.browser
def test_times_typed_across_the_dst_changes_go_out_as_the_instants_meant(panel):
    """The map's window fields across the DST changes of Europe/Amsterdam: each local time
    goes out with the offset that held at that moment, so a window across the change is
    what the officer typed (the server then reads only instants)."""
    to_iso = "v => Anpr.time.localToISO(v)"
    cases = {"2026-03-29T01:30": "2026-03-29T01:30:00+01:00",   # before spring forward
             "2026-03-29T03:30": "2026-03-29T03:30:00+02:00",   # after it
             "2026-10-25T01:30": "2026-10-25T01:30:00+02:00",   # before fall back
             "2026-10-25T03:30": "2026-10-25T03:30:00+01:00",   # after it
             "2026-12-31T23:59": "2026-12-31T23:59:00+01:00"}
    for typed, sent in cases.items():
        assert panel.evaluate(to_iso, typed) == sent, typed
        assert panel.evaluate("v => Anpr.time.isoToLocal(v)", sent) == typed
    # Two hours typed across the autumn change are three hours of instants, as meant.
    a = datetime.fromisoformat(panel.evaluate(to_iso, "2026-10-25T01:00"))
    b = datetime.fromisoformat(panel.evaluate(to_iso, "2026-10-25T03:00"))
    assert b - a == timedelta(hours=3)


# -- the route's export formats -----------------------------------------------------------

def test_the_detour_route_in_every_export_format(app, people, demo_db, truth, tmp_path):
    """The planted detour searched with its plate typed lower case with dashes: the route
    answer flags the slow leg, and each file offered (GeoJSON per layer, GeoPackage, KML,
    GPX) holds the same passages at the same instants, the detour leg flagged."""
    officer = SessionClient(app, "officer2.mn")
    det = truth["detour"]
    rid = confirmed_request(officer, plates=[det["plate"]])
    client = SearchClient(app, "officer2.mn", rid)
    plate = det["plate"]
    params = {"plate": f"{plate[:2].lower()}-{plate[2:4]}-{plate[4:].lower()}",
              "window": {"start": _ams(demo_db["start"]), "end": _ams(demo_db["end"])}}
    r = client.post("/api/v1/search/route", json=params)
    assert r.status_code == 200, r.get_json()
    route = r.get_json()
    times = [datetime.fromisoformat(p["captured_at"]) for p in route["passages"]]
    assert len(times) == det["passages"] and times == sorted(times)
    assert route["flags"]["detour_or_stop"] == 1
    slow = [leg for leg in route["legs"] if leg["flag"] == "detour_or_stop"]
    assert datetime.fromisoformat(slow[0]["from_at"]) == datetime.fromisoformat(det["from_at"])
    assert datetime.fromisoformat(slow[0]["to_at"]) == datetime.fromisoformat(det["to_at"])

    def export(fmt, layer=None):
        body = {**params, "format": fmt, **({"layer": layer} if layer else {})}
        resp = client.post("/api/v1/search/route/export", json=body)
        assert resp.status_code == 200, (fmt, layer, resp.get_data(as_text=True)[:300])
        assert "attachment" in resp.headers["Content-Disposition"]
        assert plate in resp.headers["Content-Disposition"]
        return resp.data

    pts = json.loads(export("geojson", "passages"))["features"]
    assert [datetime.fromisoformat(f["properties"]["captured_at"]) for f in pts] == times
    assert all(f["properties"]["captured_at"][-6:] in ("+01:00", "+02:00") for f in pts)
    legs = json.loads(export("geojson", "legs"))["features"]
    assert [f["properties"]["flag"] for f in legs].count("detour_or_stop") == 1
    assert len(json.loads(export("geojson", "route"))["features"]) == 1
    gpx = ET.fromstring(export("gpx"))
    ns = {"g": "http://www.topografix.com/GPX/1/1"}
    wpt = [datetime.fromisoformat(t.text.replace("Z", "+00:00"))
           for t in gpx.findall(".//g:trkpt/g:time", ns)]
    assert wpt == times
    kml = ET.fromstring(export("kml"))
    k = {"k": "http://www.opengis.net/kml/2.2"}
    when = [datetime.fromisoformat(t.text.replace("Z", "+00:00"))
            for t in kml.findall(".//k:TimeStamp/k:when", k)]
    assert when == times
    gpkg = tmp_path / "route.gpkg"
    gpkg.write_bytes(export("gpkg"))
    with sqlite3.connect(gpkg) as db:
        tables = {r[0] for r in db.execute("SELECT table_name FROM gpkg_contents")}
        assert {"passages", "legs"} <= tables, tables
        assert db.execute("SELECT count(*) FROM passages").fetchone()[0] == len(times)
        assert db.execute("SELECT count(*) FROM legs WHERE flag = 'detour_or_stop'"
                          ).fetchone()[0] == 1
    # An unknown format or layer is a 400 with its Dutch, never a 500.
    for bad in ({"format": "shp"}, {"format": "geojson", "layer": "x"}, {"format": None}):
        resp = client.post("/api/v1/search/route/export", json={**params, **bad})
        assert resp.status_code == 400, (bad, resp.get_json())
        assert resp.get_json().get("bericht"), resp.get_json()


def test_the_duplicated_plate_is_flagged_impossible(app, people, demo_db, truth):
    dup = truth["duplicate"]
    officer = SessionClient(app, "officer2.mn")
    rid = confirmed_request(officer, plates=[dup["plate"]])
    r = SearchClient(app, "officer2.mn", rid).post("/api/v1/search/route", json={
        "plate": dup["plate"].lower(),
        "window": {"start": _ams(demo_db["start"]), "end": _ams(demo_db["end"])}})
    assert r.status_code == 200, r.get_json()
    route = r.get_json()
    assert [p["camera_id"] for p in route["passages"]] == [dup["first_camera"],
                                                          dup["second_camera"]]
    assert route["flags"]["impossible"] == 1 and route["legs"][0]["flag"] == "impossible"


def test_a_written_order_inside_two_abutting_verbal_windows_is_a_narrowing(app, people,
                                                                           demo_db):
    """The written order narrows a verbal one named as two windows that meet: one window
    across the seam, inside the two, is recorded (not refused as widening); one hour
    beyond them still is refused."""
    officer = SessionClient(app, "officer2.mn")
    start, end = demo_db["start"], demo_db["end"]
    mid = start + (end - start) / 2
    rid = confirmed_request(officer, scope=_scope([
        {"start": _iso(start), "end": _iso(mid)}, {"start": _iso(mid), "end": _iso(end)}]))
    request = officer.get(f"/api/v1/requests/{rid}").get_json()
    scope = {k: v for k, v in request["scope"].items() if k != "resolved_cameras"}

    def correct(s, e):
        return officer.post(f"/api/v1/requests/{rid}/correct", json={
            "changes": {"scope": {**scope, "windows": [{"start": _iso(s), "end": _iso(e)}]}},
            "reason": "schriftelijk bevel"})

    wider = correct(start - timedelta(hours=1), end)
    assert wider.status_code == 409 and "verruimt" in wider.get_json()["bericht"]
    inside = correct(start + timedelta(hours=1), end - timedelta(hours=1))
    assert inside.status_code == 200, inside.get_json()
    assert [(datetime.fromisoformat(w["start"]), datetime.fromisoformat(w["end"]))
            for w in inside.get_json()["scope"]["windows"]] == [
        (start + timedelta(hours=1), end - timedelta(hours=1))]
