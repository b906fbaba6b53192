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
