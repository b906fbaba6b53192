"""Q4 convoy: which vehicles travelled with a target plate, ranked by how unlikely chance is.

For each passage of the target, the passages at the same location and carriageway
(same road-segment direction) within +/- N minutes form its "band". Per other plate we
count the target passages it shared and the distinct locations, and keep its time
offsets (negative: ahead of the target, positive: behind).

Why a significance score and not just the count: a commuter who passes the same busy
junction twice at rush hour shares two bands by chance; a follow car shares many quiet
bands. Under independence an unrelated vehicle lands in band ``i`` with probability
``p_i = n_i / V`` (``n_i`` distinct plates in the band, ``V`` distinct vehicles on the
road in a day, estimated from the partitions' statistics). The expected number of
vehicles, among ``V``, that share a given set ``S`` of ``|S|`` of the ``T`` target
passages is ``V * C(T, |S|) * prod p_i``; the score is ``-log10`` of it. A score above
0 means fewer than one such coincidence is expected; each +1 is ten times rarer.
"""
from __future__ import annotations

import math
from collections import defaultdict
from datetime import timedelta
from typing import Any

import psycopg
from psycopg.rows import namedtuple_row

from gis.search.base import PLATE_PASSAGES, generic
from gis.search.misreads import Matcher, learned
from gis.search.scope import Scope, Window

BAND_SQL = """
WITH target AS MATERIALIZED (
    SELECT p.id, p.captured_at, p.camera_id, c.location_id, c.segment_direction, p.plate,
           p.alternatives, p.alternative_confidences
      FROM {target} JOIN camera c ON c.id = p.camera_id
     WHERE p.captured_at >= %(start)s AND p.captured_at < %(end)s
       AND (%(cameras)s::text[] IS NULL OR p.camera_id = ANY(%(cameras)s::text[]))
     ORDER BY p.captured_at
     LIMIT %(max_targets)s
)
SELECT t.id AS target_id, t.captured_at AS target_at, t.location_id, t.camera_id AS target_camera,
       l.code AS location_code, o.plate, o.captured_at AS at, o.camera_id,
       t.plate AS target_plate, t.alternatives, t.alternative_confidences, o.id AS partner_id
  FROM target t
  JOIN location l ON l.id = t.location_id
  JOIN camera c2 ON c2.location_id = t.location_id AND c2.segment_direction = t.segment_direction
                 AND (%(cameras)s::text[] IS NULL OR c2.id = ANY(%(cameras)s::text[]))
  LEFT JOIN LATERAL (
        SELECT q.id, q.plate, q.captured_at, q.camera_id
          FROM jj126.passage q
         WHERE q.camera_id = c2.id
           AND q.captured_at >= t.captured_at - %(band)s
           AND q.captured_at <= t.captured_at + %(band)s
           AND {partner}
        OFFSET 0) o ON true  -- a fence: keeps the band inside the index condition
 ORDER BY t.captured_at, o.captured_at
"""

MAX_TARGETS = 500


def vehicles_per_day(conn: psycopg.Connection, window: Window) -> float:
    """Distinct vehicles on the road per day, from the day partitions' statistics.

    The report gives about half as many unique plates as passages per day; the
    partitions' row estimates give the passages without counting them.
    """
    row = conn.execute("""
        SELECT coalesce(sum(greatest(c.reltuples, 0)), 0) AS n, count(*) AS days
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'jj126.passage'::regclass
           AND c.relname >= 'passage_p' || to_char(%(s)s AT TIME ZONE 'UTC', 'YYYYMMDD')
           AND c.relname <= 'passage_p' || to_char(%(e)s AT TIME ZONE 'UTC', 'YYYYMMDD')""",
                       {"s": window.start, "e": window.end}).fetchone()
    per_day = float(row["n"]) / max(int(row["days"]), 1)
    if per_day <= 0:  # never analysed (small or fresh databases): count the window
        n = conn.execute("SELECT count(*) AS n FROM jj126.passage WHERE captured_at >= %s "
                         "AND captured_at < %s", (window.start, window.end)).fetchone()["n"]
        hours = max((window.end - window.start).total_seconds() / 3600, 1.0)
        per_day = n * 24 / min(hours, 24)
    return max(per_day * 0.5, 1.0)


def convoy(conn: psycopg.Connection, plate: str, window: Window, minutes: float, *,
           scope: Scope | None = None, min_shared: int = 2, limit: int | None = 50,
           offset: int = 0, misreads: bool = False) -> dict[str, Any]:
    """Vehicles seen with ``plate`` within +/- ``minutes``, ranked by significance.

    With ``misreads`` the target's passages include its probable misreads
    (``gis.search.misreads``), exact reads first, each marked with how it matched; a
    plate equivalent to the target's is not counted as a partner. ``limit`` None lists
    every partner."""
    return convoy_run(conn, plate, window, minutes, scope=scope, min_shared=min_shared,
                      limit=limit, offset=offset, misreads=misreads)[0]


def convoy_run(conn: psycopg.Connection, plate: str, window: Window, minutes: float, *,
               scope: Scope | None = None, min_shared: int = 2, limit: int | None = 50,
               offset: int = 0, misreads: bool = False
               ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The convoy search and what its ranking weighed that its rows do not say: the
    estimate of vehicles per day and the number of plates in each target passage's band
    (counts only), so held results are ranked again exactly as here (``rank``)."""
    if scope is not None:
        scope.check(windows=[window], plates=[plate], cameras_given=False)
        if scope.convoy_minutes is not None and minutes > scope.convoy_minutes:
            from gis.search.scope import OutsideScope
            raise OutsideScope(f"het bevel staat een konvooizoekvraag toe van ten hoogste "
                               f"+/- {scope.convoy_minutes:g} minuten")
    # A location-limited order: the target's passages and the bands are taken at the
    # order's cameras only, in the query itself (R5; a refusal never reveals data).
    cameras = sorted(scope.cameras) if scope is not None and scope.cameras is not None else None
    # A generic plan, planned once per connection: planning the band's lateral probe
    # over every day partition cost more than running it; it is pruned per probe.
    matcher = Matcher.of([plate], learned(conn, [plate])) if misreads else None
    q = BAND_SQL.format(
        target=matcher.source_sql() if matcher else PLATE_PASSAGES,
        partner="q.plate <> ALL(%(misread_plates)s::text[])" if matcher
        else "q.plate <> %(plate)s")
    rows = generic(conn.cursor(row_factory=namedtuple_row), q,
                   {"plate": plate, "start": window.start, "end": window.end,
                    "band": timedelta(minutes=minutes), "max_targets": MAX_TARGETS,
                    "cameras": cameras, **(matcher.params(conn) if matcher else {})})
    bands: dict[int, set[str]] = {}
    for r in rows:  # a target without any other plate in its band counts too
        band = bands.setdefault(r.target_id, set())
        if r.plate is not None:
            band.add(r.plate)
    facts = {"vehicles_per_day": vehicles_per_day(conn, window),
             "bands": {str(t): len(ps) for t, ps in bands.items()}}
    return rank(rows, plate, window, minutes, min_shared, facts, matcher=matcher,
                limit=limit, offset=offset), facts


def rank(rows: list[tuple], plate: str, window: Window, minutes: float, min_shared: int,
         facts: dict[str, Any], *, matcher: Matcher | None = None, limit: int | None = None,
         offset: int = 0) -> dict[str, Any]:
    """The ranked partners from the band rows (named as ``BAND_SQL`` names them:
    target_id, target_at, target_camera, location_code, plate, at, camera_id,
    target_plate, alternatives, alternative_confidences, partner_id), weighed by
    ``facts`` (``convoy_run``): the search's rows, or the rows a run held read back with
    the counts it kept."""
    targets: dict[int, dict[str, Any]] = {}
    by_plate: dict[str, list[tuple]] = defaultdict(list)
    for r in rows:
        tid = r.target_id
        if tid not in targets:
            targets[tid] = {"id": tid, "at": r.target_at, "camera_id": r.target_camera,
                            "location_code": r.location_code}
            if matcher is not None:
                targets[tid].update(matcher.mark(r.target_plate, r.alternatives,
                                                 r.alternative_confidences,
                                                 camera=r.target_camera),
                                    plate=r.target_plate)
        if r.plate is None:
            continue
        by_plate[r.plate].append(r)
    v = float(facts["vehicles_per_day"])
    band_sizes = {int(t): n for t, n in facts["bands"].items()}
    log_v = math.log10(v)
    n_targets = len(targets)
    ranked = []
    # Most plates in the bands pass once: only those in min_shared bands or more are
    # worked out in full.
    for other, prs in by_plate.items():
        if len(prs) < min_shared:
            continue
        prs = [(r, (r.at - r.target_at).total_seconds()) for r in prs]
        best: dict[int, float] = {}
        for r, off in prs:
            b = best.get(r.target_id)
            if b is None or abs(off) < abs(b):
                best[r.target_id] = off
        shared = len(best)
        if shared < min_shared:
            continue
        log_p = sum(math.log10(max(band_sizes.get(t, 1), 1)) - log_v for t in best)
        expected_log = log_v + _log10_comb(n_targets, shared) + log_p
        offsets = sorted(best.values())
        locations = {r.location_code for r, _ in prs}
        passages = sorted(({"id": r.partner_id, "target_id": r.target_id,
                             "camera_id": r.camera_id, "captured_at": r.at,
                             "location_code": r.location_code, "offset_s": off}
                           for r, off in prs),
                          key=lambda x: (x["captured_at"], x["target_id"]))
        ranked.append({
            "plate": other, "shared_passages": shared, "locations": len(locations),
            "location_codes": sorted(locations), "score": round(-expected_log, 2),
            "offsets_s": offsets, "before": sum(1 for o in offsets if o < 0),
            "after": sum(1 for o in offsets if o > 0),
            "median_offset_s": offsets[len(offsets) // 2],
            "first_at": passages[0]["captured_at"], "last_at": passages[-1]["captured_at"],
            "passages": passages,
        })
    # equally unlikely by chance: the one driving closer to the target first (a planted
    # plate, Z..., lost such ties to any background plate by name alone)
    ranked.sort(key=lambda x: (-x["score"], -x["shared_passages"], abs(x["median_offset_s"]),
                               x["plate"]))
    params = {"plate": plate, "window": window.as_dict(), "minutes": minutes,
              "min_shared": min_shared}
    if matcher is not None:
        params["misreads"] = True
    limit = len(ranked) if limit is None else limit
    return {"search": "convoy", "params": params,
            "target_passages": sorted(targets.values(),
                                      key=lambda t: (t.get("match", "exact") != "exact", t["at"],
                                                     t["id"])),
            "vehicles_per_day_estimate": round(v),
            "partners_total": len(ranked), "partners": ranked[offset:offset + limit],
            "page": {"limit": limit, "offset": offset,
                     "next_offset": offset + limit if offset + limit < len(ranked) else None}}


def _log10_comb(n: int, k: int) -> float:
    if k > n or k < 0:
        return 0.0
    return (math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)) / math.log(10)
