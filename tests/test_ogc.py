"""OGC API Features at /ogc, read by GDAL's OAPIF driver against the running app."""
from __future__ import annotations

import json
import subprocess
import sys
import urllib.request

import pyogrio
import pytest

from camera_registry import publication
from camera_registry.plans import clock


@pytest.fixture(scope="module")
def year(demo_db) -> int:
    return demo_db["end"].astimezone(clock.AMSTERDAM).year


def _get(url: str, accept: str = "application/json") -> tuple[int, str, dict]:
    req = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers.get("Content-Type"), json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), json.loads(e.read())


def test_landing_conformance_collections(live_server, year):
    status, _, landing = _get(f"{live_server}/ogc")
    assert status == 200
    rels = {link["rel"]: link for link in landing["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= set(rels)
    _, _, conf = _get(rels["conformance"]["href"])
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conf["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conf["conformsTo"]
    _, _, cols = _get(rels["data"]["href"])
    ids = [c["id"] for c in cols["collections"]]
    assert f"cameraplan-{year}" in ids and f"cameraplan-{year - 1}" in ids
    col = next(c for c in cols["collections"] if c["id"] == f"cameraplan-{year}")
    assert col["extent"]["temporal"]["interval"][0][0].startswith(f"{year}-01-01")
    assert any(link["rel"] == "items" and link["type"] == "application/geo+json"
               for link in col["links"])
    status, ctype, _ = _get(f"{live_server}/ogc/api")
    assert status == 200 and "openapi" in ctype


def test_items_filters_and_paging(live_server, year, conn):
    base = f"{live_server}/ogc/collections/cameraplan-{year}/items"
    status, ctype, fc = _get(f"{base}?limit=10")
    assert status == 200 and ctype.startswith("application/geo+json")
    assert fc["numberReturned"] == 10 and fc["numberMatched"] > 250
    nxt = next(link["href"] for link in fc["links"] if link["rel"] == "next")
    _, _, page2 = _get(nxt)
    assert {f["id"] for f in page2["features"]}.isdisjoint({f["id"] for f in fc["features"]})
    _, _, mn = _get(f"{base}?unit=MN&limit=1000")
    assert mn["features"] and all(f["properties"]["unit"] == "MN" for f in mn["features"])
    _, _, crit = _get(f"{base}?criteria=c&limit=1000")
    assert crit["features"] and all("c" in f["properties"]["criteria"].split(",")
                                    for f in crit["features"])
    _, _, box = _get(f"{base}?bbox=4.7,52.2,5.1,52.5&limit=1000")
    assert box["features"] and all(4.7 <= f["geometry"]["coordinates"][0] <= 5.1
                                   and 52.2 <= f["geometry"]["coordinates"][1] <= 52.5
                                   for f in box["features"])
    _, _, inside = _get(f"{base}?datetime={year}-06-01T00:00:00Z&limit=1")
    _, _, outside = _get(f"{base}?datetime={year + 1}-06-01T00:00:00Z&limit=1")
    assert inside["numberMatched"] > 250 and outside["numberMatched"] == 0
    fid = fc["features"][0]["id"]
    status, _, one = _get(f"{base}/{fid}")
    assert status == 200 and one["id"] == fid
    for bad in ("bbox=1,2,3", "limit=abc", "datetime=yesterday", "bbox=5,52,4,53", "offset=-1"):
        status, _, err = _get(f"{base}?{bad}")
        assert status == 400 and err["message"], bad
    assert _get(f"{base}/NOPE-1")[0] == 404
    assert _get(f"{live_server}/ogc/collections/cameraplan-2090/items")[0] == 404
    assert _get(f"{live_server}/ogc/collections/other")[0] == 404


def test_html_representation(client, year):
    r = client.get(f"/ogc/collections/cameraplan-{year}/items?f=html&limit=5")
    assert r.status_code == 200 and r.mimetype == "text/html"
    assert "Cameraplan" in r.get_data(as_text=True)
    r = client.get("/ogc/collections", headers={"Accept": "text/html"})
    assert r.mimetype == "text/html"


# pyogrio holds the GIL while GDAL fetches pages, which would starve the in-process
# live server; so GDAL reads from a child process, as QGIS would from another machine.
_READ = """
import json, sys, pyogrio
url, layer, kind = sys.argv[1], sys.argv[2], sys.argv[3]
kw = {"bbox": (4.7, 52.2, 5.1, 52.5)} if kind == "bbox" else {"where": "unit = 'MN'"} if kind == "where" else {}
df = pyogrio.read_dataframe(url, layer=layer, **kw)
rows = [{k: (None if v != v else v) for k, v in r.items() if k != "geometry"} | {"x": r["geometry"].x, "y": r["geometry"].y}
        for r in df.to_dict("records")]
print(json.dumps({"layers": [n for n, _ in pyogrio.list_layers(url)], "rows": rows}, default=str))
"""


def _gdal_read(url: str, layer: str, kind: str = "all") -> dict:
    r = subprocess.run([sys.executable, "-c", _READ, url, layer, kind], capture_output=True,
                       text=True, timeout=180)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout)


def test_gdal_reads_the_collection(live_server, year, conn):
    """GDAL's OAPIF driver follows our links and reads every feature with its attributes."""
    url, layer = f"OAPIF:{live_server}/ogc", f"cameraplan-{year}"
    info = subprocess.run(["ogrinfo", "-ro", "-so", url, layer],
                          capture_output=True, text=True, timeout=120)
    assert info.returncode == 0, info.stderr
    expected, matched = publication.plan_features(conn, year)
    assert f"Feature Count: {matched}" in info.stdout
    got = _gdal_read(url, layer)
    assert {layer, f"cameraplan-{year - 1}"} <= set(got["layers"])
    assert len(got["rows"]) == matched
    by_id = {f["id"]: f for f in expected}
    assert {r["feature_id"] for r in got["rows"]} == set(by_id)
    for row in got["rows"]:
        feat = by_id[row["feature_id"]]
        for field in ("code", "name", "unit", "owner", "mounting", "criteria", "motivation",
                      "prosecutor", "camera_ids"):
            assert row[field] == feat["properties"][field], field
        assert int(row["cameras"]) == feat["properties"]["cameras"]
        assert (row["x"], row["y"]) == pytest.approx(tuple(feat["geometry"]["coordinates"]), abs=1e-6)
    # GDAL passes the spatial and attribute filters on to the server (bbox, queryables)
    box = _gdal_read(url, layer, "bbox")["rows"]
    assert 0 < len(box) < matched
    mn = _gdal_read(url, layer, "where")["rows"]
    assert mn and {r["unit"] for r in mn} == {"MN"}


RD = "http://www.opengis.net/def/crs/EPSG/0/28992"
ETRS89 = "http://www.opengis.net/def/crs/EPSG/0/4258"
LAEA = "http://www.opengis.net/def/crs/EPSG/0/3035"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def _transformed(conn, features, srid):
    """(x, y) easting-first per feature id, by PostGIS independently of the API."""
    out = {}
    for f in features:
        lon, lat = f["geometry"]["coordinates"]
        out[f["id"]] = tuple(conn.execute(
            "SELECT ST_X(g) AS x, ST_Y(g) AS y FROM ST_Transform(ST_SetSRID(ST_MakePoint(%s, %s),"
            " 4326), %s) g", (lon, lat, srid)).fetchone().values())
    return out


def test_part2_crs_declared(client, year):
    conf = client.get("/ogc/conformance").get_json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conf
    col = client.get(f"/ogc/collections/cameraplan-{year}").get_json()
    assert col["storageCrs"] == CRS84
    assert {CRS84, RD, ETRS89, LAEA} <= set(col["crs"])
    cols = client.get("/ogc/collections").get_json()["collections"]
    assert all(RD in c["crs"] for c in cols)


def test_items_in_each_crs_with_content_crs(client, year, conn):
    base = f"/ogc/collections/cameraplan-{year}/items"
    r = client.get(f"{base}?limit=20")
    assert r.headers["Content-Crs"] == f"<{CRS84}>"
    wgs = r.get_json()["features"]
    for uri, srid, north_first in ((RD, 28992, False), (ETRS89, 4258, True), (LAEA, 3035, True)):
        r = client.get(base, query_string={"limit": 20, "crs": uri})
        assert r.status_code == 200 and r.headers["Content-Crs"] == f"<{uri}>"
        got = r.get_json()["features"]
        assert [f["id"] for f in got] == [f["id"] for f in wgs]
        want = _transformed(conn, wgs, srid)
        for f in got:
            a, b = f["geometry"]["coordinates"]
            x, y = (b, a) if north_first else (a, b)
            assert (x, y) == pytest.approx(want[f["id"]], abs=0.01), (uri, f["id"])
        assert any(link["rel"] == "self" and "crs=" in link["href"]
                   for link in r.get_json()["links"])
    rd = client.get(base, query_string={"limit": 1, "crs": RD}).get_json()["features"][0]
    x, y = rd["geometry"]["coordinates"]
    assert 0 < x < 300_000 and 300_000 < y < 625_000  # RD New: metres, easting first
    one = client.get(f"{base}/{rd['id']}", query_string={"crs": "EPSG:28992"})
    assert one.headers["Content-Crs"] == f"<{RD}>"
    assert one.get_json()["geometry"]["coordinates"] == [x, y]
    for bad in ({"crs": "EPSG:3857"}, {"crs": "http://www.opengis.net/def/crs/EPSG/0/9999"},
                {"bbox-crs": "EPSG:3857", "bbox": "1,2,3,4"}):
        r = client.get(base, query_string=bad)
        assert r.status_code == 400 and r.get_json()["message"], bad
    assert client.get(f"{base}/{rd['id']}", query_string={"crs": "wgs"}).status_code == 400
    r = client.get(base, query_string={"bbox-crs": RD, "bbox": "1e9,1e9,2e9,2e9"})
    assert r.status_code in (200, 400) and r.status_code != 500


def test_bbox_crs_is_exact_in_its_own_axes(client, year):
    base = f"/ogc/collections/cameraplan-{year}/items"
    every = client.get(base, query_string={"limit": 1000, "crs": RD}).get_json()["features"]
    xs = sorted(f["geometry"]["coordinates"][0] for f in every)
    ys = sorted(f["geometry"]["coordinates"][1] for f in every)
    box = (xs[len(xs) // 4], ys[len(ys) // 4], xs[len(xs) // 2], ys[len(ys) // 2])
    inside = {f["id"] for f in every if box[0] <= f["geometry"]["coordinates"][0] <= box[2]
              and box[1] <= f["geometry"]["coordinates"][1] <= box[3]}
    assert 0 < len(inside) < len(every)
    bbox = ",".join(str(v) for v in box)
    got = client.get(base, query_string={"limit": 1000, "bbox": bbox, "bbox-crs": RD,
                                         "crs": RD}).get_json()
    assert got["numberMatched"] == len(inside) and {f["id"] for f in got["features"]} == inside
    # paging over the exact set
    page = client.get(base, query_string={"limit": 2, "offset": 1, "bbox": bbox,
                                          "bbox-crs": RD}).get_json()
    assert page["numberMatched"] == len(inside) and len(page["features"]) == min(2, len(inside) - 1)
    # ETRS89: latitude first in the bbox as in the coordinates
    lonlat = client.get(base, query_string={"limit": 1000}).get_json()["features"]
    lats = sorted(f["geometry"]["coordinates"][1] for f in lonlat)
    lons = sorted(f["geometry"]["coordinates"][0] for f in lonlat)
    lat_first = f"{lats[len(lats) // 4]},{lons[len(lons) // 4]},{lats[-1]},{lons[-1]}"
    got = client.get(base, query_string={"limit": 1000, "bbox": lat_first,
                                         "bbox-crs": ETRS89}).get_json()
    assert 0 < got["numberMatched"] < len(lonlat)
    assert all(f["geometry"]["coordinates"][1] >= lats[len(lats) // 4] - 1e-5
               and f["geometry"]["coordinates"][0] >= lons[len(lons) // 4] - 1e-5
               for f in got["features"])


def test_html_items_have_dutch_headers(client, year):
    html = client.get(f"/ogc/collections/cameraplan-{year}/items",
                      query_string={"f": "html", "limit": 3, "crs": RD}).get_data(as_text=True)
    for header in ("Locatiecode", "Eenheid", "Motivering", "Officier van justitie",
                   "Geldig vanaf", "Coördinaten", "Amersfoort / RD New"):
        assert header in html, header
    for english in (">feature_id<", ">motivation<", ">valid_from<", ">prosecutor<"):
        assert english not in html
    html = client.get(f"/ogc/collections/cameraplan-{year}",
                      query_string={"f": "html"}).get_data(as_text=True)
    assert RD in html


_READ_CRS = """
import json, sys, pyogrio
url, layer, crs, bbox = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
kw = {"bbox": tuple(float(v) for v in bbox.split(","))} if bbox else {}
df = pyogrio.read_dataframe(url, layer=layer, CRS=crs, **kw)
rows = {r["feature_id"]: [r["geometry"].x, r["geometry"].y] for r in df.to_dict("records")}
print(json.dumps({"crs": df.crs.to_string(), "rows": rows}))
"""


def _gdal_read_crs(live_server, year, epsg, bbox=""):
    r = subprocess.run([sys.executable, "-c", _READ_CRS, f"OAPIF:{live_server}/ogc",
                        f"cameraplan-{year}", f"EPSG:{epsg}", bbox], capture_output=True,
                       text=True, timeout=180)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout)


@pytest.mark.parametrize("epsg", [28992, 3035])
def test_gdal_reads_the_collection_in_another_crs(live_server, year, conn, epsg):
    """GDAL's OAPIF driver asks for the CRS (Part 2) and gets easting/northing right; its
    spatial filter goes to the server as a bbox in that CRS (bbox-crs)."""
    got = _gdal_read_crs(live_server, year, epsg)
    assert got["crs"] == f"EPSG:{epsg}"
    feats, matched = publication.plan_features(conn, year)
    assert len(got["rows"]) == matched
    want = _transformed(conn, feats, epsg)
    for fid, (x, y) in got["rows"].items():
        assert (x, y) == pytest.approx(want[fid], abs=0.01), fid
    xs, ys = sorted(x for x, _ in want.values()), sorted(y for _, y in want.values())
    box = (xs[len(xs) // 4], ys[len(ys) // 4], xs[len(xs) // 2], ys[len(ys) // 2])
    inside = {fid for fid, (x, y) in want.items()
              if box[0] <= x <= box[2] and box[1] <= y <= box[3]}
    boxed = _gdal_read_crs(live_server, year, epsg, ",".join(map(str, box)))
    assert inside and set(boxed["rows"]) == inside


def test_html_items_say_the_criteria_in_words(client, year):
    from camera_registry.plans import CRITERIA

    html = client.get(f"/ogc/collections/cameraplan-{year}/items",
                      query_string={"f": "html", "limit": 20}).get_data(as_text=True)
    assert any(f"</abbr>: {words}" in html for words in CRITERIA.values()), html[:3000]
    feat = client.get(f"/ogc/collections/cameraplan-{year}/items",
                      query_string={"limit": 1}).get_json()["features"][0]
    html = client.get(f"/ogc/collections/cameraplan-{year}/items/{feat['id']}",
                      query_string={"f": "html"}).get_data(as_text=True)
    letter = feat["properties"]["criteria"].split(",")[0]
    assert f'title="{CRITERIA[letter]}">{letter}</abbr>: {CRITERIA[letter]}' in html
