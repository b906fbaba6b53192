"""Faces, from a detector trained on real photographs: the blur source that needs no vehicle.

Our own model has only ever seen rendered scenes; on real photos it calls a man's head
a vehicle and a strip of glasses a plate. The face source does not depend on it: MTCNN
(Zhang et al. 2016; the three networks of ``facenet-pytorch``, trained on WIDER FACE
and CelebA) runs on the whole frame, and every face it finds is blurred wherever it is,
inside a vehicle's or a plate's sharp region included.

The weights ship inside the ``facenet-pytorch`` wheel (``data/pnet.pt``, ``rnet.pt``,
``onet.pt``), so nothing is downloaded at run time. Its pins on torch and numpy are
older than ours; the code is plain torch and runs with ours, so ``scripts/install``
installs it without its dependencies.

Fail closed: without its weights the source refuses to load (a
:class:`~anpr.errors.ConfigurationError`), and :func:`detector.blur.blur` with the face
source on refuses to blur, so a node without it never turns a photo into a "blurred"
one (its frames are retried, then set aside, and never provided).
"""
from __future__ import annotations

import threading
from typing import Sequence

import numpy as np

from anpr.errors import ConfigurationError

Box = tuple[float, float, float, float]

# Recall matters more than precision (a false blur costs little): thresholds of the
# three stages below MTCNN's defaults (0.6, 0.7, 0.7), and faces down to 16 px.
THRESHOLDS = (0.5, 0.6, 0.6)
MIN_FACE_PX = 16


class FaceDetector:
    """MTCNN on the CPU; call with a BGR image, get face boxes (x1, y1, x2, y2)."""

    name = "mtcnn (facenet-pytorch)"

    def __init__(self, *, min_face: int = MIN_FACE_PX,
                 thresholds: Sequence[float] = THRESHOLDS) -> None:
        try:
            from facenet_pytorch import MTCNN
        except ImportError as exc:
            raise ConfigurationError(
                "the face blur source needs facenet-pytorch (MTCNN weights ship in its wheel); "
                "scripts/install installs it with --no-deps") from exc
        try:
            self.model = MTCNN(keep_all=True, device="cpu", min_face_size=min_face,
                               thresholds=list(thresholds), post_process=False)
        except Exception as exc:  # noqa: BLE001 - missing or unreadable weights
            raise ConfigurationError(f"the face detector could not load: {exc}") from exc
        self._lock = threading.Lock()

    def __call__(self, image: np.ndarray) -> list[Box]:
        import torch

        rgb = np.ascontiguousarray(image[:, :, ::-1]) if image.ndim == 3 else \
            np.repeat(image[:, :, None], 3, axis=2)
        with self._lock, torch.inference_mode():
            boxes, _ = self.model.detect(rgb)
        if boxes is None:
            return []
        return [tuple(float(v) for v in b) for b in np.asarray(boxes, dtype=np.float64)]


_DEFAULT: FaceDetector | None = None
_DEFAULT_LOCK = threading.Lock()


def default_face_detector() -> FaceDetector:
    """The process's face detector, loaded once (a second or so); raises if it cannot load."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = FaceDetector()
        return _DEFAULT
