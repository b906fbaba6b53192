"""``anpr detector ...``: render data, train, evaluate, run workers, queue frames.

Thin shells around the domain modules; heavy imports (torch, ultralytics) happen inside
the commands so ``anpr --help`` stays fast.
"""
from __future__ import annotations

import getpass
import json
import logging
from datetime import datetime, timezone
from pathlib import Path

import click

from anpr.command import Context, guard, pass_ctx

log = logging.getLogger(__name__)


@click.group()
def detector() -> None:
    """Plate and person detection, blurring, training and worker nodes."""


@detector.command("render")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--seed", type=int, default=126, show_default=True)
@click.option("--train", "n_train", type=int, default=1600, show_default=True)
@click.option("--val", "n_val", type=int, default=160, show_default=True)
@click.option("--test", "n_test", type=int, default=300, show_default=True,
              help="Held-out images, never used in training.")
@click.option("--tile", "tile_size", type=int, default=None,
              help="Cut train and val scenes into tiles of this size (CPU training).")
@click.option("--tile-scale", type=float, default=0.65, show_default=True,
              help="Scale the tiles are cut at: the inference size over the frame size.")
@click.option("--hard-share", type=float, default=0.0, show_default=True,
              help="Share of scenes with a hard case (a face filling the frame, people in front "
                   "of vehicles, plate-like patterns on clothes and glasses); 0 keeps the data "
                   "set as it always was.")
@click.option("--test-hard-share", type=float, default=None,
              help="The same for the held-out split (default: --hard-share).")
def render_cmd(out: Path, seed: int, n_train: int, n_val: int, n_test: int, tile_size: int | None,
               tile_scale: float, hard_share: float, test_hard_share: float | None) -> None:
    """Generate a labelled YOLO data set of road scenes (deterministic for a seed)."""
    from detector.dataset import write_dataset

    yaml_path = write_dataset(out, seed=seed, train=n_train, val=n_val, test=n_test, progress=True,
                              tile_size=tile_size, tile_scale=tile_scale, hard_share=hard_share,
                              test_hard_share=test_hard_share)
    click.echo(f"data set written: {yaml_path}")


@detector.command("train")
@click.option("--data", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A YOLO data.yaml (classes must include plate and person); "
                   "default: render one under detector/datasets/.")
@click.option("--seed", type=int, default=126, show_default=True)
@click.option("--epochs", type=int, default=60, show_default=True)
@click.option("--hours", type=float, default=None, help="Cap on training time; epochs fit it.")
@click.option("--imgsz", type=int, default=416, show_default=True)
@click.option("--batch", type=int, default=16, show_default=True)
@click.option("--weights", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Start from these weights (fine-tuning) instead of from scratch.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where the model goes; default replaces the shipped model.")
@click.option("--warmup-epochs", type=float, default=3.0, show_default=True,
              help="Epochs at a rising learning rate; keep well under what --hours allows.")
@click.option("--infer-imgsz", type=int, default=None,
              help="Size whole frames are run at, when training used tiles cut at that scale.")
@click.option("--name", default="train", show_default=True, help="Run folder under detector/runs/.")
@pass_ctx
def train_cmd(obj: Context, data: Path | None, seed: int, epochs: int, hours: float | None,
              imgsz: int, batch: int, weights: Path | None, out: Path | None,
              warmup_epochs: float, infer_imgsz: int | None, name: str) -> None:
    """Train offline on the CPU and write the model with its model card."""
    from detector.dataset import write_dataset
    from detector.train import DATASETS_DIR, train

    if data is None:
        data = write_dataset(DATASETS_DIR / f"synth-{seed}", seed=seed, progress=True)
    result = guard(train, data, epochs=epochs, hours=hours, imgsz=imgsz, batch=batch, seed=seed,
                    threads=obj.settings.detector.threads, weights=weights, out=out,
                    warmup_epochs=warmup_epochs, infer_imgsz=infer_imgsz, name=name)
    click.echo(json.dumps({"model": str(result.model_path), "card": str(result.card_path),
                           "validation": result.metrics}, indent=2))


@detector.command("train-ocr")
@click.option("--seed", type=int, default=126, show_default=True)
@click.option("--steps", type=int, default=1500, show_default=True)
@click.option("--batch", type=int, default=64, show_default=True)
@click.option("--crops", "n_crops", type=int, default=20000, show_default=True,
              help="Rendered plate crops (detector.platecrops) to train on.")
@click.option("--scenes", "n_scenes", type=int, default=1500, show_default=True,
              help="Rendered training scenes whose plates are cut as the worker cuts them.")
@click.option("--camera-crops", "n_camera", type=int, default=10000, show_default=True,
              help="Crops as the cameras send them (detector.render.render_plate_crop).")
@click.option("--threads", type=int, default=2, show_default=True,
              help="CPU threads (and processes rendering the crops); the same seed and "
                   "thread count give the same weights.")
@click.option("--init", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              default=None, help="Train on from these weights (default: from scratch).")
@click.option("--lr", type=float, default=3e-3, show_default=True,
              help="Peak learning rate of the one-cycle schedule.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where the weights go; default replaces the shipped plate reader.")
def train_ocr_cmd(seed: int, steps: int, batch: int, n_crops: int, n_scenes: int,
                  n_camera: int, threads: int, init: Path | None, lr: float,
                  out: Path | None) -> None:
    """Train the plate reader (CRNN + CTC) on rendered Dutch plates, on the CPU, and
    write its weights and card (with the held-out figures)."""
    from detector.ocr import DEFAULT_WEIGHTS
    from detector.ocr_train import train

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if min(steps, batch) < 1 or min(n_crops, n_scenes, n_camera) < 0 or not 0 < lr < 1:
        raise click.BadParameter("steps and batch must be positive, the data counts not "
                                 "negative, and the learning rate between 0 and 1")
    card = train(seed=seed, steps=steps, batch=batch, n_crops=n_crops, n_scenes=n_scenes,
                 n_camera=n_camera, threads=threads, out=out or DEFAULT_WEIGHTS, init=init,
                 lr=lr)
    click.echo(json.dumps(card, indent=2))


@detector.command("eval-ocr")
@click.option("--weights", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              default=None, help="Default: the shipped plate reader.")
@click.option("--seed", type=int, default=126, show_default=True)
@click.option("--crops", "n_crops", type=int, default=2000, show_default=True)
@click.option("--scenes", "n_scenes", type=int, default=300, show_default=True)
def eval_ocr_cmd(weights: Path | None, seed: int, n_crops: int, n_scenes: int) -> None:
    """The plate reader on held-out crops: whole-plate and per-character accuracy."""
    from detector.ocr import DEFAULT_WEIGHTS, PlateReader
    from detector.ocr_train import evaluate

    reader = guard(PlateReader, weights or DEFAULT_WEIGHTS)
    click.echo(json.dumps({"model": reader.version, **evaluate(
        reader, seed=seed, n_crops=n_crops, n_scenes=n_scenes)}, indent=2))


@detector.command("eval")
@click.option("--data", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="data.yaml whose 'test' split is held out; default: render the held-out split.")
@click.option("--limit", type=int, default=None, help="Use only the first N held-out images.")
@click.option("--hog/--no-hog", default=True, show_default=True,
              help="Also measure what OpenCV's HOG detector adds.")
@click.option("--write-card/--no-write-card", default=False,
              help="Record the result in the model card.")
@click.option("--real", is_flag=True,
              help="Instead: the production pipeline on the real photographs with people that "
                   "ship in installed packages (labels in tests/data/real_faces*.json).")
@click.option("--hard-cases", is_flag=True,
              help="--data is a held-out split of hard cases (render --hard-share 1): the card "
                   "records it beside the ordinary held-out evaluation.")
@pass_ctx
def eval_cmd(obj: Context, data: Path | None, limit: int | None, hog: bool, write_card: bool,
             real: bool, hard_cases: bool) -> None:
    """Per-class precision/recall/mAP50 and blur leakage on the held-out split."""
    from detector.evaluate import evaluate, record_in_card

    det = _detector(obj)
    if real:
        from detector.realphotos import evaluate_real

        _face_source()
        report = evaluate_real(det, blur_config(obj))
        if write_card:
            record_in_card(det.path, report, key="real_photos")
        click.echo(json.dumps(report, indent=2))
        return
    report = guard(evaluate, det, data, limit=limit, hog=hog,
                    person_conf=obj.settings.detector.person_conf,
                    conf=obj.settings.detector.conf)
    if write_card:
        record_in_card(det.path, report, key="evaluation_hard_cases" if hard_cases else "evaluation")
    click.echo(json.dumps(report, indent=2))


def _detector(obj: Context):
    from detector.worker import detector_for

    return guard(detector_for, obj.settings)


def open_photo_store(obj: Context):
    """The intake's encrypted photo vault (``ingest.images``), same keys and day keys."""
    from ingest.images import open_vault

    return open_vault(obj.settings, obj.url())


def blur_config(obj: Context):
    """The blur settings of this unit, as every worker applies them."""
    from detector.worker import blur_config_for

    return blur_config_for(obj.settings)


def _face_source() -> None:
    """Load the face detector now: a node that cannot blur faces does not start (R8)."""
    from detector.faces import default_face_detector

    guard(default_face_detector)


def _plate_reader():
    """Load the plate reader now: what cannot check plates does not blur (R8)."""
    from detector.ocr import default_reader

    return guard(default_reader)


@detector.command("work")
@click.option("--drain", is_flag=True, help="Stop when the queue is empty.")
@click.option("--name", default=None, help="Worker name in leases (default host:pid).")
@pass_ctx
def work_cmd(obj: Context, drain: bool, name: str | None) -> None:
    """Run a detector worker on the frame queue until interrupted."""
    from detector.worker import make_node

    worker = guard(make_node, obj.settings, obj.url(), open_photo_store(obj), name=name)
    click.echo(f"worker {worker.name} with model {worker.model_version} (Ctrl-C stops)")
    try:
        stats = worker.run(drain=drain)
    except KeyboardInterrupt:
        stats = worker.stats
    click.echo(json.dumps(stats))


@detector.command("blur")
@click.argument("src", metavar="IN", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.argument("out", metavar="OUT", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--camera", default=None,
              help="Blur as for this registered camera (facing, privacy masks, surroundings "
                   "setting); default: a front-facing camera with no masks.")
@click.option("--explain", is_flag=True,
              help="Also write OUT's name + .explain.png: the blurred photo with each source's "
                   "region outlined and every vehicle and plate box, kept sharp or not and why.")
@pass_ctx
def blur_cmd(obj: Context, src: Path, out: Path, camera: str | None, explain: bool) -> None:
    """Run the production pipeline (detection and blur) on one image file.

    Exactly what a worker does to a frame, for an operator, a privacy auditor or a test
    to try any photo: same model, same settings, same sources. Prints what was found,
    what each source covers and which regions were kept sharp.
    """
    import cv2

    from detector.blur import sharp_regions
    from detector.frames import decode, encode_jpeg
    from detector.worker import CameraView, blur_frame, camera_config, camera_view

    s = obj.settings.detector
    image = guard(decode, src.read_bytes(), max_pixels=s.max_pixels)
    view = CameraView("front", [], True)
    if camera is not None:
        import psycopg

        with psycopg.connect(obj.url()) as conn:
            view = guard(camera_view, conn, camera)
    det = _detector(obj)
    _face_source()
    reader = _plate_reader()
    config = blur_config(obj)
    dets = det([image])[0]
    result = guard(blur_frame, image, dets, view, config, reader.read_many)
    if out.suffix.lower() in (".jpg", ".jpeg"):
        out.write_bytes(encode_jpeg(result.image))
    elif not cv2.imwrite(str(out), result.image):
        raise click.ClickException(f"cannot write {out} (use .jpg or .png)")
    regions = sharp_regions(dets, image, camera_config(config, view), plates=reader.read_many)
    report = {
        "in": str(src), "out": str(out), "camera": camera, "facing": view.facing,
        "model": det.version, "blurred_share": round(result.coverage(), 4),
        "sources": {k: round(float((m > 0).mean()), 4) for k, m in result.sources.items()},
        "detections": [d.to_dict() for d in dets if d.score >= min(config.person_conf, config.other_conf)],
        # "sharp": earned, so out of the surroundings blur; "left_sharp": the share of
        # the box no source blurred after all (a face or a person in it still is)
        "regions": [{"cls": r.cls, "box": [round(v, 1) for v in r.box], "sharp": r.sharp,
                     "reason": r.reason, "left_sharp": _left_sharp(result.mask, r.box)}
                    for r in regions],
    }
    if explain:
        from detector.blur import explain_picture

        path = out.with_name(out.stem + ".explain.png")
        cv2.imwrite(str(path), explain_picture(result, regions))
        report["explain"] = str(path)
    click.echo(json.dumps(report, indent=2))


def _left_sharp(mask, box) -> float:
    h, w = mask.shape
    x1, y1, x2, y2 = (int(round(v)) for v in box)
    part = mask[max(0, y1):min(h, y2), max(0, x1):min(w, x2)]
    return round(float((part == 0).mean()), 3) if part.size else 0.0


@detector.command("enqueue")
@click.option("--camera", required=True, help="Camera id as in the registry.")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@pass_ctx
def enqueue_cmd(obj: Context, camera: str, files: tuple[Path, ...]) -> None:
    """Put overview photos in the store and queue them (for trials; intake does this)."""
    import psycopg

    from detector.queue import enqueue

    vault = open_photo_store(obj)
    now = datetime.now(timezone.utc)
    with psycopg.connect(obj.url(), autocommit=True) as conn:
        for f in files:
            key = vault.put(now.date(), f.read_bytes())
            enqueue(conn, camera_id=camera, captured_at=now, image_key=key, capture_id=f.name)
    click.echo(f"{len(files)} frame(s) queued for camera {camera}")


@detector.command("camera")
@click.argument("camera_id")
@click.option("--surroundings/--no-surroundings", default=None,
              help="Blur everything but vehicles and plates for this camera (default on; "
                   "ANPR_DETECTOR_SURROUNDINGS=false switches it off everywhere).")
@click.option("--actor", default=lambda: getpass.getuser(), show_default="OS user",
              help="Who is acting (recorded in the registry history).")
@pass_ctx
def camera_cmd(obj: Context, camera_id: str, surroundings: bool | None, actor: str) -> None:
    """Show or change a camera's blur settings (workers apply a change within a minute)."""
    import psycopg

    from detector.cameras import blur_settings, set_surroundings

    with psycopg.connect(obj.url()) as conn:  # one transaction: setting and history entry
        if surroundings is None:
            out = guard(blur_settings, conn, camera_id)
        else:
            out = guard(set_surroundings, conn, camera_id, enabled=surroundings, actor=actor)
    click.echo(json.dumps({**out, "global_surroundings": obj.settings.detector.surroundings}))


@detector.command("status")
@pass_ctx
def status_cmd(obj: Context) -> None:
    """Frames per queue state, and the reasons frames were set aside."""
    import psycopg

    from detector.queue import counts

    with psycopg.connect(obj.url(), autocommit=True) as conn:
        out = {"states": counts(conn), "failed_reasons": dict(conn.execute(
            "SELECT last_error, count(*) FROM detector_frame WHERE state = 'failed' "
            "GROUP BY 1 ORDER BY 2 DESC LIMIT 20").fetchall())}
    click.echo(json.dumps(out, indent=2))
