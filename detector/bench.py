"""``anpr bench detector``: frames per second at 640 px, beside OpenCV's HOG on the same frames.

The baseline is what a project without a trained model would reach for: OpenCV's
built-in HOG people detector (Dalal-Triggs), run on exactly the same frames in the same
process, so the ratio survives the noise of a shared machine. Three figures: detection
alone, detection plus the full blur (what a worker does per frame, minus storage), and
HOG alone.
"""
from __future__ import annotations

import time

import click
import numpy as np

# anpr.bench imports this module to register the command: import it lazily here, so
# importing detector.bench first (a test does) is no circular import.


def measure(frames: list[np.ndarray], detector, *, batch: int = 8, rounds: int = 1) -> list:
    from anpr.bench import Figure
    from detector.blur import BlurConfig, blur, hog_people

    detector(frames[:2])  # warm-up: first call builds the graph
    t = time.perf_counter()
    for _ in range(rounds):
        for i in range(0, len(frames), batch):
            detector(frames[i:i + batch])
    det_fps = rounds * len(frames) / (time.perf_counter() - t)

    cfg = BlurConfig()
    t = time.perf_counter()
    for _ in range(rounds):
        for i in range(0, len(frames), batch):
            chunk = frames[i:i + batch]
            for img, dets in zip(chunk, detector(chunk)):
                blur(img, dets, facing="front", config=cfg)
    blur_fps = rounds * len(frames) / (time.perf_counter() - t)

    t = time.perf_counter()
    for _ in range(rounds):
        for img in frames:
            hog_people(img)
    hog_fps = rounds * len(frames) / (time.perf_counter() - t)
    return [
        Figure("detector: detection, frames/s (640x480)", det_fps, "fps", baseline=hog_fps),
        Figure("detector: detection + blur, frames/s", blur_fps, "fps", baseline=hog_fps,
               target=">= 8"),
        Figure("baseline: OpenCV HOG people, frames/s", hog_fps, "fps", baseline=hog_fps),
    ]


@click.command("detector")
@click.option("--frames", "n", type=int, default=48, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--threads", type=int, default=2, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def bench_detector(n: int, seed: int, threads: int, as_json: bool) -> None:
    """Detection and detection+blur fps at 640 px vs the OpenCV HOG baseline."""
    import cv2

    from anpr.bench import report
    from detector.detect import Detector
    from detector.render import render_scene

    cv2.setNumThreads(threads)
    frames = [render_scene(seed, "bench", i, width=640, height=480).image for i in range(n)]
    det = Detector(threads=threads)
    report(measure(frames, det), as_json)
