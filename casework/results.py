"""A search's held results, read back without running it again (R1, R5, R6).

When a search runs, the passages it found are kept with the enquiry (``enquiry_result``)
and held for retention. Everything the officer does with them afterwards - a later page,
a sorted or filtered table, the timeline over the window, the map's points per location -
reads those kept rows: the live passage, or the secured copy once its day has expired
(``jj126.case_passage_at``). So the rows shown are exactly the rows held and provided,
and paging or filtering never adds a search to the audit log.

Pages are by offset over a stable order (the sort key, then capture time and passage id),
any size up to the configured maximum (``ANPR_RESULTS_MAX_PAGE``).

``view`` gives the held results in the search's own shape (a page of passages with the
points per location, a convoy's ranked partners, the common plates, a route and its
legs): the answer of a run, and of every later call of the search endpoints, built from
the held rows alone.
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
from casework.verification import AS_FOUND_SQL
from gis.search import params as sp
from gis.search.base import page_args
from gis.search.scope import parse_time

#: Verification states a row can be filtered by (R7).
STATES = ("unverified", "confirmed", "rejected", "not_verifiable", "not_required")
SORTS = {"time": sql.SQL("p.captured_at"), "plate": sql.SQL("p.plate"),
         "camera": sql.SQL("p.camera_id"), "location": sql.SQL("l.code")}

#: How a held row's verdict ranks among the questions one search asks of a passage (a
#: read like two ordered plates, migration 0029): a question confirmed, then one open,
#: then one rejected. ``{v}`` names the verdict's row.
_QUESTION_RANK = ("CASE {v}.verdict WHEN 'confirmed' THEN 0 WHEN 'rejected' THEN 2 "
                  "ELSE 1 END")

#: Whether a search may ask a passage several questions (``casework.enquiries``: a plate
#: search of more than one plate including probable misreads); only then are its rows
#: looked at for another question (a 30,000-passage search's page: 90 ms, 260 with the
#: look for every row).
_SEVERAL_QUESTIONS = ("(e.kind = 'plate' AND e.parameters->>'misreads' = 'true' AND CASE "
                      "WHEN jsonb_typeof(e.parameters->'plates') = 'array' THEN "
                      "jsonb_array_length(e.parameters->'plates') > 1 ELSE false END)")

#: A search's held passages, each once: where the search asks a passage several
#: questions, the row of the question it stands by (``_QUESTION_RANK``, then the first
#: plate), found by the result's key without a sort of the whole search.
ROWS = sql.SQL("""
  FROM enquiry e
  JOIN enquiry_result er ON er.enquiry_id = e.id
  {case_passage}
  JOIN camera c ON c.id = p.camera_id
  JOIN location l ON l.id = c.location_id
  LEFT JOIN verification v ON v.passage_id = p.id AND v.captured_at = p.captured_at
                          AND v.ordered_plate = er.ordered_plate
 WHERE e.id = %(enquiry)s AND {filters}
   AND (NOT """ + _SEVERAL_QUESTIONS + """ OR NOT EXISTS (
       SELECT 1 FROM enquiry_result o
         LEFT JOIN verification ov ON ov.passage_id = o.passage_id
                                  AND ov.captured_at = o.captured_at
                                  AND ov.ordered_plate = o.ordered_plate
        WHERE o.enquiry_id = er.enquiry_id AND o.passage_id = er.passage_id
          AND o.captured_at = er.captured_at AND o.ordered_plate <> er.ordered_plate
          AND (""" + _QUESTION_RANK.format(v="ov") + ", o.ordered_plate) < ("
               + _QUESTION_RANK.format(v="v") + """, er.ordered_plate)))""")

STATE_SQL = f"""CASE WHEN {AS_FOUND_SQL.format(er="er", v="v")} THEN 'not_required'
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


def max_page() -> int:
    """The largest page of held results (ANPR_RESULTS_MAX_PAGE)."""
    return sp.held_limits().max_page


def _limit(limit: Any, offset: Any, default: int) -> tuple[int, int]:
    limit, offset = page_args(default if limit is None else limit, offset)
    most = max_page()
    if limit > most:
        raise BadInput(f"limit must be between 0 and {most}")
    return limit, offset


def _ran(conn: psycopg.Connection, officer: Account, enquiry_id: int) -> dict[str, Any]:
    access.require_enquiry(conn, officer, enquiry_id, access.Level.ACT)
    enq = conn.execute("SELECT e.id, e.kind, e.run_at, e.result_count, e.parameters, "
                       "e.run_info, r.reference, r.status::text AS request_status "
                       "FROM enquiry e JOIN request r ON r.id = e.request_id "
                       "WHERE e.id = %s", (enquiry_id,)).fetchone()
    if enq["request_status"] == "rejected":
        # A rejected request provides nothing and its holds were released (R1): what its
        # searches found is no longer shown, not even to its handling officer.
        raise Conflict(f"request {enq['reference']} is rejected: the results of its searches "
                       "are no longer shown")
    if enq["run_at"] is None:
        raise Conflict("this search has not run yet: it holds no results")
    return enq


def _matcher(conn: psycopg.Connection, enq: dict[str, Any]):
    """The matcher of a search including probable misreads (issue 18) of ordered plates
    (Q1, Q4, Q6), as its run built it; None for other searches."""
    params = enq.get("parameters") or {}
    if params.get("misreads") is not True or enq["kind"] not in ("plate", "route", "convoy"):
        return None
    from gis.search.misreads import Matcher, learned
    from gis.search.scope import normalise_plate

    raw = params.get("plates") if enq["kind"] == "plate" else [params.get("plate")]
    if isinstance(raw, str):
        raw = [raw]
    plates = list(dict.fromkeys(normalise_plate(p) for p in raw or []))
    return Matcher.of(plates, learned(conn, plates))


def _marker(conn: psycopg.Connection, enq: dict[str, Any]):
    """How a held row of a search including probable misreads matched (issue 18), from
    its read and its alternative candidate reads (secured copies keep them too) against
    the ordered plates: exact, equivalent characters, or an alternative read. None for
    other searches."""
    matcher = _matcher(conn, enq)
    if matcher is None:
        return None

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
    limit, offset = _limit(limit, offset, 100)
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
    """The held passages over time in equal buckets (the timeline above the table), from
    ``from`` to ``to`` when the filters give them, else from the first to the last row."""
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
    # With from/to (the workspace sends the search's window) the buckets span that period,
    # quiet hours included, so the timeline reads as the window; else first to last row.
    lo, hi = filters.start or span["lo"], filters.end or span["hi"]
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
    limit, _ = _limit(limit, 0, 100)
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


# -- the held results in the search's own shape (the run's answer, the search endpoints) ----

def page_of(kind: str, limit: Any, offset: Any) -> tuple[int, int]:
    """A page of a search's own answer: rows for Q1-Q3, partners or plates for Q4/Q5;
    the search's page size by default, at most the configured maximum."""
    return _limit(limit, offset, sp.PAGE.get(kind, sp.PAGE["plate"]))


def cut(out: dict[str, Any], limit: int, offset: int) -> dict[str, Any]:
    """A page of a convoy's partners or of the common plates from the whole ranked list
    (a route has no pages)."""
    key = "partners" if "partners" in out else "plates" if "plates_total" in out else None
    if key is None:
        return out
    ranked, total = out[key], out[f"{key}_total"]
    start = out["page"]["offset"]  # the list given starts here
    return {**out, key: ranked[offset - start:offset - start + limit] if offset >= start else [],
            "page": {"limit": limit, "offset": offset,
                     "next_offset": offset + limit if offset + limit < total else None}}


def held_view(conn: psycopg.Connection, officer: Account, enquiry_id: int, *,
              limit: Any = None, offset: Any = None) -> dict[str, Any]:
    """A run search's held results as its run answered them (``view``), a page at a time."""
    enq = _ran(conn, officer, enquiry_id)
    return view(conn, enq, *page_of(enq["kind"], limit, offset))


def view(conn: psycopg.Connection, enq: dict[str, Any], limit: int, offset: int
         ) -> dict[str, Any]:
    """The held results of a run search (``enq``: its enquiry row, run) in the search's
    own shape, read from the held rows only, never the live store: Q1-Q3 a page of
    passages in the search's order with the totals and the points per location, Q4 the
    ranked partners (a page) with the target's passages, Q5 the common plates (a page),
    Q6 the route through every held passage."""
    kind = enq["kind"]
    if kind in ("plate", "partial", "block"):
        return _passages(conn, enq, limit, offset)
    if kind == "convoy":
        return _convoy(conn, enq, limit, offset)
    if kind == "common":
        return _common(conn, enq, limit, offset)
    return _route(conn, enq)


def _window_of(params: dict[str, Any]):
    from gis.search.scope import parse_window

    return parse_window(params["window"]["start"], params["window"]["end"])


#: The search's own order of its rows: a plate history by time (exact reads of the ordered
#: plates first when it includes probable misreads), a pattern by plate, a block by time.
_SEARCH_ORDER = {
    "plate": "(p.plate <> ALL(%(ordered)s::text[])), p.captured_at, p.camera_id, p.plate, p.id",
    "partial": "p.plate, p.captured_at, p.camera_id, p.id",
    "block": "p.captured_at, p.camera_id, p.plate, p.id"}


def _passages(conn: psycopg.Connection, enq: dict[str, Any], limit: int, offset: int
              ) -> dict[str, Any]:
    from gis.search.coverage import coverage
    from gis.search.scope import normalise_pattern, normalise_plates

    kind, params, info = enq["kind"], enq["parameters"], enq.get("run_info") or {}
    window = _window_of(params)
    cameras = tuple(info["cameras"]) if info.get("cameras") else None
    rows_sql, args = _rows(Filters())
    args.update(enquiry=enq["id"], limit=limit, offset=offset)
    echo: dict[str, Any] = {"window": window.as_dict(), "cameras": list(cameras or ()) or None}
    if kind == "plate":
        plates = normalise_plates(params.get("plates", params.get("plate")))
        echo = {"plates": list(plates), **echo}
        args["ordered"] = list(plates)
    elif kind == "partial":
        echo = {"pattern": normalise_pattern(params.get("pattern")), **echo}
    # One pass over the held rows (each read by its key, live or secured): the totals and
    # points per location (grouping sets) and the page in the search's order.
    fetched = conn.execute(sql.SQL("""
        WITH held AS MATERIALIZED (
            SELECT p.id, p.camera_id, p.captured_at, p.plate, p.plate_raw, p.country,
                   p.confidence, p.geom, p.alternatives, p.alternative_confidences,
                   l.code AS location_code, l.name AS location_name, l.geom AS location_geom,
                   c.inout::text AS inout, c.lane {rows}),
        totals AS (
            SELECT location_code, location_name, ST_X(location_geom) AS lon,
                   ST_Y(location_geom) AS lat, count(*) AS passages,
                   count(DISTINCT plate) AS plates, min(captured_at) AS first_at,
                   max(captured_at) AS last_at, grouping(location_code) AS grand
              FROM held GROUP BY GROUPING SETS ((location_code, location_name, location_geom),
                                                ())),
        page AS (SELECT * FROM held p ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s)
        SELECT 0 AS part, row_number() OVER (ORDER BY grand, passages DESC, location_code)
                   AS n, location_code, location_name, lon, lat, passages, plates, first_at,
               last_at, grand, NULL::bigint AS id, NULL AS camera_id,
               NULL::timestamptz AS captured_at, NULL AS plate, NULL AS plate_raw,
               NULL AS country, NULL AS confidence, NULL AS inout, NULL::int AS lane,
               NULL::text[] AS alternatives, NULL::real[] AS alternative_confidences
          FROM totals
        UNION ALL
        SELECT 1, row_number() OVER (ORDER BY {order}), location_code, location_name,
               ST_X(geom), ST_Y(geom), NULL, NULL, NULL, NULL, NULL, id, camera_id,
               captured_at, plate, plate_raw, country, confidence::text, inout, lane,
               alternatives, alternative_confidences
          FROM page p
         ORDER BY part, n""").format(rows=rows_sql, order=sql.SQL(_SEARCH_ORDER[kind])),
        args).fetchall()
    grand = next((r for r in fetched if r["part"] == 0 and r["grand"]),
                 {"passages": 0, "plates": 0})
    by_location = [{k: r[k] for k in ("location_code", "location_name", "lon", "lat",
                                      "passages", "plates", "first_at", "last_at")}
                   for r in fetched if r["part"] == 0 and not r["grand"]]
    rows = [{k: r[k] for k in ("id", "camera_id", "captured_at", "plate", "plate_raw",
                               "country", "confidence", "lon", "lat", "location_code",
                               "location_name", "inout", "lane", "alternatives",
                               "alternative_confidences")}
            for r in fetched if r["part"] == 1]
    matcher = _matcher(conn, enq)
    for r in rows:
        r["confidence"] = None if r["confidence"] is None else float(r["confidence"])
        alts, confs = r.pop("alternatives"), r.pop("alternative_confidences")
        if matcher is not None:
            r.update(matcher.mark(r["plate"], alts, confs, camera=r["camera_id"]))
            r["alternatives"] = [{"plate": a, "confidence": round(float(c), 4)}
                                 for a, c in zip(alts or (), confs or ())]
    total = grand["passages"]
    out = {"search": kind, "params": echo, "enquiry_id": enq["id"], "passages_total": total,
           "plates_total": grand["plates"], "verification_required": kind != "block",
           "by_location": by_location, "passages": rows,
           "page": {"limit": limit, "offset": offset,
                    "next_offset": offset + limit if offset + limit < total else None},
           "coverage": coverage(conn, cameras, window)}
    if matcher is not None:
        echo["misreads"] = True
        out["misread_plates"] = len(matcher.variants)
    if kind == "partial":
        from gis.search.partial import pattern_where

        out["access_path"] = pattern_where(echo["pattern"], window, cameras)[1]
    return out


#: A convoy's held rows as ``gis.search.convoy.BAND_SQL`` gives them: each held target
#: passage (held to be verified) with every held partner passage in its band (the same
#: location and carriageway, within +/- the search's minutes).
HELD_BANDS = sql.SQL("""
WITH held AS MATERIALIZED (
    SELECT er.verify, p.id, p.captured_at, p.camera_id, p.plate, p.alternatives,
           p.alternative_confidences, c.location_id, c.segment_direction, l.code
      {rows})
SELECT t.id AS target_id, t.captured_at AS target_at, t.location_id,
       t.camera_id AS target_camera, t.code AS location_code, o.plate, o.captured_at AS at,
       o.camera_id, t.plate AS target_plate, t.alternatives, t.alternative_confidences,
       o.id AS partner_id
  FROM held t
  LEFT JOIN held o ON NOT o.verify AND o.location_id = t.location_id
                  AND o.segment_direction = t.segment_direction
                  AND o.captured_at >= t.captured_at - %(band)s
                  AND o.captured_at <= t.captured_at + %(band)s
 WHERE t.verify
 ORDER BY t.captured_at, o.captured_at""")


def _convoy(conn: psycopg.Connection, enq: dict[str, Any], limit: int, offset: int
            ) -> dict[str, Any]:
    from datetime import timedelta

    from psycopg.rows import namedtuple_row

    from gis.search.convoy import rank
    from gis.search.scope import normalise_plate, parse_minutes

    params, facts = enq["parameters"], enq.get("run_info") or {}
    minutes = parse_minutes(params.get("minutes", sp.CONVOY_MINUTES), low=0.1, high=60)
    rows_sql, args = _rows(Filters())
    args.update(enquiry=enq["id"], band=timedelta(minutes=minutes))
    rows = conn.cursor(row_factory=namedtuple_row).execute(HELD_BANDS.format(rows=rows_sql),
                                                      args).fetchall()
    out = rank(rows, normalise_plate(params.get("plate")), _window_of(params), minutes,
               sp.min_shared(params), facts, matcher=_matcher(conn, enq), limit=limit,
               offset=offset)
    return {**out, "enquiry_id": enq["id"]}


def _common(conn: psycopg.Connection, enq: dict[str, Any], limit: int, offset: int
            ) -> dict[str, Any]:
    from gis.search.common import Site, at_sites, group

    params, info = enq["parameters"], enq.get("run_info") or {}
    sites = [Site(s["name"], tuple(s["cameras"]), _window_of(s)) for s in info["sites"]]
    rows_sql, args = _rows(Filters())
    args.update(enquiry=enq["id"])
    rows = conn.execute(sql.SQL("SELECT p.id, p.plate, p.captured_at, p.camera_id, "
                                "p.alternatives, p.alternative_confidences, "
                                "l.code AS location_code {}").format(rows_sql), args).fetchall()
    out = group(conn, at_sites(rows, sites), sites, sp.k(params),
                misreads=sp.misreads(params), limit=limit, offset=offset)
    return {**out, "enquiry_id": enq["id"]}


#: A route search's held passages as ``gis.search.route.PASSAGES_SQL`` shapes them, every
#: one of them (the package's route, ``held_route``, leaves out reads
#: rejected as misreads).
HELD_ROUTE = sql.SQL("""
SELECT h.*, s.source, s.target, s.cost, s.reverse_cost
  FROM (SELECT p.id, p.camera_id, p.captured_at, p.plate, ST_X(p.geom) AS lon,
               ST_Y(p.geom) AS lat, p.alternatives, p.alternative_confidences,
               c.segment_direction AS dir, l.code AS location_code, l.segment_id,
               l.segment_fraction AS frac, ST_X(l.geom) AS loc_lon, ST_Y(l.geom) AS loc_lat
          {rows}) h
  LEFT JOIN road_segment s ON s.id = h.segment_id
 ORDER BY h.captured_at, h.id""")


def _route(conn: psycopg.Connection, enq: dict[str, Any]) -> dict[str, Any]:
    from gis.search import route
    from gis.search.scope import normalise_plate

    params = enq["parameters"]
    rows_sql, args = _rows(Filters())
    args.update(enquiry=enq["id"])
    rows = [dict(r) for r in conn.execute(HELD_ROUTE.format(rows=rows_sql), args).fetchall()]
    out = route.route_of(conn, normalise_plate(params.get("plate")), _window_of(params), rows,
                         detour_min_s=sp.detour_seconds(params))
    matcher = _matcher(conn, enq)
    if matcher is not None:
        route.mark(out, rows, matcher)
    return {**out, "enquiry_id": enq["id"]}


#: A route search's held passages for its route in the package and the analyst's files:
#: live or secured, reads rejected as misreads left out (R7).
HELD_ROUTE_SQL = f"""
SELECT p.id, p.camera_id, p.captured_at, p.plate, ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat,
       c.segment_direction AS dir, l.code AS location_code, l.segment_id,
       l.segment_fraction AS frac, ST_X(l.geom) AS loc_lon, ST_Y(l.geom) AS loc_lat,
       s.source, s.target, s.cost, s.reverse_cost
  FROM enquiry e
  JOIN enquiry_result er ON er.enquiry_id = e.id
  {CASE_PASSAGE_JOIN}
  JOIN camera c ON c.id = p.camera_id
  JOIN location l ON l.id = c.location_id
  LEFT JOIN road_segment s ON s.id = l.segment_id
  LEFT JOIN verification v ON v.passage_id = p.id AND v.captured_at = p.captured_at
                          AND v.ordered_plate = er.ordered_plate
 WHERE e.id = %s AND v.verdict IS DISTINCT FROM 'rejected'
 ORDER BY p.captured_at, p.id
"""


def held_route(conn: psycopg.Connection, search: dict[str, Any]) -> dict[str, Any]:
    """A route search's route through the passages it holds, with the search's own
    parameters (the plate as it was normalised, its detour threshold)."""
    from gis.search import params as sp
    from gis.search.route import route_of
    from gis.search.scope import normalise_plate, parse_window

    p = search["parameters"]
    rows = [dict(r) for r in conn.execute(HELD_ROUTE_SQL, (search["id"],)).fetchall()]
    return route_of(conn, normalise_plate(p["plate"]),
                    parse_window(p["window"]["start"], p["window"]["end"]), rows,
                    detour_min_s=sp.detour_seconds(p))
