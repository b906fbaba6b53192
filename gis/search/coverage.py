"""Camera coverage of a search: which selected cameras could not have seen anything.

Why every result carries this: "no passage found" must never be read as "the vehicle
was not there" when a camera was defect, under roadworks, not yet active or not in the
camera plan during the window (the report, chapter 6). The registry holds the current
status, dated status periods, the active period and plan membership; all four count.
"""
from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from gis.search.scope import Window

COVERAGE_SQL = """
WITH cams AS (
    SELECT c.id, c.status::text AS status, c.in_plan, c.active_from, c.active_to, l.code
      FROM camera c JOIN location l ON l.id = c.location_id
     WHERE {camera_filter}
)
SELECT id AS camera_id, code AS location_code, 'status_' || status AS reason,
       NULL::timestamptz AS gap_start, NULL::timestamptz AS gap_end,
       'current registry status is ' || status AS note
  FROM cams WHERE status <> 'active'
UNION ALL
SELECT c.id, c.code, 'period_' || s.status::text,
       greatest(lower(s.during), %(start)s), least(upper(s.during), %(end)s), s.note
  FROM cams c JOIN camera_status_period s ON s.camera_id = c.id
 WHERE s.during && tstzrange(%(start)s, %(end)s, '[)')
UNION ALL
SELECT id, code, 'not_in_plan', NULL, NULL, 'not in the camera plan: stores no 126jj passages'
  FROM cams WHERE NOT in_plan
UNION ALL
SELECT id, code, 'not_yet_active', NULL, NULL, 'active only from ' || active_from::text
  FROM cams WHERE active_from > (%(end)s AT TIME ZONE 'UTC')::date
UNION ALL
SELECT id, code, 'retired', NULL, NULL, 'active only until ' || active_to::text
  FROM cams WHERE active_to IS NOT NULL AND active_to < (%(start)s AT TIME ZONE 'UTC')::date
ORDER BY 2, 1, 3
"""


def coverage(conn: psycopg.Connection, cameras: tuple[str, ...] | None, window: Window
             ) -> dict[str, Any]:
    """Gaps in coverage for the selected cameras (all cameras when None) in a window."""
    params: dict[str, Any] = {"start": window.start, "end": window.end}
    if cameras is None:
        camera_filter = sql.SQL("true")
    else:
        camera_filter = sql.SQL("c.id = ANY(%(cameras)s::text[])")
        params["cameras"] = list(cameras)
    gaps = [dict(r) for r in conn.execute(
        sql.SQL(COVERAGE_SQL).format(camera_filter=camera_filter), params).fetchall()]
    if cameras is None:
        selected = conn.execute("SELECT count(*) AS n FROM camera").fetchone()["n"]
    else:
        selected = len(cameras)
    unknown: list[str] = []
    if cameras is not None:
        known = {r["id"] for r in conn.execute(
            "SELECT id FROM camera WHERE id = ANY(%(c)s::text[])", {"c": list(cameras)})}
        unknown = sorted(set(cameras) - known)
    affected = sorted({g["camera_id"] for g in gaps})
    return {"window": window.as_dict(), "cameras_selected": selected,
            "cameras_with_gaps": len(affected), "complete": not gaps and not unknown,
            "gaps": gaps, "unknown_cameras": unknown}
