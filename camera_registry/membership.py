"""Which cameras may store 126jj passages at a given moment (R9).

Only cameras in the published camera plan of the capture date's year may store
passages. Until yearly plans are published by the plan workflow, the registry's
``camera.in_plan`` flag stands in. Intake asks this module, never the tables directly,
so the rule lives in one place.
"""
from __future__ import annotations

from datetime import datetime

import psycopg


def cameras_in_plan(conn: psycopg.Connection, at: datetime) -> set[str]:
    """Ids of the cameras allowed to store a passage captured at ``at``."""
    rows = conn.execute(
        "SELECT id FROM camera WHERE in_plan AND status <> 'retired' "
        "AND active_from <= %(day)s AND (active_to IS NULL OR active_to >= %(day)s)",
        {"day": at.date()}).fetchall()
    return {r["id"] if isinstance(r, dict) else r[0] for r in rows}
