"""Write validated passages: optimistic COPY, and a merge when a retry brings duplicates.

The common case, a batch never seen before, goes straight into ``jj126.passage`` with
``COPY`` inside a savepoint, at raw COPY speed. If the unique key (camera, capture_id,
capture time) says part of the batch is already stored, that savepoint rolls back and
the batch goes through a temporary staging table and ``INSERT ... ON CONFLICT DO
NOTHING``, which stores exactly the new rows and tells which ones they were. So a retried
batch never duplicates a passage, and the UNIQUE constraint decides, not a check first.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Iterable, Iterator, Sequence

import psycopg
from psycopg import sql

from ingest.partitions import ensure_partition
from ingest.records import COLUMNS

log = logging.getLogger(__name__)

Key = tuple[str, str, datetime]

_COLS = sql.SQL(", ").join(sql.Identifier(c) for c in COLUMNS)
COPY_PASSAGE = sql.SQL("COPY {}.{} ({}) FROM STDIN").format(
    sql.Identifier("jj126"), sql.Identifier("passage"), _COLS)
STAGE = sql.Identifier("intake_stage")
CREATE_STAGE = sql.SQL(
    "CREATE TEMP TABLE IF NOT EXISTS {} (camera_id text, captured_at timestamptz, plate text, "
    "plate_raw text, country varchar(3), confidence real, geom geometry(Point, 4326), "
    "capture_id text, overview_key text, crop_key text, segment_id integer, "
    "alternatives text[], alternative_confidences real[]) ON COMMIT DROP"
).format(STAGE)
COPY_STAGE = sql.SQL("COPY {} ({}) FROM STDIN").format(STAGE, _COLS)
MERGE = sql.SQL(
    "INSERT INTO {}.{} ({cols}) SELECT {cols} FROM {} "
    "ON CONFLICT (camera_id, capture_id, captured_at) DO NOTHING "
    "RETURNING camera_id, capture_id, captured_at").format(
        sql.Identifier("jj126"), sql.Identifier("passage"), STAGE, cols=_COLS)


@dataclass
class WriteResult:
    inserted: int
    duplicates: int
    # Keys of the rows stored by this call when the merge path ran; None means "all".
    inserted_keys: set[Key] | None = field(default=None, repr=False)

    def was_inserted(self, key: Key) -> bool:
        return self.inserted_keys is None or key in self.inserted_keys


class PassageWriter:
    """Writes batches of COPY lines on one connection; the caller owns the transaction."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self._days: set[date] = set()

    def ensure_days(self, days: Iterable[date]) -> None:
        """Partitions for every capture day about to be written: created, never skipped."""
        for day in sorted(set(days) - self._days):
            ensure_partition(self.conn, day)
            self._days.add(day)

    def write(self, lines: Sequence[str]) -> WriteResult:
        if not lines:
            return WriteResult(0, 0)
        try:
            with self.conn.transaction():
                with self.conn.cursor() as cur, cur.copy(COPY_PASSAGE) as copy:
                    copy.write("".join(lines))
            return WriteResult(len(lines), 0)
        except psycopg.errors.UniqueViolation:
            log.debug("batch of %d holds stored passages; merging", len(lines))
        return self._merge(lines)

    def write_stream(self, chunks: Iterator[str], lines: list[str]) -> WriteResult:
        """COPY chunks while the caller is still producing them, so parsing in Python
        and inserting in PostgreSQL overlap. ``chunks`` appends every line it yields to
        ``lines``, kept for the merge path. The partitions of every day the chunks can
        hold must exist beforehand (no other statement can run inside a COPY).
        """
        try:
            with self.conn.transaction():
                with self.conn.cursor() as cur, cur.copy(COPY_PASSAGE) as copy:
                    for chunk in chunks:
                        copy.write(chunk)
            return WriteResult(len(lines), 0)
        except psycopg.errors.UniqueViolation:
            for _ in chunks:  # finish reading the batch
                pass
            log.debug("batch of %d holds stored passages; merging", len(lines))
        return self._merge(lines)

    def _merge(self, lines: Sequence[str]) -> WriteResult:
        if not lines:
            return WriteResult(0, 0)
        data = "".join(lines)
        with self.conn.cursor() as cur:
            cur.execute(CREATE_STAGE)
            cur.execute(sql.SQL("TRUNCATE {}").format(STAGE))
            with cur.copy(COPY_STAGE) as copy:
                copy.write(data)
            cur.execute(MERGE)
            keys = {(r[0], r[1], r[2]) if not isinstance(r, dict) else
                    (r["camera_id"], r["capture_id"], r["captured_at"]) for r in cur.fetchall()}
            cur.execute(sql.SQL("TRUNCATE {}").format(STAGE))
        return WriteResult(len(keys), len(lines) - len(keys), keys)
