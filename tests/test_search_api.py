"""The search API through the Flask test client: results, previews, exports and 400s."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest


@pytest.fixture(scope="module")
def window(demo_db) -> dict:
    return {"start": demo_db["start"].isoformat(), "end": demo_db["end"].isoformat()}


def test_plate_search_and_preview(search_client, truth, window):
    body = {"plates": [truth["convoy"]["lead"]], "window": window}
    r = search_client.post("/api/v1/search/plate", json=body)
    assert r.status_code == 200, r.json
    assert r.json["passages_total"] == len(truth["convoy"]["passages"])
    assert r.json["passages"][0]["captured_at"].endswith("+00:00")
    p = search_client.post("/api/v1/search/plate/preview", json=body)
    assert p.json["passages"] == r.json["passages_total"]


def test_block_search_by_drawn_circle(search_client, truth, window):
    site = truth["crime_sites"]["sites"][0]
    loc = search_client.get(f"/api/v1/locations/{site['location_code']}").json
    body = {"window": {"start": site["from"], "end": site["to"]},
            "selection": {"kind": "circle", "geometry": loc["geometry"], "radius_m": 50}}
    r = search_client.post("/api/v1/search/block", json=body)
    assert r.status_code == 200, r.json
    assert r.json["passages_total"] > 0 and r.json["verification_required"] is False
    assert search_client.post("/api/v1/search/block/preview", json=body).json["passages"] == \
        r.json["passages_total"]


def test_convoy_common_route_and_export(search_client, truth, window):
    r = search_client.post("/api/v1/search/convoy", json={"plate": truth["convoy"]["lead"],
                                                   "window": window, "minutes": 3})
    assert r.status_code == 200, r.json
    assert r.json["partners"][0]["plate"] == truth["convoy"]["follower"]
    sites = [{"name": f"site {s['site']}", "cameras": s["cameras"],
              "window": {"start": s["from"], "end": s["to"]}}
             for s in truth["crime_sites"]["sites"]]
    r = search_client.post("/api/v1/search/common", json={"sites": sites, "k": 3})
    assert {p["plate"] for p in r.json["plates"]} == set(truth["crime_sites"]["at_3_sites"])
    r = search_client.post("/api/v1/search/route", json={"plate": truth["detour"]["plate"],
                                                  "window": window})
    assert r.json["flags"]["detour_or_stop"] == 1
    r = search_client.post("/api/v1/search/route/export", json={"plate": truth["detour"]["plate"],
                                                         "window": window, "format": "gpx"})
    assert r.status_code == 200 and b"<gpx" in r.data
    assert "attachment" in r.headers["Content-Disposition"]


def test_scope_refusal_is_403(app, truth, window):
    """The order's scope, not one the client sends, bounds every search (R5)."""
    from conftest import SearchClient, SessionClient, confirmed_request

    rid = confirmed_request(SessionClient(app, "officer2.mn"), plates=[truth["convoy"]["lead"]])
    narrow = SearchClient(app, "officer2.mn", rid)
    r = narrow.post("/api/v1/search/plate", json={
        "plates": ["ZZ000Z"], "window": window,
        "scope": {"windows": [window], "plates": ["ZZ000Z"]}})
    assert r.status_code == 403 and r.json["error"] == "outside_scope"


def test_search_needs_a_request_and_a_preview(app, search_request, truth, window):
    """R5: no search without a concrete request; results follow their count preview."""
    from conftest import SessionClient

    officer = SessionClient(app, "officer2.mn")
    body = {"plates": [truth["convoy"]["lead"]], "window": window}
    r = officer.post("/api/v1/search/plate/preview", json=body)
    assert r.status_code == 400 and "request" in r.json["message"]
    r = officer.post("/api/v1/search/plate", json={**body, "request_id": search_request})
    assert r.status_code == 400 and "preview" in r.json["message"]
    pre = officer.post("/api/v1/search/plate/preview", json={**body, "request_id": search_request})
    other = {**body, "plates": [truth["convoy"]["follower"]], "request_id": search_request,
             "enquiry_id": pre.json["enquiry_id"]}
    assert officer.post("/api/v1/search/plate", json=other).status_code == 409
    assert app.test_client().post("/api/v1/search/plate/preview", json=body).status_code in (401, 403)
    analyst = SessionClient(app, "analyst.mn")
    assert analyst.post("/api/v1/search/plate/preview",
                        json={**body, "request_id": search_request}).status_code == 403


def test_coverage_endpoint(search_client, window):
    r = search_client.post("/api/v1/search/coverage", json={"window": window})
    assert r.status_code == 200 and r.json["cameras_selected"] > 1000


HUGE = {"type": "Polygon", "coordinates": [[[3.1, 50.7], [7.3, 50.7], [7.3, 53.6], [3.1, 53.6],
                                            [3.1, 50.7]]]}
BOWTIE = {"type": "Polygon", "coordinates": [[[5.0, 52.0], [5.1, 52.1], [5.1, 52.0], [5.0, 52.1],
                                              [5.0, 52.0]]]}
EMPTY_AREA = {"type": "Polygon", "coordinates": [[[3.2, 53.5], [3.21, 53.5], [3.21, 53.51],
                                                  [3.2, 53.51], [3.2, 53.5]]]}
# A window inside the test order's time (the last 27 days), so input checks are reached.
_NOW = datetime.now(timezone.utc).replace(microsecond=0)
W = {"start": (_NOW - timedelta(hours=3)).isoformat(), "end": (_NOW - timedelta(hours=1)).isoformat()}


@pytest.mark.parametrize("path,body,message", [
    ("plate", {"plates": ["AB-12$"], "window": W}, "outside A-Z"),
    ("plate", {"plates": [], "window": W}, "at least one plate"),
    ("plate", {"plates": ["AB12CD"], "window": {"start": W["end"], "end": W["start"]}},
     "ends before"),
    ("plate", {"plates": ["AB12CD"], "window": {"start": "2026-01-01T00:00:00Z",
                                                "end": "2026-03-01T00:00:00Z"}}, "28 days"),
    ("plate", {"plates": ["AB12CD"], "window": {"start": W["start"][:19],
                                                "end": W["end"]}}, "offset"),
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
def test_bad_input_is_a_clear_400(search_client, path, body, message):
    r = search_client.post(f"/api/v1/search/{path}", json=body)
    assert r.status_code == 400, r.json
    assert message in r.json["message"]


def test_non_json_body_is_400(search_client):
    r = search_client.post("/api/v1/search/plate", data="plates=AB12CD")
    assert r.status_code == 400
