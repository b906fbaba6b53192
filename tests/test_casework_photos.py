"""Photo approval (R8): only for orders that ask for photos; boxes outside the photo are
refused; approval is recorded and audited; the approved copy is irreversibly blurred in
the boxes and is what the package provides."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import datetime, timedelta, timezone

import cv2
import numpy as np
import pytest

from anpr import audit
from browser_support import browser, log_in  # noqa: F401  (fixture)
from casework_support import on_page
from conftest import photo_vault

UTC = timezone.utc
W, H = 320, 240
BOX = [40, 40, 200, 160]


def _order(demo_db, truth, *, photos: bool, number: str) -> dict:
    now = datetime.now(UTC)
    lead = truth["convoy"]["lead"]
    return {
        "received_at": now.isoformat(), "requester_name": "K. Mulder",
        "requester_function": "tactisch rechercheur", "order_reference": f"OvJ-{number}",
        "prosecutor": "mr. B. de Boer", "prosecutor_office": "Parket Den Haag",
        "order_at": (now - timedelta(minutes=30)).isoformat(), "order_kind": "written",
        "crime_code": "OW2", "purpose": "voertuig in beeld", "facts": "overval",
        "suspect": "bestuurder", "photos": photos,
        "investigation": {"system": "Summ-IT", "number": number, "name": "Onyx"},
        "scope": {"windows": [{"start": demo_db["start"].isoformat(),
                               "end": demo_db["end"].isoformat()}], "plates": [lead],
                  "locations": sorted({p["location"] for p in truth["convoy"]["passages"]})},
    }


def _detailed_photo() -> tuple[bytes, np.ndarray]:
    """A photo full of fine detail (noise and thin lines): what blurring must destroy.
    Unique per run: the image store outlives the test database, and the vault keys
    objects by content."""
    rng = np.random.default_rng()
    img = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)
    for x in range(0, W, 4):
        img[:, x] = 255 - img[:, x]
    ok, enc = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    data = enc.tobytes()
    return data, cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)


PLATE = "PH126T"


@pytest.fixture(scope="module")
def photo_request(app, demo_db, truth, people, database_url):
    return _photo_request(app, demo_db, truth, database_url, PLATE, "SIT-PHOTO-1")


def _no_detections(images):
    return [[] for _ in images]


def _photo_request(app, demo_db, truth, database_url, plate: str, number: str) -> dict:
    """A confirmed request that asks for photos, searched and verified. Its one read is a
    passage added here with a stored overview photo full of detail (passages are
    immutable, so the photo comes with a passage of its own plate), queued for the
    detector as intake queues it and blurred by a worker (R8: only the blurred version is
    ever shown)."""
    import psycopg
    from psycopg.rows import dict_row

    from detector import queue
    from detector.worker import Worker
    from tests.conftest import SessionClient

    data, decoded = _detailed_photo()
    vault = photo_vault(app)
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        src = conn.execute("SELECT * FROM jj126.passage WHERE plate = %s ORDER BY captured_at"
                           " LIMIT 1", (truth["convoy"]["lead"],)).fetchone()
        key = vault.put(src["captured_at"].astimezone(UTC).date(), data)
        # A plate crop too: a read without one cannot be verified (R7).
        crop = vault.put(src["captured_at"].astimezone(UTC).date(), _detailed_photo()[0])
        new = conn.execute(
            "INSERT INTO jj126.passage (camera_id, captured_at, plate, plate_raw, country,"
            " confidence, geom, overview_key, crop_key, capture_id, segment_id)"
            " SELECT camera_id, captured_at + interval '1 second', %s, %s, country, confidence,"
            " geom, %s, %s, %s, segment_id FROM jj126.passage WHERE id = %s AND captured_at = %s"
            " RETURNING camera_id, captured_at, capture_id",
            (plate, plate, key, crop, f"photo-test-{plate}-{src['id']}", src["id"],
             src["captured_at"])).fetchone()
        fid = queue.enqueue(conn, camera_id=new["camera_id"], captured_at=new["captured_at"],
                            image_key=key, capture_id=new["capture_id"])
        conn.commit()
    Worker(database_url, vault, _no_detections, model_version="stub@1",
           discard=vault.supersede).run(drain=True)
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        frame = conn.execute("SELECT state::text, blurred_key FROM detector_frame WHERE id = %s",
                             (fid,)).fetchone()
    assert frame["state"] == "done", frame
    blurred = cv2.imdecode(np.frombuffer(vault.get(frame["blurred_key"]), np.uint8),
                           cv2.IMREAD_COLOR)
    officer = SessionClient(app, "officer.mn")
    body = _order(demo_db, truth, photos=True, number=number)
    body["scope"]["plates"] = [plate]
    resp = officer.post("/api/v1/requests", json=body)
    assert resp.status_code == 201, resp.get_json()
    rid = resp.get_json()["id"]
    assert officer.post(f"/api/v1/requests/{rid}/confirm").status_code == 200
    pre = officer.post(f"/api/v1/requests/{rid}/searches", json={"kind": "plate", "parameters": {
        "plates": [plate],
        "window": {"start": demo_db["start"].isoformat(), "end": demo_db["end"].isoformat()}}
    }).get_json()
    assert officer.post(f"/api/v1/searches/{pre['enquiry_id']}/run").get_json()[
        "passages_kept"] == 1
    page = officer.get(f"/api/v1/requests/{rid}/reads?page_size=10").get_json()
    reads = page["reads"]
    assert officer.post(f"/api/v1/requests/{rid}/verdicts", json=on_page(page, [
        {"passage_id": r["passage_id"], "captured_at": r["captured_at"],
         "verdict": "confirmed"} for r in reads])).status_code == 200
    return {"officer": officer, "id": rid, "passage": reads[0]["passage_id"], "key": key,
            "original": decoded, "blurred_key": frame["blurred_key"], "blurred": blurred}


def test_photos_only_when_the_order_asks(login, demo_db, truth, app):
    officer = login("officer.mn")
    resp = officer.post("/api/v1/requests", json=_order(demo_db, truth, photos=False,
                                                        number="SIT-PHOTO-NONE"))
    rid = resp.get_json()["id"]
    officer.post(f"/api/v1/requests/{rid}/confirm")
    resp = officer.get(f"/api/v1/requests/{rid}/photos")
    assert resp.status_code == 409 and "photos" in resp.get_json()["message"]
    assert officer.post(f"/api/v1/requests/{rid}/photos/1/approve",
                        json={"boxes": []}).status_code == 409
    assert officer.get(f"/requests/{rid}/photos").status_code == 409


def test_photo_listed_and_shown_as_stored(photo_request):
    officer, rid = photo_request["officer"], photo_request["id"]
    page = officer.get(f"/api/v1/requests/{rid}/photos").get_json()
    assert [p["passage_id"] for p in page["photos"]] == [photo_request["passage"]]
    assert page["remaining"] == 1 and not page["photos"][0]["approved"]
    assert page["photos"][0]["photo_state"] == "blurred" and "overview_key" not in page["photos"][0]
    img = officer.get(f"/api/v1/requests/{rid}/photos/{photo_request['passage']}")
    assert img.status_code == 200 and img.mimetype == "image/jpeg", img.get_json()
    # The detector's blurred version, not the original the camera sent.
    assert img.data == photo_vault(officer.client.application).get(photo_request["blurred_key"])
    # Another unit's officer cannot see it; nor a requester.
    from tests.conftest import SessionClient

    other = SessionClient(officer.client.application, "officer.rt")
    assert other.get(f"/api/v1/requests/{rid}/photos").status_code == 404  # as if none
    requester = SessionClient(officer.client.application, "requester.mn")
    assert requester.get(f"/api/v1/requests/{rid}/photos").status_code == 403


@pytest.mark.parametrize("boxes", [
    [[-1, 0, 50, 50]], [[0, 0, W + 1, 50]], [[10, 10, 60, H + 5]], [[50, 50, 40, 60]],
    [[1, 2, 3]], [["a", 0, 10, 10]], "everything", [[True, 0, 10, 10]],
    [[0, 0, 10, 10]] * 51,
])
def test_boxes_outside_the_photo_are_refused(photo_request, boxes, conn):
    officer, rid, pid = photo_request["officer"], photo_request["id"], photo_request["passage"]
    resp = officer.post(f"/api/v1/requests/{rid}/photos/{pid}/approve", json={"boxes": boxes})
    assert resp.status_code == 400, resp.get_json()
    assert not conn.execute("SELECT 1 FROM photo_approval WHERE request_id = %s",
                            (rid,)).fetchone()


def test_approval_recorded_irreversible_and_packaged(photo_request, conn):
    officer, rid, pid = photo_request["officer"], photo_request["id"], photo_request["passage"]
    # R8: no photo leaves the system before the officer approved it blurred.
    refused = officer.post(f"/api/v1/requests/{rid}/package")
    assert refused.status_code == 409 and "approve" in refused.get_json()["message"]
    resp = officer.post(f"/api/v1/requests/{rid}/photos/{pid}/approve", json={"boxes": [BOX]})
    assert resp.status_code == 200, resp.get_json()
    out = resp.get_json()
    assert out["boxes"] == [BOX] and out["approved_by"] == "officer.mn"
    assert out["image_key"] not in (photo_request["key"], photo_request["blurred_key"])
    row = conn.execute("SELECT * FROM photo_approval WHERE request_id = %s", (rid,)).fetchone()
    assert row["boxes"] == [BOX] and row["source_key"] == photo_request["blurred_key"]
    logged = audit.entries(conn, subject=f"request:{rid}", action="photo.approve")[0]["details"]
    assert logged["boxes"] == [BOX] and logged["sha256"] == row["sha256"]
    # The passage by its id only: no capture time in a record kept for years (docs/audit.md).
    assert logged["passage"] == pid and "captured_at" not in logged
    assert row["captured_at"].isoformat()[:16] not in json.dumps(logged)

    # The photo now shown is the approved copy; a second approval is refused (final).
    shown = officer.get(f"/api/v1/requests/{rid}/photos/{pid}").data
    assert hashlib.sha256(shown).hexdigest() == row["sha256"]
    again = officer.post(f"/api/v1/requests/{rid}/photos/{pid}/approve", json={"boxes": []})
    assert again.status_code == 409

    # Irreversible: inside the box no detail of the original survives.
    approved = cv2.imdecode(np.frombuffer(shown, np.uint8), cv2.IMREAD_COLOR).astype(float)
    orig = photo_request["original"].astype(float)
    x1, y1, x2, y2 = BOX
    a, o = approved[y1:y2, x1:x2], orig[y1:y2, x1:x2]
    corr = np.corrcoef(a.ravel(), o.ravel())[0, 1]
    assert abs(corr) < 0.1, corr
    lap = lambda im: cv2.Laplacian(im.astype(np.float32), cv2.CV_32F).var()
    assert lap(a) < 0.01 * lap(o)
    # Outside the boxes the detector's blurred photo is kept (within JPEG noise).
    shown_before = photo_request["blurred"].astype(float)
    assert np.abs(approved[:, 260:] - shown_before[:, 260:]).mean() < 12

    # The package provides the approved copy, not the stored one.
    resp = officer.post(f"/api/v1/requests/{rid}/package")
    assert resp.status_code == 200, resp.get_json()
    z = zipfile.ZipFile(io.BytesIO(resp.data))
    assert hashlib.sha256(z.read(f"photos/{pid}.jpg")).hexdigest() == row["sha256"]
    manifest = json.loads(z.read("manifest.json"))
    assert manifest["counts"]["photos"] == 1
    # After provision no more approvals.
    assert officer.post(f"/api/v1/requests/{rid}/photos/{pid}/approve",
                        json={"boxes": []}).status_code == 409


def _grid_request(app, demo_db, truth, database_url, n: int, number: str) -> dict:
    """A confirmed request asking for photos whose plate search found ``n`` + 1 passages,
    verified: ``n`` photos blurred by a worker and one the detector set aside (what the
    camera sent is no image: a permanent failure, with the reason recorded)."""
    import uuid

    import psycopg
    from psycopg.rows import dict_row

    from casework_support import crop_jpeg
    from detector import queue
    from detector.blur import BlurConfig
    from detector.worker import Worker, WorkerConfig
    from tests.conftest import SessionClient

    plate = "GR" + uuid.uuid4().hex[:5].upper()
    vault = photo_vault(app)
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        src = conn.execute("SELECT * FROM jj126.passage WHERE plate = %s ORDER BY captured_at"
                           " LIMIT 1", (truth["convoy"]["lead"],)).fetchone()
        day = src["captured_at"].astimezone(UTC).date()
        for k in range(n + 1):
            photo = _detailed_photo()[0] if k < n else f"not a photo {uuid.uuid4()}".encode()
            key = vault.put(day, photo)
            new = conn.execute(
                "INSERT INTO jj126.passage (camera_id, captured_at, plate, plate_raw, country,"
                " confidence, geom, overview_key, crop_key, capture_id, segment_id)"
                # A camera of the location facing the other way: no convoy partner of
                # the lead for the other tests.
                " SELECT COALESCE((SELECT c2.id FROM camera c1 JOIN camera c2"
                "   ON c2.location_id = c1.location_id"
                "  AND c2.segment_direction IS DISTINCT FROM c1.segment_direction"
                "  WHERE c1.id = p.camera_id ORDER BY c2.id LIMIT 1), p.camera_id),"
                " captured_at + %s * interval '1 second', %s, %s, country,"
                " confidence, geom, %s, %s, %s, segment_id FROM jj126.passage p"
                " WHERE id = %s AND captured_at = %s RETURNING camera_id, captured_at, capture_id",
                (k + 1, plate, plate, key, vault.put(day, crop_jpeg()), f"grid-{plate}-{k}",
                 src["id"], src["captured_at"])).fetchone()
            queue.enqueue(conn, camera_id=new["camera_id"], captured_at=new["captured_at"],
                          image_key=key, capture_id=new["capture_id"])
        conn.commit()
    # The page is under test here, not the detector: no model, no face source.
    Worker(database_url, vault, _no_detections, model_version="stub@1",
           config=WorkerConfig(batch=16, blur=BlurConfig(faces=False, read_plates=False)),
           discard=vault.supersede).run(drain=True)
    officer = SessionClient(app, "officer.mn")
    body = _order(demo_db, truth, photos=True, number=number)
    body["scope"]["plates"] = [plate]
    rid = officer.post("/api/v1/requests", json=body).get_json()["id"]
    assert officer.post(f"/api/v1/requests/{rid}/confirm").status_code == 200
    pre = officer.post(f"/api/v1/requests/{rid}/searches", json={"kind": "plate", "parameters": {
        "plates": [plate],
        "window": {"start": demo_db["start"].isoformat(), "end": demo_db["end"].isoformat()}}
    }).get_json()
    assert officer.post(f"/api/v1/searches/{pre['enquiry_id']}/run").get_json()[
        "passages_kept"] == n + 1
    page = officer.get(f"/api/v1/requests/{rid}/reads?page_size=100").get_json()
    assert officer.post(f"/api/v1/requests/{rid}/verdicts", json=on_page(page, [
        {"passage_id": r["passage_id"], "captured_at": r["captured_at"],
         "verdict": "confirmed"} for r in page["reads"]])).status_code == 200
    return {"officer": officer, "id": rid, "plate": plate}


def test_a_page_of_photos_is_approved_in_one_action(app, demo_db, truth, database_url, conn):
    """R8 at volume: one call approves a page, each photo recorded and audited on its own
    with its own boxes; all or none; only the handling officer; the photo the detector
    set aside is listed as not available with the reason, never in the grid."""
    from tests.conftest import SessionClient

    made = _grid_request(app, demo_db, truth, database_url, 5, "SIT-PHOTO-PAGE")
    officer, rid = made["officer"], made["id"]
    page = officer.get(f"/api/v1/requests/{rid}/photos?page_size=48").get_json()
    assert page["total"] == 6 and page["remaining"] == 5 and page["not_available"] == 1
    assert len(page["photos"]) == 5
    assert all(p["photo_state"] == "blurred" for p in page["photos"])
    (gone,) = page["unavailable"]
    assert gone["photo_state"] == "set_aside" and "not an image" in gone["reason"]
    pids = [p["passage_id"] for p in page["photos"]]
    url = f"/api/v1/requests/{rid}/photos/approve"
    # Refusals store nothing: another officer, a bad body, a passage not in the request,
    # the set-aside photo, a box outside the photo.
    colleague = SessionClient(app, "officer2.mn")
    assert colleague.post(url, json={"photos": [{"passage_id": pids[0]}]}).status_code == 404
    for bad, status in [({"photos": []}, 400), ({"photos": "all"}, 400),
                        ({"photos": [{"passage_id": "1"}]}, 400),
                        ({"photos": [{"passage_id": pids[0]}, {"passage_id": pids[0]}]}, 400),
                        ({"photos": [{"passage_id": pids[0]}, {"passage_id": 1}]}, 404),
                        ({"photos": [{"passage_id": pids[0]},
                                     {"passage_id": gone["passage_id"]}]}, 409),
                        ({"photos": [{"passage_id": pids[0]},
                                     {"passage_id": pids[1], "boxes": [[0, 0, W + 9, 9]]}]},
                         400)]:
        resp = officer.post(url, json=bad)
        assert resp.status_code == status, (bad, resp.get_json())
    assert not conn.execute("SELECT 1 FROM photo_approval WHERE request_id = %s",
                            (rid,)).fetchone()
    # Four approved in one action, one of them touched up; one left for later.
    resp = officer.post(url, json={"photos": [{"passage_id": pid, "boxes": [BOX] if i == 1 else []}
                                              for i, pid in enumerate(pids[:4])]})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["count"] == 4 and resp.get_json()["with_boxes"] == 1
    rows = {r["passage_id"]: r for r in conn.execute(
        "SELECT * FROM photo_approval WHERE request_id = %s", (rid,)).fetchall()}
    assert set(rows) == set(pids[:4])
    assert rows[pids[1]]["boxes"] == [BOX] and rows[pids[1]]["image_key"] != \
        rows[pids[1]]["source_key"]
    assert rows[pids[0]]["boxes"] == [] and rows[pids[0]]["image_key"] == \
        rows[pids[0]]["source_key"]  # what the officer saw is what is provided
    logged = audit.entries(conn, subject=f"request:{rid}", action="photo.approve")
    assert sorted(e["details"]["passage"] for e in logged) == sorted(pids[:4])
    # Approved photos cannot be approved again, alone or in a page.
    assert officer.post(url, json={"photos": [{"passage_id": pids[4]},
                                              {"passage_id": pids[0]}]}).status_code == 409
    left = officer.get(f"/api/v1/requests/{rid}/photos?page_size=48").get_json()
    assert [p["passage_id"] for p in left["photos"]] == [pids[4]] and left["approved"] == 4


@pytest.mark.browser
def test_photo_review_grid_by_keyboard(app, demo_db, truth, people, database_url, live_server,
                                       artifacts, conn):
    """The grid: 48 photos a page; arrows move, space holds one back, v adds a blur box
    moved and resized with the keyboard, p approves the page; each approval recorded."""
    import shutil

    from playwright.sync_api import sync_playwright

    from tests.conftest import TEST_PASSWORD

    made = _grid_request(app, demo_db, truth, database_url, 49, "SIT-PHOTO-GRID")
    rid = made["id"]
    args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-dev-shm-usage"]
    presses = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or
                                    "/usr/bin/chromium", args=args, headless=True)
        page = browser.new_page(bypass_csp=True, viewport={"width": 1400, "height": 1000})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{live_server}/requests/{rid}/photos")
        page.fill("#username", "officer.mn")
        page.fill("#password", TEST_PASSWORD)
        page.click("#login-form button[type=submit]")
        page.wait_for_selector("#photo-grid[data-loaded]")
        assert page.locator("#photo-grid figure").count() == 48
        page.wait_for_function("[...document.querySelectorAll('#photo-grid img')]"
                               ".every(i => i.complete && i.naturalWidth > 0)")
        assert page.is_visible("#unavailable")
        assert "niet beschikbaar" in page.inner_text("#unavailable-list")
        # the detector's reason, in the officer's Dutch (messages_nl)
        assert "geen beeld (onbekend formaat" in page.inner_text("#unavailable-list")

        def press(key: str) -> None:
            nonlocal presses
            page.keyboard.press(key)
            presses += 1

        press("ArrowRight")
        press("ArrowRight")
        held = page.get_attribute("#photo-grid figure.current", "data-passage")
        press(" ")
        assert page.get_attribute(f"#photo-grid figure[data-passage='{held}']", "data-held") == "1"
        press("ArrowDown")
        assert page.get_attribute("#photo-grid", "data-cursor") == "10"
        touched = page.get_attribute("#photo-grid figure.current", "data-passage")
        press("v")
        page.wait_for_selector("#editor[open]")
        page.wait_for_function("document.getElementById('box-count').textContent === '1'")
        press("ArrowRight")
        press("Shift+ArrowDown")
        page.screenshot(path=str(artifacts / "casework-photo-touch-up.png"))
        press("Enter")
        assert page.get_attribute(f"#photo-grid figure[data-passage='{touched}']",
                                  "data-boxes") == "1"
        page.screenshot(path=str(artifacts / "casework-photo-grid.png"))
        press("p")
        page.wait_for_selector("#photo-message.ok")
        page.wait_for_function("document.querySelectorAll('#photo-grid figure').length === 2")
        browser.close()
    assert not errors, errors
    rows = {r["passage_id"]: r["boxes"] for r in conn.execute(
        "SELECT passage_id, boxes FROM photo_approval WHERE request_id = %s", (rid,)).fetchall()}
    assert len(rows) == 47 and int(held) not in rows
    (box,) = rows[int(touched)]
    assert box[0] > W * 3 // 8 and box[3] - box[1] > H // 4  # moved right, grown down
    assert len(audit.entries(conn, subject=f"request:{rid}", action="photo.approve")) == 47
    assert presses == 9  # 47 photos reviewed, one touched up, one held back: nine keys


@pytest.mark.browser
def test_the_next_photo_page_is_fetched_while_the_officer_looks(app, demo_db, truth, people,
                                                                database_url, live_server,
                                                                browser):  # noqa: F811
    """Issue 15: while the officer looks at a page of 48, the page lists and fetches the
    next 48 blurred photos; after p the next page is drawn from them without asking the
    server for one of them again: the photo held back first, then 47 fetched ahead, the
    same photos and counts the server lists after the approval."""
    import re

    made = _grid_request(app, demo_db, truth, database_url, 98, "SIT-PHOTO-AHEAD")
    officer, rid = made["officer"], made["id"]
    photo_get = re.compile(rf"/api/v1/requests/{rid}/photos/(\d+)\?")
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = ctx.new_page()
        errors, fetched = [], []
        page.on("pageerror", lambda e: errors.append(str(e)))
        # the page's policy lets the photos fetched ahead (blob:) be drawn: no violation
        page.on("console", lambda m: "Content Security Policy" in m.text
                and errors.append(m.text))
        log_in(page, live_server, "officer.mn")
        page.goto(f"{live_server}/requests/{rid}/photos")
        page.wait_for_selector("#photo-grid[data-loaded] figure")
        first = page.eval_on_selector_all("#photo-grid figure", "fs => fs.map(f => f.dataset.passage)")
        assert len(first) == 48
        page.wait_for_selector("#photo-grid[data-prefetched='48']")
        # the grid's own image requests (the next prefetch, fetch() calls, may start)
        page.on("request", lambda r: r.resource_type == "image" and fetched.append(r.url))
        held = page.get_attribute("#photo-grid figure.current", "data-passage")
        page.keyboard.press(" ")
        before = page.get_attribute("#photo-grid", "data-loaded")
        page.keyboard.press("p")
        page.wait_for_selector("#photo-message.ok")
        page.wait_for_function(f"document.getElementById('photo-grid').dataset.loaded !== '{before}'")
        page.wait_for_function("[...document.querySelectorAll('#photo-grid img')]"
                               ".every(i => i.complete && i.naturalWidth > 0)")
        shown = page.eval_on_selector_all("#photo-grid figure", "fs => fs.map(f => f.dataset.passage)")
        ahead = page.eval_on_selector_all("#photo-grid figure[data-prefetched='1']",
                                          "fs => fs.map(f => f.dataset.passage)")
        counts = page.inner_text("#photo-counts")
    finally:
        ctx.close()
    assert not errors, errors
    listed = officer.get(f"/api/v1/requests/{rid}/photos?page_size=48").get_json()
    assert shown == [str(x["passage_id"]) for x in listed["photos"]]
    assert shown[0] == held and held in first and not set(shown[1:]) & set(first)
    assert ahead == shown[1:] and len(ahead) == 47
    # after p, the only photo the grid asked of the server again is the one held back
    assert {m.group(1) for u in fetched if (m := photo_get.search(u))} <= {held}
    assert listed["approved"] == 47 and counts.startswith(f"47 van {listed['total']} goedgekeurd")
