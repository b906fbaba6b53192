"""The Staatscourant layer of a published camera plan: features and downloads.

Why one function feeds everything: the GeoJSON, GeoPackage, KML and CSV downloads, the
HTML listing and the OGC API collection must show the same plan, so they all come from
:func:`plan_features` on the frozen plan. Only published plans are public; a draft is
never exported here.

Features: one per fixed location (its cameras listed), and one per mobile camera
deployment added during the year (amendment). Every feature has the same attributes, so
the layer has one schema in every format.
"""
from __future__ import annotations

import csv
import io
import json
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row

from anpr.csvcells import cell
from anpr.errors import BadInput, NotFound
from camera_registry.plans import CRITERIA, MOBILE_KINDS, get_plan

#: Attribute names and types of the layer, in order (the same in every format).
FIELDS: dict[str, str] = {
    "feature_id": "str", "year": "int", "code": "str", "name": "str", "unit": "str",
    "unit_name": "str", "road": "str", "hectometre": "float", "owner": "str",
    "mounting": "str", "criteria": "str", "motivation": "str", "prosecutor": "str",
    "signed_on": "date", "cameras": "int", "camera_ids": "str", "valid_from": "date",
    "valid_to": "date",
}
#: Properties an OGC API client may filter on (equality; criteria: contains the letter).
QUERYABLES = ("code", "unit", "road", "owner", "mounting", "criteria")
FORMATS = {"geojson": "application/geo+json", "gpkg": "application/geopackage+sqlite3",
           "kml": "application/vnd.google-earth.kml+xml", "csv": "text/csv",
           "csvt": "text/plain", "prj": "text/plain"}
#: GDAL's field types of the CSV's columns (its ``.csvt``): ``WKT`` first, the geometry.
CSV_TYPES = {"str": "String", "int": "Integer", "float": "Real", "date": "Date"}
#: WGS 84 as the CSV's ``.prj`` (GDAL reads it as EPSG:4326).
WGS84_PRJ = ('GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
             'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
             'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,'
             'AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],'
             'AUTHORITY["EPSG","4326"]]')
#: GeoPackage version written: 1.2 opens without "partially supported" warnings in the
#: GDAL of QGIS LTR and Debian 12 (3.6), which know 1.4 only partly.
GPKG_VERSION = "1.2"
_KML_NS = "http://www.opengis.net/kml/2.2"
#: KML field types of the layer's attributes (KML has no date type: ISO text).
_KML_TYPES = {"str": "string", "int": "int", "float": "double", "date": "string"}

FEATURES_SQL = """
WITH feats AS (
    SELECT pl.location_code AS feature_id, p.year, pl.location_code AS code, pl.name,
           pl.unit_code AS unit, u.name AS unit_name, pl.road, pl.hectometre::float AS hectometre,
           pl.owner::text AS owner, 'fixed' AS mounting,
           array_to_string(pl.criteria, ',') AS criteria, pl.motivation, pl.prosecutor,
           pl.signed_on::text AS signed_on,
           (SELECT count(*) FROM plan_camera pc WHERE pc.plan_id = p.id
               AND pc.location_code = pl.location_code)::int AS cameras,
           (SELECT string_agg(pc.camera_id, ',' ORDER BY pc.camera_id) FROM plan_camera pc
             WHERE pc.plan_id = p.id AND pc.location_code = pl.location_code) AS camera_ids,
           make_date(p.year, 1, 1) AS vfrom, make_date(p.year, 12, 31) AS vto, pl.geom
      FROM camera_plan p JOIN plan_location pl ON pl.plan_id = p.id
      JOIN unit u ON u.code = pl.unit_code
     WHERE p.id = %(plan)s
    UNION ALL
    SELECT 'amendment-' || a.id, p.year, a.location_code, a.name, a.unit_code, u.name, a.road,
           a.hectometre::float, a.owner::text, 'mobile', array_to_string(a.criteria, ','),
           a.motivation, a.prosecutor,
           (a.recorded_at AT TIME ZONE 'Europe/Amsterdam')::date::text, 1, a.camera_id,
           a.effective_from, COALESCE(a.effective_to, make_date(p.year, 12, 31)), a.geom
      FROM camera_plan p JOIN plan_amendment a ON a.plan_id = p.id
      JOIN unit u ON u.code = a.unit_code
     WHERE p.id = %(plan)s
)
SELECT feature_id, year, code, name, unit, unit_name, road, hectometre, owner, mounting,
       criteria, motivation, prosecutor, signed_on, cameras, camera_ids,
       vfrom::text AS valid_from, vto::text AS valid_to,
       ST_X(geom) AS lon, ST_Y(geom) AS lat, count(*) OVER () AS matched
  FROM feats
 WHERE (%(bbox)s::float8[] IS NULL OR geom && ST_MakeEnvelope(
          (%(bbox)s::float8[])[1], (%(bbox)s::float8[])[2],
          (%(bbox)s::float8[])[3], (%(bbox)s::float8[])[4], 4326))
   AND (%(dt_from)s::date IS NULL OR vto >= %(dt_from)s::date)
   AND (%(dt_to)s::date IS NULL OR vfrom <= %(dt_to)s::date)
   AND (%(fid)s::text IS NULL OR feature_id = %(fid)s)
   AND (%(code)s::text IS NULL OR code = %(code)s)
   AND (%(unit)s::text IS NULL OR unit = %(unit)s)
   AND (%(road)s::text IS NULL OR road = %(road)s)
   AND (%(owner)s::text IS NULL OR owner = %(owner)s)
   AND (%(mounting)s::text IS NULL OR mounting = %(mounting)s)
   AND (%(criteria)s::text IS NULL OR %(criteria)s = ANY(string_to_array(criteria, ',')))
 ORDER BY mounting, code, feature_id
 LIMIT %(limit)s OFFSET %(offset)s
"""


def published_plan(conn: psycopg.Connection, year: int) -> dict[str, Any]:
    """The published plan of ``year``; a draft is as good as absent to the public: a
    year with a draft answers exactly as a year with no plan at all."""
    try:
        plan = get_plan(conn, year)
    except NotFound:
        plan = None
    if plan is None or plan["state"] != "published":
        raise NotFound(f"there is no published camera plan for {year}")
    return plan


def plan_features(conn: psycopg.Connection, year: int, *, bbox: list[float] | None = None,
                  dt_from: date | None = None, dt_to: date | None = None,
                  filters: dict[str, str] | None = None, feature_id: str | None = None,
                  limit: int | None = None, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Features of a published plan (GeoJSON dicts) and the number matched in all."""
    plan = published_plan(conn, year)
    filters = filters or {}
    unknown = set(filters) - set(QUERYABLES)
    if unknown:
        raise BadInput(f"cannot filter on {', '.join(sorted(unknown))}; "
                       f"queryable: {', '.join(QUERYABLES)}")
    params = {"plan": plan["id"], "bbox": bbox, "dt_from": dt_from, "dt_to": dt_to,
              "fid": feature_id, "limit": limit, "offset": offset,
              **{q: filters.get(q) for q in QUERYABLES}}
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(FEATURES_SQL, params).fetchall()
    matched = rows[0]["matched"] if rows else 0
    if not rows and offset:
        params.update(limit=1, offset=0)
        with conn.cursor(row_factory=dict_row) as cur:
            first = cur.execute(FEATURES_SQL, params).fetchone()
        matched = first["matched"] if first else 0
    feats = [{"type": "Feature", "id": r["feature_id"],
              "geometry": {"type": "Point", "coordinates": [round(r["lon"], 7), round(r["lat"], 7)]},
              "properties": {k: r[k] for k in FIELDS}} for r in rows]
    return feats, matched


def feature_collection(conn: psycopg.Connection, year: int) -> dict[str, Any]:
    feats, _ = plan_features(conn, year)
    return {"type": "FeatureCollection", "name": f"cameraplan_{year}", "features": feats}


def _write_gpkg(path: Path, layer: str, features: list[dict[str, Any]]) -> None:
    """The layer as a GeoPackage with real DATE columns: pyogrio's data frames know no date
    type (a ``datetime.date`` would become TEXT), so the columns go in as numpy arrays."""
    import numpy as np
    import shapely
    from pyogrio.raw import write
    from shapely.geometry import shape

    dtypes = {"int": "int64", "float": "float64", "date": "datetime64[D]", "str": object}
    columns = []
    for name, kind in FIELDS.items():
        values = [f["properties"][name] for f in features]
        if kind == "date":
            values = [v or "NaT" for v in values]
        elif kind == "float":
            values = [np.nan if v is None else v for v in values]
        columns.append(np.array(values, dtype=dtypes[kind]))
    geoms = np.array(shapely.to_wkb([shape(f["geometry"]) for f in features]), dtype=object)
    write(str(path), geoms, columns, fields=list(FIELDS), layer=layer, driver="GPKG",
          geometry_type="Point", crs="EPSG:4326", dataset_options={"VERSION": GPKG_VERSION})


def criteria_text(letters: str | None) -> str:
    """The art. 3 lid 2 criteria of a feature in words: "b: locatie gekenmerkt door ..."."""
    return "; ".join(f"{c}: {CRITERIA[c]}" for c in (letters or "").split(",") if c in CRITERIA)


def _kml(layer: str, features: list[dict[str, Any]]) -> bytes:
    """The layer as KML 2.2, written here rather than by GDAL (whose KML driver writes no
    time primitive): each placemark has the plan's validity as a ``TimeSpan`` (so a KML
    viewer's time slider shows the plan of the day), the criteria in words and the
    motivation as its description, a style per mounting, and every attribute typed in a
    ``Schema`` as ``ExtendedData`` (the name is the placemark's name)."""
    from xml.etree import ElementTree as ET

    from anpr import xmltext

    ET.register_namespace("", _KML_NS)

    def sub(parent, tag, text=None, **attrs):
        el = ET.SubElement(parent, f"{{{_KML_NS}}}{tag}",
                           {k: xmltext.text(v) for k, v in attrs.items()})
        if text is not None:
            el.text = xmltext.text(text)   # an editor's text may hold what XML cannot
        return el

    root = ET.Element(f"{{{_KML_NS}}}kml")
    doc = sub(root, "Document", id="root_doc")
    sub(doc, "name", layer.replace("_", " "))
    for mounting, colour in (("fixed", "ff6a4215"), ("mobile", "ff006cef")):
        sub(sub(sub(doc, "Style", id=mounting), "IconStyle"), "color", colour)
    schema = sub(doc, "Schema", name=layer, id=layer)
    for name, kind in FIELDS.items():
        if name != "name":
            sub(schema, "SimpleField", name=name, type=_KML_TYPES[kind])
    folder = sub(doc, "Folder")
    sub(folder, "name", layer)
    for f in features:
        props = f["properties"]
        pm = sub(folder, "Placemark", id=str(props["feature_id"]))
        sub(pm, "name", props["name"] or props["code"])
        sub(pm, "description", f"{props['code']}, {props['unit_name']}. Criteria art. 3 lid 2: "
                               f"{criteria_text(props['criteria'])}. {props['motivation'] or ''}")
        span = sub(pm, "TimeSpan")  # KML 2.2 order: name, description, time, style, data
        sub(span, "begin", props["valid_from"])
        sub(span, "end", props["valid_to"])
        sub(pm, "styleUrl", f"#{props['mounting']}")
        data = sub(sub(pm, "ExtendedData"), "SchemaData", schemaUrl=f"#{layer}")
        for name in FIELDS:
            if name != "name" and props[name] is not None:
                sub(data, "SimpleData", str(props[name]), name=name)
        lon, lat = f["geometry"]["coordinates"]
        sub(sub(pm, "Point"), "coordinates", f"{lon:.7f},{lat:.7f}")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def export_plan(conn: psycopg.Connection, year: int, fmt: str) -> tuple[bytes, str, str]:
    """One published plan as ``fmt`` (geojson, gpkg, kml, csv): bytes, media type, file name."""
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise BadInput(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    fc = feature_collection(conn, year)
    name = f"cameraplan_{year}.{fmt}"
    if fmt == "geojson":
        return json.dumps(fc, ensure_ascii=False).encode(), FORMATS[fmt], name
    if fmt == "csv":
        # WKT first: GDAL's CSV driver reads it as the geometry without open options; the
        # .csvt and .prj downloads beside it give the field types and the CRS.
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(["WKT", *FIELDS, "lon", "lat"])
        for f in fc["features"]:
            props = f["properties"]
            lon, lat = f["geometry"]["coordinates"]
            writer.writerow([f"POINT ({lon:.7f} {lat:.7f})"]
                            + [("" if props[k] is None else cell(props[k])) for k in FIELDS]
                            + [lon, lat])
        return buf.getvalue().encode("utf-8"), FORMATS[fmt] + "; charset=utf-8", name
    if fmt == "csvt":
        types = ["WKT", *(CSV_TYPES[k] for k in FIELDS.values()), "Real", "Real"]
        return (",".join(f'"{t}"' for t in types) + "\r\n").encode(), FORMATS[fmt], name
    if fmt == "prj":
        return WGS84_PRJ.encode(), FORMATS[fmt], name
    if fmt == "kml":
        return _kml(f"cameraplan_{year}", fc["features"]), FORMATS[fmt], name
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        _write_gpkg(path, f"cameraplan_{year}", fc["features"])
        return path.read_bytes(), FORMATS[fmt], name


def listing(conn: psycopg.Connection, year: int) -> dict[str, Any]:
    """What the printable Staatscourant page shows: locations by unit with criteria and
    motivations, the mobile cameras per unit and kind, last year's mobile locations."""
    plan = published_plan(conn, year)
    feats, _ = plan_features(conn, year)
    units: dict[str, dict[str, Any]] = {}
    for f in feats:
        p = f["properties"]
        unit = units.setdefault(p["unit"], {"code": p["unit"], "name": p["unit_name"],
                                            "fixed": [], "mobile": []})
        unit[p["mounting"]].append(p)
    with conn.cursor(row_factory=dict_row) as cur:
        mobile = cur.execute("SELECT m.unit_code, u.name AS unit_name, m.kind, m.count FROM "
                             "plan_mobile m JOIN unit u ON u.code = m.unit_code WHERE m.plan_id = %s "
                             "ORDER BY m.unit_code, m.kind", (plan["id"],)).fetchall()
        prior = cur.execute("SELECT location_code, camera_id, unit_code, kind, deployed_from, "
                            "deployed_to FROM plan_prior_mobile WHERE plan_id = %s "
                            "ORDER BY unit_code, location_code, camera_id", (plan["id"],)).fetchall()
    for m in mobile:
        m["kind_text"] = MOBILE_KINDS.get(m["kind"], m["kind"])
    return {"plan": plan, "units": [units[k] for k in sorted(units)], "mobile": mobile,
            "prior_mobile": prior, "criteria": CRITERIA,
            "counts": {"locations": sum(len(u["fixed"]) for u in units.values()),
                       "cameras": sum(p["cameras"] for u in units.values() for p in u["fixed"]),
                       "amendments": sum(len(u["mobile"]) for u in units.values())}}


def plan_extent(conn: psycopg.Connection, year: int) -> list[float] | None:
    plan = published_plan(conn, year)
    row = conn.execute("SELECT ST_XMin(e) AS a, ST_YMin(e) AS b, ST_XMax(e) AS c, ST_YMax(e) AS d "
                       "FROM (SELECT ST_Extent(geom)::geometry AS e FROM plan_location "
                       "WHERE plan_id = %s) x", (plan["id"],)).fetchone()
    vals = [row["a"], row["b"], row["c"], row["d"]] if isinstance(row, dict) else list(row)
    return None if vals[0] is None else [round(v, 6) for v in vals]


def parse_datetime_param(raw: str | None) -> tuple[date | None, date | None]:
    """OGC ``datetime``: an instant or an interval ``a/b`` with ``..`` for open ends."""
    if raw is None or raw == "":
        return None, None

    def one(part: str) -> date | None:
        part = part.strip()
        if part in ("", ".."):
            return None
        try:
            if "T" in part:
                return datetime.fromisoformat(part.replace("Z", "+00:00")).date()
            return date.fromisoformat(part)
        except ValueError:
            raise BadInput(f"datetime {part!r} is not RFC 3339 (e.g. 2026-03-01 or "
                           "2026-03-01T00:00:00Z)") from None

    if "/" in raw:
        lo, hi = raw.split("/", 1)
        a, b = one(lo), one(hi)
        if a and b and b < a:
            raise BadInput("datetime interval ends before it starts")
        return a, b
    instant = one(raw)
    return instant, instant
