"""Reads that can be verified: passages with a plate crop, for casework tests.

The demo's passages have no plate crop, and a read without one cannot be verified (R7).
Passages are immutable, so a test that verifies reads makes reads of its own.
"""
from __future__ import annotations

import threading
from datetime import timezone

import cv2
import numpy as np
import psycopg
from psycopg.rows import dict_row

from conftest import photo_vault


def crop_jpeg() -> bytes:
    """A plate-crop-sized JPEG, unique per call (the vault keys objects by content)."""
    img = np.random.default_rng().integers(0, 256, (40, 160, 3), dtype=np.uint8)
    return cv2.imencode(".jpg", img)[1].tobytes()


def cropped_copies(app, database_url: str, source_plate: str, plate: str, *,
                   without_crop: int = 0) -> list[dict]:
    """The passages of ``source_plate`` again, a second later, as passages of ``plate``,
    each with a stored plate crop but the last ``without_crop``. Each copy is taken by a
    camera of the same location facing the other way where there is one, so the copies
    are no convoy partners of the source plate for the other tests."""
    vault = photo_vault(app)
    out = []
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        src = conn.execute("SELECT id, captured_at FROM jj126.passage WHERE plate = %s"
                           " ORDER BY captured_at", (source_plate,)).fetchall()
        assert src, f"no passages of {source_plate}"
        for i, s in enumerate(src):
            key = None
            if i < len(src) - without_crop:
                key = vault.put(s["captured_at"].astimezone(timezone.utc).date(), crop_jpeg())
            out.append(conn.execute(
                "INSERT INTO jj126.passage (camera_id, captured_at, plate, plate_raw, country,"
                " confidence, geom, crop_key, capture_id, segment_id)"
                " SELECT COALESCE((SELECT c2.id FROM camera c1 JOIN camera c2"
                "   ON c2.location_id = c1.location_id"
                "  AND c2.segment_direction IS DISTINCT FROM c1.segment_direction"
                "  WHERE c1.id = p.camera_id ORDER BY c2.id LIMIT 1), p.camera_id),"
                " captured_at + interval '1 second', %s, %s, country,"
                " confidence, geom, %s, %s, segment_id FROM jj126.passage p"
                " WHERE id = %s AND captured_at = %s"
                " RETURNING id, camera_id, captured_at, crop_key",
                (plate, plate, key, f"cropped-{plate}-{s['id']}", s["id"], s["captured_at"])
            ).fetchone())
        conn.commit()
    return out


def on_page(page: dict, verdicts: list[dict]) -> dict:
    """The body that gives ``verdicts`` on a page of reads as the verify page sends it: the
    page handed out with the reads (``page``: the reads list's answer), the officer's
    verdicts, and among them the answer on the page's spot-check read."""
    spot = page["page"] and page["page"]["spot_check"]
    body = {"verdicts": list(verdicts)}
    if page["page"]:
        body["page"] = page["page"]["id"]
    if spot:
        def asked(v: dict) -> bool:   # the spot-check's read and, where named, question
            return v["passage_id"] == spot["passage_id"] and v.get(
                "ordered_plate", spot["ordered_plate"]) == spot["ordered_plate"]

        answer = [v for v in verdicts if asked(v)]
        assert answer, "the page's spot-check read must be answered"
        body["verdicts"] = [v for v in verdicts if v is not answer[0]]
        body["spot_check"] = answer[0]
    return body


def give_verdicts(officer, request_id: int, verdicts: dict[int, str]):
    """The officer's verdicts (``{passage_id: "confirmed" | "rejected"}``) on reads of the
    request, given read by read on a page as the verify page gives them; returns the
    answer."""
    page = officer.get(f"/api/v1/requests/{request_id}/reads?page_size=500").get_json()
    shown = {r["passage_id"]: r for r in page["reads"]}
    missing = set(verdicts) - set(shown)
    assert not missing, f"reads not on the page to verify: {sorted(missing)}"
    return officer.post(f"/api/v1/requests/{request_id}/verdicts", json=on_page(page, [
        {"passage_id": pid, "captured_at": shown[pid]["captured_at"], "verdict": v}
        for pid, v in verdicts.items()]))


def confirm_every_read(officer, request_id: int) -> None:
    """The officer confirms every read still to verify, a page of 500 at a time, as the
    verify page does (its spot-check answered by the page's own verdicts)."""
    while True:
        page = officer.get(f"/api/v1/requests/{request_id}/reads?page_size=500").get_json()
        if not page["reads"]:
            return
        assert officer.post(f"/api/v1/requests/{request_id}/verdicts", json=on_page(page, [
            {"passage_id": r["passage_id"], "captured_at": r["captured_at"],
             "verdict": "confirmed"} for r in page["reads"]])).status_code == 200


def at_once(calls) -> list:
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
