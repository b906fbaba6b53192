"""Retention also forgets the detector's queued frames of expired days (R1)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import psycopg
from psycopg.rows import dict_row

from detector.queue import enqueue_many
from ingest.retention import run_retention


def test_retention_purges_expired_frames(database_url):
    now = datetime.now(timezone.utc)
    old, recent = now - timedelta(days=40), now - timedelta(hours=2)
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        enqueue_many(conn, [("RET-CAM", old, "old-frame", "x/old", None),
                            ("RET-CAM", recent, "recent-frame", "x/recent", None)])
        conn.commit()
        run_retention(conn, 28, now=now)
        left = {r["capture_id"] for r in conn.execute(
            "SELECT capture_id FROM detector_frame WHERE camera_id = 'RET-CAM'").fetchall()}
        assert left == {"recent-frame"}
        conn.execute("DELETE FROM detector_frame WHERE camera_id = 'RET-CAM'")
        conn.commit()
