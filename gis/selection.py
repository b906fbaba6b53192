"""Camera selection: turn what an officer draws or picks into a set of cameras.

Every drawn kind (polygon, rectangle, circle, corridor) is reduced to one WGS84 area,
built metric-true in RD New with shapely and reprojected back, so the SQL compares the
indexed ``location.geom`` column against a literal and the spatial index stays usable.
Picks by location, group or camera id, and filters on direction (in/out) and lane
narrow the set further.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from anpr.errors import BadInput
from gis import geometry as geo

KINDS = {"polygon", "rectangle", "circle", "corridor"}


@dataclass(frozen=True)
class Selection:
    """A validated selection request; ``area`` is WGS84 or None for pick-only selections."""

    area: BaseGeometry | None = None
    locations: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    cameras: tuple[str, ...] = ()
    inout: str | None = None
    lanes: tuple[int, ...] = ()
    kind: str = "polygon"
    extra: dict[str, Any] = field(default_factory=dict)


def parse_selection(body: Any, limits: geo.Limits = geo.Limits()) -> Selection:
    """Validate a selection as the JSON API receives it; raise BadInput on anything odd."""
    if not isinstance(body, dict):
        raise BadInput("selection must be a JSON object")
    kind = body.get("kind", "polygon")
    if kind not in KINDS | {"pick"}:
        raise BadInput(f"unknown selection kind {kind!r}")
    area = None
    if kind in {"polygon", "rectangle"}:
        area = geo.validate_area(body.get("geometry"), limits)
    elif kind == "circle":
        centre = geo.validate_circle(body.get("geometry"), body.get("radius_m"), limits)
        area = _buffer_wgs84(centre, float(body["radius_m"]))
    elif kind == "corridor":
        line = geo.validate_corridor(body.get("geometry"), body.get("buffer_m"), limits)
        area = _buffer_wgs84(line, float(body["buffer_m"]))
    inout = body.get("inout")
    if inout not in (None, "in", "out"):
        raise BadInput("inout must be 'in' or 'out'")
    lanes = body.get("lanes") or []
    if not isinstance(lanes, list) or not all(isinstance(n, int) and 1 <= n <= 12 for n in lanes):
        raise BadInput("lanes must be a list of lane numbers 1..12")
    picks = {}
    for key in ("locations", "groups", "cameras"):
        value = body.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) and 0 < len(v) <= 80
                                                  for v in value):
            raise BadInput(f"{key} must be a list of ids")
        if len(value) > 5000:
            raise BadInput(f"too many {key}")
        picks[key] = tuple(value)
    if area is None and not any(picks.values()):
        raise BadInput("a selection needs a geometry or at least one location, group or camera")
    return Selection(area=area, kind=kind, inout=inout, lanes=tuple(lanes), **picks)


def _buffer_wgs84(geom: BaseGeometry, metres: float) -> BaseGeometry:
    return geo.from_rd(geo.to_rd(geom).buffer(metres, quad_segs=16))


SELECT_SQL = """
SELECT c.id, c.lane, c.inout::text AS inout, c.bearing, c.status::text AS status,
       c.mounting::text AS mounting,
       l.code AS location_code, l.name AS location_name, l.unit_code, l.road,
       l.owner::text AS owner, ST_X(l.geom) AS lon, ST_Y(l.geom) AS lat
  FROM camera c
  JOIN location l ON l.id = c.location_id
 WHERE (%(area)s::text IS NULL OR ST_Intersects(l.geom, ST_GeomFromGeoJSON(%(area)s)))
   AND (cardinality(%(locations)s::text[]) = 0 OR l.code = ANY(%(locations)s::text[]))
   AND (cardinality(%(cameras)s::text[]) = 0 OR c.id = ANY(%(cameras)s::text[]))
   AND (cardinality(%(groups)s::text[]) = 0 OR c.id IN (
          SELECT m.camera_id FROM camera_group_member m JOIN camera_group g ON g.id = m.group_id
           WHERE g.name = ANY(%(groups)s::text[])))
   AND (%(inout)s::text IS NULL OR c.inout::text = %(inout)s)
   AND (cardinality(%(lanes)s::int[]) = 0 OR c.lane = ANY(%(lanes)s::int[]))
 ORDER BY l.code, c.inout, c.lane, c.id
"""


def select_cameras(conn: psycopg.Connection, selection: Selection) -> list[dict[str, Any]]:
    """The cameras a selection resolves to, with their location, ordered by location."""
    import json

    params = {
        "area": json.dumps(mapping(selection.area)) if selection.area is not None else None,
        "locations": list(selection.locations),
        "cameras": list(selection.cameras),
        "groups": list(selection.groups),
        "inout": selection.inout,
        "lanes": list(selection.lanes),
    }
    return list(conn.execute(SELECT_SQL, params).fetchall())


def as_feature_collection(cameras: list[dict[str, Any]], selection: Selection | None = None
                          ) -> dict[str, Any]:
    features = [{
        "type": "Feature",
        "id": cam["id"],
        "geometry": {"type": "Point", "coordinates": [cam["lon"], cam["lat"]]},
        "properties": {k: v for k, v in cam.items() if k not in {"lon", "lat"}},
    } for cam in cameras]
    out: dict[str, Any] = {
        "type": "FeatureCollection",
        "features": features,
        "numberMatched": len(features),
        "locations": sorted({c["location_code"] for c in cameras}),
    }
    if selection is not None and selection.area is not None:
        out["area"] = mapping(selection.area)
    return out
