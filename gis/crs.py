"""Coordinate reference systems offered by the public OGC API (Features Part 2, CRS by
reference): CRS84 as stored, and RD New, ETRS89 and LAEA Europe by PostGIS ``ST_Transform``.

Why axis order is kept here: Part 2 says coordinates and a ``bbox`` in a CRS other than
CRS84 follow that CRS's own axis order. EPSG:4258 is latitude before longitude and
EPSG:3035 northing before easting; RD New (EPSG:28992) is easting, northing like CRS84.
GDAL and QGIS read them that way, so a swap forgotten here puts the Netherlands elsewhere.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from anpr.errors import BadInput

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
_EPSG = "http://www.opengis.net/def/crs/EPSG/0/"


@dataclass(frozen=True)
class Crs:
    uri: str
    srid: int
    north_first: bool  # the CRS's first axis is latitude or northing
    title: str
    decimals: int  # what a point needs: about a centimetre

    @property
    def header(self) -> str:
        """The ``Content-Crs`` header value."""
        return f"<{self.uri}>"


OFFERED: dict[str, Crs] = {c.uri: c for c in (
    Crs(CRS84, 4326, False, "WGS 84 (lengtegraad, breedtegraad)", 7),
    Crs(_EPSG + "28992", 28992, False, "Amersfoort / RD New", 2),
    Crs(_EPSG + "4258", 4258, True, "ETRS89 (breedtegraad, lengtegraad)", 7),
    Crs(_EPSG + "3035", 3035, True, "ETRS89 / LAEA Europe (northing, easting)", 2),
)}
STORAGE = OFFERED[CRS84]


def parse(raw: str | None, param: str = "crs") -> Crs:
    """The offered CRS named by ``raw`` (its URI, or ``EPSG:n``/``[EPSG:n]`` as a CURIE);
    CRS84 when absent. Anything else is refused: silently answering in CRS84 would put
    features hundreds of kilometres off in a client that asked for RD New."""
    if raw is None or raw == "":
        return STORAGE
    key = raw.strip()
    if key.startswith("[") and key.endswith("]"):
        key = key[1:-1]
    if key.upper().startswith("EPSG:") and key[5:].isdigit():
        key = _EPSG + key[5:]
    elif key.upper() in ("OGC:CRS84", "CRS84"):
        key = CRS84
    if key not in OFFERED:
        raise BadInput(f"{param} {raw!r} is not offered; use one of {', '.join(OFFERED)}")
    return OFFERED[key]


def parse_bbox(raw: str, crs: Crs) -> tuple[float, float, float, float]:
    """A ``bbox`` in ``crs`` (its axis order) as (xmin, ymin, xmax, ymax) easting-first."""
    try:
        parts = [float(p) for p in raw.split(",")]
    except ValueError as exc:
        raise BadInput("bbox must be four numbers in the axis order of bbox-crs") from exc
    if len(parts) != 4 or parts[0] >= parts[2] or parts[1] >= parts[3]:
        raise BadInput("bbox must be four numbers: lower corner, upper corner (min < max)")
    if crs.north_first:
        return parts[1], parts[0], parts[3], parts[2]
    return parts[0], parts[1], parts[2], parts[3]


def enclosing_wgs84(conn: psycopg.Connection, box: tuple[float, float, float, float],
                    crs: Crs) -> list[float]:
    """The lon/lat box enclosing ``box`` (edges densified, so a curved edge stays inside)."""
    try:
        with conn.transaction():  # a box PROJ cannot transform must not spoil the request
            row = conn.execute(
                "SELECT ST_XMin(b) AS x0, ST_YMin(b) AS y0, ST_XMax(b) AS x1, ST_YMax(b) AS y1"
                " FROM (SELECT ST_Transform(ST_Segmentize(ST_MakeEnvelope(%(x0)s, %(y0)s,"
                " %(x1)s, %(y1)s, %(srid)s), %(step)s), 4326)::box2d AS b) t",
                {"x0": box[0], "y0": box[1], "x1": box[2], "y1": box[3], "srid": crs.srid,
                 "step": max(box[2] - box[0], box[3] - box[1]) / 32}).fetchone()
    except psycopg.Error:
        row = None
    if row is None or any(v is None or v != v or abs(v) == float("inf") for v in row.values()):
        raise BadInput(f"bbox lies outside the area where {crs.title} is defined")
    return [max(row["x0"], -180.0), max(row["y0"], -90.0), min(row["x1"], 180.0),
            min(row["y1"], 90.0)]


def project(conn: psycopg.Connection, features: list[dict[str, Any]], crs: Crs
            ) -> list[dict[str, Any]]:
    """Point features from CRS84 into ``crs``, coordinates in its axis order."""
    if crs is STORAGE or not features:
        return features
    lon = [f["geometry"]["coordinates"][0] for f in features]
    lat = [f["geometry"]["coordinates"][1] for f in features]
    rows = conn.execute(
        "SELECT ST_X(g) AS x, ST_Y(g) AS y FROM (SELECT ord, ST_Transform(ST_SetSRID("
        "ST_MakePoint(lon, lat), 4326), %(srid)s) AS g FROM unnest(%(lon)s::float8[], "
        "%(lat)s::float8[]) WITH ORDINALITY AS t(lon, lat, ord)) s ORDER BY ord",
        {"srid": crs.srid, "lon": lon, "lat": lat}).fetchall()
    out = []
    for f, r in zip(features, rows):
        x, y = round(r["x"], crs.decimals), round(r["y"], crs.decimals)
        out.append({**f, "geometry": {"type": "Point",
                                      "coordinates": [y, x] if crs.north_first else [x, y]}})
    return out


def inside(feature: dict[str, Any], box: tuple[float, float, float, float], crs: Crs) -> bool:
    """Whether a point feature already in ``crs`` lies in ``box`` (easting-first)."""
    a, b = feature["geometry"]["coordinates"]
    x, y = (b, a) if crs.north_first else (a, b)
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]
