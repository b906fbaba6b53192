"""Pure-Python tests of the demo generators: road network, camera registry, traffic.

No database: these pin down the data every other test and the benchmarks build on.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from sim.registry import UNITS, generate_registry
from gis.roadnet import load_network, network_from_dict
from sim.traffic import TrafficGenerator, make_plates, to_us

START = datetime(2025, 3, 3, 0, 0, tzinfo=timezone.utc)  # a Monday
NL_PLATE = re.compile(r"^[0-9BDFGHJKLNPRSTVXZ]{6}$")


@pytest.fixture(scope="module")
def network():
    return load_network()


@pytest.fixture(scope="module")
def registry(network):
    return generate_registry(network, seed=126)


@pytest.fixture(scope="module")
def generator(network, registry):
    return TrafficGenerator(network, registry, seed=126)


@pytest.fixture(scope="module")
def planted(generator):
    return generator.plant_cases(START + timedelta(hours=6), START + timedelta(hours=12), seed=126)


def _junction(network, name: str) -> int:
    return next(j.id for j in network.junctions.values() if j.name == name)


# ---------------------------------------------------------------- network
def test_network_loads_connected_and_sized(network):
    assert 140 <= len(network.junctions) <= 200
    assert 220 <= len(network.segments) <= 320
    assert len(network.components()) == 1
    lo_lon, lo_lat, hi_lon, hi_lat = network.bounds()
    assert 3.3 < lo_lon < 4.0 and 7.0 < hi_lon < 7.3 and 50.7 < lo_lat < 50.9 and 53.3 < hi_lat < 53.6
    assert all(s.length_m > 500 for s in network.segments.values())
    assert {j.border for j in network.border_junctions()} == {"BE", "DE"}


def test_shortest_path_amsterdam_maastricht_uses_a2(network):
    a = _junction(network, "Knooppunt Amstel")
    b = _junction(network, "Maastricht Centrum")
    path = network.shortest_path(a, b)
    roads = Counter(network.segments[s].road for s, _ in path)
    assert roads.most_common(1)[0][0] == "A2"
    assert 170_000 < network.path_length_m(path) < 240_000
    assert network.path_junctions(a, path)[-1] == b


def test_point_at_and_bearing(network):
    seg = next(iter(network.segments.values()))
    lon0, lat0, fwd = network.point_at(seg.id, 0.0, 1)
    assert (round(lon0, 4), round(lat0, 4)) == seg.coords[0]
    _, _, back = network.point_at(seg.id, 0.0, -1)
    assert abs(((fwd - back) % 360.0) - 180.0) < 1e-6


def test_validation_errors():
    base = {"junctions": [{"id": 1, "name": "a", "lon": 5.0, "lat": 52.0, "border": None},
                          {"id": 2, "name": "b", "lon": 5.1, "lat": 52.0, "border": None},
                          {"id": 3, "name": "c", "lon": 5.2, "lat": 52.1, "border": None}],
            "segments": [{"id": 1, "road": "A1", "from": 1, "to": 2, "speed_kmh": 100, "lanes": 2}]}
    with pytest.raises(ValueError, match="not connected"):
        network_from_dict(base)
    bad = json.loads(json.dumps(base))
    bad["segments"].append({"id": 2, "road": "A1", "from": 2, "to": 9, "speed_kmh": 100, "lanes": 2})
    with pytest.raises(ValueError, match="unknown junction 9"):
        network_from_dict(bad)
    dup = json.loads(json.dumps(base))
    dup["junctions"].append(dict(dup["junctions"][0]))
    with pytest.raises(ValueError, match="duplicate junction"):
        network_from_dict(dup)


def test_shipped_json_has_four_decimals():
    data = json.loads((Path(__file__).resolve().parents[1] / "gis" / "data" / "nl_roads.json").read_text())
    for j in data["junctions"]:
        assert round(j["lon"], 4) == j["lon"] and round(j["lat"], 4) == j["lat"]


# ---------------------------------------------------------------- registry
def test_registry_counts_and_ids(registry):
    assert 290 <= len(registry.locations) <= 310
    assert 1300 <= len(registry.cameras) <= 1350
    assert len({c.id for c in registry.cameras}) == len(registry.cameras)
    assert len({loc.code for loc in registry.locations}) == len(registry.locations)
    assert {loc.unit_code for loc in registry.locations} == set(UNITS)
    for loc in registry.locations:
        assert re.fullmatch(rf"{loc.unit_code}-{re.escape(loc.road)}-\d{{3}}", loc.code)
    codes = {loc.code for loc in registry.locations}
    for cam in registry.cameras:
        assert cam.location_code in codes
        assert cam.id == f"{cam.location_code}-{'R' if cam.direction > 0 else 'L'}{cam.lane}"
        assert cam.inout in ("in", "out") and cam.facing in ("front", "rear")
        assert len(cam.lane_coords) >= 2
    status = Counter(c.status for c in registry.cameras)
    assert status["active"] > 0.9 * len(registry.cameras)
    owners = Counter(loc.owner for loc in registry.locations)
    assert owners["cjib"] == 15 and owners["municipality"] and owners["commercial"]
    assert 8 <= sum(loc.kind == "mobile" for loc in registry.locations) <= 12


def test_kmar_at_every_border_junction(network, registry):
    for j in network.border_junctions():
        near = [loc for loc in registry.locations if loc.owner == "kmar"
                and network.distance_m(loc.lon, loc.lat, j.lon, j.lat) < 3_000]
        assert near, f"no KMar location near {j.name}"
        dirs = {c.direction for c in registry.cameras if c.location_code == near[0].code}
        assert dirs == {1, -1}


def test_every_lane_lies_at_its_location(network, registry):
    """A lane is drawn around its location (60 m along the road, beside it), never at
    the far end of a long segment, whose passages intake would refuse as too far."""
    for cam in registry.cameras:
        loc = registry.location(cam.location_code)
        far = max(network.distance_m(loc.lon, loc.lat, x, y) for x, y in cam.lane_coords)
        assert far < 60.0, (cam.id, far)


def test_lane_coords_on_the_right(network, registry):
    cam = next(c for c in registry.cameras if c.lane == 2)
    loc = registry.location(cam.location_code)
    lon, lat, bearing = network.point_at(loc.segment_id, loc.fraction, cam.direction)
    mid = np.mean(np.array(cam.lane_coords), axis=0)
    side = network.distance_m(lon, lat, mid[0], mid[1])
    assert 5.0 < side < 10.0  # median 2 m + 1.5 lanes of 3.5 m
    from gis.roadnet import bearing_deg
    rel = (bearing_deg(lon, lat, mid[0], mid[1]) - bearing) % 360.0
    assert 45.0 < rel < 135.0  # to the right of travel


def test_registry_deterministic(network, registry):
    again = generate_registry(network, seed=126)
    assert again.to_dict() == registry.to_dict()
    assert generate_registry(network, seed=7).to_dict() != registry.to_dict()


# ---------------------------------------------------------------- traffic
def _collect(generator, start, end, per_day):
    batches = list(generator.generate(start, end, per_day))
    return batches, sum(len(b) for b in batches)


def test_generator_rate_window_and_plates(generator, registry):
    start, end = START, START + timedelta(days=2)
    batches, total = _collect(generator, start, end, 5_000)
    assert abs(total - 10_000) < 1_000
    t = np.concatenate([b.captured_at for b in batches])
    assert t.min() >= to_us(start) and t.max() < to_us(end)
    hours = (t // 3_600_000_000) % 24
    assert np.sum((hours >= 6) & (hours < 8)) > 3 * np.sum((hours >= 1) & (hours < 3))  # rush vs night (UTC)
    records = list(batches[0].to_records())
    for rec in records[:500]:
        assert rec["captured_at"].endswith("+00:00")
        assert rec["plate"] == rec["plate"].upper() and "-" not in rec["plate"]
        assert not rec["plate"].startswith("Z")
        if rec["country"] == "NL":
            assert NL_PLATE.match(rec["plate"])
        assert 0.0 < rec["confidence"] <= 1.0
    ids = [(r["camera"], r["capture_id"]) for b in batches for r in b.to_records()]
    assert len(set(ids)) == len(ids)
    active = {c.id for c in registry.cameras if c.status == "active"}
    assert {r["camera"] for r in records} <= active


def test_generator_partial_window(generator):
    start = START + timedelta(hours=7)
    _, total = _collect(generator, start, start + timedelta(hours=6), 20_000)
    # six daytime hours with both rush hours' morning half: well above a quarter of a day
    assert 0.25 * 20_000 < total < 0.6 * 20_000


def test_generator_deterministic(generator, network, registry):
    a, _ = _collect(generator, START, START + timedelta(hours=12), 3_000)
    other = TrafficGenerator(network, registry, seed=126)
    b, _ = _collect(other, START, START + timedelta(hours=12), 3_000)
    assert [list(x.to_records()) for x in a] == [list(y.to_records()) for y in b]
    c, _ = _collect(TrafficGenerator(network, registry, seed=5), START, START + timedelta(hours=12), 3_000)
    assert [list(x.to_records()) for x in a] != [list(y.to_records()) for y in c]


def test_make_plates_distinct():
    plates, countries = make_plates(np.random.default_rng(1), 200_000)
    assert len(np.unique(plates)) == len(plates)
    share_nl = np.mean(countries == "NL")
    assert 0.9 < share_nl < 0.99
    nl = plates[countries == "NL"]
    assert all(NL_PLATE.match(p) and not p.startswith("Z") for p in nl[:5000])


def test_naive_datetimes_rejected(generator):
    with pytest.raises(ValueError):
        list(generator.generate(datetime(2025, 1, 1), datetime(2025, 1, 2), 100))


# ---------------------------------------------------------------- planted cases
def _rows(batch):
    return list(batch.to_records())


def test_planted_convoy(planted, registry):
    batch, truth = planted
    json.dumps(truth)
    rows = _rows(batch)
    loc_of = {c.id: (c.location_code, c.direction) for c in registry.cameras}

    def passes(plate):
        return [(loc_of[r["camera"]], datetime.fromisoformat(r["captured_at"])) for r in rows if r["plate"] == plate]

    lead = passes(truth["convoy"]["lead"])
    follower = dict(passes(truth["convoy"]["follower"]))
    assert len({loc for loc, _ in lead}) >= 6
    for loc, t in lead:
        gap = (follower[loc] - t).total_seconds()
        assert 45 <= gap <= 110   # inside the +/-2 minutes a convoy is searched with
    lead_at = dict(lead)
    shared = passes(truth["convoy"]["commuter"])
    assert len([loc for loc, _ in shared if loc in lead_at]) == 2
    assert all((t - lead_at[loc]).total_seconds() > 180 for loc, t in shared)


def test_planted_detour(planted, network, registry):
    batch, truth = planted
    d = truth["detour"]
    rows = sorted((r for r in _rows(batch) if r["plate"] == d["plate"]), key=lambda r: r["captured_at"])
    assert len(rows) == d["passages"] >= 3
    observed = (datetime.fromisoformat(d["to_at"]) - datetime.fromisoformat(d["from_at"])).total_seconds()
    assert abs(observed - d["expected_s"] - 1800) < 120
    # the other legs run at free flow: no leg but the slow one is more than a minute off
    slow = 0
    for a, b in zip(rows, rows[1:]):
        gap = (datetime.fromisoformat(b["captured_at"]) - datetime.fromisoformat(a["captured_at"])).total_seconds()
        slow += gap > 1500
    assert slow == 1


def test_planted_duplicate(planted, network, registry):
    _, truth = planted
    d = truth["duplicate"]
    pos = {c.id: registry.location(c.location_code) for c in registry.cameras}
    a, b = pos[d["first_camera"]], pos[d["second_camera"]]
    km = network.distance_m(a.lon, a.lat, b.lon, b.lat) / 1000.0
    hours = (datetime.fromisoformat(d["second_at"]) - datetime.fromisoformat(d["first_at"])).total_seconds() / 3600
    assert km > 150 and km / hours > 400


def test_planted_crime_sites(planted, registry):
    batch, truth = planted
    cs = truth["crime_sites"]
    sites = cs["sites"]
    assert len(sites) == 5
    cam_loc = {c.id: c.location_code for c in registry.cameras}
    seen: dict[str, set[int]] = {}
    for r in _rows(batch):
        t = datetime.fromisoformat(r["captured_at"])
        for s in sites:
            if cam_loc[r["camera"]] == s["location_code"] and \
                    datetime.fromisoformat(s["from"]) <= t < datetime.fromisoformat(s["to"]):
                seen.setdefault(r["plate"], set()).add(s["site"])
    three = sorted(p for p, s in seen.items() if len(s) >= 3)
    assert three == sorted(cs["at_3_sites"]) and len(three) == 3
    assert all(len(seen[p]) == 3 for p in three)
    assert sorted(p for p, s in seen.items() if len(s) == 2) == sorted(cs["at_2_sites"])


def test_planted_plates_reserved_and_deterministic(generator, planted):
    batch, truth = planted
    assert all(str(p).startswith("Z") for p in batch.plates)
    again = generator.plant_cases(START + timedelta(hours=6), START + timedelta(hours=12), seed=126)
    assert _rows(again[0]) == _rows(batch) and again[1] == truth
    t = batch.captured_at
    assert t.min() >= to_us(START + timedelta(hours=6)) and t.max() < to_us(START + timedelta(hours=12))
