"""Daily partitions of jj126.passage: created ahead of time, checked at start-up.

A partition covers one UTC capture day, so retention drops a whole day in constant time
(R1). The SQL function ``jj126.ensure_partition(day)`` (migration 0001) does the work
and is idempotent; intake for a day without a partition fails loudly in PostgreSQL
("no partition of relation found"), it is never dropped silently.
"""
from __future__ import annotations

import logging
from datetime import date, timedelta

import psycopg

from anpr import clock
from anpr.settings import RetentionSettings

log = logging.getLogger(__name__)


def partition_name(day: date) -> str:
    """The day's partition, in schema jj126."""
    return f"passage_p{day:%Y%m%d}"


def partition_day(name: str) -> date:
    """The day of a partition named by ``partition_name``."""
    return date(int(name[9:13]), int(name[13:15]), int(name[15:17]))


def to_regclass(conn: psycopg.Connection, day: date) -> str | None:
    """The day's partition if it exists (retention may have dropped it), else None."""
    row = conn.execute("SELECT to_regclass(%s) AS r", (f"jj126.{partition_name(day)}",)
                       ).fetchone()
    return row["r"] if isinstance(row, dict) else row[0]


def ensure_partition(conn: psycopg.Connection, day: date) -> str:
    row = conn.execute("SELECT jj126.ensure_partition(%s) AS name", (day,)).fetchone()
    return row["name"] if isinstance(row, dict) else row[0]


def ensure_partitions(conn: psycopg.Connection, retention: RetentionSettings,
                      today: date | None = None) -> list[date]:
    """Partitions for every day inside retention plus ``partitions_ahead`` days ahead.

    The day ``retention.days`` ago is already expired (retention drops it), so it is not
    made again.
    """
    today = today or clock.now().date()
    first = today - timedelta(days=retention.days - 1)
    days = [first + timedelta(days=i)
            for i in range(retention.days + retention.partitions_ahead)]
    for day in days:
        ensure_partition(conn, day)
    return days


def existing_partitions(conn: psycopg.Connection) -> list[date]:
    rows = conn.execute("""
        SELECT c.relname
          FROM pg_inherits i
          JOIN pg_class c ON c.oid = i.inhrelid
          JOIN pg_class p ON p.oid = i.inhparent
          JOIN pg_namespace n ON n.oid = p.relnamespace
         WHERE n.nspname = 'jj126' AND p.relname = 'passage'
         ORDER BY c.relname""").fetchall()
    names = [r["relname"] if isinstance(r, dict) else r[0] for r in rows]
    return [partition_day(n) for n in names]
