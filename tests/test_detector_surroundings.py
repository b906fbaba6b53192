"""R8: the surroundings source blurs everything but the detected vehicles and plates.

A person the detectors miss is still blurred when they stand outside the vehicles; a
frame without a detected vehicle is blurred whole but for the plate (fail closed); the
vehicle itself (outside its cabin) stays as it was. The source can be switched off for
one camera or everywhere, which gives back the detection-driven union alone.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

import cv2
import numpy as np
import psycopg
import pytest
from click.testing import CliRunner

from detector.blur import BlurConfig, Detection, blur, block_size, to_blocks
from detector.ocr import Read
from detector.worker import LocalPhotoStore, Worker, WorkerConfig

H, W = 480, 640
VEHICLE = (200.0, 180.0, 440.0, 420.0)
PLATE = (290.0, 370.0, 350.0, 385.0)
PERSON = (30, 150, 90, 330)          # x1, y1, x2, y2 of the drawn person: left of the vehicle
DETS = [Detection("vehicle", 0.9, VEHICLE), Detection("plate", 0.9, PLATE)]


def reads_a_plate(crops):
    """Every plate box here reads as a Dutch plate: these tests are about the regions the
    surroundings source keeps; whether a crop reads as a plate is test_detector_ocr's."""
    return [Read("GN1233", 0.99) for _ in crops]


def _scene(seed: int = 0) -> np.ndarray:
    """Textured background (every block has detail to lose) and a detailed 'person'."""
    rng = np.random.default_rng(seed)
    img = np.clip(rng.normal(120, 35, (H, W, 3)), 0, 255).astype(np.uint8)
    x1, y1, x2, y2 = PERSON
    img[y1:y2, x1:x2] = (60, 90, 200)
    cv2.circle(img, ((x1 + x2) // 2, y1 + 20), 16, (150, 180, 230), -1)
    cv2.circle(img, ((x1 + x2) // 2 - 6, y1 + 16), 3, (10, 10, 10), -1)
    cv2.circle(img, ((x1 + x2) // 2 + 6, y1 + 16), 3, (10, 10, 10), -1)
    img[y1 + 60:y2:6, x1:x2] = (250, 250, 250)                    # stripes: shirt detail
    return img


def _box(box, shape=(H, W)) -> np.ndarray:
    m = np.zeros(shape, bool)
    x1, y1, x2, y2 = (int(round(v)) for v in box)
    m[y1:y2, x1:x2] = True
    return m


def _detail(img: np.ndarray, region: np.ndarray) -> float:
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float64)
    return float(np.abs(cv2.Laplacian(gray, cv2.CV_64F))[region].mean())


def test_a_person_outside_the_vehicles_is_blurred_without_any_person_detection():
    img = _scene()
    res = blur(img, DETS, facing="front", config=BlurConfig(), plates=reads_a_plate)
    person = _box(PERSON)
    assert res.mask[person].all() and (res.sources["surroundings"] > 0)[person].all()
    assert not res.sources["yolo_person"].any()                   # no detector saw them
    assert _detail(res.image, person) < 0.2 * _detail(img, person)
    # the same frame without the source: the missed person stays sharp (the test has teeth)
    off = blur(img, DETS, facing="front", config=BlurConfig(surroundings=False),
               plates=reads_a_plate)
    assert np.array_equal(off.image[person], img[person])


def test_the_vehicle_outside_its_cabin_and_the_plate_stay_untouched():
    img = _scene(1)
    res = blur(img, DETS, facing="front", config=BlurConfig(), plates=reads_a_plate)
    block = block_size((H, W), BlurConfig())
    vehicle = _box(VEHICLE)
    below_cabin = vehicle & ~to_blocks(res.sources["cabin"], block)
    assert below_cabin.sum() > 0.2 * vehicle.sum()      # bonnet, lights, plate, wheels
    assert np.array_equal(res.image[below_cabin], img[below_cabin])
    plate = _box(PLATE)
    assert np.array_equal(res.image[plate], img[plate])
    assert res.mask[_box((200, 200, 440, 260))].all()              # the cabin is blurred
    # what the source leaves sharp is the dilated vehicle, in whole blocks, nothing more
    sharp = res.sources["surroundings"] == 0
    assert sharp[vehicle].all()
    assert sharp.sum() < _box((188, 168, 452, 432)).sum() + 4 * block * (240 + 240 + 2 * block)


def test_no_vehicle_blurs_the_whole_frame():
    img = _scene(2)
    for dets in ([], [Detection("person", 0.9, PERSON)], [Detection("vehicle", 0.1, VEHICLE)]):
        res = blur(img, dets, facing="front", config=BlurConfig())
        assert res.mask.all(), dets                                  # fail closed
        assert res.coverage() == 1.0


def test_no_vehicle_but_a_plate_keeps_only_the_plate_crop_sharp():
    img = _scene(3)
    res = blur(img, [Detection("plate", 0.9, PLATE)], facing="front", config=BlurConfig(),
               plates=reads_a_plate)
    block = block_size((H, W), BlurConfig())
    plate = _box(PLATE)
    assert np.array_equal(res.image[plate], img[plate])            # still readable
    sharp = ~(res.mask > 0)
    assert sharp[plate].all()
    assert sharp.sum() <= (60 * 1.2 + 2 * block) * (15 * 1.2 + 2 * block)
    assert res.mask[_box(PERSON)].all() and res.mask[_box((200, 180, 440, 360))].all()


def test_a_plate_whose_vehicle_was_missed_keeps_only_its_crop():
    other = (460.0, 200.0, 620.0, 360.0)
    dets = [Detection("vehicle", 0.9, other), Detection("plate", 0.9, PLATE)]
    res = blur(_scene(4), dets, facing="front", config=BlurConfig(), plates=reads_a_plate)
    sharp = res.sources["surroundings"] == 0
    assert sharp[_box(PLATE)].all()
    assert not sharp[_box((200, 180, 440, 330))].any()             # the missed vehicle's body
    # sharp regions are earned: a vehicle box holding no plate is blurred like the rest
    assert not sharp[_box((470, 210, 610, 350))].any()


def test_switched_off_the_union_is_the_previous_sources_alone():
    img = _scene(5)
    dets = DETS + [Detection("person", 0.5, (500, 100, 540, 200))]
    res = blur(img, dets, facing="rear", config=BlurConfig(surroundings=False))
    assert "surroundings" not in res.sources
    block = block_size((H, W), BlurConfig())
    union = np.zeros((H, W), bool)
    for m in res.sources.values():
        union |= m > 0
    assert np.array_equal(res.mask > 0, to_blocks(union, block))
    assert np.array_equal(res.image[~(res.mask > 0)], img[~(res.mask > 0)])


def test_the_global_setting():
    from anpr import settings as settings_mod

    assert settings_mod.load({}).detector.surroundings is True
    assert settings_mod.load({"ANPR_DETECTOR_SURROUNDINGS": "false"}).detector.surroundings is False


# -- the worker: per camera and globally ------------------------------------------------------

CAMERA = "DET-SUR-CAM"


@pytest.fixture(scope="module")
def camera(database_url):
    from conftest import add_test_camera, remove_test_cameras

    with psycopg.connect(database_url, autocommit=True) as c:
        add_test_camera(c, "DET-LOC5", "detector surroundings test", CAMERA, lon=5.4, lat=52.4)
    yield CAMERA

    remove_test_cameras(database_url, ["DET-LOC5"])


def _process(database_url, store, config: WorkerConfig, capture: str) -> np.ndarray:
    """One frame of _scene through a real worker whose model 'sees' only the vehicle."""
    from detector import queue

    img = _scene(7)
    with psycopg.connect(database_url, autocommit=True) as c:
        c.execute("DELETE FROM detector_frame WHERE camera_id = %s", (CAMERA,))
        key = store.put(datetime(2026, 11, 27).date(), cv2.imencode(".png", img)[1].tobytes())
        fid = queue.enqueue(c, camera_id=CAMERA, captured_at=datetime(2026, 11, 27, tzinfo=timezone.utc),
                            image_key=key, capture_id=capture)
    w = Worker(database_url, store, lambda imgs: [list(DETS) for _ in imgs], model_version="fake@0",
               config=config, name="surroundings-worker")
    assert w.run(drain=True)["done"] == 1
    with psycopg.connect(database_url) as c:
        (blurred,) = c.execute("SELECT blurred_key FROM detector_frame WHERE id = %s", (fid,)).fetchone()
    return cv2.imdecode(np.frombuffer(store.get(blurred), np.uint8), cv2.IMREAD_COLOR)


def test_worker_blurs_surroundings_unless_the_camera_or_the_unit_switches_it_off(
        database_url, camera, tmp_path):
    from detector.cameras import blur_settings, set_surroundings

    store = LocalPhotoStore(tmp_path)
    img = _scene(7)
    person = _box(PERSON)
    sharp = _detail(img, person)
    with psycopg.connect(database_url) as c:
        assert blur_settings(c, camera) == {"camera": camera, "surroundings": True}
    # default: on
    out = _process(database_url, store, WorkerConfig(), "s-1")
    assert _detail(out, person) < 0.2 * sharp
    # this camera off: the missed person is as sharp as JPEG leaves it, the cabin still blurred
    with psycopg.connect(database_url) as c:
        assert set_surroundings(c, camera, enabled=False, actor="dpo")["surroundings"] is False
        change = c.execute("SELECT actor, action, before, after FROM registry_change WHERE entity = "
                           "'camera' AND entity_key = %s ORDER BY id DESC LIMIT 1", (camera,)).fetchone()
    assert change == ("dpo", "blur", {"camera": camera, "surroundings": True},
                      {"camera": camera, "surroundings": False})
    out = _process(database_url, store, WorkerConfig(), "s-2")
    assert _detail(out, person) > 0.7 * sharp
    cabin = _box((210, 190, 430, 300))
    assert _detail(out, cabin) < 0.3 * _detail(img, cabin)
    # the camera on again, the unit off: off (a camera can only switch it off, not on)
    with psycopg.connect(database_url) as c:
        set_surroundings(c, camera, enabled=True, actor="dpo")
    out = _process(database_url, store, WorkerConfig(blur=BlurConfig(surroundings=False)), "s-3")
    assert _detail(out, person) > 0.7 * sharp
    out = _process(database_url, store, WorkerConfig(), "s-4")
    assert _detail(out, person) < 0.2 * sharp


def test_camera_command_shows_and_switches(database_url, camera, monkeypatch):
    from cli.main import main

    monkeypatch.setenv("DATABASE_URL", database_url)
    runner = CliRunner()
    r = runner.invoke(main, ["detector", "camera", camera, "--no-surroundings", "--actor", "dpo"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == {"camera": camera, "surroundings": False, "global_surroundings": True}
    r = runner.invoke(main, ["detector", "camera", camera, "--surroundings", "--actor", "dpo"])
    assert json.loads(r.output)["surroundings"] is True
    r = runner.invoke(main, ["detector", "camera", "NO-SUCH-CAM"])
    assert r.exit_code == 1 and "no camera NO-SUCH-CAM" in r.output
