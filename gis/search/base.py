"""Shared SQL builders and result shapes for the passage searches (Q1-Q3).

Why one builder: every passage search is "passages where <plate or pattern or camera
condition> and captured_at in the window", answered in three shapes: a count preview,
an aggregate per location (so the map stays usable with 100,000 hits), and one page of
rows. Conditions are composed with ``psycopg.sql`` and bound parameters; the window
bounds are parameters too, which PostgreSQL prunes to the touched day partitions.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from anpr.errors import BadInput
from gis.search.scope import Window

MAX_PAGE = 10_000
DEFAULT_PAGE = 500
#: Seconds an officer needs to verify one plate read against its crop (R7), for previews.
VERIFY_SECONDS_PER_READ = 6.0

ROW_COLUMNS = sql.SQL("""
       p.id, p.camera_id, p.captured_at, p.plate, p.plate_raw, p.country, p.confidence,
       ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat, l.code AS location_code,
       l.name AS location_name, c.inout::text AS inout, c.lane""")


@dataclass
class Where:
    """A conjunction of SQL conditions on ``jj126.passage p`` with their parameters."""

    parts: list[sql.Composable] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def add(self, fragment: str, **params: Any) -> "Where":
        self.parts.append(sql.SQL(fragment))
        self.params.update(params)
        return self

    def window(self, w: Window, prefix: str = "w") -> "Where":
        return self.add(f"p.captured_at >= %({prefix}_start)s AND p.captured_at < %({prefix}_end)s",
                        **{f"{prefix}_start": w.start, f"{prefix}_end": w.end})

    def cameras(self, cameras: tuple[str, ...] | None) -> "Where":
        if cameras is not None:
            self.add("p.camera_id = ANY(%(cameras)s::text[])", cameras=list(cameras))
        return self

    def sql(self) -> sql.Composable:
        return sql.SQL(" AND ").join(self.parts) if self.parts else sql.SQL("true")


def page_args(limit: Any, offset: Any) -> tuple[int, int]:
    """Validated page size and offset: lists are paginated, never sent whole."""
    limit = DEFAULT_PAGE if limit is None else limit
    offset = 0 if offset is None else offset
    for name, value in (("limit", limit), ("offset", offset)):
        if isinstance(value, bool) or not isinstance(value, int):
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise BadInput(f"{name} must be a whole number") from None
        if name == "limit":
            limit = value
        else:
            offset = value
    if not 0 <= limit <= MAX_PAGE:
        raise BadInput(f"limit must be between 0 and {MAX_PAGE}")
    if not 0 <= offset <= 10_000_000:
        raise BadInput("offset must be between 0 and 10,000,000")
    return limit, offset


def preview(conn: psycopg.Connection, where: Where, *, verification: bool) -> dict[str, Any]:
    """How many passages and plates, and the verification work, without fetching rows."""
    q = sql.SQL("SELECT count(*) AS passages, count(DISTINCT p.plate) AS plates, "
                "count(DISTINCT p.camera_id) AS cameras FROM jj126.passage p WHERE {}"
                ).format(where.sql())
    row = conn.execute(q, where.params).fetchone()
    out = {"passages": row["passages"], "plates": row["plates"], "cameras_hit": row["cameras"],
           "verification_required": verification}
    out["verification_minutes"] = (round(row["passages"] * VERIFY_SECONDS_PER_READ / 60, 1)
                                   if verification else 0.0)
    return out


def by_location(conn: psycopg.Connection, where: Where) -> list[dict[str, Any]]:
    """Hits aggregated per camera location: what the map draws, whatever the hit count."""
    q = sql.SQL("""
        SELECT l.code AS location_code, l.name AS location_name,
               ST_X(l.geom) AS lon, ST_Y(l.geom) AS lat, h.passages, h.plates, h.first_at, h.last_at
          FROM (SELECT c.location_id, count(*) AS passages, count(DISTINCT p.plate) AS plates,
                       min(p.captured_at) AS first_at, max(p.captured_at) AS last_at
                  FROM jj126.passage p JOIN camera c ON c.id = p.camera_id
                 WHERE {}
                 GROUP BY c.location_id) h
          JOIN location l ON l.id = h.location_id
         ORDER BY h.passages DESC, l.code""").format(where.sql())
    return [dict(r) for r in conn.execute(q, where.params).fetchall()]


def rows(conn: psycopg.Connection, where: Where, *, limit: int, offset: int,
         order: str = "time") -> list[dict[str, Any]]:
    """One page of passages with their location, in time (or plate, time) order."""
    order_sql = {"time": "p.captured_at, p.id", "plate": "p.plate, p.captured_at, p.id"}[order]
    q = sql.SQL("SELECT {cols} FROM jj126.passage p JOIN camera c ON c.id = p.camera_id "
                "JOIN location l ON l.id = c.location_id WHERE {where} "
                "ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s").format(
        cols=ROW_COLUMNS, where=where.sql(), order=sql.SQL(order_sql))
    return [dict(r) for r in conn.execute(q, {**where.params, "limit": limit,
                                               "offset": offset}).fetchall()]


def result(conn: psycopg.Connection, where: Where, *, search: str, params: dict[str, Any],
           limit: int, offset: int, verification: bool, order: str = "time") -> dict[str, Any]:
    """The common result: totals, per-location aggregate, one page of rows."""
    locations = by_location(conn, where)
    total = sum(loc["passages"] for loc in locations)
    page = rows(conn, where, limit=limit, offset=offset, order=order) if limit else []
    nxt = offset + len(page) if offset + len(page) < total else None
    plates = None
    if total <= 200_000:
        plates = preview(conn, where, verification=verification)["plates"]
    return {"search": search, "params": params, "passages_total": total,
            "plates_total": plates, "verification_required": verification,
            "by_location": locations, "passages": page,
            "page": {"limit": limit, "offset": offset, "next_offset": nxt}}
