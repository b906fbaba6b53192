"""Rendered scenes as a YOLO data set: tiles at inference scale, the hard-case mix, and
the files the detector trains and is evaluated on (:mod:`detector.train`,
:mod:`detector.evaluate`).

Every file is a pure function of the seed and the scene's index (:mod:`detector.render`),
so a data set can be written again bit for bit, and resumed where it stopped.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from detector.render import (CLASSES, CONDITIONS, HARD_CASES, PERSON, PLATE, Scene,
                             render_scene, scene_seed)

log = logging.getLogger(__name__)


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
    heads = []
    for x1, y1, x2, y2 in scene.heads:
        a, b = max(x1 * fx - ox, 0.0), max(y1 * fy - oy, 0.0)
        cc, d = min(x2 * fx - ox, float(size)), min(y2 * fy - oy, float(size))
        if cc > a and d > b:
            heads.append((a, b, cc, d))
    return Scene(img[oy:oy + size, ox:ox + size].copy(), kept,
                 mask[oy:oy + size, ox:ox + size].copy(), scene.condition, scene.facing, scene.plates,
                 heads, scene.hard)


def hard_case(seed: int, split: str, index: int, share: float) -> str | None:
    """Which hard case scene ``index`` of a data set with ``share`` hard cases carries
    (None: none). A stream of its own, so the share changes no scene's pixels."""
    if share <= 0:
        return None
    rng = np.random.default_rng(scene_seed(seed, "hard-" + split, index))
    if rng.random() >= share:
        return None
    return HARD_CASES[int(rng.integers(len(HARD_CASES)))]


def write_dataset(root: Path, *, seed: int = 126, train: int = 1000, val: int = 100,
                  test: int = 200, width: int = 640, height: int = 480,
                  tile_size: int | None = None, tile_scale: float = 0.65,
                  progress: bool = False, resume: bool = False,
                  hard_share: float = 0.0, test_hard_share: float | None = None) -> Path:
    """Write a YOLO-format data set (images/, labels/, person masks) and its data.yaml.

    ``test`` is the held-out split: never passed to training, not even as validation,
    and always whole frames. With ``tile_size``, the train and val splits are tiles at
    ``tile_scale`` (see :func:`tile`); a tile of a face filling the frame is cut at a
    scale where most of the head fits. ``hard_share`` of the train and val scenes (and
    ``test_hard_share`` of the held-out ones, default the same) carry a hard case
    (:func:`hard_case`); with 0, the data set is the one it always was. Returns the path
    of the data yaml.
    """
    root = Path(root)
    counts = {"train": train, "val": val, "test": test}
    shares = {"train": hard_share, "val": hard_share,
              "test": hard_share if test_hard_share is None else test_hard_share}
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
            hard = hard_case(seed, split, i, shares[split])
            scene = render_scene(seed, split, i, width=width, height=height, hard=hard)
            if tile_size and split != "test":
                trng = np.random.default_rng(scene_seed(seed, "tile-" + split, i))
                scale = tile_scale
                if hard == "face_closeup":   # the head at the sizes whole frames show it
                    scale = float(trng.uniform(0.5, 1.0)) * tile_size / height
                scene = tile(scene, trng, scale, tile_size)
            cv2.imwrite(str(root / "images" / split / f"{name}.jpg"), scene.image,
                        [cv2.IMWRITE_JPEG_QUALITY, 95])
            lines = scene.yolo_lines()
            (root / "labels" / split / f"{name}.txt").write_text("\n".join(lines) + ("\n" if lines else ""))
            if split == "test":
                cv2.imwrite(str(root / "masks" / split / f"{name}.png"), scene.person_mask)
                meta.append(json.dumps({"image": f"{name}.jpg", "facing": scene.facing,
                                        "condition": scene.condition, "plates": scene.plates,
                                        "hard": scene.hard,
                                        "heads": [[round(v, 1) for v in hd] for hd in scene.heads]}))
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
         "splits": stats, "held_out": "test", "conditions": list(CONDITIONS),
         **({"hard_cases": list(HARD_CASES), "hard_share": shares} if any(shares.values()) else {})},
        indent=2))
    return yaml_path


def iter_scenes(seed: int, split: str, n: int, **kw) -> Iterator[Scene]:
    for i in range(n):
        yield render_scene(seed, split, i, **kw)
