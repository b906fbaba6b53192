"""Bulk import of intake files: validate, COPY in batches, store their photos, summarise.

A file is read once, line by line; each valid record becomes a COPY line, and every
``ANPR_INTAKE_BATCH_ROWS`` lines are written and committed, so a crash loses at most
the batch in flight and a rerun of the same file stores nothing twice (the writer
merges duplicates). Rejected lines are counted by reason, never stored; the summary
says how many were accepted, rejected and already present. Every passage stored with
an overview photo queues a detector frame, committed with its batch. Photos are checked
with their record and stored after its batch is written, those of stored passages only: a
duplicate (a rerun, its photos perhaps re-encoded since) stores no photo (R8).
"""
from __future__ import annotations

import gzip
import io
import logging
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterable, Iterator

import psycopg
from psycopg.rows import dict_row
from tqdm import tqdm

from anpr.settings import Settings
from detector.queue import enqueue_many
from ingest.images import PhotoVault, photo_key
from ingest.records import Passage, Rejected, Validator, check_image, copy_line, detect_format, read_lines
from ingest.writer import PassageWriter

log = logging.getLogger(__name__)
MAX_EXAMPLES = 20


@dataclass
class ImportSummary:
    read: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: Counter = field(default_factory=Counter)
    examples: list[dict[str, Any]] = field(default_factory=list)
    images: int = 0
    frames: int = 0
    seconds: float = 0.0

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def reject(self, line: int, exc: Rejected) -> None:
        self.rejected[exc.reason] += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append({"line": line, "reason": exc.reason, "message": exc.message})

    def to_dict(self) -> dict[str, Any]:
        return {"read": self.read, "accepted": self.accepted, "duplicates": self.duplicates,
                "rejected": self.rejected_total, "rejected_by_reason": dict(self.rejected),
                "examples": self.examples, "images": self.images,
                "frames_queued": self.frames,
                "seconds": round(self.seconds, 3),
                "passages_per_second": round(self.read / self.seconds) if self.seconds else None}


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def _counted(lines: Iterable[str], bar: tqdm, every: int = 20_000) -> Iterator[str]:
    """Pass lines through, moving the progress bar by characters read (about bytes)."""
    pending = 0
    n = 0
    for line in lines:
        pending += len(line)
        n += 1
        if n == every:
            bar.update(pending)
            pending = n = 0
        yield line
    bar.update(pending)


class _Images:
    """Reads and checks a record's photo files under the --images folder."""

    def __init__(self, root: Path, vault: PhotoVault, max_kb: int) -> None:
        self.root = root.resolve()
        self.vault = vault
        self.max_kb = max_kb

    def load(self, ref: str | None, name: str) -> bytes | None:
        if ref is None:
            return None
        path = (self.root / ref).resolve()
        if self.root not in path.parents:
            raise Rejected("bad_image", f"{name} lies outside the images folder")
        try:
            data = path.read_bytes()
        except OSError:
            raise Rejected("missing_image", f"{name} file {ref!r} is missing") from None
        check_image(data, self.max_kb, name)
        return data


def _with_images(p: Passage, images: "_Images") -> tuple[str, str | None, str | None]:
    """Check both photos and name them by their content (the keys the vault stores them
    under); nothing is stored yet: a photo goes into the store only once its passage is
    (:func:`_store_photos`). Returns the COPY line and the overview and crop keys."""
    overview = images.load(p.overview, "overview")
    crop = images.load(p.crop, "crop")
    day = p.captured_at.date()
    ov_key = photo_key(day, overview) if overview is not None else None
    cr_key = photo_key(day, crop) if crop is not None else None
    return copy_line(p, ov_key, cr_key), ov_key, cr_key


def _store_photos(photos: list[tuple[Any, tuple, tuple]], result, images: "_Images",
                  vault: PhotoVault, summary: ImportSummary) -> None:
    """R8: the photos of the passages the batch stored, and only those, read again from the
    --images folder (a batch's photos are not held in memory). A duplicate (a rerun, its
    photos perhaps re-encoded since) or a passage not stored leaves no photo in the store
    that nothing refers to and nobody blurs. A file changed since it was checked is not
    what the passage names: the batch fails (and rolls back) rather than store it."""
    seen: set = set()
    for key, overview, crop in photos:
        # the first record of a key is the stored one (COPY keeps the first of a batch)
        if not result.was_inserted(key) or key in seen:
            continue
        seen.add(key)
        day = key[2].date()
        for (ref, expected), name in ((overview, "overview"), (crop, "crop")):
            if ref is None:
                continue
            data = images.load(ref, name)
            if photo_key(day, data) != expected:
                raise RuntimeError(f"{name} file {ref!r} changed while it was imported; "
                                   "this batch is not stored, import the file again")
            vault.put(day, data)
            summary.images += 1


def import_passages(conn: psycopg.Connection, path: Path, settings: Settings, *,
                    images_dir: Path | None = None, vault: PhotoVault | None = None,
                    progress: bool = False, now: datetime | None = None) -> ImportSummary:
    """Import one JSON Lines or CSV file of intake records; commits per batch."""
    path = Path(path)
    fmt = detect_format(path.name)
    if images_dir is not None and vault is None:
        raise ValueError("importing images needs a photo vault")
    # Lookups (plan membership, road matching) run on a second connection: the first one
    # is busy streaming COPY while records are still being validated.
    lookup = psycopg.connect(conn.info.dsn, password=conn.info.password, row_factory=dict_row,
                             autocommit=True)
    try:
        return _import(conn, lookup, path, fmt, settings, images_dir, vault, progress, now)
    finally:
        lookup.close()


def _import(conn: psycopg.Connection, lookup: psycopg.Connection, path: Path, fmt: str,
            settings: Settings, images_dir: Path | None, vault: PhotoVault | None,
            progress: bool, now: datetime | None) -> ImportSummary:
    images = _Images(images_dir, vault, settings.intake.max_image_kb) if images_dir else None
    validator = Validator(lookup, settings.intake, settings.retention.days, now=now)
    writer = PassageWriter(conn)
    summary = ImportSummary()
    batch_rows = settings.intake.batch_rows
    started = time.perf_counter()
    bar = tqdm(total=os.path.getsize(path), unit="B", unit_scale=True, desc="import",
               disable=not progress)

    # Every day a valid record can fall on, created before streaming (R1 window + skew).
    first = validator.expired_through + timedelta(days=1)
    writer.ensure_days(first + timedelta(days=i)
                       for i in range((validator.latest.date() - first).days + 1))
    conn.commit()
    validate = validator.validate
    chunk_rows = 2000

    def produce(records: Iterator[tuple[int, Any]], lines: list[str], frames: list[tuple],
                photos: list[tuple], done: list[bool]) -> Iterator[str]:
        """Validate up to ``batch_rows`` records, yielding COPY text every few thousand.
        Records with an overview photo also go to ``frames``, with their passage key (for
        the detector queue, which takes only the passages the batch really stored)."""
        pending: list[str] = []
        for lineno, rec in records:
            summary.read += 1
            try:
                if isinstance(rec, Rejected):
                    raise rec
                p: Passage = validate(rec)
                if images is not None and (p.overview or p.crop):
                    line, ov_key, cr_key = _with_images(p, images)
                    photos.append((p.key, (p.overview, ov_key), (p.crop, cr_key)))
                    if ov_key is not None:
                        frames.append((p.key, p.frame(ov_key, cr_key)))
                else:
                    line = copy_line(p)
            except Rejected as exc:
                summary.reject(lineno, exc)
                continue
            lines.append(line)
            pending.append(line)
            if len(pending) >= chunk_rows:
                yield "".join(pending)
                pending.clear()
            if len(lines) >= batch_rows:
                break
        else:
            done[0] = True
        if pending:
            yield "".join(pending)

    with _open_text(path) as fh:
        records = iter(read_lines(_counted(fh, bar), fmt))
        done = [False]
        while not done[0]:
            lines: list[str] = []
            frames: list[tuple] = []
            photos: list[tuple] = []
            result = writer.write_stream(produce(records, lines, frames, photos, done), lines)
            # R8: the batch's new overview photos go to the detector in the batch's own
            # transaction, in one statement; duplicates of stored passages queue nothing.
            summary.frames += enqueue_many(conn, [f for key, f in frames
                                                  if result.was_inserted(key)])
            # the photos last, of the stored passages only: what fails above stores none
            if images is not None:
                _store_photos(photos, result, images, vault, summary)
            conn.commit()
            summary.accepted += result.inserted
            summary.duplicates += result.duplicates
            bar.set_postfix(accepted=summary.accepted, rejected=summary.rejected_total,
                            refresh=False)
    bar.close()
    summary.seconds = time.perf_counter() - started
    log.info("imported %s: %d accepted, %d duplicates, %d rejected", path.name,
             summary.accepted, summary.duplicates, summary.rejected_total)
    return summary
