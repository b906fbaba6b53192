"""Misreads in the simulated traffic: passages read with a confusable character (issue 18).

Cameras misread B as 8, D as 0, G as 6, S as 5, Z as 2, and at digit positions 0 as O or
D, 1 as I, 8 as B (docs/misreads.md). The demo reads a few per cent of its background
passages so (:func:`plant_misreads`, a random stream of its own, so every other value
of the traffic stays as without), and plants a case of its own
(:func:`plant_misread_case`): vehicles whose misread passages the ground truth names,
with the camera's alternative candidate reads holding the true plate for some and not for
others, so the searches including probable misreads can be measured (recall with the
option on and off).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from gis.traffic import US, GroundTruth, PassageBatch, TrafficGenerator

#: The confusions planted (a subset of gis.search.misreads' table, so a search including
#: probable misreads can find them): a true letter at a letter position read as ...
MISREAD_LETTER = {"B": "8", "D": "0", "G": "6", "S": "5", "Z": "2"}
#: ... and a true digit at a digit position read as ... (0 as O or D, 1 as I, ...).
MISREAD_DIGIT = {"0": "OD", "1": "I", "2": "Z", "5": "S", "6": "G", "8": "B"}
#: Share of background passages the demo reads with a confusable character.
MISREAD_SHARE = 0.03
#: Of the misread passages: the camera's alternative reads hold the true plate (with a
#: lower confidence than the misread), hold only other wrong candidates, or are absent.
ALT_TRUE, ALT_WRONG = 0.5, 0.3


def misread_of(plate: str, rng: np.random.Generator) -> str | None:
    """The plate with one character read as a look-alike at a position of its side-code
    (both tables where it fits none), or None when no character of it is confusable. A
    read never starts with 'Z' (the planted plates' reserved space)."""
    from gis.search.misreads import side_code, SIDE_CODES

    code = side_code(plate)
    kinds = SIDE_CODES[code] if code is not None else "?" * len(plate)
    options = []
    for i, (ch, kind) in enumerate(zip(plate, kinds)):
        reads = (MISREAD_LETTER.get(ch, "") if kind in "L?" else "") + \
                (MISREAD_DIGIT.get(ch, "") if kind in "D?" else "")
        options += [(i, r) for r in reads if not (i == 0 and r == "Z")]
    if not options:
        return None
    i, r = options[int(rng.integers(len(options)))]
    return plate[:i] + r + plate[i + 1:]


def _alternatives(true: str, read: str, rng: np.random.Generator,
                  kind: str) -> tuple[tuple[str, float], ...] | None:
    """A misread passage's candidate reads: with the true plate (``kind`` "true"), only
    wrong ones ("wrong"), or none."""
    if kind == "none":
        return None
    wrong = misread_of(read, rng)
    alts = []
    if kind == "true":
        alts.append((true, round(float(rng.uniform(0.2, 0.45)), 3)))
    if wrong is not None and wrong not in (true, read):
        alts.append((wrong, round(float(rng.uniform(0.05, 0.2)), 3)))
    if not alts:
        alts.append((read[:-1] + ("X" if read[-1] != "X" else "K"), 0.05))
    return tuple(alts)


def plant_misreads(batch: PassageBatch, rng: np.random.Generator, share: float,
                   rows: np.ndarray | None = None) -> PassageBatch:
    """The batch with ``share`` of its passages (of ``rows`` when given) read with a
    confusable character, each with the camera's alternative reads (:data:`ALT_TRUE`
    of them holding the true plate, :data:`ALT_WRONG` only wrong ones, the rest none)."""
    n = len(batch)
    pool = np.arange(n) if rows is None else np.asarray(rows)
    chosen = pool[rng.random(pool.shape[0]) < share] if share < 1 else pool
    reads = np.full(n, "", dtype="U12") if batch.reads is None else batch.reads.copy()
    alts = np.full(n, None, dtype=object) if batch.alternatives is None \
        else batch.alternatives.copy()
    plates = batch.plates[batch.plate]
    draw = rng.random(chosen.shape[0])
    for i, u in zip(chosen.tolist(), draw.tolist()):
        true = str(plates[i])
        read = misread_of(true, rng)
        if read is None:
            continue
        reads[i] = read
        alts[i] = _alternatives(true, read, rng, "true" if u < ALT_TRUE else
                                "wrong" if u < ALT_TRUE + ALT_WRONG else "none")
    return PassageBatch(batch.camera, batch.captured_at, batch.plate, batch.confidence,
                        batch.lon, batch.lat, batch.cameras, batch.plates, batch.countries,
                        batch.first_seq, batch.capture_prefix, reads, alts)


def plant_misread_case(gen: TrafficGenerator, lo: int, hi: int, plates: list[str],
                       batch: PassageBatch, seed: int) -> tuple[PassageBatch, GroundTruth]:
    """5. misreads: vehicles of their own drive a route each, and a few of their
    passages are read with a confusable character, the camera's alternative reads
    holding the true plate for some and not for others. Appended to ``batch`` with
    a random stream of their own, so the other cases' passages are as without; no
    passage of another case is misread (``TrafficGenerator.plant_cases``)."""
    rng = np.random.default_rng([seed, 126126, 5])
    length_s = (hi - lo) / US
    rows: list[tuple[int, int, int]] = []  # camera, time us, plate index in ``plates``
    for k in range(len(plates)):
        od = gen._od_with(rng, 6, 0.4 * length_s)
        t0 = lo + int(rng.uniform(0.05, 0.5) * length_s * US)
        for e in range(int(gen.od_ptr[od]), int(gen.od_ptr[od] + gen.od_n[od])):
            rows.append((gen._pass(rng, int(gen.ev_group[e])),
                         t0 + int(gen.ev_tff[e] * US), k))
    rows = [r for r in rows if lo <= r[1] < hi]
    n = len(rows)
    cam = np.array([r[0] for r in rows], dtype=np.int32)
    table = np.array(plates, dtype="U7")
    extra = PassageBatch(
        camera=cam, captured_at=np.array([r[1] for r in rows], dtype=np.int64),
        plate=np.array([r[2] for r in rows], dtype=np.int32),
        confidence=rng.uniform(0.6, 0.9, n).astype(np.float32),
        lon=gen.cam_lon[cam] + rng.normal(0, 2.0 / 68_000, n),
        lat=gen.cam_lat[cam] + rng.normal(0, 2.0 / 111_320, n),
        cameras=gen.camera_ids, plates=table,
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
        alts[i] = _alternatives(true, read, rng, kinds[j % len(kinds)])
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
        cameras=gen.camera_ids, plates=np.concatenate([batch.plates, table]),
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
                "camera": gen.camera_ids[r[0]], "at": f"{iso[i]}+00:00",
                "capture_id": f"{r[1]}-p{base + i}", "read": str(reads[i]),
                "alternatives": held, "alternatives_hold_plate": str(table[r[2]]) in held})
    return merged, {
        "vehicles": vehicles,
        "confusions": {"letter": MISREAD_LETTER, "digit": MISREAD_DIGIT},
        "background_share": MISREAD_SHARE,
        "other_cases_misread": False}
