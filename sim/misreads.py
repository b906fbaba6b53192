"""Misreads in the simulated traffic: passages read with a confusable character (issue 18).

Cameras misread B as 8, D as 0, G as 6, S as 5, Z as 2, and at digit positions 0 as O or
D, 1 as I, 8 as B (docs/misreads.md). The demo reads a few per cent of its background
passages so (:func:`plant_misreads`, a random stream of its own, so every other value
of the traffic stays as without). The traffic generator plants a case of its own with
them (``sim.traffic.TrafficGenerator.plant_cases``): vehicles whose misread passages the
ground truth names, with the camera's alternative candidate reads holding the true plate
for some and not for others, so the searches including probable misreads can be measured
(recall with the option on and off).
"""
from __future__ import annotations

import numpy as np

from sim.passages import PassageBatch

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


def alternatives(true: str, read: str, rng: np.random.Generator,
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
        alts[i] = alternatives(true, read, rng, "true" if u < ALT_TRUE else
                                "wrong" if u < ALT_TRUE + ALT_WRONG else "none")
    return PassageBatch(batch.camera, batch.captured_at, batch.plate, batch.confidence,
                        batch.lon, batch.lat, batch.cameras, batch.plates, batch.countries,
                        batch.first_seq, batch.capture_prefix, reads, alts)
