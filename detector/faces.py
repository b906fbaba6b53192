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
from typing import Callable, Sequence

import numpy as np

from anpr.errors import ConfigurationError

Box = tuple[float, float, float, float]

# Recall matters more than precision (a false blur costs little): thresholds of the
# three stages below MTCNN's defaults (0.6, 0.7, 0.7), and faces down to 16 px.
THRESHOLDS = (0.5, 0.6, 0.6)
MIN_FACE_PX = 16
PYRAMID_FACTOR = 0.709   # MTCNN's: each level of the image pyramid is this much smaller
# The three networks are tiny (10 to 128 channels): a second thread buys little, and on a
# busy machine torch's threads wait for each other at every layer (measured: 2 threads
# 2 to 8 times slower than 1 on the shared cores). The face detector runs on one.
THREADS = 1


class FaceDetector:
    """MTCNN on the CPU; call with a BGR image, get face boxes (x1, y1, x2, y2)."""

    name = "mtcnn (facenet-pytorch)"
    takes_regions = True   # __call__ can look only where regions say (detector.blur._face)

    def __init__(self, *, min_face: int = MIN_FACE_PX,
                 thresholds: Sequence[float] = THRESHOLDS, workers: int = 2) -> None:
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

        self.min_face = min_face
        self.thresholds = tuple(thresholds)
        self.workers = workers   # calls run side by side by many()
        self._executor = None
        import torch

        with torch.no_grad():
            for net in (self.model.pnet, self.model.rnet, self.model.onet):
                # the networks take RGB: their first layer takes BGR instead, so a frame
                # is never converted whole (a 1080p copy per call)
                net.conv1.weight.copy_(net.conv1.weight[:, [2, 1, 0]].clone())
                # channels-last runs these small convolutions and poolings twice as fast
                net.to(memory_format=torch.channels_last)

    def __call__(self, image: np.ndarray, *, max_face: float | None = None,
                 regions: Sequence[Box] | None = None, min_face: float | None = None) -> list[Box]:
        """Faces from ``min_face`` px up (default: the detector's); with ``max_face``, only
        up to about that size (the image pyramid stops there: larger faces are someone
        else's job). With ``regions``, only faces that overlap one of them (x1, y1, x2,
        y2): each level of the pyramid looks at the regions grown by the largest face
        that level finds, so a face reaching into a region from outside is seen whole."""
        import torch

        from detector.train import torch_threads

        bgr = image if image.ndim == 3 else np.repeat(image[:, :, None], 3, axis=2)
        with self._lock, torch_threads(THREADS), torch.inference_mode():
            return self._detect(bgr, max_face, regions, min_face or self.min_face)

    def many(self, jobs: Sequence[tuple[np.ndarray | Callable[[], np.ndarray], dict]]
             ) -> list[list[Box]]:
        """Several calls at once (image, keyword arguments of :meth:`__call__`), side by
        side on ``workers`` threads: each runs the networks on one thread, so two calls
        use two cores where one call could not. An image may be a function that makes it
        (a frame shrunk for a low-resolution pass): it is made on the job's thread, beside
        the other jobs, not before them all."""
        import torch

        from detector.train import torch_threads

        def one(job: tuple[np.ndarray | Callable[[], np.ndarray], dict]) -> list[Box]:
            image, kw = job
            image = image() if callable(image) else image
            bgr = image if image.ndim == 3 else np.repeat(image[:, :, None], 3, axis=2)
            with torch.inference_mode():
                return self._detect(bgr, kw.get("max_face"), kw.get("regions"),
                                    kw.get("min_face") or self.min_face)

        with self._lock, torch_threads(THREADS):
            if len(jobs) < 2 or self.workers < 2:
                return [one(j) for j in jobs]
            return list(self._pool().map(one, jobs))

    def _pool(self):
        from concurrent.futures import ThreadPoolExecutor

        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="faces")
        return self._executor

    def _detect(self, bgr: np.ndarray, max_face: float | None, regions: Sequence[Box] | None,
                min_face: float) -> list[Box]:
        """MTCNN's three stages as ``facenet_pytorch.models.utils.detect_face`` runs them,
        with the same networks, thresholds and non-maximum suppression, but the image
        pyramid and the crops resized by OpenCV (area interpolation on uint8, as
        facenet-pytorch does in torch on floats: several times cheaper on the CPU), each
        level of the pyramid from the one before, and the first stage only where
        ``regions`` say."""
        import torch
        from facenet_pytorch.models.utils.detect_face import (
            batched_nms, batched_nms_numpy, bbreg, rerec)

        h, w = bgr.shape[:2]
        t1, t2, t3 = self.thresholds
        smallest = 12.0 / max_face * PYRAMID_FACTOR if max_face else 0.0
        found = []
        if regions is None:
            windows = [(0, 0, w, h)]
            grow = 0
        else:
            windows = [tuple(int(round(v)) for v in r) for r in regions]
            grow = int(np.ceil(max_face)) if max_face else max(w, h)
        for x1, y1, x2, y2 in windows:
            found += self._first_stage(bgr, (x1, y1, x2, y2), grow, regions is not None,
                                       12.0 / min_face, smallest, t1)
        if not found:
            return []
        boxes = torch.cat(found)
        zero = torch.zeros(len(boxes), dtype=torch.long)
        boxes = boxes[batched_nms(boxes[:, :4], boxes[:, 4], zero, 0.7)]
        regw, regh = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
        boxes = rerec(torch.stack([boxes[:, 0] + boxes[:, 5] * regw, boxes[:, 1] + boxes[:, 6] * regh,
                                   boxes[:, 2] + boxes[:, 7] * regw, boxes[:, 3] + boxes[:, 8] * regh,
                                   boxes[:, 4]], dim=1))
        # R-Net on 24 px crops of the candidates
        boxes, batch = _crops(bgr, boxes, 24)
        if not len(boxes):
            return []
        reg, prob = self.model.rnet(batch)
        keep = prob[:, 1] > t2
        boxes = torch.cat([boxes[keep, :4], prob[keep, 1:2]], dim=1)
        reg = reg[keep]
        pick = batched_nms(boxes[:, :4], boxes[:, 4], torch.zeros(len(boxes), dtype=torch.long), 0.7)
        boxes = rerec(bbreg(boxes[pick], reg[pick]))
        # O-Net on 48 px crops
        boxes, batch = _crops(bgr, boxes, 48)
        if not len(boxes):
            return []
        reg, _, prob = self.model.onet(batch)
        keep = prob[:, 1] > t3
        boxes = bbreg(torch.cat([boxes[keep, :4], prob[keep, 1:2]], dim=1), reg[keep])
        pick = batched_nms_numpy(boxes[:, :4], boxes[:, 4], torch.zeros(len(boxes), dtype=torch.long),
                                 0.7, "Min")
        return [tuple(float(v) for v in b[:4]) for b in boxes[pick].numpy().astype(np.float64)]

    def _first_stage(self, bgr: np.ndarray, window: tuple[int, int, int, int], grow: int,
                     in_region: bool, scale: float, smallest: float, threshold: float) -> list:
        """P-Net over the pyramid of one window (the whole image, or a region grown by
        ``grow``); with ``in_region``, each level only over the region grown by the
        largest face that level finds. Candidate boxes in the image's pixels."""
        import cv2
        from facenet_pytorch.models.utils.detect_face import batched_nms, generateBoundingBox

        h, w = bgr.shape[:2]
        x1, y1, x2, y2 = window
        a, b = max(0, x1 - grow), max(0, y1 - grow)
        e, d = min(w, x2 + grow), min(h, y2 + grow)
        level = bgr[b:d, a:e]
        out = []
        while min(e - a, d - b) * scale >= 12 and scale >= smallest:
            level = cv2.resize(level, (int((e - a) * scale + 1), int((d - b) * scale + 1)),
                               interpolation=cv2.INTER_AREA)
            sub, ox, oy = level, 0, 0
            if in_region:
                # a 12 px window at this level is a face of 12 / scale px; the next level
                # takes over at 1 / PYRAMID_FACTOR of that
                reach = min(grow, int(np.ceil(12.0 / scale / PYRAMID_FACTOR)) + 2)
                ox = int(max(0, x1 - reach - a) * scale)
                oy = int(max(0, y1 - reach - b) * scale)
                ex = int(np.ceil((min(w, x2 + reach) - a) * scale)) + 1
                ey = int(np.ceil((min(h, y2 + reach) - b) * scale)) + 1
                sub = level[oy:ey, ox:ex]
            if min(sub.shape[:2]) >= 12:
                reg, probs = self.model.pnet(_tensor(sub[None]))
                boxes, inds = generateBoundingBox(reg, probs[:, 1], scale, threshold)
                if len(boxes):
                    boxes = boxes[batched_nms(boxes[:, :4], boxes[:, 4], inds, 0.5)]
                    boxes[:, [0, 2]] += a + ox / scale
                    boxes[:, [1, 3]] += b + oy / scale
                    out.append(boxes)
            scale *= PYRAMID_FACTOR
        return out


def shrink(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``image`` resized down to ``size`` (width, height) by area interpolation, halved
    exactly first while it stays at least twice the size: OpenCV averages 2 x 2 blocks
    several times faster than it resizes by an arbitrary factor (a 1080p frame to a
    quarter of its width: 8 ms in one step, 4 in two), and the result is the same
    average of the same pixels up to rounding."""
    import cv2

    w, h = size
    while image.shape[1] >= 2 * w and image.shape[0] >= 2 * h \
            and image.shape[1] % 2 == 0 and image.shape[0] % 2 == 0:
        image = cv2.resize(image, (image.shape[1] // 2, image.shape[0] // 2),
                           interpolation=cv2.INTER_AREA)
    if (image.shape[1], image.shape[0]) == (w, h):
        return image
    return cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)


def _tensor(images: np.ndarray):
    """uint8 N x H x W x 3 to MTCNN's input: N x 3 x H x W floats, (x - 127.5) / 128
    (channel order as given: the networks' first layers take BGR here)."""
    import torch

    # permuted from N x H x W x 3, the tensor already is channels-last in memory
    return torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float() \
        .sub_(127.5).mul_(0.0078125).contiguous(memory_format=torch.channels_last)


def _crops(bgr: np.ndarray, boxes, size: int):
    """The boxes' pixels (clipped to the image, 1-based as MTCNN's ``pad``), each resized
    to ``size``; returns the boxes that had pixels and the batch."""
    import cv2
    import torch

    h, w = bgr.shape[:2]
    b = boxes[:, :4].trunc().int().numpy()
    x, y = np.maximum(b[:, 0], 1), np.maximum(b[:, 1], 1)
    ex, ey = np.minimum(b[:, 2], w), np.minimum(b[:, 3], h)
    ok = (ey > y - 1) & (ex > x - 1)
    crops = [cv2.resize(bgr[y[k] - 1:ey[k], x[k] - 1:ex[k]], (size, size), interpolation=cv2.INTER_AREA)
             for k in np.flatnonzero(ok)]
    if not crops:
        return boxes[:0], None
    return boxes[torch.from_numpy(ok)], _tensor(np.stack(crops))


_DEFAULT: FaceDetector | None = None
_DEFAULT_LOCK = threading.Lock()


def default_face_detector() -> FaceDetector:
    """The process's face detector, loaded once (a second or so); raises if it cannot load."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = FaceDetector()
        return _DEFAULT
