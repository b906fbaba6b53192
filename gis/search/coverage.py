"""Camera coverage of a search: which selected cameras could not have seen anything.

Why every result carries this: "no passage found" must never be read as "the vehicle
was not there" when a camera was defect, under roadworks, not yet active or not in the
camera plan during the window (the report, chapter 6). The registry holds the current
status, dated status periods, the active period and plan membership; all four count.
"""
from __future__ import annotations

import threading
import time
from datetime import date, timezone
from typing import Any, Iterable

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

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


CAMERAS_SQL = """
SELECT c.id, c.status::text AS status, c.in_plan, c.active_from, c.active_to, l.code
  FROM camera c JOIN location l ON l.id = c.location_id
"""
#: What changes the cached camera table: a counter that a statement trigger on camera and
#: location bumps on every change (migrations 0014, 0016), inside the transaction too; from a
#: sequence, so a rolled-back change never leaves its value to the next one.
STAMP_SQL = "(SELECT version::text FROM registry_stamp)"
PERIODS_SQL = f"""
SELECT 0 AS kind, {STAMP_SQL} AS stamp, NULL::text AS camera_id, NULL::text AS status,
       NULL::timestamptz AS gap_start, NULL::timestamptz AS gap_end, NULL::text AS note
UNION ALL
SELECT 1, NULL, s.camera_id, s.status::text, greatest(lower(s.during), %(start)s),
       least(upper(s.during), %(end)s), s.note
  FROM camera_status_period s
 WHERE s.during && tstzrange(%(start)s, %(end)s, '[)') AND {{camera_filter}}
"""
CACHE_TTL_S = 300.0
_cache: dict[tuple, tuple[str, float, dict[str, dict[str, Any]]]] = {}
#: The registry's gaps of all cameras per (database, stamp, first day, last day): a search
#: without a camera selection would otherwise test every camera of the country each time.
_all_gaps: dict[tuple, list[dict[str, Any]]] = {}
_lock = threading.Lock()


def _cameras(conn: psycopg.Connection, stamp: str) -> dict[str, dict[str, Any]]:
    """The camera table as coverage needs it, cached per process and database.

    Why a stamp and not only a time-to-live: a camera reported defect a second ago
    must show in the next search's coverage (the same transaction included), so the
    cache is checked against the stamp read in the same statement as the status
    periods; the TTL only bounds memory of databases no longer asked.
    """
    info = conn.info
    key = (info.host, info.port, info.dbname)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
    if hit is not None and hit[0] == stamp and now - hit[1] < CACHE_TTL_S:
        return hit[2]
    cams = {r[0]: {"id": r[0], "status": r[1], "in_plan": r[2], "active_from": r[3],
                   "active_to": r[4], "code": r[5]}
            for r in conn.cursor(row_factory=tuple_row).execute(CAMERAS_SQL).fetchall()}
    with _lock:
        for k in [k for k, v in _cache.items() if now - v[1] >= CACHE_TTL_S]:
            del _cache[k]
        _cache[key] = (stamp, now, cams)
    return cams


def _gap(cam: dict[str, Any], reason: str, note: str, start: Any = None, end: Any = None
         ) -> dict[str, Any]:
    return {"camera_id": cam["id"], "location_code": cam["code"], "reason": reason,
            "gap_start": start, "gap_end": end, "note": note}


def _registry_gaps(chosen: Iterable[dict[str, Any]], start_day: date, end_day: date
                   ) -> list[dict[str, Any]]:
    """Gaps the camera table itself tells: current status, plan membership, active period."""
    gaps: list[dict[str, Any]] = []
    for cam in chosen:
        if cam["status"] != "active":
            gaps.append(_gap(cam, "status_" + cam["status"],
                             "current registry status is " + cam["status"]))
        if not cam["in_plan"]:
            gaps.append(_gap(cam, "not_in_plan", "not in the camera plan: stores no 126jj passages"))
        if cam["active_from"] is not None and cam["active_from"] > end_day:
            gaps.append(_gap(cam, "not_yet_active", f"active only from {cam['active_from']}"))
        if cam["active_to"] is not None and cam["active_to"] < start_day:
            gaps.append(_gap(cam, "retired", f"active only until {cam['active_to']}"))
    return gaps


def coverage(conn: psycopg.Connection, cameras: tuple[str, ...] | None, window: Window
             ) -> dict[str, Any]:
    """Gaps in coverage for the selected cameras (all cameras when None) in a window.

    One round trip: the status periods overlapping the window and the registry's stamp;
    the current status, plan membership and active period come from the cached camera
    table (the same rules as ``COVERAGE_SQL``, which stays as their reference).
    """
    params: dict[str, Any] = {"start": window.start, "end": window.end}
    if cameras is None:
        camera_filter = sql.SQL("true")
    else:
        camera_filter = sql.SQL("s.camera_id = ANY(%(cameras)s::text[])")
        params["cameras"] = list(cameras)
    rows = conn.cursor(row_factory=tuple_row).execute(
        sql.SQL(PERIODS_SQL).format(camera_filter=camera_filter), params).fetchall()
    stamp = next(r[1] for r in rows if r[0] == 0)
    table = _cameras(conn, stamp)
    start_day = window.start.astimezone(timezone.utc).date()
    end_day = window.end.astimezone(timezone.utc).date()
    if cameras is None:  # every camera: the same gaps for every search of these days
        key = (conn.info.host, conn.info.port, conn.info.dbname, stamp, start_day, end_day)
        with _lock:
            static = _all_gaps.get(key)
        if static is None:
            static = _registry_gaps(table.values(), start_day, end_day)
            with _lock:
                if len(_all_gaps) >= 64:
                    _all_gaps.clear()
                _all_gaps[key] = static
        gaps = [dict(g) for g in static]
    else:
        gaps = _registry_gaps((table[c] for c in dict.fromkeys(cameras) if c in table),
                              start_day, end_day)
    for r in rows:
        if r[0] == 1 and r[2] in table:
            gaps.append(_gap(table[r[2]], "period_" + r[3], r[6], r[4], r[5]))
    gaps.sort(key=lambda g: (g["location_code"], g["camera_id"], g["reason"]))
    selected = len(table) if cameras is None else len(cameras)
    unknown = [] if cameras is None else sorted(set(cameras) - set(table))
    affected = sorted({g["camera_id"] for g in gaps})
    return {"window": window.as_dict(), "cameras_selected": selected,
            "cameras_with_gaps": len(affected), "complete": not gaps and not unknown,
            "gaps": gaps, "unknown_cameras": unknown}
