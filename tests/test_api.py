"""The JSON API: registry endpoints, the selection API, OpenAPI, and refusal of bad input."""
from __future__ import annotations

import json
import re

import pytest
from shapely.geometry import Point, box, shape

from gis.geometry import to_rd

@pytest.fixture
def client(app, people):
    """The registry and selection APIs are for staff: an authorised officer here."""
    from conftest import SessionClient

    return SessionClient(app, "officer.mn")


UTRECHT_BOX = [[5.0, 52.0], [5.25, 52.0], [5.25, 52.15], [5.0, 52.15], [5.0, 52.0]]


def _locations(client):
    return client.get("/api/v1/locations").get_json()["features"]


def _post(client, body):
    return client.post("/api/v1/selection", json=body)


def test_openapi_documents_every_api_route(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    documented = set(doc["paths"])
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            assert path in documented, f"{rule.rule} is not in the OpenAPI document"
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert method.lower() in doc["paths"][path], f"{method} {rule.rule} undocumented"


def test_health_reports_postgis(client):
    body = client.get("/api/v1/health").get_json()
    assert body["status"] == "ok" and body["postgis"].startswith("3.")


def test_locations_with_camera_counts(client, demo_db):
    feats = _locations(client)
    assert len(feats) == demo_db["counts"]["locations"]
    assert sum(f["properties"]["cameras"] for f in feats) == demo_db["counts"]["cameras"]
    owners = {f["properties"]["owner"] for f in feats}
    assert {"police", "kmar", "cjib"} <= owners
    units = {f["properties"]["unit_code"] for f in feats}
    assert units == {"NN", "ON", "MN", "NH", "AM", "DH", "RT", "ZB", "OB", "LB", "LE"}


def test_locations_bbox_filter(client):
    inside = client.get("/api/v1/locations?bbox=5.0,52.0,5.25,52.15").get_json()["features"]
    area = box(5.0, 52.0, 5.25, 52.15)
    assert inside and all(area.covers(shape(f["geometry"])) for f in inside)


def test_location_detail_lists_cameras_both_directions(client):
    code = _locations(client)[0]["id"]
    feature = client.get(f"/api/v1/locations/{code}").get_json()
    cams = feature["properties"]["camera_list"]
    assert cams and {c["properties"]["inout"] for c in cams} == {"in", "out"}


def test_camera_detail_has_lane_geometry(client):
    cam = client.get("/api/v1/cameras").get_json()["features"][0]
    one = client.get(f"/api/v1/cameras/{cam['id']}").get_json()
    assert one["geometry"]["type"] == "LineString"
    assert 0 <= one["properties"]["bearing"] < 360


@pytest.mark.parametrize("path", ["/api/v1/cameras/NO-SUCH-CAM", "/api/v1/locations/NO-SUCH"])
def test_unknown_ids_are_404(client, path):
    resp = client.get(path)
    assert resp.status_code == 404 and "no " in resp.get_json()["message"]


def test_roads_are_the_network(client, demo_db):
    roads = client.get("/api/v1/roads").get_json()["features"]
    assert len(roads) == demo_db["counts"]["segments"]
    assert {"A2", "A4", "A12"} <= {r["properties"]["road"] for r in roads}


def test_rectangle_selects_exactly_the_cameras_inside(client):
    resp = _post(client, {"kind": "rectangle",
                          "geometry": {"type": "Polygon", "coordinates": [UTRECHT_BOX]}})
    assert resp.status_code == 200
    fc = resp.get_json()
    area = shape({"type": "Polygon", "coordinates": [UTRECHT_BOX]})
    expected = {f["id"] for f in _locations(client) if area.intersects(shape(f["geometry"]))}
    assert expected, "the test box should contain demo locations"
    assert set(fc["locations"]) == expected
    all_cams = client.get("/api/v1/cameras").get_json()["features"]
    assert fc["numberMatched"] == sum(1 for c in all_cams
                                      if c["properties"]["location_code"] in expected)


def test_direction_filter_halves_the_selection(client):
    base = {"kind": "polygon", "geometry": {"type": "Polygon", "coordinates": [UTRECHT_BOX]}}
    both = _post(client, base).get_json()["numberMatched"]
    inbound = _post(client, {**base, "inout": "in"}).get_json()
    outbound = _post(client, {**base, "inout": "out"}).get_json()
    assert inbound["numberMatched"] + outbound["numberMatched"] == both
    assert all(f["properties"]["inout"] == "in" for f in inbound["features"])


def test_circle_radius_is_metric(client):
    loc = _locations(client)[10]
    lon, lat = loc["geometry"]["coordinates"]
    fc = _post(client, {"kind": "circle", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                        "radius_m": 2500}).get_json()
    centre = to_rd(Point(lon, lat))
    expected = {f["id"] for f in _locations(client)
                if to_rd(shape(f["geometry"])).distance(centre) <= 2500 * 0.999}
    assert loc["id"] in fc["locations"]
    assert expected <= set(fc["locations"])
    for code in fc["locations"]:
        feat = next(f for f in _locations(client) if f["id"] == code)
        assert to_rd(shape(feat["geometry"])).distance(centre) <= 2500 * 1.01


def test_corridor_along_a_line(client):
    locs = _locations(client)
    a, b = locs[0]["geometry"]["coordinates"], locs[1]["geometry"]["coordinates"]
    fc = _post(client, {"kind": "corridor", "geometry": {"type": "LineString",
                                                         "coordinates": [a, b]},
                        "buffer_m": 300}).get_json()
    assert {locs[0]["id"], locs[1]["id"]} <= set(fc["locations"])


def test_pick_by_location_code(client):
    code = _locations(client)[3]["id"]
    fc = _post(client, {"kind": "pick", "locations": [code], "lanes": [1]}).get_json()
    assert fc["features"] and all(f["properties"]["location_code"] == code and
                                  f["properties"]["lane"] == 1 for f in fc["features"])


def test_selection_that_matches_nothing_is_empty_not_an_error(client):
    sea = [[3.1, 53.5], [3.3, 53.5], [3.3, 53.6], [3.1, 53.6], [3.1, 53.5]]
    fc = _post(client, {"kind": "polygon", "geometry": {"type": "Polygon", "coordinates": [sea]}})
    assert fc.status_code == 200 and fc.get_json()["numberMatched"] == 0


BOWTIE = [[5.0, 52.0], [5.2, 52.2], [5.2, 52.0], [5.0, 52.2], [5.0, 52.0]]
HUGE = [[3.1, 50.7], [7.3, 50.7], [7.3, 53.6], [3.1, 53.6], [3.1, 50.7]]
RD = [[155000, 463000], [156000, 463000], [156000, 464000], [155000, 463000]]
PARIS = [[2.2, 48.8], [2.4, 48.8], [2.4, 48.9], [2.2, 48.8]]
MANY = [[5.0 + 0.1 * (i / 6000), 52.0 + 0.00001 * (i % 2)] for i in range(6000)]


@pytest.mark.parametrize("body, fragment", [
    ({"kind": "polygon", "geometry": {"type": "Polygon", "coordinates": [BOWTIE]}}, "invalid polygon"),
    ({"kind": "polygon", "geometry": {"type": "Polygon", "coordinates": []}}, "no coordinates"),
    ({"kind": "polygon", "geometry": {"type": "Polygon", "coordinates": [[[5, 52], [5.1]]]}}, "malformed"),
    ({"kind": "polygon", "geometry": {"type": "Polygon", "coordinates": "x"}}, "no coordinates"),
    ({"kind": "polygon", "geometry": {"type": "Polygon", "coordinates": [RD]}}, "WGS84"),
    ({"kind": "polygon", "geometry": {"type": "Polygon", "coordinates": [PARIS]}}, "outside the Netherlands"),
    ({"kind": "polygon", "geometry": {"type": "Polygon", "coordinates": [HUGE]}}, "larger than"),
    ({"kind": "polygon", "geometry": {"type": "Polygon", "coordinates": [MANY + [MANY[0]]]}}, "vertices"),
    ({"kind": "polygon", "geometry": {"type": "GeometryCollection", "geometries": []}}, "not accepted"),
    ({"kind": "polygon", "geometry": None}, "GeoJSON object"),
    ({"kind": "polygon"}, "GeoJSON object"),
    ({"kind": "hexagon", "geometry": {}}, "unknown selection kind"),
    ({"kind": "circle", "geometry": {"type": "Point", "coordinates": [5.1, 52.1]}, "radius_m": -5}, "radius_m"),
    ({"kind": "circle", "geometry": {"type": "Point", "coordinates": [5.1, 52.1]}, "radius_m": "1e9"}, "radius_m"),
    ({"kind": "circle", "geometry": {"type": "Point", "coordinates": [5.1, 52.1]}}, "radius_m"),
    ({"kind": "corridor", "geometry": {"type": "LineString", "coordinates": [[5.1, 52.1], [5.1, 52.1]]}, "buffer_m": 100}, "two distinct"),
    ({"kind": "corridor", "geometry": {"type": "LineString", "coordinates": [[5.1, 52.1], [5.2, 52.1]]}, "buffer_m": 99999}, "buffer_m"),
    ({"kind": "polygon", "geometry": {"type": "Polygon", "coordinates": [UTRECHT_BOX]}, "inout": "sideways"}, "inout"),
    ({"kind": "pick", "locations": ["x'; DROP TABLE camera; --"], "lanes": ["1 OR 1=1"]}, "lanes"),
    ({"kind": "pick"}, "needs a geometry"),
    ([1, 2, 3], "JSON object"),
])
def test_bad_selections_are_400_with_a_message(client, body, fragment):
    resp = _post(client, body)
    assert resp.status_code == 400, resp.get_json()
    assert fragment in resp.get_json()["message"]


def test_injection_in_ids_is_just_no_match(client):
    fc = _post(client, {"kind": "pick", "locations": ["x'; DROP TABLE camera; --"]})
    assert fc.status_code == 200 and fc.get_json()["numberMatched"] == 0
    assert client.get("/api/v1/cameras").get_json()["numberMatched"] > 1000


def test_malformed_json_and_wrong_content_type(client):
    resp = client.post("/api/v1/selection", data="{not json", content_type="application/json")
    assert resp.status_code == 400 and "not valid JSON" in resp.get_json()["message"]
    resp = client.post("/api/v1/selection", data="kind=polygon",
                       content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 400 and "application/json" in resp.get_json()["message"]


def test_oversized_body_is_413(client):
    resp = client.post("/api/v1/selection", data=json.dumps({"pad": "x" * (9 * 1024 * 1024)}),
                       content_type="application/json")
    assert resp.status_code == 413


@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "5,52,4,51", "500,52,600,53"])
def test_bad_bbox_is_400(client, bbox):
    assert client.get(f"/api/v1/locations?bbox={bbox}").status_code == 400


def test_map_page_loads_only_local_assets(client):
    html = client.get("/").get_data(as_text=True)
    assert "leaflet.js" in html and "leaflet.draw.js" in html
    assert "http://" not in html and "https://" not in html
    for path in ("/static/vendor/leaflet/leaflet.js", "/static/vendor/leaflet-draw/leaflet.draw.js",
                 "/static/vendor/leaflet.markercluster/leaflet.markercluster.js",
                 "/static/basemap/land.geojson", "/static/js/map.js"):
        with client.get(path) as resp:
            assert resp.status_code == 200, path


@pytest.mark.parametrize("path", ["/api/v1/locations", "/api/v1/cameras", "/api/v1/roads"])
def test_registry_api_needs_a_login(app, path):
    assert app.test_client().get(path).status_code == 401


def test_requesters_do_not_use_the_map(app, people):
    from conftest import SessionClient

    requester = SessionClient(app, "requester.mn")
    assert requester.get("/api/v1/locations").status_code == 403
    assert requester.post("/api/v1/selection", json={"kind": "pick", "locations": ["x"]}
                          ).status_code == 403


def test_map_page_redirects_to_login(app):
    resp = app.test_client().get("/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_every_route_declares_who_may_use_it(app):
    """R10 least privilege: default deny; every route has an explicit access rule."""
    undeclared = [rule.rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"
                  and getattr(app.view_functions[rule.endpoint], "anpr_access", None) is None]
    assert undeclared == []
    assert app.config["ANPR_DEFAULT_DENY"] is True


def test_undeclared_route_is_refused(database_url, demo_db):
    from webmap.app import create_app

    other = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "t"})
    other.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    try:
        resp = other.test_client().get("/forgotten")
        assert resp.status_code == 403 and b"secret" not in resp.data
    finally:
        other.extensions["anpr_pool"].close()


def _sample_path(rule) -> str:
    values = {}
    for name, conv in rule._converters.items():
        values[name] = 1 if type(conv).__name__ == "IntegerConverter" else "X"
    return rule.build(values, append_unknown=False)[1]


def test_every_protected_route_refuses_anonymous_and_wrong_roles(app, people):
    """R10: every route that is not public refuses a caller without a session, and a
    logged-in requester (who never uses the store) wherever the role is not allowed."""
    from conftest import SessionClient

    anonymous = app.test_client()
    requester = SessionClient(app, "requester.mn")
    checked = 0
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        access = getattr(view, "anpr_access", None)
        if rule.endpoint == "static" or access in ("public", "device"):
            continue
        path = _sample_path(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            resp = anonymous.open(path, method=method)
            assert resp.status_code in (302, 401, 403), (method, rule.rule, resp.status_code)
            if "requester" not in access:
                resp = requester._write(method.lower(), path) if method != "GET" else \
                    requester.get(path)
                assert resp.status_code == 403, (method, rule.rule, resp.status_code)
            checked += 1
    assert checked > 60
