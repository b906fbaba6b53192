"""Write a camera registry (locations and their cameras) into the database."""
from __future__ import annotations

import json
from typing import Any

import psycopg


def registry_loaded(conn: psycopg.Connection) -> bool:
    return conn.execute("SELECT EXISTS (SELECT 1 FROM camera) AS x").fetchone()["x"]


def load_registry(conn: psycopg.Connection, registry) -> dict[str, Any]:
    ids: dict[str, int] = {}
    with conn.cursor() as cur:
        for loc in registry.locations:
            cur.execute(
                "INSERT INTO location (code, name, unit_code, road, hectometre, owner, mounting,"
                " segment_id, segment_fraction, geom) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s,"
                " ST_SetSRID(ST_MakePoint(%s, %s), 4326)) RETURNING id",
                (loc.code, loc.name, loc.unit_code, loc.road, loc.hectometre, loc.owner, loc.kind,
                 loc.segment_id, loc.fraction, loc.lon, loc.lat))
            ids[loc.code] = cur.fetchone()["id"]
        cur.executemany(
            "INSERT INTO camera (id, location_id, bearing, inout, segment_direction, lane,"
            " lane_geom, mounting, facing, status, active_from) VALUES (%s, %s, %s, %s, %s, %s,"
            " ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326), %s, %s, %s, %s)",
            [(c.id, ids[c.location_code], float(c.bearing) % 360.0, c.inout, c.direction, c.lane,
              json.dumps({"type": "LineString", "coordinates": [list(p) for p in c.lane_coords]}),
              c.mounting, c.facing, c.status, c.active_from) for c in registry.cameras])
    return {"locations": len(registry.locations), "cameras": len(registry.cameras)}
