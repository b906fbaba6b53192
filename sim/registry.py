"""The demo camera registry: ~300 locations and ~1,324 cameras on the shipped road network.

Why generated and not hand-written: the real 126jj camera plan is published per unit in
the Staatscourant but its coordinates, lanes and directions are not a dataset we can
ship. The demo needs the same *shape* as the report describes (1,324 cameras at ~300
locations, both directions and every lane, KMar cameras at the borders, CJIB speed
cameras, a few mobile ones) so that searches, plans and benchmarks behave as they would
nationally. Everything is deterministic for a seed.

Naming scheme (used everywhere: plan exports, intake records, tests):

* location code ``{unit}-{road}-{seq:03d}``, e.g. ``AM-A10-003``: the unit that owns the
  location, the road, and a sequence number per (unit, road) in increasing hectometre.
* camera id ``{location code}-{R|L}{lane}``, e.g. ``AM-A10-003-R2``: ``R`` (rechts) is the
  carriageway whose hectometres increase, which is the segment's source→target direction
  (``direction == +1``); ``L`` (links) the other one. Lanes count from the left (lane 1
  next to the median), as Rijkswaterstaat numbers them.

``inout``: for a border location, ``in`` means entering the Netherlands (moving away from
the border junction); elsewhere ``in`` means moving towards the nearest of the large
city centres in ``CITY_CENTRES`` (bearing of travel within 90 degrees of the bearing to
that centre), ``out`` away from it.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

import numpy as np

from gis.roadnet import RoadNetwork, bearing_deg, to_rd

logger = logging.getLogger(__name__)

TARGET_LOCATIONS = 300
TARGET_CAMERAS = 1324

#: Reference points per police unit; a location belongs to the unit of the nearest one.
UNIT_REFERENCES: dict[str, list[tuple[float, float]]] = {
    "NN": [(6.57, 53.22), (5.80, 53.20), (6.56, 52.99), (6.90, 52.78), (5.92, 52.96), (6.10, 53.10),
           (5.44, 53.17), (6.86, 53.32), (7.03, 53.14)],
    "ON": [(6.09, 52.51), (6.89, 52.22), (5.97, 52.21), (5.90, 51.98), (5.86, 51.84), (6.16, 52.25),
           (6.29, 51.96), (6.66, 52.35), (5.62, 52.34), (5.43, 51.88), (6.62, 52.57), (5.66, 52.06),
           (6.42, 52.29), (6.20, 52.14)],
    "MN": [(5.12, 52.09), (5.39, 52.16), (5.22, 52.37), (5.47, 52.51), (5.75, 52.71), (5.17, 52.22),
           (5.05, 52.00), (5.28, 52.05)],
    "NH": [(4.64, 52.38), (4.75, 52.63), (4.76, 52.95), (5.06, 52.64), (4.82, 52.44), (4.69, 52.30),
           (4.95, 52.50), (5.28, 52.70)],
    "AM": [(4.90, 52.37), (4.86, 52.31), (4.96, 52.34), (4.83, 52.39)],
    "DH": [(4.30, 52.08), (4.49, 52.16), (4.36, 52.01), (4.49, 52.06), (4.66, 52.13), (4.71, 52.02),
           (4.55, 52.22)],
    "RT": [(4.48, 51.92), (4.67, 51.81), (4.32, 51.85), (4.13, 51.98), (4.03, 51.96), (4.97, 51.84),
           (4.13, 51.83), (4.60, 51.87)],
    "ZB": [(3.61, 51.50), (3.89, 51.50), (3.83, 51.33), (4.78, 51.59), (4.29, 51.49), (4.46, 51.53),
           (5.09, 51.56), (4.86, 51.64), (3.86, 51.70)],
    "OB": [(5.48, 51.44), (5.30, 51.69), (5.52, 51.76), (5.66, 51.48), (5.62, 51.66), (5.40, 51.55),
           (5.25, 51.36)],
    "LB": [(5.69, 50.85), (5.98, 50.89), (5.99, 51.19), (6.17, 51.37), (5.71, 51.25), (5.98, 51.53),
           (5.87, 51.00)],
}
UNITS = tuple(UNIT_REFERENCES) + ("LE",)

#: Centres that define ``inout``; the Randstad four weigh most in placing locations.
CITY_CENTRES: dict[str, tuple[float, float]] = {
    "Amsterdam": (4.900, 52.373), "Rotterdam": (4.479, 51.922), "Den Haag": (4.300, 52.078),
    "Utrecht": (5.121, 52.091), "Eindhoven": (5.478, 51.441), "Groningen": (6.566, 53.219),
    "Tilburg": (5.091, 51.560), "Almere": (5.218, 52.372), "Breda": (4.776, 51.589),
    "Nijmegen": (5.853, 51.842), "Arnhem": (5.899, 51.985), "Enschede": (6.894, 52.221),
    "Apeldoorn": (5.969, 52.211), "Zwolle": (6.092, 52.512), "Maastricht": (5.691, 50.851),
    "Leeuwarden": (5.796, 53.201), "'s-Hertogenbosch": (5.304, 51.690), "Amersfoort": (5.388, 52.156),
    "Haarlem": (4.636, 52.381), "Middelburg": (3.611, 51.499), "Venlo": (6.172, 51.370),
    "Heerlen": (5.981, 50.888),
}
RANDSTAD = ("Amsterdam", "Rotterdam", "Den Haag", "Utrecht")
#: Share of the regular (non-border) locations per regional unit: the Randstad units
#: are dense, the large rural units get enough to cover their motorways.
UNIT_SHARES = {"AM": 0.07, "NH": 0.09, "DH": 0.10, "RT": 0.13, "MN": 0.12, "ON": 0.14, "NN": 0.09,
               "ZB": 0.09, "OB": 0.09, "LB": 0.08}

N_CJIB = 15
N_MOBILE = 10
N_MUNICIPALITY = 5
N_COMMERCIAL = 3
N_NATIONAL = 18

#: Criteria of art. 3 lid 2 of the Besluit: a specific risk, intensive traffic or a
#: specific function, a known crime location.
CRITERIA = {"a": "locatie met een specifiek risico", "b": "intensief verkeer of een specifieke functie",
            "c": "bekende criminaliteitslocatie"}


@dataclass(frozen=True)
class DemoLocation:
    """A camera location: a point on a segment with cameras for both directions."""

    code: str
    name: str
    unit_code: str
    road: str
    owner: str
    kind: str
    segment_id: int
    fraction: float
    lon: float
    lat: float
    hectometre: float
    border: str | None = None
    criterion: str = "b"
    motivation: str = ""


@dataclass(frozen=True)
class DemoCamera:
    """One camera watching one lane of one direction at a location."""

    id: str
    location_code: str
    direction: int
    bearing: float
    inout: str
    lane: int
    lane_coords: tuple[tuple[float, float], ...]
    mounting: str
    facing: str
    status: str
    active_from: date


@dataclass
class DemoRegistry:
    """The generated registry; cameras are in a fixed order (their index is meaningful)."""

    seed: int
    locations: list[DemoLocation] = field(default_factory=list)
    cameras: list[DemoCamera] = field(default_factory=list)

    def location(self, code: str) -> DemoLocation:
        """The location with a code (KeyError when unknown)."""
        for loc in self.locations:
            if loc.code == code:
                return loc
        raise KeyError(code)

    def cameras_at(self, code: str) -> list[DemoCamera]:
        """Cameras of one location, in registry order."""
        return [c for c in self.cameras if c.location_code == code]

    def to_dict(self) -> dict:
        """A JSON-serialisable form (dates as ISO strings)."""
        cams = []
        for c in self.cameras:
            d = asdict(c)
            d["active_from"] = c.active_from.isoformat()
            d["lane_coords"] = [list(p) for p in c.lane_coords]
            cams.append(d)
        return {"seed": self.seed, "locations": [asdict(loc) for loc in self.locations], "cameras": cams}


def _nearest_key(x: float, y: float, points: dict[str, list[tuple[float, float]]]) -> str:
    best, best_d = "", math.inf
    for key, pts in points.items():
        for px, py in pts:
            d = (px - x) ** 2 + (py - y) ** 2
            if d < best_d:
                best, best_d = key, d
    return best


def _rd_points(points: dict[str, list[tuple[float, float]]]) -> dict[str, list[tuple[float, float]]]:
    out: dict[str, list[tuple[float, float]]] = {}
    for key, pts in points.items():
        xs, ys = to_rd([p[0] for p in pts], [p[1] for p in pts])
        out[key] = [(float(x), float(y)) for x, y in zip(xs, ys)]
    return out


def _short_name(name: str) -> str:
    """'Knooppunt Holendrecht' -> 'Holendrecht', 'Grens Putte (A4)' -> 'Putte'."""
    for prefix in ("Knooppunt ", "Grens "):
        if name.startswith(prefix):
            name = name[len(prefix):]
    return name.split(" (")[0]


def _allocate(weights: np.ndarray, total: int, caps: np.ndarray) -> np.ndarray:
    """Largest-remainder allocation of ``total`` items over weights, respecting caps.

    Quotas come from the weights once; items that a capped entry cannot take go, one at a
    time, to the entry furthest below its quota, so small entries are not starved.
    """
    quota = weights / weights.sum() * total
    counts = np.minimum(np.floor(quota).astype(int), caps)
    while counts.sum() < total:
        deficit = np.where(counts < caps, quota - counts, -np.inf)
        if not np.isfinite(deficit).any():
            break
        counts[int(np.argmax(deficit))] += 1
    return counts


def generate_registry(network: RoadNetwork, seed: int = 126) -> DemoRegistry:
    """Place ~300 locations and ~1,324 cameras on ``network``, deterministically for ``seed``.

    Border junctions each get one KMar location a few hundred metres inland; the other
    locations are spread over all segments with weights favouring long, wide roads near
    the Randstad, so the busy west is dense and every region still has cameras.
    """
    rng = np.random.default_rng(seed)
    seg_ids = sorted(network.segments)
    unit_rd = _rd_points(UNIT_REFERENCES)
    city_rd = _rd_points({k: [v] for k, v in CITY_CENTRES.items()})
    randstad_rd = [city_rd[k][0] for k in RANDSTAD]

    # --- border (KMar) placements: one per border junction, on its only segment
    placements: list[tuple[int, float, str | None, int | None]] = []  # seg, fraction, border, border junction
    border_segs: dict[int, int] = {}
    for j in network.border_junctions():
        nb = network.neighbours(j.id)
        _, seg_id, direction = nb[0]
        seg = network.segments[seg_id]
        dist = min(600.0 + float(rng.uniform(0, 600)), seg.length_m * 0.3)
        f = dist / seg.length_m
        placements.append((seg_id, round(f if direction > 0 else 1.0 - f, 4), j.border, j.id))
        border_segs[seg_id] = j.id

    # --- the rest: weighted allocation over segments
    weights = np.zeros(len(seg_ids))
    caps = np.zeros(len(seg_ids), dtype=int)
    for i, sid in enumerate(seg_ids):
        seg = network.segments[sid]
        mx, my = seg.rd_line().interpolate(0.5, normalized=True).coords[0]
        d_rand = min(math.hypot(mx - x, my - y) for x, y in randstad_rd) / 1000.0
        busy = 1.0 + 2.0 * math.exp(-d_rand / 30.0)
        road_factor = 0.55 if seg.road.startswith("N") else 1.0
        km = seg.length_m / 1000.0
        weights[i] = (km ** 0.6) * (0.7 + 0.15 * seg.lanes) * busy * road_factor
        caps[i] = max(1, int(km // 3.0)) - (1 if sid in border_segs else 0)
    # rebalance so each unit gets roughly its share (the report's plan is per unit)
    seg_unit = []
    for sid in seg_ids:
        mx, my = network.segments[sid].rd_line().interpolate(0.5, normalized=True).coords[0]
        seg_unit.append(_nearest_key(mx, my, unit_rd))
    for unit, share in UNIT_SHARES.items():
        mask = np.array([u == unit for u in seg_unit])
        if mask.any():
            weights[mask] *= share / weights[mask].sum()
    counts = _allocate(weights, TARGET_LOCATIONS - len(placements), caps)
    for sid, k in zip(seg_ids, counts):
        if sid in border_segs:
            # keep the regular ones on a border segment away from the KMar location
            lo, hi = (0.05, 0.75) if network.segments[sid].target == border_segs[sid] else (0.25, 0.95)
        else:
            lo, hi = 0.05, 0.95
        for n in range(int(k)):
            f = lo + (hi - lo) * (n + 0.5) / k + float(rng.uniform(-0.3, 0.3)) * (hi - lo) / k
            placements.append((sid, round(min(max(f, lo), hi), 4), None, None))

    # --- owners, kinds, units
    n = len(placements)
    regular = [i for i, p in enumerate(placements) if p[2] is None]
    pick = rng.permutation(regular)
    cjib = set(pick[:N_CJIB].tolist())
    rest = pick[N_CJIB:]
    n_road = [i for i in rest.tolist() if not network.segments[placements[i][0]].road.startswith("N")
              and network.segments[placements[i][0]].road != "A10"]
    urban = [i for i in rest.tolist() if network.segments[placements[i][0]].road in ("A10", "A13", "A20", "A325",
                                                                                        "N3", "N11", "A326")]
    municipality = set(urban[:N_MUNICIPALITY])
    commercial = set([i for i in n_road if i not in municipality][:N_COMMERCIAL])
    police_pool = [i for i in n_road if i not in municipality and i not in commercial]
    mobile = set(police_pool[:N_MOBILE])
    national_pool = [i for i in police_pool[N_MOBILE:]
                     if network.segments[placements[i][0]].road in ("A1", "A2", "A4", "A12", "A15", "A16", "A27")]
    national = set(national_pool[:N_NATIONAL])

    raw: list[dict] = []
    for i, (sid, frac, border, bj) in enumerate(placements):
        seg = network.segments[sid]
        lon, lat, _ = network.point_at(sid, frac, 1)
        x, y = to_rd(lon, lat)
        unit = "LE" if i in national else _nearest_key(float(x), float(y), unit_rd)
        owner = ("kmar" if border else "cjib" if i in cjib else "municipality" if i in municipality
                 else "commercial" if i in commercial else "police")
        kind = "mobile" if i in mobile else "fixed"
        near = network.nearest_junction(lon, lat)
        criterion = "a" if border else ("c" if rng.random() < 0.15 else "b")
        raw.append(dict(seg=seg, sid=sid, frac=frac, border=border, bj=bj, lon=lon, lat=lat, unit=unit,
                        owner=owner, kind=kind, near=_short_name(near.name), hm=network.hectometre(sid, frac),
                        criterion=criterion))

    # --- codes: per (unit, road) in increasing hectometre
    by_key: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, r in enumerate(raw):
        by_key[(r["unit"], r["seg"].road)].append(i)
    codes: dict[int, str] = {}
    for (unit, road), idx in by_key.items():
        for seq, i in enumerate(sorted(idx, key=lambda k: (raw[k]["hm"], raw[k]["sid"], raw[k]["frac"])), 1):
            codes[i] = f"{unit}-{road}-{seq:03d}"

    locations: list[DemoLocation] = []
    for i, r in enumerate(raw):
        motivation = (f"Grensovergang naar {'België' if r['border'] == 'BE' else 'Duitsland'}: "
                      f"{CRITERIA['a']}" if r["border"] else
                      f"{r['seg'].road} bij {r['near']}: {CRITERIA[r['criterion']]}")
        locations.append(DemoLocation(
            code=codes[i], name=f"{r['seg'].road} {r['near']} hmp {r['hm']:.1f}", unit_code=r["unit"],
            road=r["seg"].road, owner=r["owner"], kind=r["kind"], segment_id=r["sid"], fraction=float(r["frac"]),
            lon=round(float(r["lon"]), 6), lat=round(float(r["lat"]), 6), hectometre=float(r["hm"]),
            border=r["border"], criterion=r["criterion"], motivation=motivation))
    order = sorted(range(n), key=lambda k: locations[k].code)
    locations = [locations[k] for k in order]
    raw = [raw[k] for k in order]

    cameras = _cameras(network, locations, raw, rng, city_rd)
    logger.info("demo registry: %d locations, %d cameras (seed %d)", len(locations), len(cameras), seed)
    return DemoRegistry(seed=seed, locations=locations, cameras=cameras)


def _cameras(network: RoadNetwork, locations: list[DemoLocation], raw: list[dict],
             rng: np.random.Generator, city_rd: dict[str, list[tuple[float, float]]]) -> list[DemoCamera]:
    """Cameras for both directions and every lane, trimmed to exactly TARGET_CAMERAS."""
    # lanes per (location, direction); trim lanes where a location has fewer cameras
    lanes: dict[tuple[int, int], int] = {}
    for i, loc in enumerate(locations):
        seg = network.segments[loc.segment_id]
        for d in (1, -1):
            lanes[(i, d)] = seg.lanes if loc.kind == "fixed" else min(seg.lanes, 2)
    excess = sum(lanes.values()) - TARGET_CAMERAS
    if excess > 0:
        keys = [k for k in sorted(lanes) if lanes[k] >= 2 and locations[k[0]].owner != "kmar"]
        for k in rng.permutation(len(keys))[:excess].tolist():
            lanes[keys[k]] -= 1
    elif excess < 0:
        logger.warning("only %d cameras possible, fewer than the target %d", sum(lanes.values()), TARGET_CAMERAS)

    start = date(2019, 1, 1)
    span = (date(2025, 12, 31) - start).days
    cameras: list[DemoCamera] = []
    for i, loc in enumerate(locations):
        r = raw[i]
        loc_start = start + timedelta(days=int(rng.integers(0, span)))
        x, y = to_rd(loc.lon, loc.lat)
        if loc.border:
            bj = network.junctions[r["bj"]]
            in_dir = -1 if network.segments[loc.segment_id].target == bj.id else 1
        else:
            cname = _nearest_key(float(x), float(y), city_rd)
            clon, clat = CITY_CENTRES[cname]
            to_city = bearing_deg(loc.lon, loc.lat, clon, clat)
        for d in (1, -1):
            lon, lat, bearing = network.point_at(loc.segment_id, loc.fraction, d)
            if loc.border:
                inout = "in" if d == in_dir else "out"
            else:
                diff = abs((bearing - to_city + 180.0) % 360.0 - 180.0)
                inout = "in" if diff < 90.0 else "out"
            for lane in range(1, lanes[(i, d)] + 1):
                u = rng.random()
                status = "defect" if u < 0.02 else "roadworks" if u < 0.03 else "active"
                shift = int(rng.integers(0, 120)) if rng.random() < 0.2 else 0
                cameras.append(DemoCamera(
                    id=f"{loc.code}-{'R' if d > 0 else 'L'}{lane}", location_code=loc.code, direction=d,
                    bearing=round(bearing, 1), inout=inout, lane=lane,
                    lane_coords=tuple(network.lane_line(loc.segment_id, loc.fraction, d, lane)),
                    mounting=loc.kind, facing="rear" if rng.random() < 0.08 else "front", status=status,
                    active_from=min(loc_start + timedelta(days=shift), date(2025, 12, 31))))
    return cameras
