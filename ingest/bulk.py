"""The bulk write path into jj126.passage through PostgreSQL COPY.

Records are dicts in the intake-record format (DESIGN.md section 5) that have already
been validated; this module only normalises the plate and streams rows. Validation,
deduplication and images belong to the intake pipeline built on top of it.
"""
from __future__ import annotations

import re
from typing import Iterable, Mapping

import psycopg

_NOT_PLATE = re.compile(r"[^A-Z0-9]")

COPY_SQL = ("COPY jj126.passage (camera_id, captured_at, plate, plate_raw, country, confidence,"
            " geom, capture_id) FROM STDIN")


def normalise_plate(raw: str) -> str:
    """Upper case, no dashes or spaces: how plates are stored and searched."""
    return _NOT_PLATE.sub("", raw.upper())


def copy_records(conn: psycopg.Connection, records: Iterable[Mapping]) -> int:
    n = 0
    with conn.cursor() as cur, cur.copy(COPY_SQL) as copy:
        for r in records:
            copy.write_row((
                r["camera"], r["captured_at"], normalise_plate(r["plate"]), r["plate"],
                r.get("country"), r.get("confidence"),
                f"SRID=4326;POINT({float(r['lon'])} {float(r['lat'])})", str(r["capture_id"]),
            ))
            n += 1
    return n
