"""Read-only overviews for the officers' pages: who in the unit processed what (the Excel
sheet the report's officers kept by hand, 7.4.6) and a request's version history."""
from __future__ import annotations

from typing import Any

import psycopg


def processed_by_officer(conn: psycopg.Connection, unit: str | None) -> list[dict[str, Any]]:
    """Per officer of the unit: requests handled, searches run or stopped, packages made."""
    return list(conn.execute("""
        SELECT a.username, a.full_name,
               count(DISTINCT r.id) AS requests,
               count(DISTINCT r.id) FILTER (WHERE r.status IN ('provided', 'completed'))
                   AS provided,
               count(DISTINCT r.id) FILTER (WHERE r.status = 'rejected') AS rejected,
               (SELECT count(*) FROM enquiry e WHERE e.officer_id = a.id
                  AND e.run_at IS NOT NULL) AS searches_run,
               (SELECT count(*) FROM enquiry e WHERE e.officer_id = a.id
                  AND e.stopped_after_preview) AS searches_stopped,
               (SELECT count(*) FROM verification v WHERE v.officer_id = a.id) AS reads_verified
          FROM account a LEFT JOIN request r ON r.officer_id = a.id
         WHERE a.role = 'officer' AND a.unit_code IS NOT DISTINCT FROM %s
         GROUP BY a.id, a.username, a.full_name
         ORDER BY a.full_name""", (unit,)).fetchall())


def versions(conn: psycopg.Connection, request_id: int) -> list[dict[str, Any]]:
    """The registered data as each version left it: corrections are versions, never edits."""
    return list(conn.execute("""
        SELECT v.version, v.reason, v.changed_at, a.username AS changed_by, v.data
          FROM request_version v LEFT JOIN account a ON a.id = v.changed_by
         WHERE v.request_id = %s ORDER BY v.version""", (request_id,)).fetchall())
