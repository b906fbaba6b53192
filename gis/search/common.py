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
    for i, site in enumerate(sites):
        parts.append(sql.SQL(
            "SELECT {i}::int AS site, {key} AS key, p.plate, p.captured_at, p.camera_id, "
            "p.capture_id "
            "FROM jj126.passage p "
            "WHERE p.camera_id = ANY({cams}::text[]) AND p.captured_at >= {s} AND "
            "p.captured_at < {e}").format(
            i=sql.Literal(i), key=key, cams=sql.Placeholder(f"c{i}"), s=sql.Placeholder(f"s{i}"),
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
    union, params = _site_union(sites, misreads)
    q = sql.SQL("""
        WITH hits AS MATERIALIZED ({union}),
        hot AS (SELECT key FROM hits GROUP BY key HAVING count(DISTINCT site) >= %(k)s)
        SELECT h.site, h.plate, h.captured_at, h.camera_id, p.id, l.code AS location_code
          FROM hits h JOIN hot USING (key)
          JOIN jj126.passage p ON p.camera_id = h.camera_id AND p.captured_at = h.captured_at
                              AND p.capture_id = h.capture_id
          JOIN camera c ON c.id = h.camera_id JOIN location l ON l.id = c.location_id
         ORDER BY h.key, h.captured_at""").format(union=union)
    rows = conn.execute(q, {**params, "k": k}).fetchall()
    return group(conn, rows, sites, k, misreads=misreads, limit=limit, offset=offset)


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


def group(conn: psycopg.Connection, rows: list[dict[str, Any]], sites: list[Site], k: int, *,
          misreads: bool = False, limit: int | None = None, offset: int = 0
          ) -> dict[str, Any]:
    """The plates of ``rows`` (one per site that saw a passage: ``site``, ``plate``,
    ``captured_at``, ``camera_id``, ``id``, ``location_code``) seen at ``k`` or more
    sites, ranked: the search's rows, or the rows a run held read back (``at_sites``)."""
    plates: dict[str, dict[str, Any]] = {}
    for r in rows:
        key = canonical(r["plate"]) if misreads else r["plate"]
        p = plates.setdefault(key, {"plate": r["plate"], "sites": set(), "passages": []})
        p["sites"].add(r["site"])
        p["passages"].append({"site": sites[r["site"]].name, "camera_id": r["camera_id"],
                              "location_code": r["location_code"], "id": r["id"],
                              "captured_at": r["captured_at"], "plate": r["plate"],
                              "_site": r["site"]})
    plates = {key: p for key, p in plates.items() if len(p["sites"]) >= k}
    # The likelihoods use what officers' verdicts taught per camera and character pair
    # (gis.search.misreads.learned), as the plate searches do: one look-up for all groups.
    taught = learned(conn, {x["plate"] for p in plates.values() for x in p["passages"]}) \
        if misreads and plates else {}
    for p in plates.values():
        p["passages"].sort(key=lambda x: (x["captured_at"], x["_site"], x["camera_id"], x["id"]))
        for x in p["passages"]:
            del x["_site"]
        reads = [x["plate"] for x in p["passages"]]
        if not misreads:
            for x in p["passages"]:
                del x["plate"]
            continue
        p["plate"] = max(sorted(set(reads)), key=reads.count)
        matcher = Matcher.of([p["plate"]], taught)
        for x in p["passages"]:
            x.update(matcher.mark(x["plate"], camera=x["camera_id"]))
        p["passages"].sort(key=lambda x: x["match"] != "exact")
    ranked = sorted(({"plate": p["plate"], "sites_count": len(p["sites"]),
                      "sites": [sites[i].name for i in sorted(p["sites"])],
                      "passages": p["passages"]} for p in plates.values()),
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
    ``misreads`` the passages whose read is not their look-alike group's most frequent
    read, in groups seen at ``k`` sites, are probable misreads to verify (R7): counted."""
    validate_sites(sites, k)
    _check(scope, sites)
    union, params = _site_union(sites, misreads)
    row = conn.execute(sql.SQL("SELECT count(*) AS passages, count(DISTINCT plate) AS plates "
                               "FROM ({union}) h").format(union=union), params).fetchone()
    out = {"passages": row["passages"], "plates": row["plates"],
           "verification_required": misreads, "verification_minutes": 0.0}
    if misreads:
        to_verify = conn.execute(sql.SQL("""
            WITH hits AS MATERIALIZED ({union}),
            hot AS (SELECT key FROM hits GROUP BY key HAVING count(DISTINCT site) >= %(k)s),
            reads AS (SELECT h.key, h.plate, count(*) AS n FROM hits h JOIN hot USING (key)
                       GROUP BY h.key, h.plate),
            shown AS (SELECT DISTINCT ON (key) key, plate FROM reads
                       ORDER BY key, n DESC, plate)
            SELECT count(DISTINCT (h.camera_id, h.captured_at, h.capture_id)) AS n
              FROM hits h JOIN shown s ON s.key = h.key AND s.plate <> h.plate""").format(
            union=union), {**params, "k": k}).fetchone()["n"]
        out["to_verify"] = to_verify
        out["verification_minutes"] = round(to_verify * VERIFY_SECONDS_PER_READ / 60, 1)
    return out
