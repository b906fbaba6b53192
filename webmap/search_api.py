"""The search endpoints under /api/v1/search: thin views of the one search pipeline.

Each call is a search of a request like the request flow's (``casework.search_gate``):
``/search/{kind}/preview`` is the request's count preview (``casework.enquiries``), and
``/search/{kind}`` with the preview's ``enquiry_id`` runs it once and then pages through
what it held (``casework.results``), never running it again. The handlers parse the
body against its schema and render; times go out as ISO 8601 in UTC (the map shows them
in Europe/Amsterdam).
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from anpr.errors import BadInput
from casework import search_gate
from gis.search import coverage, route
from gis.search import params as sp
from gis.search.common import MAX_SITES
from gis.search.scope import MAX_PLATES, normalise_cameras, parse_window
from gis.selection import parse_selection, select_cameras
from webmap.auth import current_account, requires
from webmap.db import get_conn
from webmap.openapi import register_paths
from webmap.payload import json_object
from webmap.answers import ANSWERS
from webmap.schemas import ref

search_api = Blueprint("search_api", __name__)


def _ok(result: dict[str, Any]) -> Response:
    return jsonify(result)


def _search(kind: str) -> dict[str, Any]:
    data = json_object()
    if request.path.endswith("/preview"):
        return search_gate.preview(get_conn(), current_account(), kind, data)
    return search_gate.results_page(get_conn(), current_account(), kind, data)


@search_api.post("/plate")
@search_api.post("/plate/preview")
@requires("officer")
def plate_search():
    return _ok(_search("plate"))


@search_api.post("/partial")
@search_api.post("/partial/preview")
@requires("officer")
def partial_search():
    return _ok(_search("partial"))


@search_api.post("/block")
@search_api.post("/block/preview")
@requires("officer")
def block_search():
    return _ok(_search("block"))


@search_api.post("/convoy")
@search_api.post("/convoy/preview")
@requires("officer")
def convoy_search():
    return _ok(_search("convoy"))


@search_api.post("/common")
@search_api.post("/common/preview")
@requires("officer")
def common_search():
    return _ok(_search("common"))


@search_api.post("/route")
@search_api.post("/route/preview")
@requires("officer")
def route_search():
    result = _search("route")
    if request.path.endswith("/preview"):
        return _ok(result)
    if json_object().get("format", "json") == "geojson":
        return Response(jsonify(route.route_geojson(result)).get_data(),
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
    result = search_gate.route_export(get_conn(), current_account(), data)
    payload, mimetype, suffix = export_route(result, fmt, layer)
    return Response(payload, mimetype=mimetype, headers={
        "Content-Disposition":
            f'attachment; filename="route-{result["params"]["plate"]}.{suffix}"'})


@search_api.post("/coverage")
@requires("officer")
def coverage_search():
    """Which cameras were not active or not in the plan in a window: no passage is read,
    so no request is needed."""
    data = json_object()
    w = data.get("window")
    if not isinstance(w, dict):
        raise BadInput("window must be an object with start and end (ISO 8601 with offset)")
    window = parse_window(w.get("start"), w.get("end"))
    cams = None
    if data.get("selection") is not None:
        sel = parse_selection(data["selection"], sp.selection_limits())
        cams = tuple(c["id"] for c in select_cameras(get_conn(), sel))
        if not cams:
            raise BadInput("the selection resolves to no camera")
    elif data.get("cameras") is not None:
        cams = normalise_cameras(data["cameras"])
    return _ok(coverage.coverage(get_conn(), cams, window))


_W = {"type": "object", "required": ["start", "end"],
      "properties": {"start": {"type": "string", "format": "date-time"},
                     "end": {"type": "string", "format": "date-time"}},
      "description": "Half-open window, ISO 8601 with an explicit offset, at most 28 days"}
_WINDOW = {"window": {"$ref": "#/components/schemas/SearchWindow",
                      "x-required-message": "window must be an object with start and end "
                                            "(ISO 8601 with offset)"}}
_CAMERAS = {"selection": {"$ref": "#/components/schemas/Selection"},
            "cameras": {"type": "array", "items": {"type": "string", "maxLength": 64},
                        "description": "camera ids (instead of a selection)"}}
_PAGING = {"scope": {"$ref": "#/components/schemas/SearchScope"},
           "limit": {"type": "integer", "minimum": 0,
                     "description": "rows (Q1-Q3) or partners and plates (Q4, Q5) of the page; "
                                    "the search's page size by default, at most the "
                                    "configured maximum (ANPR_RESULTS_MAX_PAGE, 1000 by "
                                    "default)"},
           "offset": {"type": "integer", "minimum": 0,
                      "description": "where the page starts in the held results "
                                     "(`page.next_offset` of the page before)"}}
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
          "preview (`…/preview`): the request's preview, as `POST /requests/{id}/searches` "
          "makes it, recorded once; the same search asked again (its parameters as the "
          "search reads them) answers the one already previewed or run (`already`). The "
          "preview answers the `enquiry_id` that the result call must name with the same "
          "parameters (409 otherwise). The first result call runs the search once and "
          "holds what it finds with the request (R1); every later call (another `offset` "
          "or `limit`, the route as a file) reads the held rows, as "
          "`GET /searches/{id}/results` does, without running the search again. A block "
          "search (Q3) needs an explicit selection (`selection` or `cameras`); an order "
          "that names plates refuses block (Q3) and common (Q5) searches (403).")

_MISREADS = {"misreads": {"type": "boolean", "default": False,
                          "description": "including probable misreads (docs/misreads.md): "
                                         "each row says how it matched, exact first",
                          "x-message": "misreads (including probable misreads) must be "
                                       "true or false"}}
_PLATE_TEXT = {"type": "string", "maxLength": 40, "x-required-message": "a plate must be text"}
_TARGET = {"plate": _PLATE_TEXT, **_MISREADS}
#: Each search's parameters (gis.search.params reads them; it says what a schema cannot:
#: a plate's characters, a window's length, a selection's area): one schema per kind, the
#: body of the request flow's preview (``parameters``) and of the search endpoints alike.
PARAMETERS: dict[str, tuple[dict[str, Any], list[str]]] = {
    "plate": ({**_WINDOW, **_CAMERAS,
               "plates": {"type": "array", "items": {"type": "string", "maxLength": 40},
                          "description": f"1 to {MAX_PLATES} plates, as read or written "
                                         "(dashes, dots, spaces and case do not count)",
                          "example": ["AB123C"]}, **_MISREADS}, ["window"]),
    "partial": ({**_WINDOW, **_CAMERAS,
                 "pattern": {"type": "string", "maxLength": 40, "example": "AB??12",
                             "description": "? one character, * any run; a pattern with only "
                                            "wildcards needs a camera selection",
                             "x-required-message": "a pattern must be text"}},
                ["window", "pattern"]),
    "block": ({**_WINDOW, **_CAMERAS}, ["window"]),
    "convoy": ({**_WINDOW, **_TARGET,
                "minutes": {"type": "number", "minimum": 0.1, "maximum": 60,
                            "default": sp.CONVOY_MINUTES,
                            "description": "the band, +/- minutes around each of the target's "
                                           "passages; at most the order's convoy band"},
                "min_shared": {"type": "integer", "minimum": 1, "maximum": 1000,
                               "default": sp.MIN_SHARED}}, ["window", "plate"]),
    "common": ({**_MISREADS,
                "k": {"type": "integer", "minimum": 2, "maximum": MAX_SITES, "default": sp.K,
                      "description": "seen at this many sites or more"},
                "sites": {"type": "array",
                          "description": f"2 to {MAX_SITES} sites",
                          "x-required-message": "common-plate search needs a list of sites",
                          "items": {"type": "object", "required": ["window"],
                                    "description": "a camera selection (`selection` or "
                                                   "`cameras`) with its own window",
                                    "properties": {"name": {"type": "string", "maxLength": 80},
                                                   **_WINDOW, **_CAMERAS}}}}, ["sites"]),
    "route": ({**_WINDOW, **_TARGET,
               "detour_minutes": {"type": "number", "minimum": 1, "maximum": 600,
                                  "default": sp.DETOUR_MINUTES,
                                  "description": "a leg this much slower than the road "
                                                 "network's time is flagged detour_or_stop"}},
              ["window", "plate"]),
}
_NAMES = {kind: kind.capitalize() for kind in PARAMETERS}
#: Each search's answer (webmap.schemas): what a run and every later page return.
_ANSWER = {"plate": "PassagesAnswer", "partial": "PassagesAnswer", "block": "PassagesAnswer",
           "convoy": "ConvoyAnswer", "common": "CommonAnswer", "route": "RouteAnswer"}


def _op(summary: str, kind: str | None, description: str = "", *, stage: str = "run",
        extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """A search operation on the parameters of ``kind``: ``stage`` preview needs
    request_id, run and export the enquiry_id too, coverage neither."""
    props, needs = PARAMETERS[kind] if kind else ({**_WINDOW, **_CAMERAS}, ["window"])
    required = {"preview": ["request_id"], "run": ["request_id", "enquiry_id"],
                "coverage": []}[stage] + needs
    if stage != "coverage":
        description = (description + "\n\n" + _RULES).strip()
    if stage == "preview":
        ok = _json("the count preview, with the enquiry_id the result call names",
                   ref("SearchPreviewAnswer"))
    elif stage == "coverage":
        ok = _json("the coverage of the selected cameras (all cameras without a selection)",
                   ref("Coverage"))
    else:
        ok = _json("the search's answer: the first call runs it, later ones read what it "
                   "held", ref(_ANSWER[kind]))
    body = {**(_IN_REQUEST if stage != "coverage" else {}),
            **(_PAGING if stage == "run" else {}), **props, **(extra or {})}
    return {"post": {"summary": summary, "description": description, "requestBody": {
        "required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": required, "properties": body}}}},
        "responses": {"200": ok, "400": _ERR, "403": _ERR, "404": _ERR, "409": _ERR}}}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_FORMAT = {"format": {"enum": ["json", "geojson"],
                      "description": "geojson: the route alone, as application/geo+json"}}
_ROUTE_RUN = _op("Q6 route with leg flags (pgRouting); format geojson answers "
                 "application/geo+json", "route", extra=_FORMAT)
_ROUTE_RUN["post"]["responses"]["200"]["content"]["application/geo+json"] = {
    "schema": ref("RouteFeatures")}
_EXPORT = _op(
    "Q6 route as a file", "route",
    "GeoJSON, GeoPackage, KML or GPX, each with a time per vertex or point: the route "
    "through the passages the search held (run once if it has not run)",
    extra={"format": {"enum": ["geojson", "gpkg", "kml", "gpx"]},
           "layer": {"enum": ["passages", "legs", "route"],
                     "description": "with format geojson, required: GeoJSON is one file per "
                                    "layer (passages: Points; legs, route: LineStrings)"}})
_EXPORT["post"]["responses"]["200"] = {"description": "the route file", "content": {
    "application/geo+json": {"schema": {"$ref": "#/components/schemas/FeatureCollection"}},
    **{t: {"schema": {"type": "string", "format": "binary"}} for t in (
        "application/geopackage+sqlite3", "application/vnd.google-earth.kml+xml",
        "application/gpx+xml")}}}
_SUMMARY = {"plate": ("Q1 plate history", "Q1 count preview"),
            "partial": ("Q2 partial plate (? one character, * any run)", "Q2 count preview"),
            "block": ("Q3 block query at the selected cameras", "Q3 count preview"),
            "convoy": ("Q4 convoy, ranked by significance",
                       "Q4 preview: the target's passages"),
            "common": ("Q5 plates seen at k or more sites", "Q5 count preview"),
            "route": (None, "Q6 preview: the plate's passages")}
register_paths({
    **{f"/api/v1/search/{kind}": _op(run, kind) for kind, (run, _) in _SUMMARY.items()
       if run is not None},
    **{f"/api/v1/search/{kind}/preview": _op(preview, kind, stage="preview")
       for kind, (_, preview) in _SUMMARY.items()},
    "/api/v1/search/route": _ROUTE_RUN,
    "/api/v1/search/route/export": _EXPORT,
    "/api/v1/search/coverage": _op("Cameras not active or not in the plan during a window", None,
                                   "Outside any request: names cameras, never plates.",
                                   stage="coverage"),
}, {
    "SearchWindow": _W,
    "SearchScope": {"type": "object", "description": "What the order allows (R5); ignored: "
                                                     "the order's own scope holds",
                    "properties": {"windows": {"type": "array", "items": _W},
                                   "cameras": {"type": "array", "items": {"type": "string"}},
                                   "plates": {"type": "array", "items": {"type": "string"}},
                                   "patterns": {"type": "array", "items": {"type": "string"}},
                                   "reference": {"type": "string"}}},
    # The request flow's preview body (EnquiryPreview, webmap.schemas): one per kind.
    **{f"{name}Parameters": {"type": "object", "required": PARAMETERS[kind][1],
                             "properties": PARAMETERS[kind][0],
                             "description": f"The parameters of a {kind} search"}
       for kind, name in _NAMES.items()},
    **{f"{name}Enquiry": {"type": "object", "required": ["kind", "parameters"],
                          "properties": {"kind": {"enum": [kind]},
                                         "parameters": ref(f"{name}Parameters")}}
       for kind, name in _NAMES.items()},
    "SearchPreviewAnswer": {
        **ANSWERS["SearchPreview"],
        "required": [*ANSWERS["SearchPreview"]["required"], "enquiry_id"],
        "properties": {**ANSWERS["SearchPreview"]["properties"],
                       "enquiry_id": {"type": "integer"},
                       "already": {"enum": ["previewed", "run"],
                                   "description": "the same search asked before: this is it"},
                       "passages_kept": {"type": ["integer", "null"], "minimum": 0}}},
})
