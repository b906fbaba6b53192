"""Loading national-scale traffic for the search benchmark, resumably, one UTC day at a time.

Why a loader of its own and not ``anpr demo load``: 120 million rows through a Python
dict per row would take many hours. Here each generated batch is turned into COPY text
with numpy (hex EWKB points, ISO timestamps) and every day is one transaction, so an
interrupted load resumes at the first empty day and the data can be reused across runs.
"""
from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable

import numpy as np
import psycopg
from psycopg import sql

from anpr import clock
from sim.traffic import MISREAD_SHARE, PassageBatch, TrafficGenerator, to_us
from ingest.partitions import partition_name

log = logging.getLogger(__name__)

COPY_SQL = ("COPY jj126.passage (camera_id, captured_at, plate, plate_raw, country, confidence,"
            " geom, capture_id, alternatives, alternative_confidences) FROM STDIN")
_EWKB_POINT_4326 = bytes.fromhex("0101000020E6100000")


def _ewkb_hex(lon: np.ndarray, lat: np.ndarray) -> list[str]:
    """Hex EWKB of WGS84 points: PostGIS parses it much faster than WKT."""
    n = lon.shape[0]
    buf = np.empty((n, 25), dtype=np.uint8)
    buf[:, :9] = np.frombuffer(_EWKB_POINT_4326, dtype=np.uint8)
    buf[:, 9:17] = np.ascontiguousarray(lon, dtype="<f8").view(np.uint8).reshape(n, 8)
    buf[:, 17:25] = np.ascontiguousarray(lat, dtype="<f8").view(np.uint8).reshape(n, 8)
    text = buf.tobytes().hex()
    return [text[i * 50:(i + 1) * 50] for i in range(n)]


def batch_copy_text(batch: PassageBatch, prefix: str = "") -> str:
    """COPY text rows for one batch of generated passages, misreads read as misread with
    the camera's alternative reads (``sim.traffic.plant_misreads``)."""
    n = len(batch)
    ts = np.datetime_as_string(batch.captured_at.astype("datetime64[us]"), unit="us")
    cams = np.asarray(batch.cameras, dtype=object)[batch.camera]
    plates = batch.read_plates()
    countries = batch.countries[batch.plate]
    conf = np.round(batch.confidence.astype(np.float64), 3)
    geoms = _ewkb_hex(batch.lon, batch.lat)
    seq = np.arange(batch.first_seq, batch.first_seq + n)
    if batch.alternatives is None:
        alts = ["\\N\t\\N"] * n
    else:
        alts = ["\\N\t\\N" if not a else
                "{" + ",".join(x for x, _ in a) + "}\t{" + ",".join(str(c) for _, c in a) + "}"
                for a in batch.alternatives.tolist()]
    lines = [f"{c}\t{t}+00\t{p}\t{p}\t{k}\t{f}\t{g}\t{u}-{prefix}{batch.capture_prefix}{s}"
             f"\t{a}\n"
             for c, t, p, k, f, g, u, s, a in zip(cams.tolist(), ts.tolist(), plates.tolist(),
                                                   countries.tolist(), conf.tolist(), geoms,
                                                   batch.captured_at.tolist(), seq.tolist(),
                                                   alts)]
    return "".join(lines)


def _copy_text(conn: psycopg.Connection, text: str) -> None:
    with conn.cursor() as cur, cur.copy(COPY_SQL) as copy:
        copy.write(text.encode())


def _load_day_detached(conn: psycopg.Connection, generator: TrafficGenerator, day: datetime,
                       per_day: int) -> int:
    """COPY a day into a bare table, index it, then attach it as the day's partition.

    Building the indexes once on a full day is several times faster than maintaining
    them row by row; the partition ends up exactly as ``jj126.ensure_partition`` makes
    it (same name, same indexes, the immutability trigger cloned on attach).
    """
    name = partition_name(day)
    nxt = day + timedelta(days=1)
    conn.execute(sql.SQL("DROP TABLE IF EXISTS jj126.{}").format(sql.Identifier(name)))
    conn.execute(sql.SQL("CREATE TABLE jj126.{} (LIKE jj126.passage INCLUDING DEFAULTS "
                         "INCLUDING CONSTRAINTS)").format(sql.Identifier(name)))
    seq = conn.execute("SELECT pg_get_serial_sequence('jj126.passage', 'id') AS s").fetchone()
    seq_name = seq["s"] if isinstance(seq, dict) else seq[0]
    conn.execute(sql.SQL("ALTER TABLE jj126.{} ALTER COLUMN id SET DEFAULT nextval({})").format(
        sql.Identifier(name), sql.Literal(seq_name)))
    n = 0
    for batch in generator.generate(day, nxt, per_day, batch_size=200_000,
                                    misreads=MISREAD_SHARE):
        _copy_text_into(conn, name, batch_copy_text(batch))
        n += len(batch)
    conn.execute("SET maintenance_work_mem = '512MB'")
    ident = sql.Identifier(name)
    for stmt in (
            "ALTER TABLE jj126.{t} ADD CONSTRAINT {c} CHECK (captured_at >= {lo} AND captured_at < {hi})",
            "CREATE INDEX ON jj126.{t} (plate, captured_at) "
            "INCLUDE (camera_id, id, plate_raw, country, confidence)",
            "CREATE INDEX ON jj126.{t} (reverse(plate), captured_at) INCLUDE (plate, camera_id)",
            "ALTER TABLE jj126.{t} ADD UNIQUE (camera_id, captured_at, capture_id) INCLUDE (plate)",
            "ALTER TABLE jj126.passage ATTACH PARTITION jj126.{t} FOR VALUES FROM ({lo}) TO ({hi})",
            "ALTER TABLE jj126.{t} DROP CONSTRAINT {c}",
            "ANALYZE jj126.{t}"):
        conn.execute(sql.SQL(stmt).format(t=ident, c=sql.Identifier(name + "_bounds"),
                                          lo=sql.Literal(day), hi=sql.Literal(nxt)))
    conn.commit()
    return n


def _copy_text_into(conn: psycopg.Connection, table: str, text: str) -> None:
    stmt = sql.SQL("COPY jj126.{} (camera_id, captured_at, plate, plate_raw, country, "
                   "confidence, geom, capture_id, alternatives, alternative_confidences) "
                   "FROM STDIN").format(sql.Identifier(table))
    with conn.cursor() as cur, cur.copy(stmt) as copy:
        copy.write(text.encode())


def _has_planted(conn: psycopg.Connection, since: datetime) -> bool:
    row = conn.execute("SELECT EXISTS (SELECT 1 FROM jj126.passage WHERE plate >= 'Z' "
                       "AND captured_at >= %s) AS e", (since,)).fetchone()
    return bool(row["e"] if isinstance(row, dict) else row[0])


def day_has_rows(conn: psycopg.Connection, day_start: datetime) -> bool:
    row = conn.execute("SELECT EXISTS (SELECT 1 FROM jj126.passage WHERE captured_at >= %s "
                       "AND captured_at < %s) AS e",
                       (day_start, day_start + timedelta(days=1))).fetchone()
    return bool(row["e"] if isinstance(row, dict) else row[0])


def load_national(conn: psycopg.Connection, *, days: int, per_day: int, end: datetime,
                  seed: int = 126, truth_path: Path | None = None,
                  echo: Callable[[str], None] = log.info) -> dict[str, Any]:
    """Background traffic for ``days`` whole UTC days ending at ``end``'s day, plus planted cases.

    Days that already hold passages are skipped (resumable). Returns what was loaded and
    the measured rate. The planted cases go into the last six hours before ``end``.
    """
    from sim.registry import generate_registry
    from gis.roadnet import load_network

    network = load_network()
    registry = generate_registry(network, seed=seed)
    generator = TrafficGenerator(network, registry, seed=seed)
    last_day = clock.utc_day_start(end.astimezone(clock.UTC).date())
    first_day = last_day - timedelta(days=days - 1)
    loaded, seconds = 0, 0.0
    planted_end = min(end, last_day + timedelta(days=1))
    truth = None
    planted = None
    if not _has_planted(conn, first_day):
        planted, truth = generator.plant_cases(planted_end - timedelta(hours=6), planted_end,
                                               seed=seed)
    # Newest day first, planted cases as soon as the days they fall in are there (before
    # 06:00 UTC their six hours begin on the day before): an interrupted load still has the
    # cases and a contiguous window ending now.
    for i in reversed(range(days)):
        day = first_day + timedelta(days=i)
        if day_has_rows(conn, day):
            echo(f"{day:%Y-%m-%d}: already loaded")
        else:
            t0 = time.perf_counter()
            n = _load_day_detached(conn, generator, day, per_day)
            dt = time.perf_counter() - t0
            loaded += n
            seconds += dt
            echo(f"{day:%Y-%m-%d}: {n:,} passages in {dt:,.0f} s ({n / dt:,.0f}/s)")
        if planted is not None and to_us(day) <= int(planted.captured_at.min()):
            _copy_text(conn, batch_copy_text(planted, prefix="bench"))
            conn.commit()
            planted = None
            if truth_path is not None:
                truth_path.write_text(json.dumps(truth, indent=2, default=str))
    conn.execute("ANALYZE jj126.passage")
    conn.commit()
    return {"loaded": loaded, "seconds": seconds,
            "rate": loaded / seconds if seconds else None, "truth": truth}
