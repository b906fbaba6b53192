"""Spatial exports of a reconstructed route (Q6) for analysts: GeoJSON, GeoPackage, KML, GPX.

Why GDAL (through pyogrio) and not hand-written XML: the files must open in QGIS,
Google Earth and GPS tools exactly as GDAL reads them, and GDAL writes each format the
way those tools expect. Time per vertex: GeoJSON carries a ``times`` array per line;
GeoPackage and KML carry the legs with their times and the passages as timed points;
GPX writes a track whose every point has its <time>.
"""
from __future__ import annotations

import json
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, Point

from gis.search.route import route_geojson

FORMATS = {"geojson": ("application/geo+json", "geojson"),
           "gpkg": ("application/geopackage+sqlite3", "gpkg"),
           "kml": ("application/vnd.google-earth.kml+xml", "kml"),
           "gpx": ("application/gpx+xml", "gpx")}
_WGS84 = "EPSG:4326"


def _iso(v: Any) -> str:
    return v.isoformat() if isinstance(v, datetime) else str(v)


def _leg_fields(result: dict[str, Any]) -> tuple[list[Any], dict[str, np.ndarray]]:
    legs = result["legs"]
    geoms = [LineString(leg["coordinates"]) for leg in legs]
    fields = {
        "name": np.array([f"{leg['from_location']} -> {leg['to_location']}" for leg in legs],
                         dtype=object),
        "flag": np.array([leg["flag"] for leg in legs], dtype=object),
        "from_at": np.array([_iso(leg["from_at"]) for leg in legs], dtype=object),
        "to_at": np.array([_iso(leg["to_at"]) for leg in legs], dtype=object),
        "observed_s": np.array([leg["observed_s"] for leg in legs], dtype=np.float64),
        "expected_s": np.array([np.nan if leg["expected_s"] is None else leg["expected_s"]
                                for leg in legs], dtype=np.float64),
        "times": np.array([json.dumps(leg["times"]) for leg in legs], dtype=object),
    }
    return geoms, fields


def _passage_fields(result: dict[str, Any]) -> tuple[list[Any], dict[str, np.ndarray]]:
    ps = result["passages"]
    geoms = [Point(p["lon"], p["lat"]) for p in ps]
    fields = {"name": np.array([p["location_code"] for p in ps], dtype=object),
              "camera_id": np.array([p["camera_id"] for p in ps], dtype=object),
              "time": np.array([_iso(p["captured_at"]) for p in ps], dtype=object)}
    return geoms, fields


def _write(path: Path, layer: str, geoms: list[Any], fields: dict[str, np.ndarray], driver: str,
           geometry_type: str, **kwargs: Any) -> None:
    from pyogrio.raw import write

    names = list(fields)
    write(str(path), np.array(shapely.to_wkb(geoms), dtype=object) if geoms else
          np.array([], dtype=object), [fields[n] for n in names], fields=names, layer=layer,
          driver=driver, geometry_type=geometry_type, crs=_WGS84, **kwargs)


def export_route(result: dict[str, Any], fmt: str) -> tuple[bytes, str, str]:
    """The route in ``fmt``: (file bytes, MIME type, file suffix)."""
    mimetype, suffix = FORMATS[fmt]
    if fmt == "geojson":
        return json.dumps(route_geojson(result), default=_iso).encode(), mimetype, suffix
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"route.{suffix}"
        leg_geoms, leg_fields = _leg_fields(result)
        pass_geoms, pass_fields = _passage_fields(result)
        if fmt == "gpkg":
            _write(path, "legs", leg_geoms, leg_fields, "GPKG", "LineString")
            _write(path, "passages", pass_geoms, pass_fields, "GPKG", "Point", append=True)
        elif fmt == "kml":
            geoms = leg_geoms + pass_geoms
            n_legs, n_pass = len(leg_geoms), len(pass_geoms)
            fields = {
                "name": np.concatenate([leg_fields["name"], pass_fields["name"]]),
                "description": np.array(
                    [f"{f}; observed {o:.0f} s; expected {e:.0f} s" for f, o, e in
                     zip(leg_fields["flag"], leg_fields["observed_s"], leg_fields["expected_s"])]
                    + [f"camera {c}" for c in pass_fields["camera_id"]], dtype=object),
                "time": np.concatenate([leg_fields["from_at"], pass_fields["time"]]),
                "flag": np.array(list(leg_fields["flag"]) + ["passage"] * n_pass, dtype=object),
            }
            assert len(fields["name"]) == n_legs + n_pass
            _write(path, "route", geoms, fields, "KML", "Unknown")
        else:  # gpx: a track whose points carry their time
            _write_gpx(path, result)
        return path.read_bytes(), mimetype, suffix


def _write_gpx(path: Path, result: dict[str, Any]) -> None:
    coords: list[list[float]] = []
    times: list[str] = []
    for leg in result["legs"]:
        skip = 1 if coords else 0
        coords += leg["coordinates"][skip:]
        times += leg["times"][skip:]
    if not coords:  # a single passage or none: the passages as track points
        coords = [[p["lon"], p["lat"]] for p in result["passages"]]
        times = [_iso(p["captured_at"]) for p in result["passages"]]
    fields = {"track_fid": np.zeros(len(coords), dtype=np.int32),
              "track_seg_id": np.zeros(len(coords), dtype=np.int32),
              "track_seg_point_id": np.arange(len(coords), dtype=np.int32),
              "time": np.array([datetime.fromisoformat(t) for t in times], dtype=object),
              "name": np.array([result["params"]["plate"]] * len(coords), dtype=object)}
    _write(path, "track_points", [Point(c) for c in coords], fields, "GPX", "Point",
           dataset_options={"GPX_USE_EXTENSIONS": "NO"})
