"""Training the plate/person/vehicle detector offline on the CPU, with a model card.

The model is built from the architecture yaml shipped inside ultralytics
(``yolo11n.yaml``), never from downloaded weights: nothing here may reach the
internet, so ultralytics is put in offline mode, automatic mixed precision (whose check
downloads a model) and plotting (which downloads a font) are switched off. The same
function trains on the renderer's synthetic data or on any YOLO-format data set a unit
has (real labelled camera images), as long as its class names include ``plate`` and
``person``.

The model card records what a reader needs to trust or distrust the model: the data
set (path, generator seed, sizes), the training seed, epochs, image size, duration and
the held-out metrics measured after training.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from anpr.errors import BadInput

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
MODELS_DIR = PACKAGE_DIR / "models"
SHIPPED_MODEL = MODELS_DIR / "anpr-yolo11n.pt"
RUNS_DIR = PACKAGE_DIR / "runs"
DATASETS_DIR = PACKAGE_DIR / "datasets"


def offline_ultralytics(threads: int = 2) -> None:
    """Keep ultralytics from any network access and torch within its CPU share.

    Must run before ``import ultralytics``: it reads these variables at import time.
    Before torch's first import it also makes torch's OpenMP threads sleep when they
    wait for each other instead of spinning (``OMP_WAIT_POLICY=PASSIVE``, unless set):
    on cores shared with other work a spinning thread holds the core its partner needs,
    and two threads ran up to ten times slower than one (docs/detector.md, Threads).
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ.setdefault("YOLO_VERBOSE", "False")
    config = RUNS_DIR / ".ultralytics"
    config.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("YOLO_CONFIG_DIR", str(config))
    import torch

    torch.set_num_threads(max(1, threads))


@contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """torch's thread count for a block; what the process had before is given back
    (the count is process-wide: training, the face detector and the model share it)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(max(1, threads))
    try:
        yield
    finally:
        torch.set_num_threads(before)


@dataclass
class TrainResult:
    model_path: Path
    card_path: Path
    metrics: dict[str, Any]


def _read_names(data_yaml: Path) -> dict[int, str]:
    import yaml  # ultralytics depends on PyYAML

    try:
        spec = yaml.safe_load(data_yaml.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise BadInput(f"cannot read data set description {data_yaml}: {exc}") from exc
    names = spec.get("names") if isinstance(spec, dict) else None
    if isinstance(names, list):
        names = dict(enumerate(names))
    if not isinstance(names, dict):
        raise BadInput(f"{data_yaml} has no class names")
    missing = {"plate", "person"} - set(names.values())
    if missing:
        raise BadInput(f"{data_yaml}: the data set needs classes {sorted(missing)}")
    return {int(k): str(v) for k, v in names.items()}


def train(data_yaml: Path, *, epochs: int = 30, imgsz: int = 416, batch: int = 16,
          seed: int = 126, threads: int = 2, out: Path | None = None,
          name: str = "train", architecture: str = "yolo11n.yaml", weights: Path | None = None,
          patience: int = 100, fraction: float = 1.0, data_info: dict | None = None,
          hours: float | None = None, infer_imgsz: int | None = None,
          runs_dir: Path | None = None, warmup_epochs: float = 3.0) -> TrainResult:
    """Train and write ``out`` (the model) plus ``out.with_suffix('.json'/.md')`` (the card).

    ``weights`` continues from an earlier model (fine-tuning on real images, or more
    epochs on top of the shipped model) instead of starting from the architecture.
    ``hours`` caps the wall time; ultralytics then fits the epoch count (and the
    learning-rate schedule) to it, which is how a shared CPU budget is kept.
    ``infer_imgsz`` is the size whole frames are run at, when training used tiles cut at
    that scale (see ``dataset.tile``); it goes into the card for the detector to use.
    ``warmup_epochs`` should be well under the epochs a time cap allows: ultralytics'
    default of 3 would spend most of a short CPU run at a tiny learning rate.
    """
    data_yaml = Path(data_yaml).resolve()
    if not data_yaml.is_file():
        raise BadInput(f"data set description {data_yaml} does not exist")
    names = _read_names(data_yaml)
    with torch_threads(threads):   # the caller's thread count comes back afterwards
        return _train(data_yaml, names, epochs=epochs, imgsz=imgsz, batch=batch, seed=seed,
                      threads=threads, out=out, name=name, architecture=architecture,
                      weights=weights, patience=patience, fraction=fraction, data_info=data_info,
                      hours=hours, infer_imgsz=infer_imgsz, runs_dir=runs_dir,
                      warmup_epochs=warmup_epochs)


def _train(data_yaml: Path, names: dict[int, str], *, epochs: int, imgsz: int, batch: int,
           seed: int, threads: int, out: Path | None, name: str, architecture: str,
           weights: Path | None, patience: int, fraction: float, data_info: dict | None,
           hours: float | None, infer_imgsz: int | None, runs_dir: Path | None,
           warmup_epochs: float) -> TrainResult:
    offline_ultralytics(threads)
    from ultralytics import YOLO

    out = Path(out) if out else SHIPPED_MODEL
    runs_dir = Path(runs_dir) if runs_dir else RUNS_DIR
    runs_dir.mkdir(parents=True, exist_ok=True)
    model = YOLO(str(weights) if weights else architecture)
    started = time.monotonic()
    model.train(data=str(data_yaml), epochs=epochs, imgsz=imgsz, batch=batch, seed=seed,
                deterministic=True, device="cpu", workers=0, amp=False, plots=False,
                project=str(runs_dir), name=name, exist_ok=True, patience=patience,
                # pretrained=False would make ultralytics drop the given weights and start
                # from scratch (it did, once); the path makes it load them explicitly
                pretrained=str(weights) if weights else False, verbose=False, fraction=fraction, cache=False,
                val=True, warmup_epochs=warmup_epochs, **({"time": hours} if hours else {}))
    seconds = time.monotonic() - started
    trainer = model.trainer
    best = Path(trainer.best) if Path(trainer.best).exists() else Path(trainer.last)
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(best, out)
    metrics = _final_metrics(trainer)
    card = {
        "model": out.name,
        "version": model_version(out),
        "architecture": architecture if not weights
        else f"fine-tuned from {Path(weights).name} ({model_version(Path(weights))})",
        "classes": names,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "data": {"yaml": str(data_yaml), **(data_info or _dataset_info(data_yaml))},
        "training": {"seed": seed, "epochs": int(trainer.epochs), "time_cap_hours": hours, "epochs_run": int(trainer.epoch) + 1,
                     "imgsz": imgsz, "batch": batch, "device": "cpu", "threads": threads,
                     "warmup_epochs": warmup_epochs,
                     "seconds": round(seconds, 1), "fraction": fraction},
        "validation_metrics": metrics,
        "inference": {"imgsz": infer_imgsz or imgsz},
    }
    card_path = write_card(out, card)
    log.info("model written to %s (%s)", out, card["version"])
    return TrainResult(out, card_path, metrics)


def _dataset_info(data_yaml: Path) -> dict:
    meta = data_yaml.parent / "dataset.json"
    if meta.is_file():
        return json.loads(meta.read_text())
    return {"generator": "user-supplied"}


def _final_metrics(trainer) -> dict[str, Any]:
    """Per-class precision/recall/mAP50 of the final validation of the best model."""
    validator = trainer.validator
    out: dict[str, Any] = {}
    m = getattr(validator, "metrics", None)
    if m is None:
        return out
    box = m.box
    names = trainer.data["names"]
    for i, cls in enumerate(getattr(box, "ap_class_index", [])):
        p, r, ap50, _ = box.class_result(i)
        out[names[int(cls)]] = {"precision": round(float(p), 4), "recall": round(float(r), 4),
                                "mAP50": round(float(ap50), 4)}
    out["all"] = {"precision": round(float(box.mp), 4), "recall": round(float(box.mr), 4),
                  "mAP50": round(float(box.map50), 4)}
    return out


def model_version(path: Path) -> str:
    """Name plus a short content hash: detections record exactly which model made them."""
    import hashlib

    h = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
    return f"{Path(path).stem}@{h}"


def _real_photo_lines(real: dict) -> list[str]:
    """The card's lead: the real photographs (``detector.realphotos.evaluate_real``)."""
    model = real.get("model", {})
    blurred = real.get("faces_blurred", {})
    lines = ["## Real photographs with people (`anpr detector eval --real`)", "",
             "The whole pipeline (this model and every blur source, the face source "
             "included) on the real photos that ship in installed packages, faces and persons "
             f"labelled by hand. Target: {real['target']}; met: {real['met']}. "
             f"Checker: {real['checker']}.", ""]
    if blurred:
        lines += [f"Faces blurred (detail kept under 20%) of {real['faces']}: "
                  f"{blurred.get('production')} in production, "
                  f"{blurred.get('without_surroundings')} without the surroundings source, "
                  f"{blurred.get('without_surroundings_and_faces')} without the surroundings "
                  "and face sources (the model's own boxes and the cabins alone). The model "
                  f"covers {model.get('faces_covered_by_person_boxes')} of the faces with its "
                  f"person boxes, boxes {model.get('faces_boxed_as_vehicle_or_plate')} as a "
                  f"vehicle or plate, and finds {model.get('persons_found')} of the "
                  f"{real.get('persons')} persons (IoU 0.5); least blurred person in production: "
                  f"{real.get('min_person_blurred')} of its box.", ""]
    lines += ["| photo | faces | detail kept (after/before) | face pixels unchanged "
              "| faces found before / after | persons blurred | frame blurred "
              "| without surroundings: detail kept | without surroundings and faces: detail kept "
              "| model: faces in its person boxes / boxed as vehicle or plate |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in real["images"]:
        if r.get("missing"):
            lines.append(f"| {r['image']} | {r['faces']} | (package not installed) | | | | | | | |")
            continue
        m = r.get("model", {})
        ws = r.get("without_surroundings", {})
        wsf = r.get("without_surroundings_and_faces", {})
        lines.append(
            f"| {r['image']} | {r['faces']} | {', '.join(map(str, r['detail_kept'])) or '-'} "
            f"| {', '.join(map(str, r['pixels_unchanged'])) or '-'} "
            f"| {r['haar_faces_before']} / {r['haar_faces_after']} "
            f"| {', '.join(f'{p:.0%}' for p in r.get('persons_blurred', [])) or '-'} "
            f"| {r['blurred_share']:.0%} "
            f"| {', '.join(map(str, ws.get('detail_kept', []))) or '-'} "
            f"| {', '.join(map(str, wsf.get('detail_kept', []))) or '-'} "
            f"| {sum(m.get('faces_covered_by_person_boxes', []))} / "
            f"{sum(bool(c) for c in m.get('faces_boxed_as', []))} |")
    return lines + [""]


def write_card(model_path: Path, card: dict) -> Path:
    """The model card as JSON (for programs) and Markdown (for people), beside the model."""
    model_path = Path(model_path)
    json_path = model_path.with_suffix(".json")
    existing = json.loads(json_path.read_text()) if json_path.is_file() else {}
    if "evaluation" in existing and "evaluation" not in card:
        existing_eval = existing["evaluation"]
        if existing_eval.get("model_version") == card.get("version"):
            card["evaluation"] = existing_eval
    for key in ("real_photos", "evaluation_hard_cases"):
        if key in existing and key not in card and existing.get("version") == card.get("version"):
            card[key] = existing[key]
    json_path.write_text(json.dumps(card, indent=2, default=str) + "\n")
    lines = [f"# Model card: {card['model']}", "",
             f"- version: `{card['version']}`",
             f"- architecture: {card['architecture']}",
             f"- classes: {', '.join(f'{k}={v}' for k, v in card['classes'].items())}",
             f"- created: {card['created']}", ""]
    real = card.get("real_photos")
    if real:
        lines += _real_photo_lines(real)
    lines += ["## Data", ""]
    data = card["data"]
    lines += [f"- generator: {data.get('generator')} (seed {data.get('seed')})",
              f"- splits: {json.dumps(data.get('splits'))}",
              f"- held-out split: {data.get('held_out', 'test')} (never trained on)", "",
              "## Training", ""]
    lines += [f"- {k}: {v}" for k, v in card["training"].items()]
    lines += ["", "## Validation (split `val`, used for model selection)", "",
              "| class | precision | recall | mAP50 |", "| --- | --- | --- | --- |"]
    for cls, m in card.get("validation_metrics", {}).items():
        lines.append(f"| {cls} | {m['precision']} | {m['recall']} | {m['mAP50']} |")
    ev = card.get("evaluation")
    if ev:
        lines += ["", "## Held-out evaluation (`anpr detector eval`)", "",
                  "```", json.dumps(ev, indent=2), "```"]
    hard = card.get("evaluation_hard_cases")
    if hard:
        lines += ["", "## Held-out hard cases (`anpr detector eval --data <test split, every scene a "
                  "hard case>`)", "",
                  "The held-out split of the same seed with a hard case in every scene "
                  "(`anpr detector render DIR --train 0 --val 0 --test 150 --hard-share 1`): faces "
                  "filling the frame, people in front of vehicles, plate-like patterns on clothes "
                  "and glasses.", "", "```", json.dumps(hard, indent=2), "```"]
    lines += ["", "## Limits", "",
              "Trained on procedurally rendered scenes only. Before production use, "
              "fine-tune on labelled real overview photos of the unit's cameras "
              "(`anpr detector train --data <yolo data.yaml> --weights <this model>`) and "
              "re-run `anpr detector eval`; blurring never relies on this model alone "
              "(cabin regions, privacy masks, the surroundings, HOG and a face detector trained "
              "on real photos are unioned with it)."]
    if card.get("known_limits"):
        lines += ["", card["known_limits"]]
    model_path.with_suffix(".md").write_text("\n".join(lines) + "\n")
    return json_path
