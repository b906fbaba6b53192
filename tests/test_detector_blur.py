"""R8: blurring is irreversible and covers every source; tests fail if blurring is removed."""
from __future__ import annotations

import numpy as np
import pytest

from detector.blur import BlurConfig, Detection, blur, cabin_boxes, pixelate, privacy_mask_pixels
from detector.render import render_scene


def _detail(img: np.ndarray, block: int) -> np.ndarray:
    """What is left of an image after removing its block means: the identifying detail."""
    f = img.astype(np.float64)
    h, w = f.shape[:2]
    gh, gw = h // block, w // block
    f = f[: gh * block, : gw * block]
    means = f.reshape(gh, block, gw, block, -1).mean(axis=(1, 3))
    coarse = np.repeat(np.repeat(means, block, 0), block, 1)
    return (f - coarse).ravel()


def _attempts(out: np.ndarray) -> dict[str, np.ndarray]:
    """What an adversary would try on the output: itself, sharpening, a strong unsharp mask."""
    import cv2

    f = out.astype(np.float32)
    soft = cv2.GaussianBlur(f, (0, 0), 3)
    return {"as is": out, "unsharp": np.clip(f + 3 * (f - soft), 0, 255),
            "laplacian": np.clip(f - 2 * cv2.Laplacian(f, cv2.CV_32F), 0, 255)}


def _face(rng: np.random.Generator, size: int = 96) -> np.ndarray:
    """A detailed, face-sized patch: features and texture a person could be known by."""
    import cv2

    img = np.full((size, size, 3), (120, 150, 200), np.uint8)
    cv2.circle(img, (size // 3, size // 3), size // 10, (20, 20, 20), -1)
    cv2.circle(img, (2 * size // 3, size // 3), size // 10, (20, 20, 20), -1)
    cv2.ellipse(img, (size // 2, 2 * size // 3), (size // 5, size // 12), 0, 0, 180, (40, 40, 160), 3)
    noise = rng.integers(-40, 40, img.shape)
    return np.clip(img.astype(int) + noise, 0, 255).astype(np.uint8)


def _thumbnail(face: np.ndarray, block: int) -> np.ndarray:
    """The fixed baseline: the face at one pixel per block, upscaled smoothly. This much
    any pixelated photo may show by design; recovering more would mean reversibility."""
    import cv2

    h, w = face.shape[:2]
    small = cv2.resize(face, (w // block, h // block), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def test_blurred_region_keeps_no_detail_beyond_the_baseline():
    """Detail below block size (what identifies a face) correlates with the original no
    more from any attempt on the output than from the thumbnail baseline."""
    for seed in range(3):
        face = _face(np.random.default_rng(seed))
        mask = np.full(face.shape[:2], 255, np.uint8)
        out = pixelate(face, mask, 16, np.random.default_rng(1))
        truth = _detail(face, 16)
        baseline = abs(np.corrcoef(truth, _detail(_thumbnail(face, 16), 16))[0, 1])
        for name, attempt in _attempts(out).items():
            corr = abs(np.corrcoef(truth, _detail(attempt, 16))[0, 1])
            assert corr <= baseline, f"{name}: detail correlation {corr:.3f} > {baseline:.3f}"
        # the same measure sees the detail when nothing is blurred (the test has teeth)
        assert np.corrcoef(truth, _detail(face, 16))[0, 1] > 0.99


def test_two_faces_with_equal_block_means_become_indistinguishable():
    rng = np.random.default_rng(3)
    a = _face(rng)
    b = _face(rng)[:, ::-1].copy()  # other detail...
    block = 16
    # ...forced to the same block means as a
    da, db = a.astype(float), b.astype(float)
    ma = da.reshape(6, block, 6, block, 3).mean(axis=(1, 3))
    mb = db.reshape(6, block, 6, block, 3).mean(axis=(1, 3))
    b2 = np.clip(db + np.repeat(np.repeat(ma - mb, block, 0), block, 1), 0, 255).astype(np.uint8)
    mask = np.full(a.shape[:2], 255, np.uint8)
    oa = pixelate(a, mask, block, np.random.default_rng(1)).astype(float)
    ob = pixelate(b2, mask, block, np.random.default_rng(1)).astype(float)
    assert np.abs(a.astype(float) - b2).mean() > 20          # the originals differ clearly
    assert np.abs(oa - ob).mean() < 3                         # the outputs do not


def test_reconstruction_is_no_better_than_the_thumbnail_baseline():
    """PSNR of the best attempt against the original stays at or below the baseline's."""
    face = _face(np.random.default_rng(11))
    out = pixelate(face, np.full(face.shape[:2], 255, np.uint8), 16, np.random.default_rng(2))

    def psnr(x):
        mse = np.mean((face.astype(float) - np.asarray(x, float)) ** 2)
        return 10 * np.log10(255 ** 2 / max(mse, 1e-9))

    best = max(psnr(a) for a in _attempts(out).values())
    assert best <= psnr(_thumbnail(face, 16)) + 0.25
    assert psnr(np.clip(face.astype(int) + 3, 0, 255)) > best + 15   # light noise: far better


def test_blur_covers_every_source_and_leaves_the_rest_alone():
    """The detection-driven sources, with the surroundings blur off (it would blur all
    but the plate here, no vehicle being detected: see test_detector_surroundings.py)."""
    img = render_scene(126, "test", 5, condition="day", facing="front").image
    h, w = img.shape[:2]
    dets = [Detection("person", 0.07, (10, 10, 40, 60)),          # low score: still blurred
            Detection("person", 0.01, (500, 10, 540, 60)),         # below threshold: not
            Detection("plate", 0.9, (300, 400, 360, 413))]
    mask_poly = [([(600.0, 300.0), (630.0, 300.0), (630.0, 330.0), (600.0, 330.0)], w, h)]
    res = blur(img, dets, facing="front", privacy_polygons=mask_poly,
               config=BlurConfig(surroundings=False))
    m = res.mask > 0
    assert m[30, 25] and m[315, 615]            # person box, privacy mask
    assert m[400 - 2 * 60, 330]                 # the cabin above the plate
    assert not m[35, 520]                       # low-score detection ignored
    assert not m[406, 330]                      # the plate itself stays readable
    assert np.array_equal(res.image[~m], img[~m])   # outside the region: untouched
    assert not np.array_equal(res.image[m], img[m])
    assert res.image is not img


def test_cabin_geometry_depends_on_facing():
    d = [Detection("plate", 0.9, (100, 300, 160, 313))]
    front = cabin_boxes(d, "front", (480, 640))[0]
    rear = cabin_boxes(d, "rear", (480, 640))[0]
    assert front[1] < rear[1] < 300 and front[3] < 300


def test_privacy_mask_scales_from_reference_frame():
    m = privacy_mask_pixels([([(0, 0), (960, 0), (960, 540), (0, 540)], 1920, 1080)], (480, 640))
    assert m[:238, :318].all() and not m[250:, 330:].any()


@pytest.mark.parametrize("block", [12, 16, 24])
def test_pixelate_replaces_whole_blocks(block):
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (100, 130, 3), dtype=np.uint8)
    mask = np.zeros((100, 130), np.uint8)
    mask[50, 60] = 255                        # a single pixel...
    out = pixelate(img, mask, block, rng)
    by, bx = 50 // block * block, 60 // block * block
    changed = np.any(out != img, axis=2)
    assert changed[by:by + block, bx:bx + block].mean() > 0.9   # ...blurs its whole block
    assert not changed[: by - block].any()
