"""OCR equivalence: the plates a camera may have read instead of the ordered one (issue 18).

Cameras misread B as 8, D or O as 0, S as 5, Z as 2, G as 6. With the option "including
probable misreads" (``misreads: true``) a plate search also finds passages whose read,
or one of whose alternative candidate reads (intake, DESIGN.md section 5), equals the
ordered plate up to such confusions. The ordered plate stays the plate searched for
(R5): the order's scope is checked against it alone; a probable misread is a passage of
the ordered plate that the camera read wrongly, not another plate, and it must be
verified against its crop (R7) like every plate read.

Efficient by construction: the equivalent plates are generated here (bounded:
``MAX_SUBSTITUTIONS`` characters changed, at most ``MAX_PLATES`` plates, most likely
first) and looked up, on the days retention has sealed, in the day's class index where
they lie side by side (``anpr.plates.CLASS_KEY_SQL``), on the others in the plate index
with ``plate = ANY(...)``, and in the partial GIN index on the alternatives with ``&&``
(migration 0022a); nothing is scanned (``Matcher.source_sql``).

The table is per position in the Dutch side-codes (Kentekenreglement): a side-code
says for each of the six characters whether it is a letter or a digit, and a character
is misread as something that looks like it, so the confusions of a letter position (a
true letter read as a digit or another letter) differ from a digit position's. A
plate that fits no side-code (foreign, personalised) uses both tables at every
position. The factors are prior likelihoods of a confusion relative to a clean read,
from the peers' published confusion pairs; docs/misreads.md prints the table.

Learned from verdicts: officers' verdicts on probable misreads are counted per camera and
character pair (``misread_confusion``, a trigger on ``verification``, migration 0023b).
A pair's factor at a camera is the prior pulled towards what officers found there,
``(prior * PRIOR_WEIGHT + confirmed) / (PRIOR_WEIGHT + confirmed + rejected)``: a pair
confirmed often at that camera gives its reads there a higher likelihood, one rejected
often a lower one. The plates generated for an ordered plate use each pair's best
factor over all cameras, so a confusion that a camera really makes is among the
``MAX_PLATES`` looked up.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import combinations, product
from typing import Any, Iterable, Mapping, Sequence

from anpr.plates import CLASS_KEY_SQL, class_index_until, class_key

#: The Dutch side-codes 1-14 as letter (L) / digit (D) positions, dashes left out.
SIDE_CODES: dict[int, str] = {
    1: "LLDDDD", 2: "DDDDLL", 3: "DDLLDD", 4: "LLDDLL", 5: "LLLLDD", 6: "DDLLLL",
    7: "DDLLLD", 8: "DLLLDD", 9: "LLDDDL", 10: "LDDDLL", 11: "LLLDDL", 12: "LDDLLL",
    13: "DLLDDD", 14: "DDDLLD"}

#: A true letter at a letter position, and what a camera may read instead (likelihood).
LETTER_POSITION: dict[str, tuple[tuple[str, float], ...]] = {
    "B": (("8", 0.5), ("3", 0.1)),
    "D": (("0", 0.5), ("O", 0.4)),
    "G": (("6", 0.5), ("C", 0.2)),
    "S": (("5", 0.5),),
    "Z": (("2", 0.5), ("7", 0.1)),
    "T": (("7", 0.2), ("1", 0.2)),
    "J": (("1", 0.1),),
    "L": (("1", 0.1),),
    "N": (("H", 0.2),),
    "H": (("N", 0.2),),
    "K": (("X", 0.2),),
    "X": (("K", 0.2),),
    "P": (("R", 0.2),),
    "R": (("P", 0.2), ("B", 0.1)),
    "V": (("Y", 0.1),),
    "F": (("E", 0.1),),
}
#: A true digit at a digit position, and what a camera may read instead.
DIGIT_POSITION: dict[str, tuple[tuple[str, float], ...]] = {
    "8": (("B", 0.5), ("3", 0.1)),
    "0": (("O", 0.5), ("D", 0.4), ("Q", 0.1)),
    "1": (("I", 0.5), ("7", 0.2), ("L", 0.1), ("T", 0.1)),
    "5": (("S", 0.5), ("6", 0.1)),
    "2": (("Z", 0.5),),
    "6": (("G", 0.5), ("5", 0.1)),
    "7": (("1", 0.2), ("T", 0.2)),
    "4": (("A", 0.2),),
    "3": (("8", 0.1),),
}
#: Characters changed at most, and plates generated at most per ordered plate.
MAX_SUBSTITUTIONS = 2
MAX_PLATES = 64
#: Verdicts a prior factor weighs as (the pseudo-count of the learned factor).
PRIOR_WEIGHT = 4.0

#: Learned verdicts: (camera, read_char, true_char) -> (confirmed, rejected).
Learned = Mapping[tuple[str, str, str], tuple[int, int]]


def learned_factor(prior: float, confirmed: int, rejected: int) -> float:
    """The prior factor of a confusion pulled towards the officers' verdicts on it."""
    return (prior * PRIOR_WEIGHT + confirmed) / (PRIOR_WEIGHT + confirmed + rejected)


def learned(conn: Any, plates: Iterable[str] = ()) -> dict[tuple[str, str, str],
                                                           tuple[int, int]]:
    """The verdicts counted per camera and character pair (all days; counts, no plates),
    for the true characters of ``plates`` (all pairs when none are given)."""
    chars = sorted({ch for p in plates for ch in p})
    rows = conn.execute(
        "SELECT camera_id, read_char, true_char, sum(confirmed)::int AS confirmed,"
        " sum(rejected)::int AS rejected FROM misread_confusion"
        " WHERE cardinality(%(chars)s::text[]) = 0 OR true_char = ANY(%(chars)s::text[])"
        " GROUP BY camera_id, read_char, true_char", {"chars": chars}).fetchall()
    out = {}
    for r in rows:
        r = r if isinstance(r, dict) else dict(zip(
            ("camera_id", "read_char", "true_char", "confirmed", "rejected"), r))
        out[(r["camera_id"], r["read_char"], r["true_char"])] = (r["confirmed"], r["rejected"])
    return out

#: For searches without an ordered plate (Q5 common plates): the look-alike classes, each
#: to one representative, so plates that differ only by such characters group together
#: (position-blind: a grouping of found reads, not a generation of plates to look up).
CLASSES = ("B8", "0ODQ", "1I", "S5", "Z2", "G6")
CANON_FROM = "".join(c[1:] for c in CLASSES)
CANON_TO = "".join(c[0] * (len(c) - 1) for c in CLASSES)
_CANON = str.maketrans(CANON_FROM, CANON_TO)


def canonical(plate: str) -> str:
    """The plate with each look-alike character replaced by its class's representative
    (SQL: ``translate(plate, CANON_FROM, CANON_TO)``)."""
    return plate.translate(_CANON)


EXACT, ALTERNATIVE, EQUIVALENT = "exact", "alternative_read", "equivalent_characters"
#: Order of the marks in a result (exact matches first, R7: the officer sees them first).
RANK = {EXACT: 0, ALTERNATIVE: 1, EQUIVALENT: 2}
_ALNUM = re.compile(r"[A-Z0-9]{1,12}")


def side_code(plate: str) -> int | None:
    """The Dutch side-code a normalised plate fits, or None (foreign, personalised)."""
    if len(plate) != 6:
        return None
    shape = "".join("D" if ch.isdigit() else "L" for ch in plate)
    return next((n for n, code in SIDE_CODES.items() if code == shape), None)


def _options(ch: str, kind: str | None) -> tuple[tuple[str, float], ...]:
    if kind == "L":
        opts = LETTER_POSITION.get(ch, ())
    elif kind == "D":
        opts = DIGIT_POSITION.get(ch, ())
    else:
        opts = LETTER_POSITION.get(ch, ()) + DIGIT_POSITION.get(ch, ())
    return tuple((c, f) for c, f in opts if f > 0)


def _kinds(plate: str) -> Sequence[str | None]:
    code = side_code(plate)
    return SIDE_CODES[code] if code is not None else [None] * len(plate)


def prior(true_char: str, read_char: str, kind: str | None) -> float:
    """The table's factor of reading ``true_char`` as ``read_char`` at a position of that
    kind (L, D, None for both tables), 0 when the table has no such confusion."""
    return max((f for c, f in _options(true_char, kind) if c == read_char), default=0.0)


def equivalents(plate: str, *, max_substitutions: int = MAX_SUBSTITUTIONS,
                max_plates: int = MAX_PLATES,
                best: Mapping[tuple[str, str], float] | None = None) -> dict[str, float]:
    """The plates a camera may have read for ``plate`` (normalised), each with its
    likelihood (the product of its confusions' factors), the most likely ``max_plates``;
    the plate itself is not among them. ``best`` gives learned factors per (read_char,
    true_char) that replace the table's where higher."""
    if not _ALNUM.fullmatch(plate):
        return {}
    kinds = _kinds(plate)
    per_pos = [_options(ch, kind) for ch, kind in zip(plate, kinds)]
    if best:
        per_pos = [tuple((c, max(f, best.get((c, ch), 0.0))) for c, f in opts)
                   for ch, opts in zip(plate, per_pos)]
    found: dict[str, float] = {}
    positions = [i for i, opts in enumerate(per_pos) if opts]
    for n in range(1, max_substitutions + 1):
        for where in combinations(positions, n):
            for picks in product(*(per_pos[i] for i in where)):
                chars = list(plate)
                likelihood = 1.0
                for i, (ch, factor) in zip(where, picks):
                    chars[i] = ch
                    likelihood *= factor
                other = "".join(chars)
                if other != plate and likelihood > found.get(other, 0.0):
                    found[other] = likelihood
    best = sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))[:max_plates]
    return {p: round(f, 4) for p, f in best}


@dataclass(frozen=True)
class Matcher:
    """The ordered plates, their equivalents, and how a found passage matched them."""

    ordered: tuple[str, ...]
    variants: dict[str, float] = field(default_factory=dict)
    learned: Learned = field(default_factory=dict)

    @classmethod
    def of(cls, plates: Iterable[str], learned: Learned | None = None) -> "Matcher":
        """The matcher of the ordered ``plates``, with verdicts ``learned`` per camera
        and character pair (:func:`learned`) when given."""
        ordered = tuple(dict.fromkeys(plates))
        learned = dict(learned or {})
        best: dict[tuple[str, str], float] = {}
        for (_, read_char, true_char), (conf, rej) in learned.items():
            key = (read_char, true_char)
            for kind in ("L", "D", None):
                p = prior(true_char, read_char, kind)
                if p > 0:
                    best[key] = max(best.get(key, 0.0), learned_factor(p, conf, rej))
        variants: dict[str, float] = {}
        for p in ordered:
            for other, f in equivalents(p, best=best).items():
                if other not in ordered and f > variants.get(other, 0.0):
                    variants[other] = f
        return cls(ordered, variants, learned)

    def likelihood(self, plate: str, camera: str | None = None) -> float | None:
        """The likelihood that ``plate`` (a read) is a misread of an ordered plate at
        ``camera``: the product of its confusions' factors, each learned at that camera
        where officers gave verdicts on it; None when it is no equivalent."""
        if plate not in self.variants:
            return None
        if camera is None or not self.learned:
            return self.variants[plate]
        best = 0.0
        for ordered in self.ordered:
            if len(ordered) != len(plate):
                continue
            pairs = [(i, r, t) for i, (r, t) in enumerate(zip(plate, ordered)) if r != t]
            if not 0 < len(pairs) <= MAX_SUBSTITUTIONS:
                continue
            kinds = _kinds(ordered)
            f = 1.0
            for i, r, t in pairs:
                p = prior(t, r, kinds[i])
                got = self.learned.get((camera, r, t))
                f *= learned_factor(p, *got) if got else p
            best = max(best, f)
        return round(best, 4)

    @property
    def plates(self) -> list[str]:
        """Every plate looked up: the ordered ones first, then their equivalents."""
        return list(self.ordered) + sorted(self.variants)

    def mark(self, plate: str, alternatives: Sequence[str] | None = None,
             confidences: Sequence[float] | None = None,
             camera: str | None = None) -> dict[str, Any]:
        """How a passage matched: ``exact``, ``alternative_read`` (a candidate read is an
        ordered plate, or equivalent to one: its confidence times the equivalence's
        likelihood) or ``equivalent_characters`` (the read is equivalent); the likelier
        of the last two when both hold, and which plate or candidate did. With the
        ``camera``, the factors learned there from verdicts count."""
        if plate in self.ordered:
            return {"match": EXACT, "likelihood": 1.0, "matched_plate": plate}
        best: dict[str, Any] | None = None
        if plate in self.variants:
            best = {"match": EQUIVALENT, "likelihood": self.likelihood(plate, camera),
                    "matched_plate": plate}
        for alt, conf in zip(alternatives or (), confidences or ()):
            factor = 1.0 if alt in self.ordered else self.likelihood(alt, camera)
            if factor is None:
                continue
            likelihood = round(float(conf) * factor, 4)
            if best is None or likelihood > best["likelihood"]:
                best = {"match": ALTERNATIVE, "likelihood": likelihood, "matched_plate": alt}
        return best or {"match": EQUIVALENT, "likelihood": 0.0, "matched_plate": plate}

    def source_sql(self) -> str:
        """The passages whose read or a candidate read is one of the plates, as a FROM item
        named ``p`` (every column of ``jj126.passage``) for the searches to add their
        window and cameras to, which the planner pushes into both halves.

        The days before ``misread_class_until`` (sealed: each has its class index,
        ``anpr.plates.CLASS_KEY_SQL``) are read through the class index, where every
        plate looked up shares the ordered plate's class and so lies beside the others on
        a few index pages a day; the later days through the plate index, a probe per
        plate. The candidate reads come from the partial GIN index on the alternatives
        (migration 0022a) in both. The two conditions find the same passages (the key
        holds the plate); only the pages read differ."""
        alt = "s.alternatives && %(misread_plates)s::text[]"
        key = CLASS_KEY_SQL.format(p="s.")
        return ("(SELECT * FROM jj126.passage s"
                " WHERE s.captured_at < %(misread_class_until)s"
                f" AND ({key} = ANY(%(misread_keys)s::text[]) OR {alt})"
                " UNION ALL SELECT * FROM jj126.passage s"
                " WHERE s.captured_at >= %(misread_class_until)s"
                f" AND (s.plate = ANY(%(misread_plates)s::text[]) OR {alt})) p")

    def params(self, conn: Any) -> dict[str, Any]:
        """The parameters of :meth:`source_sql`: the plates, their class keys, and where
        the days with a class index end (read from the catalogue on ``conn``)."""
        plates = self.plates
        return {"misread_plates": plates, "misread_keys": [class_key(p) for p in plates],
                "misread_class_until": class_index_until(conn)}
