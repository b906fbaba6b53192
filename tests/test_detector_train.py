"""The real training pipeline end to end on a tiny generated set, then eval on its held-out
split: renderer -> YOLO data set -> ultralytics training (offline, CPU) -> model + card ->
detector -> evaluation with blur leakage. Small and short; the figures mean nothing, the
plumbing is what is tested."""
from __future__ import annotations

import json

import numpy as np
import pytest

from detector.dataset import write_dataset
from detector.render import CLASSES, PLATE_LETTERS, SIDE_CODES, render_scene


def test_renderer_is_deterministic_and_splits_differ():
    a = render_scene(5, "train", 3)
    b = render_scene(5, "train", 3)
    c = render_scene(5, "test", 3)
    assert np.array_equal(a.image, b.image) and a.boxes == b.boxes
    assert not np.array_equal(a.image, c.image)


def test_plates_use_real_side_codes_and_characters():
    import re

    from detector.render import plate_text

    rng = np.random.default_rng(0)
    def pattern(code: str) -> re.Pattern:
        parts = {"L": f"[{PLATE_LETTERS}]", "D": "[0-9]", "-": "-"}
        return re.compile("^" + "".join(parts[c] for c in code) + "$")

    patterns = [pattern(code) for code in SIDE_CODES]
    for _ in range(500):
        text = plate_text(rng)
        assert any(p.match(text) for p in patterns), text
        assert not set(text) & set("AEIOUCMQWY")


def test_every_condition_renders_with_labels():
    from detector.render import CONDITIONS

    for cond in CONDITIONS:
        s = render_scene(9, "train", 1, condition=cond)
        assert s.image.shape == (480, 640, 3)
        if cond == "night_ir":
            assert np.array_equal(s.image[..., 0], s.image[..., 1])  # greyscale
        lines = s.yolo_lines()
        assert all(len(line.split()) == 5 and int(line.split()[0]) < len(CLASSES) for line in lines)


@pytest.mark.slow
def test_training_pipeline_end_to_end(tmp_path):
    from detector.detect import Detector
    from detector.evaluate import evaluate, record_in_card
    from detector.train import train

    data = write_dataset(tmp_path / "ds", seed=3, train=24, val=8, test=6, tile_size=128,
                         tile_scale=0.5)
    assert (tmp_path / "ds" / "masks" / "test" / "test_000000.png").is_file()
    assert not (tmp_path / "ds" / "masks" / "train").exists()
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(3)
    try:
        result = train(data, epochs=2, imgsz=128, batch=8, seed=3, threads=2,
                       out=tmp_path / "model" / "tiny.pt", runs_dir=tmp_path / "runs",
                       infer_imgsz=320)
        assert torch.get_num_threads() == 3     # training gives the thread count back
    finally:
        torch.set_num_threads(before)
    assert result.model_path.is_file() and result.model_path.stat().st_size < 20e6
    card = json.loads(result.card_path.read_text())
    assert card["training"]["seed"] == 3 and card["training"]["epochs_run"] == 2
    assert card["data"]["seed"] == 3 and card["data"]["held_out"] == "test"
    assert card["inference"]["imgsz"] == 320 and "all" in card["validation_metrics"]
    assert set(card["classes"].values()) == set(CLASSES)
    det = Detector(result.model_path)
    assert det.imgsz == 320 and det.version.startswith("tiny@") and det.version.endswith("/320px")
    # the same weights at another size are another version: their detections differ
    assert Detector(result.model_path, imgsz=352).version == det.version.replace("/320px", "/352px")
    report = evaluate(det, data, hog=False, standard=True)
    assert report["images"] == 6
    assert set(report["per_class"]) == set(CLASSES)
    assert 0.0 <= report["blur"]["leakage"]["union"] <= 1.0
    assert report["blur"]["leakage"]["union"] <= report["blur"]["leakage"]["only_yolo_person"]
    record_in_card(result.model_path, report)
    assert "Held-out evaluation" in result.model_path.with_suffix(".md").read_text()


@pytest.mark.parametrize("hard", ["face_closeup", "person_front", "plate_pattern"])
def test_hard_cases_draw_over_the_same_scene_and_label_what_they_draw(hard):
    """A hard case is drawn over the very scene drawn without it (its own random stream:
    every pixel it did not touch is the same), the same arguments give the same pixels,
    and its labels are persons and heads, never a plate: the plate-like patterns on
    clothes and the strips over eyes are not plates."""
    import cv2

    from detector.dataset import hard_case
    from detector.render import HARD_CASES, PERSON, PLATE

    assert hard in HARD_CASES
    for i in range(4):
        base = render_scene(126, "train", i, condition="day")
        s = render_scene(126, "train", i, condition="day", hard=hard)
        again = render_scene(126, "train", i, condition="day", hard=hard)
        assert s.hard == hard and np.array_equal(s.image, again.image) and s.boxes == again.boxes
        changed = np.any(s.image != base.image, axis=2)
        assert changed.any()
        # what changed lies on the persons the hard case drew, their bicycles and hair
        # included (JPEG: within its blocks)
        drawn = s.person_mask.copy()
        for _, x1, y1, x2, y2 in (b for b in s.boxes if b[0] == PERSON):
            drawn[max(0, int(y1)):max(0, int(np.ceil(y2))), max(0, int(x1)):max(0, int(np.ceil(x2)))] = 255
        assert not (changed & ~(cv2.dilate(drawn, np.ones((33, 33), np.uint8)) > 0)).any()
        plates = {b for b in s.boxes if b[0] == PLATE}
        assert plates <= {b for b in base.boxes if b[0] == PLATE}   # none added, hidden ones go
        persons = {b for b in s.boxes if b[0] == PERSON}
        assert persons - {b for b in base.boxes if b[0] == PERSON}   # someone new (who may hide another)
        assert s.heads and all(x2 > x1 and y2 > y1 for x1, y1, x2, y2 in s.heads)
        if hard == "face_closeup":   # a head filling much of the frame
            assert max(y2 - y1 for x1, y1, x2, y2 in s.heads) >= 0.15 * s.image.shape[0]
    # a data set without hard cases is the one it always was
    assert all(hard_case(126, "train", i, 0.0) is None for i in range(50))
    picked = [hard_case(126, "train", i, 0.35) for i in range(300)]
    assert 0.25 < sum(p is not None for p in picked) / 300 < 0.45 and set(picked) - {None} == set(HARD_CASES)


def test_people_in_front_of_vehicles_are_labelled_over_them():
    from detector.render import PERSON, VEHICLE

    over = 0
    for i in range(10):
        s = render_scene(126, "train", i, hard="person_front")
        vehicles = [b for b in s.boxes if b[0] == VEHICLE]
        for _, x1, y1, x2, y2 in (b for b in s.boxes if b[0] == PERSON):
            over += any(x1 < vx2 and x2 > vx1 and y2 > vy2 for _, vx1, vy1, vx2, vy2 in vehicles)
    assert over >= 8   # feet in front of (below) a vehicle's bottom, the body over it


def test_a_held_out_split_of_hard_cases_records_them_and_the_heads(tmp_path):
    """``render --hard-share 0 --test-hard-share 1``: training scenes as they always were,
    every held-out scene a hard case, its meta naming the case and the visible heads."""
    import json

    data = write_dataset(tmp_path / "ds", seed=126, train=3, val=0, test=4, hard_share=0.0,
                         test_hard_share=1.0)
    meta = [json.loads(line) for line in (tmp_path / "ds" / "masks" / "test" / "meta.jsonl").read_text().splitlines()]
    assert len(meta) == 4 and all(m["hard"] in ("face_closeup", "person_front", "plate_pattern") for m in meta)
    assert all(m["heads"] and all(len(h) == 4 for h in m["heads"]) for m in meta)
    plain = render_scene(126, "train", 0)
    import cv2

    kept = cv2.imread(str(tmp_path / "ds" / "images" / "train" / "train_000000.jpg"))
    assert np.abs(kept.astype(int) - plain.image).mean() < 2     # the same scene (JPEG 95)
    info = json.loads((tmp_path / "ds" / "dataset.json").read_text())
    assert info["hard_share"] == {"train": 0.0, "val": 0.0, "test": 1.0} and data.is_file()
