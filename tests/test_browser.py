"""The map in headless Chromium (Debian's package, driven by Playwright): it loads with no
request leaving the machine, and drawing a rectangle selects and lists the cameras."""
from __future__ import annotations

import pytest

from browser_support import browser, log_in  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


@pytest.fixture
def client(app, people):
    """API cross-checks as a logged-in analyst (the registry API is for staff)."""
    from conftest import SessionClient

    return SessionClient(app, "analyst.mn")


@pytest.fixture
def page(browser, live_server, people):
    ctx = browser.new_context(bypass_csp=True, viewport={"width": 1400, "height": 900})
    pg = ctx.new_page()
    pg.requests = []
    pg.on("request", lambda r: pg.requests.append(r.url))
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    log_in(pg, live_server, "analyst.mn")
    pg.goto(live_server + "/")
    pg.wait_for_selector("#status[data-ready='1']", timeout=30_000)
    yield pg
    ctx.close()


def test_map_loads_offline(page, live_server, artifacts):
    page.wait_for_timeout(500)
    foreign = [u for u in page.requests if not u.startswith(live_server) and not u.startswith("data:")]
    assert not foreign, f"requests left the machine: {foreign[:5]}"
    assert not page.errors, page.errors
    assert page.locator(".leaflet-marker-icon").count() > 5  # clusters or locations drawn
    assert "locaties" in page.inner_text("#status")
    page.screenshot(path=str(artifacts / "map-overview.png"))


def test_draw_rectangle_selects_cameras(page, client, artifacts):
    # Zoom to the Utrecht area, then drag a rectangle with the draw tool.
    page.evaluate("Anpr.pages.map.map.setView([52.08, 5.12], 11, {animate: false})")
    page.wait_for_timeout(300)
    box = page.locator("#map").bounding_box()
    corner = lambda lat, lon: page.evaluate(
        "([lat, lon]) => { const p = Anpr.pages.map.map.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }",
        [lat, lon])
    x1, y1 = corner(52.15, 5.0)
    x2, y2 = corner(52.0, 5.25)
    page.click(".leaflet-draw-draw-rectangle")
    page.mouse.move(box["x"] + x1, box["y"] + y1)
    page.mouse.down()
    page.mouse.move(box["x"] + (x1 + x2) / 2, box["y"] + (y1 + y2) / 2, steps=5)
    page.mouse.move(box["x"] + x2, box["y"] + y2, steps=5)
    page.mouse.up()
    page.wait_for_function("Number(document.querySelector('#selection-count').dataset.count) > 0",
                           timeout=15_000)
    listed = page.eval_on_selector_all("#selection-list li", "els => els.map(e => e.dataset.cameraId)")
    drawn = page.evaluate("Anpr.pages.map.drawn.toGeoJSON().features[0].geometry")
    expected = client.post("/api/v1/selection", json={"kind": "rectangle", "geometry": drawn}
                           ).get_json()
    assert sorted(listed) == sorted(f["id"] for f in expected["features"])
    assert len(listed) == int(page.get_attribute("#selection-count", "data-count"))
    # The drawn rectangle is where we dragged it (within a pixel or so).
    lons = [c[0] for c in drawn["coordinates"][0]]
    lats = [c[1] for c in drawn["coordinates"][0]]
    assert abs(min(lons) - 5.0) < 0.01 and abs(max(lons) - 5.25) < 0.01
    assert abs(min(lats) - 52.0) < 0.01 and abs(max(lats) - 52.15) < 0.01
    page.screenshot(path=str(artifacts / "map-selection.png"))
    assert not page.errors, page.errors


def test_lanes_and_directions_when_zoomed_in(page, client, artifacts):
    loc = client.get("/api/v1/locations").get_json()["features"][0]
    lon, lat = loc["geometry"]["coordinates"]
    page.evaluate(f"Anpr.pages.map.map.setView([{lat}, {lon}], 16, {{animate: false}})")
    page.wait_for_function("document.querySelectorAll('path.leaflet-interactive').length > 2",
                           timeout=15_000)
    page.screenshot(path=str(artifacts / "map-lanes.png"))
    assert not page.errors, page.errors


def test_place_search_legend_and_road_numbers_offline(page, live_server, artifacts):
    """Issue 13: the map reads at street level without internet: a place search over the
    basemap's 677 places, road numbers from zoom 10, a legend for the camera colours."""
    page.wait_for_selector("#place-list[data-count]", state="attached")
    assert int(page.get_attribute("#place-list", "data-count")) > 600
    page.fill("#place-q", "Amersfoort")
    page.click("#place-search button")
    page.wait_for_selector("#place-search[data-found]")
    # at street level once the zoom animation ends (its zoom is the old one until then)
    page.wait_for_function("Anpr.pages.map.map.getZoom() === 14", timeout=10_000)
    centre = page.evaluate("[Anpr.pages.map.map.getCenter().lat, Anpr.pages.map.map.getCenter().lng]")
    assert abs(centre[0] - 52.155) < 0.05 and abs(centre[1] - 5.387) < 0.05
    # A small place only GeoNames knows is labelled at this zoom.
    assert page.locator(".place-label", has_text="Hoogland").count() >= 1
    assert int(page.get_attribute("#map", "data-road-numbers")) > 0
    page.evaluate("Anpr.pages.map.map.setView([52.09, 5.12], 11, {animate: false})")
    page.wait_for_timeout(200)
    assert page.locator(".road-number").count() > 0
    legend = page.inner_text("#legend")
    for words in ("politie", "Marechaussee", "CJIB", "niet actief"):
        assert words in legend
    page.fill("#place-q", "Nergenshuizen")
    page.click("#place-search button")
    assert "niet gevonden" in page.inner_text("#message")
    foreign = [u for u in page.requests if not u.startswith(live_server) and not u.startswith("data:")]
    assert not foreign and not page.errors
    page.screenshot(path=str(artifacts / "map-place-search.png"))


def test_an_internal_tile_layer_replaces_the_basemap(app, browser, live_server, people):
    """ANPR_MAP_TILE_URL: the maps ask the police network's tile server (here a path of the
    app itself) for their background instead of drawing the vector land."""
    from dataclasses import replace

    settings = app.config["ANPR_SETTINGS"]
    app.config["ANPR_SETTINGS"] = replace(settings, web=replace(
        settings.web, map_tile_url="/tiles-test/{z}/{x}/{y}.png",
        map_tile_attribution="PDOK BRT-A (spiegel)"))
    ctx = browser.new_context(bypass_csp=True, viewport={"width": 1200, "height": 800})
    pg = ctx.new_page()
    asked: list[str] = []
    pg.on("request", lambda r: asked.append(r.url))
    try:
        log_in(pg, live_server, "analyst.mn")
        pg.goto(live_server + "/")
        pg.wait_for_selector("#status[data-ready='1']", timeout=30_000)
        pg.wait_for_timeout(300)
        assert any("/tiles-test/8/" in u for u in asked), asked[:20]
        assert not any(u.endswith("/static/basemap/land.geojson") for u in asked)
        assert "PDOK BRT-A" in pg.inner_text(".leaflet-control-attribution")
        # Every map takes the same setting: the public plan map too (the workspace's map
        # is checked in test_workspace_browser).
        asked.clear()
        pg.goto(live_server + "/plans/map")
        pg.wait_for_selector("#public-map[data-basemap-ready='1']", timeout=30_000)
        assert pg.get_attribute("#public-map", "data-basemap") == "tiles"
        assert any("/tiles-test/7/" in u for u in asked), asked[:20]
        assert not any(u.endswith("/static/basemap/land.geojson") for u in asked)
        assert "PDOK BRT-A" in pg.inner_text("#public-map .leaflet-control-attribution")
    finally:
        app.config["ANPR_SETTINGS"] = settings
        ctx.close()


def test_popups_say_owner_and_status_in_dutch(page, client, artifacts):
    """Issue 13: a location's popup says "eigenaar politie" and each camera "actief", never
    the registry's raw values (police, active); the status line counts "1 locatie"/"N locaties"."""
    locs = client.get("/api/v1/locations").get_json()["features"]
    loc = next(f for f in locs if f["properties"]["owner"] == "police")
    lon, lat = loc["geometry"]["coordinates"]
    page.evaluate(f"Anpr.pages.map.map.setView([{lat}, {lon}], 15, {{animate: false}})")
    page.click(f".leaflet-marker-icon[title='{loc['id']}']")
    page.wait_for_selector(".leaflet-popup-content table")
    popup = page.inner_text(".leaflet-popup-content")
    assert "eigenaar politie" in popup and "police" not in popup
    statuses = page.eval_on_selector_all(".leaflet-popup-content td:last-child",
                                         "tds => tds.map(t => t.innerText)")
    assert statuses and set(statuses) <= {"actief", "defect", "wegwerkzaamheden",
                                          "buiten gebruik"}, statuses
    assert page.inner_text("#status").startswith(f"{len(locs)} locaties, ")
    assert page.evaluate("[Anpr.count(1, 'locatie', 'locaties'), "
                         "Anpr.count(2, 'locatie', 'locaties')]") == ["1 locatie",
                                                                              "2 locaties"]
    page.screenshot(path=str(artifacts / "map-popup-dutch.png"))
    assert not page.errors, page.errors
