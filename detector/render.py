"""Procedural road scenes as ANPR overview cameras see them, with exact labels.

No camera images or pretrained weights can be downloaded here, so the detector learns
from scenes this module draws: vehicles seen from the front or the rear with Dutch
yellow plates (real side-codes, the RDW character set), drivers and passengers behind
the windscreen, pedestrians and cyclists at the roadside, houses and gardens beyond
the verge; by day in colour, by night in infrared greyscale, in rain, with motion blur,
in low light and with plates small in the frame.

Every scene is a pure function of ``(seed, split, index)``, so a data set can be
regenerated bit for bit and the held-out split (``test``) is drawn from a seed stream
the training split never uses. Besides the YOLO labels, each scene returns a pixel mask
of every person it drew; the evaluation uses it to measure blur leakage in pixels, not
boxes, because a breach is a visible face, not a missed rectangle.
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

log = logging.getLogger(__name__)

CLASSES: tuple[str, ...] = ("plate", "person", "vehicle")
PLATE, PERSON, VEHICLE = 0, 1, 2

# Letters on current Dutch plates: no vowels, and no C, M, Q, W, Y (RDW).
PLATE_LETTERS = "BDFGHJKLNPRSTVXZ"
PLATE_DIGITS = "0123456789"
# The RDW side-codes 1-14: L letter, D digit, groups joined by dashes.
SIDE_CODES: tuple[str, ...] = (
    "LL-DD-DD", "DD-DD-LL", "DD-LL-DD", "LL-DD-LL", "LL-LL-DD", "DD-LL-LL",
    "DD-LLL-D", "D-LLL-DD", "LL-DDD-L", "L-DDD-LL", "LLL-DD-L", "L-DD-LLL",
    "D-LL-DDD", "DDD-LL-D",
)
CONDITIONS: tuple[str, ...] = ("day", "night_ir", "rain", "motion_blur", "low_light", "small_plates")
SPLITS: dict[str, int] = {"train": 0, "val": 1, "test": 2}

PLATE_YELLOW = (0, 204, 255)  # BGR of the RDW yellow
# The plate label is the plate with its immediate surround: a plate is ~4.7x wider than
# tall and only a few pixels high in an overview photo, and a box that thin never
# overlaps the detector's initial guesses enough for it to learn (the first CPU run
# learnt persons and vehicles but not one plate). The crop keeps this margin.
PLATE_BOX_PAD = (1.3, 2.2)
EU_BLUE = (153, 51, 0)


def plate_text(rng: np.random.Generator) -> str:
    """A plate in a real side-code, as printed (with dashes)."""
    code = SIDE_CODES[int(rng.integers(len(SIDE_CODES)))]
    return "".join(
        PLATE_LETTERS[int(rng.integers(len(PLATE_LETTERS)))] if c == "L"
        else PLATE_DIGITS[int(rng.integers(10))] if c == "D" else c
        for c in code)


def scene_seed(seed: int, split: str, index: int) -> int:
    """A seed per scene; the split is part of the hash so splits never share scenes."""
    digest = hashlib.sha256(f"{seed}:{split}:{index}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


@dataclass
class Scene:
    image: np.ndarray                       # BGR uint8, H x W x 3
    boxes: list[tuple[int, float, float, float, float]]  # (cls, x1, y1, x2, y2) pixels
    person_mask: np.ndarray                 # uint8 H x W, 255 where a person is drawn
    condition: str
    facing: str                             # "front" or "rear": which side the camera sees
    plates: list[str] = field(default_factory=list)

    def yolo_lines(self) -> list[str]:
        h, w = self.image.shape[:2]
        out = []
        for cls, x1, y1, x2, y2 in self.boxes:
            x1, x2 = max(0.0, x1), min(float(w), x2)
            y1, y2 = max(0.0, y1), min(float(h), y2)
            if x2 - x1 < 2 or y2 - y1 < 2:
                continue
            out.append(f"{cls} {(x1 + x2) / 2 / w:.6f} {(y1 + y2) / 2 / h:.6f} "
                       f"{(x2 - x1) / w:.6f} {(y2 - y1) / h:.6f}")
        return out


def _colour(rng: np.random.Generator, lo: int = 20, hi: int = 235) -> tuple[int, int, int]:
    return tuple(int(v) for v in rng.integers(lo, hi, 3))  # type: ignore[return-value]


SKIN = [(60, 90, 140), (90, 130, 190), (120, 160, 215), (150, 190, 235), (40, 60, 95)]


def _draw_houses(img: np.ndarray, rng: np.random.Generator, horizon: int) -> None:
    """A row of terraced houses with gardens beyond the verge (non-public: R8 masks)."""
    w = img.shape[1]
    x = int(rng.integers(-40, 0))
    while x < w:
        hw = int(rng.integers(70, 150))
        hh = int(rng.integers(int(horizon * 0.45), int(horizon * 0.85)))
        top = horizon - hh
        wall = _colour(rng, 40, 200)
        cv2.rectangle(img, (x, top), (x + hw, horizon), wall, -1)
        roof = (int(rng.integers(20, 70)), int(rng.integers(30, 80)), int(rng.integers(60, 140)))
        pts = np.array([[x - 4, top], [x + hw + 4, top], [x + hw // 2, top - hh // 3]], np.int32)
        cv2.fillPoly(img, [pts], roof)
        for wx in range(x + 10, x + hw - 20, 32):
            for wy in range(top + 10, horizon - 25, 38):
                glass = (int(rng.integers(60, 140)),) * 3
                cv2.rectangle(img, (wx, wy), (wx + 18, wy + 22), glass, -1)
                cv2.rectangle(img, (wx, wy), (wx + 18, wy + 22), (230, 230, 230), 2)
        x += hw + int(rng.integers(0, 12))
    # gardens: hedges and shrubs in front of the houses
    for _ in range(int(rng.integers(4, 10))):
        cx = int(rng.integers(0, w))
        cy = int(horizon + rng.integers(-8, 10))
        green = (int(rng.integers(20, 70)), int(rng.integers(90, 170)), int(rng.integers(20, 80)))
        cv2.ellipse(img, (cx, cy), (int(rng.integers(15, 45)), int(rng.integers(8, 22))),
                    0, 0, 360, green, -1)


def _draw_pedestrian(img: np.ndarray, mask: np.ndarray, rng: np.random.Generator,
                     foot: tuple[int, int], height: int, cyclist: bool
                     ) -> tuple[float, float, float, float]:
    """A standing or cycling figure; returns its box. Drawn into the person mask too."""
    fx, fy = foot
    head_r = max(2, height // 14)
    body_w = max(4, height // 5)
    skin = SKIN[int(rng.integers(len(SKIN)))]
    shirt = _colour(rng)
    trousers = _colour(rng, 10, 120)
    layers = [img, mask]
    head_c = (fx, fy - height + head_r)
    shoulder_y = fy - height + 2 * head_r + 1
    hip_y = fy - int(height * 0.45) if not cyclist else fy - int(height * 0.35)
    x1, x2 = fx - body_w // 2 - 2, fx + body_w // 2 + 2
    if cyclist:
        wheel_r = max(4, height // 5)
        bike = _colour(rng, 0, 90)
        for cx in (fx - int(wheel_r * 1.6), fx + int(wheel_r * 1.6)):
            cv2.circle(img, (cx, fy - wheel_r), wheel_r, bike, max(1, height // 60))
        cv2.line(img, (fx - int(wheel_r * 1.6), fy - wheel_r), (fx, hip_y), bike, 2)
        cv2.line(img, (fx + int(wheel_r * 1.6), fy - wheel_r), (fx, hip_y), bike, 2)
        x1 = min(x1, fx - int(wheel_r * 2.6))
        x2 = max(x2, fx + int(wheel_r * 2.6))
    for layer in layers:
        is_mask = layer is mask
        col = (lambda c: 255) if is_mask else (lambda c: c)
        # legs
        leg_w = max(2, body_w // 3)
        if cyclist:
            cv2.line(layer, (fx - 2, hip_y), (fx + body_w // 2, fy - height // 6), col(trousers), leg_w)
            cv2.line(layer, (fx + 2, hip_y), (fx - body_w // 3, fy - height // 8), col(trousers), leg_w)
        else:
            cv2.line(layer, (fx - body_w // 4, hip_y), (fx - body_w // 3, fy), col(trousers), leg_w)
            cv2.line(layer, (fx + body_w // 4, hip_y), (fx + body_w // 3, fy), col(trousers), leg_w)
        cv2.rectangle(layer, (fx - body_w // 2, shoulder_y), (fx + body_w // 2, hip_y), col(shirt), -1)
        arm = max(2, body_w // 4)
        cv2.line(layer, (fx - body_w // 2, shoulder_y + 2), (fx - body_w // 2 - 2, hip_y), col(shirt), arm)
        cv2.line(layer, (fx + body_w // 2, shoulder_y + 2), (fx + body_w // 2 + 2, hip_y), col(shirt), arm)
        cv2.circle(layer, head_c, head_r, col(skin), -1)
        if not is_mask:
            hair = _colour(rng, 0, 90)
            cv2.ellipse(layer, (head_c[0], head_c[1] - head_r // 3), (head_r, max(1, head_r * 2 // 3)),
                        0, 180, 360, hair, -1)
    return (float(x1), float(fy - height), float(x2), float(fy + 1))


def _draw_occupant(img: np.ndarray, mask: np.ndarray, rng: np.random.Generator,
                   cx: int, base_y: int, size: int, clip: np.ndarray
                   ) -> tuple[float, float, float, float] | None:
    """Head and shoulders behind the windscreen; only the part inside the glass counts."""
    head_r = max(3, size // 4)
    skin = SKIN[int(rng.integers(len(SKIN)))]
    shirt = _colour(rng, 10, 200)
    local = np.zeros(mask.shape, np.uint8)
    head_c = (cx, base_y - size + head_r + int(size * 0.1))
    cv2.ellipse(local, (cx, base_y), (int(size * 0.55), int(size * 0.35)), 0, 180, 360, 255, -1)
    cv2.circle(local, head_c, head_r, 255, -1)
    local &= clip
    if local.sum() == 0:
        return None
    body = np.zeros_like(img)
    cv2.ellipse(body, (cx, base_y), (int(size * 0.55), int(size * 0.35)), 0, 180, 360, shirt, -1)
    cv2.circle(body, head_c, head_r, skin, -1)
    hair = _colour(rng, 0, 80)
    cv2.ellipse(body, (head_c[0], head_c[1] - head_r // 3), (head_r, max(1, head_r * 2 // 3)),
                0, 180, 360, hair, -1)
    if rng.random() < 0.5:  # eyes, so that the face has detail worth blurring
        for dx in (-head_r // 3, head_r // 3):
            cv2.circle(body, (head_c[0] + dx, head_c[1]), max(1, head_r // 6), (20, 20, 20), -1)
    sel = local > 0
    # seen through tinted glass: blend with the glass colour
    img[sel] = (0.8 * body[sel] + 0.2 * img[sel]).astype(np.uint8)
    mask[sel] = 255
    ys, xs = np.nonzero(local)
    return (float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1))


def printed_plate(plate: str) -> str:
    """A normalised Dutch plate as printed, dashes between its side-code groups
    (``ZB123K`` -> ``ZB-123-K``; a run of four splits in two: ``KLNP12`` -> ``KL-NP-12``).
    """
    groups: list[str] = []
    for ch in plate:
        if groups and groups[-1][-1].isdigit() == ch.isdigit():
            groups[-1] += ch
        else:
            groups.append(ch)
    out: list[str] = []
    for g in groups:
        out += [g[:2], g[2:]] if len(g) == 4 else [g]
    return "-".join(out)


def _draw_plate(img: np.ndarray, rng: np.random.Generator, cx: int, cy: int, pw: int,
                front: bool, night: bool, text: str | None = None
                ) -> tuple[str, tuple[float, float, float, float]]:
    drawn = plate_text(rng)  # drawn always, so a given text leaves the rest of the scene as is
    text = text or drawn
    ph = max(4, int(pw * 0.22))
    x1, y1 = cx - pw // 2, cy - ph // 2
    x2, y2 = x1 + pw, y1 + ph
    yellow = (235, 245, 250) if night else PLATE_YELLOW  # retroreflective: white under IR
    cv2.rectangle(img, (x1, y1), (x2, y2), yellow, -1)
    cv2.rectangle(img, (x1, y1), (x2, y2), (10, 10, 10), max(1, pw // 90))
    band = int(pw * 0.09)
    if band >= 2:
        cv2.rectangle(img, (x1, y1), (x1 + band, y2), (90, 90, 90) if night else EU_BLUE, -1)
    scale = ph / 32.0
    thick = max(1, int(round(ph / 11)))
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    if tw > 0:
        fit = min(1.0, (pw - band - 4) / tw)
        scale *= fit
        (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    tx = x1 + band + max(1, (pw - band - tw) // 2)
    ty = y1 + (ph + th) // 2
    cv2.putText(img, text, (tx, ty), cv2.FONT_HERSHEY_SIMPLEX, scale, (15, 15, 15), thick, cv2.LINE_AA)
    cx, cy = (x1 + x2 + 1) / 2, (y1 + y2 + 1) / 2
    hw, hh = (x2 + 1 - x1) * PLATE_BOX_PAD[0] / 2, (y2 + 1 - y1) * PLATE_BOX_PAD[1] / 2
    return text.replace("-", ""), (float(cx - hw), float(cy - hh), float(cx + hw), float(cy + hh))


def _draw_vehicle(scene_img: np.ndarray, mask: np.ndarray, rng: np.random.Generator,
                  cx: int, bottom: int, width: int, facing: str, night: bool,
                  boxes: list, plates: list, plate: str | None = None) -> None:
    """A car, van or truck seen head-on or from behind, plate and occupants included."""
    kind = rng.choice(["car", "car", "car", "van", "truck"])
    height = int(width * {"car": 0.75, "van": 0.95, "truck": 1.15}[kind])
    x1, x2 = cx - width // 2, cx + width // 2
    y1 = bottom - height
    body = _colour(rng, 15, 240)
    # shadow, wheels, body
    cv2.ellipse(scene_img, (cx, bottom), (int(width * 0.55), max(2, width // 14)), 0, 0, 360,
                (25, 25, 25), -1)
    for wx in (x1 + width // 8, x2 - width // 8):
        cv2.rectangle(scene_img, (wx - width // 14, bottom - width // 9), (wx + width // 14, bottom),
                      (15, 15, 15), -1)
    cv2.rectangle(scene_img, (x1, y1 + height // 6), (x2, bottom - width // 12), body, -1)
    roof_inset = width // 8 if kind == "car" else width // 20
    roof = np.array([[x1 + roof_inset, y1], [x2 - roof_inset, y1],
                     [x2, y1 + height // 3], [x1, y1 + height // 3]], np.int32)
    cv2.fillPoly(scene_img, [roof], body)
    # the body hides whoever stands behind it: clear them from the person mask
    mask[max(0, y1):bottom + 1, max(0, x1):x2 + 1] = 0
    # windscreen (front) or rear window: the cabin the blur must cover
    glass_top = y1 + max(2, height // 20)
    glass_bot = y1 + int(height * (0.45 if kind == "car" else 0.38))
    gi = roof_inset + width // 20
    glass = np.array([[x1 + gi, glass_top], [x2 - gi, glass_top],
                      [x2 - width // 18, glass_bot], [x1 + width // 18, glass_bot]], np.int32)
    tint = int(rng.integers(25, 110))
    glass_col = (tint + 15, tint + 10, tint) if not night else (tint, tint, tint)
    cv2.fillPoly(scene_img, [glass], glass_col)
    clip = np.zeros(mask.shape, np.uint8)
    cv2.fillPoly(clip, [glass], 255)
    # occupants: driver (right-hand seat in the picture when seen from the front: NL drives left)
    gw = (x2 - x1) - 2 * gi
    occ_size = max(6, int((glass_bot - glass_top) * 0.95))
    seats = [x1 + width // 2 + gw // 4, x1 + width // 2 - gw // 4]
    if facing == "rear":
        seats = [x1 + width // 2 - gw // 4, x1 + width // 2 + gw // 4]
    n_occ = 1 + int(rng.random() < 0.4)
    if facing == "rear" and rng.random() < 0.3:
        n_occ = 0 if rng.random() < 0.5 else n_occ  # a rear window may show only headrests
    for seat in seats[:n_occ]:
        box = _draw_occupant(scene_img, mask, rng, seat + int(rng.integers(-3, 4)),
                             glass_bot + occ_size // 6, occ_size, clip)
        if box is not None and (box[2] - box[0]) * (box[3] - box[1]) >= 16:
            boxes.append((PERSON, *box))
    # reflection streak over the glass
    if rng.random() < 0.6:
        refl = scene_img.copy()
        a = int(rng.integers(x1, x2))
        cv2.line(refl, (a, glass_top), (a + width // 4, glass_bot), (230, 230, 230), max(2, width // 25))
        sel = clip > 0
        scene_img[sel] = (0.75 * scene_img[sel] + 0.25 * refl[sel]).astype(np.uint8)
    # lights
    lamp = (230, 240, 255) if facing == "front" else (30, 30, 200)
    if night:
        lamp = (250, 250, 250)
    ly = y1 + int(height * 0.6)
    for lx in (x1 + width // 8, x2 - width // 8):
        cv2.ellipse(scene_img, (lx, ly), (max(2, width // 11), max(2, width // 25)), 0, 0, 360, lamp, -1)
    # plate
    pw = int(width * rng.uniform(0.30, 0.36))
    text, pbox = _draw_plate(scene_img, rng, cx, ly + int(height * 0.16), pw, facing == "front", night,
                             plate)
    boxes.append((PLATE, *pbox))
    plates.append(text)
    boxes.append((VEHICLE, float(x1), float(y1), float(x2 + 1), float(bottom + 1)))


def _apply_condition(img: np.ndarray, rng: np.random.Generator, condition: str) -> np.ndarray:
    if condition == "night_ir":
        grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)
        grey = np.clip((grey - 60) * 1.3 + 40, 0, 255)
        grey += rng.normal(0, 7, grey.shape)
        img = cv2.cvtColor(np.clip(grey, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR)
    elif condition == "rain":
        img = (img.astype(np.float32) * 0.75 + 25).astype(np.uint8)
        drops = np.zeros(img.shape[:2], np.uint8)
        for _ in range(int(rng.integers(150, 400))):
            x, y = int(rng.integers(0, img.shape[1])), int(rng.integers(0, img.shape[0]))
            ln = int(rng.integers(6, 18))
            cv2.line(drops, (x, y), (x + ln // 4, y + ln), 200, 1)
        img = cv2.GaussianBlur(img, (3, 3), 0)
        img = np.maximum(img, (cv2.merge([drops] * 3) * 0.6).astype(np.uint8))
    elif condition == "motion_blur":
        k = int(rng.integers(5, 12))
        kernel = np.zeros((k, k), np.float32)
        kernel[k // 2, :] = 1.0 / k
        if rng.random() < 0.5:
            kernel = kernel.T.copy()
        img = cv2.filter2D(img, -1, kernel)
    elif condition == "low_light":
        f = img.astype(np.float32) / 255.0
        img = np.clip((f ** 1.8) * 255 * rng.uniform(0.45, 0.7) + rng.normal(0, 6, img.shape), 0, 255
                      ).astype(np.uint8)
    return img


def render_scene(seed: int, split: str = "train", index: int = 0, *, width: int = 640,
                 height: int = 480, condition: str | None = None,
                 facing: str | None = None, plate: str | None = None) -> Scene:
    """One overview photo with its labels; the same arguments give the same pixels.

    With ``plate`` (printed, dashes and all), the scene holds at least one vehicle and
    the nearest one carries that plate: the passage a camera photographed.
    """
    rng = np.random.default_rng(scene_seed(seed, split, index))
    if condition is None:
        # the first conditions are easy, so the model learns plates and persons first
        condition = CONDITIONS[int(rng.integers(len(CONDITIONS)))] if rng.random() < 0.7 else "day"
    if facing is None:
        facing = "front" if rng.random() < 0.6 else "rear"
    night = condition == "night_ir"
    img = np.zeros((height, width, 3), np.uint8)
    mask = np.zeros((height, width), np.uint8)
    horizon = int(height * rng.uniform(0.28, 0.42))
    sky = (int(rng.integers(170, 240)), int(rng.integers(150, 210)), int(rng.integers(110, 190)))
    img[:horizon] = sky
    verge = (int(rng.integers(30, 80)), int(rng.integers(100, 160)), int(rng.integers(40, 90)))
    img[horizon:] = verge
    if rng.random() < 0.8:
        _draw_houses(img, rng, horizon)
    # road in perspective
    road_col = int(rng.integers(70, 120))
    vx = width // 2 + int(rng.integers(-60, 60))
    road = np.array([[vx - 30, horizon], [vx + 30, horizon],
                     [int(width * 0.98), height], [int(width * 0.02), height]], np.int32)
    cv2.fillPoly(img, [road], (road_col, road_col, road_col + 4))
    for t in np.linspace(0.1, 1.0, 9):
        y = int(horizon + (height - horizon) * t)
        if int(t * 10) % 2 == 0:
            cv2.line(img, (vx + int((width // 2 - vx) * t), y),
                     (vx + int((width // 2 - vx) * t), min(height, y + int(18 * t) + 2)),
                     (230, 230, 230), max(1, int(5 * t)))
    texture = rng.normal(0, 6, img.shape).astype(np.int16)
    img = np.clip(img.astype(np.int16) + texture, 0, 255).astype(np.uint8)

    boxes: list = []
    plates: list[str] = []
    # roadside people first (behind vehicles in depth order)
    for _ in range(int(rng.integers(0, 4))):
        side = rng.choice([-1, 1])
        fy = int(rng.integers(horizon + 20, height - 10))
        t = (fy - horizon) / max(1, height - horizon)
        road_half = 30 + (width * 0.48 - 30) * t
        fx = int(vx + side * (road_half + rng.uniform(5, 60)))
        fx = int(np.clip(fx, 10, width - 10))
        ph = int(np.clip(40 + 230 * t * rng.uniform(0.7, 1.1), 28, height * 0.7))
        boxes.append((PERSON, *_draw_pedestrian(img, mask, rng, (fx, fy), ph, rng.random() < 0.35)))
    # vehicles: far to near
    n_veh = int(rng.integers(1, 3)) if rng.random() < 0.95 else 0
    if plate is not None:
        n_veh = max(1, n_veh)
    small = condition == "small_plates"
    slots = sorted(rng.uniform(0.35 if small else 0.55, 0.75 if small else 1.0, n_veh))
    lanes = rng.permutation([-1, 0, 1])
    for i, (lane_i, t) in enumerate(zip(lanes, slots)):
        bottom = int(horizon + (height - horizon) * t)
        road_half = 30 + (width * 0.48 - 30) * t
        vw = int((road_half * 2) * (rng.uniform(0.28, 0.36) if not small else rng.uniform(0.22, 0.3)))
        cx = int(vx + lane_i * road_half * 0.55 + rng.integers(-10, 10))
        if vw < 40:
            continue
        # a nearer vehicle covers what is behind it: drop hidden labels afterwards
        _draw_vehicle(img, mask, rng, cx, bottom, vw, facing, night, boxes, plates,
                      plate if i == len(slots) - 1 else None)
    img = _apply_condition(img, rng, condition)
    boxes = _visible(boxes, mask)
    if rng.random() < 0.8:  # cameras send JPEG
        ok, enc = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(60, 95))])
        img = cv2.imdecode(enc, cv2.IMREAD_COLOR)
    return Scene(img, boxes, mask, condition, facing, plates)


def render_plate_crop(plate: str, seed: int, split: str = "crop", index: int = 0, *,
                      condition: str = "day", width: int = 200) -> np.ndarray:
    """The plate crop an ANPR camera sends with a passage: ``plate`` (printed) large on
    the vehicle's paint, drawn as :func:`render_scene` draws plates, in the same
    conditions (white under infrared at night, rain, blur, low light). A pure function of
    its arguments, like the scenes.
    """
    rng = np.random.default_rng(scene_seed(seed, split, index))
    night = condition == "night_ir"
    height = int(width * 0.22 * 1.9)
    img = np.zeros((height, width, 3), np.uint8)
    img[:] = _colour(rng, 15, 240)
    pw = int(width * rng.uniform(0.80, 0.88))
    cx = width // 2 + int(rng.integers(-width // 30, width // 30 + 1))
    _draw_plate(img, rng, cx, height // 2, pw, True, night, plate)
    texture = rng.normal(0, 4, img.shape).astype(np.int16)
    img = np.clip(img.astype(np.int16) + texture, 0, 255).astype(np.uint8)
    if condition != "small_plates":  # a plate camera frames the plate whatever its distance
        img = _apply_condition(img, rng, condition)
    return img


def _visible(boxes: list, mask: np.ndarray) -> list:
    """Keep labels whose object is still visible after later drawing covered it.

    Vehicles are drawn far to near, so a near car can hide a far plate or occupant; a
    label for something invisible would teach the model to see through cars.
    """
    out = []
    for b in boxes:
        cls, x1, y1, x2, y2 = b
        if cls == PERSON:
            sub = mask[int(max(0, y1)):int(y2), int(max(0, x1)):int(x2)]
            if sub.size == 0 or (sub > 0).mean() < 0.08:
                continue
        out.append(b)
    return out


def tile(scene: Scene, rng: np.random.Generator, scale: float, size: int) -> Scene:
    """A ``size`` square cut from the scene resized by ``scale``, centred on an object
    most of the time.

    Training on tiles at the scale inference will see (a 640 px frame run at 416 px
    means scale 0.65) costs a fraction of training on whole frames, which is what makes
    CPU training affordable; the network is convolutional, so what it learns on tiles
    holds on the whole frame. Boxes cut by the tile edge are kept when most of them
    is inside (a half-visible face must still be found).
    """
    h, w = scene.image.shape[:2]
    sw, sh = max(size, round(w * scale)), max(size, round(h * scale))
    img = cv2.resize(scene.image, (sw, sh), interpolation=cv2.INTER_AREA)
    mask = cv2.resize(scene.person_mask, (sw, sh), interpolation=cv2.INTER_NEAREST)
    fx, fy = sw / w, sh / h
    boxes = [(c, x1 * fx, y1 * fy, x2 * fx, y2 * fy) for c, x1, y1, x2, y2 in scene.boxes]
    targets = [b for b in boxes if b[0] in (PLATE, PERSON)]
    if targets and rng.random() < 0.85:
        _, x1, y1, x2, y2 = targets[int(rng.integers(len(targets)))]
        cx = (x1 + x2) / 2 + rng.uniform(-0.35, 0.35) * size
        cy = (y1 + y2) / 2 + rng.uniform(-0.35, 0.35) * size
        ox, oy = int(np.clip(cx - size / 2, 0, sw - size)), int(np.clip(cy - size / 2, 0, sh - size))
    else:
        ox, oy = int(rng.integers(0, sw - size + 1)), int(rng.integers(0, sh - size + 1))
    kept = []
    for c, x1, y1, x2, y2 in boxes:
        a, b = max(x1 - ox, 0.0), max(y1 - oy, 0.0)
        cc, d = min(x2 - ox, float(size)), min(y2 - oy, float(size))
        if cc <= a or d <= b:
            continue
        if (cc - a) * (d - b) >= 0.4 * (x2 - x1) * (y2 - y1):
            kept.append((c, a, b, cc, d))
    return Scene(img[oy:oy + size, ox:ox + size].copy(), kept,
                 mask[oy:oy + size, ox:ox + size].copy(), scene.condition, scene.facing, scene.plates)


def write_dataset(root: Path, *, seed: int = 126, train: int = 1000, val: int = 100,
                  test: int = 200, width: int = 640, height: int = 480,
                  tile_size: int | None = None, tile_scale: float = 0.65,
                  progress: bool = False, resume: bool = False) -> Path:
    """Write a YOLO-format data set (images/, labels/, person masks) and its data.yaml.

    ``test`` is the held-out split: never passed to training, not even as validation,
    and always whole frames. With ``tile_size``, the train and val splits are tiles at
    ``tile_scale`` (see :func:`tile`). Returns the path of the data yaml.
    """
    root = Path(root)
    counts = {"train": train, "val": val, "test": test}
    stats: dict[str, dict[str, int]] = {}
    for split, n in counts.items():
        (root / "images" / split).mkdir(parents=True, exist_ok=True)
        (root / "labels" / split).mkdir(parents=True, exist_ok=True)
        if split == "test":
            (root / "masks" / split).mkdir(parents=True, exist_ok=True)
        per: dict[str, int] = {c: 0 for c in CLASSES}
        meta: list[str] = []
        for i in range(n):
            name = f"{split}_{i:06d}"
            label_path = root / "labels" / split / f"{name}.txt"
            if split != "test" and label_path.is_file() and resume:
                # scenes are a pure function of (seed, split, index): an interrupted
                # run picks up where it stopped
                for line in label_path.read_text().split("\n"):
                    if line.strip():
                        per[CLASSES[int(line.split()[0])]] += 1
                continue
            scene = render_scene(seed, split, i, width=width, height=height)
            if tile_size and split != "test":
                scene = tile(scene, np.random.default_rng(scene_seed(seed, "tile-" + split, i)),
                             tile_scale, tile_size)
            cv2.imwrite(str(root / "images" / split / f"{name}.jpg"), scene.image,
                        [cv2.IMWRITE_JPEG_QUALITY, 95])
            lines = scene.yolo_lines()
            (root / "labels" / split / f"{name}.txt").write_text("\n".join(lines) + ("\n" if lines else ""))
            if split == "test":
                cv2.imwrite(str(root / "masks" / split / f"{name}.png"), scene.person_mask)
                meta.append(json.dumps({"image": f"{name}.jpg", "facing": scene.facing,
                                        "condition": scene.condition, "plates": scene.plates}))
            for line in lines:
                per[CLASSES[int(line.split()[0])]] += 1
            if progress and i % 200 == 0:
                log.info("%s %d/%d", split, i, n)
        stats[split] = {"images": n, **per}
        if meta:
            (root / "masks" / split / "meta.jsonl").write_text("\n".join(meta) + "\n")
    yaml_path = root / "data.yaml"
    yaml_path.write_text(
        f"# generated by detector.render, seed {seed}\n"
        f"path: {root.resolve()}\ntrain: images/train\nval: images/val\ntest: images/test\n"
        f"names:\n" + "".join(f"  {i}: {n}\n" for i, n in enumerate(CLASSES)))
    (root / "dataset.json").write_text(json.dumps(
        {"generator": "detector.render", "seed": seed, "size": [width, height],
         "train_tiles": {"size": tile_size, "scale": tile_scale} if tile_size else None,
         "splits": stats, "held_out": "test", "conditions": list(CONDITIONS)}, indent=2))
    return yaml_path


def iter_scenes(seed: int, split: str, n: int, **kw) -> Iterator[Scene]:
    for i in range(n):
        yield render_scene(seed, split, i, **kw)
