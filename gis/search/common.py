"""Q5 common plates across sites: plates seen at k or more of several sites.

Each site is its own camera selection with its own time window (the case in sections
8.2.2 and 8.6.6 of the report: a series of crimes at different places and times, done
by hand there and often infeasible). Each site is one index scan on
``(camera_id, captured_at)``; the sites are combined with UNION ALL so each keeps its
own window (and its own partition pruning), then grouped per plate.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from anpr.errors import BadInput
from gis.search.base import VERIFY_SECONDS_PER_READ
from gis.search.coverage import coverage
from gis.search.misreads import CANON_FROM, CANON_TO, Matcher, canonical, learned
from gis.search.scope import Scope, Window

MAX_SITES = 25


@dataclass(frozen=True)
class Site:
    name: str
    cameras: tuple[str, ...]
    window: Window


def _site_union(sites: list[Site], misreads: bool = False
                ) -> tuple[sql.Composable, dict[str, Any]]:
    """One index-only scan per site (the unique key ``(camera_id, captured_at,
    capture_id)`` carries the plate, migration 0011); ``key`` is the plate, or with
    ``misreads`` its look-alike class (``gis.search.misreads.canonical``), by which the
    plates are grouped. The passage's id is not in that index: it is read afterwards for
    the few rows of the plates kept, not for every passage at every site."""
    parts, params = [], {}
    key = sql.SQL("translate(p.plate, {}, {})").format(
        sql.Literal(CANON_FROM), sql.Literal(CANON_TO)) if misreads else sql.SQL("p.plate")
    # With misreads the camera's candidate reads count too; the index does not carry
    # them, so they come from the table (a sealed day is in camera and time order: a
    # site's passages lie on adjacent pages).
    alts = sql.SQL(", p.alternatives, p.alternative_confidences") if misreads else sql.SQL("")
    for i, site in enumerate(sites):
        parts.append(sql.SQL(
            "SELECT {i}::int AS site, {key} AS key, p.plate, p.captured_at, p.camera_id, "
            "p.capture_id{alts} "
            "FROM jj126.passage p "
            "WHERE p.camera_id = ANY({cams}::text[]) AND p.captured_at >= {s} AND "
            "p.captured_at < {e}").format(
            i=sql.Literal(i), key=key, alts=alts, cams=sql.Placeholder(f"c{i}"),
            s=sql.Placeholder(f"s{i}"),
            e=sql.Placeholder(f"e{i}")))
        params.update({f"c{i}": list(site.cameras), f"s{i}": site.window.start,
                       f"e{i}": site.window.end})
    return sql.SQL(" UNION ALL ").join(parts), params


def validate_sites(sites: list[Site], k: int) -> None:
    if not 2 <= len(sites) <= MAX_SITES:
        raise BadInput(f"give between 2 and {MAX_SITES} sites")
    if isinstance(k, bool) or not isinstance(k, int) or k < 2:
        raise BadInput("k must be a whole number of at least 2")
    if k > len(sites):
        raise BadInput(f"k = {k} is larger than the number of sites ({len(sites)})")
    for s in sites:
        if not s.cameras:
            raise BadInput(f"site {s.name!r} resolves to no camera")


def _check(scope: Scope | None, sites: list[Site]) -> None:
    if scope is not None:
        scope.check_all_plates("common-plate search")
        for s in sites:
            scope.check(windows=[s.window], cameras=s.cameras)


def common_plates(conn: psycopg.Connection, sites: list[Site], k: int, *,
                  scope: Scope | None = None, limit: int | None = 200, offset: int = 0,
                  misreads: bool = False) -> dict[str, Any]:
    """Plates seen at ``k`` or more sites, with where and when, most sites first.

    With ``misreads`` reads that differ only by look-alike characters count as one
    plate: the plate shown is the group's most frequent read, and each passage says how
    its read matched it (``exact`` first, then ``equivalent_characters``): one that did
    not match exactly is a probable misread, to be verified against its crop (R7).
    ``limit`` None lists every plate."""
    validate_sites(sites, k)
    _check(scope, sites)
    rows = _rows(conn, sites, k, misreads)
    return group(conn, rows, sites, k, misreads=misreads, limit=limit, offset=offset)


#: The passages of the plates seen at k sites or more, one row per site that saw them.
ROWS_SQL = """
    WITH hits AS MATERIALIZED ({union}),
    hot AS (SELECT key FROM hits GROUP BY key HAVING count(DISTINCT site) >= %(k)s)
    SELECT h.site, h.plate, h.captured_at, h.camera_id, p.id, l.code AS location_code
      FROM hits h JOIN hot USING (key)
      JOIN jj126.passage p ON p.camera_id = h.camera_id AND p.captured_at = h.captured_at
                          AND p.capture_id = h.capture_id
      JOIN camera c ON c.id = h.camera_id JOIN location l ON l.id = c.location_id
     ORDER BY h.key, h.captured_at"""
#: The same including probable misreads: a passage counts for the look-alike group of its
#: read and for that of each candidate read (``keys``), so a vehicle misread at one site
#: whose camera also offered the right read is seen at that site too.
MISREAD_ROWS_SQL = """
    WITH hits AS MATERIALIZED (
        SELECT u.*, array_append(coalesce((SELECT array_agg(translate(a, {f}, {t}))
                                             FROM unnest(u.alternatives) a), '{{}}'), u.key)
                        AS keys
          FROM ({union}) u),
    hot AS (SELECT array_agg(key) AS keys FROM (
              SELECT k.key FROM hits h CROSS JOIN LATERAL unnest(h.keys) AS k(key)
               GROUP BY k.key HAVING count(DISTINCT h.site) >= %(k)s) g)
    SELECT h.site, h.plate, h.alternatives, h.alternative_confidences, h.captured_at,
           h.camera_id, p.id, l.code AS location_code
      FROM hits h CROSS JOIN hot
      JOIN jj126.passage p ON p.camera_id = h.camera_id AND p.captured_at = h.captured_at
                          AND p.capture_id = h.capture_id
      JOIN camera c ON c.id = h.camera_id JOIN location l ON l.id = c.location_id
     WHERE h.keys && hot.keys
     ORDER BY h.key, h.captured_at"""


def _rows(conn: psycopg.Connection, sites: list[Site], k: int, misreads: bool
          ) -> list[dict[str, Any]]:
    union, params = _site_union(sites, misreads)
    q = sql.SQL(MISREAD_ROWS_SQL if misreads else ROWS_SQL).format(
        union=union, f=sql.Literal(CANON_FROM), t=sql.Literal(CANON_TO))
    return conn.execute(q, {**params, "k": k}).fetchall()


def _keys(row: dict[str, Any], misreads: bool) -> set[str]:
    """The groups a passage counts for: its plate; with misreads the look-alike class
    of its read and of each candidate read (``canonical``)."""
    if not misreads:
        return {row["plate"]}
    return {canonical(row["plate"])} | {canonical(a) for a in row.get("alternatives") or ()}


def at_sites(rows: list[dict[str, Any]], sites: list[Site]) -> list[dict[str, Any]]:
    """Passages (``plate``, ``captured_at``, ``camera_id``, ``id``, ``location_code``) as
    the sites saw them: one row per site whose cameras and window hold the passage, as
    the search's UNION ALL of the sites gives them."""
    out = []
    for r in rows:
        for i, site in enumerate(sites):
            if r["camera_id"] in site.cameras and \
                    site.window.start <= r["captured_at"] < site.window.end:
                out.append({**r, "site": i})
    return out


def _groups(conn: psycopg.Connection, rows: list[dict[str, Any]], sites: list[Site], k: int,
            misreads: bool) -> list[dict[str, Any]]:
    """The plates of ``rows`` seen at ``k`` or more sites, each with its sites and its
    passages (with ``misreads`` each marked with how it matched the plate shown)."""
    found: dict[str, tuple[set[int], list[dict[str, Any]]]] = {}
    for r in rows:
        for key in _keys(r, misreads):
            seen, members = found.setdefault(key, (set(), []))
            seen.add(r["site"])
            members.append(r)
    found = {key: g for key, g in found.items() if len(g[0]) >= k}
    # The likelihoods use what officers' verdicts taught per camera and character pair
    # (gis.search.misreads.learned), as the plate searches do: one look-up for all groups.
    taught = learned(conn, {p for _, members in found.values() for r in members
                            for p in (r["plate"], *(r.get("alternatives") or ()))}) \
        if misreads and found else {}
    out = []
    for key, (seen, members) in found.items():
        members.sort(key=lambda r: (r["captured_at"], r["site"], r["camera_id"], r["id"]))
        passages = [{"site": sites[r["site"]].name, "camera_id": r["camera_id"],
                     "location_code": r["location_code"], "id": r["id"],
                     "captured_at": r["captured_at"]} for r in members]
        plate = members[0]["plate"]
        if misreads:
            # The plate shown is the group's most frequent read; a group found only
            # through candidate reads shows its most frequent candidate.
            reads = [r["plate"] for r in members if canonical(r["plate"]) == key] or [
                a for r in members for a in r.get("alternatives") or () if canonical(a) == key]
            plate = max(sorted(set(reads)), key=reads.count)
            matcher = Matcher.of([plate], taught)
            for x, r in zip(passages, members):
                x["plate"] = r["plate"]
                x.update(matcher.mark(r["plate"], r.get("alternatives"),
                                      r.get("alternative_confidences"), camera=r["camera_id"]))
            passages.sort(key=lambda x: x["match"] != "exact")
        out.append({"plate": plate, "sites": seen, "passages": passages})
    return out


def group(conn: psycopg.Connection, rows: list[dict[str, Any]], sites: list[Site], k: int, *,
          misreads: bool = False, limit: int | None = None, offset: int = 0
          ) -> dict[str, Any]:
    """The plates of ``rows`` (one per site that saw a passage: ``site``, ``plate``,
    ``captured_at``, ``camera_id``, ``id``, ``location_code``, with misreads the candidate
    reads) seen at ``k`` or more sites, ranked: the search's rows, or the rows a run held
    read back (``at_sites``)."""
    plates = _groups(conn, rows, sites, k, misreads)
    ranked = sorted(({"plate": p["plate"], "sites_count": len(p["sites"]),
                      "sites": [sites[i].name for i in sorted(p["sites"])],
                      "passages": p["passages"]} for p in plates),
                    key=lambda x: (-x["sites_count"], x["plate"]))
    out_params: dict[str, Any] = {"k": k, "sites": [
        {"name": s.name, "cameras": list(s.cameras), "window": s.window.as_dict()}
        for s in sites]}
    if misreads:
        out_params["misreads"] = True
    limit = len(ranked) if limit is None else limit
    return {"search": "common", "params": out_params,
            "plates_total": len(ranked), "plates": ranked[offset:offset + limit],
            "page": {"limit": limit, "offset": offset,
                     "next_offset": offset + limit if offset + limit < len(ranked) else None},
            "coverage": [{"site": s.name, **coverage(conn, s.cameras, s.window)} for s in sites]}


def common_preview(conn: psycopg.Connection, sites: list[Site], k: int, *,
                   scope: Scope | None = None, misreads: bool = False) -> dict[str, Any]:
    """Passages and distinct plates over all sites, before any plate is listed. With
    ``misreads`` the passages that would be held as probable misreads to verify (R7): in a
    group seen at ``k`` sites through a look-alike read or a candidate read: counted."""
    validate_sites(sites, k)
    _check(scope, sites)
    union, params = _site_union(sites)
    row = conn.execute(sql.SQL("SELECT count(*) AS passages, count(DISTINCT plate) AS plates "
                               "FROM ({union}) h").format(union=union), params).fetchone()
    out = {"passages": row["passages"], "plates": row["plates"],
           "verification_required": misreads, "verification_minutes": 0.0}
    if misreads:  # the passages the run will hold to verify, found as the run finds them
        to_verify = len({x["id"] for p in _groups(conn, _rows(conn, sites, k, True), sites, k,
                                                  True)
                         for x in p["passages"] if x["match"] != "exact"})
        out["to_verify"] = to_verify
        out["verification_minutes"] = round(to_verify * VERIFY_SECONDS_PER_READ / 60, 1)
    return out
