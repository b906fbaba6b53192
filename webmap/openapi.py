"""The OpenAPI 3.1 document of the JSON API, kept beside the handlers it describes."""
from __future__ import annotations

from typing import Any

from flask import Flask

from webmap.answers import feature, feature_collection
from webmap.schemas import ref

ERROR = {"$ref": "#/components/responses/Error"}


def _geo(description: str, name: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/geo+json": {"schema": ref(name)}}}


_TEXT_OR_NULL = {"type": ["string", "null"]}
_COUNT = {"type": "integer", "minimum": 0}
_CAMERA = {"id": {"type": "string"}, "lane": {"type": ["integer", "null"]},
           "inout": {"enum": ["in", "out"]}, "bearing": {"type": ["number", "null"]},
           "status": {"type": "string"}, "mounting": {"enum": ["fixed", "mobile"]},
           "location_code": {"type": "string"}, "location_name": {"type": "string"},
           "unit_code": _TEXT_OR_NULL, "road": _TEXT_OR_NULL}
_MAP_CAMERA = {**_CAMERA, "segment_direction": {"type": ["integer", "null"]},
               "facing": {"enum": ["front", "rear"]},
               "active_from": {"type": ["string", "null"], "format": "date"},
               "active_to": {"type": ["string", "null"], "format": "date"}}
_LOCATION = {"id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"},
             "unit_code": _TEXT_OR_NULL, "road": _TEXT_OR_NULL,
             "hectometre": {"type": ["number", "null"]}, "owner": _TEXT_OR_NULL,
             "mounting": {"enum": ["fixed", "mobile"]},
             "cameras": {**_COUNT, "description": "cameras at the location"},
             "cameras_not_active": _COUNT}
#: The registry on the map (gis.registry_queries, gis.selection) as GeoJSON.
MAP_SCHEMAS: dict[str, dict[str, Any]] = {
    "MapCamera": feature(_MAP_CAMERA, ["id", "inout", "status", "location_code"]),
    "MapCameras": feature_collection(ref("MapCamera")),
    "MapLocation": feature(_LOCATION, ["code", "name", "cameras"]),
    "MapLocations": feature_collection(ref("MapLocation")),
    "MapLocationWithCameras": feature(
        {**_LOCATION, "camera_list": {"type": "array", "items": ref("MapCamera")}},
        ["code", "name", "cameras", "camera_list"]),
    "MapRoads": feature_collection(feature(
        {"id": {"type": "integer"}, "road": _TEXT_OR_NULL, "speed_kmh": {"type": "number"},
         "lanes": {"type": ["integer", "null"]}, "length_m": {"type": "integer"}},
        ["id", "road"], id_type="integer")),
    "SelectedCameras": feature_collection(
        feature({**_CAMERA, "owner": _TEXT_OR_NULL}, ["id", "inout", "location_code"]),
        locations={"type": "array", "items": {"type": "string"},
                   "description": "the location codes of the cameras"},
        area={"type": "object", "description": "the drawn area as GeoJSON (WGS84), for a "
                                               "polygon, rectangle, circle or corridor"}),
}
BBOX = {"name": "bbox", "in": "query", "required": False,
        "description": "minlon,minlat,maxlon,maxlat in WGS84",
        "schema": {"type": "string", "example": "4.7,52.2,5.1,52.5"}}

PATHS: dict[str, dict[str, Any]] = {
    "/api/v1/openapi.json": {"get": {"summary": "This document", "responses": {"200": {
        "description": "OpenAPI 3.1", "content": {"application/json": {"schema": {
            "type": "object", "required": ["openapi", "info", "paths", "components"],
            "properties": {"openapi": {"type": "string", "pattern": r"^3\.1\."},
                           "info": {"type": "object", "required": ["title", "version"],
                                    "properties": {"title": {"type": "string"},
                                                   "version": {"type": "string"}}},
                           "paths": {"type": "object",
                                     "additionalProperties": {"type": "object"}},
                           "components": {"type": "object"}}}}}}}}},
    "/api/v1/health": {"get": {"summary": "Liveness and database check",
                               "responses": {"200": {"description": "ok", "content": {
                                   "application/json": {"schema": {"type": "object",
                                   "properties": {"status": {"const": "ok"},
                                                  "postgis": {"type": "string"}}}}}},
                                   "503": ERROR}}},
    "/api/v1/locations": {"get": {
        "summary": "Camera locations with camera counts",
        "parameters": [BBOX, {"name": "unit", "in": "query", "schema": {"type": "string"},
                              "description": "unit code, e.g. MN"}],
        "responses": {"200": _geo("the locations with their camera counts", "MapLocations"),
                      "400": ERROR}}},
    "/api/v1/locations/{code}": {"get": {
        "summary": "One location with its cameras",
        "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": _geo("the location and its cameras", "MapLocationWithCameras"),
                      "404": ERROR}}},
    "/api/v1/cameras": {"get": {
        "summary": "Cameras (lane geometry where known)",
        "parameters": [BBOX, {"name": "location", "in": "query", "schema": {"type": "string"}}],
        "responses": {"200": _geo("the cameras", "MapCameras"), "400": ERROR}}},
    "/api/v1/cameras/{camera_id}": {"get": {
        "summary": "One camera",
        "parameters": [{"name": "camera_id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": _geo("the camera", "MapCamera"), "404": ERROR}}},
    "/api/v1/roads": {"get": {"summary": "The road network",
                              "responses": {"200": _geo("the road segments", "MapRoads")}}},
    "/api/v1/selection": {"post": {
        "summary": "Resolve a drawn or picked selection to cameras",
        "description": "Polygon or rectangle (`geometry` Polygon), circle (`geometry` Point "
                       "plus `radius_m`), corridor (`geometry` LineString plus `buffer_m`, "
                       "buffered in RD New), or picks by location code, group or camera id; "
                       "optionally narrowed by `inout` and `lanes`.",
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Selection"}}}},
        "responses": {"200": _geo("the selected cameras", "SelectedCameras"), "400": ERROR}}},
}


# Each API module adds its own paths here (``register_paths``) next to its handlers.
_EXTRA_PATHS: dict[str, dict[str, Any]] = {}
_EXTRA_SCHEMAS: dict[str, dict[str, Any]] = {}


def register_paths(paths: dict[str, dict[str, Any]],
                   schemas: dict[str, dict[str, Any]] | None = None) -> None:
    _EXTRA_PATHS.update(paths)
    _EXTRA_SCHEMAS.update(schemas or {})


def openapi_document(app: Flask) -> dict[str, Any]:
    """The document, completed from the routes themselves: each operation's security
    requirement and its 401/403 answers follow the access rule its view declares
    (webmap.auth). Every 2xx answer's schema is its operation's own (none is filled in:
    tests/test_openapi_contract.py fails for an answer without one)."""
    import copy

    from webmap.answers import ANSWERS
    from webmap.schemas import SCHEMAS

    doc = _base_document()
    doc["paths"] = copy.deepcopy({**PATHS, **_EXTRA_PATHS})
    doc["components"]["schemas"].update(copy.deepcopy(MAP_SCHEMAS))
    doc["components"]["schemas"].update(copy.deepcopy(_EXTRA_SCHEMAS))
    doc["components"]["schemas"].update(copy.deepcopy(SCHEMAS))
    doc["components"]["schemas"].update(copy.deepcopy(ANSWERS))
    names: dict[str, list[tuple[str, str]]] = {}
    for rule in app.url_map.iter_rules():
        path = openapi_path(rule.rule)
        ops = doc["paths"].get(path)
        if ops is None:
            continue
        access = getattr(app.view_functions.get(rule.endpoint), "anpr_access", None)
        for method in rule.methods or ():
            op = ops.get(method.lower())
            if op is not None:
                _complete(op, method, access)
                names.setdefault(_operation_name(rule.endpoint, path), []).append(
                    (path, method.lower()))
    # operationId (the generated client's function names): the view's name, with its
    # blueprint where two views share a name, and the path's tail where a view serves two.
    for name, where in names.items():
        shortest = min(len(path) for path, _ in where)
        for path, method in where:
            tail = path.rstrip("/").rsplit("/", 1)[-1].strip("{}")
            doc["paths"][path][method].setdefault(
                "operationId", name if len(path) == shortest else f"{name}_{tail}")
    return doc


def _operation_name(endpoint: str, path: str) -> str:
    blueprint, _, view = endpoint.rpartition(".")
    if view in {"get_camera", "get_location", "list_cameras", "list_locations"} and \
            "registry" in path:
        return f"registry_{view}"
    return view


def openapi_path(rule: str) -> str:
    """A Werkzeug rule (``/requests/<int:request_id>``) as an OpenAPI path."""
    import re

    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _complete(op: dict[str, Any], method: str, access: Any) -> None:
    from webmap.auth import DEVICE, PUBLIC

    responses = op.setdefault("responses", {})
    write = method in _WRITES
    if access == DEVICE:
        op["security"] = [{"deviceKey": []}]
        responses.setdefault("401", ERROR)
    elif access == PUBLIC:
        op["security"] = [{"csrfToken": []}] if write else [{}]
        if write:
            responses.setdefault("403", ERROR)
    elif isinstance(access, tuple):
        op["security"] = [{"sessionCookie": [], "csrfToken": []}] if write else \
            [{"sessionCookie": []}]
        op["x-roles"] = list(access)
        roles = ", ".join(access)
        note = f"Roles: {roles}."
        if note not in op.get("description", ""):
            op["description"] = (op.get("description", "") + "\n\n" + note).strip()
        responses.setdefault("401", ERROR)
        responses.setdefault("403", ERROR)
    # Any operation: a NUL or a lone surrogate in the path or any query argument is refused
    # at the door (webmap.app._refuse_bad_text), declared or not.
    responses.setdefault("400", ERROR)
    if "requestBody" in op:
        responses.setdefault("413", ERROR)  # over the body limit (MAX_CONTENT_LENGTH)
    if any(p.get("in") == "path" for p in op.get("parameters", [])):
        responses.setdefault("404", ERROR)  # no such request, camera, plan...


def check_body(body: Any) -> Any:
    """Check the current request's JSON body against its operation's schema in this
    document (webmap.payload.json_object calls it, so after the handler's access checks):
    a body the document calls invalid is a 400 naming each problem. Returns the body."""
    from flask import request

    from webmap import schemas

    doc = _document()
    if request.url_rule is None:
        return body
    op = doc["paths"].get(openapi_path(request.url_rule.rule), {}).get(request.method.lower())
    schema = (((op or {}).get("requestBody") or {}).get("content") or {}).get(
        "application/json", {}).get("schema")
    if schema is not None:
        schemas.check_body(schema, doc["components"], body)
    return body


def _document() -> dict[str, Any]:
    from flask import current_app

    app = current_app._get_current_object()
    doc = app.extensions.get("anpr_openapi")
    if doc is None:
        doc = app.extensions["anpr_openapi"] = openapi_document(app)
    return doc


class ResponseContractError(AssertionError):
    """An answer the document does not describe (raised only where responses are checked:
    the test suite), so every test that calls the API also checks the contract."""


def check_response(response):
    """Check a JSON answer of an /api/v1 operation against its documented answer: the
    status code must be listed and a JSON body must be valid against its schema. The
    app runs it after every request where ``ANPR_CHECK_RESPONSES`` is set (the tests), so
    the document cannot describe answers the server does not give."""
    from flask import request

    from webmap import schemas

    if request.url_rule is None or not request.path.startswith("/api/v1/") \
            or response.direct_passthrough or response.status_code >= 500:
        return response
    doc = _document()
    op = doc["paths"].get(openapi_path(request.url_rule.rule), {}).get(request.method.lower())
    if op is None:
        return response
    where = f"{request.method} {request.url_rule.rule} {response.status_code}"
    responses = op.get("responses", {})
    documented = responses.get(str(response.status_code)) or \
        responses.get(f"{str(response.status_code)[0]}XX") or responses.get("default")
    if documented is None:
        raise ResponseContractError(f"{where}: status not documented "
                                    f"(documented: {sorted(responses)})")
    if "$ref" in documented:
        documented = doc["components"]["responses"][documented["$ref"].rsplit("/", 1)[-1]]
    mime = (response.mimetype or "").lower()
    content = documented.get("content") or {}
    if not content or mime not in ("application/json", "application/geo+json"):
        return response
    if mime not in content:
        raise ResponseContractError(f"{where}: {mime} answered, documented "
                                    f"{sorted(content)}")
    schema = content[mime].get("schema")
    if schema is not None:
        try:
            schemas.check_body(schema, doc["components"], response.get_json())
        except Exception as exc:  # BadInput names each problem
            problems = getattr(exc, "details", {}).get("problems") or str(exc)
            raise ResponseContractError(f"{where}: answer does not match its schema: "
                                        f"{problems}") from None
    return response


def _base_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "126jj ANPR API", "version": "1",
                 "description": "Passage store, searches and camera registry for art. 126jj Sv."},
        "paths": PATHS,
        "components": {
            "responses": {"Error": {"description": "Error with a user-safe message", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
            "securitySchemes": {
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "session",
                                  "description": "The session cookie that POST /api/v1/session "
                                                 "(username, password) sets; it holds only a "
                                                 "random token, checked server-side on "
                                                 "every call"},
                "csrfToken": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token",
                              "description": "Every write (the login included) carries the "
                                             "session's CSRF token: GET /api/v1/session gives "
                                             "it, the login answers a fresh one"},
                "deviceKey": {"type": "http", "scheme": "bearer",
                              "description": "A camera's or site's device key "
                                             "(`anpr intake keys`), as Authorization: Bearer; "
                                             "no cookie, no CSRF token"}},
            "schemas": {
                "FeatureCollection": {"type": "object", "required": ["type", "features"],
                                      "properties": {"type": {"const": "FeatureCollection"},
                                                     "features": {"type": "array",
                                                                  "items": {"type": "object"}}}},
                "Selection": {"type": "object", "properties": {
                    "kind": {"enum": ["polygon", "rectangle", "circle", "corridor", "pick"],
                             "x-message": "unknown selection kind: give polygon, rectangle, "
                                          "circle, corridor or pick"},
                    "geometry": {"type": "object", "description": "GeoJSON geometry, WGS84",
                                 "x-message": "geometry must be a GeoJSON object (WGS84)"},
                    "radius_m": {"type": "number", "minimum": 1, "maximum": 50000},
                    "buffer_m": {"type": "number", "minimum": 1, "maximum": 5000},
                    "inout": {"enum": ["in", "out"]},
                    "lanes": {"type": "array", "items": {"type": "integer"}},
                    "locations": {"type": "array", "items": {"type": "string"}},
                    "groups": {"type": "array", "items": {"type": "string"}},
                    "cameras": {"type": "array", "items": {"type": "string"}}}},
            },
        },
    }
