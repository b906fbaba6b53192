"""The JSON Schemas of the API's answers: the shapes shared by the search endpoints, the
request flow and the held results, the casework and photo answers, and GeoJSON features
(``feature``, ``feature_collection``). The OpenAPI document (webmap.openapi) puts them
among its components beside the request bodies of ``webmap.schemas``, and in the tests
every answer is checked against them (webmap.openapi.check_response)."""
from __future__ import annotations

from typing import Any

from gis.search.params import KINDS
from webmap.schemas import BOX, DATE_TIME, REQUEST_STATES, ref

# -- answers: the shapes the API answers with, shared by the search endpoints, the request
# flow and the held results (webmap.openapi.check_response checks every answer in the
# tests against them). Required are the fields every answer carries; more may follow.
COUNT = {"type": "integer", "minimum": 0}
NULLABLE_TIME = {"anyOf": [DATE_TIME, {"type": "null"}]}
_TEXT_OR_NULL = {"type": ["string", "null"]}
_STRINGS = {"type": "array", "items": {"type": "string"}}
_MATCH = {
    "match": {"enum": ["exact", "alternative_read", "equivalent_characters"],
              "description": "how the read matched the ordered plate (a search including "
                             "probable misreads, docs/misreads.md)"},
    "likelihood": {"type": "number", "minimum": 0, "maximum": 1},
    "matched_plate": {"type": "string"}}
_ALTERNATIVES = {"type": "array", "description": "the camera's other candidate reads",
                 "items": {"type": "object", "required": ["plate", "confidence"],
                           "properties": {"plate": {"type": "string"},
                                          "confidence": {"type": "number", "minimum": 0,
                                                         "maximum": 1}}}}
_COVERAGE = {
    "window": ref("TimeWindow"),
    "cameras_selected": COUNT, "cameras_with_gaps": COUNT,
    "complete": {"type": "boolean",
                 "description": "no gap and no unknown camera: \"no passage\" may be read as "
                                "\"not seen at these cameras\""},
    "gaps": {"type": "array", "items": ref("CoverageGap")},
    "unknown_cameras": _STRINGS}
_COVERAGE_REQUIRED = ["window", "cameras_selected", "cameras_with_gaps", "complete", "gaps",
                      "unknown_cameras"]
_GEOMETRY = {"type": "object", "required": ["type", "coordinates"],
             "properties": {"type": {"enum": ["Point", "LineString", "Polygon",
                                              "MultiLineString", "MultiPolygon"]},
                            "coordinates": {"type": "array", "items": {}}}}


def feature(properties: dict[str, Any], required: list[str],
                  id_type: str = "string") -> dict[str, Any]:
    """A GeoJSON Feature whose properties are ``properties``."""
    return {"type": "object", "required": ["type", "geometry", "properties"],
            "properties": {"type": {"enum": ["Feature"]}, "id": {"type": id_type},
                           "geometry": _GEOMETRY,
                           "properties": {"type": "object", "required": required,
                                          "properties": properties}}}


def feature_collection(item: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of ``item`` (a Feature's schema or a ref)."""
    return {"type": "object", "required": ["type", "features"],
            "properties": {"type": {"enum": ["FeatureCollection"]},
                           "features": {"type": "array", "items": item},
                           "numberMatched": COUNT, **extra}}


ANSWERS: dict[str, dict[str, Any]] = {
    "TimeWindow": {"type": "object", "required": ["start", "end"],
                   "properties": {"start": DATE_TIME, "end": DATE_TIME}},
    "Page": {"type": "object", "required": ["limit", "offset", "next_offset"],
             "description": "Where this page lies in the held results; `next_offset` is the "
                            "next page's `offset`, null on the last",
             "properties": {"limit": COUNT, "offset": COUNT,
                            "next_offset": {"type": ["integer", "null"], "minimum": 0}}},
    "SearchPreview": {
        "type": "object",
        "required": ["passages", "plates", "verification_required", "verification_minutes"],
        "description": "A search's count preview: what a run would find, and the verification "
                       "work (R7), before any row is listed",
        "properties": {"passages": COUNT, "plates": COUNT, "cameras_hit": COUNT,
                       "verification_required": {"type": "boolean"},
                       "verification_minutes": {"type": "number", "minimum": 0},
                       "to_verify": {**COUNT, "description": "Q5 including probable misreads: "
                                                             "the reads to verify"},
                       "access_path": {"enum": ["plate", "prefix", "suffix", "camera"],
                                       "description": "Q2: the index the pattern is read by"}}},
    "CoverageGap": {
        "type": "object", "required": ["camera_id", "location_code", "reason", "note"],
        "description": "A selected camera that could not see everything in the window: its "
                       "registry status, active period, a status period, or not in the "
                       "published plan (then no 126jj passage is stored, R9)",
        "properties": {"camera_id": {"type": "string"}, "location_code": {"type": "string"},
                       "reason": {"type": "string", "pattern": "^(status_[a-z_]+|period_[a-z_]+"
                                                               "|not_yet_active|retired"
                                                               "|not_in_plan)$"},
                       "gap_start": NULLABLE_TIME, "gap_end": NULLABLE_TIME,
                       "note": _TEXT_OR_NULL}},
    "Coverage": {"type": "object", "required": _COVERAGE_REQUIRED, "properties": _COVERAGE,
                 "description": "Which selected cameras could not have seen anything in the "
                                "window: \"no passage found\" is never \"not there\" where a "
                                "camera had a gap"},
    "SiteCoverage": {"type": "object", "required": ["site", *_COVERAGE_REQUIRED],
                     "properties": {"site": {"type": "string"}, **_COVERAGE}},
    "Passage": {
        "type": "object",
        "required": ["id", "camera_id", "captured_at", "plate", "lon", "lat", "location_code"],
        "description": "A passage as a plate, partial or block search lists it",
        "properties": {"id": {"type": "integer"}, "camera_id": {"type": "string"},
                       "captured_at": DATE_TIME, "plate": {"type": "string"},
                       "plate_raw": _TEXT_OR_NULL, "country": _TEXT_OR_NULL,
                       "confidence": {"type": ["number", "null"]},
                       "lon": {"type": "number"}, "lat": {"type": "number"},
                       "location_code": {"type": "string"}, "location_name": _TEXT_OR_NULL,
                       "inout": {"enum": ["in", "out", None]},
                       "lane": {"type": ["integer", "null"]},
                       **_MATCH, "alternatives": _ALTERNATIVES}},
    "LocationCount": {
        "type": "object", "required": ["location_code", "lon", "lat", "passages", "plates"],
        "description": "The passages of a search at one camera location (the map's points)",
        "properties": {"location_code": {"type": "string"}, "location_name": _TEXT_OR_NULL,
                       "lon": {"type": "number"}, "lat": {"type": "number"},
                       "passages": COUNT, "plates": COUNT, "first_at": NULLABLE_TIME,
                       "last_at": NULLABLE_TIME}},
    "PassagesAnswer": {
        "type": "object",
        "required": ["search", "params", "passages_total", "plates_total",
                     "verification_required", "by_location", "passages", "page", "coverage"],
        "description": "Q1-Q3: a page of the held passages in the search's order, with the "
                       "totals, the points per location and the cameras' coverage",
        "properties": {
            "search": {"enum": ["plate", "partial", "block"]},
            "enquiry_id": {"type": "integer"},
            "params": {"type": "object", "required": ["window"], "properties": {
                "window": ref("TimeWindow"),
                "cameras": {"type": ["array", "null"], "items": {"type": "string"}},
                "plates": _STRINGS, "pattern": {"type": "string"},
                "misreads": {"type": "boolean"}}},
            "passages_total": COUNT, "plates_total": COUNT,
            "verification_required": {"type": "boolean"},
            "by_location": {"type": "array", "items": ref("LocationCount")},
            "passages": {"type": "array", "items": ref("Passage")},
            "page": ref("Page"), "coverage": ref("Coverage"),
            "misread_plates": {**COUNT, "description": "plates looked up as probable "
                                                       "misreads of the ordered ones"},
            "access_path": {"enum": ["plate", "prefix", "suffix", "camera"]}}},
    "ConvoyTarget": {
        "type": "object", "required": ["id", "at", "camera_id", "location_code"],
        "description": "A passage of the convoy's target plate",
        "properties": {"id": {"type": "integer"}, "at": DATE_TIME,
                       "camera_id": {"type": "string"}, "location_code": {"type": "string"},
                       "plate": {"type": "string"}, **_MATCH}},
    "ConvoyPartner": {
        "type": "object",
        "required": ["plate", "shared_passages", "locations", "location_codes", "score",
                     "offsets_s", "before", "after", "median_offset_s", "first_at", "last_at",
                     "passages"],
        "description": "A plate seen with the target: in how many of the target's passages' "
                       "bands and where, its time offsets (seconds, negative before the "
                       "target) and how unlikely that is by chance (`score`, ranked on)",
        "properties": {
            "plate": {"type": "string"}, "shared_passages": COUNT, "locations": COUNT,
            "location_codes": _STRINGS, "score": {"type": "number"},
            "offsets_s": {"type": "array", "items": {"type": "number"}},
            "before": COUNT, "after": COUNT, "median_offset_s": {"type": "number"},
            "first_at": DATE_TIME, "last_at": DATE_TIME,
            "passages": {"type": "array", "items": {
                "type": "object",
                "required": ["id", "target_id", "camera_id", "captured_at", "location_code",
                             "offset_s"],
                "properties": {"id": {"type": "integer"}, "target_id": {"type": "integer"},
                               "camera_id": {"type": "string"}, "captured_at": DATE_TIME,
                               "location_code": {"type": "string"},
                               "offset_s": {"type": "number"}}}}}},
    "ConvoyAnswer": {
        "type": "object",
        "required": ["search", "params", "target_passages", "vehicles_per_day_estimate",
                     "partners_total", "partners", "page"],
        "description": "Q4: the target's passages and a page of the partners in the convoy's "
                       "own ranking",
        "properties": {
            "search": {"enum": ["convoy"]}, "enquiry_id": {"type": "integer"},
            "params": {"type": "object", "required": ["plate", "window", "minutes",
                                                      "min_shared"],
                       "properties": {"plate": {"type": "string"}, "window": ref("TimeWindow"),
                                      "minutes": {"type": "number"}, "min_shared": COUNT,
                                      "misreads": {"type": "boolean"}}},
            "target_passages": {"type": "array", "items": ref("ConvoyTarget")},
            "vehicles_per_day_estimate": COUNT, "partners_total": COUNT,
            "partners": {"type": "array", "items": ref("ConvoyPartner")},
            "page": ref("Page")}},
    "CommonPlate": {
        "type": "object", "required": ["plate", "sites_count", "sites", "passages"],
        "description": "A plate seen at k or more of the sites, with its passages there",
        "properties": {
            "plate": {"type": "string"}, "sites_count": COUNT, "sites": _STRINGS,
            "passages": {"type": "array", "items": {
                "type": "object",
                "required": ["site", "camera_id", "location_code", "id", "captured_at"],
                "properties": {"site": {"type": "string"}, "camera_id": {"type": "string"},
                               "location_code": {"type": "string"}, "id": {"type": "integer"},
                               "captured_at": DATE_TIME, "plate": {"type": "string"},
                               **_MATCH}}}}},
    "CommonAnswer": {
        "type": "object", "required": ["search", "params", "plates_total", "plates", "page",
                                       "coverage"],
        "description": "Q5: a page of the plates seen at k or more sites, and each site's "
                       "coverage",
        "properties": {
            "search": {"enum": ["common"]}, "enquiry_id": {"type": "integer"},
            "params": {"type": "object", "required": ["k", "sites"], "properties": {
                "k": COUNT, "misreads": {"type": "boolean"},
                "sites": {"type": "array", "items": {
                    "type": "object", "required": ["name", "cameras", "window"],
                    "properties": {"name": {"type": "string"}, "cameras": _STRINGS,
                                   "window": ref("TimeWindow")}}}}},
            "plates_total": COUNT, "plates": {"type": "array", "items": ref("CommonPlate")},
            "page": ref("Page"),
            "coverage": {"type": "array", "items": ref("SiteCoverage")}}},
    "RoutePassage": {
        "type": "object",
        "required": ["id", "camera_id", "captured_at", "location_code", "lon", "lat"],
        "properties": {"id": {"type": "integer"}, "camera_id": {"type": "string"},
                       "captured_at": DATE_TIME, "location_code": {"type": "string"},
                       "lon": {"type": "number"}, "lat": {"type": "number"},
                       "plate": {"type": "string"}, **_MATCH}},
    "RouteLeg": {
        "type": "object",
        "required": ["index", "from_passage", "to_passage", "from_at", "to_at", "observed_s",
                     "expected_s", "flag", "coordinates", "times"],
        "description": "Two consecutive passages joined along the road network: observed "
                       "against expected travel time, flagged",
        "properties": {
            "index": COUNT, "from_passage": {"type": "integer"},
            "to_passage": {"type": "integer"}, "from_camera": {"type": "string"},
            "to_camera": {"type": "string"}, "from_location": {"type": "string"},
            "to_location": {"type": "string"}, "from_at": DATE_TIME, "to_at": DATE_TIME,
            "observed_s": {"type": "number"}, "expected_s": {"type": ["number", "null"]},
            "excess_s": {"type": ["number", "null"]}, "length_m": {"type": "number"},
            "straight_m": {"type": "number"}, "kmh_straight": {"type": ["number", "null"]},
            "flag": {"enum": ["ok", "detour_or_stop", "impossible", "no_route"]},
            "coordinates": {"type": "array", "items": {"type": "array",
                                                       "items": {"type": "number"},
                                                       "minItems": 2, "maxItems": 2}},
            "times": {"type": "array", "items": DATE_TIME,
                      "description": "a time per vertex of `coordinates`"}}},
    "RouteAnswer": {
        "type": "object",
        "required": ["search", "params", "passages_total", "truncated", "passages", "stops",
                     "legs", "flags"],
        "description": "Q6: the plate's passages in time order and the legs between them",
        "properties": {
            "search": {"enum": ["route"]}, "enquiry_id": {"type": "integer"},
            "params": {"type": "object", "required": ["plate", "window"], "properties": {
                "plate": {"type": "string"}, "window": ref("TimeWindow"),
                "misreads": {"type": "boolean"}}},
            "passages_total": COUNT, "truncated": {"type": "boolean"},
            "passages": {"type": "array", "items": ref("RoutePassage")},
            "stops": COUNT, "legs": {"type": "array", "items": ref("RouteLeg")},
            "flags": {"type": "object",
                      "required": ["ok", "detour_or_stop", "impossible", "no_route"],
                      "properties": {f: COUNT for f in ("ok", "detour_or_stop", "impossible",
                                                        "no_route")}},
            "geojson": ref("RouteFeatures")}},
    "RouteFeatures": feature_collection(feature(
        {"kind": {"enum": ["route", "leg", "passage"]}, "flag": {"type": "string"},
         "times": {"type": "array", "items": DATE_TIME}, "captured_at": DATE_TIME},
        ["kind"]), properties={"type": "object", "properties": {
            "plate": {"type": "string"}, "flags": {"type": "object"}}}),
    "SearchAnswer": {
        "description": "A search's answer in its own shape, by `search`: Q1-Q3 "
                       "PassagesAnswer, Q4 ConvoyAnswer, Q5 CommonAnswer, Q6 RouteAnswer",
        "oneOf": [ref("PassagesAnswer"), ref("ConvoyAnswer"), ref("CommonAnswer"),
                  ref("RouteAnswer")]},
    # -- casework: requests, their relations, searches, verification, photos, provision --
    "Crime": {"type": "object", "required": ["code", "label", "article", "pretrial_detention"],
              "properties": {"code": {"type": "string"}, "label": {"type": "string"},
                             "article": {"type": "string"},
                             "pretrial_detention": {"type": "boolean",
                                                    "description": "art. 67 lid 1 Sv applies: "
                                                                   "a 126jj search may be "
                                                                   "ordered"}}},
    "RequestSummary": {
        "type": "object",
        "required": ["id", "reference", "status", "received_at", "order_kind", "order_at",
                     "overdue", "searches", "unverified"],
        "description": "A request as the unit's dashboard lists it",
        "properties": {
            "id": {"type": "integer"}, "reference": {"type": "string"},
            "status": {"enum": list(REQUEST_STATES)}, "received_at": DATE_TIME,
            "order_kind": {"enum": ["written", "verbal"]}, "order_at": DATE_TIME,
            "written_order_at": NULLABLE_TIME, "written_order_due": NULLABLE_TIME,
            "overdue": {"type": "boolean", "description": "a verbal order whose written order "
                                                         "is past its three days"},
            "foreign_request": {"type": "boolean"},
            "officer_id": {"type": ["integer", "null"]}, "officer": _TEXT_OR_NULL,
            "investigation_number": {"type": "string"}, "investigation_name": {"type": "string"},
            "searches": {**COUNT, "description": "searches run"},
            "unverified": {**COUNT, "description": "reads still to verify"}}},
    "RequestList": {
        "type": "object",
        "required": ["requests", "open", "waiting_written_order", "overdue", "unverified",
                     "not_provided"],
        "description": "The unit's requests, newest first (at most 500), and its open work",
        "properties": {
            "requests": {"type": "array", "items": ref("RequestSummary")},
            "open": COUNT, "waiting_written_order": COUNT,
            "overdue": {"type": "array", "items": ref("RequestSummary")},
            "unverified": COUNT, "not_provided": COUNT}},
    "Colleague": {"type": "object", "required": ["id", "username", "full_name"],
                  "properties": {"id": {"type": "integer"}, "username": {"type": "string"},
                                 "full_name": {"type": "string"}}},
    "Member": {"type": "object", "required": ["id", "username", "role", "added_at"],
               "description": "A recorded member of the request's investigation",
               "properties": {"id": {"type": "integer"}, "username": {"type": "string"},
                              "full_name": {"type": "string"}, "role": {"type": "string"},
                              "unit_code": _TEXT_OR_NULL, "added_at": DATE_TIME,
                              "added_by": _TEXT_OR_NULL}},
    "Grant": {"type": "object", "required": ["id", "username", "role", "granted_at"],
              "description": "An account outside the investigation with sight of what was "
                             "provided (viewing level 2)",
              "properties": {"id": {"type": "integer"}, "username": {"type": "string"},
                             "full_name": {"type": "string"}, "role": {"type": "string"},
                             "unit_code": _TEXT_OR_NULL, "granted_at": DATE_TIME,
                             "granted_by": _TEXT_OR_NULL}},
    "Search": {
        "type": "object",
        "required": ["id", "kind", "parameters", "previewed_at", "run_at",
                     "stopped_after_preview", "result_count", "needs_verification", "officer"],
        "description": "A search of the request: previewed, run (then `result_count` "
                       "passages held) or stopped after its preview",
        "properties": {"id": {"type": "integer"}, "kind": {"enum": list(KINDS)},
                       "parameters": {"type": "object"},
                       "preview": {"anyOf": [ref("SearchPreview"), {"type": "null"}]},
                       "previewed_at": DATE_TIME, "run_at": NULLABLE_TIME,
                       "stopped_after_preview": {"type": "boolean"},
                       "result_count": {"type": ["integer", "null"], "minimum": 0},
                       "needs_verification": {"type": "boolean"},
                       "officer": {"type": "string"}}},
    "SearchRun": {
        "type": "object", "required": ["enquiry_id", "kind", "result", "passages_kept"],
        "description": "The run's answer: what it held, in the search's own shape (Q1-Q3 the "
                       "first page of rows, Q4-Q6 the whole answer); later pages from "
                       "GET /searches/{id}/results and /results/answer",
        "properties": {"enquiry_id": {"type": "integer"}, "kind": {"enum": list(KINDS)},
                       "result": ref("SearchAnswer"),
                       "passages_kept": {**COUNT, "description": "passages held with the "
                                                                 "request (R1)"}},
        "example": {"enquiry_id": 412, "kind": "plate", "passages_kept": 3, "result": {
            "search": "plate", "enquiry_id": 412,
            "params": {"plates": ["AB123C"], "cameras": None,
                       "window": {"start": "2026-11-20T00:00:00+01:00",
                                  "end": "2026-11-21T00:00:00+01:00"}},
            "passages_total": 3, "plates_total": 1, "verification_required": True,
            "by_location": [{"location_code": "MN-A12-004", "location_name": "A12 Utrecht-Oost",
                             "lon": 5.1214, "lat": 52.0907, "passages": 3, "plates": 1,
                             "first_at": "2026-11-20T08:14:03+01:00",
                             "last_at": "2026-11-20T17:40:11+01:00"}],
            "passages": [{"id": 81234, "camera_id": "MN-A12-004-R1",
                          "captured_at": "2026-11-20T08:14:03+01:00", "plate": "AB123C",
                          "plate_raw": "AB-123-C", "country": "NL", "confidence": 0.93,
                          "lon": 5.1214, "lat": 52.0907, "location_code": "MN-A12-004",
                          "location_name": "A12 Utrecht-Oost", "inout": "out", "lane": 1}],
            "page": {"limit": 1, "offset": 0, "next_offset": 1},
            "coverage": {"window": {"start": "2026-11-20T00:00:00+01:00",
                                    "end": "2026-11-21T00:00:00+01:00"},
                         "cameras_selected": 1324, "cameras_with_gaps": 0, "complete": True,
                         "gaps": [], "unknown_cameras": []}}}},
    "SearchStopped": {"type": "object", "required": ["enquiry_id", "stopped_after_preview"],
                      "properties": {"enquiry_id": {"type": "integer"},
                                     "stopped_after_preview": {"type": "boolean"}}},
    "Read": {
        "type": "object",
        "required": ["passage_id", "captured_at", "camera_id", "plate", "location_code",
                     "has_crop", "verdict", "verifiable", "match", "ordered_plate",
                     "individual", "machine", "spot_check"],
        "description": "A plate read to verify against its crop (R7)",
        "properties": {
            "passage_id": {"type": "integer"}, "captured_at": DATE_TIME,
            "camera_id": {"type": "string"}, "plate": {"type": "string"},
            "plate_raw": _TEXT_OR_NULL, "country": _TEXT_OR_NULL,
            "confidence": {"type": ["number", "null"]}, "location_code": {"type": "string"},
            "has_crop": {"type": "boolean"},
            "verdict": {"enum": ["confirmed", "rejected", None]},
            "verified_at": NULLABLE_TIME, "verified_by": _TEXT_OR_NULL,
            "verifiable": {"type": "boolean", "description": "false: no crop, no verdict "
                                                             "possible"},
            "status": {"type": "string", "description": "why not verifiable"},
            "match": _MATCH["match"],
            "ordered_plate": {"type": "string", "description": "the plate the crop must show; "
                                                               "name it in the verdict"},
            "individual": {"type": "boolean",
                           "description": "needs a verdict of its own: the plate reader "
                                          "disagrees, is unsure or has no opinion, or it is a "
                                          "probable misread"},
            "machine": {"anyOf": [{"type": "object", "required": ["read", "confidence", "flag"],
                                   "properties": {"read": {"type": "string"},
                                                  "confidence": {"type": "number"},
                                                  "flag": {"enum": ["disagrees", "unsure",
                                                                    "agrees"]},
                                                  "mark": _TEXT_OR_NULL}},
                                  {"type": "null"}],
                        "description": "the plate reader's opinion of the crop"},
            "crop": {"type": ["string", "null"],
                     "description": "crops=1: the plate crop as a data URL (null when its "
                                    "photo is gone)"},
            "spot_check": {"type": "boolean",
                           "description": "the page's spot-check read: answer it on its own"}}},
    "ReadsPage": {
        "type": "object",
        "required": ["reads", "page_size", "offset", "total", "verified", "not_verifiable",
                     "remaining", "own_remaining", "page"],
        "description": "A page of the request's reads and its counts; `page` is the page "
                       "handed out for verdicts (null when none is left to verify on it)",
        "properties": {
            "reads": {"type": "array", "items": ref("Read")},
            "page_size": {"type": "integer", "minimum": 1}, "offset": COUNT, "total": COUNT,
            "verified": COUNT, "not_verifiable": COUNT, "remaining": COUNT,
            "own_remaining": {**COUNT, "description": "reads still needing a verdict of "
                                                      "their own"},
            "page": {"anyOf": [ref("VerificationPage"), {"type": "null"}]}},
        "example": {"page_size": 50, "offset": 0, "total": 2, "verified": 0,
                    "not_verifiable": 0, "remaining": 2, "own_remaining": 1,
                    "reads": [
                        {"passage_id": 81234, "captured_at": "2026-11-20T08:14:03+01:00",
                         "camera_id": "MN-A12-004-R1", "plate": "AB123C",
                         "plate_raw": "AB-123-C", "country": "NL", "confidence": 0.93,
                         "location_code": "MN-A12-004", "has_crop": True, "verdict": None,
                         "verified_at": None, "verified_by": None, "verifiable": True,
                         "match": "exact", "ordered_plate": "AB123C", "individual": True,
                         "machine": {"read": "AB128C", "confidence": 0.71,
                                     "flag": "disagrees",
                                     "mark": "uitlezing wijkt af van de camera"},
                         "spot_check": False},
                        {"passage_id": 81250, "captured_at": "2026-11-20T08:19:41+01:00",
                         "camera_id": "MN-A12-005-L1", "plate": "AB123C",
                         "plate_raw": "AB 123 C", "country": "NL", "confidence": 0.98,
                         "location_code": "MN-A12-005", "has_crop": True, "verdict": None,
                         "verified_at": None, "verified_by": None, "verifiable": True,
                         "match": "exact", "ordered_plate": "AB123C", "individual": False,
                         "machine": {"read": "AB123C", "confidence": 0.99, "flag": "agrees",
                                     "mark": None},
                         "spot_check": True}],
                    "page": {"id": "0b7e4d52-6f0e-4c55-9a57-2f1f5c1f3a10", "reads": 2,
                             "confirmable": 1, "expires_at": "2026-12-01T10:00:00+01:00",
                             "spot_check": {"passage_id": 81250,
                                            "captured_at": "2026-11-20T08:19:41+01:00",
                                            "ordered_plate": "AB123C"}}}},
    "VerificationPage": {
        "type": "object", "required": ["id", "reads", "confirmable", "expires_at", "spot_check"],
        "description": "The page of reads handed out for verdicts (POST …/verdicts names its "
                       "`id`): its reads still to verify, how many may be confirmed with the "
                       "page, and the spot-check read to answer on its own",
        "properties": {"id": {"type": "string"}, "reads": COUNT, "confirmable": COUNT,
                       "expires_at": DATE_TIME,
                       "spot_check": {"anyOf": [{"type": "object",
                                                 "required": ["passage_id", "captured_at",
                                                              "ordered_plate"],
                                                 "properties": {
                                                     "passage_id": {"type": "integer"},
                                                     "captured_at": DATE_TIME,
                                                     "ordered_plate": {"type": "string"}}},
                                                {"type": "null"}]}}},
    "Provided": {
        "type": "object", "required": ["manifest", "sha256"],
        "description": "What was provided: the package's manifest and the package's SHA-256",
        "properties": {"manifest": ref("Manifest"), "sha256": {"type": "string"},
                       "downloaded_at": NULLABLE_TIME}},
    "Manifest": {
        "type": "object",
        "required": ["request", "order", "searches", "counts", "provided_by", "provided_at",
                     "files"],
        "description": "The provision package's manifest.json (DESIGN.md section 5)",
        "properties": {
            "request": {"type": "object", "required": ["reference"], "properties": {
                "reference": {"type": "string"}, "unit": {"type": "string"},
                "received_at": DATE_TIME, "requester": {"type": "string"},
                "investigation": {"type": "string"},
                "foreign_request": {"type": "boolean"}}},
            "order": {"type": "object", "required": ["reference"], "properties": {
                "reference": {"type": "string"}, "prosecutor": {"type": "string"},
                "office": {"type": "string"}, "at": DATE_TIME,
                "kind": {"enum": ["written", "verbal"]},
                "written_order_attached": {"type": "boolean"},
                "photos_ordered": {"type": "boolean"}}},
            "searches": {"type": "array", "items": {
                "type": "object", "required": ["id", "kind", "parameters"],
                "properties": {"id": {"type": "integer"}, "kind": {"enum": list(KINDS)},
                               "parameters": {"type": "object"}, "previewed_at": DATE_TIME,
                               "run_at": NULLABLE_TIME,
                               "stopped_after_preview": {"type": "boolean"},
                               "passages_found": {"type": ["integer", "null"]}}}},
            "counts": {"type": "object", "required": ["passages_provided"],
                       "additionalProperties": COUNT},
            "provided_by": {"type": "string"}, "provided_at": DATE_TIME,
            "files": {"type": "object", "additionalProperties": {"type": "string"},
                      "description": "file name: SHA-256"},
            "result": {"type": "string", "description": "not available: nothing found"}}},
    "Photo": {
        "type": "object",
        "required": ["passage_id", "captured_at", "plate", "camera_id", "photo_state",
                     "photo_message", "approved"],
        "description": "An overview photo to approve, in the state the detector left it",
        "properties": {
            "passage_id": {"type": "integer"}, "captured_at": DATE_TIME,
            "plate": {"type": "string"}, "camera_id": {"type": "string"},
            "location_code": _TEXT_OR_NULL,
            "photo_state": {"enum": ["blurred", "pending", "set_aside", "not_queued"],
                            "description": "only a blurred photo is shown"},
            "photo_message": {"type": "string"}, "photo_bericht": {"type": "string"},
            "approved": {"type": "boolean"},
            "boxes": {"type": ["array", "null"], "items": BOX},
            "approved_at": NULLABLE_TIME, "approved_by": _TEXT_OR_NULL}},
    "PhotosPage": {
        "type": "object",
        "required": ["photos", "total", "approved", "remaining", "pending", "not_available",
                     "unavailable", "offset", "page_size"],
        "properties": {
            "photos": {"type": "array", "items": ref("Photo")},
            "total": COUNT, "approved": COUNT, "remaining": COUNT, "pending": COUNT,
            "not_available": {**COUNT, "description": "set aside by the detector: not shown, "
                                                      "not provided"},
            "unavailable": {"type": "array", "items": {
                "type": "object", "required": ["passage_id", "captured_at", "photo_state",
                                               "reason"],
                "properties": {"passage_id": {"type": "integer"}, "captured_at": DATE_TIME,
                               "plate": {"type": "string"}, "location_code": _TEXT_OR_NULL,
                               "photo_state": {"type": "string"}, "reason": {"type": "string"},
                               "reden": {"type": "string"}}}},
            "offset": COUNT, "page_size": {"type": "integer", "minimum": 1}}},
    "PhotoApproved": {
        "type": "object",
        "required": ["passage_id", "captured_at", "boxes", "sha256", "approved_at",
                     "approved_by"],
        "description": "An approved photo: its irreversibly blurred copy is final",
        "properties": {"passage_id": {"type": "integer"}, "captured_at": DATE_TIME,
                       "boxes": {"type": "array", "items": BOX},
                       "image_key": {"type": "string"}, "sha256": {"type": "string"},
                       "approved_at": DATE_TIME, "approved_by": {"type": "string"}}},
    "PhotosApproved": {
        "type": "object", "required": ["approved", "count", "with_boxes"],
        "properties": {"approved": {"type": "array", "items": ref("PhotoApproved")},
                       "count": COUNT, "with_boxes": COUNT}},
}
