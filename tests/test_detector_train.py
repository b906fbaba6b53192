"""The real training pipeline end to end on a tiny generated set, then eval on its held-out
split: renderer -> YOLO data set -> ultralytics training (offline, CPU) -> model + card ->
detector -> evaluation with blur leakage. Small and short; the figures mean nothing, the
plumbing is what is tested."""
from __future__ import annotations

import json

import numpy as np
import pytest

from detector.render import CLASSES, PLATE_LETTERS, SIDE_CODES, render_scene, write_dataset


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
    result = train(data, epochs=2, imgsz=128, batch=8, seed=3, threads=2,
                   out=tmp_path / "model" / "tiny.pt", runs_dir=tmp_path / "runs", infer_imgsz=320)
    assert result.model_path.is_file() and result.model_path.stat().st_size < 20e6
    card = json.loads(result.card_path.read_text())
    assert card["training"]["seed"] == 3 and card["training"]["epochs_run"] == 2
    assert card["data"]["seed"] == 3 and card["data"]["held_out"] == "test"
    assert card["inference"]["imgsz"] == 320 and "all" in card["validation_metrics"]
    assert set(card["classes"].values()) == set(CLASSES)
    det = Detector(result.model_path)
    assert det.imgsz == 320 and det.version.startswith("tiny@")
    report = evaluate(det, data, hog=False, standard=True)
    assert report["images"] == 6
    assert set(report["per_class"]) == set(CLASSES)
    assert 0.0 <= report["blur"]["leakage"]["union"] <= 1.0
    assert report["blur"]["leakage"]["union"] <= report["blur"]["leakage"]["only_yolo_person"]
    record_in_card(result.model_path, report)
    assert "Held-out evaluation" in result.model_path.with_suffix(".md").read_text()
