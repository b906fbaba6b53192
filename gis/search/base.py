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
from psycopg.rows import namedtuple_row

from anpr.errors import BadInput
from gis.search.scope import Window

MAX_PAGE = 10_000
DEFAULT_PAGE = 500
#: Seconds an officer needs to verify one plate read against its crop (R7), for previews.
VERIFY_SECONDS_PER_READ = 6.0


#: The passages a search reads unless its ``Where`` names another source.
PASSAGES = sql.SQL("jj126.passage p")
#: One plate's passages (``%(plate)s``) as a FROM item named ``p``, for the searches of one
#: target (Q4, Q6) that read ``Matcher.source_sql`` instead when including probable misreads.
PLATE_PASSAGES = "(SELECT * FROM jj126.passage s WHERE s.plate = %(plate)s) p"


@dataclass
class Where:
    """A conjunction of SQL conditions on ``jj126.passage p`` with their parameters, or
    on another ``source`` of passages named ``p`` (the look-up of a search including
    probable misreads, ``gis.search.misreads.Matcher.source_sql``)."""

    parts: list[sql.Composable] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    source: sql.Composable = field(default_factory=lambda: PASSAGES)

    def from_source(self, fragment: str, **params: Any) -> "Where":
        """Read the passages from ``fragment`` (a FROM item named ``p``)."""
        self.source = sql.SQL(fragment)
        self.params.update(params)
        return self

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
                "count(DISTINCT p.camera_id) AS cameras FROM {} WHERE {}"
                ).format(where.source, where.sql())
    row = conn.execute(q, where.params).fetchone()
    out = {"passages": row["passages"], "plates": row["plates"], "cameras_hit": row["cameras"],
           "verification_required": verification}
    out["verification_minutes"] = (round(row["passages"] * VERIFY_SECONDS_PER_READ / 60, 1)
                                   if verification else 0.0)
    return out


RESULT_SQL = """
WITH hits AS MATERIALIZED (
    SELECT {hit_cols}
      FROM {source}
     WHERE {where}
), agg AS (
    SELECT c.location_id, count(*) AS passages, count(DISTINCT h.plate) AS plates,
           min(h.captured_at) AS first_at, max(h.captured_at) AS last_at
      FROM hits h JOIN camera c ON c.id = h.camera_id
     GROUP BY GROUPING SETS ((c.location_id), ())
), page AS (
    {page}
)
SELECT 0 AS kind, row_number() OVER (ORDER BY a.passages DESC, l.code) AS ord,
       l.code AS location_code, l.name AS location_name, ST_X(l.geom) AS lon, ST_Y(l.geom) AS lat,
       a.passages, a.plates, a.first_at, a.last_at,
       NULL::bigint AS id, NULL::text AS camera_id, NULL::timestamptz AS captured_at,
       NULL::text AS plate, NULL::text AS plate_raw, NULL::text AS country,
       NULL::text AS confidence, NULL::text AS inout, NULL::int AS lane,
       NULL::text[] AS alternatives, NULL::real[] AS alternative_confidences
  FROM agg a LEFT JOIN location l ON l.id = a.location_id
UNION ALL
SELECT 1, NULL, l.code, l.name, ST_X(g.geom), ST_Y(g.geom),
       NULL, NULL, NULL, NULL, p.id, p.camera_id, p.captured_at, p.plate, p.plate_raw,
       p.country, p.confidence::text, c.inout::text, c.lane,
       p.alternatives, p.alternative_confidences
  FROM page p
  JOIN camera c ON c.id = p.camera_id JOIN location l ON l.id = c.location_id
  CROSS JOIN LATERAL (SELECT CASE WHEN {stored} THEN {stored_geom} ELSE l.geom END AS geom) g
"""
#: A page row's position is its camera location's, as the map's per-location markers
#: are, except where the passage's stored position may tell more: a mobile camera's own
#: position, or a passage captured before its camera or location moved (or up to a day
#: after, while an import that read the registry before the move may still store the
#: old position). Migration 0015 keeps ``moved_at``.
STORED_POSITION = ("(c.mounting = 'mobile' OR l.mounting = 'mobile' OR "
                   "p.captured_at < greatest(c.moved_at, l.moved_at) + interval '1 day')")
#: The stored positions of page rows that came from the plate index (their position is
#: NULL in the statement): one table page each, read only for the rows above, in a second
#: statement whose constants prune the days. A lateral lookup in the first statement
#: would set up a scan of every day partition on every search.
STORED_GEOM_BY_KEY = """
    SELECT id, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM jj126.passage
     WHERE captured_at = ANY(%s::timestamptz[]) AND camera_id = ANY(%s::text[])
       AND id = ANY(%s::bigint[])"""
#: The page when every condition is an index condition (plates, cameras, window): the
#: rows are read straight from the table, only the page's.
PAGE_DIRECT = """
    SELECT {row_cols}
      FROM jj126.passage p WHERE {where} ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s"""
#: The page when a filter is not an index condition (a plate pattern): its keys are
#: taken from the hits, which the index alone answered, and only those rows are read.
PAGE_BY_KEY = """
    SELECT {row_cols}
      FROM (SELECT DISTINCT h.camera_id, h.captured_at, h.plate FROM hits h
             ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s) k
      JOIN jj126.passage p ON p.camera_id = k.camera_id AND p.captured_at = k.captured_at
                          AND p.plate = k.plate
     WHERE {where}  -- true of every hit; prunes the day partitions at plan time"""
#: The page when the hits are few (a plate's history): the hits carry whole rows from
#: the plate index alone (migration 0015), and the page is taken from them; one scan, one
#: plan, no table page read on a sealed day (a stored position aside, STORED_POSITION).
PAGE_FROM_HITS = """
    SELECT h.* FROM hits h ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s"""
KEY_COLUMNS = "p.camera_id, p.captured_at, p.plate"
#: What a page row reads from the table (the location and camera come from the registry).
PAGE_COLUMNS = ("p.id, p.camera_id, p.captured_at, p.plate, p.plate_raw, p.country, "
                "p.confidence, p.geom, p.alternatives, p.alternative_confidences")
#: What the plate index carries (migration 0015): a page row but for its position.
PLATE_INDEX_COLUMNS = ("p.id, p.camera_id, p.captured_at, p.plate, p.plate_raw, p.country, "
                       "p.confidence, NULL::text[] AS alternatives, "
                       "NULL::real[] AS alternative_confidences")
#: A search including probable misreads (gis.search.misreads) marks each row by its read
#: and candidate reads, which the plate index does not carry: they come from the table
#: (the hits are still few, from the plate index and the alternatives' GIN index).
MISREAD_COLUMNS = ("p.id, p.camera_id, p.captured_at, p.plate, p.plate_raw, p.country, "
                   "p.confidence, p.alternatives, p.alternative_confidences")
#: Per page mode: the page's SQL, what the hits carry, and where a stored position is.
PAGES = {"hits": (PAGE_FROM_HITS, PLATE_INDEX_COLUMNS, "NULL"),
         "misread": (PAGE_FROM_HITS, MISREAD_COLUMNS, "NULL"),
         "direct": (PAGE_DIRECT, KEY_COLUMNS, "p.geom"),
         "key": (PAGE_BY_KEY, KEY_COLUMNS, "p.geom")}
#: Page orders on the key columns only, so the hits come from the covering indexes.
_ORDERS = {"time": "captured_at, camera_id, plate", "plate": "plate, captured_at, camera_id",
           # exact reads of the ordered plates first, then probable misreads, each by time
           "misread": "(plate <> ALL(%(misread_ordered)s::text[])), captured_at, camera_id, plate"}


def generic(cur: psycopg.Cursor, q: sql.Composable | str, args: dict[str, Any]) -> list[Any]:
    """Run ``q`` as a prepared statement with a generic plan, planned once per connection.

    Planning a statement over 28 day partitions takes longer than running it when the
    hits are a plate's few dozen passages; a generic plan prunes the partitions when it
    runs (initial pruning on the window parameters) and is reused by every later call
    on the pooled connection. Only for statements whose best plan does not depend on
    the values (a plate probe is an index probe per day, whatever the plate).

    Without parallel workers: a generic plan cannot see how few rows the plates hold, and
    for the misread lookup (dozens of look-alike plates, the alternatives' GIN index) it
    estimated tens of thousands and gathered two workers per call, whose start cost five
    times the probes themselves (60 ms against 12 ms at national scale).
    """
    # one round trip each way: several statements go as a simple query (a text cursor)
    cur.connection.execute("SET LOCAL plan_cache_mode = force_generic_plan;"
                           " SET LOCAL max_parallel_workers_per_gather = 0", prepare=False)
    rows = cur.execute(q, args, prepare=True).fetchall()
    # on an error, the rollback resets both
    cur.connection.execute("SET LOCAL plan_cache_mode = auto;"
                           " SET LOCAL max_parallel_workers_per_gather TO DEFAULT", prepare=False)
    return rows


def result(conn: psycopg.Connection, where: Where, *, search: str, params: dict[str, Any],
           limit: int, offset: int, verification: bool, order: str = "time",
           page: str = "direct", matcher: Any = None) -> dict[str, Any]:
    """The common result: totals, per-location aggregate, one page of rows.

    One statement. The hits are read once into a CTE, from which the per-location
    aggregate, the exact totals (a grouping set) and the page are taken. How the page's
    rows are read is ``page``: ``"hits"`` when the hits are few (a plate's history: the
    hits carry whole rows, one scan); ``"direct"`` when every condition is an index
    condition (cameras and a window: the hits' keys come from the covering indexes
    without the table, migration 0011, and a second scan reads the page's rows only);
    ``"key"`` when a filter is not an index condition (a plate pattern, which a plain
    index scan would test on every table row of the prefix range: the page's rows are
    read by their keys). A pattern search over 120 M passages thus reads index entries
    for its prefix range but table rows for one page only. With a ``matcher``
    (``gis.search.misreads.Matcher``, the option "including probable misreads") the
    exact reads come first and every row says how it matched and how likely it is.

    Results come back in binary form as named tuples: decoding thousands of rows into dicts
    of text values was most of the time of a one-hour block query. The confidence
    (``real``) travels as text so that it reads as before (0.96, not its float32 bits).
    """
    cols = _ORDERS[order]
    page_sql, hit_cols, stored_geom = PAGES[page]
    if where.source is not PASSAGES and page_sql is not PAGE_FROM_HITS:
        raise ValueError("a search from another source takes its page from the hits")
    q = sql.SQL(RESULT_SQL).format(
        source=where.source,
        where=where.sql(), hit_cols=sql.SQL(hit_cols), stored=sql.SQL(STORED_POSITION),
        stored_geom=sql.SQL(stored_geom),
        page=sql.SQL(page_sql).format(where=where.sql(), order=sql.SQL(cols),
                                      row_cols=sql.SQL(PAGE_COLUMNS)))
    # Rows by name as namedtuples: as cheap to decode as plain tuples (the class is made
    # once per statement), so thousands of rows still cost little.
    cur = conn.cursor(row_factory=namedtuple_row, binary=True)
    args = {**where.params, "limit": limit, "offset": offset}
    if matcher is not None:
        args["misread_ordered"] = list(matcher.ordered)
    if page in ("hits", "misread"):
        fetched = generic(cur, q, args)
    else:
        fetched = cur.execute(q, args).fetchall()
    # Locations by their rank from the database; the page (a few thousand rows at most)
    # by its order keys here, which spares the database a second sort after the joins.
    page_key = {"time": lambda r: (r.captured_at, r.camera_id, r.plate, r.id),
                "plate": lambda r: (r.plate, r.captured_at, r.camera_id, r.id),
                "misread": lambda r: (r.plate not in matcher.ordered, r.captured_at,
                                      r.camera_id, r.plate, r.id)}[order]
    fetched = (sorted((r for r in fetched if r.kind == 0), key=lambda r: r.ord)
               + sorted((r for r in fetched if r.kind == 1), key=page_key))
    total, plates_all, locations, page = 0, 0, [], []
    for r in fetched:
        if r.kind == 0:
            if r.location_code is None:  # the grand-total grouping set
                total, plates_all = r.passages, r.plates
                continue
            locations.append({"location_code": r.location_code,
                              "location_name": r.location_name, "lon": r.lon, "lat": r.lat,
                              "passages": r.passages, "plates": r.plates,
                              "first_at": r.first_at, "last_at": r.last_at})
        else:
            page.append({"id": r.id, "camera_id": r.camera_id, "captured_at": r.captured_at,
                         "plate": r.plate, "plate_raw": r.plate_raw, "country": r.country,
                         "confidence": None if r.confidence is None else float(r.confidence),
                         "lon": r.lon, "lat": r.lat, "location_code": r.location_code,
                         "location_name": r.location_name, "inout": r.inout, "lane": r.lane})
            if matcher is not None:
                page[-1].update(matcher.mark(r.plate, r.alternatives, r.alternative_confidences,
                                             camera=r.camera_id))
                page[-1]["alternatives"] = [{"plate": a, "confidence": round(float(c), 4)}
                                            for a, c in zip(r.alternatives or (),
                                                            r.alternative_confidences or ())]
    stored = [r for r in page if r["lon"] is None]
    if stored:
        where_stored = {r["id"]: r for r in stored}
        for pid, lon, lat in cur.execute(STORED_GEOM_BY_KEY, (
                sorted({r["captured_at"] for r in stored}),
                sorted({r["camera_id"] for r in stored}), sorted(where_stored))).fetchall():
            where_stored[pid]["lon"], where_stored[pid]["lat"] = lon, lat
    # The page holds ``limit`` keys; a duplicated read (same camera, time and plate,
    # another capture id) brings both its rows, so the next page starts after the keys.
    keys = len({(r["camera_id"], r["captured_at"], r["plate"]) for r in page})
    nxt = offset + keys if offset + keys < total else None
    return {"search": search, "params": params, "passages_total": total,
            "plates_total": plates_all if total <= 200_000 else None,
            "verification_required": verification,
            "by_location": locations, "passages": page,
            "page": {"limit": limit, "offset": offset, "next_offset": nxt}}
