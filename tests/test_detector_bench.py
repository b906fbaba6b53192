"""The detector benchmark's shape: each figure next to the HOG baseline from the same run."""
from __future__ import annotations

from detector.bench import measure
from detector.blur import Detection
from detector.render import render_scene


def test_measure_reports_fps_against_the_hog_baseline():
    frames = [render_scene(7, "bench", i).image for i in range(3)]

    def detect(images):
        return [[Detection("plate", 0.9, (300, 400, 360, 413))] for _ in images]

    large = [render_scene(7, "bench", 0, width=1920, height=1080).image]
    figures = measure(frames, detect, batch=2, large=large)
    names = [f.name for f in figures]
    assert any("detection + blur" in n for n in names) and any("HOG" in n for n in names)
    assert any("face source" in n for n in names)
    hog = figures[-1].value
    hd = next(f for f in figures if "1920x1080" in f.name)
    assert hd.unit == "s" and hd.baseline == 0.24 and hd.value > 0 and hd.target == "<= 0.24"
    assert all(f.baseline == hog and f.value > 0 for f in figures if f is not hd)
    blur_fig = next(f for f in figures if "blur" in f.name and f is not hd)
    assert blur_fig.target == ">= 8" and blur_fig.check().met is not None
    assert set(blur_fig.to_dict()) == {"name", "value", "unit", "baseline", "ratio", "target", "met"}
