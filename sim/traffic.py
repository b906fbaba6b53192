"""Simulated traffic: passages at the demo cameras, fast enough for national benchmarks.

Why a simulation and not random rows: the searches (convoy, common plates, route with
detour flag) only mean something when plates move along the road network at plausible
speeds and pass cameras in a plausible order. So vehicles drive shortest paths of the
network between junction pairs (origin-destination pairs chosen with a gravity model,
busier around the Randstad), and a passage is emitted where the path crosses a camera
location in the camera's direction.

Speed matters as much: 4.3 million passages a day must come out in seconds. All trips
of one day are expanded into events with numpy (repeat/gather over precomputed OD event
tables), never with a Python loop per passage.

Plates: Dutch plates use the real sidecodes and the letters BDFGHJKLNPRSTVXZ, stored
normalised (upper case, no dashes). Background plates never start with ``Z``: that space
is reserved for the planted cases (:meth:`TrafficGenerator.plant_cases`), so a planted
plate can never collide with a background one.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np

from gis.roadnet import RoadNetwork, to_rd
from sim.misreads import (MISREAD_DIGIT, MISREAD_LETTER, MISREAD_SHARE, alternatives,
                          misread_of, plant_misreads)
from sim.passages import DAY_US, US, GroundTruth, PassageBatch, from_us, to_us
from sim.registry import DemoRegistry

logger = logging.getLogger(__name__)

NL_LETTERS = np.frombuffer(b"BDFGHJKLNPRSTVXZ", dtype=np.uint8)
NL_LETTERS_NO_Z = NL_LETTERS[:-1]  # first letter of a background plate: 'Z' is reserved
LATIN = np.frombuffer(b"ABCDEFGHIJKLMNOPRSTUVWXY", dtype=np.uint8)  # no Z, no Q
DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)

#: Normalised Dutch sidecodes (L letter, D digit) and their share of the fleet.
NL_SIDECODES: dict[str, float] = {
    "DDLLDD": 0.02, "DDDDLL": 0.02, "LLDDLL": 0.03, "LLLLDD": 0.03, "DDLLLL": 0.05,
    "DDLLLD": 0.06, "DLLLDD": 0.06, "LLDDDL": 0.17, "LDDDLL": 0.17, "LLLDDL": 0.17,
    "LDDLLL": 0.10, "DLLDDD": 0.08,
}
#: Foreign plates: country code, share, pattern (C: city letter, L: latin letter, D digit).
FOREIGN: list[tuple[str, float, str]] = [
    ("D", 0.022, "CLLDDD"), ("B", 0.015, "1LLLDDD"), ("PL", 0.008, "CLDDDDD"), ("F", 0.005, "LLDDDLL"),
]

#: Relative traffic per local hour, weekdays and weekends (rush hours, quiet nights).
PROFILE_WEEKDAY = np.array([0.15, 0.10, 0.08, 0.08, 0.15, 0.45, 1.10, 1.80, 1.85, 1.25, 1.00, 1.00,
                            1.05, 1.05, 1.15, 1.45, 1.80, 1.85, 1.30, 0.90, 0.70, 0.55, 0.40, 0.25])
PROFILE_WEEKEND = np.array([0.30, 0.20, 0.15, 0.10, 0.10, 0.15, 0.30, 0.50, 0.80, 1.10, 1.35, 1.50,
                            1.55, 1.55, 1.50, 1.45, 1.40, 1.30, 1.10, 0.90, 0.75, 0.60, 0.45, 0.35])

TRUCK_SHARE = 0.12
TRUCK_KMH = 85.0
GRAVITY_TAU_S = 900.0
COMMUTER_TRIP_SHARE = 0.15
SUBROUTE_P = 0.65
THROUGH_SHARE = 0.15
OCCASIONAL_POOL = 4.0  # occasional vehicles per occasional trip of a day
BATCH_SIZE = 100_000


def _last_sunday(year: int, month: int) -> datetime:
    d = datetime(year, month + 1, 1, tzinfo=timezone.utc) - timedelta(days=1) if month < 12 else \
        datetime(year, 12, 31, tzinfo=timezone.utc)
    return d - timedelta(days=(d.weekday() + 1) % 7)


def amsterdam_offset_h(moment: datetime) -> int:
    """UTC offset of Dutch local time (CET/CEST, EU rule) at a UTC moment.

    Written out rather than taken from zoneinfo so the generator needs no tz database.
    """
    y = moment.year
    summer_from = _last_sunday(y, 3) + timedelta(hours=1)
    summer_to = _last_sunday(y, 10) + timedelta(hours=1)
    return 2 if summer_from <= moment < summer_to else 1


# ---------------------------------------------------------------------------------- plates
def _mixed_radix(k: np.ndarray, alphabets: list[np.ndarray]) -> np.ndarray:
    """Characters (uint8, shape n x len) of numbers k written in the given alphabets."""
    out = np.empty((k.shape[0], len(alphabets)), dtype=np.uint8)
    rest = k.copy()
    for pos in range(len(alphabets) - 1, -1, -1):
        alpha = alphabets[pos]
        out[:, pos] = alpha[rest % len(alpha)]
        rest //= len(alpha)
    return out


def _pattern_alphabets(pattern: str, latin: bool) -> list[np.ndarray]:
    """Alphabet per position; a leading letter never is 'Z' (reserved for planted plates)."""
    alphas = []
    for pos, ch in enumerate(pattern):
        if ch == "L" and latin:
            alphas.append(LATIN)
        elif ch == "L":
            alphas.append(NL_LETTERS_NO_Z if pos == 0 else NL_LETTERS)
        elif ch == "D":
            alphas.append(DIGITS)
        elif ch == "C":
            alphas.append(LATIN)
        else:
            alphas.append(np.frombuffer(ch.encode(), dtype=np.uint8))
    return alphas


def _unique_plates(rng: np.random.Generator, pattern: str, n: int, foreign: bool) -> np.ndarray:
    """n distinct plates (bytes) of one pattern: a random affine permutation of 0..capacity."""
    alphas = _pattern_alphabets(pattern, latin=foreign)
    cap = int(np.prod([len(a) for a in alphas], dtype=np.int64))
    if n > cap:
        raise ValueError(f"pattern {pattern} holds only {cap} plates, {n} asked")
    mult = 1_000_003  # prime, so coprime with every capacity built from 10, 15, 16 and 24
    offset = int(rng.integers(0, cap))
    k = (np.arange(n, dtype=np.int64) * mult + offset) % cap
    chars = _mixed_radix(k, alphas)
    return chars.view(f"S{len(pattern)}").ravel().astype("S7")


def make_plates(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """n distinct background plates (none starting with 'Z') and their country codes.

    Built per pattern in blocks (fast, distinct by construction) and then shuffled, so
    any prefix of the table has the fleet's mix of sidecodes and countries.
    """
    codes = list(NL_SIDECODES) + [p for _, _, p in FOREIGN]
    nl = np.array(list(NL_SIDECODES.values()))
    foreign = np.array([s for _, s, _ in FOREIGN])
    shares = np.concatenate([nl / nl.sum() * (1.0 - foreign.sum()), foreign])
    counts = rng.multinomial(n, shares / shares.sum())
    blocks, country = [], []
    for i, (pattern, k) in enumerate(zip(codes, counts)):
        is_foreign = i >= len(NL_SIDECODES)
        blocks.append(_unique_plates(rng, pattern, int(k), is_foreign))
        country.append(np.full(int(k), FOREIGN[i - len(NL_SIDECODES)][0] if is_foreign else "NL", dtype="U2"))
    order = rng.permutation(n)
    plates = np.concatenate(blocks)[order].astype("U7")
    return plates, np.concatenate(country)[order]


def planted_plates(rng: np.random.Generator, n: int) -> list[str]:
    """n distinct plates from the reserved space (first letter 'Z', sidecode X-999-XX)."""
    k = rng.choice(1000 * 16 * 16, size=n, replace=False).astype(np.int64)
    chars = _mixed_radix(k, [DIGITS, DIGITS, DIGITS, NL_LETTERS, NL_LETTERS])
    return ["Z" + c.tobytes().decode() for c in chars]


# ---------------------------------------------------------------------------------- generator
class TrafficGenerator:
    """Simulated vehicles on ``network`` passing the cameras of ``registry``.

    Construction precomputes, for a sample of origin-destination junction pairs, the
    ordered camera locations each trip passes with free-flow and truck time offsets;
    :meth:`generate` then only samples trips and expands those tables.
    """

    def __init__(self, network: RoadNetwork, registry: DemoRegistry, seed: int = 126, n_od: int = 1600) -> None:
        self.network = network
        self.registry = registry
        self.seed = seed
        self.camera_ids = [c.id for c in registry.cameras]
        self._build_camera_tables()
        self._build_od_tables(n_od)

    # -- precomputation -----------------------------------------------------------------
    def _build_camera_tables(self) -> None:
        """Groups = (location, direction) with their active cameras; lane positions."""
        reg = self.registry
        loc_index = {loc.code: i for i, loc in enumerate(reg.locations)}
        n = len(reg.cameras)
        self.cam_lon = np.empty(n)
        self.cam_lat = np.empty(n)
        members: dict[tuple[int, int], list[int]] = {}
        for ci, cam in enumerate(reg.cameras):
            mid = cam.lane_coords[len(cam.lane_coords) // 2 - (1 if len(cam.lane_coords) % 2 == 0 else 0)]
            end = cam.lane_coords[len(cam.lane_coords) // 2]
            self.cam_lon[ci] = (mid[0] + end[0]) / 2.0
            self.cam_lat[ci] = (mid[1] + end[1]) / 2.0
            if cam.status == "active":
                members.setdefault((loc_index[cam.location_code], cam.direction), []).append(ci)
        keys = sorted(members)
        self.group_loc = np.array([k[0] for k in keys], dtype=np.int32)
        self.group_dir = np.array([k[1] for k in keys], dtype=np.int8)
        self.group_n = np.array([len(members[k]) for k in keys], dtype=np.int32)
        self.group_ptr = np.concatenate([[0], np.cumsum(self.group_n)[:-1]]).astype(np.int64)
        self.group_cams = np.array([c for k in keys for c in members[k]], dtype=np.int32)
        self._group_of = {k: g for g, k in enumerate(keys)}
        # per segment: (fraction from source, group for +1, group for -1)
        seg_locs: dict[int, list[tuple[float, int, int]]] = {}
        for li, loc in enumerate(reg.locations):
            seg_locs.setdefault(loc.segment_id, []).append(
                (loc.fraction, self._group_of.get((li, 1), -1), self._group_of.get((li, -1), -1)))
        self._seg_locs = {s: sorted(v) for s, v in seg_locs.items()}

    def _trip_events(self, path: list[tuple[int, int]]) -> list[tuple[int, float, float]]:
        """(group, free-flow offset s, truck offset s) for each camera group a path passes."""
        events: list[tuple[int, float, float]] = []
        t_ff = t_tr = 0.0
        for seg_id, direction in path:
            seg = self.network.segments[seg_id]
            ff = seg.cost_s
            tr = seg.length_m / (min(seg.speed_kmh, TRUCK_KMH) / 3.6)
            locs = self._seg_locs.get(seg_id, [])
            for frac, g_fwd, g_back in (locs if direction > 0 else reversed(locs)):
                g = g_fwd if direction > 0 else g_back
                if g < 0:
                    continue
                along = frac if direction > 0 else 1.0 - frac
                events.append((g, t_ff + along * ff, t_tr + along * tr))
            t_ff += ff
            t_tr += tr
        return events

    def _build_od_tables(self, n_od: int) -> None:
        """Sample OD pairs (gravity model, symmetric) and flatten their event tables."""
        rng = np.random.default_rng([self.seed, 1])
        net = self.network
        jids = sorted(net.junctions)
        pos = {j: i for i, j in enumerate(jids)}
        xs, ys = to_rd([net.junctions[j].lon for j in jids], [net.junctions[j].lat for j in jids])
        xs, ys = np.asarray(xs), np.asarray(ys)
        randstad = [(121000.0, 487000.0), (92000.0, 437000.0), (81000.0, 455000.0), (136000.0, 456000.0)]
        d_r = np.min([np.hypot(xs - x, ys - y) for x, y in randstad], axis=0) / 1000.0
        weight = 1.0 + 4.0 * np.exp(-d_r / 30.0)
        weight[[pos[j.id] for j in net.border_junctions()]] *= 1.5
        nj = len(jids)
        cost = np.full((nj, nj), np.inf)
        preds = {}
        for a in jids:
            dist, pred = net.shortest_tree(a)
            preds[a] = pred
            for b, d in dist.items():
                cost[pos[a], pos[b]] = d
        iu = np.triu_indices(nj, k=1)
        p = weight[iu[0]] * weight[iu[1]] * (np.exp(-cost[iu] / GRAVITY_TAU_S) + 0.02 * np.exp(-cost[iu] / 7200.0))
        p /= p.sum()
        chosen = rng.choice(p.size, size=min(n_od // 2, p.size), replace=False, p=p)
        od_a, od_b, od_p, ev_rows, od_n = [], [], [], [], []
        for c in np.sort(chosen):
            ja, jb = jids[iu[0][c]], jids[iu[1][c]]
            for a, b in ((ja, jb), (jb, ja)):
                events = self._trip_events(net.path_in_tree(preds[a], a, b))
                if not events:
                    continue
                od_a.append(a)
                od_b.append(b)
                od_p.append(p[c])
                od_n.append(len(events))
                ev_rows.extend(events)
        self.od_a = np.array(od_a, dtype=np.int32)
        self.od_b = np.array(od_b, dtype=np.int32)
        self.od_n = np.array(od_n, dtype=np.int64)
        self.od_ptr = np.concatenate([[0], np.cumsum(self.od_n)[:-1]]).astype(np.int64)
        self.od_p = np.array(od_p) / np.sum(od_p)
        self.ev_group = np.array([e[0] for e in ev_rows], dtype=np.int32)
        self.ev_tff = np.array([e[1] for e in ev_rows])
        self.ev_ttruck = np.array([e[2] for e in ev_rows])
        self._od_index = {(a, b): i for i, (a, b) in enumerate(zip(od_a, od_b))}
        self.route_events = float(np.sum(self.od_p * self.od_n))
        sample = rng.choice(len(self.od_p), size=50_000, p=self.od_p)
        self.events_per_trip = float(np.mean(self._sub_routes(rng, sample)[1]))
        logger.info("traffic: %d OD pairs, %.2f camera locations per route, %.2f passed per trip",
                    len(od_a), self.route_events, self.events_per_trip)

    # -- background traffic --------------------------------------------------------------
    def _pool(self, per_day: int) -> dict[str, np.ndarray]:
        """Vehicles for a rate: commuters (fixed OD and times) then occasional drivers."""
        rng = np.random.default_rng([self.seed, 2, per_day])
        trips = per_day / self.events_per_trip
        n_comm = int(round(trips * COMMUTER_TRIP_SHARE / 2))
        n_occ = max(int(round(trips * (1 - COMMUTER_TRIP_SHARE) * OCCASIONAL_POOL)), 64)
        plates, countries = make_plates(rng, n_comm + n_occ)
        n = n_comm + n_occ
        comm_od = rng.choice(len(self.od_p), size=n_comm, p=self.od_p)
        reverse = np.array([self._od_index.get((int(self.od_b[o]), int(self.od_a[o])), o) for o in comm_od],
                           dtype=np.int64)
        comm_first, comm_m = self._sub_routes(rng, comm_od)
        # the way home passes the same locations in reverse order
        comm_first_back = np.clip(self.od_n[reverse] - comm_first - comm_m, 0, None)
        comm_m = np.minimum(comm_m, self.od_n[reverse] - comm_first_back)
        return {
            "comm_first": comm_first, "comm_m": comm_m, "comm_first_back": comm_first_back,
            "plates": plates, "countries": countries, "n_comm": np.array(n_comm), "n_occ": np.array(n_occ),
            "truck": rng.random(n) < TRUCK_SHARE, "factor": rng.uniform(0.85, 1.10, n),
            "comm_od": comm_od, "comm_back": reverse,
            "comm_out_s": np.clip(rng.normal(7.75 * 3600, 2400, n_comm), 6 * 3600, 9.5 * 3600),
            "comm_home_s": np.clip(rng.normal(17.0 * 3600, 2700, n_comm), 15 * 3600, 19.5 * 3600),
        }

    def _sub_routes(self, rng: np.random.Generator, od: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """First event and number of events each trip really drives of its OD route.

        Most vehicles join and leave the motorway at exits between the junctions, so they
        pass only one or a few camera locations of the junction-to-junction route; a
        share of through traffic drives it all. This is what makes about half of the
        daily passages unique plates, as the report observes.
        """
        n = self.od_n[od]
        m = np.minimum(n, rng.geometric(SUBROUTE_P, od.shape[0]))
        m = np.where(rng.random(od.shape[0]) < THROUGH_SHARE, n, m)
        first = (rng.random(od.shape[0]) * (n - m + 1)).astype(np.int64)
        return first, m

    def _expand(self, rng: np.random.Generator, od: np.ndarray, start_us: np.ndarray, vehicle: np.ndarray,
                pool: dict[str, np.ndarray], route: tuple[np.ndarray, np.ndarray],
                limit: int | None = None) -> tuple[np.ndarray, ...]:
        """Events of trips: (camera index, time us, vehicle), trimmed to ``limit`` events.

        ``route`` gives per trip the first event and the number of events driven of
        its OD route (see :meth:`_sub_routes`).
        """
        skip, counts = route[0], route[1].copy()
        if limit is not None:
            cum = np.cumsum(counts)
            keep = min(int(np.searchsorted(cum, limit, side="left")) + 1, od.shape[0])
            od, start_us, vehicle = od[:keep], start_us[:keep], vehicle[:keep]
            skip, counts = skip[:keep], counts[:keep].copy()
            if keep and cum[keep - 1] > limit:
                counts[-1] -= cum[keep - 1] - limit
        total = int(counts.sum())
        trip = np.repeat(np.arange(od.shape[0]), counts)
        first = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        base = self.od_ptr[od] + skip
        ev = base[trip] + (np.arange(total) - first[trip])
        veh = vehicle[trip]
        truck = pool["truck"][veh]
        factor = pool["factor"][veh]
        offset = np.where(truck, self.ev_ttruck[ev], self.ev_tff[ev] / factor)
        # time runs from the exit where the vehicle joined, a few minutes before
        ev0 = base[trip]
        offset -= np.where(truck, self.ev_ttruck[ev0], self.ev_tff[ev0] / factor)
        offset += rng.uniform(30.0, 600.0, od.shape[0])[trip]
        t_us = start_us[trip] + (offset * US).astype(np.int64) + rng.integers(-2 * US, 2 * US, total)
        g = self.ev_group[ev]
        cam = self.group_cams[self.group_ptr[g] + (rng.random(total) * self.group_n[g]).astype(np.int64)]
        return cam, t_us, veh

    def generate(self, start: datetime, end: datetime, per_day: int,
                 batch_size: int = BATCH_SIZE, misreads: float = 0.0) -> Iterator[PassageBatch]:
        """Background passages in [start, end) at ``per_day`` passages per day.

        Work is done per UTC day; each day's passages are sorted by time and yielded
        in batches of ``batch_size``. With ``misreads``, that share of them is read
        with a confusable character (:func:`plant_misreads`, a random stream of its own:
        everything else stays as without). Same arguments, same bytes.
        """
        start_us, end_us = to_us(start), to_us(end)
        if end_us <= start_us:
            raise ValueError("end must be after start")
        if per_day <= 0:
            raise ValueError("per_day must be positive")
        pool = self._pool(per_day)
        n_comm, n_occ = int(pool["n_comm"]), int(pool["n_occ"])
        seq = 0
        day_us = start_us - start_us % DAY_US
        while day_us < end_us:
            lo, hi = max(start_us, day_us), min(end_us, day_us + DAY_US)
            rng = np.random.default_rng([self.seed, 3, per_day, day_us // DAY_US])
            day_dt = from_us(day_us + DAY_US // 2)
            offset_h = amsterdam_offset_h(day_dt)
            weekday = (day_dt + timedelta(hours=offset_h)).weekday() < 5
            profile = PROFILE_WEEKDAY if weekday else PROFILE_WEEKEND
            hour_w = profile[(np.arange(24) + offset_h) % 24]  # weight of each UTC hour
            h_lo = day_us + np.arange(24, dtype=np.int64) * 3600 * US
            overlap = np.clip(np.minimum(h_lo + 3600 * US, hi) - np.maximum(h_lo, lo), 0, None)
            mass = hour_w * overlap / (3600 * US)
            target = int(round(per_day * mass.sum() / hour_w.sum()))
            parts = []
            if weekday and n_comm:
                local_midnight = day_us - offset_h * 3600 * US
                jit = rng.normal(0, 480, (2, n_comm))
                t_out = local_midnight + ((pool["comm_out_s"] + jit[0]) * US).astype(np.int64)
                t_home = local_midnight + ((pool["comm_home_s"] + jit[1]) * US).astype(np.int64)
                od = np.concatenate([pool["comm_od"], pool["comm_back"]])
                t0 = np.concatenate([t_out, t_home])
                veh = np.concatenate([np.arange(n_comm), np.arange(n_comm)])
                inside = (t0 >= lo) & (t0 < hi)
                route = (np.concatenate([pool["comm_first"], pool["comm_first_back"]])[inside],
                         np.concatenate([pool["comm_m"], pool["comm_m"]])[inside])
                parts.append(self._expand(rng, od[inside], t0[inside], veh[inside], pool, route))
            need = max(target - sum(p[0].shape[0] for p in parts), 0)
            n_trips = int(math.ceil(need / self.events_per_trip * 1.25)) + 32
            od = rng.choice(len(self.od_p), size=n_trips, p=self.od_p)
            hours = rng.choice(24, size=n_trips, p=mass / mass.sum())
            h_start = np.maximum(h_lo[hours], lo)
            span = np.minimum(h_lo[hours] + 3600 * US, hi) - h_start
            t0 = h_start + (rng.random(n_trips) * span).astype(np.int64)
            veh = n_comm + rng.integers(0, n_occ, n_trips)
            if need:
                parts.append(self._expand(rng, od, t0, veh, pool, self._sub_routes(rng, od), limit=need))
            if not parts:
                day_us += DAY_US
                continue
            cam = np.concatenate([p[0] for p in parts])
            t_us = np.concatenate([p[1] for p in parts])
            veh = np.concatenate([p[2] for p in parts])
            keep = (t_us >= start_us) & (t_us < end_us)
            cam, t_us, veh = cam[keep], t_us[keep], veh[keep]
            order = np.argsort(t_us, kind="stable")
            cam, t_us, veh = cam[order].astype(np.int32), t_us[order], veh[order].astype(np.int32)
            n = cam.shape[0]
            conf = np.clip(0.995 - rng.gamma(1.2, 0.03, n), 0.35, 0.999).astype(np.float32)
            lat = self.cam_lat[cam] + rng.normal(0, 2.0 / 111_320, n)
            lon = self.cam_lon[cam] + rng.normal(0, 2.0 / 68_000, n)
            day = PassageBatch(cam, t_us, veh, conf, lon, lat, self.camera_ids, pool["plates"], pool["countries"])
            if misreads > 0:
                day = plant_misreads(day, np.random.default_rng(
                    [self.seed, 7, per_day, day_us // DAY_US]), misreads)
            for b in range(0, n, batch_size):
                yield day.slice(b, min(b + batch_size, n), seq + b)
            seq += n
            day_us += DAY_US

    # -- planted cases ---------------------------------------------------------------------
    def _od_with(self, rng: np.random.Generator, min_events: int, max_s: float) -> int:
        """A random OD with at least ``min_events`` camera groups and duration <= max_s."""
        last = self.od_ptr + self.od_n - 1
        ok = np.flatnonzero((self.od_n >= min_events) & (self.ev_tff[last] <= max_s))
        if ok.size == 0:
            raise ValueError(f"no route with >= {min_events} camera locations fits in {max_s / 3600:.1f} h")
        return int(rng.choice(ok))

    def _pass(self, rng: np.random.Generator, group: int) -> int:
        return int(self.group_cams[self.group_ptr[group] + rng.integers(0, self.group_n[group])])

    def plant_cases(self, start: datetime, end: datetime, seed: int = 126) -> tuple[PassageBatch, GroundTruth]:
        """Passages of four planted investigative cases in [start, end), with ground truth.

        The window must be at least four hours. Planted plates start with 'Z' (never a
        background plate), so the cases can be mixed into any background traffic.
        """
        lo, hi = to_us(start), to_us(end)
        length_s = (hi - lo) / US
        if length_s < 4 * 3600:
            raise ValueError("plant_cases needs a window of at least 4 hours")
        rng = np.random.default_rng([seed, 126126])
        plates = planted_plates(rng, 48)
        rows: list[tuple[int, int, str]] = []  # camera, time us, plate
        cam_id = self.camera_ids
        loc_code = [self.registry.locations[int(self.group_loc[g])].code for g in range(len(self.group_loc))]

        def at(us: int) -> str:
            return from_us(us).isoformat()

        # 1. convoy
        od = self._od_with(rng, 6, 0.4 * length_s)
        ev = range(int(self.od_ptr[od]), int(self.od_ptr[od] + self.od_n[od]))
        t0 = lo + int(rng.uniform(0.05, 0.45) * length_s * US)
        lead, follower, commuter = plates[0], plates[1], plates[2]
        convoy = []
        for e in ev:
            g = int(self.ev_group[e])
            t_lead = t0 + int(self.ev_tff[e] / 0.98 * US)
            # the follower keeps one to two minutes behind: inside the +/-2 minutes that
            # officers search a convoy with (DESIGN.md Q4). Up to 170 s (before), it fell
            # outside at about half the places, and on a busy hour's demo traffic a car
            # that happened to drive the same road ahead of the lead ranked above it.
            gap = int(rng.uniform(45, 110) * US)
            c_lead, c_fol = self._pass(rng, g), self._pass(rng, g)
            rows += [(c_lead, t_lead, lead), (c_fol, t_lead + gap, follower)]
            convoy.append({"location": loc_code[g], "lead_camera": cam_id[c_lead], "lead_at": at(t_lead),
                           "follower_camera": cam_id[c_fol], "follower_at": at(t_lead + gap), "gap_s": gap / US})
        k = int(rng.integers(1, len(convoy) - 2))
        shared = []
        for e in (ev[k], ev[k + 1]):
            g = int(self.ev_group[e])
            t_lead = t0 + int(self.ev_tff[e] / 0.98 * US)
            t_c = t_lead + int(rng.uniform(330, 420) * US)
            c = self._pass(rng, g)
            rows.append((c, t_c, commuter))
            shared.append({"location": loc_code[g], "camera": cam_id[c], "at": at(t_c), "gap_s": (t_c - t_lead) / US})

        # 2. detour: one leg ~30 minutes slower than free flow
        od = self._od_with(rng, 4, 0.5 * length_s - 2400)
        ev = range(int(self.od_ptr[od]), int(self.od_ptr[od] + self.od_n[od]))
        slow = int(rng.integers(1, len(ev) - 1))  # delay between passage slow-1 and slow
        delay = int(rng.uniform(1740, 1860) * US)
        t0 = lo + int(rng.uniform(0.05, 0.45) * length_s * US)
        det_plate, det_rows = plates[3], []
        for i, e in enumerate(ev):
            t = t0 + int(self.ev_tff[e] * US) + (delay if i >= slow else 0)
            c = self._pass(rng, int(self.ev_group[e]))
            rows.append((c, t, det_plate))
            det_rows.append((c, t, float(self.ev_tff[e])))
        (ca, ta, fa), (cb, tb, fb) = det_rows[slow - 1], det_rows[slow]
        detour = {"plate": det_plate, "from_camera": cam_id[ca], "from_at": at(ta), "to_camera": cam_id[cb],
                  "to_at": at(tb), "expected_s": round(fb - fa, 1), "observed_s": (tb - ta) / US,
                  "delay_s": delay / US, "passages": len(det_rows)}

        # 3. duplicated plate: two places far apart, impossible in time
        dup_plate = plates[4]
        g_lon = self.cam_lon[self.group_cams[self.group_ptr]]
        g_lat = self.cam_lat[self.group_cams[self.group_ptr]]
        for _ in range(1000):
            g1, g2 = (int(x) for x in rng.integers(0, len(self.group_loc), 2))
            dist = self.network.distance_m(g_lon[g1], g_lat[g1], g_lon[g2], g_lat[g2])
            if dist > 180_000:
                break
        else:
            raise ValueError("no two camera locations 180 km apart")
        t1 = lo + int(rng.uniform(0.2, 0.8) * length_s * US)
        dt_s = min(dist / (rng.uniform(520, 800) / 3.6), 1800.0)
        t2 = t1 + int(dt_s * US)
        c1, c2 = self._pass(rng, g1), self._pass(rng, g2)
        rows += [(c1, t1, dup_plate), (c2, t2, dup_plate)]
        duplicate = {"plate": dup_plate, "first_camera": cam_id[c1], "first_at": at(t1), "second_camera": cam_id[c2],
                     "second_at": at(t2), "distance_km": round(dist / 1000.0, 2),
                     "required_kmh": round(dist / 1000.0 / (dt_s / 3600.0), 1)}

        # 4. crime sites: 5 sites x 2 h; 3 plates at exactly 3 sites, 2 plates at exactly 2
        sites_g = self._spread_groups(rng, 5, 25_000)
        sites = []
        for s, g in enumerate(sites_g):
            w0 = lo + int(rng.uniform(0, length_s - 7200) * US)
            loc_i = int(self.group_loc[g])
            cams = [int(c) for gg in np.flatnonzero(self.group_loc == loc_i)
                    for c in self.group_cams[self.group_ptr[gg]:self.group_ptr[gg] + self.group_n[gg]]]
            sites.append({"site": s + 1, "location_code": loc_code[g], "cameras": [cam_id[c] for c in cams],
                          "from": at(w0), "to": at(w0 + 7200 * US), "_w0": w0, "_cams": cams})
        combos3 = [(a, b, c) for a in range(5) for b in range(a + 1, 5) for c in range(b + 1, 5)]
        combos2 = [(a, b) for a in range(5) for b in range(a + 1, 5)]
        chosen = [combos3[i] for i in rng.choice(len(combos3), 3, replace=False)] + \
                 [combos2[i] for i in rng.choice(len(combos2), 2, replace=False)]
        crime_plates: dict[str, list[int]] = {}
        for p_i, combo in enumerate(chosen):
            plate = plates[5 + p_i]
            crime_plates[plate] = [s + 1 for s in combo]
        for p_i in range(30):  # decoys: one site each
            crime_plates[plates[10 + p_i]] = [int(rng.integers(0, 5)) + 1]
        for plate, site_nums in crime_plates.items():
            for s in site_nums:
                site = sites[s - 1]
                t = site["_w0"] + int(rng.uniform(60, 7140) * US)
                rows.append((int(rng.choice(site["_cams"])), t, plate))
        for site in sites:
            del site["_w0"], site["_cams"]

        rows.sort(key=lambda r: (r[1], r[0], r[2]))
        rows = [r for r in rows if lo <= r[1] < hi]
        table = sorted({r[2] for r in rows})
        index = {p: i for i, p in enumerate(table)}
        cam = np.array([r[0] for r in rows], dtype=np.int32)
        n = cam.shape[0]
        batch = PassageBatch(
            camera=cam, captured_at=np.array([r[1] for r in rows], dtype=np.int64),
            plate=np.array([index[r[2]] for r in rows], dtype=np.int32),
            confidence=rng.uniform(0.9, 0.995, n).astype(np.float32),
            lon=self.cam_lon[cam] + rng.normal(0, 2.0 / 68_000, n),
            lat=self.cam_lat[cam] + rng.normal(0, 2.0 / 111_320, n),
            cameras=self.camera_ids, plates=np.array(table, dtype="U7"),
            countries=np.array(["NL"] * len(table), dtype="U2"), capture_prefix="p")
        batch, misread_truth = self._plant_misread_case(lo, hi, plates[40:44], batch, seed)
        truth: GroundTruth = {
            "seed": seed, "window": [at(lo), at(hi)], "reserved_plate_prefix": "Z",
            "misreads": misread_truth,
            "convoy": {"lead": lead, "follower": follower, "commuter": commuter, "passages": convoy,
                       "commuter_shared": shared},
            "detour": detour,
            "duplicate": duplicate,
            "crime_sites": {"sites": sites, "plates": crime_plates,
                            "at_3_sites": [p for p, s in crime_plates.items() if len(s) == 3],
                            "at_2_sites": [p for p, s in crime_plates.items() if len(s) == 2]},
        }
        return batch, truth

    def _spread_groups(self, rng: np.random.Generator, n: int, min_m: float) -> list[int]:
        """n camera groups at distinct locations at least ``min_m`` apart."""
        order = rng.permutation(len(self.group_loc))
        chosen: list[int] = []
        for g in order.tolist():
            c = int(self.group_cams[self.group_ptr[g]])
            if all(self.network.distance_m(self.cam_lon[c], self.cam_lat[c],
                                           self.cam_lon[int(self.group_cams[self.group_ptr[h]])],
                                           self.cam_lat[int(self.group_cams[self.group_ptr[h]])]) >= min_m
                   for h in chosen):
                chosen.append(g)
            if len(chosen) == n:
                return chosen
        raise ValueError(f"could not find {n} camera locations {min_m / 1000:.0f} km apart")

    def _plant_misread_case(self, lo: int, hi: int, plates: list[str], batch: PassageBatch,
                            seed: int) -> tuple[PassageBatch, GroundTruth]:
        """5. misreads: vehicles of their own drive a route each, and a few of their
        passages are read with a confusable character, the camera's alternative reads
        holding the true plate for some and not for others. Appended to ``batch`` with
        a random stream of their own, so the other cases' passages are as without; no
        passage of another case is misread (:meth:`plant_cases`)."""
        rng = np.random.default_rng([seed, 126126, 5])
        length_s = (hi - lo) / US
        rows: list[tuple[int, int, int]] = []  # camera, time us, plate index in ``plates``
        for k in range(len(plates)):
            od = self._od_with(rng, 6, 0.4 * length_s)
            t0 = lo + int(rng.uniform(0.05, 0.5) * length_s * US)
            for e in range(int(self.od_ptr[od]), int(self.od_ptr[od] + self.od_n[od])):
                rows.append((self._pass(rng, int(self.ev_group[e])),
                             t0 + int(self.ev_tff[e] * US), k))
        rows = [r for r in rows if lo <= r[1] < hi]
        n = len(rows)
        cam = np.array([r[0] for r in rows], dtype=np.int32)
        table = np.array(plates, dtype="U7")
        extra = PassageBatch(
            camera=cam, captured_at=np.array([r[1] for r in rows], dtype=np.int64),
            plate=np.array([r[2] for r in rows], dtype=np.int32),
            confidence=rng.uniform(0.6, 0.9, n).astype(np.float32),
            lon=self.cam_lon[cam] + rng.normal(0, 2.0 / 68_000, n),
            lat=self.cam_lat[cam] + rng.normal(0, 2.0 / 111_320, n),
            cameras=self.camera_ids, plates=table,
            countries=np.array(["NL"] * len(plates), dtype="U2"))
        # Two misread passages per vehicle (never its first), alternating which kind of
        # alternative reads the camera sent: the true plate, only wrong ones, none.
        chosen: list[int] = []
        for k in range(len(plates)):
            mine = [i for i, r in enumerate(rows) if r[2] == k][1:]
            chosen += sorted(int(i) for i in rng.choice(mine, size=min(2, len(mine)),
                                                        replace=False))
        reads = np.full(n, "", dtype="U12")
        alts = np.full(n, None, dtype=object)
        kinds = ("true", "wrong", "true", "none")
        for j, i in enumerate(chosen):
            true = str(table[rows[i][2]])
            read = misread_of(true, rng)
            reads[i] = read
            alts[i] = alternatives(true, read, rng, kinds[j % len(kinds)])
        # clean passages of these vehicles carry candidates too (the camera's top-N)
        for i in range(n):
            if not reads[i] and rng.random() < 0.5:
                wrong = misread_of(str(table[rows[i][2]]), rng)
                if wrong is not None:
                    alts[i] = ((wrong, round(float(rng.uniform(0.05, 0.3)), 3)),)
        base = len(batch)
        merged = PassageBatch(
            camera=np.concatenate([batch.camera, extra.camera]),
            captured_at=np.concatenate([batch.captured_at, extra.captured_at]),
            plate=np.concatenate([batch.plate, extra.plate + len(batch.plates)]),
            confidence=np.concatenate([batch.confidence, extra.confidence]),
            lon=np.concatenate([batch.lon, extra.lon]), lat=np.concatenate([batch.lat, extra.lat]),
            cameras=self.camera_ids, plates=np.concatenate([batch.plates, table]),
            countries=np.concatenate([batch.countries, extra.countries]),
            capture_prefix=batch.capture_prefix,
            reads=np.concatenate([np.full(base, "", dtype="U12"), reads]),
            alternatives=np.concatenate([np.full(base, None, dtype=object), alts]))
        iso = np.datetime_as_string(extra.captured_at.astype("datetime64[us]"), unit="us")
        vehicles: dict[str, Any] = {}
        for i, r in enumerate(rows):
            v = vehicles.setdefault(str(table[r[2]]), {"passages": 0, "misread": []})
            v["passages"] += 1
            if reads[i]:
                held = [a for a, _ in alts[i] or ()]
                v["misread"].append({
                    "camera": self.camera_ids[r[0]], "at": f"{iso[i]}+00:00",
                    "capture_id": f"{r[1]}-p{base + i}", "read": str(reads[i]),
                    "alternatives": held, "alternatives_hold_plate": str(table[r[2]]) in held})
        return merged, {
            "vehicles": vehicles,
            "confusions": {"letter": MISREAD_LETTER, "digit": MISREAD_DIGIT},
            "background_share": MISREAD_SHARE,
            "other_cases_misread": False}
