"""The production pipeline on real photographs with people: is any face left recognisable?

The photos ship inside installed packages (ultralytics' sample assets, matplotlib's and
scikit-image's sample data); their face boxes are labelled by hand and committed in
``tests/data/real_faces.json`` (not the images: they stay the packages' files). Per
image and face: the share of the face's pixels left unchanged, the detail kept (variance
of the Laplacian inside the face box, after / before) and whether OpenCV's Haar cascade,
a face detector the pipeline does not use, still finds a face in the output. Target:
under 20% of any face's detail kept and no face found afterwards.
"""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import cv2
import numpy as np

LABELS = Path(__file__).resolve().parents[1] / "tests" / "data" / "real_faces.json"
HAAR = Path("/usr/share/opencv4/haarcascades/haarcascade_frontalface_alt2.xml")  # Debian opencv-data
MAX_DETAIL = 0.2


def image_path(label: dict) -> Path | None:
    """Where the installed package keeps the photo (None: package or file missing)."""
    spec = importlib.util.find_spec(label["package"])
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / label["path"]
    return path if path.is_file() else None


def detail(img: np.ndarray, box) -> float:
    x1, y1, x2, y2 = box
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float64)
    return float(cv2.Laplacian(gray, cv2.CV_64F)[y1:y2, x1:x2].var())


def haar_faces(img: np.ndarray) -> list[tuple[int, int, int, int]] | None:
    """Faces found by OpenCV's frontal Haar cascade (x, y, w, h); None without the cascade."""
    if not HAAR.is_file():
        return None
    c = cv2.CascadeClassifier(str(HAAR))
    gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    return [tuple(int(v) for v in r) for r in
            c.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(20, 20))]


def evaluate_real(detect, config, labels: Path = LABELS) -> dict:
    """Run detection and :func:`detector.worker.blur_frame` on every labelled photo."""
    from detector.worker import CameraView, blur_frame

    out = []
    for label in json.loads(Path(labels).read_text())["images"]:
        path = image_path(label)
        row: dict = {"image": f"{label['package']}:{label['path']}", "faces": len(label["faces"])}
        if path is None:
            out.append({**row, "missing": True})
            continue
        img = cv2.imread(str(path))
        dets = detect([img])[0]
        res = blur_frame(img, dets, CameraView("front", [], True), config)
        after = res.image
        row["detail_kept"] = [round(detail(after, b) / max(detail(img, b), 1e-9), 4)
                              for b in label["faces"]]
        row["pixels_unchanged"] = [
            round(float((after[b[1]:b[3], b[0]:b[2]] == img[b[1]:b[3], b[0]:b[2]]).all(axis=2).mean()), 4)
            for b in label["faces"]]
        before_h, after_h = haar_faces(img), haar_faces(after)
        row["haar_faces_before"] = None if before_h is None else len(before_h)
        row["haar_faces_after"] = None if after_h is None else len(after_h)
        row["blurred_share"] = round(res.coverage(), 4)
        row["face_source_boxes"] = int(cv2.connectedComponents(
            (res.sources.get("face", np.zeros(img.shape[:2], np.uint8)) > 0).astype(np.uint8))[0] - 1)
        out.append(row)
    measured = [r for r in out if not r.get("missing")]
    kept = [k for r in measured for k in r["detail_kept"]]
    return {
        "images": out,
        "faces": sum(r["faces"] for r in measured),
        "max_detail_kept": max(kept) if kept else None,
        "faces_found_after": (None if any(r["haar_faces_after"] is None for r in measured)
                              else sum(r["haar_faces_after"] for r in measured)),
        "target": f"every face: detail kept < {MAX_DETAIL:.0%}, none found afterwards",
        "met": bool(kept) and max(kept) < MAX_DETAIL
               and all(r["haar_faces_after"] == 0 for r in measured),
        "checker": "OpenCV Haar cascade haarcascade_frontalface_alt2 (not used by the pipeline)",
    }
