"""The JSON Schemas of the API's request and answer bodies: one source for the OpenAPI
document (webmap.openapi) and for the check every JSON body passes before its handler runs
(:func:`check_body`). A body the document calls invalid is refused with a 400 that names
each problem (``details.problems``: the field's path and what is wrong), so the document
and the server cannot disagree. The handlers and the domain functions still check what a
schema cannot say (a crime that qualifies, a window inside the order).
"""
from __future__ import annotations

from typing import Any

from anpr.errors import BadInput

REF = "#/components/schemas/"


def ref(name: str) -> dict[str, str]:
    return {"$ref": REF + name}


#: An offset PostgreSQL can store: at most 15:59 from UTC (real ones lie within 14:00).
DATE_TIME = {"type": "string", "format": "date-time",
             "pattern": r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?"
                        r"([Zz]|[+-](0\d|1[0-5]):?[0-5]\d)$",
             "description": "ISO 8601 with an explicit offset, e.g. 2026-12-01T20:09:57+01:00"}
TEXT = {"type": "string", "minLength": 1, "maxLength": 4000}
ID_OR_NAME = {"oneOf": [{"type": "integer", "minimum": 1}, {"type": "string", "minLength": 1,
                                                               "maxLength": 64}],
              "description": "an account id or username"}
BOX = {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4,
       "description": "[x1, y1, x2, y2] in pixels of the photo"}
JSON_OBJECT = {"type": "object"}
JSON_ANY = {"description": "JSON"}

SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": {"type": "object", "required": ["error", "message"],
              "properties": {"error": {"type": "string", "description": "a stable code"},
                             "message": {"type": "string",
                                         "description": "safe to show the user (English, "
                                                        "for integrators and logs)"},
                             "bericht": {"type": "string",
                                         "description": "the same refusal in Dutch, as "
                                                        "the officers' pages show it"},
                             "details": {"type": "object"}}},
    "Login": {"type": "object", "required": ["username", "password"],
              "properties": {"username": {"type": "string", "minLength": 1, "maxLength": 64},
                             "password": {"type": "string", "minLength": 1,
                                          "maxLength": 256}},
              "example": {"username": "officer.mn", "password": "…"}},
    "PasswordChange": {
        "type": "object", "required": ["current", "new", "repeat"],
        "description": "The account's own password: the current one and the new one twice; "
                       "on success the account's other sessions end",
        "properties": {"current": {"type": "string", "minLength": 1, "maxLength": 256},
                       "new": {"type": "string", "minLength": 1, "maxLength": 256},
                       "repeat": {"type": "string", "minLength": 1, "maxLength": 256}},
        "example": {"current": "…", "new": "…", "repeat": "…"}},
    "Session": {"type": "object", "required": ["csrf_token"], "properties": {
        "csrf_token": {"type": "string",
                       "description": "send it as X-CSRF-Token on every write"},
        "username": {"type": "string"}, "role": {"type": "string"},
        "unit": {"type": ["string", "null"]},
        "account": {"type": ["object", "null"]}}},
    "Investigation": {
        "type": "object", "required": ["system", "number", "name"],
        "description": "The investigation in the registration system (BVH or Summ-IT); one "
                       "investigation number is one investigation",
        "properties": {"system": {"enum": ["BVH", "Summ-IT"]},
                       "number": {"type": "string", "minLength": 1, "maxLength": 64},
                       "name": {"type": "string", "minLength": 1, "maxLength": 200}}},
    "OrderWindow": {"type": "object", "required": ["start", "end"],
                    "properties": {"start": DATE_TIME, "end": DATE_TIME},
                    "description": "Half-open, at most 28 days, the end after the start"},
    "OrderScope": {
        "type": "object", "required": ["windows"],
        "description": "What the prosecutor's order allows (R5): time windows, and the "
                       "cameras, locations, drawn areas and plates it names",
        "properties": {
            "windows": {"type": "array", "minItems": 1, "maxItems": 50,
                        "items": ref("OrderWindow"),
                        "x-message": "the order's scope needs at least one time window "
                                     "(at most 50)"},
            "plates": {"type": "array", "items": {"type": "string", "maxLength": 20}},
            "patterns": {"type": "array", "items": {"type": "string", "maxLength": 20}},
            "cameras": {"type": "array", "items": {"type": "string"}},
            "locations": {"type": "array", "items": {"type": "string"}},
            "areas": {"type": "array", "maxItems": 50, "items": ref("Selection")}}},
    "RequestRegistration": {
        "type": "object",
        "required": ["received_at", "requester_name", "requester_function", "order_reference",
                     "prosecutor", "prosecutor_office", "order_at", "order_kind", "purpose",
                     "facts", "suspect", "investigation", "scope"],
        "description": "A request and the prosecutor's order behind it. The crime must "
                       "allow pre-trial detention (art. 67 lid 1 Sv; `crime_code` from GET "
                       "/api/v1/crimes), or the request is a search for a fugitive "
                       "(`fugitive`); a known crime that does not qualify is registered as "
                       "rejected (422, with the reason).",
        "properties": {
            "received_at": DATE_TIME, "order_at": {**DATE_TIME, "description":
                                                   "when the order was given; not in the future"},
            "requester_name": TEXT, "requester_function": TEXT, "order_reference": TEXT,
            "prosecutor": TEXT, "prosecutor_office": TEXT, "purpose": TEXT, "facts": TEXT,
            "suspect": TEXT,
            "order_kind": {"enum": ["written", "verbal"],
                           "description": "a verbal order needs its written order within "
                                          "three days (POST …/written-order)"},
            "crime_code": {"type": ["string", "null"], "maxLength": 20, "example": "289"},
            "fugitive": {"type": "boolean", "default": False},
            "foreign_request": {"type": "boolean", "default": False},
            "photos": {"type": "boolean", "default": False,
                       "description": "the order asks for overview photos (R8)"},
            "convoy_minutes": {"type": ["integer", "null"], "minimum": 0, "maximum": 60},
            "investigation": ref("Investigation"),
            "scope": ref("OrderScope")},
        "example": {"received_at": "2026-12-01T09:00:00+01:00", "requester_name": "J. de Vries",
                    "requester_function": "rechercheur", "order_reference": "OvJ-2026-118",
                    "prosecutor": "mr. A. Bakker", "prosecutor_office": "Parket Midden-NL",
                    "order_at": "2026-12-01T08:30:00+01:00", "order_kind": "written",
                    "crime_code": "289", "purpose": "reconstructie", "facts": "…",
                    "suspect": "…",
                    "investigation": {"system": "BVH", "number": "2026-0042",
                                      "name": "Onderzoek Eik"},
                    "scope": {"windows": [{"start": "2026-11-20T00:00:00+01:00",
                                           "end": "2026-11-21T00:00:00+01:00"}],
                              "plates": ["AB123C"]}}},
    "Correction": {"type": "object", "required": ["changes", "reason"],
                   "description": "A correction of registered fields as a new, logged version",
                   "properties": {"changes": {"type": "object", "minProperties": 1,
                                              "description": "field: new value, as in "
                                                             "RequestRegistration"},
                                  "reason": {"type": "string", "minLength": 1,
                                             "maxLength": 2000}}},
    "Reason": {"type": "object", "required": ["reason"],
               "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 2000}}},
    "Empty": {"type": "object", "maxProperties": 0, "description": "no body, or {}"},
    "AccountRef": {"type": "object", "required": ["account"],
                   "properties": {"account": ID_OR_NAME}},
    "Handover": {"type": "object", "required": ["to", "reason"],
                 "properties": {"to": ID_OR_NAME,
                                "reason": {"type": "string", "minLength": 1,
                                           "maxLength": 2000}}},
    "Requester": {"type": "object", "required": ["account"],
                  "properties": {"account": {"oneOf": [{"type": "integer"}, {"type": "string"},
                                                       {"type": "null"}]}}},
    "EnquiryPreview": {
        "type": "object", "required": ["kind", "parameters"],
        "description": "A search inside the request's order, first as a count preview; "
                       "POST /api/v1/searches/{enquiry_id}/run runs it once and holds what "
                       "it finds, which GET /api/v1/searches/{enquiry_id}/results pages "
                       "through. The same search asked again (its parameters as the search "
                       "reads them) answers 200 with the one already previewed or run "
                       "(`already`). Block (Q3) needs an explicit `selection` or `cameras`; "
                       "an order that names plates refuses block (Q3) and common (Q5) "
                       "searches.",
        "properties": {"kind": {"enum": ["plate", "partial", "block", "convoy", "common",
                                         "route"]},
                       "parameters": {"type": "object",
                                      "description": "the search's parameters, as the body "
                                                     "of /api/v1/search/{kind} names them "
                                                     "(no request_id, enquiry_id, limit or "
                                                     "offset)"}},
        "example": {"kind": "plate", "parameters": {
            "plates": ["AB123C"], "window": {"start": "2026-11-20T00:00:00+01:00",
                                             "end": "2026-11-21T00:00:00+01:00"}}}},
    "Verdict": {"type": "object", "required": ["passage_id", "captured_at", "verdict"],
                "properties": {"passage_id": {"type": "integer", "minimum": 1},
                               "captured_at": DATE_TIME,
                               "verdict": {"enum": ["confirmed", "rejected"]},
                               "ordered_plate": {
                                   "type": "string", "maxLength": 20,
                                   "description": "the plate the crop was compared with, as "
                                                  "the reads list gives it (needed only when "
                                                  "a read is asked against two plates)"}}},
    "Verdicts": {"type": "object", "required": ["verdicts"],
                 "properties": {
                     "page": {"type": "string", "maxLength": 64,
                              "description": "the id of the page of reads handed out by the "
                                             "reads list (required: 409 without it)"},
                     "verdicts": {"type": "array", "maxItems": 500, "items": ref("Verdict"),
                                  "description": "the officer's own verdicts, read by read"},
                     "spot_check": {"allOf": [ref("Verdict")],
                                    "description": "the officer's own verdict on the page's "
                                                   "spot-check read"},
                     "confirm_rest": {"type": "boolean", "default": False,
                                      "description": "confirm the page's reads that the plate "
                                                     "reader agrees with and that got no "
                                                     "verdict of their own"}},
                 "example": {"page": "0b7e4d52-6f0e-4c55-9a57-2f1f5c1f3a10",
                             "verdicts": [{"passage_id": 81234, "verdict": "rejected",
                                           "captured_at": "2026-11-20T08:14:03+01:00"}],
                             "spot_check": {"passage_id": 81250, "verdict": "confirmed",
                                            "captured_at": "2026-11-20T08:19:41+01:00"},
                             "confirm_rest": True}},
    "VerdictsStored": {
        "type": "object",
        "required": ["stored", "already_verified", "confirmed_with_page",
                     "left_for_own_verdict"],
        "properties": {"stored": {"type": "integer", "minimum": 0},
                       "already_verified": {"type": "integer", "minimum": 0},
                       "confirmed_with_page": {"type": "integer", "minimum": 0},
                       "left_for_own_verdict": {"type": "integer", "minimum": 0}}},
    "PhotoApproval": {"type": "object",
                      "properties": {"boxes": {"type": "array", "maxItems": 200, "items": BOX,
                                               "default": []}}},
    "PagePhotoApproval": {
        "type": "object", "required": ["photos"],
        "properties": {"photos": {"type": "array", "maxItems": 100, "items": {
            "type": "object", "required": ["passage_id"],
            "properties": {"passage_id": {"type": "integer", "minimum": 1},
                           "boxes": {"type": "array", "maxItems": 200, "items": BOX}}}}}},
    "WrittenOrder": {"type": "object", "required": ["document"],
                     "properties": {"document": {"type": "string", "format": "binary",
                                                 "description": "PDF or image of the order"}}},
    "Request": {
        "type": "object", "required": ["id", "reference", "status"],
        "description": "A request as registered; times ISO 8601 with offset",
        "properties": {"id": {"type": "integer"}, "reference": {"type": "string"},
                       "status": {"type": "string"},
                       "received_at": DATE_TIME, "order_at": DATE_TIME,
                       "qualification": {"type": "object", "properties": {
                           "ok": {"type": "boolean"}, "reason": {"type": "string"}}}}},
    "Enquiry": {"type": "object", "required": ["enquiry_id"],
                "properties": {"enquiry_id": {"type": "integer"}}},
}


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
                            "coordinates": {"type": "array"}}}


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
}
SCHEMAS.update(ANSWERS)


def check_body(schema: dict[str, Any], components: dict[str, Any], body: Any) -> None:
    """Refuse ``body`` unless it is valid against ``schema`` (refs into ``components``)."""
    from jsonschema import Draft202012Validator

    root = {"components": components, "allOf": [schema]}
    errors = sorted(Draft202012Validator(root).iter_errors(body),
                    key=lambda e: list(e.absolute_path))
    if not errors:
        return
    problems = [{"field": ".".join(str(p) for p in e.absolute_path) or "(body)",
                 "problem": _problem(e)} for e in errors[:20]]
    raise BadInput(problems[0]["problem"], details={"problems": problems})


def _words(values: list[Any]) -> str:
    names = [str(v) for v in values]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _problem(error) -> str:
    """What is wrong, in words a person can act on (a schema may give its own,
    ``x-message``)."""
    path = [str(p) for p in error.absolute_path]
    field = ".".join(path) or "the body"
    leaf = path[-1] if path else "the body"
    if isinstance(error.schema, dict) and error.schema.get("x-message"):
        return error.schema["x-message"]
    kind, value = error.validator, error.validator_value
    if kind == "pattern" and error.schema.get("format") == "date-time":
        return (f"{field}: give the time as ISO 8601 with its UTC offset (at most 15:59), "
                f"e.g. 2026-12-01T20:09:57+01:00")
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        sub = (error.schema.get("properties") or {}).get(missing) or {}
        if isinstance(sub, dict) and sub.get("x-required-message"):
            return sub["x-required-message"]
        return f"{'.'.join(path + [missing])} is required"
    if kind == "enum":
        return f"unknown {leaf} {error.instance!r}: give {_words(value)}"
    if kind == "const":
        return f"{field} must be {value!r}"
    if kind == "type":
        types = value if isinstance(value, list) else [value]
        words = {"integer": "a whole number", "number": "a number", "string": "text",
                 "boolean": "true or false", "object": "a JSON object", "array": "a list",
                 "null": "null"}
        return f"{field} must be {_words([words.get(t, t) for t in types])}"
    if kind in ("minItems", "maxItems"):
        return f"{field} needs {'at least' if kind == 'minItems' else 'at most'} {value} item(s)"
    if kind in ("minLength", "maxLength"):
        return (f"{field} is required" if kind == "minLength" and value == 1
                else f"{field} is {'too short' if kind == 'minLength' else 'too long'}")
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return f"{field} is out of range ({kind} {value})"
    if kind in ("oneOf", "anyOf") and isinstance(value, list):
        return f"{field} does not match any of the accepted forms"
    if kind == "additionalProperties":
        return f"{field}: {error.message[:300]}"
    return f"{field}: {error.message[:300]}"
