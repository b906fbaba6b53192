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
from gis.search.params import KINDS

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
#: A request's states (casework.requests; the pages' words in webmap/messages_nl.py STATUS).
REQUEST_STATES = ("registered", "confirmed", "rejected", "cancelled", "provided", "completed")
#: The request flow's preview body per kind of search (``PlateEnquiry``: kind and
#: ``PlateParameters``; webmap.search_api registers them beside the search endpoints).
_ENQUIRIES = {kind: f"{kind.capitalize()}Enquiry" for kind in KINDS}
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
        "description": "A search inside the request's order, first as a count preview; "
                       "POST /api/v1/searches/{enquiry_id}/run runs it once and holds what "
                       "it finds, which GET /api/v1/searches/{enquiry_id}/results pages "
                       "through. `kind` says which search, `parameters` are its parameters "
                       "as the body of /api/v1/search/{kind} names them (PlateParameters, "
                       "…; no request_id, enquiry_id, limit or offset). The same search "
                       "asked again (its parameters as the search reads them) answers 200 "
                       "with the one already previewed or run (`already`). Block (Q3) needs "
                       "an explicit `selection` or `cameras`; an order that names plates "
                       "refuses block (Q3) and common (Q5) searches.",
        "oneOf": [ref(_ENQUIRIES[kind]) for kind in KINDS],
        "discriminator": {"propertyName": "kind",
                          "mapping": {kind: REF + _ENQUIRIES[kind] for kind in KINDS}},
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
        "type": "object",
        "required": ["id", "reference", "status", "unit_code", "received_at", "order_at",
                     "order_kind", "order_reference", "scope", "investigation_system",
                     "investigation_number", "investigation_name", "written_order_overdue"],
        "description": "A request as registered; times ISO 8601 with offset",
        "properties": {"id": {"type": "integer"}, "reference": {"type": "string"},
                       "status": {"enum": list(REQUEST_STATES)},
                       "unit_code": {"type": "string"},
                       "received_at": DATE_TIME, "order_at": DATE_TIME,
                       "order_kind": {"enum": ["written", "verbal"]},
                       "order_reference": {"type": "string"},
                       "crime_code": {"type": ["string", "null"]},
                       "crime_label": {"type": ["string", "null"]},
                       "fugitive": {"type": "boolean"}, "photos": {"type": "boolean"},
                       "foreign_request": {"type": "boolean"},
                       "convoy_minutes": {"type": ["integer", "null"]},
                       "scope": {"type": "object", "required": ["windows"],
                                 "description": "the order's scope as registered; from "
                                                "confirmation with `resolved_cameras`"},
                       "investigation_system": {"enum": ["BVH", "Summ-IT"]},
                       "investigation_number": {"type": "string"},
                       "investigation_name": {"type": "string"},
                       "officer_username": {"type": ["string", "null"]},
                       "written_order_at": {"anyOf": [DATE_TIME, {"type": "null"}]},
                       "written_order_due": {"anyOf": [DATE_TIME, {"type": "null"}],
                                             "description": "a verbal order: 72 hours after "
                                                            "it was given (R4)"},
                       "written_order_overdue": {"type": "boolean"},
                       "handovers": {"type": "array", "items": {
                           "type": "object", "required": ["at", "from_officer", "to_officer"],
                           "properties": {"at": DATE_TIME, "from_officer": {"type": "string"},
                                          "to_officer": {"type": "string"},
                                          "reason": {"type": ["string", "null"]}}}},
                       "qualification": {"type": "object", "properties": {
                           "ok": {"type": "boolean"}, "reason": {"type": "string"},
                           "reden": {"type": "string"}}}}},
    "Enquiry": {
        "type": "object", "required": ["enquiry_id", "kind", "preview"],
        "description": "A search's count preview in the request; `already` when the same "
                       "search was previewed or run before (then this is that one)",
        "properties": {"enquiry_id": {"type": "integer"}, "kind": {"enum": list(KINDS)},
                       "preview": {"$ref": REF + "SearchPreview"},
                       "already": {"enum": ["previewed", "run"]},
                       "run_at": {"anyOf": [DATE_TIME, {"type": "null"}]},
                       "passages_kept": {"type": ["integer", "null"], "minimum": 0}},
        "example": {"enquiry_id": 412, "kind": "plate", "preview": {
            "passages": 3, "plates": 1, "cameras_hit": 2, "verification_required": True,
            "verification_minutes": 0.3}}},
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
SCHEMAS.update(ANSWERS)


def check_body(schema: dict[str, Any], components: dict[str, Any], body: Any) -> None:
    """Refuse ``body`` unless it is valid against ``schema`` (refs into ``components``)."""
    from jsonschema import Draft202012Validator

    root = {"components": components, "allOf": [schema]}
    errors = sorted(Draft202012Validator(root).iter_errors(body),
                    key=lambda e: list(e.absolute_path))
    if not errors:
        return
    problems = [p for e in errors for p in _problems(e)][:20]
    raise BadInput(problems[0]["problem"], details={"problems": problems})


def _problems(error) -> list[dict[str, str]]:
    """The problems of one error: for a body that is one of several forms told apart by a
    field (``discriminator``: an enquiry's ``kind``), what is wrong with the form that field
    names, instead of "matches none of the forms"."""
    path = [str(p) for p in error.absolute_path]
    field = ".".join(path) or "(body)"
    disc = error.schema.get("discriminator") if isinstance(error.schema, dict) else None
    if error.validator not in ("oneOf", "anyOf") or not isinstance(disc, dict) or \
            not isinstance(error.instance, dict):
        return [{"field": field, "problem": _problem(error)}]
    name, mapping = disc["propertyName"], disc.get("mapping") or {}
    if name not in error.instance:
        return [{"field": field, "problem": f"{'.'.join(path + [name])} is required"}]
    value = error.instance[name]
    if not isinstance(value, str) or value not in mapping:
        return [{"field": ".".join(path + [name]),
                 "problem": f"unknown {name} {value!r}: give {_words(list(mapping))}"}]
    branch = next((i for i, s in enumerate(error.validator_value)
                   if s.get("$ref") == mapping[value]), None)
    chosen = sorted((e for e in error.context or ()
                     if e.relative_schema_path and e.relative_schema_path[0] == branch),
                    key=lambda e: [str(p) for p in e.absolute_path])
    if not chosen:
        return [{"field": field, "problem": _problem(error)}]
    return [p for e in chosen for p in _problems(e)]


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
