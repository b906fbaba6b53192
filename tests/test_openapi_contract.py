"""The API contract (issue 16): the OpenAPI document is complete enough to generate a client
from, and it is the schema the server validates with, walked over HTTP."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone

from conftest import NL_NORTH, SessionClient, confirmed_request

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$")
WRITES = ("post", "put", "patch")


def _doc(client):
    return client.get("/api/v1/openapi.json").get_json()


def test_every_operation_has_body_responses_and_security(client):
    doc = _doc(client)
    assert doc["paths"], "no paths"
    missing = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if method in WRITES and "requestBody" not in op:
                missing.append(f"{method} {path}: no requestBody")
            if "security" not in op:
                missing.append(f"{method} {path}: no security requirement")
            oks = [c for c in op["responses"] if c.startswith("2")]
            if not oks:
                missing.append(f"{method} {path}: no 2xx answer")
            for code in oks:
                content = op["responses"][code].get("content")
                if not content:
                    missing.append(f"{method} {path} {code}: no content")
                for mime, media in (content or {}).items():
                    if mime not in ("application/json", "application/geo+json"):
                        continue
                    why = _vague(media.get("schema"), doc["components"]["schemas"])
                    if why:
                        missing.append(f"{method} {path} {code} {mime}: {why}")
    assert not missing, "\n".join(missing)


def _vague(schema, components, seen=()) -> str | None:
    """Why ``schema`` does not describe an answer (None when it does): missing, an object
    without properties (``{"type": "object"}``), a list of anything, or a choice between
    such; references are followed."""
    if not isinstance(schema, dict) or not schema:
        return "no schema"
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in components:
            return f"unresolved {schema['$ref']}"
        return None if name in seen else _vague(components[name], components, (*seen, name))
    for key in ("oneOf", "anyOf", "allOf"):
        if key in schema:
            whys = [_vague(s, components, seen) for s in schema[key] if s != {"type": "null"}]
            return next((w for w in whys if w), None)
    types = schema.get("type")
    types = set(types if isinstance(types, list) else [types])
    if "object" in types and not schema.get("properties") and \
            not isinstance(schema.get("additionalProperties"), dict):
        return "an object without properties"
    if "array" in types:
        return _vague(schema.get("items"), components, seen) and "a list of anything"
    if types == {None} and not {"enum", "const"} & set(schema):
        return "no type"
    return None


def test_the_contract_check_finds_vague_answers():
    """The check above would find each placeholder the document once had."""
    components = {"Thing": {"type": "object"}, "Real": {"type": "object", "properties": {
        "id": {"type": "integer"}}}}
    assert _vague(None, components) == "no schema"
    assert _vague({"type": "object"}, components)
    assert _vague({"anyOf": [{"type": "object"}, {"type": "array", "items": {}}]}, components)
    assert _vague({"$ref": "#/components/schemas/Thing"}, components)
    assert _vague({"$ref": "#/components/schemas/Missing"}, components)
    assert _vague({"type": "array", "items": {"type": "object"}}, components)
    assert _vague({"$ref": "#/components/schemas/Real"}, components) is None
    assert _vague({"type": "array", "items": {"$ref": "#/components/schemas/Real"}},
                  components) is None


def test_security_schemes_and_no_header_login(client):
    doc = _doc(client)
    schemes = doc["components"]["securitySchemes"]
    assert schemes["sessionCookie"]["in"] == "cookie"
    assert schemes["csrfToken"] == {**schemes["csrfToken"], "in": "header",
                                    "name": "X-CSRF-Token"}
    assert schemes["deviceKey"]["scheme"] == "bearer"
    used = {name for ops in doc["paths"].values() for op in ops.values()
            for req in op["security"] for name in req}
    assert used <= set(schemes)
    assert "X-Anpr-User" not in str(doc)
    reg = doc["paths"]["/api/v1/requests"]["post"]
    assert reg["security"] == [{"sessionCookie": [], "csrfToken": []}]
    assert {"401", "403"} <= set(reg["responses"])


def test_registration_schema_names_the_nested_investigation(client):
    doc = _doc(client)
    body = doc["paths"]["/api/v1/requests"]["post"]["requestBody"]["content"][
        "application/json"]["schema"]
    reg = doc["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert {"investigation", "scope", "order_kind"} <= set(reg["required"])
    inv = doc["components"]["schemas"]["Investigation"]
    assert inv["required"] == ["system", "number", "name"]
    assert "crime_code" in reg["properties"]
    searches = doc["paths"]["/api/v1/search/plate"]["post"]["requestBody"]["content"][
        "application/json"]["schema"]
    assert searches["required"] == ["request_id", "enquiry_id", "window"]
    preview = doc["paths"]["/api/v1/search/plate/preview"]["post"]["requestBody"]["content"][
        "application/json"]["schema"]
    assert preview["required"] == ["request_id", "window"]
    block = doc["paths"]["/api/v1/search/block"]["post"]["description"]
    assert "explicit selection" in block and "Q3" in block and "Q5" in block


def _registration(**over):
    now = datetime.now(timezone.utc)
    body = {"received_at": now.isoformat(), "requester_name": "T. Tester",
            "requester_function": "rechercheur", "order_reference": "OvJ-TEST",
            "prosecutor": "mr. T. Test", "prosecutor_office": "Parket Test",
            "order_at": (now - timedelta(minutes=5)).isoformat(), "order_kind": "written",
            "crime_code": "289", "purpose": "test", "facts": "test", "suspect": "test",
            "investigation": {"system": "BVH", "number": f"T-{uuid.uuid4().hex[:10]}",
                              "name": "Contracttest"},
            "scope": {"windows": [{"start": (now - timedelta(days=2)).isoformat(),
                                   "end": now.isoformat()}],
                      "areas": [{"kind": "polygon", "geometry": NL_NORTH}]}}
    body.update(over)
    return body


def test_server_refuses_what_the_document_refuses(app, people):
    officer = SessionClient(app, "officer.mn")
    body = _registration()
    del body["investigation"]
    r = officer.post("/api/v1/requests", json=body)
    assert r.status_code == 400, r.get_json()
    err = r.get_json()
    assert "investigation" in err["message"]
    assert {"field": "(body)", "problem": "investigation is required"} in \
        err["details"]["problems"]
    r = officer.post("/api/v1/requests", json=_registration(
        investigation={"system": "BVH", "number": "X-1"}))
    assert r.status_code == 400
    assert r.get_json()["message"] == "investigation.name is required"
    r = officer.post("/api/v1/requests", json=_registration(order_kind="telefonisch"))
    assert r.status_code == 400 and r.get_json()["details"]["problems"][0]["field"] == \
        "order_kind"
    r = officer.post("/api/v1/requests", json=_registration())
    assert r.status_code == 201, r.get_json()


def test_request_objects_carry_iso_dates(app, people):
    officer = SessionClient(app, "officer.mn")
    rid = confirmed_request(officer, days=2)
    req = officer.get(f"/api/v1/requests/{rid}").get_json()
    for name in ("received_at", "order_at", "created_at", "confirmed_at"):
        if req.get(name) is not None:
            assert ISO.match(req[name]), f"{name}: {req[name]!r}"
    assert ISO.match(req["received_at"])
    listing = officer.get("/api/v1/requests").get_data(as_text=True)
    assert " GMT" not in listing and " GMT" not in str(req)


def test_405_carries_allow_and_a_json_error(app, people):
    officer = SessionClient(app, "officer.mn")
    r = officer.put("/api/v1/requests", json={})
    assert r.status_code == 405
    assert set(r.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert r.get_json()["error"] == "method_not_allowed"


def test_geojson_answers_say_geo_json(app, people):
    officer = SessionClient(app, "officer.mn")
    doc = _doc(officer)
    for path in ("/api/v1/locations", "/api/v1/cameras", "/api/v1/roads"):
        assert "application/geo+json" in doc["paths"][path]["get"]["responses"]["200"]["content"]
        r = officer.get(path)
        assert r.status_code == 200 and r.mimetype == "application/geo+json", path
        assert r.get_json()["type"] == "FeatureCollection"
    code = officer.get("/api/v1/locations").get_json()["features"][0]["properties"]["code"]
    assert officer.get(f"/api/v1/locations/{code}").mimetype == "application/geo+json"


def test_a_published_plans_cameras_through_the_json_api(client, demo_db, database_url):
    import psycopg

    from camera_registry.plans import clock

    year = demo_db["end"].astimezone(clock.AMSTERDAM).year
    r = client.get(f"/api/v1/plans/{year}/cameras")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    with psycopg.connect(database_url) as conn:
        want = {row[0] for row in conn.execute(
            "SELECT pc.camera_id FROM plan_camera pc JOIN camera_plan p ON p.id = pc.plan_id"
            " WHERE p.year = %s", (year,))}
    assert want and {c["id"] for c in body["cameras"] if c["source"] == "plan"} == want
    assert body["state"] == "published"
    assert client.get(f"/api/v1/plans/{year + 3}/cameras").status_code == 404
    doc = _doc(client)
    assert "/api/v1/plans/{year}/cameras" in doc["paths"]


def test_a_time_offset_postgresql_cannot_hold_is_a_400(app, people):
    """Found by the fuzzer: a verdict's captured_at with offset -22:11 answered 500."""
    officer = SessionClient(app, "officer.mn")
    rid = confirmed_request(officer, days=2)
    r = officer.post(f"/api/v1/requests/{rid}/verdicts", json={"verdicts": [
        {"verdict": "rejected", "captured_at": "0635-10-31T02:38:52-22:11", "passage_id": 389}]})
    assert r.status_code == 400, r.get_json()
    assert r.get_json()["details"]["problems"][0]["field"] == "verdicts.0.captured_at"


def test_every_example_fits_its_schema(client):
    """The examples (login, registration, preview, confirm, run, results page, reads page,
    verdicts, the package...) are valid against the schema they illustrate."""
    from webmap.schemas import check_body

    doc = _doc(client)
    components = doc["components"]
    checked = []
    for name, schema in components["schemas"].items():
        if "example" in schema:
            check_body({k: v for k, v in schema.items() if k != "example"}, components,
                       schema["example"])
            checked.append(name)
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            media = [(f"{method} {path} body", m) for m in (
                (op.get("requestBody") or {}).get("content") or {}).values()]
            media += [(f"{method} {path} {code}", m) for code, r in op["responses"].items()
                      for m in (r.get("content") or {}).values()]
            for where, m in media:
                if "example" in m:
                    check_body(m["schema"], components, m["example"])
                    checked.append(where)
    for name in ("Login", "RequestRegistration", "EnquiryPreview", "Verdicts", "SearchRun",
                 "HeldPage", "ReadsPage", "post /api/v1/requests/{request_id}/confirm 200",
                 "post /api/v1/requests/{request_id}/package body"):
        assert name in checked, f"{name}: no example"
