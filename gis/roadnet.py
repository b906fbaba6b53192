"""The road network as plain Python objects: junctions, two-way segments, routing.

Why this module exists beside pgRouting: the demo generators (camera registry, traffic,
planted cases) and the tests must work without a database, and they must agree with
the routing the search engine does later (Q6). So the network is loaded from one
shipped JSON file (``gis/data/nl_roads.json``), validated here, and the loaders of the
database import exactly the same junctions and segments.

Geometry is kept in WGS84 (EPSG:4326) as the law requires for what is stored and
shown; every metric computation (lengths, positions along a segment, lane offsets)
is done in RD New (EPSG:28992), the Dutch national grid, where metres are metres.
"""

from __future__ import annotations

import heapq
import json
import logging
import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pyproj import Geod, Transformer
from shapely.geometry import LineString

logger = logging.getLogger(__name__)

DEFAULT_NETWORK_PATH = Path(__file__).resolve().parent / "data" / "nl_roads.json"

#: Width of one lane in metres, used to place lane geometries beside the road axis.
LANE_WIDTH_M = 3.5
#: Distance between the road axis and the inner edge of the leftmost lane: the axis
#: of a motorway runs through the median, so lane 1 starts a little away from it.
MEDIAN_HALF_WIDTH_M = 2.0

_GEOD = Geod(ellps="WGS84")


@lru_cache(maxsize=64)
def _transformers(thread_id: int) -> tuple[Transformer, Transformer]:
    """Return (to RD, to WGS84) transformers for one thread.

    pyproj transformers must not be shared between threads, so they are cached per
    thread id; creating one costs milliseconds, using a cached one microseconds.
    """
    del thread_id  # only the cache key
    to_rd = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)
    to_wgs = Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True)
    return to_rd, to_wgs


def to_rd(lon: float | Sequence[float], lat: float | Sequence[float]):
    """Project WGS84 lon/lat (scalars or arrays) to RD New x/y metres."""
    return _transformers(threading.get_ident())[0].transform(lon, lat)


def to_wgs84(x: float | Sequence[float], y: float | Sequence[float]):
    """Project RD New x/y metres (scalars or arrays) back to WGS84 lon/lat."""
    return _transformers(threading.get_ident())[1].transform(x, y)


def bearing_deg(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """True (geodesic) bearing in degrees 0..360 from point 1 to point 2.

    True north is what a camera's direction means to a user on a map; the RD grid
    north differs from it by up to about two degrees at the edges of the country.
    """
    az, _, _ = _GEOD.inv(lon1, lat1, lon2, lat2)
    return float(az % 360.0)


@dataclass(frozen=True)
class Junction:
    """A node of the network: a knooppunt, an exit, a town or a border crossing."""

    id: int
    name: str
    lon: float
    lat: float
    border: str | None = None


@dataclass(frozen=True)
class Segment:
    """A two-way road stretch between two junctions.

    ``coords`` run from the source junction through the via points to the target
    junction; ``rd`` holds the same polyline in RD New and ``length_m`` its exact
    length along the polyline. Both are derived in ``__post_init__`` so that a
    segment can never carry a length that does not match its geometry.
    """

    id: int
    road: str
    source: int
    target: int
    speed_kmh: int
    lanes: int
    coords: tuple[tuple[float, float], ...]
    rd: tuple[tuple[float, float], ...] = field(default=(), repr=False, compare=False)
    length_m: float = field(default=0.0, compare=False)

    def __post_init__(self) -> None:
        if len(self.coords) < 2:
            raise ValueError(f"segment {self.id}: needs at least two coordinates")
        xs, ys = to_rd([c[0] for c in self.coords], [c[1] for c in self.coords])
        rd = tuple((float(x), float(y)) for x, y in zip(xs, ys))
        length = sum(math.hypot(b[0] - a[0], b[1] - a[1]) for a, b in zip(rd, rd[1:]))
        object.__setattr__(self, "rd", rd)
        object.__setattr__(self, "length_m", float(length))

    @property
    def cost_s(self) -> float:
        """Free-flow travel time in seconds at the speed limit."""
        return self.length_m / (self.speed_kmh / 3.6)

    def other(self, junction_id: int) -> int:
        """The junction at the other end from ``junction_id``."""
        return self.target if junction_id == self.source else self.source

    def rd_line(self) -> LineString:
        """The segment as a shapely LineString in RD New metres."""
        return LineString(self.rd)


Path_ = list[tuple[int, int]]
"""A route: a list of (segment id, direction), direction +1 source→target, -1 back."""


class RoadNetwork:
    """Junctions and segments with adjacency, Dijkstra routing and linear referencing."""

    def __init__(self, junctions: Iterable[Junction], segments: Iterable[Segment]) -> None:
        self.junctions: dict[int, Junction] = {j.id: j for j in junctions}
        self.segments: dict[int, Segment] = {s.id: s for s in segments}
        adjacency: dict[int, list[tuple[int, int, int]]] = {j: [] for j in self.junctions}
        for seg in sorted(self.segments.values(), key=lambda s: s.id):
            adjacency[seg.source].append((seg.target, seg.id, 1))
            adjacency[seg.target].append((seg.source, seg.id, -1))
        self._adjacency = adjacency
        self._road_offset = self._compute_road_offsets()

    # ------------------------------------------------------------------ topology
    def neighbours(self, junction_id: int) -> list[tuple[int, int, int]]:
        """(neighbour junction id, segment id, direction) for each segment at a junction."""
        return list(self._adjacency[junction_id])

    def border_junctions(self) -> list[Junction]:
        """Junctions marked as a border crossing, in id order."""
        return [j for _, j in sorted(self.junctions.items()) if j.border]

    def components(self) -> list[set[int]]:
        """Connected components as sets of junction ids, largest first."""
        seen: set[int] = set()
        parts: list[set[int]] = []
        for start in sorted(self._adjacency):
            if start in seen:
                continue
            part = {start}
            stack = [start]
            while stack:
                node = stack.pop()
                for nb, _, _ in self._adjacency[node]:
                    if nb not in part:
                        part.add(nb)
                        stack.append(nb)
            seen |= part
            parts.append(part)
        return sorted(parts, key=len, reverse=True)

    # ------------------------------------------------------------------ routing
    def _dijkstra(
        self, source: int, target: int | None = None
    ) -> tuple[dict[int, float], dict[int, tuple[int, int, int]]]:
        """Costs and predecessors (previous junction, segment, direction) from source."""
        if source not in self._adjacency:
            raise KeyError(f"unknown junction {source}")
        dist: dict[int, float] = {source: 0.0}
        pred: dict[int, tuple[int, int, int]] = {}
        heap: list[tuple[float, int]] = [(0.0, source)]
        done: set[int] = set()
        while heap:
            d, node = heapq.heappop(heap)
            if node in done:
                continue
            done.add(node)
            if node == target:
                break
            for nb, seg_id, direction in self._adjacency[node]:
                nd = d + self.segments[seg_id].cost_s
                if nd < dist.get(nb, math.inf) - 1e-9:
                    dist[nb] = nd
                    pred[nb] = (node, seg_id, direction)
                    heapq.heappush(heap, (nd, nb))
        return dist, pred

    @staticmethod
    def _unwind(pred: dict[int, tuple[int, int, int]], source: int, target: int) -> Path_:
        path: Path_ = []
        node = target
        while node != source:
            prev, seg_id, direction = pred[node]
            path.append((seg_id, direction))
            node = prev
        path.reverse()
        return path

    def shortest_tree(self, source: int) -> tuple[dict[int, float], dict[int, tuple[int, int, int]]]:
        """Free-flow seconds to every junction and the predecessor tree from ``source``.

        For callers that need many paths from one origin; turn a tree into a route with
        :meth:`path_in_tree`.
        """
        return self._dijkstra(source)

    def path_in_tree(self, pred: dict[int, tuple[int, int, int]], source: int, target: int) -> Path_:
        """The route to ``target`` in a predecessor tree from :meth:`shortest_tree`."""
        return self._unwind(pred, source, target)

    def shortest_path(self, a: int, b: int) -> Path_:
        """Fastest free-flow route from junction a to b as (segment id, direction) pairs.

        Raises ValueError when b cannot be reached (a validated network is connected).
        """
        if b not in self._adjacency:
            raise KeyError(f"unknown junction {b}")
        if a == b:
            return []
        dist, pred = self._dijkstra(a, b)
        if b not in dist:
            raise ValueError(f"junction {b} is not reachable from {a}")
        return self._unwind(pred, a, b)

    def all_pairs_paths(self, nodes: Iterable[int]) -> dict[tuple[int, int], Path_]:
        """Shortest paths between every ordered pair of distinct ``nodes``.

        One full Dijkstra per source, so this is cheap for the few hundred OD pairs
        the traffic generator needs.
        """
        wanted = sorted(set(nodes))
        out: dict[tuple[int, int], Path_] = {}
        for a in wanted:
            dist, pred = self._dijkstra(a)
            for b in wanted:
                if b != a and b in dist:
                    out[(a, b)] = self._unwind(pred, a, b)
        return out

    def path_cost_s(self, path: Path_) -> float:
        """Free-flow seconds of a route."""
        return sum(self.segments[s].cost_s for s, _ in path)

    def path_length_m(self, path: Path_) -> float:
        """Length of a route in metres."""
        return sum(self.segments[s].length_m for s, _ in path)

    def path_junctions(self, start: int, path: Path_) -> list[int]:
        """The junction ids a route visits, starting at ``start``."""
        nodes = [start]
        for seg_id, direction in path:
            seg = self.segments[seg_id]
            nodes.append(seg.target if direction > 0 else seg.source)
        return nodes

    # ------------------------------------------------------------------ linear referencing
    def point_at(self, segment_id: int, fraction: float, direction: int = 1) -> tuple[float, float, float]:
        """(lon, lat, bearing) at ``fraction`` of the segment's length.

        ``fraction`` is always measured from the source junction (0) to the target (1)
        in metres along the polyline, so one camera location has one position for both
        directions; ``direction`` only decides the bearing of travel (+1 towards the
        target, -1 towards the source).
        """
        seg = self.segments[segment_id]
        x, y, i = self._rd_at(seg, fraction)
        lon, lat = to_wgs84(x, y)
        (x0, y0), (x1, y1) = seg.rd[i], seg.rd[i + 1]
        lon0, lat0 = to_wgs84(x0, y0)
        lon1, lat1 = to_wgs84(x1, y1)
        bearing = bearing_deg(lon0, lat0, lon1, lat1)
        if direction < 0:
            bearing = (bearing + 180.0) % 360.0
        return float(lon), float(lat), bearing

    @staticmethod
    def _rd_at(seg: Segment, fraction: float) -> tuple[float, float, int]:
        """RD x, y at a fraction of the length, and the index of the polyline piece."""
        f = min(max(float(fraction), 0.0), 1.0)
        target = f * seg.length_m
        walked = 0.0
        pieces = len(seg.rd) - 1
        for i in range(pieces):
            (x0, y0), (x1, y1) = seg.rd[i], seg.rd[i + 1]
            piece = math.hypot(x1 - x0, y1 - y0)
            if walked + piece >= target or i == pieces - 1:
                t = 0.0 if piece == 0 else min(max((target - walked) / piece, 0.0), 1.0)
                return x0 + t * (x1 - x0), y0 + t * (y1 - y0), i
            walked += piece
        raise AssertionError("unreachable")  # pragma: no cover

    def lane_line(
        self,
        segment_id: int,
        fraction: float,
        direction: int,
        lane: int,
        length_m: float = 60.0,
    ) -> list[tuple[float, float]]:
        """A short lon/lat line along one lane, centred on the position at ``fraction``.

        Traffic keeps right, so lanes of a direction lie to the right of the road axis
        seen in the direction of travel. Lane 1 is the leftmost lane (next to the
        median), as Rijkswaterstaat numbers them; lane n is the slow lane.
        """
        seg = self.segments[segment_id]
        line = seg.rd_line()
        centre = min(max(fraction, 0.0), 1.0) * seg.length_m
        start, end = centre - length_m / 2.0, centre + length_m / 2.0
        # near an end: slide the window so it keeps its length (on a segment that long)
        if start < 0.0:
            start, end = 0.0, min(length_m, seg.length_m)
        elif end > seg.length_m:
            start, end = max(seg.length_m - length_m, 0.0), seg.length_m
        pts = [line.interpolate(start)]
        pts += [line.interpolate(d) for d in _vertex_distances(seg.rd) if start < d < end]
        pts.append(line.interpolate(end))
        xy = [(p.x, p.y) for p in pts]
        if direction < 0:
            xy.reverse()
        offset = MEDIAN_HALF_WIDTH_M + (lane - 0.5) * LANE_WIDTH_M
        shifted = _offset_right(xy, offset)
        lons, lats = to_wgs84([p[0] for p in shifted], [p[1] for p in shifted])
        return [(round(float(a), 7), round(float(b), 7)) for a, b in zip(lons, lats)]

    # ------------------------------------------------------------------ road kilometres
    def _compute_road_offsets(self) -> dict[int, float]:
        """Metres from the start of its road to each segment's source junction.

        The hectometre posts along a Dutch road count from a fixed origin; here the
        origin is the first junction of the road's first segment in file order and
        the count runs along the segments of that road in file order. Plausible, not
        the official hectometrering.
        """
        offsets: dict[int, float] = {}
        running: dict[str, float] = {}
        for seg_id in sorted(self.segments):
            seg = self.segments[seg_id]
            offsets[seg_id] = running.get(seg.road, 0.0)
            running[seg.road] = offsets[seg_id] + seg.length_m
        return offsets

    def hectometre(self, segment_id: int, fraction: float) -> float:
        """Road kilometre (one decimal, as on a hectometre post) at a fraction of a segment."""
        seg = self.segments[segment_id]
        km = (self._road_offset[segment_id] + fraction * seg.length_m) / 1000.0
        return round(km, 1)

    # ------------------------------------------------------------------ misc
    def nearest_junction(self, lon: float, lat: float) -> Junction:
        """The junction closest to a point (in RD metres)."""
        x, y = to_rd(lon, lat)
        best = None
        best_d = math.inf
        for jid in sorted(self.junctions):
            j = self.junctions[jid]
            jx, jy = self._junction_rd(jid)
            d = (jx - x) ** 2 + (jy - y) ** 2
            if d < best_d:
                best, best_d = j, d
        assert best is not None
        return best

    def _junction_rd(self, jid: int) -> tuple[float, float]:
        j = self.junctions[jid]
        for _, seg_id, direction in self._adjacency[jid]:
            seg = self.segments[seg_id]
            return seg.rd[0] if direction > 0 else seg.rd[-1]
        x, y = to_rd(j.lon, j.lat)
        return float(x), float(y)

    def distance_m(self, lon1: float, lat1: float, lon2: float, lat2: float) -> float:
        """Straight-line (geodesic) distance in metres between two points."""
        _, _, d = _GEOD.inv(lon1, lat1, lon2, lat2)
        return float(d)

    def bounds(self) -> tuple[float, float, float, float]:
        """(min lon, min lat, max lon, max lat) over all segment geometry."""
        lons = [c[0] for s in self.segments.values() for c in s.coords]
        lats = [c[1] for s in self.segments.values() for c in s.coords]
        return min(lons), min(lats), max(lons), max(lats)


def _vertex_distances(rd: Sequence[tuple[float, float]]) -> list[float]:
    out = [0.0]
    for a, b in zip(rd, rd[1:]):
        out.append(out[-1] + math.hypot(b[0] - a[0], b[1] - a[1]))
    return out


def _offset_right(xy: Sequence[tuple[float, float]], offset: float) -> list[tuple[float, float]]:
    """Shift a polyline ``offset`` metres to the right of its direction of travel.

    Each vertex moves along the average normal of its adjacent pieces; for the short
    (60 m), nearly straight windows used for lanes this equals a proper buffer offset
    and, unlike shapely's offset_curve, never changes the number or order of points.
    """
    n = len(xy)
    out: list[tuple[float, float]] = []
    for i in range(n):
        a = xy[max(i - 1, 0)]
        b = xy[min(i + 1, n - 1)]
        dx, dy = b[0] - a[0], b[1] - a[1]
        norm = math.hypot(dx, dy) or 1.0
        # right-hand normal of (dx, dy) is (dy, -dx)
        out.append((xy[i][0] + offset * dy / norm, xy[i][1] - offset * dx / norm))
    return out


def load_network(path: str | Path | None = None) -> RoadNetwork:
    """Load and validate a network file (the shipped Dutch network by default).

    Validation is strict because every other part (registry, traffic, loaders into
    PostGIS) trusts the result: duplicate or unknown ids, degenerate segments and a
    disconnected graph raise ValueError naming the offending items.
    """
    src = Path(path) if path is not None else DEFAULT_NETWORK_PATH
    with src.open(encoding="utf-8") as fh:
        data = json.load(fh)
    return network_from_dict(data, origin=str(src))


def network_from_dict(data: dict, origin: str = "<dict>") -> RoadNetwork:
    """Build and validate a RoadNetwork from the JSON layout of ``nl_roads.json``."""
    if not isinstance(data, dict) or "junctions" not in data or "segments" not in data:
        raise ValueError(f"{origin}: expected an object with 'junctions' and 'segments'")
    junctions: dict[int, Junction] = {}
    for raw in data["junctions"]:
        jid = int(raw["id"])
        if jid in junctions:
            raise ValueError(f"{origin}: duplicate junction id {jid}")
        lon, lat = float(raw["lon"]), float(raw["lat"])
        if not (2.5 <= lon <= 7.5 and 50.5 <= lat <= 53.8):
            raise ValueError(f"{origin}: junction {jid} ({raw.get('name')}) lies outside the Netherlands: {lon}, {lat}")
        border = raw.get("border")
        if border is not None and border not in ("BE", "DE"):
            raise ValueError(f"{origin}: junction {jid} has border {border!r}, expected 'BE', 'DE' or null")
        junctions[jid] = Junction(jid, str(raw["name"]), lon, lat, border)
    segments: dict[int, Segment] = {}
    for raw in data["segments"]:
        sid = int(raw["id"])
        if sid in segments:
            raise ValueError(f"{origin}: duplicate segment id {sid}")
        a, b = int(raw["from"]), int(raw["to"])
        for end in (a, b):
            if end not in junctions:
                raise ValueError(f"{origin}: segment {sid} ({raw.get('road')}) refers to unknown junction {end}")
        if a == b:
            raise ValueError(f"{origin}: segment {sid} starts and ends at junction {a}")
        speed, lanes = int(raw["speed_kmh"]), int(raw["lanes"])
        if not 30 <= speed <= 130:
            raise ValueError(f"{origin}: segment {sid} has implausible speed {speed} km/h")
        if not 1 <= lanes <= 6:
            raise ValueError(f"{origin}: segment {sid} has implausible lane count {lanes}")
        ja, jb = junctions[a], junctions[b]
        coords = [(ja.lon, ja.lat)] + [(float(p[0]), float(p[1])) for p in raw.get("via") or []] + [(jb.lon, jb.lat)]
        segments[sid] = Segment(sid, str(raw["road"]), a, b, speed, lanes, tuple(coords))
    if not junctions or not segments:
        raise ValueError(f"{origin}: network is empty")
    network = RoadNetwork(junctions.values(), segments.values())
    parts = network.components()
    if len(parts) > 1:
        stray = sorted(set().union(*parts[1:]))
        names = ", ".join(f"{j} ({junctions[j].name})" for j in stray[:10])
        raise ValueError(
            f"{origin}: network is not connected: {len(parts)} components; "
            f"junctions outside the main one: {names}{' ...' if len(stray) > 10 else ''}"
        )
    logger.debug("loaded network %s: %d junctions, %d segments", origin, len(junctions), len(segments))
    return network
