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
- ``surroundings``: everything but the sharp regions. An overview photo exists to show
  the vehicle; whatever lies around it (a pedestrian or cyclist the person detector
  missed, a house, a garden) is blurred anyway. Sharp regions are earned, not assumed
  (:func:`sharp_regions`): a plate box stays sharp only when it passes the plate check
  (size, aspect) and its crop reads as a Dutch plate (one of the RDW side-codes, read
  with confidence by :mod:`detector.ocr`), a vehicle box only when it holds such a plate
  at a plate's place. A head the model calls a vehicle holds no plate, a strip over eyes
  and glasses or a mouth the model calls a plate reads as none, so they are blurred; with
  nothing earned the whole frame is (fail closed). It cannot help with a person *inside*
  an earned vehicle box (crossing in front of it): there the other sources decide;
- ``face``: faces from a detector trained on real photos (:mod:`detector.faces`),
  applied to the whole frame, inside every sharp region included: at full resolution
  wherever the frame would stay sharp, at low resolution elsewhere (enough to find the
  faces too large for the frame's blocks, which are pixelated coarser). With the source
  on and the detector unable to load, :func:`blur` refuses (fail closed).

The sources form a registry (:data:`REGISTRY`, :func:`register`): each is a function of
the frame's :class:`SourceInput` that returns its mask, or ``None`` when switched off;
the union of all masks is what is blurred, so no source can make another's region sharp.

Blurring is irreversible by construction: every block of the grid that touches the
region is replaced by its mean (pixelation discards all detail inside the block), then
smoothed and dithered with noise so not even the block means survive exactly. The
result is a new array; the original is never written anywhere by this module.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

import cv2
import numpy as np

from detector.faces import shrink

log = logging.getLogger(__name__)

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
    faces: bool = True               # the face source (MTCNN): on the whole frame
    face_dilate: float = 0.3         # a face box grows by this share each side (hair, ears)
    face_dilate_min_px: int = 6
    read_plates: bool = True         # a plate earns sharpness only if it reads as a Dutch plate
    plate_min_confidence: float = 0.3  # the side-code does most of the work (docs/detector.md)


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
    hit = _blocks_hit(mask, block).astype(np.uint8)
    return cv2.resize(hit, (gw * block, gh * block), interpolation=cv2.INTER_NEAREST)[:h, :w] > 0


@dataclass(frozen=True)
class PlateCheck:
    """What a plate box must look like to stay sharp (a box as the model draws it: the
    plate with its surround, ~2.8 wide per high; a tight plate box is ~4.7)."""
    min_w: float = 16.0              # px: narrower is no readable plate
    min_h: float = 5.0
    min_aspect: float = 1.8          # width / height
    max_aspect: float = 7.5
    max_frame_share: float = 0.35    # of the frame's width: a plate is never that wide
    # within a vehicle box: its width share, and where its centre lies
    min_vehicle_share: float = 0.06
    max_vehicle_share: float = 0.6
    min_depth: float = 0.45          # centre at least this far down the vehicle box
    max_offcentre: float = 0.35      # |centre - vehicle centre| / vehicle width


def plate_reasons(box: Sequence[float], shape: tuple[int, int],
                  check: PlateCheck = PlateCheck()) -> list[str]:
    """Why a plate box fails the plate check (empty: it passes)."""
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    out = []
    if w < check.min_w or h < check.min_h:
        out.append(f"too small ({w:.0f}x{h:.0f} px)")
    aspect = w / h if h > 0 else float("inf")
    if not check.min_aspect <= aspect <= check.max_aspect:
        out.append(f"aspect {aspect:.1f} is not a plate's")
    if w > check.max_frame_share * shape[1]:
        out.append(f"{w / shape[1]:.0%} of the frame wide")
    return out


def plate_in_vehicle(plate: Sequence[float], vehicle: Sequence[float],
                     check: PlateCheck = PlateCheck()) -> bool:
    """Whether a (passing) plate sits where a vehicle's plate sits: low, near the middle."""
    px1, py1, px2, py2 = plate
    vx1, vy1, vx2, vy2 = vehicle
    vw, vh = vx2 - vx1, vy2 - vy1
    if vw <= 0 or vh <= 0:
        return False
    cx, cy = (px1 + px2) / 2, (py1 + py2) / 2
    share = (px2 - px1) / vw
    return (vx1 <= cx <= vx2 and vy1 <= cy <= vy2
            and check.min_vehicle_share <= share <= check.max_vehicle_share
            and (cy - vy1) / vh >= check.min_depth
            and abs(cx - (vx1 + vx2) / 2) / vw <= check.max_offcentre)


PlateReads = Callable[[Sequence[np.ndarray]], list]  # crops -> detector.ocr.Read, one each


def _plate_reads() -> PlateReads:
    from detector.ocr import default_reader

    return default_reader().read_many  # raises ConfigurationError: blur refuses


def cut(image: np.ndarray, box: Sequence[float], margin: float) -> np.ndarray | None:
    """The box with ``margin`` of its size on each side, clipped to the image."""
    x1, y1, x2, y2 = box
    mx, my = (x2 - x1) * margin, (y2 - y1) * margin
    h, w = image.shape[:2]
    a, b = int(max(0, x1 - mx)), int(max(0, y1 - my))
    c, d = int(min(w, x2 + mx)), int(min(h, y2 + my))
    if c - a < 2 or d - b < 2:
        return None
    return image[b:d, a:c]


@dataclass(frozen=True)
class Region:
    """A detection and whether it earned being kept sharp, with the reason."""
    cls: str
    box: tuple[float, float, float, float]
    sharp: bool
    reason: str


def sharp_regions(detections: Iterable[Detection], image: np.ndarray | tuple[int, int],
                  config: BlurConfig, check: PlateCheck = PlateCheck(),
                  plates: PlateReads | None = None) -> list[Region]:
    """Every vehicle and plate above the threshold, each kept sharp or not, and why.

    A plate is kept when it passes :func:`plate_reasons` and (with ``config.read_plates``)
    its crop, cut with the crop's margin, reads as a Dutch plate by side-code with at
    least ``config.plate_min_confidence``; a vehicle when one of the kept plates lies in
    it at a plate's place (:func:`plate_in_vehicle`). ``plates`` reads a batch of crops
    (default: :func:`detector.ocr.default_reader`); given only the frame's shape there is
    nothing to read, and no plate is kept. When in doubt, blur.
    """
    pixels = image if isinstance(image, np.ndarray) else None
    shape = pixels.shape[:2] if pixels is not None else tuple(image)
    dets = [d for d in detections if d.score >= config.other_conf]
    out: list[Region] = []
    plates_kept: list[tuple[float, float, float, float]] = []
    shaped = [(d, plate_reasons(d.box, shape, check)) for d in dets if d.cls == "plate"]
    reads: dict[int, object] = {}
    if config.read_plates and pixels is not None:
        todo = [(i, cut(pixels, d.box, config.plate_margin)) for i, (d, why) in enumerate(shaped)
                if not why]
        todo = [(i, c) for i, c in todo if c is not None]
        if todo:
            got = (plates or _plate_reads())([c for _, c in todo])
            reads = {i: r for (i, _), r in zip(todo, got)}
    for i, (d, why) in enumerate(shaped):
        if not why and config.read_plates:
            r = reads.get(i)
            if r is None:
                why = ["not read (no pixels)"]
            elif not r.plausible(config.plate_min_confidence):
                why = [f"reads {repr(r.text) if r.text else 'nothing'} ({r.confidence:.2f}): "
                       + ("not a Dutch side-code" if r.side_code is None else "too unsure")]
        ok = "passes the plate check" if not config.read_plates or i not in reads else \
            f"reads {reads[i].text} (side-code {reads[i].side_code}, {reads[i].confidence:.2f})"
        out.append(Region("plate", d.box, not why, "; ".join(why) or ok))
        if not why:
            plates_kept.append(d.box)
    for d in dets:
        if d.cls != "vehicle":
            continue
        ok = any(plate_in_vehicle(p, d.box, check) for p in plates_kept)
        out.append(Region("vehicle", d.box, ok, "holds a plate that passes the check" if ok
                          else "holds no plate that passes the check"))
    return out


def surroundings_mask(detections: Iterable[Detection], image: np.ndarray | tuple[int, int],
                      config: BlurConfig, block: int, plates: PlateReads | None = None
                      ) -> np.ndarray:
    """Everything but the earned sharp regions (:func:`sharp_regions`), in whole blocks.

    What stays sharp is every block touching a dilated earned vehicle box or an earned
    plate with its crop margin: pixelation replaces whole blocks, so cutting the sharp
    region at pixel level would pixelate a plate that is less than two blocks high along
    with its surround. A plate whose vehicle was missed keeps only its own region, like a
    frame with no vehicle at all; what lies outside is blurred whatever the person
    detector said, so a missed detection there can no longer leak.
    """
    shape = image.shape[:2] if isinstance(image, np.ndarray) else tuple(image)
    regions = [r for r in sharp_regions(detections, image, config, plates=plates) if r.sharp]
    keep = _box_mask(shape, [r.box for r in regions if r.cls == "vehicle"],
                     config.vehicle_dilate, config.vehicle_dilate_min_px)
    keep |= _box_mask(shape, [r.box for r in regions if r.cls == "plate"], config.plate_margin, 0)
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
    """:func:`pixelate`, also returning the region actually replaced (whole blocks).

    What replaces the region is a function of the block means alone: each block's mean
    (edge blocks padded by repeating the frame's edge), dithered, drawn at a few samples
    per block, smoothed there (a Gaussian of half a block) and enlarged to the frame's size
    by linear interpolation. Smoothing at full size gives the same picture at many times
    the cost (a 1080p frame: a 37-tap filter over six million values).
    """
    h, w = mask.shape
    out = image.copy()
    if not mask.any():
        return out, np.zeros((h, w), bool)
    gh, gw = -(-h // block), -(-w // block)
    hit = _blocks_hit(mask, block)
    padded = cv2.copyMakeBorder(image, 0, gh * block - h, 0, gw * block - w, cv2.BORDER_REPLICATE)
    # an integer factor: area interpolation is the exact mean of each block
    means = cv2.resize(padded, (gw, gh), interpolation=cv2.INTER_AREA).astype(np.float32)
    rng = rng or np.random.default_rng()
    means += rng.normal(0, 4.0, means.shape).astype(np.float32)  # block means do not survive exactly
    per = SMOOTH_SAMPLES
    coarse = cv2.resize(means, (gw * per, gh * per), interpolation=cv2.INTER_NEAREST)
    coarse = cv2.GaussianBlur(coarse, (per | 1, per | 1), per / 2.0, borderType=cv2.BORDER_REPLICATE)
    coarse = np.clip(coarse, 0, 255).astype(image.dtype)
    smooth = cv2.resize(coarse, (gw * block, gh * block), interpolation=cv2.INTER_LINEAR)[:h, :w]
    region = cv2.resize(hit.astype(np.uint8), (gw * block, gh * block),
                        interpolation=cv2.INTER_NEAREST)[:h, :w].astype(bool)
    # OpenCV's masked copy: many times faster than numpy's (boolean indexing or copyto
    # with where) when the region is most of a large frame, as with the surroundings
    out = cv2.copyTo(smooth.reshape(image.shape), region.view(np.uint8), out)
    return out, region


def _blocks_hit(mask: np.ndarray, block: int) -> np.ndarray:
    """Which grid blocks ``mask`` touches, one value per block (rows first, then columns:
    two contiguous reductions instead of one over a 4-d view)."""
    h, w = mask.shape
    gh, gw = -(-h // block), -(-w // block)
    m = np.pad(mask > 0, ((0, gh * block - h), (0, gw * block - w)))
    return m.reshape(gh, block, gw * block).any(axis=1).reshape(gh, gw, block).any(axis=2)


SMOOTH_SAMPLES = 4   # samples per block at which the block means are smoothed


@dataclass
class SourceInput:
    """What a blur source sees of one frame."""
    image: np.ndarray
    detections: Sequence[Detection]
    facing: str
    privacy_polygons: list[tuple[list[tuple[float, float]], int, int]]
    config: BlurConfig
    block: int
    faces: Callable[[np.ndarray], list[tuple[float, float, float, float]]] | None = None
    plates: PlateReads | None = None
    sources: dict[str, np.ndarray] = field(default_factory=dict)  # those computed before

    @property
    def shape(self) -> tuple[int, int]:
        return self.image.shape[:2]


REGISTRY: dict[str, Callable[[SourceInput], np.ndarray | None]] = {}


def register(name: str):
    """Add a blur source: a function of the frame's :class:`SourceInput` returning its
    mask (0/255, the frame's size), or ``None`` when it is switched off."""
    def deco(fn: Callable[[SourceInput], np.ndarray | None]):
        REGISTRY[name] = fn
        return fn
    return deco


@register("yolo_person")
def _yolo_person(s: SourceInput) -> np.ndarray:
    c = s.config
    persons = [d.box for d in s.detections if d.cls == "person" and d.score >= c.person_conf]
    return _box_mask(s.shape, persons, c.dilate, c.dilate_min_px)


@register("cabin")
def _cabin(s: SourceInput) -> np.ndarray | None:
    if not s.config.cabin:
        return None
    return _box_mask(s.shape, cabin_boxes(s.detections, s.facing, s.shape, s.config.other_conf),
                     0.05, 2)


@register("privacy_mask")
def _privacy(s: SourceInput) -> np.ndarray:
    return privacy_mask_pixels(s.privacy_polygons, s.shape)


@register("hog")
def _hog(s: SourceInput) -> np.ndarray | None:
    if not s.config.hog:
        return None
    return _box_mask(s.shape, hog_people(s.image), s.config.dilate, s.config.dilate_min_px)


@register("surroundings")
def _surroundings(s: SourceInput) -> np.ndarray | None:
    if not s.config.surroundings:
        return None
    return surroundings_mask(s.detections, s.image, s.config, s.block, s.plates)


@register("face")
def _face(s: SourceInput) -> np.ndarray | None:
    """Faces anywhere in the frame, in two passes that together miss no place.

    Registered last, it sees what the other sources blur. Pass 1 looks at the whole
    frame at low resolution, for every face large enough to need :func:`coarsen_faces`
    (a face smaller than that is pixelated into fewer than :data:`FACE_BLOCKS` blocks by
    the frame's own blur wherever another source covers it). Pass 2 looks at full
    resolution wherever the frame would otherwise stay sharp (every earned vehicle and
    plate region, grown by the largest face pass 1 may miss: with MTCNN, each level of
    its pyramid grown by the largest face that level finds), down to the detector's
    smallest face. With most of the frame sharp, one full-resolution pass on the whole
    frame. The MTCNN calls of a frame run side by side, one per core
    (:meth:`detector.faces.FaceDetector.many`).
    """
    if not s.config.faces:
        return None
    faces = s.faces
    if faces is None:
        from detector.faces import default_face_detector

        faces = default_face_detector()  # raises ConfigurationError: blur refuses
    c = s.config
    h, w = s.shape
    # a face wider than this gets FACE_BLOCKS blocks or more once dilated: pass 1 finds it
    large = FACE_BLOCKS * s.block / (1 + 2 * c.face_dilate)
    scale = min(1.0, LOWRES_FACE_PX / large)
    if scale >= 0.9:  # low resolution would hardly be smaller: one full-resolution pass
        return _box_mask(s.shape, faces(s.image), c.face_dilate, c.face_dilate_min_px)
    others = np.zeros((h, w), np.uint8)
    for m in s.sources.values():
        others |= m
    # what stays sharp, block by block (the blur replaces whole blocks)
    sharp = ~_blocks_hit(others, s.block)
    rows = np.minimum(s.block, h - np.arange(sharp.shape[0]) * s.block)
    cols = np.minimum(s.block, w - np.arange(sharp.shape[1]) * s.block)
    if (rows[:, None] * cols[None, :])[sharp].sum() > 0.5 * h * w:
        return _box_mask(s.shape, faces(s.image), c.face_dilate, c.face_dilate_min_px)
    small_size = (max(1, round(w * scale)), max(1, round(h * scale)))
    regions: list[tuple[int, int, int, int]] = []
    if sharp.any():
        n, _, stats, _ = cv2.connectedComponentsWithStats(sharp.astype(np.uint8))
        k = s.block
        regions = [(x * k, y * k, min(w, (x + bw) * k), min(h, (y + bh) * k))
                   for x, y, bw, bh, _ in stats[1:n]]
    if getattr(faces, "takes_regions", False):
        # pass 1 from LOWRES_MIN_FACE_PX up; pass 2: every face up to the size pass 1
        # finds that reaches into a sharp region, each level of the detector's pyramid
        # grown only by the faces it finds; the calls side by side (one per core)
        # (the small frame is made on pass 1's thread, beside pass 2)
        found = faces.many([(lambda: shrink(s.image, small_size),
                             {"min_face": LOWRES_MIN_FACE_PX})]
                           + [(s.image, {"regions": [r], "max_face": large}) for r in regions])
        boxes = [tuple(v / scale for v in b) for b in found[0]]
        for more in found[1:]:
            boxes += more
    else:   # any other face detector: the small frame, then each region grown by the
        # largest face pass 1 may miss
        boxes = [tuple(v / scale for v in b) for b in faces(shrink(s.image, small_size))]
        grow = int(np.ceil(large))
        for x1, y1, x2, y2 in regions:
            a, b = max(0, x1 - grow), max(0, y1 - grow)
            e, d = min(w, x2 + grow), min(h, y2 + grow)
            boxes += [(fx1 + a, fy1 + b, fx2 + a, fy2 + b)
                      for fx1, fy1, fx2, fy2 in faces(s.image[b:d, a:e])]
    return _box_mask(s.shape, boxes, c.face_dilate, c.face_dilate_min_px)


LOWRES_FACE_PX = 32  # pass 1 scales the frame so that its "large" face is this many px
# ...and looks for faces from this size up (a face detector that takes it: MTCNN finds
# all 100 faces of scikit-image's LFW crops at 32 px with this minimum, 98 at 28 px);
# below it, pass 1 would pay twice as much for faces that pass 2 or the frame's blocks
# already take care of
LOWRES_MIN_FACE_PX = 24


SOURCES: tuple[str, ...] = tuple(REGISTRY)


def blur(image: np.ndarray, detections: Sequence[Detection], *, facing: str = "front",
         privacy_polygons: Iterable[tuple[list[tuple[float, float]], int, int]] = (),
         config: BlurConfig = BlurConfig(), rng: np.random.Generator | None = None,
         faces: Callable[[np.ndarray], list[tuple[float, float, float, float]]] | None = None,
         plates: PlateReads | None = None) -> BlurResult:
    """The blurred photo and the masks of each source; ``image`` is left untouched.

    ``faces`` is the face detector (default: :func:`detector.faces.default_face_detector`,
    loaded once per process); with ``config.faces`` on and no detector loadable this
    raises :class:`~anpr.errors.ConfigurationError` rather than return a photo whose
    faces nothing looked for. ``plates`` reads plate crops for the plate check (default:
    :func:`detector.ocr.default_reader`, loaded once; it refuses to blur without it too).
    """
    shape = image.shape[:2]
    block = block_size(shape, config)
    inp = SourceInput(image, detections, facing, list(privacy_polygons), config, block, faces,
                      plates)
    sources: dict[str, np.ndarray] = {}
    for name, fn in REGISTRY.items():
        inp.sources = dict(sources)
        m = fn(inp)
        if m is not None:
            sources[name] = m
    union = np.zeros(shape, np.uint8)
    for m in sources.values():
        union |= m
    out, region = pixelate_region(image, union, block, rng)
    if "face" in sources:
        out = coarsen_faces(out, sources["face"], block, rng)
    # the mask reported is what was really replaced: the union grown to whole blocks
    return BlurResult(out, region.astype(np.uint8) * 255, sources)


FACE_BLOCKS = 5  # a face this many frame blocks across (dilated) or wider: pass 1 finds it
COARSE_FACE_BLOCKS = 2  # a face the face source found is pixelated into at most this many
FACE_FEATHER = 0.5  # ... fading into the frame's blur over this share of a frame block


def coarsen_faces(image: np.ndarray, face_mask: np.ndarray, block: int,
                  rng: np.random.Generator | None = None) -> np.ndarray:
    """Pixelate each face region again, in blocks of half its size at least.

    The frame's block (a thirtieth of its short side) leaves a face that fills the frame
    a mosaic of a dozen blocks across: no detail, but still the layout of a face, which
    a face detector finds again. A face the face source found gets at most
    :data:`COARSE_FACE_BLOCKS` blocks across: a smooth gradient with no eyes, nose or
    mouth in it. At five blocks (the rule before), OpenCV's Haar cascade found a "face"
    in 4 of 40 dithers of messi5.jpg: the shirt's crest, whose window the blurred face's
    lower edge cuts, and once a window across the blurred face's edge; at two, it finds
    none in 200 dithers of any real photo (docs/detector.md).

    The coarse region fades into the frame's own blur over :data:`FACE_FEATHER` of a
    frame block inside its border (the dilated face box's rim: hair and background,
    already pixelated). Pasted with a hard edge, the step between its two blocks and the
    frame's finer ones crossed small heads beside a large face, and counted there as
    detail kept (up to 43% on the rendered hard cases).
    """
    out = image
    if not cv2.countNonZero(face_mask):
        return out
    n, _, stats, _ = cv2.connectedComponentsWithStats((face_mask > 0).astype(np.uint8))
    ramp = max(1.0, FACE_FEATHER * block)
    for x, y, w, h, _ in stats[1:n]:
        coarse = max(block, int(np.ceil(max(w, h) / COARSE_FACE_BLOCKS)))
        if coarse <= block:
            continue
        crop = out[y:y + h, x:x + w]
        smooth = pixelate(crop, np.full(crop.shape[:2], 255, np.uint8), coarse, rng)
        # weight of the coarse region: 1 inside, falling to 0 at its border
        rows = np.minimum(np.arange(h), np.arange(h)[::-1])[:, None]
        cols = np.minimum(np.arange(w), np.arange(w)[::-1])[None, :]
        a = np.clip((np.minimum(rows, cols) + 0.5) / ramp, 0.0, 1.0).astype(np.float32)
        a = a[..., None] if crop.ndim == 3 else a
        out[y:y + h, x:x + w] = np.rint(a * smooth + (1.0 - a) * crop).astype(out.dtype)
    return out


def plate_crop(image: np.ndarray, detections: Sequence[Detection], conf: float = 0.25,
               margin: float = 0.1) -> np.ndarray | None:
    """The best plate, cut with a small margin, for when the camera sent no crop."""
    plates = [d for d in detections if d.cls == "plate" and d.score >= conf]
    if not plates:
        return None
    crop = cut(image, max(plates, key=lambda d: d.score).box, margin)
    return None if crop is None else crop.copy()


EXPLAIN_COLOURS = {  # BGR
    "yolo_person": (0, 165, 255), "cabin": (255, 0, 255), "privacy_mask": (255, 255, 0),
    "hog": (0, 255, 255), "surroundings": (255, 128, 0), "face": (0, 0, 255),
}


def explain_picture(result: BlurResult, regions: Sequence[Region] = ()) -> np.ndarray:
    """The blurred photo with each source's region outlined in its colour, and each
    vehicle and plate box: green when it was kept sharp, grey (with the reason) when it
    was refused. Drawn on the blurred photo, never on the original."""
    img = result.image.copy()
    h, w = img.shape[:2]
    t = max(1, round(min(h, w) / 300))
    for name, m in result.sources.items():
        contours, _ = cv2.findContours((m > 0).astype(np.uint8), cv2.RETR_EXTERNAL,
                                       cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(img, contours, -1, EXPLAIN_COLOURS.get(name, (255, 255, 255)), t)
    for r in regions:
        x1, y1, x2, y2 = (int(round(v)) for v in r.box)
        colour = (0, 200, 0) if r.sharp else (160, 160, 160)
        cv2.rectangle(img, (x1, y1), (x2, y2), colour, t)
        label = f"{r.cls}: {'sharp' if r.sharp else 'blurred'} ({r.reason})"
        cv2.putText(img, label, (x1 + 2, max(12, y1 - 4)), cv2.FONT_HERSHEY_SIMPLEX,
                    0.35 * t, colour, 1, cv2.LINE_AA)
    y = 14 * t
    for name in result.sources:
        cv2.putText(img, name, (6, y), cv2.FONT_HERSHEY_SIMPLEX, 0.45 * t,
                    EXPLAIN_COLOURS.get(name, (255, 255, 255)), max(1, t), cv2.LINE_AA)
        y += 16 * t
    return img
