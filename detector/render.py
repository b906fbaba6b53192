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
boxes, because a breach is a visible face, not a missed rectangle. It also returns
the box of every visible head (the per-face detail figures of the evaluation).

Hard cases (``render_scene(hard=...)``, :data:`HARD_CASES`) add what real photographs
showed the model gets wrong: a head and shoulders filling the frame (a man's head was
called a vehicle), people crossing in front of vehicles, and plate-like patterns on
clothes and across eyes (glasses, sunglasses, a name tag or a print on a shirt were
called plates). They are drawn from a random stream of their own, so a scene without a
hard case keeps its pixels, and a data set mixes them in only when asked
(``detector.dataset.write_dataset(hard_share=...)``): existing splits stay as they were.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import cv2
import numpy as np

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
HARD_CASES: tuple[str, ...] = ("face_closeup", "person_front", "plate_pattern")

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
    heads: list[tuple[float, float, float, float]] = field(default_factory=list)  # visible heads
    hard: str | None = None                 # the hard case drawn, if any (HARD_CASES)

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
                     foot: tuple[int, int], height: int, cyclist: bool,
                     parts: dict | None = None) -> tuple[float, float, float, float]:
    """A standing or cycling figure; returns its box. Drawn into the person mask too.

    ``parts`` collects the head box and the torso rectangle (``heads``, ``torsos``), which
    draw nothing and take nothing from ``rng``."""
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
    if parts is not None:
        parts.setdefault("heads", []).append(
            (float(head_c[0] - head_r), float(head_c[1] - head_r), float(head_c[0] + head_r + 1),
             float(head_c[1] + head_r + 1)))
        parts.setdefault("torsos", []).append(
            (fx - body_w // 2, shoulder_y, fx + body_w // 2, hip_y, head_c[0], head_c[1], head_r))
    return (float(x1), float(fy - height), float(x2), float(fy + 1))


def _draw_occupant(img: np.ndarray, mask: np.ndarray, rng: np.random.Generator,
                   cx: int, base_y: int, size: int, clip: np.ndarray, parts: dict | None = None
                   ) -> tuple[float, float, float, float] | None:
    """Head and shoulders behind the windscreen; only the part inside the glass counts.
    ``parts["heads"]`` gets the part of the head inside the glass."""
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
    if parts is not None:
        head = np.zeros(mask.shape, np.uint8)
        cv2.circle(head, head_c, head_r, 255, -1)
        hy, hx = np.nonzero(head & clip)
        if len(hx):
            parts.setdefault("heads", []).append(
                (float(hx.min()), float(hy.min()), float(hx.max() + 1), float(hy.max() + 1)))
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
                  boxes: list, plates: list, plate: str | None = None,
                  parts: dict | None = None) -> None:
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
                             glass_bot + occ_size // 6, occ_size, clip, parts)
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
    if parts is not None:
        parts.setdefault("vehicles", []).append((x1, y1, x2 + 1, bottom + 1))


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


def _plate_like(layer: np.ndarray, rng: np.random.Generator, x1: int, y1: int, x2: int, y2: int
                ) -> None:
    """A plate-like patch inside the rectangle: a name tag, a number or a print on clothes,
    yellow or white with dark letters and digits, sometimes with a blue band. Never a
    plate label: the detector must learn that a plate is on a vehicle."""
    bw, bh = x2 - x1, y2 - y1
    if bw < 8 or bh < 4:
        return
    pw = int(bw * rng.uniform(0.45, 0.95))
    ph = int(min(bh * 0.6, pw / rng.uniform(2.2, 5.5)))
    if ph < 3:
        return
    px = x1 + int(rng.integers(0, max(1, bw - pw)))
    py = y1 + int(rng.integers(0, max(1, int(bh * 0.7) - ph)))
    kind = rng.random()
    colour = PLATE_YELLOW if kind < 0.4 else (235, 240, 240) if kind < 0.7 else _colour(rng, 120, 250)
    cv2.rectangle(layer, (px, py), (px + pw, py + ph), colour, -1)
    if rng.random() < 0.5:
        cv2.rectangle(layer, (px, py), (px + pw, py + ph), (15, 15, 15), max(1, ph // 12))
    band = int(pw * 0.09) if rng.random() < 0.2 else 0
    if band >= 2:
        cv2.rectangle(layer, (px, py), (px + band, py + ph), EU_BLUE, -1)
    chars = PLATE_LETTERS + PLATE_DIGITS + "AEIOUCMWY"
    text = "".join(chars[int(rng.integers(len(chars)))] for _ in range(int(rng.integers(3, 9))))
    if rng.random() < 0.5:
        cut = int(rng.integers(1, len(text)))
        text = text[:cut] + "-" + text[cut:]
    scale, thick = ph / 32.0, max(1, int(round(ph / 11)))
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    if tw > 0:
        scale *= min(1.0, (pw - band - 4) / tw)
        (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    cv2.putText(layer, text, (px + band + max(1, (pw - band - tw) // 2), py + (ph + th) // 2),
                cv2.FONT_HERSHEY_SIMPLEX, scale, (15, 15, 15), thick, cv2.LINE_AA)


def _sunglasses(layer: np.ndarray, rng: np.random.Generator, hx: int, hy: int, r: int) -> None:
    """A dark strip across the eyes of a small head (sunglasses, a visor)."""
    if r < 3:
        return
    half = max(1, int(r * 0.2))
    y = hy - int(r * 0.1)
    tone = int(rng.integers(10, 70))
    cv2.rectangle(layer, (hx - int(r * 0.85), y - half), (hx + int(r * 0.85), y + half), (tone,) * 3, -1)


def _draw_portrait(img: np.ndarray, mask: np.ndarray, front: np.ndarray, rng: np.random.Generator,
                   cx: int, cy: int, a: int, glasses: bool, pattern: bool
                   ) -> tuple[tuple[float, float, float, float] | None, tuple[float, float, float, float] | None]:
    """Head and shoulders close to the camera, the face ``2 a`` px high: eyes, brows, nose,
    mouth (closed or open, shouting), hair or a cap, a beard, glasses or sunglasses, and the
    torso down to the frame's bottom. Returns the person box and the face box (forehead to
    chin, ear to ear), each clipped to the frame (None when under a third of it is inside)."""
    h, w = mask.shape
    b = max(3, int(a * rng.uniform(0.7, 0.82)))
    skin = np.array(SKIN[int(rng.integers(len(SKIN)))], float) * rng.uniform(0.85, 1.1)
    skin_c = tuple(int(v) for v in np.clip(skin, 0, 255))
    shade_c = tuple(int(v) for v in np.clip(skin * 0.78, 0, 255))
    hair = _colour(rng, 0, 90) if rng.random() < 0.8 else _colour(rng, 120, 220)
    shirt = _colour(rng, 10, 230)
    yaw = rng.uniform(-0.45, 0.45)
    layer = np.zeros_like(img)
    sil = np.zeros(mask.shape, np.uint8)
    shoulder_y = cy + int(a * rng.uniform(1.05, 1.3))
    sw = int(b * rng.uniform(2.6, 3.6))
    for dst, col in ((layer, lambda c: c), (sil, lambda c: 255)):
        cv2.ellipse(dst, (cx, shoulder_y + a // 2), (sw // 2, a // 2 + 1), 0, 180, 360, col(shirt), -1)
        cv2.rectangle(dst, (cx - sw // 2, shoulder_y + a // 2), (cx + sw // 2, h + a), col(shirt), -1)
        cv2.rectangle(dst, (cx - int(b * 0.45), cy + a // 2), (cx + int(b * 0.45), shoulder_y + a // 3),
                      col(shade_c), -1)
        for side in (-1, 1):   # ears
            cv2.ellipse(dst, (cx + side * b, cy + a // 10), (max(1, b // 6), max(1, a // 4)), 0, 0, 360,
                        col(shade_c), -1)
        cv2.ellipse(dst, (cx, cy), (b, a), 0, 0, 360, col(skin_c), -1)
    if rng.random() < 0.3:    # an open collar
        cv2.fillPoly(layer, [np.array([[cx - b // 3, shoulder_y], [cx + b // 3, shoulder_y],
                                       [cx, shoulder_y + a // 2]], np.int32)], shade_c)
    # light from one side
    head = np.zeros(mask.shape, np.uint8)
    cv2.ellipse(head, (cx, cy), (b, a), 0, 0, 360, 255, -1)
    xs = np.arange(w, dtype=np.float32)
    side = 1 if rng.random() < 0.5 else -1
    gain = 1.0 - 0.22 * np.clip(side * (xs - cx) / max(b, 1), -1, 1)
    hsel = head > 0
    layer[hsel] = np.clip(layer[hsel] * np.broadcast_to(gain, mask.shape)[hsel][:, None], 0, 255
                          ).astype(np.uint8)
    # hair, or a cap, or bald
    style = rng.random()
    if style < 0.15:
        pass
    elif style < 0.3:
        cap = _colour(rng, 10, 230)
        cv2.ellipse(layer, (cx, cy - int(a * 0.45)), (int(b * 1.05), int(a * 0.6)), 0, 180, 360, cap, -1)
        cv2.ellipse(layer, (cx + int(yaw * b), cy - int(a * 0.45)), (int(b * 1.1), max(1, a // 10)),
                    0, 0, 180, cap, -1)
    else:
        cv2.ellipse(layer, (cx, cy - int(a * 0.45)), (int(b * 1.04), int(a * 0.62)), 0, 180, 360, hair, -1)
        if rng.random() < 0.35:   # long hair down the sides
            for s_ in (-1, 1):
                cv2.rectangle(layer, (cx + s_ * b - (b // 4 if s_ > 0 else 0), cy - a // 3),
                              (cx + s_ * b + (b // 4 if s_ < 0 else 0), cy + int(a * 0.9)), hair, -1)
            for dst in (sil,):
                for s_ in (-1, 1):
                    cv2.rectangle(dst, (cx + s_ * b - (b // 4 if s_ > 0 else 0), cy - a // 3),
                                  (cx + s_ * b + (b // 4 if s_ < 0 else 0), cy + int(a * 0.9)), 255, -1)
    fx = lambda u: int(cx + (u + yaw) * b * 0.9)   # noqa: E731 - face coordinates, turned by yaw
    fy = lambda v: int(cy + v * a)                 # noqa: E731
    line = max(1, a // 22)
    eye_r = (max(1, int(b * 0.17)), max(1, int(a * 0.07)))
    for u in (-0.38, 0.38):
        far = (u > 0) == (yaw < 0)
        ax = (max(1, int(eye_r[0] * (1 - abs(yaw) if far else 1))), eye_r[1])
        cv2.ellipse(layer, (fx(u), fy(-0.1)), ax, 0, 0, 360, (225, 230, 230), -1)
        cv2.circle(layer, (fx(u) + int(yaw * ax[0] * 0.5), fy(-0.1)), max(1, int(a * 0.055)),
                   _colour(rng, 20, 120), -1)
        cv2.circle(layer, (fx(u) + int(yaw * ax[0] * 0.5), fy(-0.1)), max(1, int(a * 0.025)), (10, 10, 10), -1)
        cv2.ellipse(layer, (fx(u), fy(-0.27)), (max(1, int(b * 0.2)), max(1, int(a * 0.06))), 0, 200, 340,
                    hair, max(1, a // 14))
    cv2.line(layer, (fx(0), fy(-0.08)), (fx(0.06 + yaw * 0.3), fy(0.3)), shade_c, line + 1)
    for u in (-0.08, 0.08):
        cv2.circle(layer, (fx(u + yaw * 0.3), fy(0.32)), max(1, a // 28), (40, 40, 70), -1)
    if rng.random() < 0.25:   # shouting: an open mouth with teeth
        cv2.ellipse(layer, (fx(0), fy(0.58)), (max(2, int(b * 0.3)), max(2, int(a * 0.16))), 0, 0, 360,
                    (30, 20, 60), -1)
        cv2.ellipse(layer, (fx(0), fy(0.5)), (max(2, int(b * 0.25)), max(1, int(a * 0.04))), 0, 0, 360,
                    (230, 235, 240), -1)
    else:
        lips = (int(rng.integers(50, 110)), int(rng.integers(50, 100)), int(rng.integers(120, 190)))
        cv2.ellipse(layer, (fx(0), fy(0.56)), (max(2, int(b * 0.33)), max(1, int(a * 0.055))), 0, 0, 360,
                    lips, -1)
        cv2.line(layer, (fx(-0.3), fy(0.56)), (fx(0.3), fy(0.56)), (40, 30, 60), max(1, line // 2))
    if rng.random() < 0.25:   # a beard over jaw and chin
        beard = np.zeros(mask.shape, np.uint8)
        cv2.ellipse(beard, (cx, cy), (b, a), 0, 0, 180, 255, -1)
        cv2.ellipse(beard, (fx(0), fy(0.56)), (max(2, int(b * 0.4)), max(1, int(a * 0.1))), 0, 0, 360, 0, -1)
        beard[:fy(0.25)] = 0
        sel = beard > 0
        tone = np.array(hair, float)
        layer[sel] = np.clip(tone + rng.normal(0, 18, (int(sel.sum()), 3)), 0, 255).astype(np.uint8)
    if glasses:
        frame = (int(rng.integers(0, 80)),) * 3
        dark = rng.random() < 0.4
        lens = (max(2, int(b * 0.27)), max(2, int(a * 0.14)))
        for u in (-0.38, 0.38):
            c = (fx(u), fy(-0.1))
            if dark:
                cv2.ellipse(layer, c, lens, 0, 0, 360, (int(rng.integers(10, 60)),) * 3, -1)
            elif rng.random() < 0.5:
                cv2.rectangle(layer, (c[0] - lens[0], c[1] - lens[1]), (c[0] + lens[0], c[1] + lens[1]),
                              frame, max(1, a // 18))
            else:
                cv2.ellipse(layer, c, lens, 0, 0, 360, frame, max(1, a // 18))
        cv2.line(layer, (fx(-0.38) + lens[0], fy(-0.12)), (fx(0.38) - lens[0], fy(-0.12)), frame,
                 max(1, a // 18))
        for u, s_ in ((-0.38, -1), (0.38, 1)):
            cv2.line(layer, (fx(u) + s_ * lens[0], fy(-0.12)), (cx + s_ * b, fy(-0.05)), frame, max(1, a // 20))
    if pattern:
        _plate_like(layer, rng, cx - sw // 3, shoulder_y + a // 2, cx + sw // 3, min(h, shoulder_y + 2 * a))
    # skin and cloth texture
    sel = sil > 0
    noise = rng.normal(0, 5, (int(sel.sum()), 3))
    img[sel] = np.clip(layer[sel].astype(np.float32) + noise, 0, 255).astype(np.uint8)
    mask[sel] = 255
    front[sel] = 255

    def clipped(x1, y1, x2, y2):
        cx1, cy1, cx2, cy2 = max(0, x1), max(0, y1), min(w, x2), min(h, y2)
        if cx2 <= cx1 or cy2 <= cy1 or (cx2 - cx1) * (cy2 - cy1) < (x2 - x1) * (y2 - y1) / 3:
            return None
        return (float(cx1), float(cy1), float(cx2), float(cy2))

    ys, xs_ = np.nonzero(sel)
    person = (float(xs_.min()), float(ys.min()), float(xs_.max() + 1), float(ys.max() + 1)) if len(xs_) else None
    face = clipped(cx - b, cy - int(a * 0.8), cx + b + 1, cy + a + 1)
    return person, face


def _hard_face_closeup(img, mask, front, rng, parts, horizon, vx, night):
    """One or two heads and shoulders filling much of the frame, in front of the scene."""
    h, w = mask.shape
    boxes, heads = [], []
    n = 1 if rng.random() < 0.7 else 2
    xs = sorted(rng.uniform(0.15, 0.85, n)) if n == 1 else [rng.uniform(0.12, 0.4), rng.uniform(0.6, 0.88)]
    for x in xs:
        a = int(h * rng.uniform(0.12, 0.42) / (1.3 if n == 2 else 1.0))
        person, face = _draw_portrait(img, mask, front, rng, int(w * x), int(h * rng.uniform(0.25, 0.6)), a,
                                      glasses=rng.random() < 0.4, pattern=rng.random() < 0.3)
        if person:
            boxes.append((PERSON, *person))
        if face:
            heads.append(face)
    return boxes, heads


def _front_pedestrian(img, mask, front, rng, parts, horizon, pattern: bool):
    """A pedestrian or cyclist crossing in front of a vehicle (or near the camera)."""
    h, w = mask.shape
    vehicles = parts.get("vehicles") or []
    if vehicles and rng.random() < 0.85:
        x1, y1, x2, y2 = vehicles[int(rng.integers(len(vehicles)))]
        fy = int(min(h - 2, y2 + rng.uniform(2, 60)))
        fx = int(rng.uniform(x1, x2))
        ph = int((y2 - y1) * rng.uniform(1.1, 1.7) * (1 + (fy - y2) / max(1, h - horizon)))
    else:
        fy = int(rng.uniform(horizon + 0.5 * (h - horizon), h + 0.4 * h))
        fx = int(rng.uniform(0.1, 0.9) * w)
        ph = int(h * rng.uniform(0.45, 1.1))
    ph = max(24, ph)
    own = np.zeros(mask.shape, np.uint8)
    sub: dict = {}
    box = _draw_pedestrian(img, own, rng, (fx, fy), ph, rng.random() < 0.25, sub)
    if pattern:
        layer = img.copy()
        for tx1, ty1, tx2, ty2, hx, hy, r in sub.get("torsos", []):
            _plate_like(layer, rng, tx1, ty1, tx2, ty2)
            if rng.random() < 0.6:
                _sunglasses(layer, rng, hx, hy, r)
        sel = own > 0
        img[sel] = layer[sel]
    mask |= own
    front |= own
    return [(PERSON, *box)], sub.get("heads", [])


def _hard_person_front(img, mask, front, rng, parts, horizon, vx, night):
    """One or two people in front of the vehicles, often over the plate."""
    boxes, heads = [], []
    for _ in range(1 if rng.random() < 0.6 else 2):
        b, hd = _front_pedestrian(img, mask, front, rng, parts, horizon, rng.random() < 0.3)
        boxes += b
        heads += hd
    return boxes, heads


def _hard_plate_pattern(img, mask, front, rng, parts, horizon, vx, night):
    """Plate-like patches on clothes and dark strips across eyes: on the roadside people
    (where they are visible), on one or two people nearer the camera and on a close head
    with glasses."""
    layer = img.copy()
    for tx1, ty1, tx2, ty2, hx, hy, r in parts.get("torsos", []):
        if rng.random() < 0.8:
            _plate_like(layer, rng, tx1, ty1, tx2, ty2)
        if rng.random() < 0.5:
            _sunglasses(layer, rng, hx, hy, r)
    sel = mask > 0   # only what is still visible of them: a vehicle may stand in front
    img[sel] = layer[sel]
    boxes, heads = [], []
    for _ in range(int(rng.integers(1, 3))):
        b, hd = _front_pedestrian(img, mask, front, rng, parts, horizon, True)
        boxes += b
        heads += hd
    if rng.random() < 0.35:
        h, w = mask.shape
        person, face = _draw_portrait(img, mask, front, rng, int(w * rng.uniform(0.1, 0.9)),
                                      int(h * rng.uniform(0.3, 0.6)), int(h * rng.uniform(0.1, 0.3)),
                                      glasses=rng.random() < 0.8, pattern=rng.random() < 0.7)
        if person:
            boxes.append((PERSON, *person))
        if face:
            heads.append(face)
    return boxes, heads


_HARD = {"face_closeup": _hard_face_closeup, "person_front": _hard_person_front,
         "plate_pattern": _hard_plate_pattern}


def _covered(box, front: np.ndarray) -> float:
    x1, y1, x2, y2 = (int(round(v)) for v in box)
    sub = front[max(0, y1):max(0, y2), max(0, x1):max(0, x2)]
    return float((sub > 0).mean()) if sub.size else 1.0


def _visible_heads(heads: list, mask: np.ndarray) -> list:
    """Heads still visible: at least a third of their box is person pixels."""
    return [hd for hd in heads if _covered(hd, mask) >= 0.3]


def render_scene(seed: int, split: str = "train", index: int = 0, *, width: int = 640,
                 height: int = 480, condition: str | None = None,
                 facing: str | None = None, plate: str | None = None,
                 hard: str | None = None) -> Scene:
    """One overview photo with its labels; the same arguments give the same pixels.

    With ``plate`` (printed, dashes and all), the scene holds at least one vehicle and
    the nearest one carries that plate: the passage a camera photographed. With ``hard``
    (one of :data:`HARD_CASES`), the same scene with that hard case drawn over it before
    the condition (night, rain, ...) applies.
    """
    if hard is not None and hard not in HARD_CASES:
        raise ValueError(f"unknown hard case {hard!r}; one of {', '.join(HARD_CASES)}")
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
    parts: dict = {"heads": [], "torsos": [], "vehicles": []}
    # roadside people first (behind vehicles in depth order)
    for _ in range(int(rng.integers(0, 4))):
        side = rng.choice([-1, 1])
        fy = int(rng.integers(horizon + 20, height - 10))
        t = (fy - horizon) / max(1, height - horizon)
        road_half = 30 + (width * 0.48 - 30) * t
        fx = int(vx + side * (road_half + rng.uniform(5, 60)))
        fx = int(np.clip(fx, 10, width - 10))
        ph = int(np.clip(40 + 230 * t * rng.uniform(0.7, 1.1), 28, height * 0.7))
        boxes.append((PERSON, *_draw_pedestrian(img, mask, rng, (fx, fy), ph, rng.random() < 0.35,
                                                parts)))
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
                      plate if i == len(slots) - 1 else None, parts)
    if hard is not None:
        # a stream of its own: the scene under the hard case keeps every pixel it had
        hrng = np.random.default_rng(scene_seed(seed, f"hard-{hard}-{split}", index))
        front = np.zeros((height, width), np.uint8)   # what the hard case drew over the scene
        new_boxes, new_heads = _HARD[hard](img, mask, front, hrng, parts, horizon, vx, night)
        # labels of what it hides go: a plate a third covered, a vehicle or person mostly
        limit = {PLATE: 0.3, VEHICLE: 0.6, PERSON: 0.7}
        boxes = [b for b in boxes if _covered(b[1:], front) <= limit[b[0]]] + new_boxes
        parts["heads"] = [hd for hd in parts["heads"] if _covered(hd, front) <= 0.5] + new_heads
    img = _apply_condition(img, rng, condition)
    boxes = _visible(boxes, mask)
    heads = _visible_heads(parts["heads"], mask)
    if rng.random() < 0.8:  # cameras send JPEG
        ok, enc = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(60, 95))])
        img = cv2.imdecode(enc, cv2.IMREAD_COLOR)
    return Scene(img, boxes, mask, condition, facing, plates, heads, hard)


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
