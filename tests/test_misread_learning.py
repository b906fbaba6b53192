"""Learning from verdicts on probable misreads, and secured copies that keep the candidate
reads (issue 18), through the officer's path on PostGIS.

Reads of one plate at one camera on a day of their own: an exact read, two read with B
as 8, one with G as 6, one read as another plate whose alternative read is the plate.
The officer's verdicts are counted per camera and character pair (no plates), the
likelihoods of later marks use them, the monitoring report shows the camera's misread
rate; when the day expires the enquiry's secured copies keep the alternative reads, so
the held results still say how each row matched and a verdict on a copy still counts.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import cv2
import numpy as np
import psycopg
import pytest
from psycopg.rows import dict_row

from casework_support import give_verdicts
from conftest import photo_vault
from test_retention_secured import _order

UTC = timezone.utc
DAYS_AGO = 22          # a day of its own: no other test file writes passages there


def _crop() -> bytes:
    img = np.random.default_rng().integers(0, 256, (40, 160, 3), dtype=np.uint8)
    ok, enc = cv2.imencode(".jpg", img)
    assert ok
    return enc.tobytes()


@pytest.fixture
def misread_day(app, people, demo_db, database_url):
    from ingest.partitions import ensure_partition

    vault = photo_vault(app)
    at = (datetime.now(UTC) - timedelta(days=DAYS_AGO)).replace(hour=10, minute=0, second=0,
                                                                 microsecond=0)
    day = at.date()
    tag = uuid.uuid4().hex[:4].upper()
    digits = "".join(str(int(c, 16) % 10) for c in tag[:2])
    letter = "DFHJKLNPRTVX"[int(tag[2], 16) % 12]
    plate = f"BR{digits}{letter}G"              # side-code 4 (LLDDLL)
    reads = {"exact": (plate, None, None),
             "eight": ("8" + plate[1:], None, None),
             "eight2": ("8" + plate[1:], None, None),
             "six": (plate[:-1] + "6", None, None),
             "alt": (f"KX{digits}{letter}N", [plate, f"KX{digits}{letter}H"], [0.4, 0.2])}
    out = {"day": day, "start": at - timedelta(hours=1), "end": at + timedelta(hours=1),
           "vault": vault, "plate": plate, "passages": {}}
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        ensure_partition(conn, day)
        src = conn.execute("SELECT p.camera_id, p.geom, p.segment_id, l.code "
                           "FROM jj126.passage p JOIN camera c ON c.id = p.camera_id "
                           "JOIN location l ON l.id = c.location_id "
                           # a camera no other test has taught a confusion: the prior holds
                           "WHERE p.camera_id NOT IN (SELECT camera_id FROM misread_confusion) "
                           "ORDER BY p.captured_at LIMIT 1 OFFSET 7").fetchone()
        out["location"], out["camera"] = src["code"], src["camera_id"]
        for n, (name, (read, alts, confs)) in enumerate(reads.items()):
            row = conn.execute(
                "INSERT INTO jj126.passage (camera_id, captured_at, plate, plate_raw, country,"
                " confidence, geom, crop_key, capture_id, segment_id, alternatives,"
                " alternative_confidences)"
                " VALUES (%s, %s, %s, %s, 'NL', 0.7, %s, %s, %s, %s, %s, %s)"
                " RETURNING id, captured_at",
                (src["camera_id"], at + timedelta(minutes=n), read, read, src["geom"],
                 vault.put(day, _crop()), f"misread-{tag}-{n}", src["segment_id"], alts,
                 confs)).fetchone()
            out["passages"][name] = {"id": row["id"], "at": row["captured_at"], "read": read}
        conn.commit()
    return out


def _counts(conn, camera, day) -> dict[tuple[str, str], tuple[int, int]]:
    return {(r["read_char"], r["true_char"]): (r["confirmed"], r["rejected"])
            for r in conn.execute("SELECT read_char, true_char, confirmed, rejected FROM "
                                  "misread_confusion WHERE camera_id = %s AND day = %s",
                                  (camera, day)).fetchall()}


def _verdicts(officer, rid, d, **given):
    resp = give_verdicts(officer, rid, {d["passages"][k]["id"]: v for k, v in given.items()})
    assert resp.status_code == 200, resp.get_json()


def _held(officer, eid, d) -> dict[str, dict]:
    rows = officer.get(f"/api/v1/searches/{eid}/results?limit=50").get_json()["passages"]
    by_id = {p["id"]: k for k, p in d["passages"].items()}
    return {by_id[r["passage_id"]]: r for r in rows}


def test_verdicts_teach_the_likelihoods_and_secured_copies_keep_alternatives(
        misread_day, login, database_url):
    from ingest.retention import destroy_day

    d = misread_day
    officer = login("officer.mn")
    body = _order(d["start"], d["end"], d["plate"], f"SIT-MR-{d['plate']}", False,
                  d["location"])
    rid = officer.post("/api/v1/requests", json=body).get_json()["id"]
    assert officer.post(f"/api/v1/requests/{rid}/confirm").status_code == 200
    window = {"start": d["start"].isoformat(), "end": d["end"].isoformat()}
    pre = officer.post(f"/api/v1/requests/{rid}/searches", json={
        "kind": "plate", "parameters": {"plates": [d["plate"]], "window": window,
                                        "misreads": True}})
    assert pre.status_code == 201, pre.get_json()
    eid = pre.get_json()["enquiry_id"]
    run = officer.post(f"/api/v1/searches/{eid}/run").get_json()
    assert run["passages_kept"] == 5
    marks = {r["id"]: r for r in run["result"]["passages"]}
    assert marks[d["passages"]["eight"]["id"]]["likelihood"] == 0.5  # the table's prior

    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        assert _counts(conn, d["camera"], d["day"]) == {}
    _verdicts(officer, rid, d, exact="confirmed", eight="confirmed", six="rejected")
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        # Every verdict counts at the camera (''), each differing pair by its verdict.
        assert _counts(conn, d["camera"], d["day"]) == {
            ("", ""): (2, 1), ("8", "B"): (1, 0), ("6", "G"): (0, 1)}
    held = _held(officer, eid, d)
    assert held["eight"]["likelihood"] == pytest.approx(0.6)   # (0.5 * 4 + 1) / 5
    assert held["six"]["likelihood"] == pytest.approx(0.4)     # (0.5 * 4 + 0) / 5
    assert held["eight"]["likelihood"] > held["six"]["likelihood"]

    # The monitoring report: the camera's misread rate, without plates.
    auditor = login("auditor")
    page = auditor.get(f"/reports/monitor?from={d['day']}&to={d['day']}")
    assert page.status_code == 200
    csv = auditor.get(f"/reports/monitor/misreads.csv?from={d['day']}&to={d['day']}")
    assert csv.status_code == 200
    line = next(x for x in csv.get_data(as_text=True).splitlines()
                if x.startswith(d["camera"] + ";"))
    assert line.split(";")[1:6] == ["3", "1", "1", "33,3%", "8/B"], line
    assert d["plate"] not in csv.get_data(as_text=True)

    # The day expires while the enquiry is open: its copies keep the candidate reads.
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        assert destroy_day(conn, d["day"], d["vault"]).secured == 5
        copy = conn.execute("SELECT alternatives, alternative_confidences FROM "
                            "jj126.secured_passage WHERE passage_id = %s",
                            (d["passages"]["alt"]["id"],)).fetchone()
        assert copy["alternatives"] == [d["plate"], d["passages"]["alt"]["read"][:-1] + "H"]
        assert copy["alternative_confidences"] == pytest.approx([0.4, 0.2])
    held = _held(officer, eid, d)
    assert held["alt"]["match"] == "alternative_read"
    assert held["alt"]["matched_plate"] == d["plate"]
    assert held["alt"]["likelihood"] == pytest.approx(0.4)
    assert held["alt"]["alternatives"][0] == {"plate": d["plate"], "confidence": 0.4}
    assert held["exact"]["match"] == "exact" and held["eight"]["match"] == \
        "equivalent_characters"

    # A verdict on a secured copy counts like any other, and the likelihood follows.
    _verdicts(officer, rid, d, eight2="confirmed", alt="confirmed")
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        assert _counts(conn, d["camera"], d["day"]) == {
            ("", ""): (4, 1), ("8", "B"): (2, 0), ("6", "G"): (0, 1)}
    held = _held(officer, eid, d)
    assert held["eight"]["likelihood"] == pytest.approx(4 / 6, abs=1e-4)

    # Completing the request forgets every passage, verdict and copy; the counts stay,
    # and they name no plate, passage or officer (R1: nothing personal outlives 28 days).
    pkg = officer.post(f"/api/v1/requests/{rid}/package")
    assert pkg.status_code == 200, pkg.get_json()
    assert officer.post(f"/api/v1/requests/{rid}/complete").status_code == 200
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        ids = [p["id"] for p in d["passages"].values()]
        for table in ("verification", "enquiry_result", "jj126.secured_passage"):
            assert conn.execute(f"SELECT count(*) AS n FROM {table} WHERE passage_id = "
                                "ANY(%s)", (ids,)).fetchone()["n"] == 0, table
        assert _counts(conn, d["camera"], d["day"])[("8", "B")] == (2, 0)
        columns = {r["column_name"] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = "
            "'public' AND table_name = 'misread_confusion'").fetchall()}
        assert columns == {"camera_id", "day", "read_char", "true_char", "confirmed",
                           "rejected"}
