"""Intake feeds the detector, and only the detector's blurred photo is ever shown (R8).

Intake (HTTP and bulk) queues exactly one detector frame per passage it stores with an
overview photo, in the passage's own transaction, in one statement per batch; nothing
for duplicates, rejected records or passages without a photo. Casework shows and
provides the detector's blurred overview; before the detector is done the photo endpoint
answers 409 with the state (blurring pending, set aside), never the original. Once a
frame is done its original is superseded (unless a unit keeps originals): the original's
key then answers with the blurred photo, so retention and later readers never meet the
unblurred pixels, and an original shared by a frame still waiting is kept for it.
"""
from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import cv2
import numpy as np
import psycopg
import pytest
from psycopg.rows import dict_row

from casework_support import on_page
from detector import queue
from detector.blur import Detection
from detector.worker import Worker, WorkerConfig
from ingest.devices import add_device
from ingest.images import FileStore, Keyring, PhotoVault, master_key, open_store
from intake_support import cams, count, iconn, intake_url, record  # noqa: F401  (fixtures)
from intake_support import intake_app as make_intake_app

UTC = timezone.utc
URL = "/api/v1/intake/passages"
W, H = 320, 240
PERSON = (40, 30, 140, 200)   # where the stub detector "sees" a person, in pixels


def noise_jpeg() -> bytes:
    """A photo full of fine detail, unique per call (the store is content-addressed and
    outlives the test databases)."""
    img = np.random.default_rng().integers(0, 256, (H, W, 3), dtype=np.uint8)
    ok, enc = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    return enc.tobytes()


def stub_detect(images):
    """The model is tested elsewhere; here a fixed person box makes the blur visible."""
    return [[Detection("person", 0.9, PERSON)] for _ in images]


def detail(data: bytes) -> float:
    """High-frequency detail inside the person box (what blurring destroys)."""
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE).astype(float)
    x1, y1, x2, y2 = PERSON
    return float(np.abs(cv2.Laplacian(img[y1:y2, x1:x2], cv2.CV_64F)).mean())


def post(http, key, records, images=None):
    data = {"records": json.dumps(records)}
    for name, blob in (images or {}).items():
        data[name] = (io.BytesIO(blob), name)
    return http.post(URL, data=data, headers={"Authorization": f"Bearer {key}"},
                     content_type="multipart/form-data")


def frames_of(conn, prefix: str) -> list[dict]:
    return conn.execute(
        "SELECT id, camera_id, capture_id, captured_at, image_key, crop_key, state::text AS state"
        " FROM detector_frame WHERE capture_id LIKE %s ORDER BY capture_id",
        (prefix + "%",)).fetchall()


def app_vault(app) -> PhotoVault:
    """The vault intake and casework of ``app`` use (same store, same master key)."""
    s = app.config["ANPR_SETTINGS"]
    home = app.config.get("ANPR_HOME") or s.database.home
    return PhotoVault(open_store(s.intake, home),
                      Keyring(app.config["DATABASE_URL"], master_key(s.intake, home)))


# -- intake queues frames (own intake database) ----------------------------------------------

@pytest.fixture(scope="module")
def intake_app(intake_url, tmp_path_factory):
    app = make_intake_app(intake_url, tmp_path_factory.mktemp("detector-intake"), max_batch=50)
    yield app
    app.extensions["anpr_pool"].close()


@pytest.fixture(scope="module")
def device_key(intake_url, cams):
    with psycopg.connect(intake_url) as c:
        _, key = add_device(c, "detector intake gantry", camera=cams["fixed"]["id"])
        c.commit()
    return key


def test_http_intake_queues_one_frame_per_stored_overview(intake_app, device_key, cams, iconn):
    http = intake_app.test_client()
    tag = f"dq{uuid.uuid4().hex[:8]}"
    recs = [record(cams["fixed"], 0, capture_id=f"{tag}-0", overview="o0.jpg", crop="c0.jpg"),
            record(cams["fixed"], 1, capture_id=f"{tag}-1", overview="o1.jpg"),
            record(cams["fixed"], 2, capture_id=f"{tag}-2")]              # no photo
    images = {"o0.jpg": noise_jpeg(), "c0.jpg": noise_jpeg(), "o1.jpg": noise_jpeg()}
    r = post(http, device_key, recs, images)
    assert r.status_code == 200 and r.json["accepted"] == 3, r.json
    frames = frames_of(iconn, tag)
    assert [f["capture_id"] for f in frames] == [f"{tag}-0", f"{tag}-1"]
    for f in frames:
        p = iconn.execute("SELECT camera_id, captured_at, overview_key, crop_key FROM jj126.passage"
                          " WHERE capture_id = %s", (f["capture_id"],)).fetchone()
        assert (f["camera_id"], f["captured_at"], f["image_key"], f["crop_key"], f["state"]) == \
            (p["camera_id"], p["captured_at"], p["overview_key"], p["crop_key"], "queued")
    assert frames[0]["crop_key"] is not None and frames[1]["crop_key"] is None

    # A retry stores nothing and queues nothing; a mixed batch queues only the new one.
    again = post(http, device_key, recs, images)
    assert again.status_code == 200 and again.json["duplicates"] == 3
    mixed = [recs[0], record(cams["fixed"], 3, capture_id=f"{tag}-3", overview="o3.jpg")]
    r = post(http, device_key, mixed, {"o0.jpg": images["o0.jpg"], "c0.jpg": images["c0.jpg"],
                                       "o3.jpg": noise_jpeg()})
    assert r.status_code == 200 and (r.json["accepted"], r.json["duplicates"]) == (1, 1)
    after = frames_of(iconn, tag)
    assert [f["capture_id"] for f in after] == [f"{tag}-0", f"{tag}-1", f"{tag}-3"]
    assert [f["id"] for f in after[:2]] == [f["id"] for f in frames]

    # A refused batch (one bad record) stores no passage and queues no frame.
    bad = f"{tag}b"
    refused = [record(cams["fixed"], 4, capture_id=f"{bad}-0", overview="o4.jpg"),
               record(cams["fixed"], 5, capture_id=f"{bad}-1", overview="o5.jpg", plate="<x>")]
    r = post(http, device_key, refused, {"o4.jpg": noise_jpeg(), "o5.jpg": noise_jpeg()})
    assert r.status_code == 422
    assert count(iconn, capture_prefix=bad) == 0 and frames_of(iconn, bad) == []
    iconn.execute("DELETE FROM detector_frame WHERE capture_id LIKE %s", (tag + "%",))
    iconn.commit()


def test_frames_are_queued_in_the_passages_transaction(intake_app, cams, intake_url):
    """Rolled back with the batch, invisible to others until the batch commits."""
    from ingest.intake import intake_batch

    tag = f"dt{uuid.uuid4().hex[:8]}"
    vault = app_vault(intake_app)
    with psycopg.connect(intake_url, row_factory=dict_row) as c, \
            psycopg.connect(intake_url, row_factory=dict_row, autocommit=True) as other:
        out = intake_batch(c, [record(cams["fixed"], 0, capture_id=f"{tag}-0", overview="o.jpg")],
                           {"o.jpg": noise_jpeg()}, intake_app.config["ANPR_SETTINGS"],
                           allowed=None, vault=vault)
        assert out.accepted == 1
        assert len(frames_of(c, tag)) == 1 and frames_of(other, tag) == []
        c.rollback()
        assert frames_of(c, tag) == [] and count(c, capture_prefix=tag) == 0


def test_enqueue_many_is_one_statement_whatever_the_batch(intake_url, cams):
    class OneStatement:
        def __init__(self, conn):
            self.conn, self.statements = conn, 0

        def execute(self, *args, **kw):
            self.statements += 1
            return self.conn.execute(*args, **kw)

        def cursor(self, *args, **kw):
            raise AssertionError("enqueue_many must not loop over rows")

    tag = f"dm{uuid.uuid4().hex[:8]}"
    at = datetime.now(UTC)
    rows = [(cams["fixed"]["id"], at, f"{tag}-{i % 700}", f"{at:%Y%m%d}/{i}", None)
            for i in range(1000)]
    with psycopg.connect(intake_url) as c:
        spy = OneStatement(c)
        assert queue.enqueue_many(spy, rows) == 700   # duplicates within the batch skipped
        assert spy.statements == 1
        assert queue.enqueue_many(spy, rows[:10]) == 0  # already queued
        c.rollback()


def test_bulk_import_queues_frames_for_stored_passages_only(intake_app, cams, iconn, tmp_path,
                                                            monkeypatch):
    import ingest.importer as importer

    tag = f"di{uuid.uuid4().hex[:8]}"
    photos = tmp_path / "photos"
    photos.mkdir()
    recs = []
    for i in range(5):
        (photos / f"o{i}.jpg").write_bytes(noise_jpeg())
        recs.append(record(cams["fixed"], i, capture_id=f"{tag}-{i}", overview=f"o{i}.jpg"))
    (photos / "c0.jpg").write_bytes(noise_jpeg())
    recs[0]["crop"] = "c0.jpg"
    recs[3]["plate"] = "??"                                               # rejected
    recs.append(record(cams["fixed"], 9, capture_id=f"{tag}-9"))          # no photo
    # the camera's counter restarted: capture id 1 again, an hour later, another passage
    (photos / "o1b.jpg").write_bytes(noise_jpeg())
    recs.append(record(cams["fixed"], 11, capture_id=f"{tag}-1", overview="o1b.jpg",
                       at=datetime.now(timezone.utc) - timedelta(minutes=20)))
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    settings = intake_app.config["ANPR_SETTINGS"]
    settings = replace(settings, intake=replace(settings.intake, batch_rows=2))
    calls = []
    real = importer.enqueue_many

    def spy(conn, frames):
        calls.append(len(frames))
        return real(conn, frames)

    monkeypatch.setattr(importer, "enqueue_many", spy)
    vault = app_vault(intake_app)
    summary = importer.import_passages(iconn, path, settings, images_dir=photos, vault=vault)
    assert summary.accepted == 6 and summary.rejected_total == 1
    assert summary.to_dict()["frames_queued"] == 5
    assert calls == [2, 2, 1, 0]        # one call per batch of 2 valid records (the last: none)
    frames = frames_of(iconn, tag)
    assert sorted(f["capture_id"] for f in frames) == [f"{tag}-{i}" for i in (0, 1, 1, 2, 4)]
    # each passage's own frame, a reused capture id's too (R8: none left unblurred)
    stored = {(r["capture_id"], r["captured_at"]): r["overview_key"] for r in iconn.execute(
        "SELECT capture_id, captured_at, overview_key FROM jj126.passage"
        " WHERE capture_id LIKE %s", (tag + "%",))}
    assert all(f["image_key"] == stored[f["capture_id"], f["captured_at"]] for f in frames)
    assert len({f["image_key"] for f in frames}) == 5

    # A rerun of the file stores nothing again and queues nothing again.
    calls.clear()
    again = importer.import_passages(iconn, path, settings, images_dir=photos, vault=vault)
    assert again.duplicates == 6 and again.to_dict()["frames_queued"] == 0
    assert len(frames_of(iconn, tag)) == 5
    iconn.execute("DELETE FROM detector_frame WHERE capture_id LIKE %s", (tag + "%",))
    iconn.commit()


def test_bulk_import_stores_the_photos_of_stored_passages_only(intake_app, cams, iconn,
                                                               tmp_path):
    """R8: a rerun of an import file whose photos were re-encoded since (other bytes, the
    same records: duplicates) stores no photo, and a record whose passage is not stored
    leaves no photo either; only the photos the stored passages refer to, each queued for
    the detector, are in the store (as HTTP intake does)."""
    import ingest.importer as importer

    tag = f"dp{uuid.uuid4().hex[:8]}"
    photos = tmp_path / "photos"
    photos.mkdir()
    recs = []
    for i in range(3):
        (photos / f"o{i}.jpg").write_bytes(noise_jpeg())
        recs.append(record(cams["fixed"], i, capture_id=f"{tag}-{i}", overview=f"o{i}.jpg"))
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    settings = intake_app.config["ANPR_SETTINGS"]
    store_root = tmp_path / "store"
    vault = PhotoVault(FileStore(store_root), app_vault(intake_app).keyring)

    def objects() -> set[str]:
        return {str(f.relative_to(store_root)) for f in store_root.rglob("*") if f.is_file()}

    first = importer.import_passages(iconn, path, settings, images_dir=photos, vault=vault)
    assert first.accepted == 3
    stored = objects()
    assert stored == {f["image_key"] for f in frames_of(iconn, tag)}
    # The same records again, their photos re-encoded: duplicates, nothing stored.
    for i in range(3):
        (photos / f"o{i}.jpg").write_bytes(noise_jpeg())
    again = importer.import_passages(iconn, path, settings, images_dir=photos, vault=vault)
    assert again.duplicates == 3 and again.accepted == 0
    assert objects() == stored
    iconn.execute("DELETE FROM detector_frame WHERE capture_id LIKE %s", (tag + "%",))
    iconn.commit()


# -- retiring originals ----------------------------------------------------------------------

def test_shared_original_is_retired_after_its_last_frame_or_kept_by_setting(intake_app, intake_url,
                                                                            cams, tmp_path):
    # A store of its own, with the day keys of the intake database (one master key).
    vault = PhotoVault(FileStore(tmp_path / "store"), app_vault(intake_app).keyring)
    tag = f"ds{uuid.uuid4().hex[:8]}"
    camera = cams["fixed"]["id"]
    at = datetime.now(UTC) - timedelta(minutes=5)
    original = noise_jpeg()
    key = vault.put(at.date(), original)
    with psycopg.connect(intake_url, autocommit=True) as c:
        c.execute("UPDATE detector_frame SET state = 'failed', last_error = 'left by another"
                  " test' WHERE state IN ('queued', 'processing')")
        for i in range(2):   # two passages whose cameras sent the very same bytes
            queue.enqueue(c, camera_id=camera, captured_at=at, image_key=key,
                          capture_id=f"{tag}-{i}")
        worker = Worker(intake_url, vault, stub_detect, model_version="stub@1", name="ds",
                        config=WorkerConfig(batch=1), discard=vault.supersede)
        assert worker.run_once(c) == 1
        first = c.execute("SELECT blurred_key FROM detector_frame WHERE capture_id = %s",
                          (f"{tag}-0",)).fetchone()[0]
        # The second frame still needs the original: it is kept for it.
        assert vault.successor(key) is None and vault.get(key) == original
        assert worker.run_once(c) == 1
        second = c.execute("SELECT blurred_key FROM detector_frame WHERE capture_id = %s",
                           (f"{tag}-1",)).fetchone()[0]
        assert first and second
        # Now nothing needs it: the original's pixels are gone, its key answers blurred.
        assert vault.successor(key) == second
        assert vault.get(key) == vault.get(second) != original
        raw = (tmp_path / "store" / key).read_bytes()
        assert original[:64] not in raw and len(raw) < 200     # a sealed pointer, no pixels
        # Retention securing an enquiry's results copies the blurred photo, not the original.
        ref = f"ENQ-{tag}"
        assert vault.get_secured(vault.secure(key, ref), ref) == vault.get(second)

        # A unit that keeps originals (ANPR_DETECTOR_KEEP_ORIGINALS) keeps them.
        kept = noise_jpeg()
        kept_key = vault.put(at.date(), kept)
        queue.enqueue(c, camera_id=camera, captured_at=at, image_key=kept_key,
                      capture_id=f"{tag}-k")
        keeper = Worker(intake_url, vault, stub_detect, model_version="stub@1", name="keep",
                        config=WorkerConfig(batch=1, keep_originals=True),
                        discard=vault.supersede)
        assert keeper.run_once(c) == 1
        state, blurred = c.execute("SELECT state::text, blurred_key FROM detector_frame"
                                   " WHERE capture_id = %s", (f"{tag}-k",)).fetchone()
        assert state == "done" and blurred != kept_key
        assert vault.successor(kept_key) is None and vault.get(kept_key) == kept
        c.execute("DELETE FROM detector_frame WHERE capture_id LIKE %s", (tag + "%",))


# -- casework shows the blurred photo (session database, demo registry) ----------------------

@pytest.fixture(scope="module")
def demo_camera(database_url, demo_db) -> dict:
    from camera_registry.membership import cameras_in_plan

    with psycopg.connect(database_url, row_factory=dict_row) as c:
        in_plan = cameras_in_plan(c, datetime.now(UTC))
        rows = c.execute("""SELECT c.id, ST_X(l.geom) AS lon, ST_Y(l.geom) AS lat
                              FROM camera c JOIN location l ON l.id = c.location_id
                             WHERE c.mounting = 'fixed' ORDER BY c.id""").fetchall()
        cam = next(r for r in rows if r["id"] in in_plan)
        _, key = add_device(c, "detector casework gantry", camera=cam["id"])
        c.commit()
    return {**cam, "key": key}


def test_the_photo_a_search_shows_is_the_blurred_one(app, login, demo_camera, database_url):
    from tests.conftest import confirmed_request

    plate = "BL" + uuid.uuid4().hex[:6].upper()
    tag = f"dc{uuid.uuid4().hex[:8]}"
    now = datetime.now(UTC)
    originals = [noise_jpeg(), noise_jpeg()]
    # With plate crops: a read without one cannot be verified (R7).
    recs = [record(demo_camera, i, capture_id=f"{tag}-{i}", plate=plate, overview=f"o{i}.jpg",
                   crop=f"c{i}.jpg", at=now - timedelta(minutes=20 - i)) for i in range(2)]
    r = post(app.test_client(), demo_camera["key"], recs,
             {**{f"o{i}.jpg": data for i, data in enumerate(originals)},
              **{f"c{i}.jpg": noise_jpeg() for i in range(2)}})
    assert r.status_code == 200 and r.json["accepted"] == 2, r.json

    officer = login("officer.mn")
    rid = confirmed_request(officer, plates=[plate], photos=True, days=1)
    pre = officer.post(f"/api/v1/requests/{rid}/searches", json={"kind": "plate", "parameters": {
        "plates": [plate], "window": {"start": (now - timedelta(hours=1)).isoformat(),
                                      "end": now.isoformat()}}}).get_json()
    assert officer.post(f"/api/v1/searches/{pre['enquiry_id']}/run").get_json()[
        "passages_kept"] == 2
    page = officer.get(f"/api/v1/requests/{rid}/reads?page_size=10").get_json()
    assert officer.post(f"/api/v1/requests/{rid}/verdicts", json=on_page(page, [
        {"passage_id": x["passage_id"], "captured_at": x["captured_at"], "verdict": "confirmed"}
        for x in page["reads"]])).status_code == 200
    by_capture = {}
    with psycopg.connect(database_url, row_factory=dict_row) as c:
        for p in c.execute("SELECT id, capture_id, overview_key FROM jj126.passage"
                           " WHERE plate = %s", (plate,)):
            by_capture[p["capture_id"]] = p
    first, second = by_capture[f"{tag}-0"], by_capture[f"{tag}-1"]
    base = f"/api/v1/requests/{rid}/photos"

    # Before the detector ran: listed as pending, never served, not approvable, no package.
    page = officer.get(base).get_json()
    assert {p["photo_state"] for p in page["photos"]} == {"pending"} and page["pending"] == 2
    refused = officer.get(f"{base}/{first['id']}")
    assert refused.status_code == 409 and refused.mimetype == "application/json"
    body = refused.get_json()
    assert body["error"] == "photo_not_blurred" and body["details"]["photo_state"] == "pending"
    assert "blurring pending" in body["message"]
    assert officer.post(f"{base}/{first['id']}/approve", json={"boxes": []}).status_code == 409
    package = officer.post(f"/api/v1/requests/{rid}/package")
    assert package.status_code == 409 and "blurring pending" in package.get_json()["message"]

    # The detector sets the second photo aside (as it does with a frame it cannot read),
    # and a worker blurs the first.
    with psycopg.connect(database_url, autocommit=True) as c:
        c.execute("UPDATE detector_frame SET state = 'failed', last_error = 'corrupt or"
                  " truncated image: test' WHERE capture_id = %s", (f"{tag}-1",))
    vault = app_vault(app)
    stats = Worker(database_url, vault, stub_detect, model_version="stub@1", name="dc",
                   discard=vault.supersede).run(drain=True)
    assert stats["done"] >= 1
    with psycopg.connect(database_url) as c:
        state, blurred_key = c.execute("SELECT state::text, blurred_key FROM detector_frame"
                                       " WHERE capture_id = %s", (f"{tag}-0",)).fetchone()
    assert state == "done"

    shown = officer.get(f"{base}/{first['id']}")
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
    assert shown.data == vault.get(blurred_key) != originals[0]
    assert detail(shown.data) < 0.35 * detail(originals[0])     # the person is unrecognisable
    # The original is gone from the store: its key now answers with the blurred photo.
    assert vault.successor(first["overview_key"]) == blurred_key
    assert vault.get(first["overview_key"]) == shown.data

    aside = officer.get(f"{base}/{second['id']}")
    assert aside.status_code == 409 and aside.get_json()["details"]["photo_state"] == "set_aside"
    assert "corrupt or truncated image" in aside.get_json()["message"]
    page = officer.get(base).get_json()
    # The set-aside photo is not in the grid to approve: it is listed apart, with why.
    assert {p["passage_id"]: p["photo_state"] for p in page["photos"]} == {first["id"]: "blurred"}
    (gone,) = page["unavailable"]
    assert gone["passage_id"] == second["id"] and gone["photo_state"] == "set_aside"
    assert "corrupt or truncated image" in gone["reason"]
    everything = officer.get(base + "?all=1").get_json()
    states = {p["passage_id"]: p["photo_state"] for p in everything["photos"]}
    assert states == {first["id"]: "blurred", second["id"]: "set_aside"}
    assert (page["remaining"], page["pending"], page["not_available"]) == (1, 0, 1)

    # Approved and provided: the package holds the blurred photo; the set-aside one is
    # "not available", and no file in it is an unblurred original.
    assert officer.post(f"{base}/{first['id']}/approve", json={"boxes": []}).status_code == 200
    package = officer.post(f"/api/v1/requests/{rid}/package")
    assert package.status_code == 200, package.get_json()
    z = zipfile.ZipFile(io.BytesIO(package.data))
    manifest = json.loads(z.read("manifest.json"))
    assert manifest["counts"]["photos"] == 1 and manifest["counts"]["not_available_images"] == 1
    assert f"photos/{first['id']}.jpg" in z.namelist()
    assert f"photos/{second['id']}.jpg" not in z.namelist()
    digests = {hashlib.sha256(z.read(n)).hexdigest() for n in z.namelist()}
    assert not digests & {hashlib.sha256(o).hexdigest() for o in originals}
