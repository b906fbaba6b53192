"""Validation of geometries that users draw or upload, before any of it reaches SQL.

Drawn selections arrive as GeoJSON in WGS84 (EPSG:4326). Everything metric (areas,
radii, corridor buffers) is computed in RD New (EPSG:28992). Each problem gets a clear
BadInput message; nothing malformed, self-intersecting, enormous or outside the
Netherlands passes.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from anpr.errors import BadInput

#: How far a location may move in the registry and still be the same place (a corrected
#: position, not another place): a camera-plan location moved further is not where the
#: published plan put it (``camera_registry.membership``, ``gis.search.coverage``).
SAME_PLACE_M = 100.0

# A generous envelope around the Netherlands (incl. the Wadden islands and border strip).
NL_BOUNDS = (3.0, 50.6, 7.4, 53.7)  # min lon, min lat, max lon, max lat
ALLOWED_TYPES = {"Polygon", "MultiPolygon", "Point", "LineString"}
MAX_RADIUS_M = 50_000
MAX_CORRIDOR_M = 5_000


@lru_cache(maxsize=2)
def _transformer(src: str, dst: str):
    from pyproj import Transformer

    return Transformer.from_crs(src, dst, always_xy=True)


def reproject(geom: BaseGeometry, src: str, dst: str) -> BaseGeometry:
    t = _transformer(src, dst)
    return shapely.transform(geom, lambda xy: _stack(t.transform(xy[:, 0], xy[:, 1])))


def _stack(xy):
    import numpy as np

    return np.column_stack(xy)


def to_rd(geom: BaseGeometry) -> BaseGeometry:
    """WGS84 lon/lat to RD New metres, for areas, distances and buffers."""
    return reproject(geom, "EPSG:4326", "EPSG:28992")


def from_rd(geom: BaseGeometry) -> BaseGeometry:
    return reproject(geom, "EPSG:28992", "EPSG:4326")


@dataclass(frozen=True)
class Limits:
    max_vertices: int = 5000
    max_area_km2: float = 60_000


def parse_geojson_geometry(data: Any) -> BaseGeometry:
    """A shapely geometry from a GeoJSON geometry, Feature, or JSON text of either."""
    if isinstance(data, (str, bytes)):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise BadInput(f"geometry is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise BadInput("geometry must be a GeoJSON object")
    if data.get("type") == "Feature":
        data = data.get("geometry")
        if not isinstance(data, dict):
            raise BadInput("the Feature has no geometry")
    gtype = data.get("type")
    if gtype not in ALLOWED_TYPES:
        raise BadInput(f"geometry type {gtype!r} is not accepted; use one of "
                       f"{', '.join(sorted(ALLOWED_TYPES))}")
    coords = data.get("coordinates")
    if not isinstance(coords, list) or not coords:
        raise BadInput("geometry has no coordinates")
    try:
        geom = shape(data)
    except (ValueError, TypeError, AttributeError, IndexError) as exc:
        raise BadInput(f"malformed {gtype} coordinates: {exc}") from exc
    except shapely.errors.ShapelyError as exc:
        raise BadInput(f"malformed {gtype} coordinates: {exc}") from exc
    return geom


def _check_coordinates(geom: BaseGeometry, limits: Limits) -> None:
    coords = shapely.get_coordinates(geom)
    if len(coords) == 0 or geom.is_empty:
        raise BadInput("geometry is empty")
    if len(coords) > limits.max_vertices:
        raise BadInput(f"geometry has {len(coords)} vertices; at most {limits.max_vertices} "
                       "are accepted")
    if not all(math.isfinite(v) for v in coords.ravel()):
        raise BadInput("geometry has non-finite coordinates")
    minx, miny, maxx, maxy = geom.bounds
    lo_lon, lo_lat, hi_lon, hi_lat = NL_BOUNDS
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise BadInput("coordinates are not WGS84 longitude/latitude (are they RD metres?)")
    if minx < lo_lon or maxx > hi_lon or miny < lo_lat or maxy > hi_lat:
        raise BadInput("geometry lies (partly) outside the Netherlands")


def validate_area(data: Any, limits: Limits = Limits()) -> BaseGeometry:
    """A valid polygon or multipolygon inside the Netherlands, not larger than allowed."""
    geom = parse_geojson_geometry(data)
    if geom.geom_type not in {"Polygon", "MultiPolygon"}:
        raise BadInput("an area must be a Polygon or MultiPolygon")
    _check_coordinates(geom, limits)
    if not geom.is_valid:
        raise BadInput(f"invalid polygon: {explain_validity(geom)}")
    area_km2 = to_rd(geom).area / 1e6
    if area_km2 <= 0:
        raise BadInput("polygon has no area")
    if area_km2 > limits.max_area_km2:
        raise BadInput(f"area of {area_km2:,.0f} km2 is larger than the {limits.max_area_km2:,.0f} "
                       "km2 allowed")
    return geom


def validate_circle(data: Any, radius_m: Any, limits: Limits = Limits()) -> BaseGeometry:
    geom = parse_geojson_geometry(data)
    if geom.geom_type != "Point":
        raise BadInput("a circle's centre must be a Point")
    _check_coordinates(geom, limits)
    radius = _number(radius_m, "radius_m")
    if not 1 <= radius <= MAX_RADIUS_M:
        raise BadInput(f"radius_m must be between 1 and {MAX_RADIUS_M}")
    return geom


def validate_corridor(data: Any, buffer_m: Any, limits: Limits = Limits()) -> BaseGeometry:
    geom = parse_geojson_geometry(data)
    if geom.geom_type != "LineString":
        raise BadInput("a corridor follows a LineString")
    _check_coordinates(geom, limits)
    if not geom.is_valid or len(geom.coords) < 2 or to_rd(geom).length == 0:
        raise BadInput("a corridor line needs at least two distinct points")
    buffer = _number(buffer_m, "buffer_m")
    if not 1 <= buffer <= MAX_CORRIDOR_M:
        raise BadInput(f"buffer_m must be between 1 and {MAX_CORRIDOR_M}")
    return geom


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadInput(f"{name} must be a number")
    if not math.isfinite(value):
        raise BadInput(f"{name} must be finite")
    return float(value)
