"""Q6 route reconstruction: a plate's passages joined along the road network (pgRouting).

Consecutive passages become legs. Each camera location sits on a road segment at a
fraction of its length, in the segment's direction (+1 source->target, -1 back), so a
leg is: the rest of the first segment, the shortest free-flow path between the two
junctions (``pgr_dijkstra`` on ``road_segment.cost/reverse_cost``, all legs in one call
with a combinations query), and the start of the last segment.

Observed versus expected free-flow time gives two flags the report's analysts need:
``detour_or_stop`` (much slower than expected: section 8.6.9) and ``impossible`` (much
faster than any car: a duplicated plate, sections 8.2.6 and 8.6.2).
"""
from __future__ import annotations

import math
from typing import Any

import psycopg

from gis.search.base import PLATE_PASSAGES
from gis.search.misreads import Matcher, learned
from gis.search.scope import Scope, Window

PASSAGES_SQL = """
SELECT p.id, p.camera_id, p.captured_at, p.plate, ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat,
       p.alternatives, p.alternative_confidences,
       c.segment_direction AS dir, l.code AS location_code, l.segment_id, l.segment_fraction AS frac,
       ST_X(l.geom) AS loc_lon, ST_Y(l.geom) AS loc_lat,
       s.source, s.target, s.cost, s.reverse_cost
  FROM {passages}
  JOIN camera c ON c.id = p.camera_id
  JOIN location l ON l.id = c.location_id
  LEFT JOIN road_segment s ON s.id = l.segment_id
 WHERE p.captured_at >= %(start)s AND p.captured_at < %(end)s
   AND (%(cameras)s::text[] IS NULL OR p.camera_id = ANY(%(cameras)s::text[]))
 ORDER BY p.captured_at, p.id
 LIMIT %(max)s
"""
EDGES_SQL = "SELECT id, source, target, cost, reverse_cost FROM road_segment"
MAX_PASSAGES = 2000
SAME_STOP_S = 120.0


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Short distances in metres (equirectangular at NL latitudes; good to well under 1%)."""
    lat = math.radians((a[1] + b[1]) / 2)
    dx = (b[0] - a[0]) * 111_320 * math.cos(lat)
    dy = (b[1] - a[1]) * 110_540
    return math.hypot(dx, dy)


def _ends(p: dict[str, Any]) -> tuple[int | None, float, int | None, float]:
    """(exit junction, seconds to reach it, entry junction, seconds from it to the camera)."""
    if p["segment_id"] is None:
        return None, 0.0, None, 0.0
    f = p["frac"] if p["frac"] is not None else 0.5
    if p["dir"] == 1:
        return p["target"], (1 - f) * p["cost"], p["source"], f * p["cost"]
    return p["source"], f * p["reverse_cost"], p["target"], (1 - f) * p["reverse_cost"]


def _stops(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One passage per location visit: several cameras at one location see one vehicle."""
    out: list[dict[str, Any]] = []
    for r in rows:
        if out and out[-1]["location_code"] == r["location_code"] and \
                (r["captured_at"] - out[-1]["captured_at"]).total_seconds() <= SAME_STOP_S:
            continue
        out.append(r)
    return out


def _paths(conn: psycopg.Connection, pairs: set[tuple[int, int]]
           ) -> dict[tuple[int, int], tuple[float, list[int]]]:
    """Free-flow seconds and junction sequence for each (from, to) junction pair."""
    todo = sorted((a, b) for a, b in pairs if a != b)
    out: dict[tuple[int, int], tuple[float, list[int]]] = {(a, a): (0.0, [a]) for a, _ in pairs}
    if not todo:
        return out
    values = ", ".join(f"({int(a)}, {int(b)})" for a, b in todo)  # ints from the database
    combos = f"SELECT * FROM (VALUES {values}) AS t(source, target)"
    rows = conn.execute(
        "SELECT start_vid, end_vid, path_seq, node, agg_cost FROM pgr_dijkstra(%s, %s, true) "
        "ORDER BY start_vid, end_vid, path_seq", (EDGES_SQL, combos)).fetchall()
    for r in rows:
        key = (r["start_vid"], r["end_vid"])
        cost, nodes = out.get(key, (0.0, []))
        out[key] = (max(cost, r["agg_cost"]), nodes + [r["node"]])
    return out


def route(conn: psycopg.Connection, plate: str, window: Window, *, scope: Scope | None = None,
          detour_min_s: float = 900.0, detour_ratio: float = 1.2,
          impossible_ratio: float = 0.6, max_passages: int = MAX_PASSAGES,
          misreads: bool = False) -> dict[str, Any]:
    """The plate's route in ``window``: passages, legs with flags, and per-vertex times.

    With ``misreads`` the route also runs through the passages that are probable misreads
    of the plate (``gis.search.misreads``): the legs stay in time order, and each passage
    says how it matched, so a leg to a misread is seen as one."""
    if scope is not None:
        scope.check(windows=[window], plates=[plate], cameras_given=False)
    # A location-limited order: only the order's cameras are read, in the query itself
    # (R5; a refusal never reveals where else the plate was seen).
    cameras = sorted(scope.cameras) if scope is not None and scope.cameras is not None else None
    matcher = Matcher.of([plate], learned(conn, [plate])) if misreads else None
    passages = matcher.source_sql() if matcher else PLATE_PASSAGES
    rows = [dict(r) for r in conn.execute(PASSAGES_SQL.format(passages=passages), {
        "plate": plate, "start": window.start, "end": window.end, "max": max_passages,
        "cameras": cameras, **(matcher.params(conn) if matcher else {})}).fetchall()]
    out = route_of(conn, plate, window, rows, detour_min_s=detour_min_s,
                   detour_ratio=detour_ratio, impossible_ratio=impossible_ratio,
                   max_passages=max_passages)
    if matcher is not None:
        mark(out, rows, matcher)
    return out


def mark(out: dict[str, Any], rows: list[dict[str, Any]], matcher: Matcher) -> None:
    """Say of each passage of a route including probable misreads how it matched (``rows``
    as ``PASSAGES_SQL`` gives them, in the route's order), its read beside it."""
    out["params"]["misreads"] = True
    for row, shown in zip(rows, out["passages"]):
        shown.update(matcher.mark(row["plate"], row["alternatives"],
                                  row["alternative_confidences"], camera=row["camera_id"]))
        shown["plate"] = row["plate"]


def route_of(conn: psycopg.Connection, plate: str, window: Window, rows: list[dict[str, Any]],
             *, detour_min_s: float = 900.0, detour_ratio: float = 1.2,
             impossible_ratio: float = 0.6, max_passages: int = MAX_PASSAGES) -> dict[str, Any]:
    """The route through given passages (rows shaped as ``PASSAGES_SQL``'s, in time order):
    the provision package builds it from the held, verified passages of the search that
    ran, not by searching again (R1, R7)."""
    stops = _stops(rows)
    pairs: set[tuple[int, int]] = set()
    for a, b in zip(stops, stops[1:]):
        exit_a, _, _, _ = _ends(a)
        _, _, entry_b, _ = _ends(b)
        if exit_a is not None and entry_b is not None:
            pairs.add((exit_a, entry_b))
    paths = _paths(conn, pairs)
    nodes = {n for _, ns in paths.values() for n in ns}
    coords = {r["id"]: (r["lon"], r["lat"]) for r in conn.execute(
        "SELECT id, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM road_junction WHERE id = ANY(%s)",
        (sorted(nodes),)).fetchall()} if nodes else {}
    legs = []
    for i, (a, b) in enumerate(zip(stops, stops[1:])):
        legs.append(_leg(i, a, b, paths, coords, detour_min_s, detour_ratio, impossible_ratio))
    flags = {f: sum(1 for leg in legs if leg["flag"] == f)
             for f in ("ok", "detour_or_stop", "impossible", "no_route")}
    return {"search": "route", "params": {"plate": plate, "window": window.as_dict()},
            "passages_total": len(rows), "truncated": len(rows) >= max_passages,
            "passages": [{k: r[k] for k in ("id", "camera_id", "captured_at", "location_code",
                                            "lon", "lat")} for r in rows],
            "stops": len(stops), "legs": legs, "flags": flags}


def _leg(i: int, a: dict[str, Any], b: dict[str, Any], paths: dict, coords: dict,
         detour_min_s: float, detour_ratio: float, impossible_ratio: float) -> dict[str, Any]:
    observed = (b["captured_at"] - a["captured_at"]).total_seconds()
    pa, pb = (a["loc_lon"], a["loc_lat"]), (b["loc_lon"], b["loc_lat"])
    exit_a, rest_a, _, _ = _ends(a)
    _, _, entry_b, head_b = _ends(b)
    expected: float | None = None
    line = [pa]
    if a["segment_id"] is not None and a["segment_id"] == b["segment_id"] and a["dir"] == b["dir"] \
            and (b["frac"] - a["frac"]) * a["dir"] >= 0:
        per = a["cost"] if a["dir"] == 1 else a["reverse_cost"]
        expected = abs(b["frac"] - a["frac"]) * per
    elif exit_a is not None and entry_b is not None and (exit_a, entry_b) in paths:
        cost, nodes = paths[(exit_a, entry_b)]
        expected = rest_a + cost + head_b
        line += [coords[n] for n in nodes if n in coords]
    line.append(pb)
    straight_m = _metres(pa, pb)
    flag = "ok"
    if expected is None:
        flag = "no_route"
    elif observed < impossible_ratio * expected and expected - observed > 60:
        flag = "impossible"
    elif observed - expected >= detour_min_s and observed >= detour_ratio * expected:
        flag = "detour_or_stop"
    # timestamps per vertex, by distance along the leg
    cum = [0.0]
    for p, q in zip(line, line[1:]):
        cum.append(cum[-1] + _metres(p, q))
    total = cum[-1] or 1.0
    times = [(a["captured_at"] + (b["captured_at"] - a["captured_at"]) * (d / total)).isoformat()
             for d in cum]
    return {"index": i, "from_passage": a["id"], "to_passage": b["id"],
            "from_camera": a["camera_id"], "to_camera": b["camera_id"],
            "from_location": a["location_code"], "to_location": b["location_code"],
            "from_at": a["captured_at"], "to_at": b["captured_at"],
            "observed_s": round(observed, 1),
            "expected_s": round(expected, 1) if expected is not None else None,
            "excess_s": round(observed - expected, 1) if expected is not None else None,
            "length_m": round(cum[-1], 1), "straight_m": round(straight_m, 1),
            "kmh_straight": round(straight_m / observed * 3.6, 1) if observed > 0 else None,
            "flag": flag, "coordinates": [list(c) for c in line], "times": times}


def route_geojson(result: dict[str, Any]) -> dict[str, Any]:
    """The route as GeoJSON: one LineString per leg and one for the whole route, each with a
    timestamp per vertex (``times``), and the passages as Points."""
    features: list[dict[str, Any]] = []
    all_coords: list[list[float]] = []
    all_times: list[str] = []
    for leg in result["legs"]:
        props = {k: v for k, v in leg.items() if k not in ("coordinates",)}
        props = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in props.items()}
        features.append({"type": "Feature", "id": f"leg-{leg['index']}",
                         "geometry": {"type": "LineString", "coordinates": leg["coordinates"]},
                         "properties": {"kind": "leg", **props}})
        skip = 1 if all_coords else 0
        all_coords += leg["coordinates"][skip:]
        all_times += leg["times"][skip:]
    if len(all_coords) >= 2:
        features.insert(0, {"type": "Feature", "id": "route",
                            "geometry": {"type": "LineString", "coordinates": all_coords},
                            "properties": {"kind": "route", "plate": result["params"]["plate"],
                                           "times": all_times}})
    for p in result["passages"]:
        features.append({"type": "Feature", "id": f"passage-{p['id']}",
                         "geometry": {"type": "Point", "coordinates": [p["lon"], p["lat"]]},
                         "properties": {"kind": "passage", "camera_id": p["camera_id"],
                                        "location_code": p["location_code"],
                                        "captured_at": p["captured_at"].isoformat()}})
    return {"type": "FeatureCollection", "features": features,
            "properties": {"plate": result["params"]["plate"], "flags": result["flags"]}}
