"""Bad input to the detector: every kind gets a clear reason, good odd input is normalised."""
from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from detector.frames import FrameRejected, decode


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def _jpeg(arr: np.ndarray, exif: bytes | None = None) -> bytes:
    buf = io.BytesIO()
    kw = {"exif": exif} if exif else {}
    Image.fromarray(arr).save(buf, format="JPEG", quality=95, **kw)
    return buf.getvalue()


def _huge_png_header(w: int, h: int) -> bytes:
    """A valid PNG header announcing w x h pixels, with almost no data (a bomb's shape)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 100)) \
        + chunk(b"IEND", b"")


@pytest.mark.parametrize("data, reason", [
    (b"", "empty file"),
    (b"<html><body>502 Bad Gateway</body></html>", "not an image"),
    (b"%PDF-1.7\n" + b"x" * 500, "not an image"),
    (bytes(range(256)) * 4, "not an image"),
])
def test_non_images_are_refused_with_reason(data, reason):
    with pytest.raises(FrameRejected) as exc:
        decode(data)
    assert reason in exc.value.message


def test_truncated_jpeg_is_refused():
    data = _jpeg(np.random.default_rng(1).integers(0, 255, (240, 320, 3), dtype=np.uint8))
    with pytest.raises(FrameRejected) as exc:
        decode(data[: len(data) // 2])
    assert "truncated" in exc.value.message


def test_corrupt_png_is_refused():
    data = bytearray(_png(Image.new("RGB", (64, 48), (10, 200, 30))))
    data[60:80] = b"\xff" * 20  # inside IDAT: checksum and inflate fail
    with pytest.raises(FrameRejected) as exc:
        decode(bytes(data))
    assert "corrupt" in exc.value.message


def test_huge_image_refused_from_header_without_decoding():
    with pytest.raises(FrameRejected) as exc:
        decode(_huge_png_header(100_000, 100_000), max_pixels=50_000_000)
    assert "too large" in exc.value.message


def test_zero_size_dimension_is_refused():
    with pytest.raises(FrameRejected):
        decode(_huge_png_header(0, 10))


@pytest.mark.parametrize("mode", ["L", "1", "P", "RGBA", "LA", "CMYK", "I;16", "I", "F"])
def test_colour_depths_become_8bit_bgr(mode):
    base = Image.new("RGB", (40, 30), (200, 100, 50))
    if mode in ("I;16", "I", "F"):
        arr = (np.arange(40 * 30).reshape(30, 40) * 50).astype(np.uint16)
        img = Image.fromarray(arr) if mode == "I;16" else Image.fromarray(arr.astype(np.int32 if mode == "I" else np.float32))
        data = _png(img) if mode == "I;16" else _tiff(img)
    elif mode == "CMYK":
        buf = io.BytesIO()
        base.convert("CMYK").save(buf, format="JPEG")
        data = buf.getvalue()
    else:
        data = _png(base.convert(mode))
    out = decode(data)
    assert out.dtype == np.uint8 and out.shape == (30, 40, 3)
    if mode == "I;16":
        assert out[0, 0, 0] < out[-1, -1, 0]  # 16-bit IR is scaled, not clipped to white


def _tiff(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="TIFF")
    return buf.getvalue()


def test_rgb_becomes_bgr():
    out = decode(_png(Image.new("RGB", (8, 8), (255, 0, 0))))
    assert tuple(out[0, 0]) == (0, 0, 255)


def test_exif_rotation_is_applied():
    arr = np.zeros((20, 60, 3), np.uint8)
    arr[:, :10] = 255  # a white band on the left of a landscape frame
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    out = decode(_jpeg(arr, exif.tobytes()))
    assert out.shape[:2] == (60, 20)  # now portrait
    assert out[:10].mean() > 200 and out[-10:].mean() < 50  # the band is at the top


def test_non_image_is_refused_even_after_ultralytics_patched_pil():
    """ultralytics wraps Image.open to fetch a HEIF plugin on unknown formats; a worker
    must still refuse a non-image cleanly (and never try to install anything)."""
    from detector.train import offline_ultralytics

    offline_ultralytics(1)
    import ultralytics.utils.patches  # noqa: F401  (applies the wrapper)

    with pytest.raises(FrameRejected) as exc:
        decode(b"<html>not a photo</html>")
    assert "not an image" in exc.value.message
