"""How a plate is stored and searched: upper case, only A-Z and 0-9, 1 to 12 characters
(``jj126.passage.plate``; the read as the camera sent it is kept beside it, ``plate_raw``).

One definition with two doors: a camera's read is made into that form whatever it holds
(:func:`as_stored`: intake never refuses a passage for an odd character in its read), and
an officer's plate is refused unless it is that form but for separators
(``gis.search.scope.normalise_plate``: a typo must not silently become another plate).
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Any

from anpr.clock import utc_day_start

MAX_LENGTH = 12
#: A plate as stored.
PLATE_RE = re.compile(rf"^[A-Z0-9]{{1,{MAX_LENGTH}}}\Z")
_NOT_PLATE = re.compile(r"[^A-Z0-9]")


def as_stored(raw: str) -> str:
    """A read in the stored form: upper case, everything but A-Z and 0-9 left out."""
    return _NOT_PLATE.sub("", raw.upper())


# -- the confusion class of a plate (the class index of misread searches) ---------------

#: Every character a camera may misread as another (``gis.search.misreads``' tables)
#: grouped into classes, the transitive closure of those confusions: B, 8, 3, P and R one
#: class; D, 0, O and Q one; ... A plate's class is the plate with each character replaced
#: by the first of its class, so every plate a camera may have read for an ordered plate
#: has the ordered plate's class (a test holds the tables to it).
CLASS_GROUPS = ("0DOQ", "127IJLTZ", "38BPR", "4A", "56CGS", "EF", "HN", "KX", "VY")
CLASS_FROM = "".join(g[1:] for g in CLASS_GROUPS)
CLASS_TO = "".join(g[0] * (len(g) - 1) for g in CLASS_GROUPS)
_CLASS = str.maketrans(CLASS_FROM, CLASS_TO)
assert re.fullmatch("[A-Z0-9]+", CLASS_FROM + CLASS_TO)  # written into SQL as they are
#: The key of the class index as SQL on a passage's plate (``{p}`` its qualifier, e.g.
#: ``p.``, or nothing in the index itself): the class, then the plate
#: (so the key still names the plate). Retention builds the index (``CLASS_INDEX``) on each
#: day partition it seals (``ingest.retention``); the searches write the same expression,
#: which is how the planner matches the index. Changing the classes needs every sealed
#: day's index built again (``tests/test_seal.py`` compares an index with these strings).
CLASS_KEY_SQL = ("(translate({p}plate, '" + CLASS_FROM + "', '" + CLASS_TO + "')"
                 " || {p}plate)")


def plate_class(plate: str) -> str:
    """The plate's confusion class: each character replaced by the first of its class."""
    return plate.translate(_CLASS)


def class_key(plate: str) -> str:
    """The plate's key in the class index: its class, then the plate itself."""
    return plate_class(plate) + plate


#: The class index of a day partition, built when retention seals the day
#: (``ingest.retention``): ``{partition}_plate_class`` on ``(CLASS_KEY_SQL, captured_at)``.
CLASS_INDEX = "{}_plate_class"
_CLASS_INDEX_DAYS = """
    SELECT to_date(substr(c.relname, 10), 'YYYYMMDD') AS day, EXISTS (
               SELECT 1 FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid
                WHERE x.indrelid = c.oid AND x.indisvalid
                  AND ic.relname = c.relname || '_plate_class') AS indexed
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'jj126.passage'::regclass AND c.relname ~ '^passage_p[0-9]{8}$'"""


def class_index_days(conn: Any) -> tuple[date | None, set[date]]:
    """The first day partition without a class index (None when every one has it), and
    the days that have one."""
    rows = [tuple(r.values()) if isinstance(r, dict) else tuple(r)
            for r in conn.execute(_CLASS_INDEX_DAYS).fetchall()]
    missing = [day for day, indexed in rows if not indexed]
    return (min(missing) if missing else None), {day for day, indexed in rows if indexed}


def class_index_until(conn: Any) -> datetime:
    """Up to when (exclusive) every stored day has its class index: the start (UTC) of the
    first day without one. A search reads the days before through the class index and the
    rest through the plate index; a day without it after that boundary is read the slow
    way, never left out."""
    first, _ = class_index_days(conn)
    return utc_day_start(first) if first is not None else datetime.max.replace(
        tzinfo=timezone.utc)
