"""Bad input under attack: each hostile body or argument is a clear 4xx at the door, with
a JSON error body, and stores nothing (requests, versions, enquiries, investigations,
verdicts, registry periods and passages counted before and after; refusals themselves
are audited, nothing else). Real HTTP path: login with CSRF, PostGIS, the device key."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import psycopg
import pytest
from psycopg.rows import dict_row

from conftest import confirmed_request
from test_casework_requests import order

UTC = timezone.utc
DEEP = "[" * 100_000 + "]" * 100_000
COUNTED = ("request", "request_version", "enquiry", "investigation", "verification",
           "camera_status_period", "jj126.passage")


def _counts(url) -> dict:
    with psycopg.connect(url, row_factory=dict_row) as c:
        have = {r["t"] for r in c.execute(
            "SELECT table_schema || '.' || table_name AS t FROM information_schema.tables"
            ).fetchall()}
        out = {}
        for t in COUNTED:
            name = t if "." in t else f"public.{t}"
            if name in have:
                out[t] = c.execute(f"SELECT count(*) AS n FROM {name}").fetchone()["n"]
        out["audit"] = c.execute(
            "SELECT count(*) AS n FROM audit_log WHERE action NOT LIKE '%refused'"
            " AND action NOT LIKE 'login.%' AND action NOT LIKE 'session.%'"
            " AND action NOT LIKE 'account.%'").fetchone()["n"]
    return out


@pytest.fixture(scope="module")
def rid(app, people, demo_db):
    from conftest import SessionClient

    return confirmed_request(SessionClient(app, "officer.mn"))


@pytest.fixture(scope="module")
def device_key(database_url, demo_db):
    from ingest.devices import add_device

    with psycopg.connect(database_url, row_factory=dict_row) as c:
        cam = c.execute("SELECT id FROM camera ORDER BY id LIMIT 1").fetchone()["id"]
        _, key = add_device(c, "attack-input gantry", camera=cam)
        c.commit()
    return key


def _raw(client, path, text, **kw):
    return client.post(path, data=text, content_type="application/json", **kw)


def _scope(**over):
    now = datetime.now(UTC)
    return {"windows": [{"start": (now - timedelta(hours=5)).isoformat(),
                         "end": now.isoformat()}], **over}


def _poly(coords):
    return {"kind": "polygon", "geometry": {"type": "Polygon", "coordinates": [coords]}}


BOWTIE = [[5.0, 52.0], [5.1, 52.1], [5.1, 52.0], [5.0, 52.1], [5.0, 52.0]]
MANY = [[5.0 + 0.1 * __import__("math").cos(i / 1000), 52.0 + 0.1 * __import__("math").sin(i / 1000)]
        for i in range(6283)] + [[5.1, 52.0]]

# (name, who, method, path, body or raw text)
CASES = [
    ("login-nul", None, "post", "/api/v1/session", {"username": "officer\x00.mn", "password": "x"}),
    ("login-surrogate", None, "post", "/api/v1/session", {"username": "officer\ud800", "password": "x"}),
    ("purpose-nul", "officer.mn", "post", "/api/v1/requests", order(purpose="route\x00x")),
    ("purpose-surrogate", "officer.mn", "post", "/api/v1/requests", order(purpose="route\ud800")),
    ("investigation-nul", "officer.mn", "post", "/api/v1/requests",
     order(investigation={"system": "BVH", "number": "2026\x00", "name": "x"})),
    ("investigation-number-type", "officer.mn", "post", "/api/v1/requests",
     order(investigation={"system": "BVH", "number": 12, "name": "x"})),
    ("scope-location-nul", "officer.mn", "post", "/api/v1/requests",
     order(scope=_scope(locations=["MN-A12\x00-001"]))),
    ("scope-unknown-camera", "officer.mn", "post", "/api/v1/requests",
     order(scope=_scope(cameras=["NO-SUCH-CAMERA"]))),
    ("scope-unknown-location", "officer.mn", "post", "/api/v1/requests",
     order(scope=_scope(locations=["NO-SUCH-LOCATION"]))),
    ("scope-malformed-area", "officer.mn", "post", "/api/v1/requests",
     order(scope=_scope(areas=[{"kind": "polygon", "geometry": {"type": "Polygon",
                                                                "coordinates": [[5, 52]]}}]))),
    ("scope-self-intersecting", "officer.mn", "post", "/api/v1/requests",
     order(scope=_scope(areas=[_poly(BOWTIE)]))),
    ("scope-6000-vertices", "officer.mn", "post", "/api/v1/requests",
     order(scope=_scope(areas=[_poly(MANY)]))),
    ("scope-area-not-object", "officer.mn", "post", "/api/v1/requests",
     order(scope=_scope(areas=["POLYGON((5 52, 6 52, 6 53, 5 52))"]))),
    ("requests-deep", "officer.mn", "post", "/api/v1/requests", DEEP),
    ("requests-deep-object", "officer.mn", "post", "/api/v1/requests", '{"a":' * 100_000 + "1" + "}" * 100_000),
    ("requests-huge-int", "officer.mn", "post", "/api/v1/requests",
     json.dumps(order()).replace('"convoy_minutes": 2', '"convoy_minutes": 100000000000000000000')),
    ("requests-nan", "officer.mn", "post", "/api/v1/requests",
     json.dumps(order()).replace('"convoy_minutes": 2', '"convoy_minutes": NaN')),
    ("selection-camera-nul", "officer.mn", "post", "/api/v1/selection",
     {"kind": "pick", "cameras": ["cam\x00"]}),
    ("correct-reason-nul", "officer.mn", "post", "/api/v1/requests/{rid}/correct",
     {"changes": {"facts": "x"}, "reason": "typ\x00fout"}),
    ("correct-value-nul", "officer.mn", "post", "/api/v1/requests/{rid}/correct",
     {"changes": {"facts": "x\x00"}, "reason": "typefout"}),
    ("correct-changes-list", "officer.mn", "post", "/api/v1/requests/{rid}/correct",
     {"changes": ["facts", "x"], "reason": "typefout"}),
    ("correct-reason-number", "officer.mn", "post", "/api/v1/requests/{rid}/correct",
     {"changes": {"facts": "x"}, "reason": 42}),
    ("reject-reason-nul", "officer.mn", "post", "/api/v1/requests/{rid}/reject", {"reason": "nee\x00"}),
    ("reject-reason-number", "officer.mn", "post", "/api/v1/requests/{rid}/reject", {"reason": 42}),
    ("verdicts-huge-float", "officer.mn", "post", "/api/v1/requests/{rid}/verdicts",
     '{"verdicts": [{"passage_id": 1e20, "verdict": "correct"}]}'),
    ("verdicts-huge-int", "officer.mn", "post", "/api/v1/requests/{rid}/verdicts",
     '{"verdicts": [{"passage_id": 100000000000000000000, "verdict": "correct"}]}'),
    ("registry-note-nul", "editor", "post", "/api/v1/registry/cameras/{camera}/status",
     {"status": "defect", "start": datetime.now(UTC).isoformat(), "note": "kapot\x00"}),
    ("cameras-location-nul", "officer.mn", "get", "/api/v1/cameras?location=%00", None),
    ("reads-offset-float", "officer.mn", "get", "/api/v1/requests/{rid}/reads?offset=1e20", None),
    ("reads-offset-huge", "officer.mn", "get",
     "/api/v1/requests/{rid}/reads?offset=100000000000000000000", None),
    ("reads-offset-negative", "officer.mn", "get", "/api/v1/requests/{rid}/reads?offset=-1", None),
    ("query-name-nul", "officer.mn", "get", "/api/v1/requests?st%00atus=open", None),
    ("convoy-minutes-1e308", "officer.mn", "post", "/api/v1/search/convoy/preview",
     '{"request_id": {rid}, "plate": "AB123C", "minutes": 1e308}'),
    ("intake-deep", "device", "post", "/api/v1/intake/passages", '{"records": ' + DEEP + "}"),
    ("intake-deep-ndjson", "device", "post", "/api/v1/intake/passages", DEEP),
    ("intake-nul", "device", "post", "/api/v1/intake/passages", {"records": [{"camera": "x\x00"}]}),
]


@pytest.mark.parametrize("name, who, method, path, body", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_a_clear_refusal_that_stores_nothing(app, login, database_url, rid,
                                                          device_key, name, who, method,
                                                          path, body):
    with psycopg.connect(database_url, row_factory=dict_row) as c:
        camera = c.execute("SELECT id FROM camera ORDER BY id LIMIT 1").fetchone()["id"]
    path = path.format(rid=rid, camera=camera)
    if isinstance(body, str) and "{rid}" in body:
        body = body.replace("{rid}", str(rid))
    headers = {}
    if who == "device":
        client = app.test_client()
        headers["Authorization"] = f"Bearer {device_key}"
    elif who is None:
        client = app.test_client()
        headers["X-CSRF-Token"] = client.get("/api/v1/session").get_json()["csrf_token"]
    else:
        client = login(who)
    before = _counts(database_url)
    if method == "get":
        resp = client.get(path, headers=headers)
    elif isinstance(body, str):
        ctype = "application/x-ndjson" if name.endswith("ndjson") else "application/json"
        resp = client.post(path, data=body, content_type=ctype, headers=headers)
    else:
        resp = client.post(path, json=body, headers=headers)
    assert 400 <= resp.status_code < 500, (resp.status_code, resp.get_data(as_text=True)[:300])
    err = resp.get_json()
    assert isinstance(err, dict) and err.get("message"), err
    assert _counts(database_url) == before


def test_a_valid_body_still_passes_the_guards(login):
    """The guards refuse only what is wrong: nesting, unicode and numbers of a real order."""
    resp = login("officer.mn").post("/api/v1/requests", json=order(
        purpose="route vaststellen – ëën 🚗", convoy_minutes=0))
    assert resp.status_code == 201, resp.get_json()


def test_areas_valid_at_registration_are_accepted(login):
    square = [[5.0, 52.0], [5.1, 52.0], [5.1, 52.1], [5.0, 52.1], [5.0, 52.0]]
    resp = login("officer.mn").post("/api/v1/requests", json=order(
        scope=_scope(areas=[_poly(square)])))
    assert resp.status_code == 201, resp.get_json()
