"""A detector node: claim frames, detect, blur, store, record; never stop on a bad frame.

One worker process holds one model and one database connection. It claims a batch,
reads and decodes every frame (a frame that cannot be decoded is set aside with its
reason at once), runs the model on the decodable ones in one call (batching is what
makes CPU inference affordable), blurs each with the union of sources for its camera
(its facing and privacy masks from the registry; the surroundings blur unless it is off
globally, ``ANPR_DETECTOR_SURROUNDINGS``, or for this camera, ``detector_camera``),
writes the blurred overview and the plate crop to the photo store and records the
detections in the same transaction that marks the frame done, with the plate reader's
opinion of the crop (:mod:`detector.ocr`: the camera's crop, or the one cut from the
detected plate), a second opinion beside the camera's read for verification.

The unblurred original lives only in this process's memory while it is processed;
the worker writes only the blurred overview (and the plate crop). Once a frame is done,
intake's stored original is retired through ``discard(original_key, blurred_key)``
(the vault's ``supersede``: the original's pixels are destroyed and its key answers
with the blurred photo), unless a unit configured to keep originals
(``ANPR_DETECTOR_KEEP_ORIGINALS``), in which case they fall under retention (R1, R13).
Photos are content-addressed, so two frames can share an original: it is retired only
when no other frame still waiting for the detector needs it.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import date, timezone
from typing import Callable, Protocol, Sequence

import numpy as np
import psycopg

from detector import queue
from detector.blur import BlurConfig, BlurResult, Detection, blur, plate_crop
from detector.frames import DEFAULT_MAX_PIXELS, FrameRejected, decode, encode_jpeg

log = logging.getLogger(__name__)


class PhotoStore(Protocol):
    """What the worker needs from the photo store (``ingest.images.PhotoVault`` fits)."""

    def put(self, day: date, data: bytes) -> str: ...
    def get(self, key: str) -> bytes: ...


class CameraUnknown(FrameRejected):
    """The frame names a camera the registry does not know: nothing to blur it by."""


@dataclass
class WorkerConfig:
    batch: int = 8
    lease_seconds: float = 120.0
    max_attempts: int = 5
    backoff_seconds: float = 10.0
    max_pixels: int = DEFAULT_MAX_PIXELS
    keep_originals: bool = False
    blur: BlurConfig = field(default_factory=BlurConfig)
    idle_sleep: float = 1.0


@dataclass
class CameraView:
    facing: str
    masks: list[tuple[list[tuple[float, float]], int, int]]
    surroundings: bool = True   # False: this camera is exempt from the surroundings blur


def camera_view(conn: psycopg.Connection, camera_id: str) -> CameraView:
    """Facing, privacy-mask polygons and blur settings of a camera, as held now."""
    from detector.cameras import camera_row

    row = camera_row(conn, camera_id)
    if row is None:
        raise CameraUnknown(f"camera {camera_id!r} is not in the registry")
    masks = []
    for geojson, fw, fh in conn.execute(
            "SELECT ST_AsGeoJSON(geom), frame_width, frame_height FROM privacy_mask "
            "WHERE camera_id = %s ORDER BY id", (camera_id,)):
        ring = json.loads(geojson)["coordinates"][0]
        masks.append(([(float(x), float(y)) for x, y in ring], int(fw), int(fh)))
    return CameraView(row[1], masks, bool(row[2]))


def blur_frame(image: np.ndarray, dets: Sequence[Detection], view: CameraView,
               config: BlurConfig, plates=None, rng: np.random.Generator | None = None) -> BlurResult:
    """The production blur of one frame for its camera: what a worker stores, and what
    ``anpr detector blur`` shows. A camera can only switch the surroundings source off.
    ``plates`` reads plate crops (default: the shipped plate reader); ``rng`` seeds the
    blur's dither (an evaluation's figures repeat; a worker leaves it unseeded)."""
    return blur(image, dets, facing=view.facing, privacy_polygons=view.masks,
                config=camera_config(config, view), plates=plates, rng=rng)


def camera_config(config: BlurConfig, view: CameraView) -> BlurConfig:
    """The unit's blur settings as they apply to this camera."""
    if config.surroundings and not view.surroundings:
        return replace(config, surroundings=False)
    return config


class Worker:
    """Processes the queue until ``stop`` is set (or the queue is empty, with ``drain``)."""

    def __init__(self, url: str, store: PhotoStore, detect: Callable[[Sequence[np.ndarray]], list[list[Detection]]],
                 *, model_version: str, config: WorkerConfig | None = None,
                 name: str | None = None,
                 discard: Callable[[str, str], object] | None = None,
                 reader=None) -> None:
        self.url = url
        self.store = store
        self.detect = detect
        self.model_version = model_version
        self.config = config or WorkerConfig()
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.discard = discard
        self.reader = reader  # detector.ocr.PlateReader: opinions recorded; None: none
        self.stop = threading.Event()
        self.stats = {"done": 0, "failed": 0, "retried": 0, "lost": 0}
        self._cameras: dict[str, tuple[float, CameraView]] = {}

    def _camera(self, conn: psycopg.Connection, camera_id: str) -> CameraView:
        """Cached for a minute: masks change rarely, but a new mask must apply soon."""
        hit = self._cameras.get(camera_id)
        if hit and time.monotonic() - hit[0] < 60:
            return hit[1]
        view = camera_view(conn, camera_id)
        self._cameras[camera_id] = (time.monotonic(), view)
        return view

    def run(self, *, drain: bool = False, max_batches: int | None = None) -> dict[str, int]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            batches = 0
            while not self.stop.is_set():
                n = self.run_once(conn)
                batches += 1 if n else 0
                if max_batches is not None and batches >= max_batches:
                    break
                if n == 0:
                    if drain:
                        break
                    self.stop.wait(self.config.idle_sleep)
        return self.stats

    def run_once(self, conn: psycopg.Connection) -> int:
        """Claim and process one batch; returns how many frames it claimed."""
        cfg = self.config
        claims = queue.claim(conn, self.name, batch=cfg.batch, lease_seconds=cfg.lease_seconds,
                             max_attempts=cfg.max_attempts)
        if not claims:
            return 0
        ready: list[tuple[queue.Claim, np.ndarray, CameraView]] = []
        for c in claims:
            try:
                view = self._camera(conn, c.camera_id)
                try:
                    data = self.store.get(c.image_key)
                except (KeyError, FileNotFoundError) as exc:
                    raise FrameRejected(f"overview {c.image_key} is not in the photo store") from exc
                image = decode(data, max_pixels=cfg.max_pixels)
                ready.append((c, image, view))
            except FrameRejected as exc:
                self._fail(conn, c, exc.message, permanent=True)
            except Exception as exc:  # noqa: BLE001 - any other error: retry later
                self._fail(conn, c, f"{type(exc).__name__}: {exc}", permanent=False)
        if not ready:
            return len(claims)
        try:
            all_dets = self.detect([img for _, img, _ in ready])
        except Exception as exc:  # noqa: BLE001 - the model failed on the batch: retry each
            log.exception("detection failed for a batch of %d", len(ready))
            for c, _, _ in ready:
                self._fail(conn, c, f"detection failed: {type(exc).__name__}: {exc}", permanent=False)
            return len(claims)
        queue.renew(conn, [c for c, _, _ in ready], cfg.lease_seconds)
        finished: list[tuple[queue.Claim, str]] = []
        for (c, image, view), dets in zip(ready, all_dets):
            try:
                blurred_key = self._finish(conn, c, image, view, dets)
                if blurred_key is not None:
                    finished.append((c, blurred_key))
            except FrameRejected as exc:
                self._fail(conn, c, exc.message, permanent=True)
            except Exception as exc:  # noqa: BLE001
                log.exception("frame %s failed", c.id)
                self._fail(conn, c, f"{type(exc).__name__}: {exc}", permanent=False)
        self._retire_originals(conn, finished)
        return len(claims)

    def _retire_originals(self, conn: psycopg.Connection,
                          finished: list[tuple[queue.Claim, str]]) -> None:
        """Destroy the originals of the batch's finished frames (R8), except those another
        frame still waits for (same content, not yet processed): its worker retires it
        when done. One query per batch; the frame is done whatever happens here."""
        if not finished or self.discard is None or self.config.keep_originals:
            return
        needed = queue.originals_still_needed(conn, [c.image_key for c, _ in finished])
        for c, blurred_key in finished:
            if c.image_key in needed or c.image_key == blurred_key:
                continue
            try:
                self.discard(c.image_key, blurred_key)
            except Exception:  # noqa: BLE001 - retention still destroys it with its day
                log.exception("frame %s: could not retire the original %s", c.id, c.image_key)

    def _finish(self, conn: psycopg.Connection, c: queue.Claim, image: np.ndarray,
                view: CameraView, dets: list[Detection]) -> str | None:
        """Blur, store, record; the blurred key if this worker completed the frame."""
        day = c.captured_at.astimezone(timezone.utc).date()  # the vault's days are UTC days
        result = blur_frame(image, dets, view, self.config.blur,
                            plates=None if self.reader is None else self.reader.read_many)
        blurred_key = self.store.put(day, encode_jpeg(result.image))
        crop_key, crop, source = c.crop_key, None, "camera"
        if crop_key is None:
            crop, source = plate_crop(image, dets, conf=self.config.blur.other_conf), "detected"
            if crop is not None:
                crop_key = self.store.put(day, encode_jpeg(crop, 95))
        del image  # the original goes no further than this frame's processing
        opinion = self._opinion(c, crop, source)
        if queue.complete(conn, c, dets, model_version=self.model_version,
                          blurred_key=blurred_key, plate_crop_key=crop_key, opinion=opinion):
            self.stats["done"] += 1
            return blurred_key
        self.stats["lost"] += 1
        return None

    def _opinion(self, c: queue.Claim, crop: np.ndarray | None, source: str
                 ) -> queue.Opinion | None:
        """The reader's reading of the camera's crop (read from the store) or the detected
        one; None without a reader or a crop. An unreadable camera crop is no reason to
        fail the frame: it simply gets no opinion."""
        if self.reader is None:
            return None
        if crop is None and c.crop_key is not None:
            try:
                crop = decode(self.store.get(c.crop_key), max_pixels=self.config.max_pixels)
            except (KeyError, FileNotFoundError, FrameRejected) as exc:
                log.warning("frame %s: crop %s not read: %s", c.id, c.crop_key, exc)
                return None
        if crop is None:
            return None
        r = self.reader(crop)
        return queue.Opinion(r.text, r.confidence, r.side_code, source, self.reader.version)

    def _fail(self, conn: psycopg.Connection, c: queue.Claim, reason: str, *, permanent: bool) -> None:
        state = queue.fail(conn, c, reason, permanent=permanent,
                           max_attempts=self.config.max_attempts,
                           backoff_seconds=self.config.backoff_seconds)
        if state == "failed":
            self.stats["failed"] += 1
            log.warning("frame %s set aside: %s", c.id, reason)
        elif state == "queued":
            self.stats["retried"] += 1
            log.info("frame %s will be retried: %s", c.id, reason)
        else:
            self.stats["lost"] += 1


def blur_config_for(settings) -> BlurConfig:
    """The blur settings of this unit (``anpr.settings.Settings``), as every node applies them."""
    s = settings.detector
    return BlurConfig(person_conf=s.person_conf, other_conf=s.conf, hog=s.hog,
                      surroundings=s.surroundings)


def detector_for(settings):
    """The unit's detection model (``ANPR_DETECTOR_MODEL``, class map, image size)."""
    from detector.detect import Detector, parse_class_map

    s = settings.detector
    return Detector(s.model, class_map=parse_class_map(s.class_map) or None,
                    imgsz=s.imgsz or None, conf=min(s.person_conf, s.conf), threads=s.threads)


def make_node(settings, url: str, vault, *, name: str | None = None) -> Worker:
    """A detector node as ``anpr detector work`` runs it (and the demo loader beside its
    rendering): the unit's model and queue settings on the intake's photo vault. The face
    source and the plate reader are loaded first: a node that cannot blur faces or check
    plates does not start (R8). The reader also records its opinion of every crop."""
    from detector.faces import default_face_detector
    from detector.ocr import default_reader

    s = settings.detector
    det = detector_for(settings)
    default_face_detector()
    reader = default_reader()
    config = WorkerConfig(batch=s.batch, lease_seconds=s.lease_s, max_attempts=s.max_attempts,
                          backoff_seconds=s.backoff_s, max_pixels=s.max_pixels,
                          keep_originals=s.keep_originals, blur=blur_config_for(settings))
    # R8: a done frame's original is superseded by its blurred version (unless kept).
    return Worker(url, vault, det, model_version=det.version, config=config, name=name,
                  discard=vault.supersede, reader=reader)


class LocalPhotoStore:
    """A plain-folder photo store with the vault's interface (tests, benchmarks, demos).

    Same key shape as ``ingest.images.PhotoVault`` (``YYYYMMDD/<sha256>``) but without
    encryption; production nodes use the vault.
    """

    def __init__(self, root) -> None:
        from pathlib import Path

        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def put(self, day: date, data: bytes) -> str:
        import hashlib

        key = f"{day:%Y%m%d}/{hashlib.sha256(data).hexdigest()}"
        path = self.root / key
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            tmp.write_bytes(data)
            tmp.replace(path)
        return key

    def get(self, key: str) -> bytes:
        if ".." in key or key.startswith("/"):
            raise KeyError(key)
        path = self.root / key
        if not path.is_file():
            raise KeyError(key)
        return path.read_bytes()

    def discard(self, key: str, successor: str | None = None) -> None:
        """Delete an original outright (this store has no retention to keep keys for)."""
        (self.root / key).unlink(missing_ok=True)
