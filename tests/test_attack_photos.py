"""Photo review and delivery under attack (R8, R10, R6): walked as an officer's browser
and an attacker with a valid account walk it, through the web app's HTTP routes on the
real database. Touch-up boxes of every wrong shape, pages of photos that are not the
officer's to approve, approvals racing each other from two sessions, the photo bytes
for the wrong people or at the wrong time, and the package: nothing but approved,
blurred copies with their touch-up applied ever leaves."""
from __future__ import annotations

import hashlib
import io
import threading
import uuid
import zipfile

import cv2
import numpy as np
import psycopg
import pytest
from psycopg.rows import dict_row

from conftest import SessionClient, photo_vault
from test_casework_photos import BOX, H, W, _detailed_photo, _grid_request

UTC = __import__("datetime").timezone.utc


def _at_once(calls) -> list:
    """Run the calls at the same moment, each in its own thread; their answers in order."""
    barrier = threading.Barrier(len(calls))
    answers: list = [None] * len(calls)

    def go(i, call):
        barrier.wait()
        answers[i] = call()

    threads = [threading.Thread(target=go, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return answers


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
    answers = _at_once([
        lambda: a.post(url, json={"photos": [{"passage_id": p} for p in pids]}),
        lambda: b.post(url, json={"photos": [{"passage_id": p} for p in reversed(pids)]})])
    codes = sorted(r.status_code for r in answers)
    assert codes == [200, 409], [(r.status_code, r.get_json()) for r in answers]
    (refused,) = [r.get_json() for r in answers if r.status_code == 409]
    assert "already been approved" in refused["message"] and "goedgekeurd" in refused["bericht"]
    _once_each(database_url, rid, pids)
