"""Spatial exports for analysts: a reconstructed route (Q6) as GeoJSON, GeoPackage, KML and
GPX, and the provision package's passage table as CSV and GeoJSON.

What every export keeps to, because analysts open them in GDAL and QGIS:

- nothing invented: only real passages carry a time. The road geometry between two passages
  (pgRouting's path) is drawn, but its vertices get no time; a leg carries the times of the
  two passages that bound it (``from_at``/``to_at``).
- one geometry type per layer: passages are Points, legs and the whole route LineStrings.
  GeoPackage and KML keep them in separate layers (folders); GeoJSON, one layer per file in
  GDAL by nature, is one file per layer (``passages.geojson``, ``legs.geojson``,
  ``route.geojson``: :data:`ROUTE_FILES`), each a FeatureCollection named after its layer.
- real date-times: GeoPackage DATETIME columns (UTC, as the GeoPackage standard stores them),
  ISO 8601 with offset in GeoJSON and CSV (which GDAL types as DateTime), KML ``TimeStamp``
  and ``TimeSpan``, GPX ``<time>`` on the passages only.
- typed attributes: KML's ``ExtendedData`` follows a ``Schema`` per layer, so GDAL reads the
  legs' seconds and metres as numbers, not text.
- the CRS declared: WGS 84 longitude/latitude (EPSG:4326) everywhere; the CSV carries a
  ``WKT`` column (GDAL's CSV driver reads it as the geometry without options) with a
  ``.prj`` and ``.csvt`` beside it for the CRS and field types.

GPX and KML are written as XML here rather than through GDAL: GDAL's GPX driver writes one
layer per dataset from pyogrio (a track and a route need two), and neither driver writes
per-feature styles or time primitives from plain fields. The tests read every file back
with GDAL (pyogrio) to hold them to what GDAL expects.
"""
from __future__ import annotations

import csv
import io
import json
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable
from xml.etree import ElementTree as ET

from anpr import clock, xmltext
from anpr.csvcells import cell
from anpr.errors import BadInput

FORMATS = {"geojson": ("application/geo+json", "geojson"),
           "gpkg": ("application/geopackage+sqlite3", "gpkg"),
           "kml": ("application/vnd.google-earth.kml+xml", "kml"),
           "gpx": ("application/gpx+xml", "gpx")}
#: The route's layers: passages (Point), legs and the whole route line (LineString).
ROUTE_LAYERS = ("passages", "legs", "route")
#: A route's files: GeoJSON one per layer, GeoPackage, KML and GPX each all layers in one.
ROUTE_FILES = (*(f"{layer}.geojson" for layer in ROUTE_LAYERS), "gpkg", "kml", "gpx")
_WGS84 = "EPSG:4326"
#: WKT of WGS 84 for the CSV's .prj (GDAL reads it as EPSG:4326).
_WGS84_PRJ = ('GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
              'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
              'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,'
              'AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],'
              'AUTHORITY["EPSG","4326"]]')
#: KML line colours per leg flag (aabbggrr) and their Dutch names in the legend.
LEG_STYLES = {"ok": ("ff3cb371", "rijtijd past bij de route"),
              "detour_or_stop": ("ff0a8cff", "omweg of stop"),
              "impossible": ("ff2020e0", "onmogelijk snel (dubbele kentekenplaat?)"),
              "no_route": ("ff9e9e9e", "geen route over de weg gevonden")}


def _utc(v: datetime) -> datetime:
    return v.astimezone(timezone.utc)


def _local_iso(v: datetime) -> str:
    """ISO 8601 with the Amsterdam offset: what an analyst reads, and unambiguous."""
    return clock.local(v).isoformat()


def _utc_z(v: datetime) -> str:
    return _utc(v).isoformat().replace("+00:00", "Z")


def _passages(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"passage_id": p["id"], "camera": p["camera_id"], "location_code": p["location_code"],
             "captured_at": p["captured_at"], "lon": p["lon"], "lat": p["lat"]}
            for p in result["passages"]]


_LEG_KEYS = ("index", "from_location", "to_location", "from_camera", "to_camera",
             "from_passage", "to_passage", "from_at", "to_at", "flag", "observed_s",
             "expected_s", "excess_s", "length_m", "straight_m", "kmh_straight")


def _legs(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**{k: leg.get(k) for k in _LEG_KEYS},
             "name": f"{leg['from_location']} -> {leg['to_location']}",
             "coordinates": leg["coordinates"]} for leg in result["legs"]]


def _route_line(result: dict[str, Any]) -> list[list[float]]:
    coords: list[list[float]] = []
    for leg in result["legs"]:
        coords += leg["coordinates"][1 if coords else 0:]
    return coords


# --- GeoJSON ------------------------------------------------------------------------------

def route_geojson(result: dict[str, Any]) -> dict[str, Any]:
    """The route as one GeoJSON FeatureCollection whose features say their ``layer``:
    ``route`` (the whole road line), ``legs`` (one line per leg with its flag and the two
    passage times) and ``passages`` (points with their time). For the map's drawing (the
    request page); a file for GIS is :func:`route_layers`, one collection per layer."""
    layers = route_layers(result)
    features = [{**f, "properties": {"layer": layer, **f["properties"]}}
                for layer in ("route", "legs", "passages") for f in layers[layer]["features"]]
    return {"type": "FeatureCollection", "name": f"route {result['params']['plate']}",
            "features": features}


def route_layers(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The route as GeoJSON, one FeatureCollection per layer (``passages``: Points,
    ``legs``: LineStrings, ``route``: the one road line), each named after its layer so GDAL
    reads one geometry type per file. Times are ISO 8601 strings with the Amsterdam offset
    (GDAL types them DateTime); the road vertices carry none. The route line's collection
    is empty when there is no leg."""
    plate = result["params"]["plate"]
    ps = _passages(result)
    out = {layer: {"type": "FeatureCollection", "name": layer, "features": []}
           for layer in ROUTE_LAYERS}
    line = _route_line(result)
    if len(line) >= 2:
        out["route"]["features"].append({
            "type": "Feature", "id": "route",
            "geometry": {"type": "LineString", "coordinates": line},
            "properties": {"plate": plate, "from_at": _local_iso(ps[0]["captured_at"]),
                           "to_at": _local_iso(ps[-1]["captured_at"]),
                           "legs": len(result["legs"])}})
    for leg in _legs(result):
        props = {k: v for k, v in leg.items() if k != "coordinates"}
        props.update(plate=plate, from_at=_local_iso(leg["from_at"]),
                     to_at=_local_iso(leg["to_at"]))
        out["legs"]["features"].append({
            "type": "Feature", "id": f"leg-{leg['index']}",
            "geometry": {"type": "LineString", "coordinates": leg["coordinates"]},
            "properties": props})
    for p in ps:
        out["passages"]["features"].append({
            "type": "Feature", "id": f"passage-{p['passage_id']}",
            "geometry": {"type": "Point", "coordinates": [p["lon"], p["lat"]]},
            "properties": {"passage_id": p["passage_id"], "plate": plate, "camera": p["camera"],
                           "location_code": p["location_code"],
                           "captured_at": _local_iso(p["captured_at"])}})
    return out


# --- GeoPackage ---------------------------------------------------------------------------

def _write_gpkg(path: Path, result: dict[str, Any]) -> None:
    import geopandas as gpd
    import pandas as pd
    import pyogrio
    from shapely.geometry import LineString, Point

    def frame(records: list[dict[str, Any]], columns: list[str], geoms: list[Any],
              times: tuple[str, ...]):
        df = pd.DataFrame.from_records(records, columns=columns)
        for t in times:  # DATETIME columns in UTC, as the GeoPackage standard stores them
            df[t] = pd.to_datetime(df[t], utc=True)
        return gpd.GeoDataFrame(df, geometry=geoms, crs=_WGS84)

    ps = _passages(result)
    pass_cols = ["passage_id", "camera", "location_code", "captured_at"]
    pass_df = frame([{k: p[k] for k in pass_cols} for p in ps], pass_cols,
                    [Point(p["lon"], p["lat"]) for p in ps], ("captured_at",))
    legs = _legs(result)
    leg_cols = ["name", *_LEG_KEYS]
    leg_df = frame([{k: leg[k] for k in leg_cols} for leg in legs], leg_cols,
                   [LineString(leg["coordinates"]) for leg in legs], ("from_at", "to_at"))
    for col in ("expected_s", "excess_s", "kmh_straight"):
        if col in leg_df:
            leg_df[col] = leg_df[col].astype("float64")
    # The file is the same bytes each time it is made from the same route (the package's
    # manifest records its SHA-256, and a later download is compared with it): GDAL stamps
    # each layer's ``last_change`` with OGR_CURRENT_DATE when set, else with the clock, so
    # the stamp is the route's last passage.
    last = _utc(ps[-1]["captured_at"]) if ps else datetime(1970, 1, 1, tzinfo=timezone.utc)
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": last.strftime("%Y-%m-%dT%H:%M:%S.000Z")})
    try:
        # GeoPackage 1.2: Debian 12's GDAL 3.6 (and QGIS LTR's) reads 1.4 only "partially".
        pass_df.to_file(path, layer="passages", driver="GPKG", engine="pyogrio",
                        geometry_type="Point", dataset_options={"VERSION": "1.2"})
        leg_df.to_file(path, layer="legs", driver="GPKG", engine="pyogrio", mode="a",
                       geometry_type="LineString")
        line = _route_line(result)
        if len(line) >= 2:
            route_df = frame([{"plate": result["params"]["plate"],
                               "from_at": ps[0]["captured_at"], "to_at": ps[-1]["captured_at"],
                               "legs": len(legs)}],
                             ["plate", "from_at", "to_at", "legs"], [LineString(line)],
                             ("from_at", "to_at"))
            route_df.to_file(path, layer="route", driver="GPKG", engine="pyogrio", mode="a",
                             geometry_type="LineString")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})


# --- KML ----------------------------------------------------------------------------------

_KML_NS = "http://www.opengis.net/kml/2.2"
#: Each KML layer's attributes and their KML types (its ``Schema``): GDAL reads an untyped
#: ``Data`` as text, a ``SimpleData`` of a typed ``SimpleField`` as that type. Passage ids
#: are text: KML's ``int`` is 32-bit, a passage id is not.
KML_SCHEMAS: dict[str, dict[str, str]] = {
    "route": {"plate": "string", "legs": "int"},
    "legs": {"index": "int", "from_location": "string", "to_location": "string",
             "from_camera": "string", "to_camera": "string", "from_passage": "string",
             "to_passage": "string", "flag": "string", "observed_s": "double",
             "expected_s": "double", "excess_s": "double", "length_m": "double",
             "straight_m": "double", "kmh_straight": "double"},
    "passages": {"passage_id": "string", "plate": "string", "camera": "string",
                 "location_code": "string"},
}


def _kml_coords(coords: Iterable[Iterable[float]]) -> str:
    return " ".join(f"{c[0]:.7f},{c[1]:.7f}" for c in coords)


def _xml_writer(ns: str) -> Callable[..., ET.Element]:
    """``sub(parent, tag, text=None, **attrs)``: a child element in namespace ``ns`` (the
    default namespace of the written file)."""
    ET.register_namespace("", ns)
    prefix = f"{{{ns}}}"

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, prefix + tag, {k: xmltext.text(v) for k, v in attrs.items()})
        if text is not None:
            el.text = xmltext.text(text)   # text others typed may hold what XML cannot
        return el

    return sub


def _kml(result: dict[str, Any]) -> bytes:
    sub = _xml_writer(_KML_NS)
    root = ET.Element(f"{{{_KML_NS}}}kml")
    doc = sub(root, "Document")
    sub(doc, "name", f"Route {result['params']['plate']}")
    for flag, (colour, _) in LEG_STYLES.items():
        style = sub(doc, "Style", id=f"leg-{flag}")
        ls = sub(style, "LineStyle")
        sub(ls, "color", colour)
        sub(ls, "width", "4")
    style = sub(doc, "Style", id="route")
    ls = sub(style, "LineStyle")
    sub(ls, "color", "80ff7f00")
    sub(ls, "width", "2")
    style = sub(doc, "Style", id="passage")
    icon = sub(style, "IconStyle")
    sub(icon, "color", "ffff0000")
    for layer, fields in KML_SCHEMAS.items():
        schema = sub(doc, "Schema", name=layer, id=layer)
        for name, kind in fields.items():
            sub(schema, "SimpleField", name=name, type=kind)

    def data(pm: ET.Element, layer: str, values: dict[str, Any]) -> None:
        """The placemark's attributes as its layer's Schema types them (None left out)."""
        typed = sub(sub(pm, "ExtendedData"), "SchemaData", schemaUrl=f"#{layer}")
        for name in KML_SCHEMAS[layer]:
            if values.get(name) is not None:
                sub(typed, "SimpleData", str(values[name]), name=name)

    line = _route_line(result)
    if len(line) >= 2:
        folder = sub(doc, "Folder")
        sub(folder, "name", "route")
        pm = sub(folder, "Placemark")
        sub(pm, "name", result["params"]["plate"])
        span = sub(pm, "TimeSpan")  # KML 2.2 order: name, description, time, styleUrl, ...
        sub(span, "begin", _utc_z(result["passages"][0]["captured_at"]))
        sub(span, "end", _utc_z(result["passages"][-1]["captured_at"]))
        sub(pm, "styleUrl", "#route")
        data(pm, "route", {"plate": result["params"]["plate"], "legs": len(result["legs"])})
        sub(sub(pm, "LineString"), "coordinates", _kml_coords(line))
    folder = sub(doc, "Folder")
    sub(folder, "name", "legs")
    for leg in _legs(result):
        pm = sub(folder, "Placemark")
        sub(pm, "name", leg["name"])
        expected = "onbekend" if leg["expected_s"] is None else f"{leg['expected_s']:.0f} s"
        sub(pm, "description", f"{LEG_STYLES.get(leg['flag'], ('', leg['flag']))[1]}; "
                               f"gemeten {leg['observed_s']:.0f} s; verwacht {expected}")
        span = sub(pm, "TimeSpan")
        sub(span, "begin", _utc_z(leg["from_at"]))
        sub(span, "end", _utc_z(leg["to_at"]))
        sub(pm, "styleUrl", f"#leg-{leg['flag']}")
        data(pm, "legs", leg)
        sub(sub(pm, "LineString"), "coordinates", _kml_coords(leg["coordinates"]))
    folder = sub(doc, "Folder")
    sub(folder, "name", "passages")
    for p in _passages(result):
        pm = sub(folder, "Placemark")
        sub(pm, "name", p["location_code"])
        sub(pm, "description", f"camera {p['camera']}, {_local_iso(p['captured_at'])}")
        sub(sub(pm, "TimeStamp"), "when", _utc_z(p["captured_at"]))
        sub(pm, "styleUrl", "#passage")
        data(pm, "passages", {**p, "plate": result["params"]["plate"]})
        sub(sub(pm, "Point"), "coordinates", _kml_coords([(p["lon"], p["lat"])]))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


# --- GPX ----------------------------------------------------------------------------------

_GPX_NS = "http://www.topografix.com/GPX/1/1"


def _gpx(result: dict[str, Any]) -> bytes:
    """A track of the real passages (each with its time) and, separately, one route (rte)
    per leg along the road: route points carry no time, so no GPS tool can mistake a road
    junction for a passage."""
    sub = _xml_writer(_GPX_NS)
    plate = result["params"]["plate"]
    root = ET.Element(f"{{{_GPX_NS}}}gpx", {"version": "1.1", "creator": "126jj ANPR"})
    meta = sub(root, "metadata")
    sub(meta, "name", f"Route {plate}")
    for leg in _legs(result):
        rte = sub(root, "rte")
        sub(rte, "name", leg["name"])
        sub(rte, "desc", LEG_STYLES.get(leg["flag"], ("", leg["flag"]))[1])
        sub(rte, "type", leg["flag"])
        for lon, lat in leg["coordinates"]:
            sub(rte, "rtept", lat=f"{lat:.7f}", lon=f"{lon:.7f}")
    trk = sub(root, "trk")
    sub(trk, "name", plate)
    seg = sub(trk, "trkseg")
    for p in _passages(result):
        pt = sub(seg, "trkpt", lat=f"{p['lat']:.7f}", lon=f"{p['lon']:.7f}")
        sub(pt, "time", _utc_z(p["captured_at"]))
        sub(pt, "name", p["location_code"])
        sub(pt, "desc", f"camera {p['camera']}")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def check_layer(fmt: str, layer: Any) -> str | None:
    """The layer a route file in ``fmt`` holds: for GeoJSON one of :data:`ROUTE_LAYERS`
    (refused otherwise, before any search runs), for the others all (None)."""
    if fmt != "geojson":
        return None
    if layer not in ROUTE_LAYERS:
        raise BadInput(f"a route as GeoJSON is one file per layer: give layer "
                       f"{', '.join(ROUTE_LAYERS[:-1])} or {ROUTE_LAYERS[-1]}")
    return layer


def export_route(result: dict[str, Any], fmt: str,
                 layer: str | None = None) -> tuple[bytes, str, str]:
    """The route in ``fmt``: (file bytes, MIME type, file suffix). GeoJSON is one file per
    layer (``layer``: passages, legs or route; suffix ``<layer>.geojson``)."""
    mimetype, suffix = FORMATS[fmt]
    if fmt == "geojson":
        layer = check_layer(fmt, layer)
        return (json.dumps(route_layers(result)[layer], ensure_ascii=False).encode(), mimetype,
                f"{layer}.{suffix}")
    if fmt == "kml":
        return _kml(result), mimetype, suffix
    if fmt == "gpx":
        return _gpx(result), mimetype, suffix
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"route.{suffix}"
        _write_gpkg(path, result)
        return path.read_bytes(), mimetype, suffix


def route_file(result: dict[str, Any], part: str) -> tuple[bytes, str]:
    """One of :data:`ROUTE_FILES` (``legs.geojson``, ``gpkg`` ...): (bytes, MIME type)."""
    layer, _, fmt = part.rpartition(".")
    data, mimetype, _ = export_route(result, fmt, layer or None)
    return data, mimetype


def route_file_name(search_id: int, part: str) -> str:
    """A route search's file as the package and the analyst's page name it:
    ``route-<id>-legs.geojson``, ``route-<id>.gpkg``."""
    layer, _, fmt = part.rpartition(".")
    return f"route-{search_id}-{layer}.{fmt}" if layer else f"route-{search_id}.{fmt}"


# --- the provision package's passages -----------------------------------------------------

#: Columns of passages.csv, in order; the GeoJSON carries the same as properties (the WKT
#: column is its geometry). ``WKT`` first: GDAL's CSV driver reads it as the geometry.
#: Per row also how it matched (issue 18: ``exact``, ``alternative read``, ``equivalent
#: characters``; empty for a location/time row), the ordered plate the crop was compared
#: with, whether the camera misread it (``yes`` for a confirmed probable misread: the crop
#: shows the ordered plate, the read stays as read), and the plate reader's opinion kept
#: with the verdict (#15: its read, confidence and flag against the camera's read).
PASSAGE_COLUMNS = ["WKT", "passage_id", "captured_at_utc", "captured_at_local", "plate",
                   "plate_as_read", "country", "confidence", "camera", "location_code",
                   "location_name", "direction", "lane", "lon", "lat", "verification",
                   "match", "ordered_plate", "camera_misread", "machine_read",
                   "machine_confidence", "machine_flag"]
#: GDAL field types of the columns (the .csvt beside the CSV).
PASSAGE_TYPES = ["WKT", "Integer64", "DateTime", "DateTime", "String", "String", "String",
                 "Real", "String", "String", "String", "String", "Integer", "Real", "Real",
                 "String", "String", "String", "String", "String", "Real", "String"]


def passage_record(row: dict[str, Any], verification: str) -> dict[str, Any]:
    """One provided passage as the package's CSV and GeoJSON both carry it."""
    lon, lat = round(row["lon"], 6), round(row["lat"], 6)
    return {"WKT": f"POINT ({lon:.6f} {lat:.6f})", "passage_id": row["id"],
            "captured_at_utc": _utc(row["captured_at"]).isoformat(),
            "captured_at_local": _local_iso(row["captured_at"]), "plate": row["plate"],
            "plate_as_read": row["plate_raw"], "country": row["country"],
            "confidence": row["confidence"], "camera": row["camera_id"],
            "location_code": row["location_code"], "location_name": row["location_name"],
            "direction": row["inout"], "lane": row["lane"], "lon": lon, "lat": lat,
            "verification": verification, "match": row.get("match", ""),
            "ordered_plate": row.get("ordered_plate", ""),
            "camera_misread": row.get("camera_misread", ""),
            "machine_read": row.get("machine_read"),
            "machine_confidence": (None if row.get("machine_confidence") is None
                                   else round(float(row["machine_confidence"]), 3)),
            "machine_flag": row.get("machine_flag")}


def provision_passages(rows: Iterable[dict[str, Any]],
                       verification: Callable[[dict[str, Any]], str]) -> dict[str, bytes]:
    """The package's passage files: ``passages.csv`` with its ``.csvt`` (field types) and
    ``.prj`` (WGS 84), and ``passages.geojson`` with the same fields."""
    records = [passage_record(r, verification(r)) for r in rows]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(PASSAGE_COLUMNS)
    for rec in records:
        writer.writerow(["" if rec[c] is None else cell(rec[c]) for c in PASSAGE_COLUMNS])
    features = [{"type": "Feature", "id": rec["passage_id"],
                 "geometry": {"type": "Point", "coordinates": [rec["lon"], rec["lat"]]},
                 "properties": {c: rec[c] for c in PASSAGE_COLUMNS if c != "WKT"}}
                for rec in records]
    return {"passages.csv": buf.getvalue().encode("utf-8"),
            "passages.csvt": (",".join(f'"{t}"' for t in PASSAGE_TYPES) + "\r\n").encode(),
            "passages.prj": _WGS84_PRJ.encode(),
            "passages.geojson": json.dumps({"type": "FeatureCollection", "name": "passages",
                                            "features": features}, indent=1,
                                           ensure_ascii=False).encode()}
