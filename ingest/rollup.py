"""Daily passage statistics that outlive the passages (DESIGN.md section 6).

Table 1 and Figure 5 of the monitor report count passages and unique plates per day and
month. The passages themselves are destroyed after 28 days, so the counts are kept in
``passage_day_stat``: a trigger adds passages as they are stored (migration 0010),
unique plates are recounted from the day's partition while it exists, and retention
takes a final count just before it drops the day. Counts only: never a plate.
"""
from __future__ import annotations

from datetime import date
from typing import Iterable

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from ingest.partitions import partition_name, to_regclass


def refresh(conn: psycopg.Connection, days: Iterable[date], *, final: bool = False) -> int:
    """Recount passages and unique plates of days whose partition still exists."""
    n = 0
    cur = conn.cursor(row_factory=dict_row)
    for day in days:
        if to_regclass(conn, day) is None:
            continue
        row = cur.execute(sql.SQL("SELECT count(*) AS passages, count(DISTINCT plate) AS plates "
                                  "FROM jj126.{}").format(sql.Identifier(partition_name(day)))
                          ).fetchone()
        conn.execute(
            "INSERT INTO passage_day_stat (day, passages, unique_plates, final) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (day) DO UPDATE SET passages = "
            "EXCLUDED.passages, unique_plates = EXCLUDED.unique_plates, final = EXCLUDED.final,"
            " updated_at = now()", (day, row["passages"], row["plates"], final))
        n += 1
    return n


def stored_days(conn: psycopg.Connection) -> list[date]:
    from ingest.partitions import existing_partitions

    return existing_partitions(conn)
