"""One HTTP intake batch, without the web framework: validate all, then store all or none.

A camera or edge device sends a batch of records with their photos. Every record is
validated (photos included) before anything is written; if any record is rejected the
whole batch is refused (422) with a reason per record and nothing is stored, so a
device drops the bad records and resends the rest. Retries are safe: a record already
stored answers ``duplicate``. Each passage stored with an overview photo queues one
detector frame in the same transaction (a duplicate queues nothing). The caller
commits, and only then acknowledges, so an acknowledged passage is durable (the
embedded cluster runs with fsync and synchronous commit).
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping, Sequence

import psycopg

from anpr.errors import AnprError, BadInput, PayloadTooLarge
from anpr.settings import Settings
from detector.queue import enqueue_many
from ingest.images import PhotoVault, photo_key
from ingest.records import CameraInfo, Passage, Rejected, Validator, check_image, copy_line, load_cameras
from ingest.writer import PassageWriter


class BatchRejected(AnprError):
    """At least one record is invalid; ``details.results`` says which and why (422)."""

    status = 422
    code = "records_rejected"


class RegistryCache:
    """The camera registry for validation, re-read at most every ``ttl`` seconds per process."""

    def __init__(self, ttl: float = 60.0) -> None:
        self.ttl = ttl
        self._at = 0.0
        self._cameras: dict[str, CameraInfo] = {}
        self._lock = threading.Lock()

    def get(self, conn: psycopg.Connection) -> dict[str, CameraInfo]:
        with self._lock:
            if time.monotonic() - self._at > self.ttl:
                self._cameras = load_cameras(conn)
                self._at = time.monotonic()
            return self._cameras


@dataclass
class BatchOutcome:
    results: list[dict[str, Any]]
    accepted: int
    duplicates: int

    def to_dict(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "duplicates": self.duplicates, "rejected": 0,
                "results": self.results}


def parse_records(raw: str | bytes) -> list[Any]:
    """A JSON array of records, or JSON Lines; anything else is a 400."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    stripped = text.strip()
    if not stripped:
        raise BadInput("the batch holds no records")
    try:
        if stripped.startswith("["):
            records = json.loads(stripped)
        else:
            records = [json.loads(line) for line in stripped.splitlines() if line.strip()]
    except ValueError:
        raise BadInput("records must be a JSON array or JSON Lines") from None
    if not isinstance(records, list):
        raise BadInput("records must be a JSON array or JSON Lines")
    return records


def intake_batch(conn: psycopg.Connection, records: Sequence[Any],
                 images: Mapping[str, bytes], settings: Settings, *,
                 allowed: set[str] | None, vault: PhotoVault | None,
                 cameras: Mapping[str, CameraInfo] | None = None) -> BatchOutcome:
    """Validate the batch; store it whole (without committing) or raise BatchRejected."""
    limits = settings.intake
    if not records:
        raise BadInput("the batch holds no records")
    if len(records) > limits.max_batch:
        raise PayloadTooLarge(f"a batch holds at most {limits.max_batch} records; "
                              f"this one has {len(records)}")
    if images and vault is None:
        raise BadInput("this server does not accept photos")
    validator = Validator(conn, limits, settings.retention.days, cameras=cameras,
                          allowed=allowed)
    results: list[dict[str, Any]] = []
    valid: list[tuple[int, Passage, bytes | None, bytes | None]] = []
    for i, rec in enumerate(records):
        capture_id = rec.get("capture_id") if isinstance(rec, dict) else None
        try:
            p = validator.validate(rec)
            ov = _image(images, p.overview, "overview", limits.max_image_kb)
            cr = _image(images, p.crop, "crop", limits.max_image_kb)
        except Rejected as exc:
            results.append({"index": i, "capture_id": capture_id, "status": "rejected",
                            "reason": exc.reason, "message": exc.message})
            continue
        results.append({"index": i, "capture_id": p.capture_id, "status": "valid"})
        valid.append((i, p, ov, cr))
    if len(valid) < len(records):
        _refuse(results)

    lines: list[str] = []
    keys: list[tuple[str | None, str | None]] = []
    for _, p, ov, cr in valid:
        day = p.captured_at.date()
        ov_key = photo_key(day, ov) if ov is not None else None
        cr_key = photo_key(day, cr) if cr is not None else None
        lines.append(copy_line(p, ov_key, cr_key))
        keys.append((ov_key, cr_key))
    writer = PassageWriter(conn)
    writer.ensure_days(validator.days)
    written = writer.write(lines)
    seen: set = set()
    accepted = duplicates = 0
    frames: list[tuple] = []
    photos: list[tuple[date, bytes]] = []
    for (i, p, ov, cr), (ov_key, cr_key) in zip(valid, keys):
        new = written.was_inserted(p.key) and p.key not in seen
        seen.add(p.key)
        results[i]["status"] = "accepted" if new else "duplicate"
        accepted += new
        duplicates += not new
        if new:  # a duplicate's photos (a retry's, perhaps other bytes) are not stored
            photos += [(p.captured_at.date(), data) for data in (ov, cr) if data is not None]
        if new and ov_key is not None:
            frames.append(p.frame(ov_key, cr_key))
    # R8: every stored overview goes to the detector, in the passage's own transaction,
    # so no passage is acknowledged with a photo that nobody will blur.
    enqueue_many(conn, frames)
    # The photos last: what a failure above rolls back leaves no photo in the store.
    for day, data in photos:
        vault.put(day, data)
    return BatchOutcome(results, accepted, duplicates)


def _refuse(results: list[dict[str, Any]]) -> None:
    """Refuse the batch: the records not rejected themselves are not stored either."""
    for r in results:
        if r["status"] != "rejected":
            r["status"] = "not_stored"
    n = sum(r["status"] == "rejected" for r in results)
    raise BatchRejected(f"{n} of {len(results)} records were rejected; nothing of this "
                        "batch was stored", details={"results": results})


def _image(images: Mapping[str, bytes], ref: str | None, name: str, max_kb: int
           ) -> bytes | None:
    if ref is None:
        return None
    data = images.get(ref)
    if data is None:
        raise Rejected("missing_image", f"{name} part {ref!r} is not in the request")
    check_image(data, max_kb, name)
    return data
