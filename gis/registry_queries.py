"""Read-only views of the registry for the map: locations, cameras and roads as GeoJSON.

Domain functions: a connection and plain arguments in, plain dicts out.
"""
from __future__ import annotations

from typing import Any

import psycopg

from anpr.errors import BadInput, NotFound

LOCATIONS_SQL = """
SELECT l.id, l.code, l.name, l.unit_code, l.road, l.hectometre::float AS hectometre,
       l.owner::text AS owner, l.mounting::text AS mounting,
       ST_AsGeoJSON(l.geom, 6)::json AS geometry,
       count(c.id) AS cameras,
       count(c.id) FILTER (WHERE c.status <> 'active') AS cameras_not_active
  FROM location l
  LEFT JOIN camera c ON c.location_id = l.id
 WHERE (%(bbox)s::float8[] IS NULL OR l.geom && ST_MakeEnvelope(
          (%(bbox)s::float8[])[1], (%(bbox)s::float8[])[2],
          (%(bbox)s::float8[])[3], (%(bbox)s::float8[])[4], 4326))
   AND (%(unit)s::text IS NULL OR l.unit_code = %(unit)s)
   AND (%(code)s::text IS NULL OR l.code = %(code)s)
 GROUP BY l.id
 ORDER BY l.code
"""

CAMERAS_SQL = """
SELECT c.id, c.lane, c.inout::text AS inout, c.bearing, c.segment_direction,
       c.status::text AS status, c.mounting::text AS mounting, c.facing::text AS facing,
       c.active_from, c.active_to,
       l.code AS location_code, l.name AS location_name, l.unit_code, l.road,
       ST_AsGeoJSON(COALESCE(c.lane_geom, l.geom), 6)::json AS geometry
  FROM camera c JOIN location l ON l.id = c.location_id
 WHERE (%(bbox)s::float8[] IS NULL OR COALESCE(c.lane_geom, l.geom) && ST_MakeEnvelope(
          (%(bbox)s::float8[])[1], (%(bbox)s::float8[])[2],
          (%(bbox)s::float8[])[3], (%(bbox)s::float8[])[4], 4326))
   AND (%(location)s::text IS NULL OR l.code = %(location)s)
   AND (%(id)s::text IS NULL OR c.id = %(id)s)
 ORDER BY l.code, c.inout, c.lane
"""

ROADS_SQL = """
SELECT s.id, s.road, s.speed_kmh, s.lanes, round(s.length_m)::int AS length_m,
       ST_AsGeoJSON(s.geom, 5)::json AS geometry
  FROM road_segment s ORDER BY s.road, s.id
"""


def parse_bbox(raw: str | None) -> list[float] | None:
    """``minlon,minlat,maxlon,maxlat`` as OGC API Features spells it."""
    if raw is None or raw == "":
        return None
    try:
        parts = [float(p) for p in raw.split(",")]
    except ValueError as exc:
        raise BadInput("bbox must be four numbers: minlon,minlat,maxlon,maxlat") from exc
    if len(parts) != 4 or parts[0] >= parts[2] or parts[1] >= parts[3]:
        raise BadInput("bbox must be four numbers: minlon,minlat,maxlon,maxlat (min < max)")
    if parts[0] < -180 or parts[2] > 180 or parts[1] < -90 or parts[3] > 90:
        raise BadInput("bbox must be in WGS84 degrees")
    return parts


def _collection(rows: list[dict[str, Any]], id_key: str) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "numberMatched": len(rows),
        "features": [{
            "type": "Feature",
            "id": row[id_key],
            "geometry": row["geometry"],
            "properties": {k: v for k, v in row.items() if k != "geometry"},
        } for row in rows],
    }


def locations(conn: psycopg.Connection, bbox: list[float] | None = None,
              unit: str | None = None) -> dict[str, Any]:
    rows = conn.execute(LOCATIONS_SQL, {"bbox": bbox, "unit": unit, "code": None}).fetchall()
    return _collection(rows, "code")


def cameras(conn: psycopg.Connection, bbox: list[float] | None = None,
            location: str | None = None) -> dict[str, Any]:
    rows = conn.execute(CAMERAS_SQL, {"bbox": bbox, "location": location,
                                      "id": None}).fetchall()
    for row in rows:
        for key in ("active_from", "active_to"):
            if row[key] is not None:
                row[key] = row[key].isoformat()
    return _collection(rows, "id")


def camera(conn: psycopg.Connection, camera_id: str) -> dict[str, Any]:
    rows = conn.execute(CAMERAS_SQL, {"bbox": None, "location": None,
                                      "id": camera_id}).fetchall()
    if not rows:
        raise NotFound(f"no camera with id {camera_id!r}")
    return _collection(rows, "id")["features"][0]


def location(conn: psycopg.Connection, code: str) -> dict[str, Any]:
    rows = conn.execute(LOCATIONS_SQL, {"bbox": None, "unit": None, "code": code}).fetchall()
    if not rows:
        raise NotFound(f"no location with code {code!r}")
    feature = _collection(rows, "code")["features"][0]
    feature["properties"]["camera_list"] = cameras(conn, location=code)["features"]
    return feature


def roads(conn: psycopg.Connection) -> dict[str, Any]:
    return _collection(conn.execute(ROADS_SQL).fetchall(), "id")
