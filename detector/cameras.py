"""Per-camera blur settings that only the detector reads (``detector_camera``).

The registry owns a camera's facing and privacy masks; whether the surroundings blur
applies to a camera is the detector's business, so it lives in the detector's own
table. Switching it off makes more of a photo visible (R8), so every change is logged
in the registry's history (``registry_change``) with who made it, like a registry edit.
"""
from __future__ import annotations

import logging
from typing import Any

import psycopg
from psycopg.rows import tuple_row

from anpr.errors import BadInput, NotFound

log = logging.getLogger(__name__)


#: A camera's id, facing and whether the surroundings blur applies (on without a row).
CAMERA_SQL = ("SELECT c.id, c.facing::text, COALESCE(d.blur_surroundings, true) FROM camera c "
              "LEFT JOIN detector_camera d ON d.camera_id = c.id WHERE c.id = %s")


def camera_row(conn: psycopg.Connection, camera_id: str) -> tuple | None:
    """``(id, facing, surroundings)`` of a camera, or None when it is not registered."""
    return conn.cursor(row_factory=tuple_row).execute(CAMERA_SQL, (camera_id,)).fetchone()


def blur_settings(conn: psycopg.Connection, camera_id: str) -> dict[str, Any]:
    """The camera's blur settings; defaults when it has no row."""
    row = camera_row(conn, camera_id)
    if row is None:
        raise NotFound(f"there is no camera {camera_id}")
    return {"camera": row[0], "surroundings": bool(row[2])}


def set_surroundings(conn: psycopg.Connection, camera_id: str, *, enabled: bool,
                     actor: str) -> dict[str, Any]:
    """Switch the surroundings blur on or off for one camera, logged with the actor.

    Runs in the caller's transaction: the setting and its history entry commit together.
    """
    from camera_registry.registry import record

    if not actor or not str(actor).strip():
        raise BadInput("the acting user is required for every change to blur settings")
    before = blur_settings(conn, camera_id)
    conn.execute(
        "INSERT INTO detector_camera (camera_id, blur_surroundings) VALUES (%s, %s) "
        "ON CONFLICT (camera_id) DO UPDATE SET blur_surroundings = EXCLUDED.blur_surroundings",
        (camera_id, bool(enabled)))
    after = blur_settings(conn, camera_id)
    if after != before:
        record(conn, str(actor).strip(), "camera", camera_id, "blur", before, after)
        log.info("camera %s: surroundings blur %s by %s", camera_id,
                 "on" if enabled else "off", actor)
    return after
