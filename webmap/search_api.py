"""The search API under /api/v1/search: parse, resolve cameras, call gis.search, render.

Handlers stay thin: the body is validated into plain values (windows, plates, camera
ids, a Scope) and handed to the domain functions; errors are AnprError subclasses that
the app maps to JSON in one place. Times go out as ISO 8601 in UTC; the map shows them
in Europe/Amsterdam.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from anpr.errors import BadInput
from gis.geometry import Limits
from gis.search import block, common, convoy, coverage, partial, plate, route
from gis.search import params as sp
from gis.search.base import page_args
from gis.search.scope import (Scope, Window, normalise_cameras, normalise_pattern,
                              normalise_plate, normalise_plates, parse_window)
from gis.selection import parse_selection, select_cameras
from webmap.auth import current_account, requires
from webmap.db import get_conn
from webmap.openapi import register_paths
from webmap.payload import json_object, jsonable

search_api = Blueprint("search_api", __name__)


def _limits() -> Limits:
    return sp.selection_limits()


def _window(data: dict[str, Any], name: str = "window") -> Window:
    w = data.get("window")
    if not isinstance(w, dict):
        raise BadInput(f"{name} must be an object with start and end (ISO 8601 with offset)")
    return parse_window(w.get("start"), w.get("end"), name=name)


def _cameras(data: dict[str, Any], *, required: bool = False,
             default_to_order: bool = True) -> tuple[str, ...] | None:
    """Camera ids from ``cameras`` or a drawn/picked ``selection``; None when neither."""
    if data.get("selection") is not None:
        sel = parse_selection(data["selection"], _limits())
        ids = tuple(c["id"] for c in select_cameras(get_conn(), sel))
        if not ids:
            raise BadInput("the selection resolves to no camera")
        return ids
    if data.get("cameras") is not None:
        return normalise_cameras(data["cameras"])
    if not required and default_to_order:
        scope = _scope(data)  # with no cameras chosen, search the order's own cameras
        if scope is not None and scope.cameras is not None:
            return tuple(sorted(scope.cameras))
    if required:
        raise BadInput("select cameras: give `selection` (drawn or picked) or `cameras`")
    return None


def _scope(data: dict[str, Any]) -> Scope | None:
    """The order's scope: every call is a search inside a confirmed request (R5), recorded
    as an enquiry (R6); a scope sent by the client is ignored."""
    from casework.search_gate import api_scope

    if "gate" not in g:
        parts = request.path.rstrip("/").split("/")
        stage = {"preview": "preview", "export": "export"}.get(parts[-1], "run")
        kind = parts[-2] if stage in ("preview", "export") else parts[-1]
        g.gate = api_scope(get_conn(), current_account(), data, kind, stage)
    return g.gate[0]


@search_api.after_request
def _with_enquiry(response: Response) -> Response:
    """A preview answers with the enquiry id the result call must name."""
    gate = g.get("gate")
    if gate is not None and response.is_json and response.status_code == 200:
        body = response.get_json()
        if isinstance(body, dict):
            body["enquiry_id"] = gate[1]
            response.set_data(jsonify(body).get_data())
    return response


def _first_run(data: dict[str, Any], kind: str) -> dict[str, Any] | None:
    """The result of the run the gate just made, when the call asks for a first page no
    longer than the run's: a search runs once per call, and the rows answered are among
    the rows held (R1)."""
    _scope(data)
    ran = g.gate[2]
    if ran is None or data.get("offset") not in (None, 0):
        return None
    if kind not in sp.PAGE:
        return ran
    limit, _ = page_args(data.get("limit", sp.PAGE[kind]), 0)
    if limit > sp.PAGE[kind]:
        return None
    return _first_page(ran, limit)


def _first_page(ran: dict[str, Any], limit: int) -> dict[str, Any]:
    """The run's first page cut to ``limit`` (its order is the page order)."""
    out = dict(ran)
    if "partners" in ran or "plates" in ran and isinstance(ran["plates"], list):
        key, total = ("partners", ran["partners_total"]) if "partners" in ran else \
            ("plates", ran["plates_total"])
        out[key] = ran[key][:limit]
        out["page"] = {"limit": limit, "offset": 0,
                       "next_offset": limit if limit < total else None}
        return out
    rows, keys = [], set()
    for r in ran["passages"]:  # a page holds ``limit`` keys (a duplicated read: both rows)
        k = (r["camera_id"], r["captured_at"], r["plate"])
        if k not in keys and len(keys) == limit:
            break
        keys.add(k)
        rows.append(r)
    out["passages"] = rows
    total = ran["passages_total"]
    out["page"] = {"limit": limit, "offset": 0,
                   "next_offset": len(keys) if len(keys) < total else None}
    return out


def _page(data: dict[str, Any]) -> tuple[int, int]:
    return page_args(data.get("limit"), data.get("offset"))


def _ok(result: dict[str, Any]) -> Response:
    return jsonify(jsonable(result))


@search_api.post("/plate")
@search_api.post("/plate/preview")
@requires("officer")
def plate_search():
    data = json_object()
    plates = normalise_plates(data.get("plates", data.get("plate")))
    args = dict(cameras=_cameras(data), scope=_scope(data), misreads=sp.misreads(data))
    if request.path.endswith("/preview"):
        return _ok(plate.plate_preview(get_conn(), plates, _window(data), **args))
    if (ran := _first_run(data, "plate")) is not None:
        return _ok(ran)
    limit, offset = _page(data)
    return _ok(plate.plate_history(get_conn(), plates, _window(data), limit=limit,
                                   offset=offset, **args))


@search_api.post("/partial")
@search_api.post("/partial/preview")
@requires("officer")
def partial_search():
    data = json_object()
    pattern = normalise_pattern(data.get("pattern"))
    # A wildcard-only pattern is a block search in disguise: it needs an explicit selection.
    anchored = partial.literal_ends(pattern) != ("", "")
    args = dict(cameras=_cameras(data, default_to_order=anchored), scope=_scope(data))
    if request.path.endswith("/preview"):
        return _ok(partial.partial_preview(get_conn(), pattern, _window(data), **args))
    if (ran := _first_run(data, "partial")) is not None:
        return _ok(ran)
    limit, offset = _page(data)
    return _ok(partial.partial_plate(get_conn(), pattern, _window(data), limit=limit,
                                     offset=offset, **args))


@search_api.post("/block")
@search_api.post("/block/preview")
@requires("officer")
def block_search():
    data = json_object()
    cams = _cameras(data, required=True)
    if request.path.endswith("/preview"):
        return _ok(block.block_preview(get_conn(), cams, _window(data), scope=_scope(data)))
    if (ran := _first_run(data, "block")) is not None:
        return _ok(ran)
    limit, offset = _page(data)
    return _ok(block.block_query(get_conn(), cams, _window(data), scope=_scope(data),
                                 limit=limit, offset=offset))


def _order_cameras(data: dict[str, Any]) -> tuple[str, ...] | None:
    """Convoy and route read the order's cameras, whatever the body names (as in the
    request flow: the preview counts what the run will read)."""
    scope = _scope(data)
    return scope.order_cameras() if scope is not None else None


def _target(data: dict[str, Any]) -> str:
    return normalise_plate(data.get("plate"))


@search_api.post("/convoy")
@search_api.post("/convoy/preview")
@requires("officer")
def convoy_search():
    data = json_object()
    target, window = _target(data), _window(data)
    if request.path.endswith("/preview"):
        return _ok(plate.plate_preview(get_conn(), (target,), window, scope=_scope(data),
                                       cameras=_order_cameras(data),
                                       misreads=sp.misreads(data)))
    scope = _scope(data)
    minutes, min_shared = sp.convoy_minutes(data, scope), sp.min_shared(data)
    if (ran := _first_run(data, "convoy")) is not None:
        return _ok(ran)
    limit, offset = page_args(data.get("limit", sp.PAGE["convoy"]), data.get("offset"))
    return _ok(convoy.convoy(get_conn(), target, window, minutes, scope=scope,
                             min_shared=min_shared, limit=limit, offset=offset,
                             misreads=sp.misreads(data)))


def _sites(data: dict[str, Any]) -> list[common.Site]:
    raw = data.get("sites")
    if not isinstance(raw, list) or not raw:
        raise BadInput("sites must be a list of {name, window, selection or cameras}")
    if len(raw) > common.MAX_SITES:
        raise BadInput(f"at most {common.MAX_SITES} sites")
    sites = []
    for i, s in enumerate(raw):
        if not isinstance(s, dict):
            raise BadInput("each site must be an object")
        name = s.get("name") if isinstance(s.get("name"), str) else f"site {i + 1}"
        sites.append(common.Site(name[:80], _cameras(s, required=True),
                                 _window(s, f"{name} window")))
    return sites


@search_api.post("/common")
@search_api.post("/common/preview")
@requires("officer")
def common_search():
    data = json_object()
    sites, k = _sites(data), sp.k(data)
    if request.path.endswith("/preview"):
        return _ok(common.common_preview(get_conn(), sites, k, scope=_scope(data)))
    if (ran := _first_run(data, "common")) is not None:
        return _ok(ran)
    limit, offset = page_args(data.get("limit", sp.PAGE["common"]), data.get("offset"))
    return _ok(common.common_plates(get_conn(), sites, k, scope=_scope(data), limit=limit,
                                    offset=offset, misreads=sp.misreads(data)))


def _route_args(data: dict[str, Any]) -> dict[str, Any]:
    return {"detour_min_s": sp.detour_seconds(data), "misreads": sp.misreads(data)}


@search_api.post("/route")
@search_api.post("/route/preview")
@requires("officer")
def route_search():
    data = json_object()
    target, window = _target(data), _window(data)
    if request.path.endswith("/preview"):
        return _ok(plate.plate_preview(get_conn(), (target,), window, scope=_scope(data),
                                       cameras=_order_cameras(data),
                                       misreads=sp.misreads(data)))
    args = _route_args(data)
    result = _first_run(data, "route") or route.route(get_conn(), target, window,
                                                      scope=_scope(data), **args)
    if data.get("format", "json") == "geojson":
        return Response(jsonify(jsonable(route.route_geojson(result))).get_data(),
                        mimetype="application/geo+json")
    return _ok({**result, "geojson": route.route_geojson(result)})


@search_api.post("/route/export")
@requires("officer")
def route_export():
    from gis.export import FORMATS, check_layer, export_route

    data = json_object()
    fmt = data.get("format")
    if fmt not in FORMATS:
        raise BadInput(f"format must be one of {', '.join(sorted(FORMATS))}")
    layer = check_layer(fmt, data.get("layer"))  # GeoJSON: one file per layer (issue 19)
    target, window, args = _target(data), _window(data), _route_args(data)
    result = _first_run(data, "route") or route.route(get_conn(), target, window,
                                                      scope=_scope(data), **args)
    payload, mimetype, suffix = export_route(result, fmt, layer)
    return Response(payload, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="route-{target}.{suffix}"'})


@search_api.post("/coverage")
@requires("officer")
def coverage_search():
    data = json_object()
    return _ok(coverage.coverage(get_conn(), _cameras(data, default_to_order=False), _window(data)))


_W = {"type": "object", "required": ["start", "end"],
      "properties": {"start": {"type": "string", "format": "date-time"},
                     "end": {"type": "string", "format": "date-time"}},
      "description": "Half-open window, ISO 8601 with an explicit offset, at most 28 days"}
_COMMON_PROPS = {"window": {"$ref": "#/components/schemas/SearchWindow",
                            "x-required-message": "window must be an object with start and "
                                                  "end (ISO 8601 with offset)"},
                 "selection": {"$ref": "#/components/schemas/Selection"},
                 "cameras": {"type": "array", "items": {"type": "string"}},
                 "scope": {"$ref": "#/components/schemas/SearchScope"},
                 "limit": {"type": "integer", "minimum": 0, "maximum": 10000},
                 "offset": {"type": "integer", "minimum": 0}}
_ERR = {"$ref": "#/components/responses/Error"}


_IN_REQUEST = {"request_id": {"type": "integer", "minimum": 1,
                              "description": "the confirmed request the search is made for "
                                             "(R5)",
                              "x-required-message": "searches run inside a request: give the "
                                                    "request_id of a confirmed request (R5: no "
                                                    "search without a concrete request)"},
               "enquiry_id": {"type": "integer", "minimum": 1,
                              "description": "the enquiry its count preview answered",
                              "x-required-message": "results follow a count preview: give the "
                                                    "enquiry_id the preview returned"}}
_RULES = ("Every search runs inside a confirmed request (`request_id`) and starts as a count "
          "preview (`…/preview`), which answers the `enquiry_id` that the result call must "
          "name with the same parameters (409 otherwise). A block search (Q3) needs an "
          "explicit selection (`selection` or `cameras`); an order that names plates "
          "refuses block (Q3) and common (Q5) searches (403).")


def _op(summary: str, props: dict[str, Any], description: str = "", *,
        stage: str = "run", fc: bool = False) -> dict[str, Any]:
    """A search operation; ``stage`` preview needs request_id, run and export the
    enquiry_id too, coverage neither."""
    required = {"preview": ["request_id"], "run": ["request_id", "enquiry_id"],
                "coverage": []}[stage]
    if "sites" not in props:  # Q5 gives a window per site
        required = required + ["window"]
    if stage != "coverage":
        description = (description + "\n\n" + _RULES).strip()
    ok = ({"description": "GeoJSON FeatureCollection (format geojson)", "content": {
        "application/json": {"schema": {"type": "object"}},
        "application/geo+json": {"schema": {"$ref": "#/components/schemas/FeatureCollection"}}}}
        if fc else {"description": "result", "content": {"application/json": {"schema": {
            "type": "object"}}}})
    return {"post": {"summary": summary, "description": description, "requestBody": {
        "required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": required,
            "properties": {**(_IN_REQUEST if stage != "coverage" else {}), **_COMMON_PROPS,
                           **props}}}}},
        "responses": {"200": ok, "400": _ERR, "403": _ERR, "409": _ERR}}}


_MISREADS = {"misreads": {"type": "boolean", "default": False,
                          "description": "including probable misreads (docs/misreads.md): "
                                         "each row says how it matched, exact first"}}
_PLATE = {"plates": {"type": "array", "items": {"type": "string"}}, **_MISREADS}
_PATTERN = {"pattern": {"type": "string", "example": "AB??12"}}
_TARGET = {"plate": {"type": "string"}, **_MISREADS}
_CONVOY = {**_TARGET, "minutes": {"type": "number", "minimum": 0.1, "maximum": 60, "default": 2,
                                  "description": "at most the order's convoy band"},
           "min_shared": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 2}}
_SITES = {**_MISREADS, "k": {"type": "integer", "minimum": 2, "maximum": 25, "default": 2}, "sites": {"type": "array", "items": {
    "type": "object", "properties": {"name": {"type": "string"},
                                     "window": {"$ref": "#/components/schemas/SearchWindow"},
                                     "selection": {"$ref": "#/components/schemas/Selection"},
                                     "cameras": {"type": "array", "items": {"type": "string"}}}}}}
_ROUTE = {**_TARGET, "detour_minutes": {"type": "number", "minimum": 1, "maximum": 600,
                                         "default": 15},
          "format": {"enum": ["json", "geojson"]}}

_EXPORT = _op(
    "Q6 route as a file", {**_ROUTE, "format": {"enum": ["geojson", "gpkg", "kml", "gpx"]},
                           "layer": {"enum": ["passages", "legs", "route"],
                                     "description": "with format geojson, required: GeoJSON "
                                                    "is one file per layer (passages: Points; "
                                                    "legs, route: LineStrings)"}},
    "GeoJSON, GeoPackage, KML or GPX, each with a time per vertex or point")
_EXPORT["post"]["responses"]["200"] = {"description": "the route file", "content": {
    "application/geo+json": {"schema": {"$ref": "#/components/schemas/FeatureCollection"}},
    **{t: {"schema": {"type": "string", "format": "binary"}} for t in (
        "application/geopackage+sqlite3", "application/vnd.google-earth.kml+xml",
        "application/gpx+xml")}}}
register_paths({
    "/api/v1/search/plate": _op("Q1 plate history", _PLATE),
    "/api/v1/search/plate/preview": _op("Q1 count preview", _PLATE, stage="preview"),
    "/api/v1/search/partial": _op("Q2 partial plate (? one character, * any run)", _PATTERN),
    "/api/v1/search/partial/preview": _op("Q2 count preview", _PATTERN, stage="preview"),
    "/api/v1/search/block": _op("Q3 block query at the selected cameras", {}),
    "/api/v1/search/block/preview": _op("Q3 count preview", {}, stage="preview"),
    "/api/v1/search/convoy": _op("Q4 convoy, ranked by significance", _CONVOY),
    "/api/v1/search/convoy/preview": _op("Q4 preview: the target's passages", _TARGET,
                                         stage="preview"),
    "/api/v1/search/common": _op("Q5 plates seen at k or more sites", _SITES),
    "/api/v1/search/common/preview": _op("Q5 count preview", _SITES, stage="preview"),
    "/api/v1/search/route": _op("Q6 route with leg flags (pgRouting); format geojson "
                                "answers application/geo+json", _ROUTE, fc=True),
    "/api/v1/search/route/preview": _op("Q6 preview: the plate's passages", _TARGET,
                                        stage="preview"),
    "/api/v1/search/route/export": _EXPORT,
    "/api/v1/search/coverage": _op("Cameras not active or not in the plan during a window", {},
                                   "Outside any request: names cameras, never plates.",
                                   stage="coverage"),
}, {
    "SearchWindow": _W,
    "SearchScope": {"type": "object", "description": "What the order allows (R5)",
                    "properties": {"windows": {"type": "array", "items": _W},
                                   "cameras": {"type": "array", "items": {"type": "string"}},
                                   "plates": {"type": "array", "items": {"type": "string"}},
                                   "patterns": {"type": "array", "items": {"type": "string"}},
                                   "reference": {"type": "string"}}},
})
