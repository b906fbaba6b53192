"""Turning the bytes a camera sent into a BGR array, or a clear reason why not.

Cameras and intake paths send what they send: empty files, truncated JPEGs, HTML error
pages, 16-bit infrared TIFFs, PNGs with alpha, phone-style JPEGs with an EXIF rotation,
decompression bombs. Each is either normalised (depth, channels, orientation) or
refused with a :class:`FrameRejected` whose reason is stored on the frame, so one bad
frame never stops a worker. The pixel count is checked from the header before any
pixel is decoded, so a bomb costs no memory.
"""
from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from anpr.errors import BadInput

DEFAULT_MAX_PIXELS = 50_000_000


def _pil_open():
    """PIL's own ``Image.open``.

    Importing ultralytics replaces ``Image.open`` with a wrapper that, on an unknown
    format, tries to install and import ``pi-heif`` at run time: offline that turns
    "not an image" into an ImportError (retried forever instead of set aside), online
    it would install packages from a worker. The original is kept by ultralytics.
    """
    op = Image.open
    if getattr(op, "__module__", "PIL.Image") != "PIL.Image":
        import sys

        op = getattr(sys.modules.get("ultralytics.utils.patches"), "_image_open", op)
    return op


class FrameRejected(BadInput):
    """A frame that can never be processed; retrying will not help."""


def decode(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Decode image bytes to an upright 8-bit BGR array."""
    if not data:
        raise FrameRejected("empty file (zero bytes)")
    try:
        with warnings.catch_warnings():
            # the pixel limit is ours (below); PIL's bomb warning would only duplicate it
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = _pil_open()(io.BytesIO(data))
            w, h = img.size
            if w <= 0 or h <= 0:
                raise FrameRejected(f"image has no pixels ({w}x{h})")
            if w * h > max_pixels:
                raise FrameRejected(f"image too large: {w}x{h} = {w * h:,} pixels, "
                                    f"limit {max_pixels:,}")
            img.load()
    except FrameRejected:
        raise
    except UnidentifiedImageError as exc:
        raise FrameRejected(f"not an image (unrecognised format, {len(data)} bytes)") from exc
    except Image.DecompressionBombError as exc:
        raise FrameRejected(f"image too large: {exc}") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise FrameRejected(f"corrupt or truncated image: {exc}") from exc
    img = ImageOps.exif_transpose(img)
    return _to_bgr(img)


def _to_bgr(img: Image.Image) -> np.ndarray:
    """Normalise every colour depth PIL can read to 8-bit BGR."""
    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        a = np.asarray(img, dtype=np.float64)
        lo, hi = np.percentile(a, (0.5, 99.5)) if a.size else (0.0, 1.0)
        if hi <= lo:
            hi = lo + 1.0
        grey = np.clip((a - lo) * 255.0 / (hi - lo), 0, 255).astype(np.uint8)
        return np.repeat(grey[:, :, None], 3, axis=2)
    if mode in ("1", "L", "LA", "P", "PA", "RGBA", "CMYK", "YCbCr", "LAB", "HSV", "La", "RGBa"):
        img = img.convert("RGB")
    elif mode != "RGB":
        try:
            img = img.convert("RGB")
        except (ValueError, OSError) as exc:
            raise FrameRejected(f"unsupported colour mode {mode}") from exc
    rgb = np.asarray(img, dtype=np.uint8)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise FrameRejected(f"unsupported pixel layout {rgb.shape} ({mode})")
    return np.ascontiguousarray(rgb[:, :, ::-1])


def encode_jpeg(image: np.ndarray, quality: int = 90) -> bytes:
    """JPEG bytes of a BGR array (the form the image store keeps photos in)."""
    import cv2

    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise FrameRejected("could not encode the result as JPEG")
    return buf.tobytes()
