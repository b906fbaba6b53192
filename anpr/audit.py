"""The tamper-evident audit log (R6, art. 8 AMvB): append and verify.

Records are chained in the database itself: a trigger stores for each new record the
SHA-256 of the previous record's hash and this record's content, and refuses UPDATE,
DELETE and TRUNCATE. Verification recomputes every hash with the same SQL function, so
an edit made by someone who bypassed the triggers (a superuser) is still detected, and
the first broken record is named.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import psycopg

log = logging.getLogger(__name__)


def record(conn: psycopg.Connection, actor: str, action: str, subject: str | None = None,
           **details: Any) -> int:
    """Append one record; returns its id. Runs in the caller's transaction."""
    row = conn.execute(
        "INSERT INTO audit_log (actor, action, subject, details) VALUES (%s, %s, %s, %s::jsonb)"
        " RETURNING id",
        (actor, action, subject, json.dumps(details, default=str, sort_keys=True))).fetchone()
    return row["id"] if isinstance(row, dict) else row[0]


@dataclass(frozen=True)
class ChainReport:
    records: int
    ok: bool
    first_broken_id: int | None = None
    reason: str | None = None


VERIFY_SQL = """
SELECT id, prev_hash, hash,
       lag(hash) OVER (ORDER BY id) AS expected_prev,
       audit_record_hash(prev_hash, id, at, actor, action, subject, details) AS recomputed
  FROM audit_log
 ORDER BY id
"""


def verify(conn: psycopg.Connection) -> ChainReport:
    """Recompute the chain from the first record; stop at the first that does not hold."""
    n = 0
    with conn.cursor(name="audit_verify") as cur:
        cur.itersize = 5000
        cur.execute(VERIFY_SQL)
        for row in cur:
            n += 1
            rid, prev, stored, expected_prev, recomputed = (
                (row["id"], row["prev_hash"], row["hash"], row["expected_prev"], row["recomputed"])
                if isinstance(row, dict) else row)
            if prev != (expected_prev or "0" * 64):
                return ChainReport(n, False, rid, "its link to the previous record is broken "
                                                  "(a record was removed or reordered)")
            if stored != recomputed:
                return ChainReport(n, False, rid, "its content no longer matches its hash "
                                                  "(the record was edited)")
    return ChainReport(n, True)


def entries(conn: psycopg.Connection, *, subject: str | None = None, action: str | None = None,
            limit: int = 200) -> list[dict[str, Any]]:
    return list(conn.execute(
        "SELECT id, at, actor, action, subject, details FROM audit_log"
        " WHERE (%(s)s::text IS NULL OR subject = %(s)s)"
        "   AND (%(a)s::text IS NULL OR action = %(a)s)"
        " ORDER BY id DESC LIMIT %(l)s", {"s": subject, "a": action, "l": limit}).fetchall())
