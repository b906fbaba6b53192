"""The officer's workspace in headless Chromium (issue 13): the request page shows the
order's scope on the map from the start, and each of Q1-Q6 is driven from that page on the
demo's planted cases (gis/traffic.py GroundTruth): preview, run, and then the map layers,
the table, the coverage and a later page are checked against the ground truth and against
the held results the API gives."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import psycopg
import pytest
from psycopg.rows import dict_row

from browser_support import browser, log_in  # noqa: F401  (fixture)
from test_casework_browser import REQUEST_PAGE, confirm_request, fill_request, local

pytestmark = pytest.mark.browser

DETOUR_COLOUR = "#ef6c00"


@pytest.fixture
def page(browser, live_server, people):
    ctx = browser.new_context(bypass_csp=True, viewport={"width": 1500, "height": 1000}, accept_downloads=True,
                              timezone_id="UTC")
    pg = ctx.new_page()
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("dialog", lambda d: d.accept())
    pg.asked = []
    pg.on("request", lambda r: pg.asked.append(r.url))
    yield pg
    ctx.close()


def api(page, url: str):
    """A GET of the JSON API from inside the page, with the officer's own session."""
    return page.evaluate("url => fetch(url, {headers: {Accept: 'application/json'}})"
                         ".then(r => r.json())", url)


def register(page, demo_db, *, number: str, order_ref: str, locations: str = "",
             plates: str = "", window=None) -> int:
    fill_request(page, demo_db, number=number, order_ref=order_ref, locations=locations,
                 plates=plates, window=window)
    page.click("#register")
    page.wait_for_url(REQUEST_PAGE)
    return confirm_request(page)


def run(page, kind: str, fill=None) -> int:
    """Preview and run one search from the request page; the workspace then shows it."""
    page.select_option("#s-kind", kind)
    if fill:
        fill()
    page.click("#s-preview")
    try:
        page.wait_for_selector("#preview-box:not([hidden])")
    except Exception:
        raise AssertionError(page.inner_text("#req-message")) from None
    before = page.get_attribute("#workspace", "data-enquiry")
    page.click("#s-run")
    page.wait_for_function("document.querySelector('#workspace').dataset.enquiry && "
                           f"document.querySelector('#workspace').dataset.enquiry !== '{before}'")
    eid = int(page.get_attribute("#workspace", "data-enquiry"))
    page.wait_for_selector(f"#ws-table[data-enquiry='{eid}']")
    page.wait_for_selector(f"#ws-coverage[data-enquiry='{eid}']")
    return eid


def table_plates(page) -> list[str]:
    return page.eval_on_selector_all("#ws-table tbody tr td:nth-child(2)",
                                     "tds => tds.map(t => t.innerText)")


def later_page(page, eid: int) -> None:
    """Pages of 10: the second page holds the held rows 11-20 in the same order the API
    gives them."""
    total = int(page.get_attribute("#ws-table", "data-total"))
    assert total > 10, total
    page.select_option("#wf-size", "10")
    page.wait_for_selector("#ws-table[data-size='10']")
    page.click("#ws-next")
    page.wait_for_selector("#ws-table[data-offset='10']")
    shown = page.eval_on_selector_all("#ws-table tbody tr", "rs => rs.map(r => Number(r.dataset.passage))")
    held = api(page, f"/api/v1/searches/{eid}/results?limit=10&offset=10")
    assert shown == [p["passage_id"] for p in held["passages"]]
    assert page.inner_text("#ws-pageinfo") == f"11–{min(20, total)} van {total}"


def coverage_matches(page, eid: int) -> None:
    box = page.inner_text("#ws-coverage")
    assert "dekking volledig" in box or "let op" in box, box


def points(page) -> set[str]:
    return set(page.evaluate("Anpr.pages.workspace.state.results.getLayers()"
                             ".map(l => l.feature.properties.code)"))


def test_the_orders_scope_is_on_the_map_from_the_start(page, app, live_server, demo_db, truth,
                                                       artifacts):
    """Before any search: the order's drawn area and its locations on the request page's map,
    registered and confirmed alike; the shared basemap (places, place search, road numbers);
    the searches take the window the officer picks among the order's windows; the package
    waits, with the reason, until a search has run."""
    log_in(page, live_server, "officer.mn")
    locs = sorted({p["location"] for p in truth["convoy"]["passages"]})[:2]
    fill_request(page, demo_db, number="SIT-WS-SCOPE", order_ref="OvJ-WS-0001",
                 locations=", ".join(locs))
    start = demo_db["start"]
    page.click("#add-window")
    page.locator("#windows li").nth(1).locator(".w-start").fill(local(start + timedelta(hours=1)))
    page.locator("#windows li").nth(1).locator(".w-end").fill(local(start + timedelta(hours=2)))
    # A drawn rectangle around a crime site's location, besides the typed locations.
    site = truth["crime_sites"]["sites"][0]["location_code"]
    lat, lon = page.evaluate(f"Anpr.pages.map.locationIndex[{json.dumps(site)}]")
    page.evaluate(f"Anpr.pages.map.map.setView([{lat}, {lon}], 14, {{animate: false}})")
    page.wait_for_timeout(300)
    box = page.locator("#map").bounding_box()
    pt = lambda la, lo: page.evaluate(  # noqa: E731
        "([a, b]) => { const p = Anpr.pages.map.map.latLngToContainerPoint([a, b]); return [p.x, p.y]; }",
        [la, lo])
    x1, y1 = pt(lat + 0.004, lon - 0.006)
    x2, y2 = pt(lat - 0.004, lon + 0.006)
    page.click(".leaflet-draw-draw-rectangle")
    page.mouse.move(box["x"] + x1, box["y"] + y1)
    page.mouse.down()
    page.mouse.move(box["x"] + x2, box["y"] + y2, steps=5)
    page.mouse.up()
    page.wait_for_selector("#areas li.area[data-cameras]")
    page.click("#register")
    page.wait_for_url(REQUEST_PAGE)
    # Registered, not yet confirmed: the scope is on the map already.
    page.wait_for_selector("#ws-map[data-scope-ready='1']", timeout=20_000)
    assert page.get_attribute("#ws-map", "data-scope-areas") == "1"
    want = set(locs) | {site}
    shown = set(page.eval_on_selector_all("#ws-map .ws-scope-loc", "els => els.map(e => e.dataset.code)"))
    assert shown == want, (shown, want)
    assert page.locator("#ws-map path.ws-scope-area").count() == 1
    assert page.locator("#workspace").is_hidden()  # no results yet, the map is there
    page.screenshot(path=str(artifacts / "workspace-scope.png"))
    rid = confirm_request(page)
    page.wait_for_selector("#ws-map[data-scope-ready='1']", timeout=20_000)
    shown = set(page.eval_on_selector_all("#ws-map .ws-scope-loc", "els => els.map(e => e.dataset.code)"))
    assert shown == want
    # The order's cameras per location, as the frozen scope holds them.
    req = api(page, f"/api/v1/requests/{rid}")
    cams = req["scope"]["resolved_cameras"]
    counts = page.eval_on_selector_all("#ws-map .ws-scope-loc", "els => els.map(e => Number(e.innerText))")
    assert sum(counts) == len(cams)
    assert f"{len(want)} locaties" in page.inner_text("#scope-summary")
    # The shared basemap: places, the place search inside the map, road numbers, legend.
    page.wait_for_selector("#ws-map[data-basemap-ready='1']")
    assert int(page.get_attribute("#ws-map", "data-places")) == 677
    assert int(page.get_attribute("#ws-map", "data-road-numbers")) > 0
    page.fill("#ws-map .map-place-search input", "Amersfoort")
    page.click("#ws-map .map-place-search button")
    page.wait_for_selector("#ws-map .map-place-search form[data-found]")
    # at street level once the zoom animation ends (its zoom is the old one until then)
    page.wait_for_function("Anpr.pages.workspace.state.map.getZoom() === 14", timeout=10_000)
    page.click("#ws-legend summary")  # folded shut, so the map stays readable
    assert "Koninklijke Marechaussee" in page.inner_text("#ws-legend")
    page.click("#ws-legend summary")
    # The order's windows to pick from; the second one fills the search's window.
    assert page.locator("#s-window option").count() == 2
    assert page.input_value("#s-start") == local(start)
    page.select_option("#s-window", "1")
    assert page.input_value("#s-start") == local(start + timedelta(hours=1))
    assert page.input_value("#s-end") == local(start + timedelta(hours=2))
    page.select_option("#s-kind", "common")
    assert page.locator("#s-sites li .site-start").first.input_value() == local(start + timedelta(hours=1))
    # No package before a search has run: disabled, and the page says why.
    assert page.is_disabled("#package")
    assert "nog geen zoekvraag uitgevoerd" in page.inner_text("#package-note")
    eid = run(page, "block", lambda: page.fill("#s-locations", locs[0]))
    page.wait_for_selector("#package:not([disabled])")
    assert page.is_hidden("#package-note")
    assert eid > 0
    foreign = [u for u in page.asked if not u.startswith(live_server) and not u.startswith("data:")]
    assert not foreign and page.errors == []


def test_q1_plate_history_on_the_map_and_table(page, live_server, demo_db, truth):
    conv = truth["convoy"]
    locs = sorted({p["location"] for p in conv["passages"]})
    log_in(page, live_server, "officer.mn")
    register(page, demo_db, number="SIT-WS-Q1", order_ref="OvJ-WS-0011",
             locations=", ".join(locs), plates=f"{conv['lead']}, {conv['follower']}")
    eid = run(page, "plate")
    # One point per location the two plates passed, each sized by its held passages.
    page.wait_for_selector("#ws-map[data-points]")
    assert points(page) == set(locs)
    held = api(page, f"/api/v1/searches/{eid}/results/locations")
    assert {f["id"]: f["properties"]["passages"] for f in held["features"]} == dict(
        page.evaluate("Anpr.pages.workspace.state.results.getLayers().map(l => [l.feature.properties.code, "
                      "l.feature.properties.passages])"))
    assert set(table_plates(page)) == {conv["lead"], conv["follower"]}
    assert int(page.get_attribute("#ws-table", "data-total")) >= 2 * len(conv["passages"])
    ranked = page.eval_on_selector_all("#ws-plates li", "ls => ls.map(l => l.dataset.plate)")
    assert set(ranked[:2]) == {conv["lead"], conv["follower"]}
    assert "gezocht kenteken" in page.inner_text("#ws-plates")
    coverage_matches(page, eid)
    later_page(page, eid)
    assert page.errors == []


def test_q2_partial_plate(page, live_server, demo_db, truth):
    conv = truth["convoy"]
    locs = sorted({p["location"] for p in conv["passages"]})
    log_in(page, live_server, "officer.mn")
    register(page, demo_db, number="SIT-WS-Q2", order_ref="OvJ-WS-0012",
             locations=", ".join(locs))
    pattern = truth["reserved_plate_prefix"] + "*"
    eid = run(page, "partial", lambda: page.fill("#s-pattern", pattern))
    page.select_option("#wf-size", "1000")
    page.wait_for_selector("#ws-table[data-size='1000']")
    plates = set(table_plates(page))
    assert {conv["lead"], conv["follower"]} <= plates
    assert all(p.startswith(truth["reserved_plate_prefix"]) for p in plates)
    page.wait_for_selector("#ws-map[data-points]")
    assert points(page) <= set(locs) and points(page)
    coverage_matches(page, eid)
    later_page(page, eid)
    assert page.errors == []


def test_q3_block_timeline_spans_the_window_and_brushes(page, live_server, demo_db, truth,
                                                        busiest_location):
    start, end = demo_db["start"], demo_db["end"]
    # The busiest location of the demo's window: more than two pages of 10 and rows in
    # each quarter of the timeline at any hour the suite runs (a night has few).
    loc = busiest_location
    log_in(page, live_server, "officer2.mn")
    register(page, demo_db, number="SIT-WS-Q3", order_ref="OvJ-WS-0013", locations=loc)
    eid = run(page, "block", lambda: page.fill("#s-locations", loc))
    page.wait_for_selector("#ws-map[data-points='1']")
    assert points(page) == {loc}
    page.wait_for_selector("#ws-timeline[data-total]")
    # The timeline is the search's window, not first-to-last held row.
    assert datetime.fromisoformat(page.get_attribute("#ws-timeline", "data-start")) == start
    assert datetime.fromisoformat(page.get_attribute("#ws-timeline", "data-end")) == end
    total = int(page.get_attribute("#ws-table", "data-total"))
    assert int(page.get_attribute("#ws-timeline", "data-total")) == total
    # Brush the second quarter of the timeline: the table holds exactly that period's rows.
    page.locator("#ws-timeline").scroll_into_view_if_needed()
    box = page.locator("#ws-timeline").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.25, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.4, y, steps=4)
    page.mouse.move(box["x"] + box["width"] * 0.5, y, steps=4)
    page.mouse.up()
    page.wait_for_selector("#ws-period[data-from]")
    a = datetime.fromisoformat(page.get_attribute("#ws-period", "data-from").replace("Z", "+00:00"))
    b = datetime.fromisoformat(page.get_attribute("#ws-period", "data-to").replace("Z", "+00:00"))
    assert abs((a - (start + (end - start) * 0.25)).total_seconds()) <= 90
    assert abs((b - (start + (end - start) * 0.5)).total_seconds()) <= 90
    assert page.locator("#ws-timeline .ws-brush").count() == 1
    from urllib.parse import quote

    want = api(page, f"/api/v1/searches/{eid}/results?limit=1&from={quote(a.isoformat())}"
                     f"&to={quote(b.isoformat())}")["total"]
    page.wait_for_function(f"document.querySelector('#ws-table').dataset.total === '{want}'")
    assert 0 < want < total
    times = page.eval_on_selector_all("#ws-table tbody tr", "rs => rs.map(r => r.dataset.at)")
    assert all(a <= datetime.fromisoformat(t) < b for t in times)
    # The whole window again, then a later page.
    page.click("#ws-period-clear")
    page.wait_for_function(f"document.querySelector('#ws-table').dataset.total === '{total}'")
    coverage_matches(page, eid)
    later_page(page, eid)
    assert page.errors == []


def test_q4_convoy_ranked_by_its_score_with_offsets(page, live_server, demo_db, truth,
                                                     artifacts):
    conv = truth["convoy"]
    locs = sorted({p["location"] for p in conv["passages"]})
    log_in(page, live_server, "officer.mn")
    register(page, demo_db, number="SIT-WS-Q4", order_ref="OvJ-WS-0014",
             locations=", ".join(locs), plates=conv["lead"])

    def fill():
        page.fill("#s-plate", conv["lead"])
        page.fill("#s-minutes", "2")
    eid = run(page, "convoy", fill)
    page.wait_for_selector("#ws-plates[data-kind='convoy'] li[data-rank]")
    items = page.eval_on_selector_all(
        "#ws-plates li[data-rank]",
        "ls => ls.map(l => [l.dataset.plate, Number(l.dataset.rank), Number(l.dataset.score)])")
    # The follow car is first, and the list is in the convoy's own order: by score.
    assert items[0][0] == conv["follower"] and items[0][1] == 1
    scores = [s for _, _, s in items]
    assert scores == sorted(scores, reverse=True)
    first = page.locator("#ws-plates li[data-rank='1']")
    text = first.inner_text()
    assert "score" in text and "ervoor" in text and "erna" in text
    # The follower drives behind the lead: its offsets are positive, as planted.
    offsets = text.split("tijdsverschil per gedeelde passage:")[1]
    assert offsets.count("+") >= 2 and "−" not in offsets
    # Highlighted: the table holds only its passages, its locations are marked on the map.
    first.locator(".ws-plate").click()
    page.wait_for_selector(f"#ws-map[data-lit='{conv['follower']}']")
    page.wait_for_function("[...document.querySelectorAll('#ws-table tbody tr td:nth-child(2)')]"
                           f".every(td => td.innerText === '{conv['follower']}')")
    assert page.locator("#ws-map path.ws-lit").count() >= 2
    assert "lit" in first.get_attribute("class")
    page.screenshot(path=str(artifacts / "workspace-convoy.png"), full_page=True)
    # Once more: the highlight goes, every held row is back.
    first.locator(".ws-plate").click()
    page.wait_for_function("!document.querySelector('#ws-map').dataset.lit")
    plates = set()
    page.wait_for_function("new Set([...document.querySelectorAll('#ws-table tbody tr td:nth-child(2)')]"
                           ".map(t => t.innerText)).size > 1")
    plates |= set(table_plates(page))
    assert conv["lead"] in plates
    assert page.locator("#ws-map path.ws-point").count() >= 1
    coverage_matches(page, eid)
    later_page(page, eid)
    # Reopened later from the list of searches: the same ranking, from what the run held.
    page.reload()
    page.wait_for_selector(f"#searches tr[data-id='{eid}'] .ws-open")
    page.click(f"#searches tr[data-id='{eid}'] .ws-open")
    page.wait_for_selector("#ws-plates[data-kind='convoy'] li[data-rank]")
    again = page.eval_on_selector_all(
        "#ws-plates li[data-rank]",
        "ls => ls.map(l => [l.dataset.plate, Number(l.dataset.rank), Number(l.dataset.score)])")
    assert again == items
    assert any(u.endswith(f"/api/v1/searches/{eid}/results/answer?limit=50") for u in page.asked)
    assert page.errors == []


def test_q5_common_plates_sites_outlined_from_their_selection(page, live_server, demo_db, truth,
                                                              database_url):
    sites = truth["crime_sites"]["sites"]  # all five: some plates are at two or three
    site_locs = [sorted({c.rsplit("-", 1)[0] for c in s["cameras"]}) for s in sites]
    # A third site far away, one quiet minute: no plate in common with the crime sites.
    with psycopg.connect(database_url, row_factory=dict_row) as c:
        far = c.execute("SELECT code FROM location WHERE split_part(code, '-', 1) <> ALL(%s) "
                        "ORDER BY code LIMIT 1", ([s["location_code"].split("-")[0]
                                                  for s in sites],)).fetchone()["code"]
    locations = sorted({loc for locs in site_locs for loc in locs} | {far})
    log_in(page, live_server, "officer.mn")
    register(page, demo_db, number="SIT-WS-Q5", order_ref="OvJ-WS-0015",
             locations=", ".join(locations))

    def fill():
        # One full-suite run sent two sites with no locations (a 400). The one race this
        # fill has is counting the sites before the page has drawn its two default ones
        # (then six are added after them and the last two stay empty): wait for them.
        page.wait_for_function("document.querySelectorAll('#s-sites li').length >= 2")
        for _ in range(len(sites) + 1 - page.locator("#s-sites li").count()):
            page.click("#s-add-site")
        for i, (locs, w) in enumerate(zip(site_locs + [[far]],
                                          [(s["from"], s["to"]) for s in sites] + [None])):
            li = page.locator("#s-sites li").nth(i)
            li.locator(".site-name").fill(f"plaats {i + 1}")
            li.locator(".site-locs").fill(", ".join(locs))
            if w:
                li.locator(".site-start").fill(local(datetime.fromisoformat(w[0])))
                li.locator(".site-end").fill(local(datetime.fromisoformat(w[1])))
            else:
                quiet = demo_db["start"] + timedelta(minutes=3)
                li.locator(".site-start").fill(local(quiet))
                li.locator(".site-end").fill(local(quiet + timedelta(minutes=1)))
        page.fill("#s-k", "2")
    eid = run(page, "common", fill)
    n = len(sites) + 1
    page.wait_for_selector(f"#ws-map[data-sites='{n}']")
    outlined = dict(part.split(":") for part in
                    page.get_attribute("#ws-map", "data-site-locations").split(";"))
    assert outlined == {**{f"plaats {i + 1}": "|".join(locs) for i, locs in enumerate(site_locs)},
                        f"plaats {n}": far}
    assert page.locator("#ws-map path.ws-site").count() == sum(map(len, site_locs)) + 1
    # Each outline holds its locations; the far site has no hit and is outlined all the same.
    held = {f["id"] for f in api(page, f"/api/v1/searches/{eid}/results/locations")["features"]}
    assert far not in held
    inside = page.evaluate(
        "codes => codes.map(c => { const at = Anpr.pages.workspace.state.scopeLocations[c].at; "
        "return Anpr.pages.workspace.state.sites.getLayers().some(g => g.getLayers().some(l => "
        "l.getBounds().contains([at[1], at[0]]))); })", locations)
    assert all(inside), dict(zip(locations, inside))
    # The planted plates seen at two crime sites or more are listed.
    planted = {p for p, at in truth["crime_sites"]["plates"].items() if len(at) >= 2}
    plates = set(page.eval_on_selector_all("#ws-plates li", "ls => ls.map(l => l.dataset.plate)"))
    assert planted and planted <= plates, (planted, plates)
    assert len(page.locator("#ws-coverage > div").all()) == n  # one coverage per site
    assert f"plaats {n}" in page.inner_text("#ws-coverage")
    later_page(page, eid)
    assert page.errors == []


def test_q6_route_legs_coloured_and_the_table(page, live_server, demo_db, truth, database_url):
    det = truth["detour"]
    with psycopg.connect(database_url, row_factory=dict_row) as c:
        locs = [r["code"] for r in c.execute(
            "SELECT DISTINCT l.code FROM jj126.passage p JOIN camera k ON k.id = p.camera_id "
            "JOIN location l ON l.id = k.location_id WHERE p.plate = %s AND p.captured_at "
            ">= %s AND p.captured_at < %s", (det["plate"], demo_db["start"], demo_db["end"]))]
    log_in(page, live_server, "officer.mn")
    register(page, demo_db, number="SIT-WS-Q6", order_ref="OvJ-WS-0016",
             locations=", ".join(sorted(locs)), plates=det["plate"])
    eid = run(page, "route", lambda: page.fill("#s-plate", det["plate"]))
    page.wait_for_selector("#ws-map[data-legs]")
    legs = page.locator("#ws-map path.ws-leg")
    assert legs.count() == int(page.get_attribute("#ws-map", "data-legs")) >= 1
    detour = page.locator("#ws-map path.ws-leg-detour_or_stop")
    assert detour.count() >= 1 and detour.first.get_attribute("stroke") == DETOUR_COLOUR
    page.wait_for_selector("#ws-map[data-points]")
    assert points(page) == set(locs)
    assert set(table_plates(page)) == {det["plate"]}
    total = int(page.get_attribute("#ws-table", "data-total"))
    assert total == det["passages"]
    # Fewer rows than the smallest page (10): the pager says so and offers no next page.
    page.select_option("#wf-size", "10")
    page.wait_for_selector("#ws-table[data-size='10']")
    assert page.inner_text("#ws-pageinfo") == f"1–{total} van {total}"
    assert page.is_disabled("#ws-next")
    coverage_matches(page, eid)
    assert page.errors == []


def test_q1_on_the_request_page_including_probable_misreads(page, live_server, demo_db, truth,
                                                           database_url):
    """Qm on the request page, where the officer runs a request's searches: the option was
    only in the JSON API and on the map's panel. Ticked, Q1 of a misread vehicle's plate
    holds every passage of it, the misread ones to be compared with the ordered plate;
    unticked, not the misread ones. Offered for Q1, Q4, Q5 and Q6 only."""
    plate, v = next((p, v) for p, v in truth["misreads"]["vehicles"].items() if v["misread"])
    with psycopg.connect(database_url, row_factory=dict_row) as c:   # where the vehicle drove
        locs = sorted({r["code"] for r in c.execute(
            "SELECT DISTINCT l.code FROM jj126.passage p JOIN camera cam ON cam.id = p.camera_id"
            " JOIN location l ON l.id = cam.location_id WHERE p.plate = %s"
            " OR p.capture_id = ANY(%s)", (plate, [x["capture_id"] for x in v["misread"]]))})
    log_in(page, live_server, "officer.mn")
    rid = register(page, demo_db, number="SIT-WS-QM", order_ref="OvJ-WS-0017", plates=plate,
                   locations=", ".join(locs))
    for kind, shown in (("partial", False), ("block", False), ("convoy", True),
                        ("route", True), ("common", True), ("plate", True)):
        page.select_option("#s-kind", kind)
        assert page.is_visible("#s-misreads") is shown, kind
    plain = run(page, "plate")
    held = api(page, f"/api/v1/searches/{plain}/results?limit=1000")
    assert held["total"] == v["passages"] - len(v["misread"]), held["total"]
    page.check("#s-misreads")
    wide = run(page, "plate")
    held = api(page, f"/api/v1/searches/{wide}/results?limit=1000")
    assert held["total"] == v["passages"], held["total"]
    # every read of it, to verify or (the test demo's passages have no crop) not verifiable
    reads = api(page, f"/api/v1/requests/{rid}/reads?page_size=500&all=1")["reads"]
    asked = {r["passage_id"]: r for r in reads}
    inexact = [r for r in asked.values() if r["match"] != "exact"]
    assert len(inexact) >= len(v["misread"]) and all(r["ordered_plate"] == plate
                                                     for r in inexact)
    assert page.errors == []
