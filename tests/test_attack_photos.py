"""Photo review and delivery under attack (R8, R10, R6): walked as an officer's browser
and an attacker with a valid account walk it, through the web app's HTTP routes on the
real database. Touch-up boxes of every wrong shape, pages of photos that are not the
officer's to approve, approvals racing each other from two sessions, the photo bytes
for the wrong people or at the wrong time, and the package: nothing but approved,
blurred copies with their touch-up applied ever leaves."""
from __future__ import annotations

import hashlib
import io
import uuid
import zipfile
from datetime import UTC, timedelta

import cv2
import numpy as np
import psycopg
import pytest
from psycopg.rows import dict_row

from casework_support import at_once
from conftest import SessionClient, photo_vault
from test_casework_photos import BOX, H, W, _detailed_photo, _grid_request


def _grid(app, demo_db, truth, database_url, n: int) -> dict:
    made = _grid_request(app, demo_db, truth, database_url, n,
                         "ATT-PHOTO-" + uuid.uuid4().hex[:8])
    page = made["officer"].get(f"/api/v1/requests/{made['id']}/photos?page_size=100").get_json()
    made["pids"] = [p["passage_id"] for p in page["photos"]]
    made["set_aside"] = [u["passage_id"] for u in page["unavailable"]]
    assert len(made["pids"]) == n
    return made


def _approvals(database_url: str, rid: int) -> tuple[list[dict], list[dict]]:
    """The request's approval rows and its photo.approve audit records."""
    with psycopg.connect(database_url, row_factory=dict_row) as c:
        rows = c.execute("SELECT * FROM photo_approval WHERE request_id = %s ORDER BY passage_id",
                         (rid,)).fetchall()
        logged = c.execute("SELECT details FROM audit_log WHERE action = 'photo.approve' AND"
                           " subject = %s ORDER BY id", (f"request:{rid}",)).fetchall()
    return rows, [r["details"] for r in logged]


def _once_each(database_url: str, rid: int, pids: list[int]) -> list[dict]:
    """Every photo of ``pids`` approved exactly once: one row, one audit record each."""
    rows, logged = _approvals(database_url, rid)
    assert sorted(r["passage_id"] for r in rows) == sorted(pids)
    assert sorted(d["passage"] for d in logged) == sorted(pids), logged
    by_pid = {d["passage"]: d for d in logged}
    for r in rows:  # the record says what the row holds
        assert by_pid[r["passage_id"]]["image_key"] == r["image_key"]
        assert by_pid[r["passage_id"]]["sha256"] == r["sha256"]
    return rows


# -- two sessions at once -------------------------------------------------------------------

def test_two_pages_approved_at_once_in_opposite_orders(app, people, demo_db, truth, database_url):
    """Two tabs of the handling officer approve the same photos at once, listed in another
    order (the grid puts photos held back first): one page is approved, the other refused
    with a clear 409, never a 500 (a deadlock between the two), and every photo is
    recorded and audited once."""
    made = _grid(app, demo_db, truth, database_url, 12)
    rid, pids = made["id"], made["pids"]
    a, b = SessionClient(app, "officer.mn"), SessionClient(app, "officer.mn")
    url = f"/api/v1/requests/{rid}/photos/approve"
    answers = at_once([
        lambda: a.post(url, json={"photos": [{"passage_id": p} for p in pids]}),
        lambda: b.post(url, json={"photos": [{"passage_id": p} for p in reversed(pids)]})])
    codes = sorted(r.status_code for r in answers)
    assert codes == [200, 409], [(r.status_code, r.get_json()) for r in answers]
    (refused,) = [r.get_json() for r in answers if r.status_code == 409]
    assert "already been approved" in refused["message"] and "goedgekeurd" in refused["bericht"]
    _once_each(database_url, rid, pids)


def test_the_same_page_approved_twice_at_once(app, people, demo_db, truth, database_url):
    """A double click, or a retry while the first is still running: one approval of the
    page, one refusal; each photo recorded and audited once; a retry afterwards is
    refused too and stores nothing."""
    made = _grid(app, demo_db, truth, database_url, 6)
    rid, pids = made["id"], made["pids"]
    a, b = SessionClient(app, "officer.mn"), SessionClient(app, "officer.mn")
    url = f"/api/v1/requests/{rid}/photos/approve"
    body = {"photos": [{"passage_id": p, "boxes": [BOX] if i == 2 else []}
                       for i, p in enumerate(pids)]}
    answers = at_once([lambda: a.post(url, json=body), lambda: b.post(url, json=body)])
    assert sorted(r.status_code for r in answers) == [200, 409], \
        [(r.status_code, r.get_json()) for r in answers]
    assert a.post(url, json=body).status_code == 409
    rows = _once_each(database_url, rid, pids)
    assert [r["boxes"] for r in rows if r["passage_id"] == pids[2]] == [[BOX]]


def test_a_touch_up_racing_the_page_approval(app, people, demo_db, truth, database_url):
    """One session touches up a photo while another approves the page holding it: either
    the touch-up is approved (its boxes applied) and the page refused whole, or the page
    is approved and the touch-up refused; never both, never a 500."""
    made = _grid(app, demo_db, truth, database_url, 5)
    rid, pids = made["id"], made["pids"]
    a, b = SessionClient(app, "officer.mn"), SessionClient(app, "officer.mn")
    page = lambda: a.post(f"/api/v1/requests/{rid}/photos/approve",
                          json={"photos": [{"passage_id": p} for p in pids]})
    touch = lambda: b.post(f"/api/v1/requests/{rid}/photos/{pids[3]}/approve",
                           json={"boxes": [BOX]})
    got_page, got_touch = at_once([page, touch])
    codes = (got_page.status_code, got_touch.status_code)
    assert codes in ((200, 409), (409, 200)), (got_page.get_json(), got_touch.get_json())
    rows, _ = _approvals(database_url, rid)
    if codes == (200, 409):
        _once_each(database_url, rid, pids)
        assert all(r["boxes"] == [] for r in rows)
    else:
        _once_each(database_url, rid, [pids[3]])
        assert rows[0]["boxes"] == [BOX] and rows[0]["image_key"] != rows[0]["source_key"]


# -- touch-up boxes of every wrong shape ----------------------------------------------------

BAD_BOXES = [
    None, {}, "0,0,10,10", 7, [None], [{}], [[0, 0, 10]], [[0, 0, 10, 10, 10]],
    [[[0, 0, 10, 10]]], [["0", "0", "10", "10"]], [[0, 0, 10, None]], [[False, 0, 10, 10]],
    [[-5, -5, 10, 10]], [[0, 0, W + 1, 10]], [[0, 0, 10, H + 1]], [[W, H, W + 10, H + 10]],
    [[10, 10, 10, 50]], [[10, 10, 50, 10]], [[50, 50, 10, 10]], [[10, 10, 11, 11]],
    [[0, 0, 9.2e18, 10]], [[0, 0, 2**63 - 1, 10]], [[-2**63, 0, 10, 10]], [[0.4, 0, 1.4, 1.4]],
    [[0, 0, 10, 10]] * 51, [[0, 0, 10, 10]] * 201,
]


@pytest.fixture(scope="module")
def grid(app, people, demo_db, truth, database_url):
    return _grid(app, demo_db, truth, database_url, 3)


@pytest.mark.parametrize("boxes", BAD_BOXES, ids=lambda b: repr(b)[:40])
def test_bad_boxes_are_refused_and_store_nothing(grid, boxes, database_url):
    officer, rid, pid = grid["officer"], grid["id"], grid["pids"][0]
    one = officer.post(f"/api/v1/requests/{rid}/photos/{pid}/approve", json={"boxes": boxes})
    page = officer.post(f"/api/v1/requests/{rid}/photos/approve", json={"photos": [
        {"passage_id": grid["pids"][1]}, {"passage_id": pid, "boxes": boxes}]})
    for resp in (one, page):
        assert resp.status_code == 400, resp.get_json()
        assert resp.get_json()["bericht"] and resp.get_json()["bericht"] != resp.get_json()["message"]
    assert _approvals(database_url, rid) == ([], [])



def test_a_refused_page_leaves_no_copy_in_the_photo_store(app, people, demo_db, truth,
                                                           database_url):
    """A page whose first photo is touched up and a later one refused (a box outside the
    photo, a photo already approved, one set aside) stores nothing: no approval, no audit
    record, and no touched-up copy written to the photo store (one was, before the page
    was refused)."""
    made = _grid(app, demo_db, truth, database_url, 3)
    officer, rid, pids = made["officer"], made["id"], made["pids"]
    assert officer.post(f"/api/v1/requests/{rid}/photos/{pids[2]}/approve",
                        json={"boxes": []}).status_code == 200
    before = _approvals(database_url, rid)
    root = photo_vault(app).store.root
    objects = {p for p in root.rglob("*") if p.is_file()}
    for later, status in [({"passage_id": pids[1], "boxes": [[0, 0, W + 5, 9]]}, 400),
                          ({"passage_id": pids[2], "boxes": [BOX]}, 409),
                          ({"passage_id": made["set_aside"][0]}, 409)]:
        resp = officer.post(f"/api/v1/requests/{rid}/photos/approve", json={"photos": [
            {"passage_id": pids[0], "boxes": [BOX]}, later]})
        assert resp.status_code == status, resp.get_json()
    assert {p for p in root.rglob("*") if p.is_file()} == objects
    assert _approvals(database_url, rid) == before


@pytest.mark.parametrize("raw", [
    b'{"boxes": [[NaN, 0, 10, 10]]}', b'{"boxes": [[0, 0, Infinity, 10]]}',
    b'{"boxes": [[0, 0, -Infinity, 10]]}', b'{"boxes": [[0, 0, 1e999, 10]]}',
    b'{"boxes": [[0, 0, 100000000000000000000000000000000000000, 10]]}',
    b'{"boxes": [[0, 0, 10, 10]]', b'{"boxes": [[0, 0, 10, 10]], "boxes": "x"}',
    b'[[0, 0, 10, 10]]', b'', b'null', b'{"boxes": [' * 40,
])
def test_bodies_json_does_not_allow_are_refused(grid, raw, database_url):
    officer, rid, pid = grid["officer"], grid["id"], grid["pids"][0]
    for url, body in [(f"/api/v1/requests/{rid}/photos/{pid}/approve", raw),
                      (f"/api/v1/requests/{rid}/photos/approve",
                       raw.replace(b'{"boxes"', b'{"photos": [{"passage_id": %d, "boxes"'
                                   % pid) + b"]}")]:
        resp = officer.post(url, data=body, content_type="application/json")
        assert resp.status_code == 400, (body, resp.status_code, resp.get_data()[:300])
    assert _approvals(database_url, rid) == ([], [])


@pytest.mark.parametrize("items", [
    [{"passage_id": 0}], [{"passage_id": -1}], [{"passage_id": 2**63}], [{"passage_id": 1.0}],
    [{"passage_id": None}], [{}], ["1"], [[1]], [{"passage_id": True}],
    [{"passage_id": "PID0"}, {"passage_id": "PID0", "boxes": [BOX]}],
])
def test_bad_pages_are_refused(grid, items, database_url):
    officer, rid = grid["officer"], grid["id"]
    items = [{k: (grid["pids"][0] if v == "PID0" else v) for k, v in i.items()}
             if isinstance(i, dict) else i for i in items]
    resp = officer.post(f"/api/v1/requests/{rid}/photos/approve", json={"photos": items})
    assert resp.status_code == 400, resp.get_json()
    assert _approvals(database_url, rid) == ([], [])


# -- where a photo may not be approved ------------------------------------------------------

def _plant_pending(app, database_url: str, plate: str) -> None:
    """One more passage of ``plate`` with a photo queued for the detector and not blurred
    yet (no worker runs here)."""
    from casework_support import crop_jpeg

    from detector import queue

    vault = photo_vault(app)
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        src = conn.execute("SELECT * FROM jj126.passage WHERE plate = %s ORDER BY captured_at"
                           " DESC LIMIT 1", (plate,)).fetchone()
        day = src["captured_at"].astimezone(UTC).date()
        key = vault.put(day, _detailed_photo()[0])
        new = conn.execute(
            "INSERT INTO jj126.passage (camera_id, captured_at, plate, plate_raw, country,"
            " confidence, geom, overview_key, crop_key, capture_id, segment_id)"
            " SELECT camera_id, captured_at + interval '1 second', plate, plate_raw, country,"
            " confidence, geom, %s, %s, %s, segment_id FROM jj126.passage"
            " WHERE id = %s AND captured_at = %s RETURNING camera_id, captured_at, capture_id",
            (key, vault.put(day, crop_jpeg()),
             f"pending-{plate}-{uuid.uuid4().hex[:6]}", src["id"], src["captured_at"])).fetchone()
        queue.enqueue(conn, camera_id=new["camera_id"], captured_at=new["captured_at"],
                      image_key=key, capture_id=new["capture_id"])
        conn.commit()


def _search_again(officer, demo_db, rid: int, plate: str) -> None:
    pre = officer.post(f"/api/v1/requests/{rid}/searches", json={"kind": "plate", "parameters": {
        "plates": [plate],
        "window": {"start": (demo_db["start"] + timedelta(seconds=1)).isoformat(),
                   "end": demo_db["end"].isoformat()}}})
    assert pre.status_code in (200, 201), pre.get_json()
    run = officer.post(f"/api/v1/searches/{pre.get_json()['enquiry_id']}/run")
    assert run.status_code == 200, run.get_json()


def test_photos_that_may_not_be_approved(app, people, demo_db, truth, database_url):
    """A photo still pending blurring, one the detector set aside, one already approved,
    a passage of the officer's other request, of a colleague's request, one that does
    not exist: each refused with its reason, the same 404 for what is not the request's,
    nothing stored and nothing more audited."""
    made = _grid(app, demo_db, truth, database_url, 2)
    officer, rid, pids = made["officer"], made["id"], made["pids"]
    other = _grid(app, demo_db, truth, database_url, 1)  # the same officer's other request
    colleague_req = _grid_request(app, demo_db, truth, database_url, 1,
                                  "ATT-PHOTO-" + uuid.uuid4().hex[:8])
    _plant_pending(app, database_url, made["plate"])
    _search_again(officer, demo_db, rid, made["plate"])
    page = officer.get(f"/api/v1/requests/{rid}/photos?page_size=100").get_json()
    pending = [p["passage_id"] for p in page["photos"] if p["photo_state"] == "pending"]
    assert len(pending) == 1 and page["pending"] == 1
    assert officer.post(f"/api/v1/requests/{rid}/photos/{pids[0]}/approve",
                        json={"boxes": []}).status_code == 200
    before = _approvals(database_url, rid)
    with psycopg.connect(database_url, row_factory=dict_row) as c:
        colleague_pid = c.execute(
            "SELECT er.passage_id FROM enquiry e JOIN enquiry_result er ON er.enquiry_id = e.id"
            " WHERE e.request_id = %s LIMIT 1", (colleague_req["id"],)).fetchone()["passage_id"]
        missing = c.execute("SELECT max(id) + 1000 AS m FROM jj126.passage").fetchone()["m"]

    def both(pid, boxes):
        return [officer.post(f"/api/v1/requests/{rid}/photos/{pid}/approve",
                             json={"boxes": boxes}),
                officer.post(f"/api/v1/requests/{rid}/photos/approve", json={"photos": [
                    {"passage_id": pids[1]}, {"passage_id": pid, "boxes": boxes}]}),
                officer.get(f"/api/v1/requests/{rid}/photos/{pid}")]

    for resp in both(pending[0], [BOX]) + both(made["set_aside"][0], [BOX]):
        assert resp.status_code == 409, resp.get_json()
        assert resp.get_json()["error"] == "photo_not_blurred"
    for resp in both(pids[0], [BOX])[:2]:
        assert resp.status_code == 409 and "already" in resp.get_json()["message"]
    not_here = [r.get_json() for pid in (other["pids"][0], colleague_pid, missing)
                for r in both(pid, [BOX])]
    assert {r["error"] for r in not_here} == {"not_found"}
    # A refusal says the same of a passage of another request as of none at all.
    assert len({(r["message"], r["bericht"]) for r in not_here[0::3]}) == 1
    assert len({(r["message"], r["bericht"]) for r in not_here[2::3]}) == 1
    assert _approvals(database_url, rid) == before
    assert _approvals(database_url, other["id"]) == ([], [])


def test_the_photo_bytes_for_no_one_else(app, people, grid, login, client):
    """The blurred photo goes to the handling officer only, never cached: a colleague of
    the unit, an officer of another unit, an analyst, the requester and an anonymous
    caller are refused, a refusal for an existing photo reads like one for none."""
    rid, pid = grid["id"], grid["pids"][0]
    mine = grid["officer"].get(f"/api/v1/requests/{rid}/photos/{pid}")
    assert mine.status_code == 200 and mine.mimetype == "image/jpeg"
    assert mine.headers["Cache-Control"] == "no-store"
    assert mine.headers["X-Content-Type-Options"] == "nosniff"
    assert cv2.imdecode(np.frombuffer(mine.data, np.uint8), cv2.IMREAD_COLOR).shape == (H, W, 3)
    with psycopg.connect(app.config["DATABASE_URL"]) as c:
        missing = c.execute("SELECT max(id) + 1000 FROM jj126.passage").fetchone()[0]
    assert client.get(f"/api/v1/requests/{rid}/photos/{pid}").status_code == 401
    for who in ("officer2.mn", "officer.rt", "analyst.mn", "requester.mn"):
        c = login(who)
        real = c.get(f"/api/v1/requests/{rid}/photos/{pid}")
        bogus = c.get(f"/api/v1/requests/{rid}/photos/{missing}")
        assert real.status_code in (403, 404) and real.mimetype == "application/json", who
        assert (real.status_code, real.get_json()) == (bogus.status_code, bogus.get_json()), who
        assert real.data.find(b"\xff\xd8") < 0


# -- the package ----------------------------------------------------------------------------

def test_the_package_holds_only_approved_blurred_copies(app, people, demo_db, truth,
                                                        database_url):
    """No package while a photo waits for approval; then exactly the approved copies:
    the detector's blurred photo where no box was drawn, the touched-up copy (boxes
    destroyed) where one was, none of the photo set aside; after provision and completion
    no approval."""
    made = _grid(app, demo_db, truth, database_url, 4)
    officer, rid, pids = made["officer"], made["id"], made["pids"]
    vault = photo_vault(app)
    detector = {p: officer.get(f"/api/v1/requests/{rid}/photos/{p}").data for p in pids}
    url = f"/api/v1/requests/{rid}/photos/approve"
    assert officer.post(url, json={"photos": [{"passage_id": p, "boxes": [BOX] if p == pids[1]
                                               else []} for p in pids[:3]]}).status_code == 200
    refused = officer.post(f"/api/v1/requests/{rid}/package")
    assert refused.status_code == 409 and "not approved" in refused.get_json()["message"]
    assert officer.post(url, json={"photos": [{"passage_id": pids[3]}]}).status_code == 200
    resp = officer.post(f"/api/v1/requests/{rid}/package")
    assert resp.status_code == 200, resp.get_json()
    z = zipfile.ZipFile(io.BytesIO(resp.data))
    photos = {int(n.split("/")[1].split(".")[0]): z.read(n) for n in z.namelist()
              if n.startswith("photos/")}
    assert set(photos) == set(pids) and made["set_aside"][0] not in photos
    rows = {r["passage_id"]: r for r in _once_each(database_url, rid, pids)}
    for p in pids:
        assert hashlib.sha256(photos[p]).hexdigest() == rows[p]["sha256"]
        assert photos[p] == vault.get(rows[p]["image_key"])
        if p != pids[1]:
            assert photos[p] == detector[p]  # what the officer saw and approved
    # The touched-up photo is the copy with the boxes destroyed, not the one the detector
    # made (test_casework_photos checks the pixels of such a copy).
    assert rows[pids[1]]["boxes"] == [BOX] and photos[pids[1]] != detector[pids[1]]
    assert rows[pids[1]]["image_key"] != rows[pids[1]]["source_key"]
    manifest = z.read("manifest.json")
    assert b'"photos": 4' in manifest
    # Provided: nothing more is approved, and a touch-up now is refused.
    for resp in (officer.post(f"/api/v1/requests/{rid}/photos/{pids[0]}/approve",
                              json={"boxes": [BOX]}),
                 officer.post(url, json={"photos": [{"passage_id": pids[2], "boxes": [BOX]}]})):
        assert resp.status_code == 409, resp.get_json()
    assert officer.post(f"/api/v1/requests/{rid}/complete").status_code == 200
    resp = officer.post(url, json={"photos": [{"passage_id": pids[2]}]})
    assert resp.status_code == 409, resp.get_json()
    _once_each(database_url, rid, pids)


def test_a_request_rejected_after_its_searches_holds_nothing_past_retention(
        app, people, demo_db, truth, database_url):
    """R1: a request's results are secured only while its enquiry is in progress. A
    confirmed request whose searches ran and that is then rejected (the order turns out
    not to carry it) is closed: its held passages, and with them their photos, must go to
    retention with their day. They stayed held, so retention would have secured the
    photos of a rejected request for good, beyond the 28 days."""
    made = _grid(app, demo_db, truth, database_url, 2)
    officer, rid = made["officer"], made["id"]
    reference = officer.get(f"/api/v1/requests/{rid}").get_json()["reference"]
    with psycopg.connect(database_url, row_factory=dict_row) as c:
        held = c.execute("SELECT count(*) AS n FROM jj126.result_hold WHERE enquiry_ref = %s"
                         " AND released_at IS NULL", (reference,)).fetchone()["n"]
    assert held == 3
    resp = officer.post(f"/api/v1/requests/{rid}/reject",
                        json={"reason": "het bevel draagt deze vordering niet"})
    assert resp.status_code == 200, resp.get_json()
    with psycopg.connect(database_url, row_factory=dict_row) as c:
        left = c.execute("SELECT count(*) AS n FROM jj126.result_hold WHERE enquiry_ref = %s"
                         " AND released_at IS NULL", (reference,)).fetchone()["n"]
    assert left == 0
    # A rejected request approves nothing.
    resp = officer.post(f"/api/v1/requests/{rid}/photos/approve",
                        json={"photos": [{"passage_id": made["pids"][0]}]})
    assert resp.status_code == 409 and _approvals(database_url, rid) == ([], [])


def test_the_pages_that_carry_photos_and_crops_are_not_stored(grid, app):
    """The photo page's list (plates, times, places of the passages) and the verify
    page's reads with their plate crops inline (crops=1) are as private as the photo
    and the crop themselves, which answer no-store: a browser must not keep them on disk,
    where they would outlive retention (R1, R10)."""
    officer, rid = grid["officer"], grid["id"]
    listing = officer.get(f"/api/v1/requests/{rid}/photos")
    reads = officer.get(f"/api/v1/requests/{rid}/reads?all=1&crops=1&page_size=10")
    assert listing.status_code == 200 and reads.status_code == 200
    assert any(r.get("crop", "").startswith("data:image/") for r in reads.get_json()["reads"])
    for resp in (listing, reads):
        assert resp.headers.get("Cache-Control") == "no-store", resp.request.path


@pytest.mark.parametrize("boxes", [
    [[0, 0, 2, 2]], [[W - 2, H - 2, W, H]], [[0, 0, W, H]], [[0.6, 0.6, 2.6, 2.6]],
    [[i, i, i + 3, i + 3] for i in range(0, 150, 3)], [[0, 0, W, H]] * 50, [[5, 5, 7, H]],
])
def test_touch_ups_at_the_edges_are_applied(app, people, demo_db, truth, database_url, boxes):
    """Boxes at the photo's edges, of two pixels, the whole photo, fifty at once: each
    approved with its boxes applied, recorded as the whole pixels they cover."""
    made = _grid(app, demo_db, truth, database_url, 1)
    officer, rid, pid = made["officer"], made["id"], made["pids"][0]
    seen = officer.get(f"/api/v1/requests/{rid}/photos/{pid}").data
    resp = officer.post(f"/api/v1/requests/{rid}/photos/{pid}/approve", json={"boxes": boxes})
    assert resp.status_code == 200, resp.get_json()
    (row,) = _once_each(database_url, rid, [pid])
    assert row["boxes"] == [[round(v) for v in b] for b in boxes]
    assert row["image_key"] != row["source_key"]
    assert officer.get(f"/api/v1/requests/{rid}/photos/{pid}").data != seen


def test_ids_beyond_the_database_are_not_found(grid):
    officer, rid, pid = grid["officer"], grid["id"], grid["pids"][0]
    huge = 10**30
    for resp in (officer.get(f"/api/v1/requests/{rid}/photos/{huge}"),
                 officer.get(f"/api/v1/requests/{rid}/photos/{2**63}"),
                 officer.get(f"/api/v1/requests/{huge}/photos/{pid}"),
                 officer.get(f"/api/v1/requests/{2**31}/photos"),
                 officer.post(f"/api/v1/requests/{rid}/photos/{huge}/approve", json={"boxes": []}),
                 officer.post(f"/api/v1/requests/{huge}/photos/approve",
                              json={"photos": [{"passage_id": pid}]})):
        assert resp.status_code == 404, (resp.request.path, resp.status_code, resp.get_data()[:200])


def test_the_photo_of_a_rejected_read_is_not_the_officers(app, people, demo_db, truth,
                                                          database_url):
    """A read rejected against its crop is a misread, someone else's car (R7): its photo
    is not listed, not shown, not approved and not packaged, even blurred."""
    from casework_support import give_verdicts
    from test_casework_photos import _no_detections

    from detector.blur import BlurConfig
    from detector.worker import Worker, WorkerConfig

    made = _grid(app, demo_db, truth, database_url, 1)
    officer, rid = made["officer"], made["id"]
    _plant_pending(app, database_url, made["plate"])
    Worker(database_url, photo_vault(app), _no_detections, model_version="stub@1",
           config=WorkerConfig(batch=16, blur=BlurConfig(faces=False, read_plates=False)),
           discard=photo_vault(app).supersede).run(drain=True)
    _search_again(officer, demo_db, rid, made["plate"])
    page = officer.get(f"/api/v1/requests/{rid}/reads?page_size=100").get_json()
    (misread,) = [r["passage_id"] for r in page["reads"]]
    assert give_verdicts(officer, rid, {misread: "rejected"}).status_code == 200
    listed = officer.get(f"/api/v1/requests/{rid}/photos?all=1&page_size=100").get_json()
    assert misread not in {p["passage_id"] for p in listed["photos"]}
    for resp in (officer.get(f"/api/v1/requests/{rid}/photos/{misread}"),
                 officer.post(f"/api/v1/requests/{rid}/photos/{misread}/approve",
                              json={"boxes": []}),
                 officer.post(f"/api/v1/requests/{rid}/photos/approve",
                              json={"photos": [{"passage_id": misread}]})):
        assert resp.status_code == 404, resp.get_json()
    assert officer.post(f"/api/v1/requests/{rid}/photos/approve", json={"photos": [
        {"passage_id": made["pids"][0]}]}).status_code == 200
    resp = officer.post(f"/api/v1/requests/{rid}/package")
    assert resp.status_code == 200, resp.get_json()
    names = zipfile.ZipFile(io.BytesIO(resp.data)).namelist()
    assert f"photos/{made['pids'][0]}.jpg" in names and f"photos/{misread}.jpg" not in names
    _once_each(database_url, rid, made["pids"])
