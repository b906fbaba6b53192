"""The registry editor and the public plan pages in headless Chromium (Debian's package,
driven by Playwright): an editor drags a location and draws a privacy mask on the
reference frame, and the API shows both with who and when; the public map and the diff
page draw their features without a login."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from browser_support import browser, log_in  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

API = "/api/v1/registry"
CODE = "MN-ZZ8-201"  # this module's scratch location, removed after each test
CAMERA = f"{CODE}-R1"


def _watch(pg, base: str):
    pg.requests, pg.errors = [], []
    pg.on("request", lambda r: pg.requests.append(r.url))
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.base = base
    return pg


def _local(pg, url: str) -> bool:
    """The live server, inline data, or an object URL this page made (same origin)."""
    return url.startswith(pg.base) or url.startswith("data:") or url.startswith("blob:" + pg.base)


def _stays_local(pg) -> None:
    assert pg.requests and all(_local(pg, u) for u in pg.requests), [
        u for u in pg.requests if not _local(pg, u)]
    assert pg.errors == []


@pytest.fixture
def scratch(login, demo_db, database_url):
    """A location with one camera, placed through the API; deleted again afterwards."""
    import psycopg

    editor = login("editor")
    r = editor.post(f"{API}/locations", json={"code": CODE, "name": "ZZ8 sleeptest",
                                              "unit_code": "MN", "lon": 5.30, "lat": 52.10})
    assert r.status_code == 201, r.get_json()
    r = editor.post(f"{API}/cameras", json={
        "id": CAMERA, "location_code": CODE, "bearing": 90, "inout": "in", "lane": 1,
        "active_from": "2026-01-01",
        "lane_geom": {"type": "LineString", "coordinates": [[5.2995, 52.10], [5.3005, 52.10]]}})
    assert r.status_code == 201, r.get_json()
    yield editor
    with psycopg.connect(database_url) as c:
        c.execute("DELETE FROM camera WHERE id LIKE 'MN-ZZ8-%'")
        c.execute("DELETE FROM location WHERE code LIKE 'MN-ZZ8-%'")


@pytest.fixture
def editor_page(browser, live_server, people, scratch):
    ctx = browser.new_context(bypass_csp=True, viewport={"width": 1400, "height": 900})
    pg = _watch(ctx.new_page(), live_server)
    log_in(pg, live_server, "editor")
    pg.goto(f"{live_server}/registry?location={CODE}")
    pg.wait_for_selector("#status[data-ready='1']", timeout=30_000)
    pg.wait_for_selector("#location-handle")
    yield pg
    ctx.close()


def _centre(box) -> tuple[float, float]:
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_drag_a_location_records_the_move(editor_page, scratch, artifacts):
    pg = editor_page
    assert pg.inner_text("#loc-code") == CODE
    assert pg.locator("#camera-list li").count() == 1
    started = datetime.now(timezone.utc)
    x, y = _centre(pg.locator("#location-handle").bounding_box())
    pg.mouse.move(x, y)
    pg.mouse.down()
    pg.mouse.move(x + 60, y + 30, steps=12)
    pg.mouse.move(x + 120, y + 60, steps=12)
    pg.mouse.up()
    pg.wait_for_function("document.getElementById('notice').textContent.includes('verplaatst')",
                         timeout=15_000)
    pg.wait_for_selector("#history-rows tr[data-action='update'][data-actor='editor']")
    assert "lengte: 5.3 → " in pg.inner_text("#history-rows")  # field names in Dutch
    pg.screenshot(path=str(artifacts / "registry_editor_moved.png"))

    moved = scratch.get(f"{API}/locations/{CODE}").get_json()
    assert moved["lon"] > 5.30 and moved["lat"] < 52.10  # right and down on the screen
    assert pg.inner_text("#loc-pos").startswith(f"{moved['lat']:.6f}")
    changes = scratch.get(f"{API}/locations/{CODE}/history").get_json()["changes"]
    # the lane went along (the box is ticked by default): the camera's change comes last
    assert [c["entity"] for c in changes[:2]] == ["camera", "location"]
    change = changes[1]
    assert change["entity"] == "location" and change["action"] == "update"
    assert change["actor"] == "editor"
    assert started - timedelta(seconds=5) <= datetime.fromisoformat(change["at"]) \
        <= datetime.now(timezone.utc) + timedelta(seconds=5)
    assert change["before"]["lon"] == pytest.approx(5.30)
    assert change["after"]["lon"] == pytest.approx(moved["lon"])
    _stays_local(pg)


def _frame_point(pg, px: float, py: float) -> tuple[float, float]:
    """Screen position of image pixel (px, py) on the reference frame."""
    pt = pg.evaluate("""([px, py]) => {
        const e = Anpr.pages.registryEditor, f = e.frame;
        const p = e.maskMap.latLngToContainerPoint([f.height - py, px]);
        const r = document.getElementById('mask-frame').getBoundingClientRect();
        return [r.left + p.x, r.top + p.y]; }""", [px, py])
    return pt[0], pt[1]


def _drag(pg, a, b) -> None:
    pg.mouse.move(*a)
    pg.mouse.down()
    pg.mouse.move((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, steps=8)
    pg.mouse.move(*b, steps=8)
    pg.mouse.up()


def test_draw_a_privacy_mask_on_the_reference_frame(editor_page, scratch, artifacts):
    pg = editor_page
    pg.click(f"#camera-list li[data-camera-id='{CAMERA}']")
    pg.wait_for_selector("#camera-section:not([hidden])")
    assert pg.inner_text("#cam-id") == CAMERA
    pg.click("#open-masks")
    pg.wait_for_selector("#mask-frame[data-ready='1']", timeout=15_000)
    assert pg.evaluate("Anpr.pages.registryEditor.frame") == {"width": 1920, "height": 1080}
    pg.fill("#mask-label", "voortuin")
    pg.click("#mask-frame .leaflet-draw-draw-rectangle")
    _drag(pg, _frame_point(pg, 300, 200), _frame_point(pg, 900, 600))
    pg.wait_for_selector("#mask-list[data-count='1']", timeout=15_000)
    pg.screenshot(path=str(artifacts / "registry_mask_drawn.png"))

    masks = scratch.get(f"{API}/cameras/{CAMERA}/masks").get_json()["masks"]
    assert len(masks) == 1 and masks[0]["label"] == "voortuin"
    assert (masks[0]["frame_width"], masks[0]["frame_height"]) == (1920, 1080)
    xs = [p[0] for p in masks[0]["polygon"]]
    ys = [p[1] for p in masks[0]["polygon"]]
    tol = 8  # one screen pixel is about two image pixels at this size
    assert min(xs) == pytest.approx(300, abs=tol) and max(xs) == pytest.approx(900, abs=tol)
    assert min(ys) == pytest.approx(200, abs=tol) and max(ys) == pytest.approx(600, abs=tol)
    change = scratch.get(f"{API}/cameras/{CAMERA}/history").get_json()["changes"][0]
    assert (change["entity"], change["action"], change["actor"]) == (
        "privacy_mask", "create", "editor")

    # a mask reaching past the frame's edge is refused and not stored
    pg.evaluate("Anpr.pages.registryEditor.maskMap.setZoom(Anpr.pages.registryEditor.maskMap.getZoom() - 1)")
    pg.wait_for_timeout(400)
    pg.click("#mask-frame .leaflet-draw-draw-rectangle")
    _drag(pg, _frame_point(pg, 1700, 800), _frame_point(pg, 2100, 1000))
    pg.wait_for_selector("#mask-message:not([hidden])")
    assert "buiten het beeld" in pg.inner_text("#mask-message")
    pg.screenshot(path=str(artifacts / "registry_mask_refused.png"))
    assert len(scratch.get(f"{API}/cameras/{CAMERA}/masks").get_json()["masks"]) == 1
    _stays_local(pg)


def test_public_plan_map_and_diff_draw_features_without_login(browser, live_server, demo_db,
                                                              artifacts):
    from camera_registry.plans import clock

    year = demo_db["end"].astimezone(clock.AMSTERDAM).year
    ctx = browser.new_context(bypass_csp=True, viewport={"width": 1300, "height": 850})
    pg = _watch(ctx.new_page(), live_server)
    try:
        pg.goto(live_server + "/plans/map")
        assert "/login" not in pg.url
        pg.wait_for_function("Number(document.getElementById('plan-count').dataset.count) > 0",
                             timeout=30_000)
        count = int(pg.get_attribute("#plan-count", "data-count"))
        assert count > 250
        drawn = pg.locator("#public-map .marker-cluster, #public-map path.leaflet-interactive")
        assert drawn.count() > 0
        assert pg.input_value("#plan-year") == f"cameraplan-{year}"
        pg.screenshot(path=str(artifacts / "public_plan_map.png"))

        pg.goto(f"{live_server}/plans/diff/{year - 1}/{year}")
        assert "/login" not in pg.url
        pg.wait_for_selector("#diff-map[data-markers]", timeout=30_000)
        markers = int(pg.get_attribute("#diff-map", "data-markers"))
        assert markers > 0
        assert pg.locator("#diff-map path.leaflet-interactive").count() >= markers
        assert pg.locator("#locations_added tbody tr").count() > 0
        pg.screenshot(path=str(artifacts / "public_plan_diff.png"), full_page=True)
        _stays_local(pg)
    finally:
        ctx.close()


def test_draw_a_lane_against_the_old_direction_and_set_a_status(editor_page, scratch, artifacts):
    from zoneinfo import ZoneInfo

    pg = editor_page
    pg.click(f"#camera-list li[data-camera-id='{CAMERA}']")
    pg.wait_for_selector("#camera-section:not([hidden])")
    pg.click("#draw-lane")
    box = pg.locator("#map").bounding_box()
    cx, cy = _centre(box)
    east, west = (cx + 150, cy - 80), (cx - 150, cy - 80)  # drawn east to west: travel west
    pg.mouse.click(*east)
    pg.wait_for_timeout(300)
    pg.mouse.click(*west)
    pg.wait_for_timeout(300)
    pg.mouse.click(*west)  # clicking the last point again finishes the line
    pg.wait_for_function("document.getElementById('notice').textContent.includes('Rijstrook')",
                         timeout=15_000)
    cam = scratch.get(f"{API}/cameras/{CAMERA}").get_json()
    coords = cam["lane_geom"]["coordinates"]
    assert coords[0][0] > coords[-1][0]
    assert cam["bearing"] == pytest.approx(270, abs=1)
    assert pg.input_value("#cam-bearing").startswith("2")

    start = (datetime.now(ZoneInfo("Europe/Amsterdam")) - timedelta(hours=1)).replace(
        second=0, microsecond=0)
    pg.select_option("#st-status", "defect")
    pg.fill("#st-from", start.strftime("%Y-%m-%dT%H:%M"))
    pg.fill("#st-to", (start + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
    pg.fill("#st-note", "kabel stuk")
    pg.click("#status-form button[type=submit]")
    pg.wait_for_function("document.getElementById('cam-status').textContent === 'defect'",
                         timeout=15_000)
    pg.screenshot(path=str(artifacts / "registry_lane_status.png"))
    periods = scratch.get(f"{API}/cameras/{CAMERA}/status").get_json()["periods"]
    assert [(p["status"], p["note"]) for p in periods] == [("defect", "kabel stuk")]
    assert datetime.fromisoformat(periods[0]["start"]) == start
    actions = [c["action"] for c in
               scratch.get(f"{API}/cameras/{CAMERA}/history").get_json()["changes"][:2]]
    assert actions == ["status", "update"]
    _stays_local(pg)


def _checkerboard(path, width: int = 1280, height: int = 720) -> None:
    """A frame full of fine detail (2-pixel squares): what blurring must not leave."""
    import numpy as np
    import uuid

    from PIL import Image, PngImagePlugin

    y, x = np.mgrid[0:height, 0:width]
    board = (((x // 2) + (y // 2)) % 2 * 255).astype(np.uint8)
    # a fresh text chunk each time: the vault is content-addressed and may outlive a test run
    info = PngImagePlugin.PngInfo()
    info.add_text("run", uuid.uuid4().hex)
    Image.fromarray(np.stack([board] * 3, axis=2)).save(path, pnginfo=info)


def test_draw_a_mask_on_an_own_frame_blurred_and_kept_nowhere(editor_page, scratch, artifacts,
                                                              tmp_path, database_url):
    import psycopg

    pg = editor_page
    pg.click(f"#camera-list li[data-camera-id='{CAMERA}']")
    pg.wait_for_selector("#camera-section:not([hidden])")
    pg.click("#open-masks")
    pg.wait_for_selector("#mask-frame[data-ready='1'][data-source='raster']", timeout=15_000)
    assert pg.get_attribute("#mask-frame .leaflet-draw-draw-rectangle", "title") == "Rechthoek tekenen"
    upload = tmp_path / "eigen-beeld.png"
    _checkerboard(upload)
    pg.set_input_files("#mask-upload", str(upload))
    pg.wait_for_selector("#mask-frame[data-ready='1'][data-source='own']", timeout=60_000)
    assert pg.evaluate("Anpr.pages.registryEditor.frame") == {"width": 1280, "height": 720}
    assert "niet op de server bewaard" in pg.inner_text("#mask-upload-state")
    src = pg.get_attribute("#mask-frame img.leaflet-image-layer", "src")
    assert src.startswith("blob:")
    # what the page shows is the blurred frame: the 2-pixel checkerboard is gone
    contrast = pg.evaluate("""(src) => new Promise((ok) => { const im = new Image();
        im.onload = () => { const c = document.createElement('canvas'); c.width = 200; c.height = 1;
          const g = c.getContext('2d'); g.drawImage(im, 400, 300, 200, 1, 0, 0, 200, 1);
          const d = g.getImageData(0, 0, 200, 1).data; let s = 0;
          for (let i = 4; i < d.length; i += 4) s += Math.abs(d[i] - d[i - 4]);
          ok(s / 199); }; im.src = src; })""", src)
    assert contrast < 20, contrast
    pg.fill("#mask-label", "voortuin op eigen beeld")
    pg.click("#mask-frame .leaflet-draw-draw-rectangle")
    _drag(pg, _frame_point(pg, 200, 100), _frame_point(pg, 600, 400))
    pg.wait_for_selector("#mask-list[data-count='1']", timeout=15_000)
    pg.screenshot(path=str(artifacts / "registry_mask_own_frame.png"))
    masks = scratch.get(f"{API}/cameras/{CAMERA}/masks").get_json()["masks"]
    assert len(masks) == 1 and (masks[0]["frame_width"], masks[0]["frame_height"]) == (1280, 720)
    xs = [p[0] for p in masks[0]["polygon"]]
    assert min(xs) == pytest.approx(200, abs=8) and max(xs) == pytest.approx(600, abs=8)
    # closing the dialog drops the blurred frame from the page as well
    pg.click("#close-masks")
    gone = pg.evaluate("(src) => fetch(src).then(() => false, () => true)", src)
    assert gone
    with psycopg.connect(database_url) as c:  # nothing of the frame in the database
        assert c.execute("SELECT count(*) FROM privacy_mask WHERE camera_id = %s",
                         (CAMERA,)).fetchone()[0] == 1
    _stays_local(pg)


def test_undo_a_move_puts_the_location_and_its_lanes_back(editor_page, scratch, artifacts):
    pg = editor_page
    lane0 = scratch.get(f"{API}/cameras/{CAMERA}").get_json()["lane_geom"]["coordinates"]
    assert pg.is_checked("#move-lanes") and pg.is_disabled("#undo-move")
    x, y = _centre(pg.locator("#location-handle").bounding_box())
    pg.mouse.move(x, y)
    pg.mouse.down()
    pg.mouse.move(x + 60, y + 30, steps=12)
    pg.mouse.move(x + 120, y + 60, steps=12)
    pg.mouse.up()
    pg.wait_for_function("document.getElementById('notice').textContent.includes('meeverplaatst')",
                         timeout=15_000)
    moved = scratch.get(f"{API}/locations/{CODE}").get_json()
    lane1 = moved["cameras"][0]["lane_geom"]["coordinates"]
    dx, dy = moved["lon"] - 5.30, moved["lat"] - 52.10
    assert dx > 0 and dy < 0
    assert lane1[0][0] == pytest.approx(lane0[0][0] + dx, abs=1e-6)
    assert lane1[0][1] == pytest.approx(lane0[0][1] + dy, abs=1e-6)
    assert pg.get_attribute("#undo-move", "data-count") == "1"
    pg.click("#undo-move")
    pg.wait_for_function("document.getElementById('notice').textContent.includes('ongedaan')",
                         timeout=15_000)
    pg.screenshot(path=str(artifacts / "registry_move_undone.png"))
    back = scratch.get(f"{API}/locations/{CODE}").get_json()
    assert (back["lon"], back["lat"]) == (pytest.approx(5.30), pytest.approx(52.10))
    lane2 = back["cameras"][0]["lane_geom"]["coordinates"]
    assert [v for p in lane2 for v in p] == pytest.approx([v for p in lane0 for v in p], abs=1e-6)
    assert pg.is_disabled("#undo-move")
    changes = scratch.get(f"{API}/locations/{CODE}/history").get_json()["changes"]
    assert [(c["entity"], c["action"]) for c in changes[:4]] == [
        ("camera", "update"), ("location", "update"), ("camera", "update"), ("location", "update")]
    _stays_local(pg)


def test_find_by_code_and_a_camera_needs_a_lane_or_bearing(editor_page, scratch):
    pg = editor_page
    pg.goto(f"{pg.base}/registry")
    pg.wait_for_selector("#status[data-ready='1']", timeout=30_000)
    assert pg.get_attribute("#map .leaflet-control-zoom-in", "title") == "Inzoomen"
    pg.fill("#loc-search", CODE.lower())
    pg.click("#search-form button[type=submit]")
    pg.wait_for_function(f"document.getElementById('loc-code').textContent === '{CODE}'",
                         timeout=15_000)
    assert pg.evaluate("Anpr.pages.registryEditor.map.getZoom()") == 16
    pg.fill("#loc-search", "ZZ8 sleep")  # by name as well
    assert pg.get_attribute("#search-results", "data-count") == "1"
    pg.fill("#loc-search", "XX-NIETS-999")
    pg.click("#search-form button[type=submit]")
    assert "Geen locatie gevonden" in pg.inner_text("#message")

    pg.click("#new-camera summary")
    pg.fill("#nc-lane", "2")
    pg.click("#new-camera-form button[type=submit]")
    pg.wait_for_selector("#message:not([hidden])")
    assert "rijstrook of een koers" in pg.inner_text("#message")
    assert scratch.get(f"{API}/cameras/{CODE}-R2").status_code == 404
    pg.fill("#nc-bearing", "270")
    pg.click("#new-camera-form button[type=submit]")
    pg.wait_for_function("document.getElementById('notice').textContent.includes('toegevoegd')",
                         timeout=15_000)
    cam = scratch.get(f"{API}/cameras/{CODE}-R2").get_json()
    assert cam["bearing"] == 270 and cam["status"] == "active"
    _stays_local(pg)


def test_masks_are_drawn_on_the_cameras_own_frame_when_it_has_one(editor_page, scratch, app,
                                                                   database_url, tmp_path,
                                                                   demo_db):
    import psycopg

    from ingest.images import Keyring, PhotoVault, master_key, open_store

    s = app.config["ANPR_SETTINGS"]
    vault = PhotoVault(open_store(s.intake, s.database.home),
                       Keyring(database_url, master_key(s.intake, s.database.home)))
    _checkerboard(tmp_path / "overview.png", 800, 450)
    day = demo_db["end"].date()  # a day inside the demo's retention window
    key = vault.put(day, (tmp_path / "overview.png").read_bytes())
    with psycopg.connect(database_url) as c:  # as if the detector had processed a frame
        fid = c.execute(
            "INSERT INTO detector_frame (camera_id, captured_at, image_key, state, blurred_key, "
            "done_at) VALUES (%s, now(), %s, 'done', %s, now()) RETURNING id",
            (CAMERA, key, key)).fetchone()[0]
    try:
        pg = editor_page
        pg.click(f"#camera-list li[data-camera-id='{CAMERA}']")
        pg.wait_for_selector("#camera-section:not([hidden])")
        pg.click("#open-masks")
        pg.wait_for_selector("#mask-frame[data-ready='1'][data-source='camera']", timeout=60_000)
        assert pg.evaluate("Anpr.pages.registryEditor.frame") == {"width": 800, "height": 450}
        assert "laatste beeld van de camera" in pg.inner_text("#mask-source")
        pg.click("#mask-frame .leaflet-draw-draw-rectangle")
        _drag(pg, _frame_point(pg, 100, 100), _frame_point(pg, 300, 200))
        pg.wait_for_selector("#mask-list[data-count='1']", timeout=15_000)
        mask = scratch.get(f"{API}/cameras/{CAMERA}/masks").get_json()["masks"][0]
        assert (mask["frame_width"], mask["frame_height"]) == (800, 450)
        _stays_local(pg)
    finally:
        with psycopg.connect(database_url) as c:
            c.execute("DELETE FROM detector_frame WHERE id = %s", (fid,))


def test_refused_activation_and_a_broken_answer_read_as_words(editor_page, scratch):
    """A camera whose bearing no longer matches its lane is refused "actief" with the
    server's reason in the page; an answer that is not JSON (a proxy's error page) reads
    as a sentence, never as a script exception."""
    pg = editor_page
    now = datetime.now(timezone.utc)
    assert scratch.post(f"{API}/cameras/{CAMERA}/status", json={
        "status": "defect", "start": (now - timedelta(hours=1)).isoformat()}).status_code == 201
    assert scratch.patch(f"{API}/cameras/{CAMERA}", json={"bearing": 270}).status_code == 200
    pg.click(f"#camera-list li[data-camera-id='{CAMERA}']")
    pg.wait_for_selector("#camera-section:not([hidden])")
    pg.select_option("#st-status", "active")
    pg.fill("#st-from", "2026-01-01T08:00")
    pg.click("#status-form button[type=submit]")
    pg.wait_for_selector("#message:not([hidden])", timeout=15_000)
    text = pg.inner_text("#message")
    # The editor reads the server's reason in Dutch (webmap/messages_nl.py), numbers kept.
    assert "kan niet actief worden" in text and "koers is 270 graden" in text, text
    assert scratch.get(f"{API}/cameras/{CAMERA}").get_json()["status"] == "defect"

    pg.route("**/api/v1/registry/cameras/*/status",
             lambda route: route.fulfill(status=502, content_type="text/html",
                                         body="<html><body>Bad Gateway</body></html>"))
    pg.select_option("#st-status", "roadworks")
    pg.click("#status-form button[type=submit]")
    pg.wait_for_function("document.getElementById('message').textContent.includes('502')",
                         timeout=15_000)
    text = pg.inner_text("#message")
    assert "onverwacht antwoord (502)" in text and "JSON" not in text and "token" not in text
    assert pg.errors == []


def test_public_map_has_a_legend_and_popups_say_the_criteria_in_words(browser, live_server,
                                                                      demo_db):
    """The public reads what criterion a, b or c means, in the legend and in each popup;
    the diff map's popups say in Dutch what changed."""
    from camera_registry.plans import CRITERIA, clock

    year = demo_db["end"].astimezone(clock.AMSTERDAM).year
    ctx = browser.new_context(bypass_csp=True, viewport={"width": 1300, "height": 850})
    pg = _watch(ctx.new_page(), live_server)
    try:
        pg.goto(live_server + "/plans/map")
        pg.wait_for_function("Number(document.getElementById('plan-count').dataset.count) > 0",
                             timeout=30_000)
        legend = pg.inner_text("#legend")
        for letter, words in CRITERIA.items():
            assert words in legend, letter
        assert "mobiele camera" in legend and "Koninklijke Marechaussee" in legend
        popup = pg.evaluate("""() => new Promise(done => {
            const group = Anpr.pages.publicMap.layer, m = group.getLayers()[0];
            group.zoomToShowLayer(m, () => { m.openPopup();
              done(document.querySelector('.leaflet-popup-content').innerText); }); })""")
        assert "Criteria (art. 3 lid 2)" in popup and "Motivering" in popup, popup
        assert any(f"{letter}: {words}" in popup for letter, words in CRITERIA.items()), popup

        pg.goto(f"{live_server}/plans/diff/{year - 1}/{year}")
        pg.wait_for_selector("#diff-map[data-markers]", timeout=30_000)
        pg.locator("#diff-map path.leaflet-interactive").first.click(force=True)
        text = pg.inner_text(".leaflet-popup-content")
        assert any(w in text for w in ("toegevoegd", "vervallen", "verplaatst", "gewijzigd")), text
        assert "locations" not in text and "_" not in text
        _stays_local(pg)
    finally:
        ctx.close()
