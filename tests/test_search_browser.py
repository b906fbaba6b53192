"""The search panel on the map in headless Chromium (Debian's package, driven by Playwright):
a block search on a drawn rectangle matches the API per location, the planted detour leg
is drawn in the detour colour, and the planted follow car is the first convoy partner."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from browser_support import browser, log_in  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

AMS = ZoneInfo("Europe/Amsterdam")
DETOUR_COLOUR = "#ef6c00"


@pytest.fixture
def page(browser, live_server, search_request):
    ctx = browser.new_context(bypass_csp=True, viewport={"width": 1500, "height": 950}, timezone_id="UTC",
                              locale="nl-NL")
    pg = ctx.new_page()
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    log_in(pg, live_server, "officer2.mn")  # searches run inside this officer's request
    pg.goto(live_server + "/")
    pg.wait_for_selector("#search-request[data-ready='1']", timeout=30_000)
    pg.select_option("#search-request", str(search_request))
    pg.wait_for_selector("#status[data-ready='1']", timeout=30_000)
    pg.wait_for_selector("#search-panel[data-state='idle']", timeout=10_000)
    yield pg
    ctx.close()


def local(dt: datetime) -> str:
    """What an officer types into the datetime-local field: Amsterdam wall-clock time."""
    return dt.astimezone(AMS).strftime("%Y-%m-%dT%H:%M")


def fill_window(page, demo_db) -> None:
    page.fill("#search-start", local(demo_db["start"]))
    page.fill("#search-end", local(demo_db["end"]))


def preview_then_results(page) -> None:
    page.click("#search-preview-btn")
    page.wait_for_selector("#search-panel[data-state='preview']", timeout=30_000)
    page.wait_for_selector("#search-run-btn:not([disabled])")
    page.click("#search-run-btn")
    page.wait_for_selector("#search-panel[data-state='results']", timeout=60_000)


def sent_body(page) -> dict:
    body = page.evaluate("Anpr.pages.searchPanel.state.query.body")
    return {k: v for k, v in body.items() if k not in ("limit", "offset")}


def draw_rectangle(page, north, west, south, east) -> None:
    # The rectangle fills the view, so both corners are on the screen to drag between.
    page.evaluate("([n, w, s, e]) => Anpr.pages.map.map.fitBounds([[s, w], [n, e]],"
                  " {animate: false, padding: [20, 20]})", [north, west, south, east])
    page.wait_for_timeout(300)
    box = page.locator("#map").bounding_box()
    corner = lambda lat, lon: page.evaluate(  # noqa: E731
        "([lat, lon]) => { const p = Anpr.pages.map.map.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }",
        [lat, lon])
    x1, y1 = corner(north, west)
    x2, y2 = corner(south, east)
    page.click(".leaflet-draw-draw-rectangle")
    page.mouse.move(box["x"] + x1, box["y"] + y1)
    page.mouse.down()
    page.mouse.move(box["x"] + (x1 + x2) / 2, box["y"] + (y1 + y2) / 2, steps=5)
    page.mouse.move(box["x"] + x2, box["y"] + y2, steps=5)
    page.mouse.up()
    page.wait_for_function("Number(document.querySelector('#selection-count').dataset.count) > 0",
                           timeout=15_000)


def test_block_search_on_drawn_rectangle(page, search_client, demo_db, artifacts):
    draw_rectangle(page, 52.15, 5.0, 52.0, 5.25)
    page.select_option("#search-kind", "block")
    fill_window(page, demo_db)
    # Results only after a preview: the button stays disabled until then.
    assert page.is_disabled("#search-run-btn")
    preview_then_results(page)
    body = sent_body(page)
    # The Amsterdam wall-clock times went out as the same instants.
    assert datetime.fromisoformat(body["window"]["start"]) == demo_db["start"]
    assert datetime.fromisoformat(body["window"]["end"]) == demo_db["end"]
    listed = page.eval_on_selector_all("#selection-list li", "els => els.map(e => e.dataset.cameraId)")
    assert sorted(body["cameras"]) == sorted(listed)

    api = search_client.post("/api/v1/search/block", json={**body, "limit": 0}).get_json()
    assert api["passages_total"] > 0
    preview = int(page.get_attribute("#search-preview-passages", "data-value"))
    assert preview == api["passages_total"]
    want = {loc["location_code"]: loc["passages"] for loc in api["by_location"]}
    circles = page.evaluate(
        "Anpr.pages.searchPanel.layers.results.getLayers().map(l => [l.locationCode, l.count])")
    assert dict(circles) == want and len(circles) == len(want)
    items = page.eval_on_selector_all(
        "#search-locations li", "els => els.map(e => [e.dataset.location, Number(e.dataset.count)])")
    assert dict(items) == want
    # One page of rows, not all of them.
    rows = page.locator("#search-rows tbody tr").count()
    assert rows == min(100, api["passages_total"])
    # Times shown in Amsterdam time: the first row's time is the API's first passage there.
    first = search_client.post("/api/v1/search/block", json={**body, "limit": 1}).get_json()["passages"][0]
    shown = page.inner_text("#search-rows tbody tr >> nth=0").split("\t")[0].strip()
    assert shown == datetime.fromisoformat(first["captured_at"]).astimezone(AMS).strftime(
        "%d-%m-%Y %H:%M:%S")
    page.screenshot(path=str(artifacts / "search-block.png"))
    assert not page.errors, page.errors


def test_route_search_draws_detour_leg(page, demo_db, truth, artifacts):
    page.select_option("#search-kind", "route")
    page.fill("#search-plate", truth["detour"]["plate"])
    fill_window(page, demo_db)
    preview_then_results(page)
    legs = page.locator("path.leg-detour_or_stop")
    assert legs.count() >= 1
    assert legs.first.get_attribute("stroke") == DETOUR_COLOUR
    assert page.locator("#search-legs tr[data-flag='detour_or_stop']").count() >= 1
    assert "omweg" in page.inner_text("#search-legend")
    page.screenshot(path=str(artifacts / "search-route-detour.png"))
    assert not page.errors, page.errors


def test_convoy_search_lists_follower_first(page, demo_db, truth, artifacts):
    page.select_option("#search-kind", "convoy")
    page.fill("#search-plate", truth["convoy"]["lead"])
    page.fill("#search-minutes", "3")
    fill_window(page, demo_db)
    preview_then_results(page)
    first = page.locator("#search-partners li").first
    assert first.get_attribute("data-plate") == truth["convoy"]["follower"]
    assert first.get_attribute("data-rank") == "1"
    first.click()
    shared = page.evaluate("Anpr.pages.searchPanel.state.result.partners[0].passages.length")
    assert shared >= 2
    assert page.locator("path.search-highlight").count() >= 1
    assert page.locator("#search-partners li >> nth=0 >> .detail tr").count() == shared + 1
    page.screenshot(path=str(artifacts / "search-convoy.png"))
    assert not page.errors, page.errors


def test_api_errors_show_in_panel(page, demo_db):
    page.select_option("#search-kind", "partial")
    page.fill("#search-pattern", "A$B")
    fill_window(page, demo_db)
    page.click("#search-preview-btn")
    page.wait_for_selector("#search-panel[data-state='error']", timeout=15_000)
    assert "(400)" in page.inner_text("#search-error")
    assert page.is_disabled("#search-run-btn")
    page.select_option("#search-kind", "block")
    page.click("#search-preview-btn")
    page.wait_for_selector("#search-error:not([hidden])")
    assert "selectie" in page.inner_text("#search-error")


def test_later_pages_on_the_map_read_the_held_rows(page, search_client, search_request, demo_db,
                                                   database_url):
    """The panel's later pages are the rows the search held, read without running it
    again; asked again, the panel says the search already ran and shows what it held."""
    from datetime import timedelta

    import psycopg

    def runs() -> tuple[int, int]:
        with psycopg.connect(database_url) as c:
            return c.execute(
                "SELECT (SELECT count(*) FROM enquiry WHERE request_id = %(r)s),"
                " (SELECT count(*) FROM audit_log WHERE subject = %(s)s"
                "   AND action = 'search.run')",
                {"r": search_request, "s": f"request:{search_request}"}).fetchone()

    # The Randstad over the demo's window: more than a page of 100 at any hour the suite
    # runs (the demo's six hours may be a night's, with a few hundred passages in all).
    draw_rectangle(page, 52.45, 4.4, 51.85, 5.3)
    page.select_option("#search-kind", "block")
    page.fill("#search-start", local(demo_db["start"]))
    page.fill("#search-end", local(demo_db["end"] - timedelta(minutes=30)))
    preview_then_results(page)
    assert page.get_attribute("#search-preview", "data-already") == ""
    body = sent_body(page)
    total = page.evaluate("Anpr.pages.searchPanel.state.result.passages_total")
    assert total > 100 and page.locator("#search-rows tbody tr").count() == 100
    before = runs()
    page.click("#search-rows .pager .next")
    page.wait_for_function("Anpr.pages.searchPanel.state.result && Anpr.pages.searchPanel.state.result.page.offset === 100 "
                           "&& document.querySelector('#search-panel').dataset.state === 'results'")
    shown = page.eval_on_selector_all("#search-rows tbody tr", "els => els.map(e => Number(e.dataset.id))")
    held = search_client.post("/api/v1/search/block",
                              json={**body, "limit": 100, "offset": 100}).get_json()
    assert held["enquiry_id"] == page.evaluate("Anpr.pages.searchPanel.state.result.enquiry_id")
    assert shown == [p["id"] for p in held["passages"]]
    assert runs() == before  # paging ran nothing and recorded no search
    # The same search asked again: the panel says it ran, and shows what it held.
    page.click("#search-preview-btn")
    page.wait_for_selector("#search-panel[data-state='preview']", timeout=30_000)
    assert page.get_attribute("#search-preview", "data-already") == "run"
    assert "al uitgevoerd" in page.inner_text("#search-already")
    page.click("#search-run-btn")
    page.wait_for_selector("#search-panel[data-state='results']", timeout=60_000)
    assert page.evaluate("Anpr.pages.searchPanel.state.result.passages_total") == total
    assert runs() == before
    assert not page.errors, page.errors
