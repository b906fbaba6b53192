"""R1 through the officer's path: a day expires while an enquiry is open; the enquiry's
secured copies are then verified, their photos approved and provided exactly as before,
and nothing about a destroyed passage that no open enquiry secured is left behind."""
from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from datetime import datetime, timedelta, timezone

import cv2
import numpy as np
import psycopg
import pytest
from psycopg.rows import dict_row

from casework_support import give_verdicts
from conftest import photo_vault

UTC = timezone.utc
DAYS_AGO = 21          # a day of its own: no other test file writes passages there
TABLES = {"enquiry_result": "enquiry_result", "verification": "verification",
          "photo_approval": "photo_approval", "result_hold": "jj126.result_hold"}


def _jpeg(h: int, w: int) -> bytes:
    img = np.random.default_rng().integers(0, 256, (h, w, 3), dtype=np.uint8)
    ok, enc = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    return enc.tobytes()


def _order(start: datetime, end: datetime, plate: str, number: str, photos: bool,
           location: str) -> dict:
    now = datetime.now(UTC)
    return {
        "received_at": now.isoformat(), "requester_name": "K. Mulder",
        "requester_function": "tactisch rechercheur", "order_reference": f"OvJ-{number}",
        "prosecutor": "mr. B. de Boer", "prosecutor_office": "Parket Den Haag",
        "order_at": (now - timedelta(minutes=30)).isoformat(), "order_kind": "written",
        "crime_code": "OW2", "purpose": "voertuig in beeld", "facts": "overval",
        "suspect": "bestuurder", "photos": photos,
        "investigation": {"system": "Summ-IT", "number": number, "name": "Onyx"},
        "scope": {"windows": [{"start": start.isoformat(), "end": end.isoformat()}],
                  "plates": [plate], "locations": [location]},
    }


def _searched(officer, d, which: str, photos: bool) -> dict:
    start, end, plate = d["start"], d["end"], d["plates"][which]
    resp = officer.post("/api/v1/requests", json=_order(start, end, plate, f"SIT-SEC-{plate}",
                                                        photos, d["location"]))
    assert resp.status_code == 201, resp.get_json()
    rid = resp.get_json()["id"]
    assert officer.post(f"/api/v1/requests/{rid}/confirm").status_code == 200
    pre = officer.post(f"/api/v1/requests/{rid}/searches", json={"kind": "plate", "parameters": {
        "plates": [plate], "window": {"start": start.isoformat(), "end": end.isoformat()}}})
    assert pre.status_code in (200, 201), pre.get_json()
    eid = pre.get_json()["enquiry_id"]
    run = officer.post(f"/api/v1/searches/{eid}/run")
    assert run.status_code == 200, run.get_json()
    assert run.get_json()["passages_kept"] == 1
    return {"id": rid, "enquiry": eid}


def _rows_about(conn, pid: int, at: datetime) -> dict[str, int]:
    return {name: conn.execute(f"SELECT count(*) AS n FROM {table} WHERE passage_id = %s AND "
                               "captured_at = %s", (pid, at)).fetchone()["n"]
            for name, table in TABLES.items()}


@pytest.fixture
def expired_day(app, people, demo_db, database_url):
    """Two passages with photo and crop on a day of their own, blurred by a worker."""
    from detector import queue
    from detector.worker import Worker
    from ingest.partitions import ensure_partition

    vault = photo_vault(app)
    at = (datetime.now(UTC) - timedelta(days=DAYS_AGO)).replace(hour=11, minute=0, second=0,
                                                                 microsecond=0)
    day = at.date()
    tag = uuid.uuid4().hex[:4].upper()
    plates = {"held": f"SH{tag}", "released": f"SR{tag}"}
    out = {"day": day, "start": at - timedelta(hours=1), "end": at + timedelta(hours=1),
           "vault": vault, "plates": plates, "passages": {}}
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        ensure_partition(conn, day)
        src = conn.execute("SELECT p.camera_id, p.geom, p.segment_id, p.country, l.code "
                           "FROM jj126.passage p JOIN camera c ON c.id = p.camera_id "
                           "JOIN location l ON l.id = c.location_id LIMIT 1").fetchone()
        out["location"] = src["code"]
        for n, (which, plate) in enumerate(plates.items()):
            photo, crop = _jpeg(240, 320), _jpeg(40, 160)
            okey, ckey = vault.put(day, photo), vault.put(day, crop)
            row = conn.execute(
                "INSERT INTO jj126.passage (camera_id, captured_at, plate, plate_raw, country,"
                " confidence, geom, overview_key, crop_key, capture_id, segment_id)"
                " VALUES (%s, %s, %s, %s, %s, 0.97, %s, %s, %s, %s, %s)"
                " RETURNING id, captured_at, camera_id, capture_id",
                (src["camera_id"], at + timedelta(minutes=n), plate, plate, src["country"],
                 src["geom"], okey, ckey, f"secured-{tag}-{n}", src["segment_id"])).fetchone()
            queue.enqueue(conn, camera_id=row["camera_id"], captured_at=row["captured_at"],
                          image_key=okey, crop_key=ckey, capture_id=row["capture_id"])
            out["passages"][which] = {"id": row["id"], "at": row["captured_at"], "crop": crop}
        conn.commit()
    Worker(database_url, vault, lambda images: [[] for _ in images], model_version="stub@1",
           discard=vault.supersede).run(drain=True)
    return out


def test_an_open_enquiry_works_from_its_secured_copy(expired_day, login, database_url):
    from ingest.retention import destroy_day

    d = expired_day
    officer = login("officer.mn")
    held = _searched(officer, d, "held", photos=True)
    released = _searched(officer, d, "released", photos=False)
    held_p, rel_p = d["passages"]["held"], d["passages"]["released"]

    # The second request is verified, provided and completed before its day expires.
    assert give_verdicts(officer, released["id"], {rel_p["id"]: "confirmed"}).status_code == 200
    assert officer.post(f"/api/v1/requests/{released['id']}/package").status_code == 200
    assert officer.post(f"/api/v1/requests/{released['id']}/complete").status_code == 200

    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        assert _rows_about(conn, rel_p["id"], rel_p["at"])["verification"] == 1
        report = destroy_day(conn, d["day"], d["vault"])
        assert report.secured == 1
        assert conn.execute("SELECT count(*) AS n FROM jj126.passage WHERE captured_at >= %s "
                            "AND captured_at < %s", (d["start"], d["end"])).fetchone()["n"] == 0
        # Nothing about the released passage is left but the enquiry's count.
        assert _rows_about(conn, rel_p["id"], rel_p["at"]) == dict.fromkeys(TABLES, 0)
        assert conn.execute("SELECT result_count FROM enquiry WHERE id = %s",
                            (released["enquiry"],)).fetchone()["result_count"] == 1

    rid, pid = held["id"], held_p["id"]
    # Verification from the secured copy: the read and its crop, as before expiry.
    reads = officer.get(f"/api/v1/requests/{rid}/reads?page_size=10").get_json()
    assert reads["total"] == 1 and reads["reads"][0]["passage_id"] == pid
    assert reads["reads"][0]["plate"] == d["plates"]["held"]
    crop = officer.get(f"/api/v1/passages/{pid}/crop")
    assert crop.status_code == 200 and crop.data == held_p["crop"]
    assert give_verdicts(officer, rid, {pid: "confirmed"}).status_code == 200

    # Photos: the detector's blurred photo was secured with it, and is approved as before.
    listed = officer.get(f"/api/v1/requests/{rid}/photos").get_json()
    assert listed["total"] == 1 and listed["photos"][0]["photo_state"] == "blurred", listed
    shown = officer.get(f"/api/v1/requests/{rid}/photos/{pid}")
    assert shown.status_code == 200
    assert cv2.imdecode(np.frombuffer(shown.data, np.uint8), cv2.IMREAD_COLOR) is not None
    ok = officer.post(f"/api/v1/requests/{rid}/photos/{pid}/approve",
                      json={"boxes": [[10, 10, 100, 100]]})
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["image_key"].startswith("enquiry/")  # never a new key of a dead day
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        assert conn.execute("SELECT count(*) AS n FROM jj126.image_day_key WHERE day = %s",
                            (d["day"],)).fetchone()["n"] == 0
        sha = conn.execute("SELECT sha256 FROM photo_approval WHERE request_id = %s",
                           (rid,)).fetchone()["sha256"]

    # Provision from the secured copy: the row, its crop and the approved photo.
    pkg = officer.post(f"/api/v1/requests/{rid}/package")
    assert pkg.status_code == 200, pkg.get_json()
    z = zipfile.ZipFile(io.BytesIO(pkg.data))
    manifest = json.loads(z.read("manifest.json"))
    assert manifest["counts"]["photos"] == 1, manifest["counts"]
    assert hashlib.sha256(z.read(f"photos/{pid}.jpg")).hexdigest() == sha
    assert z.read(f"crops/{pid}.jpg") == held_p["crop"]
    csv_name = next(n for n in z.namelist() if n.endswith(".csv"))
    assert d["plates"]["held"] in z.read(csv_name).decode()

    # Completing the request releases the copies: then nothing about it is left either.
    assert officer.post(f"/api/v1/requests/{rid}/complete").status_code == 200
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        assert _rows_about(conn, pid, held_p["at"]) == dict.fromkeys(TABLES, 0)
        assert conn.execute("SELECT count(*) AS n FROM jj126.secured_passage WHERE "
                            "passage_id = %s", (pid,)).fetchone()["n"] == 0
