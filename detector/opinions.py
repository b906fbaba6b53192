"""The plate reader's opinion of passages, for casework: one look-up for a list of passages.

The detector worker records what the plate reader (:mod:`detector.ocr`) reads in each
passage's crop (``detector_plate_opinion``, written with the frame). Verification shows
it beside the camera's read: a read the machine disagrees with, or read with low
confidence, is one the officer should look at first; the officer's verdict stays the
decision. Light to import (no torch): casework calls it on every verification page.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

import psycopg
from psycopg.rows import dict_row

#: Below this confidence the machine's reading is itself in doubt: shown first and marked.
LOW_CONFIDENCE = 0.8


def normalise(plate: str | None) -> str:
    """A plate as compared: upper case, letters and digits only (as ``passage.plate``)."""
    return re.sub(r"[^A-Z0-9]", "", (plate or "").upper())


@dataclass(frozen=True)
class Opinion:
    passage_id: int
    captured_at: datetime
    text: str            # without dashes; "" when nothing was read
    confidence: float
    side_code: int | None
    crop: str            # which crop was read: 'camera' or 'detected'
    model: str
    agrees_with_camera: bool | None = None   # as recorded with the passage's read

    def agrees(self, camera_plate: str | None) -> bool:
        return bool(self.text) and self.text == normalise(camera_plate)

    @property
    def low_confidence(self) -> bool:
        return self.confidence < LOW_CONFIDENCE

    def flag(self, camera_plate: str | None) -> str:
        """'disagrees', 'unsure' (agrees, low confidence) or 'agrees'."""
        if not self.agrees(camera_plate):
            return "disagrees"
        return "unsure" if self.low_confidence else "agrees"


def for_passages(conn: psycopg.Connection, passages: Iterable[tuple[int, datetime]]
                 ) -> dict[tuple[int, datetime], Opinion]:
    """The newest opinion of each passage (``(passage_id, captured_at)`` keys) that has
    one; passages never read (no crop, not yet processed, a trial frame) are absent.

    One query whatever the list's length: the pairs go in as two arrays and each is
    found through the ``(passage_id, captured_at)`` index.
    """
    keys = list(dict.fromkeys((int(i), t) for i, t in passages))
    if not keys:
        return {}
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            """SELECT DISTINCT ON (o.passage_id, o.captured_at)
                      o.passage_id, o.captured_at, o.text, o.confidence, o.side_code, o.crop,
                      o.model, o.agrees
                 FROM unnest(%s::bigint[], %s::timestamptz[]) AS k(passage_id, captured_at)
                 JOIN detector_plate_opinion o
                   ON o.passage_id = k.passage_id AND o.captured_at = k.captured_at
                ORDER BY o.passage_id, o.captured_at, o.read_at DESC""",
            ([k[0] for k in keys], [k[1] for k in keys])).fetchall()
    return {(r["passage_id"], r["captured_at"]): Opinion(
        r["passage_id"], r["captured_at"], r["text"], float(r["confidence"]), r["side_code"],
        r["crop"], r["model"], r["agrees"]) for r in rows}
