"""How a plate is stored and searched: upper case, only A-Z and 0-9, 1 to 12 characters
(``jj126.passage.plate``; the read as the camera sent it is kept beside it, ``plate_raw``).

One definition with two doors: a camera's read is made into that form whatever it holds
(:func:`as_stored`: intake never refuses a passage for an odd character in its read), and
an officer's plate is refused unless it is that form but for separators
(``gis.search.scope.normalise_plate``: a typo must not silently become another plate).
"""
from __future__ import annotations

import re

MAX_LENGTH = 12
#: A plate as stored.
PLATE_RE = re.compile(rf"^[A-Z0-9]{{1,{MAX_LENGTH}}}$")
_NOT_PLATE = re.compile(r"[^A-Z0-9]")


def as_stored(raw: str) -> str:
    """A read in the stored form: upper case, everything but A-Z and 0-9 left out."""
    return _NOT_PLATE.sub("", raw.upper())
