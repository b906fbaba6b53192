"""A second opinion on every read (#15): the plate reader's opinion in verification.

Reads whose crop the detector's plate reader read differently from the camera come
first on the verification page, then reads it agrees with at low confidence, each
marked; the others follow by time. The officer's verdict stays the decision; the
machine's opinion is recorded beside it in the audit log (a verdict against it named).
The opinions are the detector's own rows (``detector_plate_opinion``), written here for
passages of the test's own, as the worker writes them.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import psycopg

from casework_support import on_page

UTC = timezone.utc


def _order(demo_db, **scope) -> dict:
    start, end = demo_db["start"], demo_db["end"]
    now = datetime.now(UTC)
    return {
        "received_at": now.isoformat(), "requester_name": "K. Mulder",
        "requester_function": "tactisch rechercheur", "order_reference": "OvJ-2026-7015",
        "prosecutor": "mr. B. de Boer", "prosecutor_office": "Parket Den Haag",
        "order_at": (now - timedelta(minutes=30)).isoformat(), "order_kind": "written",
        "crime_code": "OW2", "purpose": "route vaststellen", "facts": "drugstransport verwacht",
        "suspect": "bestuurder", "photos": False,
        "investigation": {"system": "Summ-IT", "number": f"SIT-{now.timestamp()}", "name": "Opaal"},
        "scope": {"windows": [{"start": start.isoformat(), "end": end.isoformat()}], **scope},
    }


def _opinion(conn, passage: dict, text: str, confidence: float) -> None:
    """What the worker records for a passage's frame (detector.queue.complete)."""
    fid = conn.execute(
        "INSERT INTO detector_frame (camera_id, captured_at, capture_id, image_key, state)"
        " SELECT camera_id, captured_at, capture_id, 'test/overview', 'done' FROM jj126.passage"
        " WHERE id = %s AND captured_at = %s"
        # a frame already queued for the passage (by another test's path) is the frame
        " ON CONFLICT (camera_id, capture_id, captured_at) DO UPDATE SET state = 'done' RETURNING id",
        (passage["id"], passage["captured_at"])).fetchone()[0]
    conn.execute(
        "INSERT INTO detector_plate_opinion (frame_id, passage_id, captured_at, text, confidence,"
        " crop, model, agrees) SELECT %s, p.id, p.captured_at, %s, %s, 'camera', 'test', p.plate = %s"
        " FROM jj126.passage p WHERE p.id = %s AND p.captured_at = %s",
        (fid, text, confidence, text, passage["id"], passage["captured_at"]))


def test_disagreements_and_unsure_reads_come_first_marked_and_recorded(app, database_url, login,
                                                                       demo_db):
    from casework_support import cropped_copies

    truth = json.loads((demo_db["home"] / "demo_ground_truth.json").read_text())
    plate = "DP" + uuid.uuid4().hex[:4].upper() + "7"
    copies = cropped_copies(app, database_url, truth["convoy"]["lead"], plate)
    assert len(copies) >= 3
    late_disagreeing, unsure = copies[-1], copies[-2]
    with psycopg.connect(database_url) as c:
        for p in copies:
            if p is late_disagreeing:
                _opinion(c, p, plate[:-1] + "1", 0.95)   # reads 7 as 1: disagrees
            elif p is unsure:
                _opinion(c, p, plate, 0.4)               # agrees, unsure
            else:
                _opinion(c, p, plate, 0.97)              # agrees, sure
        c.commit()
    locations = sorted({p["location"] for p in truth["convoy"]["passages"]})
    officer = login("officer.mn")
    resp = officer.post("/api/v1/requests", json=_order(demo_db, plates=[plate],
                                                        locations=locations))
    assert resp.status_code == 201, resp.get_json()
    rid = resp.get_json()["id"]
    assert officer.post(f"/api/v1/requests/{rid}/confirm").status_code == 200
    resp = officer.post(f"/api/v1/requests/{rid}/searches", json={"kind": "plate", "parameters": {
        "plates": [plate], "window": {"start": demo_db["start"].isoformat(),
                                      "end": demo_db["end"].isoformat()}}})
    assert resp.status_code == 201, resp.get_json()
    officer.post(f"/api/v1/searches/{resp.get_json()['enquiry_id']}/run")
    page = officer.get(f"/api/v1/requests/{rid}/reads?page_size=10").get_json()
    reads = page["reads"]
    assert len(reads) == len(copies)
    # the latest read comes first because the machine disagrees, then the unsure one
    assert [r["passage_id"] for r in reads[:2]] == [late_disagreeing["id"], unsure["id"]]
    first, second, rest = reads[0]["machine"], reads[1]["machine"], reads[2:]
    assert first["flag"] == "disagrees" and first["read"] == plate[:-1] + "1" and first["mark"]
    assert second["flag"] == "unsure" and second["confidence"] == 0.4 and second["mark"]
    assert all(r["machine"]["flag"] == "agrees" and r["machine"]["mark"] is None for r in rest)
    times = [r["captured_at"] for r in rest]
    assert times == sorted(times)
    # the officer decides; a confirmation the machine disagrees with is recorded beside it
    verdicts = [{"passage_id": r["passage_id"], "captured_at": r["captured_at"],
                 "verdict": "confirmed"} for r in reads]
    assert officer.post(f"/api/v1/requests/{rid}/verdicts", json=on_page(page, verdicts)
                        ).get_json()["stored"] == len(verdicts)
    with psycopg.connect(database_url) as c:
        details = c.execute("SELECT details FROM audit_log WHERE action = 'verify' AND subject = %s"
                            " ORDER BY id DESC LIMIT 1", (f"request:{rid}",)).fetchone()[0]
    assert details["machine_opinions"] == len(copies)
    assert [a["passage_id"] for a in details["against_machine"]] == [late_disagreeing["id"]]
    # The record says that the verdict went against the machine, not what the machine read
    # (R1: audit records outlive the passages; docs/audit.md, what a record keeps).
    assert set(details["against_machine"][0]) == {
        "passage_id", "verdict", "machine_confidence", "machine_agrees_with_camera"}
    assert plate[:-1] not in json.dumps(details)


def test_a_page_reads_each_opinion_from_its_index_alone(database_url):
    """Every verification page ranks all of its request's reads by the plate reader's
    opinion: one look-up per read (30,000 on a block query's every page), each from the
    opinions' covering index without a table page (migration 0026). A plan test: fails
    when the page's query needs a column the index does not hold."""
    from casework.verification import JUDGED_SQL, LOW_CONFIDENCE

    with psycopg.connect(database_url) as c:
        c.execute("SET LOCAL enable_seqscan = off")
        c.execute("SET LOCAL enable_bitmapscan = off")
        plan = "\n".join(r[0] for r in c.execute(
            "EXPLAIN " + JUDGED_SQL, {"request": 1, "low": LOW_CONFIDENCE}).fetchall())
    assert "Index Only Scan using ix_detector_plate_opinion_passage" in plan, plan
