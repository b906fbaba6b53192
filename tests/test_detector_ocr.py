"""The plate reader (``detector.ocr``): it reads Dutch plates, it reads no plate in a face,
and its opinion of every crop is recorded beside the camera's read.

- accuracy on held-out rendered crops (never trained on) and on crops as the demo's
  cameras send them, whole plate and per character;
- on the real photographs of ``tests/data/real_faces.json``, every region that looks
  like a plate by size and aspect (the shipped model's own plate detections there, and
  regions labelled by hand: eyes and glasses, a mouth and chin, a name tag) reads as no
  Dutch plate, so the blur pipeline keeps none of them sharp, nor a vehicle around it;
- plates of held-out rendered scenes still earn their sharp region;
- ``anpr detector train-ocr`` is reproducible by seed;
- the detector worker records the reader's text and confidence per passage, and
  ``detector.opinions.for_passages`` gives casework the opinions of a list of passages.
"""
from __future__ import annotations

import importlib.util
import io
import json
import uuid
from datetime import timezone
from pathlib import Path

import cv2
import numpy as np
import psycopg
import pytest

from detector.blur import BlurConfig, Detection, plate_reasons, sharp_regions
from detector.ocr import PlateReader, default_reader, side_code
from intake_support import cams, intake_url, record  # noqa: F401  (fixtures)

UTC = timezone.utc
DATA = Path(__file__).parent / "data"
LOOKALIKES = json.loads((DATA / "real_plate_lookalikes.json").read_text())["regions"]


def _real(region: dict) -> np.ndarray:
    spec = importlib.util.find_spec(region["package"])
    assert spec is not None and spec.submodule_search_locations, region["package"]
    img = cv2.imread(str(Path(next(iter(spec.submodule_search_locations))) / region["path"]))
    assert img is not None, region["path"]
    return img


def test_side_codes():
    assert side_code("GN-12-33") == 1 and side_code("12-34-BD") == 2
    assert side_code("1-HJ-325") == 13 and side_code("VHJ-14-T") == 11
    assert side_code("KLNP12") == 5
    for bad in ("", "COMOHOPPER", "AB-12-34", "GN-12-3", "GN-12-334", "GN1233X", "123456",
                "BBBBBB", "gn-12-3?"):
        assert side_code(bad) is None, bad


def test_the_reader_reads_held_out_rendered_crops():
    from detector.ocr_train import _figures, camera_crops
    from detector.platecrops import sample

    reader = default_reader()
    crops = [sample(126, "test", i) for i in range(300)]
    fig = _figures(reader.read_many([c for c, _ in crops]), [t for _, t in crops])
    print("held-out rendered crops", fig)
    # floors a little under the shipped model's figures (docs/detector.md): the crops go
    # down to 7 px high plates, some unreadable by anyone
    assert fig["whole_plate"] >= 0.55 and fig["per_character"] >= 0.78
    assert fig["right_when_accepted_at_0.5"] >= 0.93     # what it vouches for is right
    assert fig["no_plate_accepted_at_0.5"] == 0.0         # no plate is never a plate
    cam = camera_crops(126, 120)
    fig = _figures(reader.read_many([c for c, _ in cam]), [t for _, t in cam])
    print("demo camera crops", fig)
    assert fig["whole_plate"] >= 0.65


@pytest.mark.parametrize("region", LOOKALIKES,
                         ids=[f"{Path(r['path']).stem}-{r['what'].split()[0]}-{i}"
                              for i, r in enumerate(LOOKALIKES)])
def test_plate_lookalikes_on_real_photos_are_not_kept_sharp(region):
    img = _real(region)
    box = tuple(float(v) for v in region["box"])
    assert not plate_reasons(box, img.shape[:2])          # size and aspect alone would pass
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    # a vehicle around it with the plate at a plate's place: earned, were it a plate
    vehicle = (max(0.0, x1 - 1.5 * w), max(0.0, y1 - 4 * h), x2 + 1.5 * w, y2 + 0.5 * h)
    dets = [Detection("plate", 0.9, box), Detection("vehicle", 0.9, vehicle)]
    shape_only = sharp_regions(dets, img, BlurConfig(read_plates=False))
    assert all(r.sharp for r in shape_only), shape_only
    regions = sharp_regions(dets, img, BlurConfig())
    assert not any(r.sharp for r in regions), regions
    read = default_reader()(img[int(y1):int(y2), int(x1):int(x2)])
    print(region["what"], read, [r.reason for r in regions])


def test_plates_of_held_out_scenes_still_earn_their_sharp_region():
    """The reader must not blur the plates an overview photo exists to show: with the
    true plate and vehicle boxes as detections, most legible plates are kept sharp (the
    others are blurred with their vehicle: when in doubt, blur).

    200 scenes, not 60: a handful of plates read just either side of the reader's 0.3
    threshold, and over 60 scenes one plate that flips with the OpenCV or numpy build (the
    JPEG and gamma steps of the renderer) moved the share across the floor (44 of 63 with
    one build, 40 of 63 with another)."""
    from detector.render import PLATE, VEHICLE, render_scene

    kept = legible = 0
    for i in range(200):
        scene = render_scene(126, "test", i)
        dets = [Detection("plate" if c == PLATE else "vehicle", 0.9, (x1, y1, x2, y2))
                for c, x1, y1, x2, y2 in scene.boxes if c in (PLATE, VEHICLE)]
        for r in sharp_regions(dets, scene.image, BlurConfig()):
            x1, y1, x2, y2 = r.box
            if r.cls == "plate" and (y2 - y1) / 2.2 >= 9:    # the plate itself >= 9 px high
                legible += 1
                kept += r.sharp
    print(f"plates kept sharp: {kept}/{legible}")
    assert legible >= 180 and kept / legible >= 0.65    # 155 of 217 (0.71), shipped reader


def test_training_is_reproducible_by_seed(tmp_path):
    from detector.ocr_train import train

    import torch

    def weights(seed: int, name: str) -> dict:
        out = tmp_path / name
        train(seed=seed, steps=3, batch=8, n_crops=48, n_scenes=0, threads=1, out=out,
              evaluate_after=False)
        # torch's thread count is the process's: training gives back what it found
        assert torch.get_num_threads() == 3
        PlateReader(out)                                  # loads as shipped weights do
        return torch.load(out, weights_only=True)

    def same(x: dict, y: dict) -> bool:
        return x.keys() == y.keys() and all(torch.equal(x[k], y[k]) for k in x)

    before = torch.get_num_threads()
    torch.set_num_threads(3)
    try:
        a, b, c = weights(7, "a.pt"), weights(7, "b.pt"), weights(8, "c.pt")
    finally:
        torch.set_num_threads(before)
    assert same(a, b) and not same(a, c)



def test_training_goes_on_from_weights_with_camera_crops(tmp_path):
    """``--init`` trains on from shipped weights, and ``--camera-crops`` adds crops as the
    cameras send them, from seed streams that are not the held-out ones."""
    import json

    from detector.ocr_train import camera_crop, dataset, train

    import torch

    train_crops = [camera_crop(126, "train", i) for i in range(6)]
    test_crops = [camera_crop(126, "test", i) for i in range(6)]
    assert [t for _, t in train_crops] != [t for _, t in test_crops]
    assert all(side_code(t) for _, t in train_crops)
    x, labels = dataset(7, "train", 8, 0, workers=1, n_camera=8)
    assert x.shape == (16, 32, 128) and labels[8:] == [camera_crop(7, "train", i)[1]
                                                        for i in range(8)]

    start = tmp_path / "start.pt"
    train(seed=7, steps=2, batch=8, n_crops=16, n_scenes=0, threads=1, out=start,
          evaluate_after=False)
    out = tmp_path / "on.pt"
    card = train(seed=7, steps=2, batch=8, n_crops=8, n_scenes=0, n_camera=8, threads=1,
                 out=out, init=start, lr=1e-3, evaluate_after=False)
    assert card["started_from"] == PlateReader(start).version
    assert card["data"]["camera_crops"] == 8 and f"--init {start}" in card["command"]
    assert json.loads(out.with_suffix(".json").read_text()) == card
    a, b = torch.load(start, weights_only=True), torch.load(out, weights_only=True)
    assert a.keys() == b.keys() and any(not torch.equal(a[k], b[k]) for k in a)


# -- the worker records the reader's opinion; casework fetches it ---------------------------

def _jpeg(img: np.ndarray) -> bytes:
    ok, enc = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    return enc.tobytes()


def test_the_worker_records_the_readers_opinion_per_passage(cams, intake_url, tmp_path):
    from detector.opinions import for_passages
    from detector.render import PLATE, render_plate_crop, render_scene
    from detector.worker import Worker, WorkerConfig
    from ingest.devices import add_device
    from intake_support import intake_app

    app = intake_app(intake_url, tmp_path / "home", max_batch=50)
    try:
        with psycopg.connect(intake_url) as c:
            _, key = add_device(c, "ocr opinion gantry", camera=cams["fixed"]["id"])
            c.commit()
        tag = f"op{uuid.uuid4().hex[:8]}"
        scene = render_scene(126, "test", 3, condition="day", plate="ZB123K")
        plate_box = next(b[1:] for b, t in zip([b for b in scene.boxes if b[0] == PLATE],
                                               scene.plates) if t == "ZB123K")
        crop = render_plate_crop("GN-12-33", 126, "test", 1)
        # the camera read B as 8 in the first: the machine disagrees; the second has no
        # camera crop, so the worker reads the plate it cut from the overview
        recs = [record(cams["fixed"], 0, capture_id=f"{tag}-0", plate="GN-12-38",
                       overview="o0.jpg", crop="c0.jpg"),
                record(cams["fixed"], 1, capture_id=f"{tag}-1", plate="ZB-123-K", overview="o1.jpg")]
        images = {"o0.jpg": _jpeg(scene.image), "c0.jpg": _jpeg(crop), "o1.jpg": _jpeg(scene.image)}
        data = {"records": json.dumps(recs)}
        for name, blob in images.items():
            data[name] = (io.BytesIO(blob), name)
        r = app.test_client().post("/api/v1/intake/passages", data=data,
                                   headers={"Authorization": f"Bearer {key}"},
                                   content_type="multipart/form-data")
        assert r.status_code == 200 and r.json["accepted"] == 2, r.json

        from test_detector_intake import app_vault

        def detect(images):
            return [[Detection("plate", 0.9, plate_box)] for _ in images]

        with psycopg.connect(intake_url, autocommit=True) as c:
            c.execute("UPDATE detector_frame SET state = 'failed', last_error = 'left by another"
                      " test' WHERE state IN ('queued', 'processing') AND capture_id NOT LIKE %s",
                      (tag + "%",))
            reader = default_reader()
            worker = Worker(intake_url, app_vault(app), detect, model_version="stub@1",
                            config=WorkerConfig(batch=8), reader=reader)
            assert worker.run_once(c) == 2 and worker.stats["done"] == 2
            passages = c.execute("SELECT id, captured_at, capture_id FROM jj126.passage"
                                 " WHERE capture_id LIKE %s ORDER BY capture_id",
                                 (tag + "%",)).fetchall()
            got = for_passages(c, [(p[0], p[1]) for p in passages])
            first, second = (got[(p[0], p[1])] for p in passages)
            assert (first.text, first.crop, first.model) == ("GN1233", "camera", reader.version)
            assert first.flag("GN-12-38") == "disagrees" and first.agrees("GN1233")
            assert first.agrees_with_camera is False                 # recorded with the read
            # the plate cut from the overview is a few pixels high: read or misread, the
            # opinion says which, and whether it is the camera's read
            assert second.crop == "detected" and len(second.text) == 6
            assert second.agrees_with_camera == (second.text == "ZB123K") == second.agrees("ZB-123-K")
            assert 0 < second.confidence <= 1
            assert for_passages(c, []) == {}
            assert for_passages(c, [(0, passages[0][1])]) == {}
            c.execute("DELETE FROM detector_frame WHERE capture_id LIKE %s", (tag + "%",))
            assert for_passages(c, [(p[0], p[1]) for p in passages]) == {}   # gone with the frame
    finally:
        app.extensions["anpr_pool"].close()


def test_the_thread_setting_is_torchs_thread_count_in_a_worker():
    """ANPR_DETECTOR_THREADS is what torch runs a node's model, face detector and plate
    reader with (one process-wide setting, applied when the node's model loads)."""
    import torch

    from anpr import settings as settings_mod
    from detector.worker import detector_for

    before = torch.get_num_threads()
    try:
        detector_for(settings_mod.load({"ANPR_DETECTOR_THREADS": "1"}))
        assert torch.get_num_threads() == 1
        reader = PlateReader()
        reader.read_many([np.zeros((20, 80, 3), np.uint8)])
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
