"""JSON API of a search's held results (casework.results): later pages, the table's sort
and filters, the timeline and the map's points per location, read from what the run
kept, never by running the search again (thin handlers)."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from anpr.errors import BadInput
from casework import results
from gis.search import params as sp
from webmap.auth import current_account, requires
from webmap.db import get_conn
from webmap.openapi import ERROR, register_paths
from webmap.answers import feature, feature_collection
from webmap.schemas import DATE_TIME, ref

results_api = Blueprint("results_api", __name__)


def _filters() -> results.Filters:
    return results.Filters.parse(request.args)


@results_api.get("/searches/<int:enquiry_id>/results")
@requires("officer")
def held_page(enquiry_id: int):
    order = request.args.get("order", "asc")
    if order not in ("asc", "desc"):
        raise BadInput("order must be asc or desc")
    return jsonify(results.page(
        get_conn(), current_account(), enquiry_id, limit=request.args.get("limit"),
        offset=request.args.get("offset"), sort=request.args.get("sort"),
        descending=order == "desc", filters=_filters()))


@results_api.get("/searches/<int:enquiry_id>/results/histogram")
@requires("officer")
def held_histogram(enquiry_id: int):
    return jsonify(results.histogram(get_conn(), current_account(), enquiry_id,
                                     buckets=request.args.get("buckets", 48),
                                     filters=_filters()))


@results_api.get("/searches/<int:enquiry_id>/results/locations")
@requires("officer")
def held_locations(enquiry_id: int):
    body = jsonify(results.locations(get_conn(), current_account(), enquiry_id,
                                     filters=_filters()))
    body.mimetype = "application/geo+json"
    return body


@results_api.get("/searches/<int:enquiry_id>/results/plates")
@requires("officer")
def held_plates(enquiry_id: int):
    return jsonify(results.plates(get_conn(), current_account(), enquiry_id,
                                  limit=request.args.get("limit"), filters=_filters()))


@results_api.get("/searches/<int:enquiry_id>/results/answer")
@requires("officer")
def held_answer(enquiry_id: int):
    return jsonify(results.held_view(get_conn(), current_account(), enquiry_id,
                                     limit=request.args.get("limit"),
                                     offset=request.args.get("offset")))


@results_api.get("/searches/<int:enquiry_id>/results/route")
@requires("officer")
def held_route(enquiry_id: int):
    body = jsonify(results.route_geojson(get_conn(), current_account(), enquiry_id))
    body.mimetype = "application/geo+json"
    return body


_EID = {"name": "enquiry_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_FILTERS = [
    {"name": "plate", "in": "query", "schema": {"type": "string", "maxLength": 40},
     "description": "Plate or part of one (dashes and case ignored)"},
    {"name": "camera", "in": "query", "schema": {"type": "string", "maxLength": 64}},
    {"name": "location", "in": "query", "schema": {"type": "string", "maxLength": 64}},
    {"name": "from", "in": "query", "schema": {"type": "string", "format": "date-time"},
     "description": "ISO 8601 with offset; inclusive"},
    {"name": "to", "in": "query", "schema": {"type": "string", "format": "date-time"},
     "description": "ISO 8601 with offset; exclusive"},
    {"name": "state", "in": "query", "schema": {"enum": list(results.STATES)},
     "description": "Verification state (R7)"},
]
_COUNT = {"type": "integer", "minimum": 0}
_TEXT_OR_NULL = {"type": ["string", "null"]}
#: A row of the held results' table (the rows to sort and filter).
_HELD_ROW = {
    "type": "object",
    "required": ["passage_id", "captured_at", "camera_id", "plate", "lon", "lat",
                 "location_code", "needs_verification", "has_crop", "state"],
    "properties": {
        "passage_id": {"type": "integer"}, "captured_at": DATE_TIME,
        "camera_id": {"type": "string"}, "plate": {"type": "string"},
        "plate_raw": _TEXT_OR_NULL, "country": _TEXT_OR_NULL,
        "confidence": {"type": ["number", "null"]}, "lon": {"type": "number"},
        "lat": {"type": "number"}, "location_code": {"type": "string"},
        "location_name": _TEXT_OR_NULL, "direction": {"enum": ["in", "out", None]},
        "lane": {"type": ["integer", "null"]},
        "needs_verification": {"type": "boolean", "description": "a plate read, verified "
                                                                 "against its crop (R7)"},
        "has_crop": {"type": "boolean"}, "state": {"enum": list(results.STATES)},
        "match": {"enum": ["exact", "alternative_read", "equivalent_characters"]},
        "likelihood": {"type": "number"}, "matched_plate": {"type": "string"},
        "alternatives": {"type": "array", "items": {
            "type": "object", "required": ["plate", "confidence"],
            "properties": {"plate": {"type": "string"}, "confidence": {"type": "number"}}}}}}
_ANSWERS = {
    "HeldPage": {
        "type": "object", "required": ["enquiry_id", "kind", "held", "total", "passages",
                                       "page"],
        "description": "A page of a search's held results under the filters",
        "properties": {"enquiry_id": {"type": "integer"}, "kind": {"enum": list(sp.KINDS)},
                       "held": {**_COUNT, "description": "passages the run held"},
                       "total": {**_COUNT, "description": "rows under the filters"},
                       "passages": {"type": "array", "items": _HELD_ROW},
                       "page": ref("Page")},
        "example": {"enquiry_id": 412, "kind": "plate", "held": 3, "total": 3,
                    "passages": [{"passage_id": 81234, "captured_at":
                                  "2026-11-20T08:14:03+01:00", "camera_id": "MN-A12-004-R1",
                                  "plate": "AB123C", "plate_raw": "AB-123-C", "country": "NL",
                                  "confidence": 0.93, "lon": 5.1214, "lat": 52.0907,
                                  "location_code": "MN-A12-004",
                                  "location_name": "A12 Utrecht-Oost", "direction": "out",
                                  "lane": 1, "needs_verification": True, "has_crop": True,
                                  "state": "unverified"}],
                    "page": {"limit": 1, "offset": 0, "next_offset": 1}}},
    "HeldHistogram": {
        "type": "object", "required": ["enquiry_id", "total", "buckets"],
        "properties": {"enquiry_id": {"type": "integer"}, "total": _COUNT,
                       "buckets": {"type": "array", "items": {
                           "type": "object", "required": ["start", "end", "passages"],
                           "properties": {"start": DATE_TIME, "end": DATE_TIME,
                                          "passages": _COUNT}}}}},
    "HeldLocations": feature_collection(feature(
        {"code": {"type": "string"}, "name": _TEXT_OR_NULL, "passages": _COUNT,
         "plates": _COUNT, "first": DATE_TIME, "last": DATE_TIME},
        ["code", "passages", "plates", "first", "last"])),
    "HeldPlates": {
        "type": "object", "required": ["enquiry_id", "kind", "total", "plates"],
        "properties": {"enquiry_id": {"type": "integer"}, "kind": {"enum": list(sp.KINDS)},
                       "total": _COUNT, "plates": {"type": "array", "items": {
                           "type": "object",
                           "required": ["plate", "passages", "locations", "location_codes",
                                        "target", "first", "last"],
                           "properties": {"plate": {"type": "string"}, "passages": _COUNT,
                                          "locations": _COUNT,
                                          "location_codes": {"type": "array",
                                                             "items": {"type": "string"}},
                                          "target": {"type": "boolean",
                                                     "description": "the search's own plate"},
                                          "first": DATE_TIME, "last": DATE_TIME}}}}},
    "HeldRoute": feature_collection(feature(
        {"layer": {"enum": ["route", "legs", "passages"]}, "plate": {"type": "string"},
         "from_at": DATE_TIME, "to_at": DATE_TIME, "captured_at": DATE_TIME,
         "flag": {"enum": ["ok", "detour_or_stop", "impossible", "no_route"]}},
        ["layer"]), name={"type": "string"}),
}


def _ok(name: str, mime: str = "application/json") -> dict:
    return {"description": "ok", "content": {mime: {"schema": ref(name)}}}


_HELD = ("Read from the passages the run kept (live, or the secured copy after expiry): "
         "the search is not run again and nothing is added to the audit log. 409 before "
         "the search has run; 404 for a search that is not the caller's to handle.")
register_paths({
    "/api/v1/searches/{enquiry_id}/results": {"get": {
        "summary": "A page of a search's held results, sorted and filtered",
        "description": _HELD + " Pages by offset over a stable order; any page size up to "
                       "the configured maximum (ANPR_RESULTS_MAX_PAGE, 1000 by default; a "
                       "larger `limit` is a 400); `page.next_offset` is null on the last "
                       "page.",
        "parameters": [_EID, *_FILTERS,
                       {"name": "limit", "in": "query",
                        "schema": {"type": "integer", "minimum": 0, "default": 100},
                        "description": "rows of the page, at most ANPR_RESULTS_MAX_PAGE"},
                       {"name": "offset", "in": "query",
                        "schema": {"type": "integer", "minimum": 0, "default": 0}},
                       {"name": "sort", "in": "query", "schema": {"enum": list(results.SORTS)}},
                       {"name": "order", "in": "query", "schema": {"enum": ["asc", "desc"]}}],
        "responses": {"200": _ok("HeldPage"), "400": ERROR, "404": ERROR, "409": ERROR}}},
    "/api/v1/searches/{enquiry_id}/results/histogram": {"get": {
        "summary": "The held results over time in equal buckets (the timeline)",
        "description": _HELD, "parameters": [
            _EID, *_FILTERS, {"name": "buckets", "in": "query",
                              "schema": {"type": "integer", "minimum": 1, "maximum": 500}}],
        "responses": {"200": _ok("HeldHistogram"), "400": ERROR, "404": ERROR,
                      "409": ERROR}}},
    "/api/v1/searches/{enquiry_id}/results/locations": {"get": {
        "summary": "The held results per camera location, as GeoJSON points with counts",
        "description": _HELD, "parameters": [_EID, *_FILTERS],
        "responses": {"200": _ok("HeldLocations", "application/geo+json"),
                      "400": ERROR, "404": ERROR, "409": ERROR}}},
    "/api/v1/searches/{enquiry_id}/results/plates": {"get": {
        "summary": "The held results per plate, ranked (a search's own plate first, then by "
                   "locations and passages): convoy partners, common plates",
        "description": _HELD, "parameters": [
            _EID, *_FILTERS, {"name": "limit", "in": "query",
                              "schema": {"type": "integer", "minimum": 0},
                              "description": "plates listed, at most ANPR_RESULTS_MAX_PAGE"}],
        "responses": {"200": _ok("HeldPlates"), "400": ERROR, "404": ERROR, "409": ERROR}}},
    "/api/v1/searches/{enquiry_id}/results/answer": {"get": {
        "summary": "The held results as the search answers them: Q1-Q3 a page of rows in the "
                   "search's order with totals and points per location; Q4 the target's "
                   "passages and a page of partners in the convoy's own ranking (score, shared "
                   "passages, offsets); Q5 a page of the common plates; Q6 the route through "
                   "every held passage",
        "description": _HELD + " The same answer as the run's and as the search endpoints' "
                       "later calls (`POST /search/{kind}` with `enquiry_id`). `limit`: rows "
                       "(Q1-Q3) or partners and plates (Q4, Q5), the search's page size by "
                       "default, at most ANPR_RESULTS_MAX_PAGE.",
        "parameters": [_EID,
                       {"name": "limit", "in": "query", "schema": {"type": "integer",
                                                                   "minimum": 0}},
                       {"name": "offset", "in": "query",
                        "schema": {"type": "integer", "minimum": 0, "default": 0}}],
        "responses": {"200": _ok("SearchAnswer"), "400": ERROR, "404": ERROR, "409": ERROR}}},
    "/api/v1/searches/{enquiry_id}/results/route": {"get": {
        "summary": "A route search's route through its held, not rejected passages (GeoJSON "
                   "layers route, legs with their flag, passages); the package's is the same",
        "description": _HELD, "parameters": [_EID],
        "responses": {"200": _ok("HeldRoute", "application/geo+json"),
                      "400": ERROR, "404": ERROR, "409": ERROR}}},
}, _ANSWERS)
