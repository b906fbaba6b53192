"""The detection backend: an ultralytics model and a mapping of its classes onto ours.

The project ships its own model (``models/anpr-yolo11n.pt``) whose classes already are
``plate``, ``person`` and ``vehicle``. Any other ultralytics weights a unit has can be
used instead, e.g. a COCO-pretrained model, by mapping its class names onto ours
(``person=person,car=vehicle,truck=vehicle,bus=vehicle``); classes left unmapped are
ignored. The image size comes from the model card, so inference sees plates at the
scale the model learnt them.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Sequence

import numpy as np

from anpr.errors import ConfigurationError
from detector.blur import Detection
from detector.train import SHIPPED_MODEL, model_version, offline_ultralytics

log = logging.getLogger(__name__)

OUR_CLASSES = ("plate", "person", "vehicle")


def parse_class_map(raw: str | None) -> dict[str, str]:
    """``"person=person,car=vehicle"`` -> ``{"person": "person", "car": "vehicle"}``."""
    out: dict[str, str] = {}
    for part in (raw or "").split(","):
        if not part.strip():
            continue
        src, sep, dst = part.partition("=")
        if not sep or dst.strip() not in OUR_CLASSES or not src.strip():
            raise ConfigurationError(
                f"class map entry {part!r}: expected model_class=one of {', '.join(OUR_CLASSES)}")
        out[src.strip()] = dst.strip()
    return out


class Detector:
    """A loaded model; one per worker process (loading takes a second, inference less)."""

    def __init__(self, model_path: Path | str | None = None, *, class_map: dict[str, str] | None = None,
                 imgsz: int | None = None, conf: float = 0.05, threads: int = 2) -> None:
        offline_ultralytics(threads)
        from ultralytics import YOLO

        path = Path(model_path) if model_path else SHIPPED_MODEL
        if not path.is_file():
            raise ConfigurationError(f"detector model {path} does not exist")
        self.path = path
        self.model = YOLO(str(path), task="detect")
        names: dict[int, str] = dict(self.model.names)
        if class_map:
            self.map = {i: class_map[n] for i, n in names.items() if n in class_map}
        else:
            self.map = {i: n for i, n in names.items() if n in OUR_CLASSES}
        if "person" not in self.map.values():
            raise ConfigurationError(f"model {path.name} has no class mapped to person "
                                     f"(its classes: {sorted(names.values())})")
        card = path.with_suffix(".json")
        card_imgsz = None
        if card.is_file():
            meta = json.loads(card.read_text())
            card_imgsz = (meta.get("inference") or {}).get("imgsz") or meta.get("training", {}).get("imgsz")
        self.imgsz = int(imgsz or card_imgsz or 640)
        self.conf = conf
        # what a frame's detections record: the weights (their hash) and the size they ran
        # at, since the same weights find other boxes at another size (the card's
        # inference.imgsz moved from 416 to 448 px on 2026-12-07)
        self.version = f"{model_version(path)}/{self.imgsz}px"

    def __call__(self, images: Sequence[np.ndarray]) -> list[list[Detection]]:
        """Detections for a batch of BGR images, in each image's own pixel frame."""
        if not images:
            return []
        results = self.model.predict(list(images), imgsz=self.imgsz, conf=self.conf,
                                     device="cpu", verbose=False, max_det=300)
        out: list[list[Detection]] = []
        for res in results:
            dets: list[Detection] = []
            boxes = res.boxes
            if boxes is not None and len(boxes):
                xyxy = boxes.xyxy.numpy()
                cls = boxes.cls.numpy().astype(int)
                score = boxes.conf.numpy()
                for b, c, s in zip(xyxy, cls, score):
                    name = self.map.get(int(c))
                    if name:
                        dets.append(Detection(name, float(s), tuple(float(v) for v in b)))
            out.append(dets)
        return out
