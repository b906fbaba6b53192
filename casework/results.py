"""A search's held results, read back without running it again (R1, R5, R6).

When a search runs, the passages it found are kept with the enquiry (``enquiry_result``)
and held for retention. Everything the officer does with them afterwards - a later page,
a sorted or filtered table, the timeline over the window, the map's points per location -
reads those kept rows: the live passage, or the secured copy once its day has expired
(``jj126.case_passage_at``). So the rows shown are exactly the rows held and provided,
and paging or filtering never adds a search to the audit log.

Pages are by offset over a stable order (the sort key, then capture time and passage id),
any size up to ``MAX_PAGE``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

import psycopg
from psycopg import sql

from anpr.accounts import Account
from anpr.errors import BadInput, Conflict
from casework import access
from casework.photo_tables import CASE_PASSAGE_JOIN
from gis.search.base import page_args
from gis.search.scope import parse_time

MAX_PAGE = 1000
#: Verification states a row can be filtered by (R7).
STATES = ("unverified", "confirmed", "rejected", "not_verifiable", "not_required")
SORTS = {"time": sql.SQL("p.captured_at"), "plate": sql.SQL("p.plate"),
         "camera": sql.SQL("p.camera_id"), "location": sql.SQL("l.code")}

ROWS = sql.SQL("""
  FROM enquiry e
  JOIN enquiry_result er ON er.enquiry_id = e.id
  {case_passage}
  JOIN camera c ON c.id = p.camera_id
  JOIN location l ON l.id = c.location_id
  LEFT JOIN verification v ON v.passage_id = p.id AND v.captured_at = p.captured_at
 WHERE e.id = %(enquiry)s AND {filters}""")

STATE_SQL = """CASE WHEN NOT er.verify THEN 'not_required'
                    WHEN v.verdict IS NOT NULL THEN v.verdict::text
                    WHEN NOT er.has_crop THEN 'not_verifiable'
                    ELSE 'unverified' END"""


@dataclass(frozen=True)
class Filters:
    plate: str | None = None        # a plate, or a fragment of one
    camera: str | None = None
    location: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    state: str | None = None

    @classmethod
    def parse(cls, args: Mapping[str, Any]) -> "Filters":
        def text(name: str, limit: int = 40) -> str | None:
            value = args.get(name)
            if value in (None, ""):
                return None
            if not isinstance(value, str) or len(value) > limit:
                raise BadInput(f"{name} must be text of at most {limit} characters")
            return value.strip()

        plate = text("plate")
        if plate is not None:
            plate = "".join(ch for ch in plate.upper() if ch.isalnum())
        state = text("state")
        if state is not None and state not in STATES:
            raise BadInput(f"state must be one of {', '.join(STATES)}")
        start = parse_time(args["from"], "from") if args.get("from") else None
        end = parse_time(args["to"], "to") if args.get("to") else None
        if start and end and end <= start:
            raise BadInput("to must be after from")
        return cls(plate=plate or None, camera=text("camera", 64),
                   location=text("location", 64), start=start, end=end, state=state)

    def sql(self) -> tuple[sql.Composable, dict[str, Any]]:
        parts, params = [sql.SQL("true")], {}
        if self.plate:
            parts.append(sql.SQL("p.plate LIKE %(plate)s"))
            params["plate"] = f"%{self.plate}%"
        if self.camera:
            parts.append(sql.SQL("er.camera_id = %(camera)s"))
            params["camera"] = self.camera
        if self.location:
            parts.append(sql.SQL("l.code = %(location)s"))
            params["location"] = self.location
        if self.start:
            parts.append(sql.SQL("er.captured_at >= %(start)s"))
            params["start"] = self.start
        if self.end:
            parts.append(sql.SQL("er.captured_at < %(end)s"))
            params["end"] = self.end
        if self.state:
            parts.append(sql.SQL(STATE_SQL + " = %(state)s"))
            params["state"] = self.state
        return sql.SQL(" AND ").join(parts), params


def _ran(conn: psycopg.Connection, officer: Account, enquiry_id: int) -> dict[str, Any]:
    access.require_enquiry(conn, officer, enquiry_id, access.Level.ACT)
    enq = conn.execute("SELECT id, kind, run_at, result_count, parameters FROM enquiry "
                       "WHERE id = %s", (enquiry_id,)).fetchone()
    if enq["run_at"] is None:
        raise Conflict("this search has not run yet: it holds no results")
    return enq


def _marker(conn: psycopg.Connection, enq: dict[str, Any]):
    """How a held row of a search including probable misreads matched (issue 18), from
    its read and its alternative candidate reads (secured copies keep them too) against
    the ordered plates: exact, equivalent characters, or an alternative read. None for
    other searches."""
    params = enq.get("parameters") or {}
    if params.get("misreads") is not True or enq["kind"] not in ("plate", "route", "convoy"):
        return None
    from gis.search.misreads import Matcher, learned
    from gis.search.scope import normalise_plate

    raw = params.get("plates") if enq["kind"] == "plate" else [params.get("plate")]
    plates = [normalise_plate(p) for p in raw or []]
    matcher = Matcher.of(plates, learned(conn, plates))

    def mark(row: dict[str, Any]) -> dict[str, Any]:
        return matcher.mark(row["plate"], row["alternatives"], row["alternative_confidences"],
                            camera=row["camera_id"])
    return mark


def _rows(filters: Filters) -> tuple[sql.Composable, dict[str, Any]]:
    where, params = filters.sql()
    return ROWS.format(case_passage=sql.SQL(CASE_PASSAGE_JOIN), filters=where), params


def page(conn: psycopg.Connection, officer: Account, enquiry_id: int, *,
         limit: Any = None, offset: Any = None, sort: str | None = None,
         descending: bool = False, filters: Filters = Filters()) -> dict[str, Any]:
    """One page of a run search's held passages, with the total under the filters."""
    enq = _ran(conn, officer, enquiry_id)
    limit, offset = page_args(100 if limit is None else limit, offset)
    if limit > MAX_PAGE:
        raise BadInput(f"limit must be between 0 and {MAX_PAGE}")
    key = SORTS.get(sort or "time")
    if key is None:
        raise BadInput(f"sort must be one of {', '.join(SORTS)}")
    rows_sql, params = _rows(filters)
    direction = sql.SQL("DESC" if descending else "ASC")
    params.update(enquiry=enquiry_id, limit=limit, offset=offset)
    rows = conn.execute(sql.SQL("""
        SELECT p.id AS passage_id, p.captured_at, p.camera_id, p.plate, p.plate_raw,
               p.country, p.confidence, ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat,
               l.code AS location_code, l.name AS location_name, c.inout::text AS direction,
               c.lane, er.verify AS needs_verification, er.has_crop,
               p.alternatives, p.alternative_confidences,
               {state} AS state, count(*) OVER () AS total
        {rows}
        ORDER BY {key} {direction}, p.captured_at {direction}, p.id {direction}
        LIMIT %(limit)s OFFSET %(offset)s""").format(
        state=sql.SQL(STATE_SQL), rows=rows_sql, key=key, direction=direction),
        params).fetchall()
    if rows:
        total = rows[0]["total"]
    else:
        total = conn.execute(sql.SQL("SELECT count(*) AS n {}").format(rows_sql),
                             params).fetchone()["n"]
    mark = _marker(conn, enq)
    for r in rows:
        r.pop("total")
        if mark is not None:
            r.update(mark(r))
        alts, confs = r.pop("alternatives"), r.pop("alternative_confidences")
        if mark is not None:
            r["alternatives"] = [{"plate": a, "confidence": round(float(c), 4)}
                                 for a, c in zip(alts or (), confs or ())]
    return {"enquiry_id": enquiry_id, "kind": enq["kind"], "held": enq["result_count"],
            "total": total, "passages": rows,
            "page": {"limit": limit, "offset": offset,
                     "next_offset": offset + limit if offset + limit < total else None}}


def histogram(conn: psycopg.Connection, officer: Account, enquiry_id: int, *,
              buckets: Any = 48, filters: Filters = Filters()) -> dict[str, Any]:
    """The held passages over time in equal buckets (the timeline above the table)."""
    _ran(conn, officer, enquiry_id)
    if isinstance(buckets, bool) or not isinstance(buckets, int):
        try:
            buckets = int(buckets)
        except (TypeError, ValueError):
            raise BadInput("buckets must be a whole number") from None
    if not 1 <= buckets <= 500:
        raise BadInput("buckets must be between 1 and 500")
    rows_sql, params = _rows(filters)
    params.update(enquiry=enquiry_id, buckets=buckets)
    span = conn.execute(sql.SQL("SELECT min(er.captured_at) AS lo, max(er.captured_at) AS hi, "
                                "count(*) AS n {}").format(rows_sql), params).fetchone()
    if not span["n"]:
        return {"enquiry_id": enquiry_id, "total": 0, "buckets": []}
    lo, hi = span["lo"], span["hi"]
    width = max((hi - lo).total_seconds(), 1.0) / buckets
    params.update(lo=lo, width=width)
    counts = {r["b"]: r["n"] for r in conn.execute(sql.SQL(
        "SELECT least(floor(extract(epoch FROM er.captured_at - %(lo)s) / %(width)s)::int, "
        "%(buckets)s - 1) AS b, count(*) AS n {} GROUP BY 1").format(rows_sql), params)}
    from datetime import timedelta

    out = [{"start": lo + timedelta(seconds=i * width),
            "end": lo + timedelta(seconds=(i + 1) * width), "passages": counts.get(i, 0)}
           for i in range(buckets)]
    return {"enquiry_id": enquiry_id, "total": span["n"], "buckets": out}


def locations(conn: psycopg.Connection, officer: Account, enquiry_id: int, *,
              filters: Filters = Filters()) -> dict[str, Any]:
    """Held passages per camera location (the map's points, sized by count), as GeoJSON."""
    _ran(conn, officer, enquiry_id)
    rows_sql, params = _rows(filters)
    params.update(enquiry=enquiry_id)
    rows = conn.execute(sql.SQL("""
        SELECT l.code, l.name, ST_X(l.geom) AS lon, ST_Y(l.geom) AS lat, count(*) AS passages,
               count(DISTINCT p.plate) AS plates, min(p.captured_at) AS first,
               max(p.captured_at) AS last {} GROUP BY l.code, l.name, l.geom
        ORDER BY passages DESC, l.code""").format(rows_sql), params).fetchall()
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": r["code"],
         "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
         "properties": {k: r[k] for k in ("code", "name", "passages", "plates", "first",
                                          "last")}} for r in rows]}


def route_geojson(conn: psycopg.Connection, officer: Account, enquiry_id: int) -> dict[str, Any]:
    """A run route search's route through its held, not rejected passages, as GeoJSON
    (the legs coloured by flag on the request's map); the package's is the same."""
    from casework.provision import held_route
    from gis.export import route_geojson as as_geojson

    enq = _ran(conn, officer, enquiry_id)
    if enq["kind"] != "route":
        raise BadInput("only a route search (Q6) has a route")
    return as_geojson(held_route(conn, enq))


def plates(conn: psycopg.Connection, officer: Account, enquiry_id: int, *,
           limit: Any = None, filters: Filters = Filters()) -> dict[str, Any]:
    """The held results per plate, ranked by how often each was seen (convoy partners,
    common plates): passages, locations, first and last passage."""
    enq = _ran(conn, officer, enquiry_id)
    limit, _ = page_args(100 if limit is None else limit, 0)
    if limit > MAX_PAGE:
        raise BadInput(f"limit must be between 0 and {MAX_PAGE}")
    rows_sql, params = _rows(filters)
    params.update(enquiry=enquiry_id, limit=limit)
    rows = conn.execute(sql.SQL("""
        SELECT p.plate, count(*) AS passages, count(DISTINCT l.code) AS locations,
               array_agg(DISTINCT l.code ORDER BY l.code) AS location_codes,
               bool_or(er.verify) AS target, min(p.captured_at) AS first,
               max(p.captured_at) AS last, count(*) OVER () AS total {}
         GROUP BY p.plate ORDER BY bool_or(er.verify) DESC, count(DISTINCT l.code) DESC,
               count(*) DESC, p.plate LIMIT %(limit)s""").format(rows_sql), params).fetchall()
    total = rows[0]["total"] if rows else 0
    for r in rows:
        r.pop("total")
    return {"enquiry_id": enquiry_id, "kind": enq["kind"], "total": total, "plates": rows}
