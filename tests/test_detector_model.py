"""The shipped model on a small fixed held-out sample, and a real worker run with it.

The sample is the renderer's ``test`` split for seed 126: training used only the
``train`` split (and ``val`` for model selection), so the model has never seen these
scenes. What matters for R8 is the union of blur sources; the raw model's recall is
measured against the project target too.
"""
from __future__ import annotations

from datetime import datetime, timezone

import cv2
import numpy as np
import psycopg
import pytest

from detector.dataset import write_dataset
from detector.render import render_scene
from detector.train import SHIPPED_MODEL

RECALL_TARGET = 0.98
LEAKAGE_TARGET = 0.01
SAMPLE = 40
# The shipped model (5 epochs from scratch, then 1.75 h of fine-tuning on renders with
# hard cases, all on the shared CPU) runs at the 448 px its card names: person recall on
# this sample 0.986 (144 of 146), 0.988 on the 150 held-out frames of docs/detector.md. At
# 416 px it was 0.973 here (142 of 146) and 0.980 there: the card says why 448 was chosen.
# The union of blur sources meets the leakage target; without the surroundings source the
# detection-driven sources alone cover 1.0 of persons here (leakage 0.0016).


@pytest.fixture(scope="module")
def detector():
    from detector.detect import Detector

    assert SHIPPED_MODEL.is_file(), "the shipped model is missing"
    return Detector(SHIPPED_MODEL)


@pytest.fixture(scope="module")
def report(detector, tmp_path_factory):
    from detector.evaluate import evaluate

    data = write_dataset(tmp_path_factory.mktemp("heldout"), seed=126, train=0, val=0, test=SAMPLE)
    return evaluate(detector, data, hog=False, standard=False)


def test_model_card_is_shipped_beside_the_model():
    import json

    card = json.loads(SHIPPED_MODEL.with_suffix(".json").read_text())
    assert card["data"]["held_out"] == "test" and card["training"]["seed"] == 126
    assert SHIPPED_MODEL.stat().st_size < 10e6


def test_union_of_blur_sources_covers_persons(report):
    blur = report["blur"]
    assert blur["persons"] > 30
    assert blur["persons_covered"]["union"] >= blur["persons_covered"]["without_surroundings"]
    assert blur["persons_covered"]["union"] >= blur["persons_covered"]["only_yolo_person"]
    assert blur["persons_covered"]["union"] >= RECALL_TARGET, blur
    assert blur["leakage"]["union"] <= LEAKAGE_TARGET, blur


def test_plate_recall_meets_target(report):
    assert report["per_class"]["plate"]["recall_at_threshold"] >= RECALL_TARGET, report["per_class"]


def test_person_recall_meets_target(report):
    assert report["per_class"]["person"]["recall_at_threshold"] >= RECALL_TARGET, report["per_class"]


def test_worker_with_the_real_model_leaves_no_person_detail(database_url, detector, tmp_path):
    """R8 end to end: frame -> queue -> worker (real model) -> blurred photo in the store.
    Fails if blurring is switched off: person pixels keep their detail then."""
    from detector import queue
    from detector.worker import LocalPhotoStore, Worker, WorkerConfig

    store = LocalPhotoStore(tmp_path)
    scene = render_scene(126, "test", 7, condition="day", facing="front")
    assert scene.person_mask.any()
    from conftest import add_test_camera

    with psycopg.connect(database_url, autocommit=True) as c:
        c.execute("DELETE FROM detector_frame")
        add_test_camera(c, "DET-LOC2", "detector model test", "DET-MODEL-CAM", lon=5.2, lat=52.2)
        key = store.put(datetime(2026, 11, 27).date(), cv2.imencode(".png", scene.image)[1].tobytes())
        fid = queue.enqueue(c, camera_id="DET-MODEL-CAM", captured_at=datetime(2026, 11, 27, tzinfo=timezone.utc),
                            image_key=key, capture_id="model-1")
    w = Worker(database_url, store, detector, model_version=detector.version,
               config=WorkerConfig(batch=2), name="model-worker")
    assert w.run(drain=True)["done"] == 1
    with psycopg.connect(database_url) as c:
        blurred_key, version = c.execute(
            "SELECT blurred_key, model_version FROM detector_frame WHERE id = %s", (fid,)).fetchone()
        classes = {r[0] for r in c.execute(
            "SELECT cls FROM detector_detection WHERE frame_id = %s AND model_version = %s",
            (fid, detector.version))}
    assert version == detector.version and "plate" in classes
    out = cv2.imdecode(np.frombuffer(store.get(blurred_key), np.uint8), cv2.IMREAD_COLOR)
    person = scene.person_mask > 0
    lap = lambda img: np.abs(cv2.Laplacian(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(float), cv2.CV_64F))
    assert lap(out)[person].mean() < 0.3 * lap(scene.image)[person].mean()
    assert np.abs(out[person].astype(int) - scene.image[person]).mean() > 3


def test_detection_driven_sources_cover_at_least_the_measured_floor(report):
    """A regression guard below what the detectors themselves reach (1.0 covered,
    leakage 0.0016, person recall 0.986 on this sample), measured without the surroundings
    source so that it cannot hide a worse person detector or cabin; persons inside a
    vehicle's box depend on them alone."""
    assert report["blur"]["persons_covered"]["without_surroundings"] >= 0.97
    assert report["blur"]["leakage"]["without_surroundings"] <= 0.01
    assert report["per_class"]["person"]["recall_at_threshold"] >= 0.95


def test_no_rendered_head_keeps_its_detail(report):
    """The real photos' per-face figure on the held-out renders: the detail kept in every
    head box (variance of the Laplacian, after / before) stays under 20%, and OpenCV's
    Haar cascade (not used by the pipeline) finds no face in the blurred frames."""
    heads = report["heads"]
    assert heads["all"]["heads"] >= 100 and heads["from_16px"]["heads"] >= 50
    assert heads["all"]["max_detail_kept"] < 0.2, heads["worst"]
    assert heads["haar_faces_after"] == 0


@pytest.fixture(scope="module", autouse=True)
def _leave_the_registry_as_found(database_url):
    yield
    from conftest import remove_test_cameras

    remove_test_cameras(database_url, ["DET-LOC2"])
