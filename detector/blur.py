"""Irreversible blurring of everything R8 says may not be recognisable.

A missed person is a privacy breach, so no single detector decides. The region that is
blurred is the union of independent sources, each kept as its own mask so the
evaluation can say what each adds:

- ``yolo_person``: persons from the model at a low threshold, boxes dilated;
- ``cabin``: the vehicle cabin derived from each detected vehicle, or from a detected
  plate when the vehicle itself was missed (a plate is the most reliably detected
  object in an ANPR photo, and the driver sits at a fixed place relative to it); the
  geometry depends on whether the camera sees vehicles from the front or the rear;
- ``privacy_mask``: the camera's registered polygons (homes, gardens), in the camera's
  pixel frame, scaled to the photo;
- ``hog``: optionally, OpenCV's HOG people detector as a second opinion that shares no
  weights or training data with the model;
- ``surroundings``: everything but the detected vehicles (boxes slightly dilated) and
  plates. An overview photo exists to show the vehicle; whatever lies around it (a
  pedestrian or cyclist the person detector missed, a house, a garden) is blurred
  anyway. When no vehicle is detected the whole frame is blurred but for the plate
  crop's region (fail closed). It cannot help with a person *inside* a vehicle's box
  (crossing in front of it): there the other sources decide, the cabin above all.

Blurring is irreversible by construction: every block of the grid that touches the
region is replaced by its mean (pixelation discards all detail inside the block), then
smoothed and dithered with noise so not even the block means survive exactly. The
result is a new array; the original is never written anywhere by this module.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import cv2
import numpy as np

log = logging.getLogger(__name__)

SOURCES: tuple[str, ...] = ("yolo_person", "cabin", "privacy_mask", "hog", "surroundings")


@dataclass(frozen=True)
class Detection:
    cls: str
    score: float
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in image pixels

    def to_dict(self) -> dict:
        return {"cls": self.cls, "score": round(self.score, 4),
                "box": [round(v, 1) for v in self.box]}


@dataclass(frozen=True)
class BlurConfig:
    person_conf: float = 0.05        # low on purpose: a false blur costs little
    other_conf: float = 0.25
    dilate: float = 0.25             # each side grows by this share of the box size...
    dilate_min_px: int = 6           # ...and at least this many pixels
    cabin: bool = True
    hog: bool = False
    block: int = 0                   # pixelation block in px; 0 = 1/30 of the short side
    surroundings: bool = True        # blur all but the detected vehicles and plates
    vehicle_dilate: float = 0.05     # the sharp vehicle region grows by this share...
    vehicle_dilate_min_px: int = 4   # ...and at least this many pixels each side
    plate_margin: float = 0.1        # a plate stays sharp with the margin of its crop


@dataclass
class BlurResult:
    image: np.ndarray
    mask: np.ndarray                              # replaced region (union in whole blocks), 0/255
    sources: dict[str, np.ndarray] = field(default_factory=dict)

    def coverage(self) -> float:
        return float((self.mask > 0).mean())


def _box_mask(shape: tuple[int, int], boxes: Iterable[Sequence[float]], dilate: float,
              min_px: int) -> np.ndarray:
    h, w = shape
    mask = np.zeros((h, w), np.uint8)
    for x1, y1, x2, y2 in boxes:
        dx = max(min_px, (x2 - x1) * dilate)
        dy = max(min_px, (y2 - y1) * dilate)
        a, b = int(max(0, np.floor(x1 - dx))), int(max(0, np.floor(y1 - dy)))
        c, d = int(min(w, np.ceil(x2 + dx))), int(min(h, np.ceil(y2 + dy)))
        if c > a and d > b:
            mask[b:d, a:c] = 255
    return mask


def to_blocks(mask: np.ndarray, block: int) -> np.ndarray:
    """Every grid block that touches ``mask``, as a boolean mask: what pixelation replaces."""
    h, w = mask.shape
    gh, gw = -(-h // block), -(-w // block)
    m = np.pad(mask > 0, ((0, gh * block - h), (0, gw * block - w)))
    hit = m.reshape(gh, block, gw, block).any(axis=(1, 3))
    return np.repeat(np.repeat(hit, block, 0), block, 1)[:h, :w]


def surroundings_mask(detections: Iterable[Detection], shape: tuple[int, int],
                      config: BlurConfig, block: int) -> np.ndarray:
    """Everything but the detected vehicles and plates, in whole blocks (0/255).

    What stays sharp is every block touching a dilated vehicle box or a plate with its
    crop margin: pixelation replaces whole blocks, so cutting the sharp region at pixel
    level would pixelate a plate that is less than two blocks high along with its
    surround. A plate whose vehicle was missed keeps only its own region, like a frame
    with no vehicle at all; what lies outside is blurred whatever the person detector
    said, so a missed detection there can no longer leak.
    """
    dets = [d for d in detections if d.score >= config.other_conf]
    vehicles = [d.box for d in dets if d.cls == "vehicle"]
    plates = [d.box for d in dets if d.cls == "plate"]
    keep = _box_mask(shape, vehicles, config.vehicle_dilate, config.vehicle_dilate_min_px)
    keep |= _box_mask(shape, plates, config.plate_margin, 0)
    return np.where(to_blocks(keep, block), 0, 255).astype(np.uint8)


def cabin_boxes(detections: Iterable[Detection], facing: str, shape: tuple[int, int],
                conf: float = 0.25) -> list[tuple[float, float, float, float]]:
    """Cabin rectangles from vehicles and, for vehicles not detected, from their plates.

    Seen from the front the windscreen (driver and passenger) is the upper half of the
    vehicle; from the rear the rear window sits a little lower and shows less, but
    passengers can still be recognisable, so it is blurred too. From a plate box of
    width ``pw`` (the plate with its surround, as the model is trained to box it) a
    passenger car's cabin spans about 2.7 ``pw`` wide and from 2.4 ``pw`` (front) or 2.1
    ``pw`` (rear) above the plate down to the bonnet; higher cabins (vans, trucks) are
    covered by their vehicle box when it is detected. A model boxing plates tightly
    gets a smaller cabin from these factors, so keep its vehicle class mapped.
    """
    dets = [d for d in detections if d.score >= conf]
    vehicles = [d.box for d in dets if d.cls == "vehicle"]
    out: list[tuple[float, float, float, float]] = []
    top_share, bottom_share = (0.0, 0.58) if facing == "front" else (0.0, 0.62)
    for x1, y1, x2, y2 in vehicles:
        hgt = y2 - y1
        out.append((x1, y1 + top_share * hgt, x2, y1 + bottom_share * hgt))
    for d in dets:
        if d.cls != "plate":
            continue
        x1, y1, x2, y2 = d.box
        cx, cy, pw = (x1 + x2) / 2, (y1 + y2) / 2, max(1.0, x2 - x1)
        up = 2.4 if facing == "front" else 2.1
        out.append((cx - 1.35 * pw, cy - up * pw, cx + 1.35 * pw, cy - 0.4 * pw))
    return out


def privacy_mask_pixels(polygons: Iterable[tuple[list[tuple[float, float]], int, int]],
                        shape: tuple[int, int]) -> np.ndarray:
    """Rasterise registered polygons (in their own frame size) onto this photo's size."""
    h, w = shape
    mask = np.zeros((h, w), np.uint8)
    for ring, fw, fh in polygons:
        pts = np.array([[x * w / fw, y * h / fh] for x, y in ring], np.float64)
        if len(pts) >= 3:
            cv2.fillPoly(mask, [np.round(pts).astype(np.int32)], 255)
    return mask


_HOG: cv2.HOGDescriptor | None = None


def hog_people(image: np.ndarray) -> list[tuple[float, float, float, float]]:
    """OpenCV's built-in (Dalal-Triggs) people detector: independent of our model."""
    global _HOG
    if not hasattr(cv2, "HOGDescriptor"):
        from anpr.errors import ConfigurationError

        raise ConfigurationError("OpenCV's HOG people detector is missing: OpenCV 5 ships it "
                                 "only in opencv-contrib-python-headless (the detector extra)")
    if _HOG is None:
        _HOG = cv2.HOGDescriptor()
        _HOG.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
    rects, _ = _HOG.detectMultiScale(image, winStride=(8, 8), padding=(8, 8), scale=1.05,
                                     hitThreshold=0.0)
    return [(float(x), float(y), float(x + w), float(y + h)) for x, y, w, h in rects]


def block_size(shape: tuple[int, int], config: BlurConfig) -> int:
    return config.block or max(12, round(min(shape) / 30))


def pixelate(image: np.ndarray, mask: np.ndarray, block: int,
             rng: np.random.Generator | None = None) -> np.ndarray:
    """Replace every grid block touching ``mask`` by its noisy mean, then smooth it.

    Whole blocks are replaced (not just the masked pixels inside them) so the edge of
    the region leaks nothing at sub-block resolution. Returns a new array.
    """
    return pixelate_region(image, mask, block, rng)[0]


def pixelate_region(image: np.ndarray, mask: np.ndarray, block: int,
                    rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`pixelate`, also returning the region actually replaced (whole blocks)."""
    h, w = mask.shape
    out = image.copy()
    if not mask.any():
        return out, np.zeros((h, w), bool)
    gh, gw = -(-h // block), -(-w // block)
    pad = ((0, gh * block - h), (0, gw * block - w))
    m = np.pad(mask > 0, pad)
    hit = m.reshape(gh, block, gw, block).any(axis=(1, 3))
    img = np.pad(image, pad + ((0, 0),) * (image.ndim - 2), mode="edge").astype(np.float32)
    shape = (gh, block, gw, block) + image.shape[2:]
    means = img.reshape(shape).mean(axis=(1, 3))
    rng = rng or np.random.default_rng()
    means += rng.normal(0, 4.0, means.shape)   # dither: block means do not survive exactly
    coarse = np.repeat(np.repeat(means, block, axis=0), block, axis=1)
    k = block | 1
    smooth = cv2.GaussianBlur(coarse, (k, k), block / 2.0)
    region = np.repeat(np.repeat(hit, block, axis=0), block, axis=1)[:h, :w]
    smooth = np.clip(smooth[:h, :w], 0, 255).astype(image.dtype)
    # copyto with a mask is several times faster than boolean indexing when the region
    # is most of the frame, as it is with the surroundings source
    np.copyto(out, smooth, where=region.reshape(region.shape + (1,) * (image.ndim - 2)))
    return out, region


def blur(image: np.ndarray, detections: Sequence[Detection], *, facing: str = "front",
         privacy_polygons: Iterable[tuple[list[tuple[float, float]], int, int]] = (),
         config: BlurConfig = BlurConfig(), rng: np.random.Generator | None = None
         ) -> BlurResult:
    """The blurred photo and the masks of each source; ``image`` is left untouched."""
    shape = image.shape[:2]
    block = block_size(shape, config)
    persons = [d.box for d in detections if d.cls == "person" and d.score >= config.person_conf]
    sources = {"yolo_person": _box_mask(shape, persons, config.dilate, config.dilate_min_px)}
    if config.cabin:
        sources["cabin"] = _box_mask(shape, cabin_boxes(detections, facing, shape,
                                                        config.other_conf), 0.05, 2)
    sources["privacy_mask"] = privacy_mask_pixels(privacy_polygons, shape)
    if config.hog:
        sources["hog"] = _box_mask(shape, hog_people(image), config.dilate, config.dilate_min_px)
    if config.surroundings:
        sources["surroundings"] = surroundings_mask(detections, shape, config, block)
    union = np.zeros(shape, np.uint8)
    for m in sources.values():
        union |= m
    out, region = pixelate_region(image, union, block, rng)
    # the mask reported is what was really replaced: the union grown to whole blocks
    return BlurResult(out, region.astype(np.uint8) * 255, sources)


def plate_crop(image: np.ndarray, detections: Sequence[Detection], conf: float = 0.25,
               margin: float = 0.1) -> np.ndarray | None:
    """The best plate, cut with a small margin, for when the camera sent no crop."""
    plates = [d for d in detections if d.cls == "plate" and d.score >= conf]
    if not plates:
        return None
    best = max(plates, key=lambda d: d.score)
    x1, y1, x2, y2 = best.box
    mx, my = (x2 - x1) * margin, (y2 - y1) * margin
    h, w = image.shape[:2]
    a, b = int(max(0, x1 - mx)), int(max(0, y1 - my))
    c, d = int(min(w, x2 + mx)), int(min(h, y2 + my))
    if c - a < 2 or d - b < 2:
        return None
    return image[b:d, a:c].copy()
