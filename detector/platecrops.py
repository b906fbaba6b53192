"""Plate crops as a camera or the detector cuts them: the plate reader's training data.

A crop is a pure function of ``(seed, split, index)``, like the scenes of
:mod:`detector.render`, and the held-out split (``test``) is drawn from a seed stream the
training split never uses. Each crop is a Dutch yellow plate in one of the 14 RDW
side-codes (:func:`detector.render.plate_text`), drawn large and then brought down to
what a camera sends: several typefaces (OpenCV's Hershey fonts and the DejaVu and
Computer Modern faces that ship inside matplotlib, so every machine draws the same
pixels), character spacing, the EU band with or without "NL", a tilt and a perspective,
a margin from tight (a camera's crop) to the detector's box with its surround, the
car's paint around it, day colour or infrared grey (the plate retroreflects white),
shadows, gamma, blur (focus or motion), sensor noise and JPEG. The plate ends up 7 to
48 px high.

A share of the crops hold no plate (label ``""``): patches of rendered scenes, stripes,
and the hard cases real photos showed the detector calls plates (a strip over eyes and
glasses, a mouth and chin), so the reader learns to read nothing there.
"""
from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import cv2
import numpy as np

from detector.render import EU_BLUE, PLATE_YELLOW, SKIN, plate_text

HERSHEY = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX,
           cv2.FONT_HERSHEY_TRIPLEX, cv2.FONT_HERSHEY_PLAIN)
TTF = ("DejaVuSans-Bold.ttf", "DejaVuSansMono-Bold.ttf", "DejaVuSans.ttf", "cmss10.ttf",
       "DejaVuSerif-Bold.ttf", "STIXGeneralBol.ttf")
NEGATIVE_SHARE = 0.12


def crop_seed(seed: int, split: str, index: int) -> int:
    digest = hashlib.sha256(f"ocr:{seed}:{split}:{index}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


@functools.lru_cache(maxsize=None)
def _font(name: str, size: int):
    """A TrueType face from matplotlib's own font folder (None: not installed)."""
    try:
        import matplotlib
        from PIL import ImageFont
    except ImportError:
        return None
    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name
    return ImageFont.truetype(str(path), size) if path.is_file() else None


def _draw_text(canvas: np.ndarray, text: str, box: tuple[int, int, int, int],
               rng: np.random.Generator, colour: tuple[int, int, int]) -> None:
    """Write ``text`` to fill ``box`` (x1, y1, x2, y2) in one of the faces."""
    x1, y1, x2, y2 = box
    bw, bh = x2 - x1, y2 - y1
    face = int(rng.integers(len(HERSHEY) + len(TTF)))
    spacing = rng.uniform(0.0, 0.12)
    fill = rng.uniform(0.62, 0.86)          # glyph height / plate height
    if face >= len(HERSHEY) and _font(TTF[face - len(HERSHEY)], 64) is not None:
        from PIL import Image, ImageDraw

        font = _font(TTF[face - len(HERSHEY)], 64)
        widths = [font.getbbox(ch)[2] - font.getbbox(ch)[0] for ch in text]
        asc = font.getbbox("0")
        glyph_h = asc[3] - asc[1]
        gap = spacing * glyph_h
        total = sum(widths) + gap * (len(text) - 1)
        layer = Image.new("L", (int(total + 20), int(glyph_h + 20)), 0)
        draw = ImageDraw.Draw(layer)
        x = 10.0
        for ch, cw in zip(text, widths):
            bb = font.getbbox(ch)
            draw.text((x - bb[0], 10 - asc[1]), ch, fill=255, font=font)
            x += cw + gap
        glyphs = np.array(layer)
        th = int(bh * fill)
        tw = int(glyphs.shape[1] * th / glyphs.shape[0])
        if tw > bw * 0.96:
            tw, th = int(bw * 0.96), int(bw * 0.96 * glyphs.shape[0] / glyphs.shape[1])
        glyphs = cv2.resize(glyphs, (max(1, tw), max(1, th)), interpolation=cv2.INTER_AREA)
        ox, oy = x1 + (bw - tw) // 2, y1 + (bh - th) // 2
        alpha = glyphs.astype(np.float32)[:, :, None] / 255.0
        roi = canvas[oy:oy + th, ox:ox + tw].astype(np.float32)
        canvas[oy:oy + th, ox:ox + tw] = (roi * (1 - alpha) + np.array(colour) * alpha).astype(np.uint8)
        return
    font = HERSHEY[face % len(HERSHEY)]
    thick = max(1, int(round(bh * rng.uniform(0.07, 0.13))))
    (tw, th), _ = cv2.getTextSize(text, font, 1.0, thick)
    scale = min(bh * fill / th, bw * 0.94 / tw)
    (tw, th), _ = cv2.getTextSize(text, font, scale, thick)
    cv2.putText(canvas, text, (x1 + (bw - tw) // 2, y1 + (bh + th) // 2), font, scale, colour,
                thick, cv2.LINE_AA)


def _plate(text: str, rng: np.random.Generator, night: bool, ph: int = 64) -> np.ndarray:
    """The plate face alone, ``ph`` px high, 4.73 times as wide (520 x 110 mm)."""
    pw = int(ph * 4.73)
    yellow = (235, 245, 250) if night else tuple(
        int(np.clip(c + rng.integers(-25, 20), 0, 255)) for c in PLATE_YELLOW)
    img = np.full((ph, pw, 3), yellow, np.uint8)
    cv2.rectangle(img, (0, 0), (pw - 1, ph - 1), (10, 10, 10), max(1, int(ph * rng.uniform(0.02, 0.06))))
    band = int(pw * rng.uniform(0.07, 0.1)) if rng.random() < 0.9 else 0
    if band:
        cv2.rectangle(img, (0, 0), (band, ph - 1), (90, 90, 90) if night else EU_BLUE, -1)
        if rng.random() < 0.7:
            cv2.putText(img, "NL", (int(band * 0.12), int(ph * 0.88)), cv2.FONT_HERSHEY_SIMPLEX,
                        band / 50, (200, 200, 200) if night else (0, 220, 255), 1, cv2.LINE_AA)
    dashed = text if rng.random() < 0.9 else text.replace("-", " ")
    ink = tuple(int(v) for v in rng.integers(0, 40, 3))
    _draw_text(img, dashed, (band + int(ph * 0.12), int(ph * 0.06), pw - int(ph * 0.12),
                             ph - int(ph * 0.06)), rng, ink)
    return img


def _negative(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Something the detector might call a plate, which is none."""
    kind = int(rng.integers(4))
    img = np.full((h, w, 3), [int(v) for v in rng.integers(20, 235, 3)], np.uint8)
    if kind == 0:  # a face strip: skin, eyes or glasses, eyebrows, a nose
        skin = SKIN[int(rng.integers(len(SKIN)))]
        img[:] = skin
        for cx in (w * rng.uniform(0.2, 0.35), w * rng.uniform(0.65, 0.8)):
            c = (int(cx), int(h * rng.uniform(0.35, 0.6)))
            ax = (int(w * rng.uniform(0.06, 0.14)), int(h * rng.uniform(0.1, 0.25)))
            cv2.ellipse(img, c, ax, 0, 0, 360, (30, 30, 30), -1)
            if rng.random() < 0.6:   # glasses
                cv2.ellipse(img, c, (int(ax[0] * 1.8), int(ax[1] * 2.2)), 0, 0, 360,
                            (int(rng.integers(0, 80)),) * 3, max(1, h // 14))
        if rng.random() < 0.5:
            cv2.line(img, (int(w * 0.45), h // 2), (int(w * 0.55), h // 2), (20, 20, 20), max(1, h // 12))
    elif kind == 1:  # a mouth and chin
        img[:] = SKIN[int(rng.integers(len(SKIN)))]
        cv2.ellipse(img, (w // 2, int(h * rng.uniform(0.3, 0.6))),
                    (int(w * rng.uniform(0.12, 0.3)), int(h * rng.uniform(0.08, 0.2))), 0, 0, 360,
                    (int(rng.integers(30, 90)), int(rng.integers(30, 80)), int(rng.integers(80, 160))), -1)
        if rng.random() < 0.5:
            cv2.line(img, (int(w * 0.35), int(h * 0.5)), (int(w * 0.65), int(h * 0.5)),
                     (240, 240, 240), max(1, h // 10))
    elif kind == 2:  # stripes, a grille, a bar code, a pattern on clothes
        n = int(rng.integers(3, 14))
        for i in range(n):
            x = int(w * (i + rng.uniform(0, 0.5)) / n)
            cv2.rectangle(img, (x, int(h * rng.uniform(0, 0.3))), (x + max(1, int(w / n * rng.uniform(0.2, 0.6))),
                          int(h * rng.uniform(0.7, 1))), [int(v) for v in rng.integers(0, 255, 3)], -1)
    else:  # a patch of a rendered scene
        from detector.render import render_scene

        scene = render_scene(int(rng.integers(1 << 30)), "ocr-negative", 0, width=320, height=240)
        y = int(rng.integers(0, 240 - 24))
        x = int(rng.integers(0, 320 - 64))
        img = cv2.resize(scene.image[y:y + 24, x:x + 64], (w, h), interpolation=cv2.INTER_LINEAR)
    return img


def _warp(img: np.ndarray, rng: np.random.Generator, tilt: float, persp: float) -> np.ndarray:
    h, w = img.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    jit = rng.uniform(-persp, persp, (4, 2)) * np.float32([w, h])
    centre = np.float32([w / 2, h / 2])
    a = np.deg2rad(rng.uniform(-tilt, tilt))
    rot = np.float32([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    dst = (src - centre) @ rot.T + centre + jit
    m = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    return cv2.warpPerspective(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _degrade(img: np.ndarray, rng: np.random.Generator, night: bool) -> np.ndarray:
    f = img.astype(np.float32)
    if night:
        g = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)
        f = np.repeat(g[:, :, None], 3, axis=2)
    h, w = f.shape[:2]
    if rng.random() < 0.4:  # a shadow or a lamp across the plate
        ramp = np.linspace(rng.uniform(0.4, 1.0), rng.uniform(0.8, 1.3), w, dtype=np.float32)
        f *= (ramp if rng.random() < 0.5 else ramp[::-1])[None, :, None]
    f = f * rng.uniform(0.55, 1.25) + rng.uniform(-35, 30)
    f = 255.0 * np.clip(f / 255.0, 0, 1) ** rng.uniform(0.6, 1.8)
    f += rng.normal(0, rng.uniform(1, 12), f.shape)
    return np.clip(f, 0, 255).astype(np.uint8)


def render_crop(text: str | None, rng: np.random.Generator) -> np.ndarray:
    """One crop of the plate ``text`` (as printed, with dashes), or of no plate (None)."""
    night = rng.random() < 0.2
    plate_h = 64
    body = tuple(int(v) for v in rng.integers(10, 245, 3))
    # the crop: a camera's tight one, or the detector's box (plate with surround) + margin
    if rng.random() < 0.5:
        mx, my = rng.uniform(0.0, 0.12), rng.uniform(0.0, 0.3)
    else:
        mx, my = rng.uniform(0.12, 0.35), rng.uniform(0.4, 0.9)
    pw = int(plate_h * 4.73)
    cw, ch = int(pw * (1 + 2 * mx)), int(plate_h * (1 + 2 * my))
    canvas = np.full((ch, cw, 3), body, np.uint8)
    canvas = np.clip(canvas.astype(np.int16) + rng.normal(0, 8, canvas.shape), 0, 255).astype(np.uint8)
    ox = int((cw - pw) / 2 + rng.uniform(-0.5, 0.5) * mx * pw)
    oy = int((ch - plate_h) / 2 + rng.uniform(-0.5, 0.5) * my * plate_h)
    if text is None:
        canvas[oy:oy + plate_h, ox:ox + pw] = _negative(rng, plate_h, pw)
        if rng.random() < 0.5:
            canvas = _negative(rng, ch, cw)
    else:
        canvas[oy:oy + plate_h, ox:ox + pw] = _plate(text, rng, night, plate_h)
    canvas = _warp(canvas, rng, tilt=7.0, persp=0.04)
    # down to what the camera resolves: the plate 7..48 px high (log-uniform)
    target = float(np.exp(rng.uniform(np.log(7), np.log(48))))
    s = target / plate_h
    small = cv2.resize(canvas, (max(8, round(cw * s)), max(4, round(ch * s))), interpolation=cv2.INTER_AREA)
    r = rng.random()
    if r < 0.3:
        sig = rng.uniform(0.3, 1.1)
        small = cv2.GaussianBlur(small, (0, 0), sig)
    elif r < 0.45:
        k = int(rng.integers(2, 5))
        kern = np.zeros((k, k), np.float32)
        kern[k // 2, :] = 1.0 / k
        small = cv2.filter2D(small, -1, kern if rng.random() < 0.6 else kern.T.copy())
    small = _degrade(small, rng, night)
    if rng.random() < 0.8:
        ok, enc = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(35, 95))])
        small = cv2.imdecode(enc, cv2.IMREAD_COLOR)
    return small


def sample(seed: int, split: str, index: int) -> tuple[np.ndarray, str]:
    """The crop and its label (the plate without dashes; ``""`` for no plate)."""
    rng = np.random.default_rng(crop_seed(seed, split, index))
    if rng.random() < NEGATIVE_SHARE:
        return render_crop(None, rng), ""
    text = plate_text(rng)
    return render_crop(text, rng), text.replace("-", "")


def scene_crops(seed: int, split: str, n: int) -> list[tuple[np.ndarray, str]]:
    """Plates cut from ``n`` whole rendered scenes as the worker cuts them
    (:func:`detector.blur.plate_crop` from the plate's box): the held-out scene set."""
    from detector.blur import Detection, plate_crop
    from detector.render import PLATE, render_scene

    out = []
    for i in range(n):
        scene = render_scene(seed, split, i)
        boxes = [b for b in scene.boxes if b[0] == PLATE]
        for (_, *box), text in zip(boxes, scene.plates):
            crop = plate_crop(scene.image, [Detection("plate", 1.0, tuple(box))])
            if crop is not None:
                out.append((crop, text))
    return out
