"""Camera coverage of a search: which selected cameras could not have seen anything.

Why every result carries this: "no passage found" must never be read as "the vehicle
was not there" when a camera was defect, under roadworks, not yet active or not in the
camera plan during the window (the report, chapter 6). The registry holds the current
status, dated status periods and the active period; the published camera plans and
their amendments say when a camera was allowed to store passages (R9, the same rule
intake applies through ``camera_registry.membership``). All of them count.
"""
from __future__ import annotations

import threading
import time
from datetime import date, datetime, timezone
from typing import Any, Iterable

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

from gis.geometry import SAME_PLACE_M
from gis.search.scope import Window

CAMERAS_SQL = """
SELECT c.id, c.status::text AS status, c.active_from, c.active_to, l.code
  FROM camera c JOIN location l ON l.id = c.location_id
"""
#: What changes the cached camera table: a counter that a statement trigger on camera and
#: location bumps on every change (migrations 0014, 0016), inside the transaction too; from a
#: sequence, so a rolled-back change never leaves its value to the next one.
STAMP_SQL = "(SELECT version::text FROM registry_stamp)"
#: What changes plan membership: a plan's publication (published plans never change
#: again) and a new amendment (append-only, numbered from an identity sequence).
PLAN_STAMP_SQL = """(SELECT count(*) || '/' || coalesce(max(published_at)::text, '') || '/'
                            || coalesce((SELECT max(id) FROM plan_amendment)::text, '')
                       FROM camera_plan WHERE state = 'published')"""
PERIODS_SQL = f"""
SELECT 0 AS kind, {STAMP_SQL} AS stamp, {PLAN_STAMP_SQL} AS plan_stamp, NULL::text AS camera_id,
       NULL::text AS status, NULL::timestamptz AS gap_start, NULL::timestamptz AS gap_end,
       NULL::text AS note
UNION ALL
SELECT 1, NULL, NULL, s.camera_id, s.status::text, greatest(lower(s.during), %(start)s),
       least(upper(s.during), %(end)s), s.note
  FROM camera_status_period s
 WHERE s.during && tstzrange(%(start)s, %(end)s, '[)') AND {{camera_filter}}
"""
#: When each camera was in a published plan, as ``camera_registry.membership`` decides it
#: per moment: a plan's cameras from its publication (at the earliest from 1 January of
#: its year, Europe/Amsterdam) to the end of the year; an amendment's mobile camera from
#: its first day (not before it was recorded) through its last, within the plan's year.
#: A camera no longer where the plan put it (at another location, or its location moved
#: further than ``SAME_PLACE_M`` from where the plan recorded it) is the plan's only until
#: the registry recorded that move (``moved_at``).
PLAN_PERIODS_SQL = """
SELECT pc.camera_id,
       greatest(p.published_at, make_date(p.year, 1, 1)::timestamp AT TIME ZONE 'Europe/Amsterdam'),
       CASE WHEN l.code = pc.location_code
                 AND ST_DWithin(l.geom::geography, pl.geom::geography, %(moved)s)
            THEN make_date(p.year + 1, 1, 1)::timestamp AT TIME ZONE 'Europe/Amsterdam'
            ELSE least(make_date(p.year + 1, 1, 1)::timestamp AT TIME ZONE 'Europe/Amsterdam',
                       greatest(l.moved_at, c.moved_at)) END
  FROM camera_plan p JOIN plan_camera pc ON pc.plan_id = p.id
  JOIN plan_location pl ON pl.plan_id = p.id AND pl.location_code = pc.location_code
  JOIN camera c ON c.id = pc.camera_id JOIN location l ON l.id = c.location_id
 WHERE p.state = 'published'
UNION ALL
SELECT a.camera_id,
       greatest(a.recorded_at, a.effective_from::timestamp AT TIME ZONE 'Europe/Amsterdam',
                make_date(p.year, 1, 1)::timestamp AT TIME ZONE 'Europe/Amsterdam'),
       least(coalesce(a.effective_to + 1, make_date(p.year + 1, 1, 1))::timestamp
                 AT TIME ZONE 'Europe/Amsterdam',
             make_date(p.year + 1, 1, 1)::timestamp AT TIME ZONE 'Europe/Amsterdam',
             CASE WHEN l.code = a.location_code
                       AND ST_DWithin(l.geom::geography, a.geom::geography, %(moved)s)
                  THEN NULL ELSE greatest(l.moved_at, c.moved_at) END)
  FROM camera_plan p JOIN plan_amendment a ON a.plan_id = p.id
  JOIN camera c ON c.id = a.camera_id JOIN location l ON l.id = c.location_id
 WHERE p.state = 'published'
"""
NOT_IN_PLAN = "not in the published camera plan: stores no 126jj passages"
CACHE_TTL_S = 300.0
_cache: dict[tuple, tuple[str, float, Any]] = {}
#: The registry's gaps of all cameras per (database, stamp, first day, last day): a search
#: without a camera selection would otherwise test every camera of the country each time.
_all_gaps: dict[tuple, list[dict[str, Any]]] = {}
#: All cameras grouped by their plan periods, per (database, stamp, plan stamp).
_all_groups: dict[tuple, dict[Any, list[dict[str, Any]]]] = {}
_lock = threading.Lock()

Periods = tuple[tuple[datetime, datetime], ...]


def _cached(conn: psycopg.Connection, what: str, stamp: str, load: Any) -> Any:
    """``load(conn)``, cached per process, database and ``what`` while ``stamp`` holds.

    Why a stamp and not only a time-to-live: a camera reported defect a second ago must
    show in the next search's coverage (the same transaction included), so the cache is
    checked against the stamp read in the same statement as the status periods; the TTL
    only bounds memory of databases no longer asked.
    """
    info = conn.info
    key = (info.host, info.port, info.dbname, what)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
    if hit is not None and hit[0] == stamp and now - hit[1] < CACHE_TTL_S:
        return hit[2]
    value = load(conn)
    with _lock:
        for k in [k for k, v in _cache.items() if now - v[1] >= CACHE_TTL_S]:
            del _cache[k]
        _cache[key] = (stamp, now, value)
    return value


def _load_cameras(conn: psycopg.Connection) -> dict[str, dict[str, Any]]:
    return {r[0]: {"id": r[0], "status": r[1], "active_from": r[2], "active_to": r[3],
                   "code": r[4]}
            for r in conn.cursor(row_factory=tuple_row).execute(CAMERAS_SQL).fetchall()}


def _load_plan(conn: psycopg.Connection) -> dict[str, Periods]:
    """Per camera its periods in a published plan, merged and in time order."""
    raw: dict[str, list[tuple[datetime, datetime]]] = {}
    for cam, start, end in conn.cursor(row_factory=tuple_row).execute(
            PLAN_PERIODS_SQL, {"moved": SAME_PLACE_M}):
        if start < end:
            raw.setdefault(cam, []).append((start, end))
    out: dict[str, Periods] = {}
    for cam, periods in raw.items():
        merged: list[tuple[datetime, datetime]] = []
        for start, end in sorted(periods):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        out[cam] = tuple(merged)
    return out


def _outside(periods: Periods, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The parts of ``[start, end)`` that no period covers."""
    out, at = [], start
    for p_start, p_end in periods:
        if p_end <= at:
            continue
        if p_start >= end:
            break
        if p_start > at:
            out.append((at, p_start))
        at = max(at, p_end)
        if at >= end:
            return out
    if at < end:
        out.append((at, end))
    return out


def _gap(cam: dict[str, Any], reason: str, note: str, start: Any = None, end: Any = None
         ) -> dict[str, Any]:
    return {"camera_id": cam["id"], "location_code": cam["code"], "reason": reason,
            "gap_start": start, "gap_end": end, "note": note}


def _registry_gaps(chosen: Iterable[dict[str, Any]], start_day: date, end_day: date
                   ) -> list[dict[str, Any]]:
    """Gaps the camera table itself tells: current status and active period."""
    gaps: list[dict[str, Any]] = []
    for cam in chosen:
        if cam["status"] != "active":
            gaps.append(_gap(cam, "status_" + cam["status"],
                             "current registry status is " + cam["status"]))
        if cam["active_from"] is not None and cam["active_from"] > end_day:
            gaps.append(_gap(cam, "not_yet_active", f"active only from {cam['active_from']}"))
        if cam["active_to"] is not None and cam["active_to"] < start_day:
            gaps.append(_gap(cam, "retired", f"active only until {cam['active_to']}"))
    return gaps


def _by_periods(chosen: Iterable[dict[str, Any]], plan: dict[str, Periods]
                ) -> dict[Periods, list[dict[str, Any]]]:
    """The chosen cameras grouped by their plan periods: most share a year's plan."""
    groups: dict[Periods, list[dict[str, Any]]] = {}
    for cam in chosen:
        groups.setdefault(plan.get(cam["id"], ()), []).append(cam)
    return groups


def _plan_gaps(groups: dict[Periods, list[dict[str, Any]]], window: Window
               ) -> list[dict[str, Any]]:
    """Where the cameras were outside every published plan during the window: the window
    is compared with each distinct set of periods once, not with every camera's."""
    gaps: list[dict[str, Any]] = []
    for periods, cams in groups.items():
        for start, end in _outside(periods, window.start, window.end):
            gaps.extend(_gap(cam, "not_in_plan", NOT_IN_PLAN, start, end) for cam in cams)
    return gaps


def coverage(conn: psycopg.Connection, cameras: tuple[str, ...] | None, window: Window
             ) -> dict[str, Any]:
    """Gaps in coverage for the selected cameras (all cameras when None) in a window.

    One round trip: the status periods overlapping the window and the stamps of the
    registry and of the plans; the current status, the active period and the plan
    periods come from per-process caches checked against those stamps.
    """
    params: dict[str, Any] = {"start": window.start, "end": window.end}
    if cameras is None:
        camera_filter = sql.SQL("true")
    else:
        camera_filter = sql.SQL("s.camera_id = ANY(%(cameras)s::text[])")
        params["cameras"] = list(cameras)
    rows = conn.cursor(row_factory=tuple_row).execute(
        sql.SQL(PERIODS_SQL).format(camera_filter=camera_filter), params).fetchall()
    stamp, plan_stamp = next((r[1], r[2]) for r in rows if r[0] == 0)
    table = _cached(conn, "cameras", stamp, _load_cameras)
    # the plan periods end where a camera left the plan's place: the registry's stamp too
    plan_stamp = f"{plan_stamp}/{stamp}"
    plan = _cached(conn, "plan", plan_stamp, _load_plan)
    start_day = window.start.astimezone(timezone.utc).date()
    end_day = window.end.astimezone(timezone.utc).date()
    if cameras is None:  # every camera: the same registry gaps for every search of these days
        db = (conn.info.host, conn.info.port, conn.info.dbname)
        key, groups_key = (*db, stamp, start_day, end_day), (*db, stamp, plan_stamp)
        with _lock:
            static, groups = _all_gaps.get(key), _all_groups.get(groups_key)
        if static is None or groups is None:
            static = _registry_gaps(table.values(), start_day, end_day)
            groups = _by_periods(table.values(), plan)
            with _lock:
                for memo in (_all_gaps, _all_groups):
                    if len(memo) >= 64:
                        memo.clear()
                _all_gaps[key], _all_groups[groups_key] = static, groups
        gaps = [dict(g) for g in static] + _plan_gaps(groups, window)
    else:
        chosen = [table[c] for c in dict.fromkeys(cameras) if c in table]
        gaps = (_registry_gaps(chosen, start_day, end_day)
                + _plan_gaps(_by_periods(chosen, plan), window))
    for r in rows:
        if r[0] == 1 and r[3] in table:
            gaps.append(_gap(table[r[3]], "period_" + r[4], r[7], r[5], r[6]))
    gaps.sort(key=lambda g: (g["location_code"], g["camera_id"], g["reason"]))
    selected = len(table) if cameras is None else len(cameras)
    unknown = [] if cameras is None else sorted(set(cameras) - set(table))
    affected = sorted({g["camera_id"] for g in gaps})
    return {"window": window.as_dict(), "cameras_selected": selected,
            "cameras_with_gaps": len(affected), "complete": not gaps and not unknown,
            "gaps": gaps, "unknown_cameras": unknown}
