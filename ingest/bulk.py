"""The bulk write path into jj126.passage through PostgreSQL COPY.

Records are dicts in the intake-record format (DESIGN.md section 5) that have already
been validated; this module only puts the plate in its stored form and streams rows. Validation,
deduplication and images belong to the intake pipeline built on top of it.
"""
from __future__ import annotations

from typing import Iterable, Mapping

import psycopg

from anpr.plates import as_stored

COPY_SQL = ("COPY jj126.passage (camera_id, captured_at, plate, plate_raw, country, confidence,"
            " geom, capture_id, alternatives, alternative_confidences) FROM STDIN")


def copy_records(conn: psycopg.Connection, records: Iterable[Mapping]) -> int:
    """COPY the records; a record's alternative candidate reads (``alternatives``: a list
    of ``{plate, confidence}``) go into the same row, in the same pass."""
    n = 0
    with conn.cursor() as cur, cur.copy(COPY_SQL) as copy:
        for r in records:
            alts = r.get("alternatives")
            copy.write_row((
                r["camera"], r["captured_at"], as_stored(r["plate"]), r["plate"],
                r.get("country"), r.get("confidence"),
                f"SRID=4326;POINT({float(r['lon'])} {float(r['lat'])})", str(r["capture_id"]),
                [as_stored(a["plate"]) for a in alts] if alts else None,
                [float(a["confidence"]) for a in alts] if alts else None,
            ))
            n += 1
    return n
