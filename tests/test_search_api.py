"""The search API through the Flask test client: results, previews, exports and 400s."""
from __future__ import annotations

import json

import pytest


@pytest.fixture(scope="module")
def truth(demo_db) -> dict:
    return json.loads((demo_db["home"] / "demo_ground_truth.json").read_text())


@pytest.fixture(scope="module")
def window(demo_db) -> dict:
    return {"start": demo_db["start"].isoformat(), "end": demo_db["end"].isoformat()}


def test_plate_search_and_preview(client, truth, window):
    body = {"plates": [truth["convoy"]["lead"]], "window": window}
    r = client.post("/api/v1/search/plate", json=body)
    assert r.status_code == 200, r.json
    assert r.json["passages_total"] == len(truth["convoy"]["passages"])
    assert r.json["passages"][0]["captured_at"].endswith("+00:00")
    p = client.post("/api/v1/search/plate/preview", json=body)
    assert p.json["passages"] == r.json["passages_total"]


def test_block_search_by_drawn_circle(client, truth, window):
    site = truth["crime_sites"]["sites"][0]
    loc = client.get(f"/api/v1/locations/{site['location_code']}").json
    body = {"window": {"start": site["from"], "end": site["to"]},
            "selection": {"kind": "circle", "geometry": loc["geometry"], "radius_m": 50}}
    r = client.post("/api/v1/search/block", json=body)
    assert r.status_code == 200, r.json
    assert r.json["passages_total"] > 0 and r.json["verification_required"] is False
    assert client.post("/api/v1/search/block/preview", json=body).json["passages"] == \
        r.json["passages_total"]


def test_convoy_common_route_and_export(client, truth, window):
    r = client.post("/api/v1/search/convoy", json={"plate": truth["convoy"]["lead"],
                                                   "window": window, "minutes": 3})
    assert r.status_code == 200 and r.json["partners"][0]["plate"] == truth["convoy"]["follower"]
    sites = [{"name": f"site {s['site']}", "cameras": s["cameras"],
              "window": {"start": s["from"], "end": s["to"]}}
             for s in truth["crime_sites"]["sites"]]
    r = client.post("/api/v1/search/common", json={"sites": sites, "k": 3})
    assert {p["plate"] for p in r.json["plates"]} == set(truth["crime_sites"]["at_3_sites"])
    r = client.post("/api/v1/search/route", json={"plate": truth["detour"]["plate"],
                                                  "window": window})
    assert r.json["flags"]["detour_or_stop"] == 1
    r = client.post("/api/v1/search/route/export", json={"plate": truth["detour"]["plate"],
                                                         "window": window, "format": "gpx"})
    assert r.status_code == 200 and b"<gpx" in r.data
    assert "attachment" in r.headers["Content-Disposition"]


def test_scope_refusal_is_403(client, truth, window):
    r = client.post("/api/v1/search/plate", json={
        "plates": ["ZZ000Z"], "window": window,
        "scope": {"windows": [window], "plates": [truth["convoy"]["lead"]]}})
    assert r.status_code == 403 and r.json["error"] == "outside_scope"


def test_coverage_endpoint(client, window):
    r = client.post("/api/v1/search/coverage", json={"window": window})
    assert r.status_code == 200 and r.json["cameras_selected"] > 1000


HUGE = {"type": "Polygon", "coordinates": [[[3.1, 50.7], [7.3, 50.7], [7.3, 53.6], [3.1, 53.6],
                                            [3.1, 50.7]]]}
BOWTIE = {"type": "Polygon", "coordinates": [[[5.0, 52.0], [5.1, 52.1], [5.1, 52.0], [5.0, 52.1],
                                              [5.0, 52.0]]]}
EMPTY_AREA = {"type": "Polygon", "coordinates": [[[3.2, 53.5], [3.21, 53.5], [3.21, 53.51],
                                                  [3.2, 53.51], [3.2, 53.5]]]}
W = {"start": "2026-03-01T00:00:00Z", "end": "2026-03-01T02:00:00Z"}


@pytest.mark.parametrize("path,body,message", [
    ("plate", {"plates": ["AB-12$"], "window": W}, "outside A-Z"),
    ("plate", {"plates": [], "window": W}, "at least one plate"),
    ("plate", {"plates": ["AB12CD"], "window": {"start": W["end"], "end": W["start"]}},
     "ends before"),
    ("plate", {"plates": ["AB12CD"], "window": {"start": "2026-01-01T00:00:00Z",
                                                "end": "2026-03-01T00:00:00Z"}}, "28 days"),
    ("plate", {"plates": ["AB12CD"], "window": {"start": "2026-03-01T00:00:00",
                                                "end": "2026-03-01T02:00:00Z"}}, "offset"),
    ("plate", {"plates": ["AB12CD"], "window": W, "limit": 10**9}, "limit"),
    ("partial", {"pattern": "AB%12", "window": W}, "may contain only"),
    ("partial", {"pattern": "*", "window": W}, "camera selection"),
    ("block", {"window": W}, "select cameras"),
    ("block", {"window": W, "cameras": []}, "no camera"),
    ("block", {"window": W, "selection": {"kind": "polygon", "geometry": EMPTY_AREA}},
     "no camera"),
    ("block", {"window": W, "selection": {"kind": "polygon", "geometry": BOWTIE}}, "invalid"),
    ("block", {"window": W, "selection": {"kind": "polygon", "geometry": HUGE}}, "larger than"),
    ("convoy", {"plate": "AB12CD", "window": W, "minutes": -2}, "minutes"),
    ("convoy", {"plate": "AB12CD", "window": W, "minutes": 100000}, "minutes"),
    ("convoy", {"plate": "AB12CD", "window": W, "minutes": "2"}, "minutes"),
    ("common", {"k": 3, "sites": [{"cameras": ["A"], "window": W},
                                  {"cameras": ["B"], "window": W}]}, "larger than"),
    ("common", {"k": 2, "sites": "x"}, "sites"),
    ("route", {"plate": "AB12CD", "window": W, "detour_minutes": -1}, "detour_minutes"),
    ("route/export", {"plate": "AB12CD", "window": W, "format": "shp"}, "format"),
])
def test_bad_input_is_a_clear_400(client, path, body, message):
    r = client.post(f"/api/v1/search/{path}", json=body)
    assert r.status_code == 400, r.json
    assert message in r.json["message"]


def test_non_json_body_is_400(client):
    r = client.post("/api/v1/search/plate", data="plates=AB12CD")
    assert r.status_code == 400
