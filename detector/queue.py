"""The frame queue in PostgreSQL: claimed with SKIP LOCKED, held by a lease, finished once.

Why PostgreSQL and not a broker: the frames' state belongs with the passages and
their photos, the queue must survive restarts, and one table with ``FOR UPDATE SKIP
LOCKED`` lets any number of workers on any number of machines share it without
blocking each other.

Exactly-once: every claim writes a fresh ``lease_token``; finishing a frame (detections
inserted, state ``done``) is one transaction that only succeeds while the frame still
carries the worker's token. A worker that dies mid-batch leaves its frames
``processing`` until the lease runs out; another worker then claims them with a new
token, and should the first worker come back, its late ``complete`` finds a foreign
token and writes nothing. Writing photos before that transaction is harmless: the
store's keys are content hashes, so a repeated write lands on the same key.

Failures: a frame that can never succeed (not an image, unknown camera) is set aside
at once with its reason; other errors are retried with exponential back-off until
``max_attempts``, then set aside. A frame whose worker died ``max_attempts`` times is
set aside too (it is probably what kills the workers).
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Sequence

import psycopg
from psycopg.rows import tuple_row

if TYPE_CHECKING:  # the queue stays light to import: intake queues frames through it
    from detector.blur import Detection

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claim:
    id: int
    token: str
    camera_id: str
    captured_at: datetime
    image_key: str
    crop_key: str | None
    attempts: int


def enqueue(conn: psycopg.Connection, *, camera_id: str, captured_at: datetime,
            image_key: str, crop_key: str | None = None, capture_id: str | None = None
            ) -> int | None:
    """Queue a frame; the same passage (camera, capture_id, captured_at) twice is queued
    once (returns None)."""
    with conn.cursor(row_factory=tuple_row) as cur:  # whatever rows the caller's connection makes
        row = cur.execute(
            """INSERT INTO detector_frame (camera_id, captured_at, capture_id, image_key, crop_key)
               VALUES (%s, %s, %s, %s, %s)
               ON CONFLICT (camera_id, capture_id, captured_at) DO NOTHING RETURNING id""",
            (camera_id, captured_at, capture_id, image_key, crop_key)).fetchone()
    return None if row is None else int(row[0])


def enqueue_many(conn: psycopg.Connection,
                 frames: Sequence[tuple[str, datetime, str, str, str | None]]) -> int:
    """Queue many frames in one statement, as intake does inside a batch's transaction:
    rows of (camera_id, captured_at, capture_id, image_key, crop_key); a passage (camera,
    capture_id, captured_at) already queued is skipped. Returns how many frames were queued.

    One ``INSERT ... SELECT FROM unnest(...)`` per batch, whatever its size: bulk intake
    pays one round trip for the queue, not one per photo.
    """
    if not frames:
        return 0
    cols = list(zip(*frames))
    cur = conn.execute(
        """INSERT INTO detector_frame (camera_id, captured_at, capture_id, image_key, crop_key)
           SELECT * FROM unnest(%s::text[], %s::timestamptz[], %s::text[], %s::text[],
                                %s::text[])
           ON CONFLICT (camera_id, capture_id, captured_at) DO NOTHING""",
        [list(c) for c in cols])
    return cur.rowcount


def set_aside_dead(conn: psycopg.Connection, max_attempts: int) -> int:
    """Frames whose lease ran out ``max_attempts`` times: stop feeding them to workers."""
    cur = conn.execute(
        """UPDATE detector_frame
              SET state = 'failed', lease_owner = NULL, lease_token = NULL, lease_until = NULL,
                  last_error = format('worker lost the frame %%s times (lease expired); '
                                      'set aside', attempts)
            WHERE state = 'processing' AND lease_until < now() AND attempts >= %s""",
        (max_attempts,))
    return cur.rowcount


def claim(conn: psycopg.Connection, worker: str, *, batch: int, lease_seconds: float,
          max_attempts: int = 5) -> list[Claim]:
    """Lease up to ``batch`` frames that are due, or whose earlier lease expired.

    Commits at once: the lease must be visible to other workers before any work starts.
    """
    with conn.transaction():
        set_aside_dead(conn, max_attempts)
        rows = conn.execute(
            """WITH due AS (
                   SELECT id FROM detector_frame
                    WHERE (state = 'queued' AND available_at <= now())
                       OR (state = 'processing' AND lease_until < now())
                    ORDER BY available_at, id
                    LIMIT %s
                    FOR UPDATE SKIP LOCKED)
               UPDATE detector_frame f
                  SET state = 'processing', lease_owner = %s, lease_token = %s || '-' || f.id,
                      lease_until = now() + make_interval(secs => %s),
                      attempts = f.attempts + 1
                 FROM due WHERE f.id = due.id
               RETURNING f.id, f.lease_token, f.camera_id, f.captured_at, f.image_key,
                         f.crop_key, f.attempts""",
            (batch, worker, secrets.token_hex(8), lease_seconds)).fetchall()
    return sorted((Claim(*r) for r in rows), key=lambda c: c.id)


def renew(conn: psycopg.Connection, claims: Sequence[Claim], lease_seconds: float) -> int:
    """Extend the leases still held (a long batch must not lose its frames)."""
    if not claims:
        return 0
    with conn.transaction():
        cur = conn.execute(
            """UPDATE detector_frame SET lease_until = now() + make_interval(secs => %s)
                WHERE state = 'processing' AND lease_token = ANY(%s)""",
            (lease_seconds, [c.token for c in claims]))
    return cur.rowcount


@dataclass(frozen=True)
class Opinion:
    """The plate reader's reading of a frame's crop (``detector_plate_opinion``)."""
    text: str
    confidence: float
    side_code: int | None
    crop: str          # 'camera' or 'detected'
    model: str


def complete(conn: psycopg.Connection, c: Claim, detections: Sequence[Detection], *,
             model_version: str, blurred_key: str, plate_crop_key: str | None,
             opinion: Opinion | None = None) -> bool:
    """Record the result if this worker still holds the frame; False if it lost it.

    The reader's opinion goes in the same transaction, under the frame and the passage
    intake stored with it (same camera, capture id and time; none for a trial frame)."""
    with conn.transaction():
        row = conn.execute(
            """UPDATE detector_frame
                  SET state = 'done', done_at = now(), blurred_key = %s, plate_crop_key = %s,
                      model_version = %s, lease_token = NULL, lease_until = NULL,
                      last_error = NULL
                WHERE id = %s AND lease_token = %s AND state = 'processing'
            RETURNING id""",
            (blurred_key, plate_crop_key, model_version, c.id, c.token)).fetchone()
        if row is None:
            log.warning("frame %s: lease lost before completion; result discarded", c.id)
            return False
        if detections:
            with conn.cursor() as cur:
                cur.executemany(
                    """INSERT INTO detector_detection
                           (frame_id, cls, score, x1, y1, x2, y2, model_version)
                       VALUES (%s, %s, %s, %s, %s, %s, %s, %s)""",
                    [(c.id, d.cls, d.score, *d.box, model_version) for d in detections])
        if opinion is not None:
            conn.execute(
                """INSERT INTO detector_plate_opinion
                       (frame_id, passage_id, captured_at, text, confidence, side_code, crop,
                        model, agrees)
                   SELECT f.id, p.id, f.captured_at, %(text)s, %(conf)s, %(code)s, %(crop)s,
                          %(model)s, CASE WHEN p.id IS NOT NULL THEN p.plate = %(text)s END
                     FROM detector_frame f
                     LEFT JOIN jj126.passage p ON p.camera_id = f.camera_id
                          AND p.captured_at = f.captured_at AND p.capture_id = f.capture_id
                    WHERE f.id = %(frame)s
                   ON CONFLICT (frame_id) DO UPDATE
                      SET text = EXCLUDED.text, confidence = EXCLUDED.confidence,
                          side_code = EXCLUDED.side_code, crop = EXCLUDED.crop,
                          model = EXCLUDED.model, agrees = EXCLUDED.agrees, read_at = now()""",
                {"text": opinion.text, "conf": min(1.0, max(0.0, opinion.confidence)),
                 "code": opinion.side_code, "crop": opinion.crop, "model": opinion.model,
                 "frame": c.id})
    return True


def fail(conn: psycopg.Connection, c: Claim, reason: str, *, permanent: bool,
         max_attempts: int, backoff_seconds: float) -> str:
    """Retry later with back-off, or set aside; returns the new state ('' if lease lost)."""
    final = permanent or c.attempts >= max_attempts
    delay = backoff_seconds * (2 ** max(0, c.attempts - 1))
    with conn.transaction():
        row = conn.execute(
            """UPDATE detector_frame
                  SET state = CASE WHEN %(final)s THEN 'failed' ELSE 'queued' END
                                  ::detector_frame_state,
                      available_at = now() + make_interval(secs => %(delay)s),
                      last_error = %(reason)s, lease_owner = NULL, lease_token = NULL,
                      lease_until = NULL
                WHERE id = %(id)s AND lease_token = %(token)s AND state = 'processing'
            RETURNING state::text""",
            {"final": final, "delay": 0 if final else min(delay, 3600.0),
             "reason": reason[:2000], "id": c.id, "token": c.token}).fetchone()
    return "" if row is None else row[0]


def originals_still_needed(conn: psycopg.Connection, image_keys: Sequence[str]) -> set[str]:
    """Which of these originals a frame still waiting for the detector points at.

    Photos are content-addressed: two passages with the same bytes share one original.
    Only frames that will still be processed count (queued, or leased); the lookup goes
    through the state index, so it costs as much as the backlog, not the table.
    """
    if not image_keys:
        return set()
    rows = conn.cursor(row_factory=tuple_row).execute(
        """SELECT DISTINCT image_key FROM detector_frame
            WHERE state IN ('queued', 'processing') AND image_key = ANY(%s)""",
        (list(image_keys),)).fetchall()
    return {r[0] for r in rows}


def counts(conn: psycopg.Connection) -> dict[str, int]:
    rows = conn.execute("SELECT state::text, count(*) FROM detector_frame GROUP BY 1").fetchall()
    out = {s: 0 for s in ("queued", "processing", "done", "failed")}
    out.update({s: int(n) for s, n in rows})
    return out


def purge(conn: psycopg.Connection, before: datetime) -> int:
    """Forget frames captured before ``before`` (with their detections): retention (R1).

    Their photos become unreadable when retention destroys the day key; this removes
    the rows that point at them. Retention calls it with the same cut-off it uses for
    passage partitions.
    """
    with conn.transaction():
        cur = conn.execute("DELETE FROM detector_frame WHERE captured_at < %s", (before,))
    return cur.rowcount
