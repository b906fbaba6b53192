"""Training and evaluating the plate reader (:mod:`detector.ocr`) on the CPU.

``anpr detector train-ocr`` renders the training crops (:mod:`detector.platecrops`,
plus plates cut from rendered training scenes as the worker cuts them), trains the CRNN
with CTC and writes the weights (half precision, under a megabyte) and a card beside
them: seed, data, steps, time, and the held-out figures of :func:`evaluate`.

Reproducible by seed: the data are a pure function of ``(seed, split, index)``, the
batches are drawn from a generator seeded with it and torch's generator too; with the
same thread count the same command writes the same weights (floating-point sums run in
another order with another thread count).
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from detector import platecrops
from detector.ocr import ALPHABET, DEFAULT_WEIGHTS, HEIGHT, MODEL_NAME, WIDTH, PlateReader, _net, prepare

log = logging.getLogger(__name__)


def _one(args: tuple[int, str, int]) -> tuple[np.ndarray, str]:
    crop, text = platecrops.sample(*args)
    return (prepare(crop) * 255).astype(np.uint8), text


def _scene_chunk(args: tuple[int, str, int, int]) -> list[tuple[np.ndarray, str]]:
    seed, split, start, n = args
    from detector.blur import Detection, plate_crop
    from detector.render import PLATE, render_scene

    out = []
    for i in range(start, start + n):
        scene = render_scene(seed, split, i)
        boxes = [b for b in scene.boxes if b[0] == PLATE]
        for (_, *box), text in zip(boxes, scene.plates):
            crop = plate_crop(scene.image, [Detection("plate", 1.0, tuple(box))])
            if crop is not None:
                out.append(((prepare(crop) * 255).astype(np.uint8), text))
    return out


def _camera_one(args: tuple[int, str, int]) -> tuple[np.ndarray, str]:
    crop, text = camera_crop(*args)
    return (prepare(crop) * 255).astype(np.uint8), text


def dataset(seed: int, split: str, n_crops: int, n_scenes: int, workers: int = 2,
            n_camera: int = 0) -> tuple[np.ndarray, list[str]]:
    """Prepared crops (N, 32, 128) uint8 and their labels, in index order: ``n_crops``
    of :mod:`detector.platecrops`, the plates of ``n_scenes`` rendered scenes, and
    ``n_camera`` crops as the cameras send them (:func:`camera_crop`)."""
    ctx = get_context("fork")
    with ctx.Pool(max(1, workers)) as pool:
        crops = pool.map(_one, [(seed, split, i) for i in range(n_crops)], chunksize=64)
        chunks = pool.map(_scene_chunk, [(seed, split, s, min(50, n_scenes - s))
                                         for s in range(0, n_scenes, 50)])
        camera = pool.map(_camera_one, [(seed, split, i) for i in range(n_camera)],
                          chunksize=64)
    rows = crops + [r for c in chunks for r in c] + camera
    return np.stack([r[0] for r in rows]), [r[1] for r in rows]


def train(*, seed: int = 126, steps: int = 1500, batch: int = 64, n_crops: int = 20000,
          n_scenes: int = 1500, n_camera: int = 0, threads: int = 2,
          out: Path = DEFAULT_WEIGHTS, init: Path | None = None, lr: float = 3e-3,
          evaluate_after: bool = True) -> dict:
    """Train (from scratch, or on from the weights ``init``) and write ``out`` and its
    card; returns the card. Torch runs on ``threads`` threads meanwhile; the process
    gets its own thread count back."""
    from detector.train import torch_threads

    with torch_threads(threads):
        return _train(seed=seed, steps=steps, batch=batch, n_crops=n_crops, n_scenes=n_scenes,
                      n_camera=n_camera, threads=threads, out=out, init=init, lr=lr,
                      evaluate_after=evaluate_after)


def _train(*, seed: int, steps: int, batch: int, n_crops: int, n_scenes: int, n_camera: int,
           threads: int, out: Path, init: Path | None, lr: float, evaluate_after: bool) -> dict:
    import torch

    torch.manual_seed(seed)
    t0 = time.time()
    x, labels = dataset(seed, "train", n_crops, n_scenes, workers=threads, n_camera=n_camera)
    t_data = time.time() - t0
    log.info("%d training crops rendered in %.0f s", len(labels), t_data)
    targets = [[ALPHABET.index(c) + 1 for c in t] for t in labels]
    started_from = None
    if init is not None:
        start = PlateReader(init)      # refuses weights it cannot load
        net, started_from = start.net, start.version
        net.train()
    else:
        net = _net()
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15)
    ctc = torch.nn.CTCLoss(blank=0, zero_infinity=True)
    rng = np.random.default_rng(seed)
    net.train()
    t1 = time.time()
    losses = []
    for step in range(steps):
        idx = rng.integers(0, len(labels), batch)
        xb = torch.from_numpy(x[idx].astype(np.float32) / 255.0)[:, None]
        if rng.random() < 0.5:   # the same crop, a little brighter or darker
            xb = (xb * float(rng.uniform(0.8, 1.0)) + float(rng.uniform(0, 0.2))).clamp(0, 1)
        tg = [targets[i] for i in idx]
        flat = torch.tensor([c for t in tg for c in t], dtype=torch.long)
        lens = torch.tensor([len(t) for t in tg], dtype=torch.long)
        logp = net(xb).log_softmax(2)
        loss = ctc(logp.permute(1, 0, 2), flat, torch.full((batch,), logp.shape[1], dtype=torch.long), lens)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()
        sched.step()
        losses.append(loss.item())
        if step % 100 == 0 or step == steps - 1:
            log.info("step %d/%d loss %.3f", step, steps, np.mean(losses[-100:]))
    t_train = time.time() - t1
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.half() if v.is_floating_point() else v for k, v in net.state_dict().items()}
    torch.save(state, out)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()[:12]
    card = {
        "version": f"{MODEL_NAME}-{digest}", "model": "CRNN (CNN + BiGRU + CTC)",
        "parameters": int(sum(p.numel() for p in net.parameters())),
        "input": [HEIGHT, WIDTH], "alphabet": ALPHABET, "seed": seed, "steps": steps,
        "batch": batch, "threads": threads,
        "data": {"generator": "detector.platecrops + detector.render scenes and camera "
                              "crops (split train)",
                 "crops": n_crops, "scenes": n_scenes, "camera_crops": n_camera,
                 "samples": len(labels),
                 "no_plate_share": round(labels.count("") / len(labels), 3)},
        "seconds": {"data": round(t_data), "train": round(t_train)},
        "final_loss": round(float(np.mean(losses[-100:])), 4),
        "started_from": started_from, "max_lr": lr,
        "command": (f"anpr detector train-ocr --seed {seed} --steps {steps} --threads {threads}"
                    f" --crops {n_crops} --scenes {n_scenes} --camera-crops {n_camera}"
                    f" --lr {lr:g}" + (f" --init {init}" if init else "")),
    }
    if evaluate_after:
        card["held_out"] = evaluate(PlateReader(out), seed=seed, workers=threads)
    out.with_suffix(".json").write_text(json.dumps(card, indent=2) + "\n")
    return card


def _figures(reads, labels) -> dict:
    plates = [(r, t) for r, t in zip(reads, labels) if t]
    none = [r for r, t in zip(reads, labels) if not t]
    chars = sum(len(t) for _, t in plates)
    right = sum(sum(a == b for a, b in zip(r.text, t)) if len(r.text) == len(t) else
                len(t) - _distance(r.text, t) for r, t in plates)
    out = {"plates": len(plates),
           "whole_plate": round(sum(r.text == t for r, t in plates) / max(1, len(plates)), 4),
           "per_character": round(max(0, right) / max(1, chars), 4)}
    for thr in (0.5, 0.8):
        ok = [r.plausible(thr) for r, _ in plates]
        out[f"accepted_at_{thr}"] = round(sum(ok) / max(1, len(plates)), 4)
        out[f"right_when_accepted_at_{thr}"] = round(
            sum(r.text == t for (r, t), a in zip(plates, ok) if a) / max(1, sum(ok)), 4)
    if none:
        out["no_plate_crops"] = len(none)
        out["no_plate_accepted_at_0.5"] = round(sum(r.plausible(0.5) for r in none) / len(none), 4)
    return out


def _distance(a: str, b: str) -> int:
    """Levenshtein distance: characters wrong, missing or extra."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def evaluate(reader, *, seed: int = 126, n_crops: int = 2000, n_scenes: int = 300,
             n_camera: int = 600, workers: int = 2) -> dict:
    """Whole-plate and per-character accuracy on held-out crops (split ``test``): rendered
    crops, plates cut from held-out rendered scenes as the worker cuts them (with the
    ground-truth box, so the figure is the reader's, not the detector's), and crops as
    the demo's cameras send them."""
    ctx = get_context("fork")
    with ctx.Pool(max(1, workers)) as pool:
        crops = pool.starmap(platecrops.sample, [(seed, "test", i) for i in range(n_crops)],
                             chunksize=64)
    scene = platecrops.scene_crops(seed, "test", n_scenes)
    camera = camera_crops(seed, n_camera)
    t = time.time()
    reads = reader.read_many([c for c, _ in crops])
    ms = (time.time() - t) / max(1, len(crops)) * 1000
    return {"seed": seed, "split": "test",
            "rendered_crops": _figures(reads, [t for _, t in crops]),
            "scene_crops": _figures(reader.read_many([c for c, _ in scene]), [t for _, t in scene]),
            "camera_crops": _figures(reader.read_many([c for c, _ in camera]), [t for _, t in camera]),
            "ms_per_crop_batched": round(ms, 2)}


def camera_crop(seed: int, split: str, index: int) -> tuple[np.ndarray, str]:
    """One crop as the demo's cameras send them (:func:`detector.render.render_plate_crop`),
    the rendering conditions in turn, and its plate without dashes. The held-out crops
    (split ``test``) keep the seed streams they were first measured on; the training
    crops (split ``train``) come from streams of their own."""
    from detector.render import CONDITIONS, plate_text, render_plate_crop

    plates, crops = ("camera-test", "ocr-test") if split == "test" else (
        f"camera-{split}", f"camera-crop-{split}")
    text = plate_text(np.random.default_rng(platecrops.crop_seed(seed, plates, index)))
    return (render_plate_crop(text, seed, crops, index,
                              condition=CONDITIONS[index % len(CONDITIONS)]),
            text.replace("-", ""))


def camera_crops(seed: int, n: int) -> list[tuple[np.ndarray, str]]:
    """Held-out crops as the demo's cameras send them, in every rendering condition."""
    return [camera_crop(seed, "test", i) for i in range(n)]
