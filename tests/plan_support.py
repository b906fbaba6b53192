"""Test support for camera-plan tests: what a test changes in the registry through the
plan API (committed by the app) is put back, so later test modules see the demo's signed
standing motivations."""
from __future__ import annotations

import psycopg
import pytest
from psycopg.rows import dict_row

from camera_registry import plans


@pytest.fixture
def standing(database_url):
    """``standing(code)``: the location's standing motivation (which the API's changes to
    a draft write through to the registry, committed) is put back after the test."""
    saved: dict[str, dict | None] = {}

    def keep(code: str) -> str:
        with psycopg.connect(database_url, row_factory=dict_row) as c:
            saved[code] = c.execute(
                "SELECT m.* FROM location_motivation m JOIN location l ON l.id = m.location_id"
                " WHERE l.code = %s", (code,)).fetchone()
        return code

    yield keep
    with psycopg.connect(database_url, autocommit=True) as c:
        for code, row in saved.items():
            if row is None:
                c.execute("DELETE FROM location_motivation WHERE location_id = (SELECT id FROM"
                          " location WHERE code = %s)", (code,))
                continue
            c.execute("UPDATE location_motivation SET criteria = %(criteria)s, motivation ="
                      " %(motivation)s, prosecutor = %(prosecutor)s, signed_on = %(signed_on)s,"
                      " claimed_by = %(claimed_by)s, updated_at = %(updated_at)s, updated_by ="
                      " %(updated_by)s WHERE location_id = %(location_id)s", row)


def regular(conn, n: int = 1) -> list[str]:
    """Codes of fixed police locations far from any border."""
    rows = conn.execute(f"""
        SELECT l.code FROM location l WHERE l.owner = 'police' AND l.mounting = 'fixed'
           AND NOT {plans._BORDER}
           AND EXISTS (SELECT 1 FROM camera c WHERE c.location_id = l.id)
         ORDER BY l.code LIMIT %s""", (n,)).fetchall()
    return [r["code"] for r in rows]
