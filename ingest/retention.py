"""Retention (R1, R13): destroy every capture day older than the retention period.

For each expired UTC day, in this order:

1. **secure** the passages that an enquiry in progress holds (``jj126.result_hold``, not
   released) into ``jj126.secured_passage``, their photos re-encrypted under the
   enquiry's own key; committed before anything is destroyed;
2. **drop** the day's passage partition (constant time, whatever the table holds), delete
   the day's photo key, and write the audit record (``retention_log``: counts only,
   never plates), in one transaction;
3. **delete** the day's photos from the object store (already unreadable after step 2).

Days are **sealed** first, once they have ended (``seal_days``, in every run): the
partition is clustered by camera and time once the day is two days old, vacuumed and
analysed, so that its pages are all-visible and the searches'
covering indexes answer without reading the table (migration 0011), it gets the class
index of the searches including probable misreads (``_class_index``), and its passages
and unique plates are counted exactly into ``passage_day_stat``. From then on the
intake trigger keeps the passage count exact, so destroying the day needs no count.

A day is expired when all of it lies more than ``ANPR_RETENTION_DAYS`` in the past
minus one day, i.e. it is destroyed when its first passage turns 28 days old, so no
passage is ever kept longer. Leftovers of an interrupted run (a key, photos, without a
partition) are found and destroyed by the next run.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any, Iterable

import psycopg
from psycopg import sql
from psycopg.rows import dict_row, tuple_row

from anpr import clock
from anpr.plates import CLASS_INDEX, CLASS_KEY_SQL, class_index_days
from ingest.images import PhotoVault, enquiry_prefix
from ingest.partitions import existing_partitions, partition_day, partition_name, to_regclass

log = logging.getLogger(__name__)

LOCK_TIMEOUT = "5s"


@dataclass
class DayReport:
    day: date
    passages: int
    images: int
    key_destroyed: bool
    secured: int
    seconds: float  # the whole day: securing, audit count, destruction
    destroy_seconds: float = 0.0  # drop, key, log and photos, after the count

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["day"] = self.day.isoformat()
        return d


def expired_through(now: datetime, days: int) -> date:
    """The last UTC capture day that must be gone at ``now``."""
    return (now - timedelta(days=days)).date()


def _partition(day: date) -> sql.Identifier:
    return sql.Identifier("jj126", partition_name(day))


# -- sealing ended days ----------------------------------------------------------------------

#: A day is sealed this long after it ended (late records from buffering cameras).
SEAL_AFTER = timedelta(hours=1)


#: Days at least this old are also clustered by camera and time when sealed.
CLUSTER_AFTER_DAYS = 2
#: The partitioned unique key (camera_id, captured_at, capture_id) the days are ordered by.
CAMERA_INDEX = "jj126.uq_passage_camera_id_captured_at_capture_id"


def days_to_seal(conn: psycopg.Connection, now: datetime, after: date | None = None
                 ) -> list[date]:
    """Ended days whose partition has rows not yet vacuumed or whose count is not exact
    or that have no class index yet, and days old enough to be clustered that are not.

    The statistics collector says which partitions had inserts since their last vacuum;
    after a crash it forgets, and the days are sealed again (cheap: vacuum skips pages
    already all-visible).
    """
    last = (now - SEAL_AFTER).date() - timedelta(days=1)
    cluster_through = now.date() - timedelta(days=CLUSTER_AFTER_DAYS)
    rows = conn.cursor(row_factory=tuple_row).execute("""
        SELECT to_date(substr(c.relname, 10), 'YYYYMMDD') AS day,
               s.relid IS NULL OR coalesce(s.last_vacuum, s.last_autovacuum) IS NULL
                   OR s.n_ins_since_vacuum > 0 OR d.unique_plates IS NULL AS stale,
               pg_relation_size(c.oid) > 0 AS has_rows
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
          LEFT JOIN passage_day_stat d ON d.day = to_date(substr(c.relname, 10), 'YYYYMMDD')
         WHERE i.inhparent = 'jj126.passage'::regclass AND c.relname ~ '^passage_p[0-9]{8}$'
         ORDER BY 1""").fetchall()
    clustered = {day for day, (_, yes) in _day_indexes(conn, CAMERA_INDEX).items() if yes}
    _, class_indexed = class_index_days(conn)
    return [day for day, stale, has_rows in rows
            if day <= last and (after is None or day > after)
            and (stale or day not in class_indexed
                 or (day <= cluster_through and has_rows and day not in clustered))]


def _day_indexes(conn: psycopg.Connection, parent: str) -> dict[date, tuple[str, bool]]:
    """Each day partition's child of a partitioned index: its name, whether clustered."""
    rows = conn.cursor(row_factory=tuple_row).execute("""
        SELECT t.relname, i.inhrelid::regclass::text, x.indisclustered
          FROM pg_inherits i JOIN pg_index x ON x.indexrelid = i.inhrelid
          JOIN pg_class t ON t.oid = x.indrelid
         WHERE i.inhparent = %s::regclass AND t.relname ~ '^passage_p[0-9]{8}$'
         ORDER BY t.relname""", (parent,)).fetchall()
    return {partition_day(part): (idx, clustered) for part, idx, clustered in rows}


def seal_day(conn: psycopg.Connection, day: date, now: datetime | None = None) -> bool:
    """Vacuum and analyse an ended day's partition and count it exactly.

    A day ``CLUSTER_AFTER_DAYS`` old is first rewritten in camera and time order, so
    that a block search (one location, one hour) reads a few adjacent table pages
    instead of one page per passage: at national scale an hour at a busy motorway
    location is 8,600 passages, 509 ms read from disk unclustered, 190 ms clustered.
    CLUSTER locks the day's partition for as long as the rewrite takes (under a minute
    for 4.3 million passages), once per day, when late records have become rare; it
    gives way (and is retried by the next run) when it cannot have the lock in 10 s.
    """
    from ingest.rollup import refresh

    if to_regclass(conn, day) is None:
        return False
    now = now or clock.now()
    conn.commit()
    previous = conn.autocommit
    conn.autocommit = True  # VACUUM cannot run inside a transaction
    try:
        index = _day_indexes(conn, CAMERA_INDEX).get(day)
        if (index is not None and not index[1]
                and day <= now.date() - timedelta(days=CLUSTER_AFTER_DAYS)
                and conn.cursor(row_factory=tuple_row).execute(
                    sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(_partition(day))
                ).fetchone()[0]):  # an empty day waits for its rows
            try:
                conn.execute("SET lock_timeout = '10s'")
                conn.execute(sql.SQL("CLUSTER {} USING {}").format(
                    _partition(day), sql.Identifier(index[0].split(".")[-1])))
            except psycopg.errors.LockNotAvailable:
                log.warning("%s not clustered: its partition is busy; the next run retries", day)
            finally:
                conn.execute("RESET lock_timeout")
        _class_index(conn, day)
        conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(_partition(day)))
    finally:
        conn.autocommit = previous
    refresh(conn, [day])
    conn.commit()
    log.info("sealed %s: vacuumed, analysed and counted", day)
    return True


def _class_index(conn: psycopg.Connection, day: date) -> None:
    """Build the day's class index unless it has one (``anpr.plates.CLASS_KEY_SQL``, then
    the time): a search including probable misreads finds every plate it looks up for
    one ordered plate side by side there (they share the ordered plate's class), where
    the plate index gives each plate a leaf page of its own. Built per day when the day
    is sealed, not by intake: maintained at intake it cost a fifth of intake's throughput.
    Late records into a sealed day keep it up to date (few). The build (seconds at
    national scale) holds off writes to that day only; it gives way after 10 s of waiting
    for the lock and the next run retries (the searches read a day without it through
    the plate index: slower, the same rows)."""
    name = CLASS_INDEX.format(partition_name(day))
    if conn.cursor(row_factory=tuple_row).execute(
            "SELECT x.indisvalid FROM pg_index x WHERE x.indexrelid = to_regclass(%s)",
            (f"jj126.{name}",)).fetchone() == (True,):
        return
    try:
        conn.execute("SET lock_timeout = '10s'")
        conn.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(sql.Identifier("jj126", name)))
        conn.execute(sql.SQL("CREATE INDEX {} ON {} ({}, captured_at)").format(
            sql.Identifier(name), _partition(day),
            sql.SQL(CLASS_KEY_SQL.format(p=""))))
    except psycopg.errors.LockNotAvailable:
        log.warning("%s: class index not built, its partition is busy; the next run retries",
                    day)
    finally:
        conn.execute("RESET lock_timeout")


#: The partitioned indexes of the plate searches whose day indexes are kept in memory
#: (migration 0012): the plate index (Q1 and the target's passages of Q4 and Q6, 8.8 GB
#: for 28 days at 4.3 million passages a day) and, for the same searches including
#: probable misreads, the alternatives' GIN index (0022a, 0.2 GB), which each such search
#: reads in every day: a search read up to 380 of its pages from disk, 94 ms. Not the
#: class indexes of the sealed days (4.5 GB): a search reads one or two of their pages
#: a day.
PLATE_INDEXES = ("jj126.ix_passage_plate_time", "jj126.ix_passage_alternatives")


def prewarm(conn: psycopg.Connection, days: Iterable[date] | None = None, *,
            mode: str = "prefetch") -> dict[date, int]:
    """Load the plate-search indexes (``PLATE_INDEXES``) of each day partition (all when
    ``days`` is None) into memory; returns the pages per day, all indexes together.

    ``prefetch`` asks the kernel to read the pages in the background and returns at
    once (cheap when they are cached already); ``read`` reads them before returning.
    The operating system's cache holds them, not PostgreSQL's
    shared buffers: 28 days are larger than the buffers, and the cache outlives a
    restart of the database.
    """
    if mode not in ("prefetch", "read"):
        raise ValueError("mode is prefetch or read")
    wanted = None if days is None else set(days)
    out: dict[date, int] = {}
    for parent in PLATE_INDEXES:
        for day, (idx, _) in _day_indexes(conn, parent).items():
            if wanted is None or day in wanted:
                out[day] = out.get(day, 0) + conn.cursor(row_factory=tuple_row).execute(
                    "SELECT pg_prewarm(%s::regclass, %s)", (idx, mode)).fetchone()[0]
    conn.commit()
    return out


def seal_days(conn: psycopg.Connection, now: datetime | None = None,
              after: date | None = None) -> list[date]:
    """Seal every ended day (after ``after``) that needs it; returns the days sealed."""
    now = now or clock.now()
    return [d for d in days_to_seal(conn, now, after) if seal_day(conn, d, now)]


# -- held and secured results (the casework seam) -----------------------------------------

def hold_results(conn: psycopg.Connection, enquiry_ref: str,
                 passages: Iterable[tuple[int, datetime]]) -> int:
    """Put passages into an enquiry's result set, so retention secures them first."""
    if not enquiry_ref or not enquiry_ref.strip():
        raise ValueError("an enquiry reference is required")
    pids, times = [], []
    for pid, at in passages:
        pids.append(int(pid))
        times.append(at)
    if pids:  # one statement for the whole result set (30,000 rows: one round trip)
        conn.execute(
            "INSERT INTO jj126.result_hold (enquiry_ref, passage_id, captured_at) "
            "SELECT %s, t.pid, t.at FROM unnest(%s::bigint[], %s::timestamptz[]) AS t(pid, at) "
            "ON CONFLICT DO NOTHING", (enquiry_ref, pids, times))
    return len(pids)


def release(conn: psycopg.Connection, enquiry_ref: str, vault: PhotoVault | None = None
            ) -> int:
    """The enquiry is completed: its holds end and its secured copies are destroyed.

    The enquiry key row goes first, so the secured photos are unreadable even where the
    store's deletion has not happened (no vault given, or it failed).
    """
    released = conn.execute(
        "UPDATE jj126.result_hold SET released_at = now() "
        "WHERE enquiry_ref = %s AND released_at IS NULL", (enquiry_ref,)).rowcount
    # The secured copies are of destroyed days: with them goes everything casework
    # recorded about those passages, unless another open enquiry secured them too.
    days = [r[0] for r in conn.cursor(row_factory=tuple_row).execute(
        "DELETE FROM jj126.secured_passage WHERE enquiry_ref = %s "
        "RETURNING (captured_at AT TIME ZONE 'UTC')::date", (enquiry_ref,)).fetchall()]
    for day in sorted(set(days)):
        forget_destroyed(conn, *_day_bounds(day))
    conn.execute("DELETE FROM jj126.enquiry_key WHERE enquiry_ref = %s", (enquiry_ref,))
    if vault is not None:
        conn.commit()
        vault.keyring.forget(enquiry_ref=enquiry_ref)
        vault.store.delete_prefix(enquiry_prefix(enquiry_ref))
    return released


def release_passages(conn: psycopg.Connection, enquiry_ref: str,
                     passages: Iterable[tuple[int, datetime]]) -> int:
    """Some of an enquiry's passages are no longer held (its order was narrowed): their
    holds end and their secured copies go, as :func:`release` does for all of them. The
    photos of those copies stay in the store under the enquiry's key until its release
    destroys the key, and no row refers to them. Returns the holds ended."""
    pids, times = [], []
    for pid, at in passages:
        pids.append(int(pid))
        times.append(at)
    if not pids:
        return 0
    released = conn.execute(
        "UPDATE jj126.result_hold h SET released_at = now() "
        "  FROM unnest(%s::bigint[], %s::timestamptz[]) AS t(pid, at) "
        " WHERE h.enquiry_ref = %s AND h.passage_id = t.pid AND h.captured_at = t.at "
        "   AND h.released_at IS NULL", (pids, times, enquiry_ref)).rowcount
    days = [r[0] for r in conn.cursor(row_factory=tuple_row).execute(
        "DELETE FROM jj126.secured_passage s USING unnest(%s::bigint[], %s::timestamptz[]) "
        "       AS t(pid, at) "
        " WHERE s.enquiry_ref = %s AND s.passage_id = t.pid AND s.captured_at = t.at "
        "RETURNING (s.captured_at AT TIME ZONE 'UTC')::date", (pids, times, enquiry_ref)
    ).fetchall()]
    for day in sorted(set(days)):
        forget_destroyed(conn, *_day_bounds(day))
    return released


def secured_passages(conn: psycopg.Connection, enquiry_ref: str) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT passage_id, captured_at, camera_id, plate, plate_raw, country, confidence, "
        "ST_X(geom) AS lon, ST_Y(geom) AS lat, overview_key, crop_key, capture_id, "
        "received_at, secured_at, alternatives, alternative_confidences "
        "FROM jj126.secured_passage WHERE enquiry_ref = %s "
        "ORDER BY captured_at, passage_id", (enquiry_ref,)).fetchall()


def secure_day(conn: psycopg.Connection, day: date, vault: PhotoVault | None) -> int:
    """Copy the day's held, unreleased passages (and photos) out before it is destroyed."""
    if to_regclass(conn, day) is None:
        return 0
    rows = conn.execute(sql.SQL(
        "INSERT INTO jj126.secured_passage (enquiry_ref, passage_id, captured_at, camera_id, "
        "plate, plate_raw, country, confidence, geom, overview_key, crop_key, capture_id, "
        "received_at, blurred_key, alternatives, alternative_confidences) "
        "SELECT h.enquiry_ref, p.id, p.captured_at, p.camera_id, p.plate, p.plate_raw, "
        "p.country, p.confidence, p.geom, p.overview_key, p.crop_key, p.capture_id, "
        "p.received_at, f.blurred_key, p.alternatives, p.alternative_confidences FROM jj126.result_hold h JOIN {} p "
        "ON p.id = h.passage_id AND p.captured_at = h.captured_at "
        "LEFT JOIN detector_frame f ON f.camera_id = p.camera_id "
        "AND f.capture_id = p.capture_id AND f.captured_at = p.captured_at "
        "AND f.state = 'done' "
        "WHERE h.released_at IS NULL AND h.captured_at >= %s AND h.captured_at < %s "
        "ON CONFLICT DO NOTHING RETURNING enquiry_ref, passage_id, captured_at, "
        "overview_key, crop_key, blurred_key").format(_partition(day)),
        _day_bounds(day)).fetchall()
    if vault is not None:
        for r in rows:
            keys = {k: vault.secure(r[k], r["enquiry_ref"]) if r[k] else None
                    for k in ("overview_key", "crop_key", "blurred_key")}
            if any(keys.values()):
                conn.execute("UPDATE jj126.secured_passage SET overview_key = %s, "
                             "crop_key = %s, blurred_key = %s WHERE enquiry_ref = %s "
                             "AND passage_id = %s AND captured_at = %s",
                             (keys["overview_key"], keys["crop_key"], keys["blurred_key"],
                              r["enquiry_ref"], r["passage_id"], r["captured_at"]))
        # Photos the officer already approved (under the day's key) go with them.
        for a in conn.execute(
                "SELECT a.request_id, a.passage_id, a.captured_at, a.image_key, "
                "s.enquiry_ref FROM photo_approval a JOIN request r ON r.id = a.request_id "
                "JOIN jj126.secured_passage s ON s.enquiry_ref = r.reference "
                "AND s.passage_id = a.passage_id AND s.captured_at = a.captured_at "
                "WHERE a.captured_at >= %s AND a.captured_at < %s "
                "AND a.image_key NOT LIKE 'enquiry/%%'", _day_bounds(day)).fetchall():
            conn.execute("UPDATE photo_approval SET image_key = %s WHERE request_id = %s "
                         "AND passage_id = %s AND captured_at = %s",
                         (vault.secure(a["image_key"], a["enquiry_ref"]), a["request_id"],
                          a["passage_id"], a["captured_at"]))
    return len(rows)


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    return clock.utc_day_start(day), clock.utc_day_start(day + timedelta(days=1))


#: What casework recorded about passages (results, holds, verdicts, approvals) that is no
#: longer secured for an enquiry in progress. Only the enquiries' counts outlive them (R1).
FORGET_SQL = {
    "enquiry_result": """
        DELETE FROM enquiry_result er WHERE {where} AND NOT EXISTS (
          SELECT 1 FROM enquiry e JOIN request r ON r.id = e.request_id
            JOIN jj126.secured_passage s ON s.enquiry_ref = r.reference
           WHERE e.id = er.enquiry_id AND s.passage_id = er.passage_id
             AND s.captured_at = er.captured_at)""",
    "photo_approval": """
        DELETE FROM photo_approval er WHERE {where} AND NOT EXISTS (
          SELECT 1 FROM request r JOIN jj126.secured_passage s ON s.enquiry_ref = r.reference
           WHERE r.id = er.request_id AND s.passage_id = er.passage_id
             AND s.captured_at = er.captured_at)""",
    "verification": """
        DELETE FROM verification er WHERE {where} AND NOT EXISTS (
          SELECT 1 FROM jj126.secured_passage s
           WHERE s.passage_id = er.passage_id AND s.captured_at = er.captured_at)""",
    "result_hold": """
        DELETE FROM jj126.result_hold er WHERE {where} AND NOT EXISTS (
          SELECT 1 FROM jj126.secured_passage s WHERE s.enquiry_ref = er.enquiry_ref
             AND s.passage_id = er.passage_id AND s.captured_at = er.captured_at)""",
}


def forget_destroyed(conn: psycopg.Connection, start: datetime, end: datetime) -> dict[str, int]:
    """Delete the rows about passages captured in [start, end) of destroyed days that no
    open enquiry secured: called when a day is destroyed and when an enquiry completes."""
    where = "er.captured_at >= %(start)s AND er.captured_at < %(end)s"
    out = {}
    for table, stmt in FORGET_SQL.items():
        out[table] = conn.execute(stmt.format(where=where),
                                  {"start": start, "end": end}).rowcount
    return out


def destroy_day(conn: psycopg.Connection, day: date, vault: PhotoVault | None) -> DayReport:
    """Secure, then drop the partition and the key and log it; then delete the photos."""
    import time

    started = time.perf_counter()
    secured = secure_day(conn, day, vault)
    # Nothing more is written to an expired day: intake refuses it.
    exists = to_regclass(conn, day) is not None
    passages = 0
    if exists:
        # The audit count (passages, never a plate) and the monitor's final count. A
        # sealed day's count is exact already (intake trigger since the seal); a day
        # never sealed (retention catching up) is counted now, linear in its size.
        stat = conn.cursor(row_factory=dict_row)
        row = stat.execute("SELECT passages, unique_plates FROM passage_day_stat "
                           "WHERE day = %s", (day,)).fetchone()
        if row is None or row["unique_plates"] is None:
            from ingest.rollup import refresh

            refresh(conn, [day], final=True)
            row = stat.execute("SELECT passages FROM passage_day_stat WHERE day = %s",
                               (day,)).fetchone()
        passages = row["passages"]
    conn.commit()
    counted = time.perf_counter()
    conn.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(sql.Literal(LOCK_TIMEOUT)))
    if exists:
        conn.execute("UPDATE passage_day_stat SET final = true, updated_at = now() "
                     "WHERE day = %s AND NOT final", (day,))
        conn.execute(sql.SQL("DROP TABLE {}").format(_partition(day)))
    key_destroyed = conn.execute("DELETE FROM jj126.image_day_key WHERE day = %s",
                                 (day,)).rowcount > 0
    images = 0
    if vault is not None:
        vault.keyring.forget(day=day)
        images = vault.store.delete_prefix(f"{day:%Y%m%d}/")
    forget_destroyed(conn, *_day_bounds(day))
    conn.execute("INSERT INTO retention_log (day, passages, images, key_destroyed, secured) "
                 "VALUES (%s, %s, %s, %s, %s)", (day, passages, images, key_destroyed, secured))
    conn.commit()
    done = time.perf_counter()
    report = DayReport(day, passages, images, key_destroyed, secured, done - started,
                       done - counted)
    log.info("retention destroyed %s: %d passages, %d photos, key %s, %d secured", day,
             passages, images, "destroyed" if key_destroyed else "absent", secured)
    return report


def expired_days(conn: psycopg.Connection, through: date,
                 vault: PhotoVault | None = None) -> list[date]:
    """Every day up to ``through`` that still has a partition, a key or photos."""
    days = {d for d in existing_partitions(conn) if d <= through}
    days |= {r["day"] if isinstance(r, dict) else r[0] for r in conn.execute(
        "SELECT day FROM jj126.image_day_key WHERE day <= %s", (through,)).fetchall()}
    if vault is not None:
        days |= {d for d in vault.store.day_prefixes() if d <= through}
    return sorted(days)


def run_retention(conn: psycopg.Connection, retention_days: int, *,
                  vault: PhotoVault | None = None, now: datetime | None = None
                  ) -> list[DayReport]:
    """Destroy every expired day; returns one report per day destroyed."""
    now = now or clock.now()
    through = expired_through(now, retention_days)
    conn.commit()
    seal_days(conn, now, after=through)
    prewarm(conn)  # cheap for pages already cached; brings back what memory pressure evicted
    reports = [destroy_day(conn, day, vault) for day in expired_days(conn, through, vault)]
    # The detector's frame queue points at the same photos: forget the expired frames too.
    from detector.queue import purge

    purge(conn, clock.utc_day_start(through + timedelta(days=1)))
    conn.commit()
    return reports


class RetentionLoop:
    """Runs retention every ``interval_s`` in a daemon thread (inside ``anpr serve``)."""

    def __init__(self, url: str, retention_days: int, interval_s: int,
                 vault: PhotoVault | None) -> None:
        self.url, self.days, self.interval = url, retention_days, interval_s
        self.vault = vault
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="anpr-retention", daemon=True)

    def start(self) -> "RetentionLoop":
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(10)

    def _run(self) -> None:
        from psycopg.rows import dict_row

        while not self._stop.is_set():
            try:
                with psycopg.connect(self.url, row_factory=dict_row) as conn:
                    run_retention(conn, self.days, vault=self.vault)
            except Exception:  # keep the loop alive; the next run retries
                log.exception("retention run failed; retrying in %s s", self.interval)
            self._stop.wait(self.interval)
