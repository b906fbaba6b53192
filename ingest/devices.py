"""Intake API keys per device: one camera or one site (location), stored hashed, revocable.

A key is ``anprdev_<prefix>_<secret>`` with 256 random bits; only its SHA-256 is stored
(a slow password hash buys nothing against a 256-bit secret and would cost every
request). The prefix finds the row, the hash is compared in constant time. A revoked
key is refused at once; the key is shown once, when it is made.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from anpr.errors import BadInput, NotFound, Unauthenticated

KEY_PREFIX = "anprdev_"


@dataclass(frozen=True)
class Device:
    id: int
    name: str
    camera_id: str | None
    location_id: int | None


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def add_device(conn: psycopg.Connection, name: str, *, camera: str | None = None,
               location: str | None = None) -> tuple[int, str]:
    """Register a device for one camera or one location (by code); returns (id, key)."""
    if (camera is None) == (location is None):
        raise BadInput("give exactly one of a camera id or a location code")
    if not name.strip():
        raise BadInput("a device needs a name")
    location_id = None
    if camera is not None:
        if conn.execute("SELECT 1 FROM camera WHERE id = %s", (camera,)).fetchone() is None:
            raise NotFound(f"camera {camera!r} is not registered")
    else:
        row = conn.execute("SELECT id FROM location WHERE code = %s", (location,)).fetchone()
        if row is None:
            raise NotFound(f"location {location!r} is not registered")
        location_id = row["id"] if isinstance(row, dict) else row[0]
    prefix = secrets.token_hex(6)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    row = conn.execute(
        "INSERT INTO intake_device (name, camera_id, location_id, key_prefix, key_hash) "
        "VALUES (%s, %s, %s, %s, %s) RETURNING id",
        (name.strip(), camera, location_id, prefix, _hash(key))).fetchone()
    return (row["id"] if isinstance(row, dict) else row[0]), key


def revoke_device(conn: psycopg.Connection, device_id: int) -> None:
    cur = conn.execute("UPDATE intake_device SET revoked_at = coalesce(revoked_at, now()) "
                       "WHERE id = %s", (device_id,))
    if cur.rowcount == 0:
        raise NotFound(f"no device {device_id}")


def list_devices(conn: psycopg.Connection) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT d.id, d.name, d.camera_id, l.code AS location, d.key_prefix, d.created_at, "
        "d.revoked_at, d.last_used_at FROM intake_device d "
        "LEFT JOIN location l ON l.id = d.location_id ORDER BY d.id").fetchall()


def authenticate(conn: psycopg.Connection, key: str | None,
                 now: datetime | None = None) -> Device:
    """The device a key belongs to; any doubt (format, unknown, revoked) is a 401."""
    if not key or not key.startswith(KEY_PREFIX):
        raise Unauthenticated("a device key is required (Authorization: Bearer <key>)")
    prefix = key[len(KEY_PREFIX):].split("_", 1)[0]
    row = conn.execute("SELECT id, name, camera_id, location_id, key_hash, revoked_at "
                       "FROM intake_device WHERE key_prefix = %s", (prefix,)).fetchone()
    if row is None or not hmac.compare_digest(row["key_hash"], _hash(key)):
        raise Unauthenticated("the device key is not valid")
    if row["revoked_at"] is not None:
        raise Unauthenticated("the device key has been revoked")
    conn.execute("UPDATE intake_device SET last_used_at = now() WHERE id = %s "
                 "AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
                 (row["id"],))
    return Device(row["id"], row["name"], row["camera_id"], row["location_id"])


def device_cameras(conn: psycopg.Connection, device: Device) -> set[str]:
    """The cameras a device may report for: its camera, or every camera of its site."""
    if device.camera_id is not None:
        return {device.camera_id}
    rows = conn.execute("SELECT id FROM camera WHERE location_id = %s",
                        (device.location_id,)).fetchall()
    return {r["id"] if isinstance(r, dict) else r[0] for r in rows}
