"""The frame queue and worker on a real PostGIS database: claims, leases, retries, set-aside,
bad input, and three workers with one killed mid-batch (every frame exactly once)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np
import psycopg
import pytest

from detector import queue
from detector.blur import Detection
from detector.render import render_scene
from detector.worker import LocalPhotoStore, Worker, WorkerConfig

ROOT = Path(__file__).resolve().parent.parent
CAMERA = "DET-TEST-CAM"
CAPTURED = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def qdb(database_url):
    """A registered camera (rear-facing, with a privacy mask) and an empty queue."""
    from conftest import add_test_camera

    with psycopg.connect(database_url, autocommit=True) as c:
        c.execute("DELETE FROM detector_frame")
        add_test_camera(c, "DET-LOC", "detector test", CAMERA, lon=5.1, lat=52.1, bearing=90,
                        inout="in", facing="rear")
        c.execute("DELETE FROM privacy_mask WHERE camera_id = %s", (CAMERA,))
        c.execute("""INSERT INTO privacy_mask (camera_id, label, frame_width, frame_height, geom)
                     VALUES (%s, 'house', 640, 480,
                             ST_GeomFromText('POLYGON((0 0, 200 0, 200 100, 0 100, 0 0))'))""", (CAMERA,))
    return database_url


@pytest.fixture
def store(tmp_path):
    return LocalPhotoStore(tmp_path / "photos")


def _clear(url):
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("DELETE FROM detector_frame")


def _jpeg(img: np.ndarray) -> bytes:
    return cv2.imencode(".jpg", img)[1].tobytes()


def _enqueue(url, store, datas: list[bytes], camera=CAMERA) -> list[int]:
    ids = []
    with psycopg.connect(url, autocommit=True) as c:
        for i, data in enumerate(datas):
            key = store.put(CAPTURED.date(), data) if data is not None else "20261127/missing"
            ids.append(queue.enqueue(c, camera_id=camera, captured_at=CAPTURED, image_key=key,
                                     capture_id=f"{camera}-{i}-{time.monotonic_ns()}"))
    return ids


def stub_detect(images):
    """Queue semantics do not depend on the model: a fixed, known result per frame."""
    return [[Detection("person", 0.9, (20, 20, 60, 90)), Detection("plate", 0.8, (300, 400, 360, 413))]
            for _ in images]


def _frames(url):
    with psycopg.connect(url) as c:
        rows = c.execute("""SELECT f.id, f.state::text, f.attempts, f.last_error, f.blurred_key,
                                   f.lease_owner, (SELECT count(*) FROM detector_detection d
                                                    WHERE d.frame_id = f.id)
                              FROM detector_frame f ORDER BY f.id""").fetchall()
    return rows


def test_enqueue_is_idempotent_per_capture(qdb, store):
    _clear(qdb)
    with psycopg.connect(qdb, autocommit=True) as c:
        a = queue.enqueue(c, camera_id=CAMERA, captured_at=CAPTURED, image_key="k", capture_id="x1")
        b = queue.enqueue(c, camera_id=CAMERA, captured_at=CAPTURED, image_key="k", capture_id="x1")
    assert a is not None and b is None


def test_enqueue_many_skips_duplicates(qdb):
    _clear(qdb)
    rows = [(CAMERA, CAPTURED, f"m{i % 3}", f"20261127/{i}", None) for i in range(6)]
    with psycopg.connect(qdb, autocommit=True) as c:
        queue.enqueue_many(c, rows)
        assert queue.counts(c)["queued"] == 3


def test_worker_blurs_stores_and_records(qdb, store):
    _clear(qdb)
    scene = render_scene(126, "test", 3, condition="day", facing="rear")
    original = scene.image
    [fid] = _enqueue(qdb, store, [_jpeg(original)])
    w = Worker(qdb, store, stub_detect, model_version="stub@1",
               config=WorkerConfig(batch=4), name="w1", discard=store.discard)
    stats = w.run(drain=True)
    assert stats["done"] == 1
    [(id_, state, attempts, err, blurred_key, owner, ndet)] = _frames(qdb)
    assert (state, attempts, err, ndet) == ("done", 1, None, 2)
    out = cv2.imdecode(np.frombuffer(store.get(blurred_key), np.uint8), cv2.IMREAD_COLOR)
    assert out.shape == original.shape
    # the person box and the privacy mask are blurred: high-frequency detail is gone
    def detail(img, ys, xs):
        g = cv2.cvtColor(img[ys, xs], cv2.COLOR_BGR2GRAY).astype(float)
        return np.abs(cv2.Laplacian(g, cv2.CV_64F)).mean()
    person = (slice(20, 90), slice(20, 60))
    house = (slice(0, 100), slice(0, 200))
    assert detail(out, *person) < 0.35 * detail(original, *person) + 1
    assert detail(out, *house) < 0.35 * detail(original, *house) + 1
    with psycopg.connect(qdb) as c:
        mv = c.execute("SELECT DISTINCT model_version FROM detector_detection").fetchall()
        crop_key = c.execute("SELECT plate_crop_key FROM detector_frame WHERE id = %s", (fid,)).fetchone()[0]
    assert mv == [("stub@1",)]
    crop = cv2.imdecode(np.frombuffer(store.get(crop_key), np.uint8), cv2.IMREAD_COLOR)
    assert crop.shape[0] < 30 and crop.shape[1] < 80   # cut from the detected plate
    # the unblurred original is not kept
    with pytest.raises(KeyError):
        store.get(_original_key(qdb, fid))


def _original_key(url, fid):
    with psycopg.connect(url) as c:
        return c.execute("SELECT image_key FROM detector_frame WHERE id = %s", (fid,)).fetchone()[0]


def test_bad_frames_get_reasons_and_the_worker_keeps_going(qdb, store):
    _clear(qdb)
    good = _jpeg(render_scene(126, "test", 4).image)
    import io
    from PIL import Image
    buf = io.BytesIO()
    Image.fromarray((np.arange(64 * 48).reshape(48, 64) * 20).astype(np.uint16)).save(buf, format="PNG")
    sixteen_bit = buf.getvalue()
    datas = [b"\xff\xd8\xff\xe0" + b"\0" * 50, good[: len(good) // 3], b"", b"<html>oops</html>",
             None, sixteen_bit, good]
    ids = _enqueue(qdb, store, datas)
    [unknown] = _enqueue(qdb, store, [good + b"x"], camera="NO-SUCH-CAMERA")
    w = Worker(qdb, store, stub_detect, model_version="stub@1", config=WorkerConfig(batch=3), name="w")
    w.run(drain=True)
    got = {r[0]: r for r in _frames(qdb)}
    reasons = {i: got[i][3] for i in ids + [unknown]}
    assert got[ids[0]][1] == "failed" and "corrupt" in reasons[ids[0]] or "not an image" in reasons[ids[0]]
    assert got[ids[1]][1] == "failed" and "truncated" in reasons[ids[1]]
    assert got[ids[2]][1] == "failed" and "empty" in reasons[ids[2]]
    assert got[ids[3]][1] == "failed" and "not an image" in reasons[ids[3]]
    assert got[ids[4]][1] == "failed" and "not in the photo store" in reasons[ids[4]]
    assert got[ids[5]][1] == "done"          # 16-bit infrared: normalised, processed
    assert got[ids[6]][1] == "done"
    assert got[unknown][1] == "failed" and "not in the registry" in reasons[unknown]
    assert all(got[i][2] == 1 for i in ids)  # permanent failures are not retried


def test_transient_errors_back_off_then_set_aside(qdb, store):
    _clear(qdb)

    class Flaky(LocalPhotoStore):
        def get(self, key):
            raise OSError("store unreachable")

    [fid] = _enqueue(qdb, store, [b"whatever"])
    w = Worker(qdb, Flaky(store.root), stub_detect, model_version="stub@1",
               config=WorkerConfig(max_attempts=3, backoff_seconds=1.0), name="w")
    with psycopg.connect(qdb, autocommit=True) as c:
        assert w.run_once(c) == 1
        state, attempts, err, *_ = _frames(qdb)[0][1:]
        assert (state, attempts) == ("queued", 1) and "store unreachable" in err
        assert w.run_once(c) == 0            # backing off: not due yet
        waits = [_due_in(c)]
        while _frames(qdb)[0][1] == "queued":
            while w.run_once(c) == 0:
                time.sleep(0.05)
            if _frames(qdb)[0][1] == "queued":
                waits.append(_due_in(c))
        state, attempts, err = _frames(qdb)[0][1:4]
    assert (state, attempts) == ("failed", 3) and "store unreachable" in err
    assert 0.3 < waits[0] <= 1.0 and 1.3 < waits[1] <= 2.0   # back-off doubles


def _due_in(c) -> float:
    return float(c.execute("SELECT extract(epoch FROM available_at - now()) FROM detector_frame"
                           ).fetchone()[0])


def test_expired_lease_is_reclaimed_and_stale_completion_discarded(qdb, store):
    _clear(qdb)
    _enqueue(qdb, store, [_jpeg(render_scene(1, "test", 0).image)])
    with psycopg.connect(qdb, autocommit=True) as c:
        [first] = queue.claim(c, "dead", batch=5, lease_seconds=0.2)
        assert queue.claim(c, "other", batch=5, lease_seconds=30) == []   # leased
        time.sleep(0.3)
        [second] = queue.claim(c, "other", batch=5, lease_seconds=30)
        assert second.id == first.id and second.token != first.token and second.attempts == 2
        assert not queue.complete(c, first, stub_detect([0])[0], model_version="m",
                                  blurred_key="a", plate_crop_key=None)
        assert queue.complete(c, second, stub_detect([0])[0], model_version="m",
                              blurred_key="b", plate_crop_key=None)
    [(_, state, attempts, _, key, _, ndet)] = _frames(qdb)
    assert (state, key, ndet) == ("done", "b", 2)


def test_frame_that_keeps_killing_workers_is_set_aside(qdb, store):
    _clear(qdb)
    _enqueue(qdb, store, [b"x"])
    with psycopg.connect(qdb, autocommit=True) as c:
        for _ in range(2):
            assert len(queue.claim(c, "dies", batch=1, lease_seconds=0.05, max_attempts=2)) == 1
            time.sleep(0.1)
        assert queue.claim(c, "next", batch=1, lease_seconds=5, max_attempts=2) == []
    state, attempts, err = _frames(qdb)[0][1:4]
    assert state == "failed" and attempts == 2 and "lease expired" in err


WORKER = """
import json, sys, time
import psycopg
from detector import queue
from detector.blur import Detection
from detector.worker import LocalPhotoStore, Worker, WorkerConfig
url, root, name, delay = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
def detect(images):
    time.sleep(delay * len(images))
    return [[Detection("person", 0.9, (20, 20, 60, 90)), Detection("plate", 0.8, (300, 400, 360, 413))]
            for _ in images]
w = Worker(url, LocalPhotoStore(root), detect, model_version="stub@1", name=name,
           config=WorkerConfig(batch=4, lease_seconds=8.0))
with psycopg.connect(url, autocommit=True) as conn:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if w.run_once(conn) == 0:
            left = queue.counts(conn)
            if left["queued"] == 0 and left["processing"] == 0:
                break
            time.sleep(0.2)
print(json.dumps(w.stats))
"""


@pytest.mark.slow
def test_three_workers_one_killed_mid_batch_every_frame_exactly_once(qdb, store):
    _clear(qdb)
    n = 36
    frames = [_jpeg(render_scene(126, "queue", i, width=320, height=240).image) for i in range(n)]
    ids = _enqueue(qdb, store, frames)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def start(name, delay):
        return subprocess.Popen([sys.executable, "-c", WORKER, qdb, str(store.root), name, str(delay)],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    victim = start("victim", 30.0)        # slow: it will hold its batch when killed
    deadline = time.monotonic() + 60
    while not any(r[5] == "victim" for r in _frames(qdb)):
        if victim.poll() is not None or time.monotonic() > deadline:
            victim.kill()
            pytest.fail(f"the first worker never claimed: {victim.communicate()[1][-2000:]}")
        time.sleep(0.1)
    held = [r[0] for r in _frames(qdb) if r[5] == "victim"]
    assert held and all(r[1] == "processing" for r in _frames(qdb) if r[0] in held)
    others = [start("w2", 0.02), start("w3", 0.02)]
    time.sleep(0.5)
    victim.send_signal(signal.SIGKILL)     # mid-batch: claimed, nothing finished
    victim.communicate(timeout=10)
    results = [p.communicate(timeout=180) for p in others]
    assert all(p.returncode == 0 for p in others), [err[-2000:] for _, err in results]
    outs = [json.loads(out.strip().splitlines()[-1]) for out, _ in results]
    rows = {r[0]: r for r in _frames(qdb)}
    assert set(rows) == set(ids)
    assert all(r[1] == "done" for r in rows.values()), {i: r[1:4] for i, r in rows.items() if r[1] != "done"}
    assert all(r[6] == 2 for r in rows.values())          # detections recorded exactly once
    assert sum(o["done"] for o in outs) == n               # each frame finished by exactly one worker
    assert all(rows[i][2] == 2 for i in held)              # the victim's frames were taken over
    assert all(r[2] == 1 for i, r in rows.items() if i not in held)
    assert all(o["done"] > 0 for o in outs)                # both survivors shared the work


def test_purge_forgets_frames_and_detections_past_retention(qdb, store):
    from datetime import timedelta

    _clear(qdb)
    [fid] = _enqueue(qdb, store, [_jpeg(render_scene(2, "test", 0).image)])
    Worker(qdb, store, stub_detect, model_version="stub@1", name="w").run(drain=True)
    with psycopg.connect(qdb, autocommit=True) as c:
        assert queue.purge(c, CAPTURED) == 0
        assert queue.purge(c, CAPTURED + timedelta(seconds=1)) == 1
        assert c.execute("SELECT count(*) FROM detector_detection WHERE frame_id = %s",
                         (fid,)).fetchone()[0] == 0


@pytest.fixture(scope="module", autouse=True)
def _leave_the_registry_as_found(database_url):
    yield
    from conftest import remove_test_cameras

    remove_test_cameras(database_url, ["DET-LOC"])
