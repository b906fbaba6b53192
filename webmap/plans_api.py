"""JSON API of the camera-plan workflow under /api/v1/plans: thin handlers over
camera_registry.plans. Reading published plans is public; drafts are for logged-in
camera-plan editors, and every change names the logged-in editor, who is recorded in the
history. No request header stands in for a login (R10)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from anpr.errors import BadInput, NotFound, Unauthenticated
from camera_registry import plans, publication
from webmap.db import get_conn
from webmap.messages_nl import dutch
from webmap.openapi import register_paths
from webmap.payload import iso_date, json_object
from webmap.schemas import DATE_TIME

plans_api = Blueprint("plans_api", __name__)


def acting_user() -> str:
    """The logged-in account making a change (webmap.auth has already checked the
    ``plan_editor`` role these views declare)."""
    from webmap.auth import current_account

    account = current_account()
    if account is None:
        raise Unauthenticated("log in as a camera-plan editor to change plans or the registry")
    return account.username


def _editor() -> bool:
    from webmap.auth import current_account

    account = current_account()
    return account is not None and account.role == "plan_editor"


def _public(year: int) -> None:
    """Drafts are for editors; to anyone else a draft is as good as absent: a year with a
    draft answers exactly as a year with no plan at all."""
    if _editor():
        plans.get_plan(get_conn(), year)
        return
    publication.published_plan(get_conn(), year)


#: Who typed a plan in (account names) is the editors' business, not the public's: the
#: published plan is the Staatscourant's content (R10: no account names to guess at).
_EDITORS_ONLY = ("created_by", "published_by", "recorded_by")


def _for_reader(row: dict[str, Any]) -> dict[str, Any]:
    return row if _editor() else {k: v for k, v in row.items() if k not in _EDITORS_ONLY}


@plans_api.get("/plans")
def list_plans():
    return jsonify({"plans": plans.list_plans(get_conn(), published_only=not _editor())})


@plans_api.get("/plans/<int:year>")
def get_plan(year: int):
    _public(year)
    return jsonify(_for_reader(plans.summary(get_conn(), year)))


@plans_api.post("/plans/<int:year>/draft")
def draft(year: int):
    body = json_object() if request.get_data(cache=True) else {}   # the body is optional
    locations = body.get("locations")
    return jsonify(plans.create_draft(get_conn(), year, actor=acting_user(),
                                      locations=locations)), 201


@plans_api.get("/plans/<int:year>/validation")
def validation(year: int):
    _public(year)
    # each problem with its Dutch (``bericht``), as the editor's pages show refusals
    problems = [{**p, "bericht": dutch(p["message"])} for p in plans.validate(get_conn(), year)]
    return jsonify({"year": year, "problems": problems,
                    "errors": sum(p["severity"] == "error" for p in problems),
                    "warnings": sum(p["severity"] == "warning" for p in problems)})


@plans_api.put("/plans/<int:year>/locations/<code>")
def set_motivation(year: int, code: str):
    body = json_object()
    allowed = {"criteria", "motivation", "prosecutor", "signed_on", "claimed_by"}
    unknown = set(body) - allowed
    if unknown:
        raise BadInput(f"unknown field(s): {', '.join(sorted(unknown))}")
    for key in ("motivation", "prosecutor", "claimed_by"):
        if key in body and not isinstance(body[key], str):
            raise BadInput(f"{key} must be text")
    result = plans.set_motivation(get_conn(), year, code, actor=acting_user(),
                                  criteria=body.get("criteria"), motivation=body.get("motivation"),
                                  prosecutor=body.get("prosecutor"),
                                  signed_on=iso_date(body.get("signed_on"), "signed_on"),
                                  claimed_by=body.get("claimed_by"))
    return jsonify(result)


@plans_api.post("/plans/<int:year>/locations")
def add_location(year: int):
    code = json_object().get("code")
    if not isinstance(code, str) or not code:
        raise BadInput("code (a location code) is required")
    return jsonify(plans.add_location(get_conn(), year, code, actor=acting_user())), 201


@plans_api.delete("/plans/<int:year>/locations/<code>")
def remove_location(year: int, code: str):
    return jsonify(plans.remove_location(get_conn(), year, code, actor=acting_user()))


@plans_api.delete("/plans/<int:year>/cameras/<camera_id>")
def remove_camera(year: int, camera_id: str):
    return jsonify(plans.remove_camera(get_conn(), year, camera_id, actor=acting_user()))


@plans_api.put("/plans/<int:year>/mobile")
def set_mobile(year: int):
    body = json_object()
    return jsonify(plans.set_mobile(get_conn(), year, str(body.get("unit", "")),
                                    str(body.get("kind", "")), body.get("count"),
                                    actor=acting_user()))


@plans_api.post("/plans/<int:year>/ratify")
def ratify(year: int):
    chief = json_object().get("chief")
    if not isinstance(chief, str):
        raise BadInput("chief (the ratifying chief of police) is required")
    return jsonify(plans.ratify(get_conn(), year, chief=chief, actor=acting_user()))


@plans_api.post("/plans/<int:year>/publish")
def publish(year: int):
    return jsonify(plans.publish(get_conn(), year, actor=acting_user()))


@plans_api.get("/plans/<int:year>/amendments")
def list_amendments(year: int):
    _public(year)
    return jsonify({"year": year, "amendments": [_for_reader(a) for a in
                                                 plans.amendments(get_conn(), year)]})


@plans_api.post("/plans/<int:year>/amendments")
def add_amendment(year: int):
    body = json_object()
    for key in ("camera", "kind", "motivation", "prosecutor"):
        if not isinstance(body.get(key), str):
            raise BadInput(f"{key} is required")
    start = iso_date(body.get("effective_from"), "effective_from")
    if start is None:
        raise BadInput("effective_from is required")
    result = plans.add_amendment(get_conn(), year, body["camera"], actor=acting_user(),
                                 kind=body["kind"], criteria=body.get("criteria"),
                                 motivation=body["motivation"], prosecutor=body["prosecutor"],
                                 effective_from=start,
                                 effective_to=iso_date(body.get("effective_to"), "effective_to"))
    return jsonify(result), 201


@plans_api.get("/plans/<int:year>/cameras")
def plan_cameras(year: int):
    """The cameras of a plan (published, or a draft for an editor), with the mobile
    cameras its amendments added: the same list the plan layer and its exports show.

    A plan camera is shown as the plan holds it (its snapshot: location, direction, lane,
    mounting), never as the registry has it now: a published plan never changes (R9).
    An amendment's location is the one it recorded."""
    _public(year)
    plan = plans.get_plan(get_conn(), year)
    rows = get_conn().execute("""
        SELECT pc.camera_id AS id, pc.location_code, pc.inout, pc.lane, pc.bearing,
               pc.mounting, c.facing, 'plan' AS source, NULL::date AS effective_from,
               NULL::date AS effective_to
          FROM plan_camera pc LEFT JOIN camera c ON c.id = pc.camera_id
         WHERE pc.plan_id = %(p)s
        UNION ALL
        SELECT c.id, a.location_code, c.inout, c.lane, c.bearing, c.mounting, c.facing,
               'amendment', a.effective_from, a.effective_to
          FROM plan_amendment a JOIN camera c ON c.id = a.camera_id
         WHERE a.plan_id = %(p)s
         ORDER BY 1, 8""", {"p": plan["id"]}).fetchall()
    cameras = [{k: v for k, v in r.items() if v is not None or k.startswith("effective")}
               for r in rows]
    return jsonify({"year": year, "state": plan["state"], "cameras": cameras})


@plans_api.get("/plans/diff")
def plan_diff():
    try:
        a, b = int(request.args["from"]), int(request.args["to"])
    except (KeyError, ValueError):
        raise BadInput("from and to are required years, e.g. ?from=2025&to=2026") from None
    _public(a)
    _public(b)
    return jsonify(plans.diff(get_conn(), a, b))


# Access declarations for the account layer (webmap.auth): reads of published plans are
# public, every change is for camera-plan editors.
for _view in (list_plans, get_plan, validation, list_amendments, plan_cameras, plan_diff):
    _view.anpr_access = "public"
for _view in (draft, set_motivation, add_location, remove_location, remove_camera, set_mobile,
              ratify, publish, add_amendment):
    _view.anpr_access = ("plan_editor",)

_ERR = {"$ref": "#/components/responses/Error"}
_OK = {"description": "ok"}
_YEAR = {"name": "year", "in": "path", "required": True, "schema": {"type": "integer"}}


def _op(summary: str, *params: dict, body: dict | None = None, codes=("400", "404", "409"),
        ok: dict | None = None, required: bool = True, status: str = "200") -> dict:
    op: dict[str, Any] = {"summary": summary, "parameters": list(params),
                          "responses": {status: ok or _OK, **{c: _ERR for c in codes}}}
    if body is not None:
        op["requestBody"] = {"required": required, "content": {"application/json": {
            "schema": body}}}
    return op


_TEXT = {"type": "string", "maxLength": 4000}
_DAY = {"type": "string", "format": "date", "description": "YYYY-MM-DD"}
_DRAFT = {"type": "object", "properties": {"locations": {
    "type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 64},
    "maxItems": 2000, "x-message": "locations must be a list of location codes",
    "description": "location codes (default: every location of the registry)"}}}
_LOCATION = {"type": "object", "required": ["code"],
             "properties": {"code": {"type": "string", "minLength": 1}}}
_MOTIVATION = {"type": "object", "additionalProperties": False, "properties": {
    "criteria": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
                 "description": "art. 3 lid 2: letters a, b, c"},
    "motivation": _TEXT, "prosecutor": _TEXT, "signed_on": {"type": ["string", "null"]},
    "claimed_by": _TEXT}}
_MOBILE = {"type": "object", "required": ["unit", "kind", "count"], "properties": {
    "unit": {"type": "string"}, "kind": {"type": "string"},
    "count": {"type": "integer", "minimum": 0}}}
_RATIFY = {"type": "object", "required": ["chief"], "properties": {"chief": {"type": "string"}}}
_AMEND = {"type": "object", "required": ["camera", "kind", "motivation", "prosecutor",
                                         "effective_from"],
          "properties": {"camera": {"type": "string"}, "kind": {"type": "string"},
                         "criteria": {"oneOf": [{"type": "string"},
                                                {"type": "array", "items": {"type": "string"}}]},
                         "motivation": {"type": "string"}, "prosecutor": {"type": "string"},
                         "effective_from": _DAY, "effective_to": {**_DAY,
                                                                  "type": ["string", "null"]}}}
_CAMERAS = {"description": "the plan's cameras", "content": {"application/json": {"schema": {
    "type": "object", "required": ["year", "cameras"], "properties": {
        "year": {"type": "integer"}, "state": {"type": "string"},
        "cameras": {"type": "array", "items": {"type": "object", "required": ["id"],
                                               "properties": {
            "id": {"type": "string"}, "location_code": {"type": "string"},
            "inout": {"enum": ["in", "out"]}, "lane": {"type": "integer"},
            "bearing": {"type": "number"}, "mounting": {"enum": ["fixed", "mobile"]},
            "facing": {"enum": ["front", "rear"]},
            "source": {"enum": ["plan", "amendment"]},
            "effective_from": {"type": ["string", "null"], "format": "date"},
            "effective_to": {"type": ["string", "null"], "format": "date"}}}}}}}}}


def _json(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_NULLABLE_TIME = {"anyOf": [DATE_TIME, {"type": "null"}]}
_NULLABLE_DAY = {"type": ["string", "null"], "format": "date"}
_CRITERIA = {"type": "array", "items": {"enum": ["a", "b", "c"]},
             "description": "art. 3 lid 2: a risk location, b intensive traffic or a "
                            "specific function, c a known crime location"}
_COUNTS = {"locations": {"type": "integer", "minimum": 0},
           "cameras": {"type": "integer", "minimum": 0},
           "amendments": {"type": "integer", "minimum": 0}}
_PLAN = {"type": "object", "required": ["year", "state", "locations", "cameras"],
         "properties": {
             "id": {"type": "integer"}, "year": {"type": "integer"},
             "state": {"enum": ["draft", "published"]},
             "created_at": DATE_TIME, "created_by": {"type": "string"},
             "published_at": _NULLABLE_TIME, "published_by": {"type": ["string", "null"]},
             "ratified_by": {"type": ["string", "null"]}, "ratified_at": _NULLABLE_TIME,
             **_COUNTS, "mobile": {"type": "integer", "minimum": 0,
                                   "description": "mobile cameras declared per unit, summed"},
             "prior_mobile": {"type": "integer", "minimum": 0,
                              "description": "last year's mobile locations listed"}}}
_PLANS = {"type": "object", "required": ["plans"], "properties": {"plans": {
    "type": "array", "items": {"type": "object", "required": ["year", "state"], "properties": {
        "year": {"type": "integer"}, "state": {"enum": ["draft", "published"]},
        "published_at": _NULLABLE_TIME, "ratified_by": {"type": ["string", "null"]},
        **_COUNTS}}}}}
_PROBLEMS = {"type": "object", "required": ["year", "problems", "errors", "warnings"],
             "properties": {
                 "year": {"type": "integer"},
                 "errors": {"type": "integer", "minimum": 0,
                            "description": "problems that block publication"},
                 "warnings": {"type": "integer", "minimum": 0},
                 "problems": {"type": "array", "items": {
                     "type": "object", "required": ["kind", "severity", "message"],
                     "properties": {"kind": {"type": "string"},
                                    "severity": {"enum": ["error", "warning"]},
                                    "message": {"type": "string"},
                                    "bericht": {"type": "string",
                                                "description": "the message in Dutch"},
                                    "location": {"type": "string"},
                                    "camera": {"type": "string"},
                                    "unit": {"type": "string"}}}}}}
_AMENDMENT_ROW = {"type": "object", "required": ["id", "camera_id", "effective_from"],
                  "properties": {
                      "id": {"type": "integer"}, "camera_id": {"type": "string"},
                      "location_code": {"type": "string"}, "unit_code": {"type": "string"},
                      "kind": {"type": "string"}, "criteria": _CRITERIA,
                      "motivation": {"type": "string"}, "prosecutor": {"type": "string"},
                      "effective_from": {"type": "string", "format": "date"},
                      "effective_to": _NULLABLE_DAY, "recorded_by": {"type": "string"},
                      "recorded_at": DATE_TIME, "lon": {"type": "number"},
                      "lat": {"type": "number"}}}
_AMENDMENTS = {"type": "object", "required": ["year", "amendments"],
               "properties": {"year": {"type": "integer"},
                              "amendments": {"type": "array", "items": _AMENDMENT_ROW}}}
_AMENDED = {"type": "object", "required": ["id", "year", "camera", "effective_from"],
            "properties": {
                "id": {"type": "integer"}, "year": {"type": "integer"},
                "camera": {"type": "string"}, "location": {"type": "string"},
                "unit": {"type": "string"}, "kind": {"type": "string"}, "criteria": _CRITERIA,
                "effective_from": {"type": "string", "format": "date"},
                "effective_to": _NULLABLE_DAY, "recorded_by": {"type": "string"},
                "recorded_at": DATE_TIME}}
_LOCATION_CHANGE = {"type": "object", "required": ["year", "location"], "properties": {
    "year": {"type": "integer"}, "location": {"type": "string"},
    "added": {"type": "boolean"}, "removed": {"type": "boolean"},
    "cameras_removed": {"type": "integer", "minimum": 0},
    "criteria": _CRITERIA, "motivation": {"type": ["string", "null"]},
    "prosecutor": {"type": ["string", "null"]}, "signed_on": _NULLABLE_DAY,
    "claimed_by": {"type": ["string", "null"]}}}
_CAMERA_REMOVED = {"type": "object", "required": ["year", "camera", "removed"], "properties": {
    "year": {"type": "integer"}, "camera": {"type": "string"}, "removed": {"type": "boolean"}}}
_MOBILE_SET = {"type": "object", "required": ["year", "unit", "kind", "count"], "properties": {
    "year": {"type": "integer"}, "unit": {"type": "string"}, "kind": {"type": "string"},
    "count": {"type": "integer", "minimum": 0}}}
_SITE = {"type": "object", "properties": {
    "code": {"type": "string"}, "unit": {"type": "string"}, "name": {"type": "string"},
    "lon": {"type": "number"}, "lat": {"type": "number"}}}
_DIFF = {"type": "object", "required": ["from", "to", "counts"], "properties": {
    "from": {"type": "integer"}, "to": {"type": "integer"},
    "locations_added": {"type": "array", "items": _SITE},
    "locations_removed": {"type": "array", "items": _SITE},
    "locations_moved": {"type": "array", "items": {"type": "object"}},
    "criteria_changed": {"type": "array", "items": {"type": "object", "properties": {
        "code": {"type": "string"}, "criteria_from": _CRITERIA, "criteria_to": _CRITERIA,
        "motivation_from": {"type": ["string", "null"]},
        "motivation_to": {"type": ["string", "null"]}}}},
    "cameras_added": {"type": "array", "items": {"type": "object", "properties": {
        "camera": {"type": "string"}, "location": {"type": "string"}}}},
    "cameras_removed": {"type": "array", "items": {"type": "object"}},
    "cameras_moved": {"type": "array", "items": {"type": "object"}},
    "counts": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}}}

_EDIT = ("400", "401", "403", "404", "409")  # changes need a logged-in plan editor
_CODE = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
_CAM = {"name": "camera_id", "in": "path", "required": True, "schema": {"type": "string"}}
register_paths({
    "/api/v1/plans": {"get": _op("Camera plans (drafts too for a logged-in plan editor)",
                                 codes=(), ok=_json("the plans, newest first", _PLANS))},
    "/api/v1/plans/{year}": {"get": _op("One plan's state and counts", _YEAR,
                                        codes=("404",), ok=_json("the plan", _PLAN))},
    "/api/v1/plans/{year}/draft": {"post": _op("Draft a plan from the registry", _YEAR,
                                               codes=_EDIT, body=_DRAFT, required=False,
                                               status="201", ok=_json("the draft", _PLAN))},
    "/api/v1/plans/{year}/validation": {"get": _op(
        "Every problem of the plan, errors first", _YEAR, codes=("404",),
        ok=_json("the problems", _PROBLEMS))},
    "/api/v1/plans/{year}/locations": {"post": _op(
        "Add a registry location to a draft", _YEAR, body=_LOCATION, codes=_EDIT,
        status="201", ok=_json("added", _LOCATION_CHANGE))},
    "/api/v1/plans/{year}/locations/{code}": {
        "put": _op("Set criteria (a/b/c), motivation, prosecutor's signature, claim", _YEAR,
                   _CODE, body=_MOTIVATION, codes=_EDIT,
                   ok=_json("the location's motivation as stored", _LOCATION_CHANGE)),
        "delete": _op("Take a location out of a draft", _YEAR, _CODE, codes=_EDIT,
                      ok=_json("removed, with its cameras", _LOCATION_CHANGE))},
    "/api/v1/plans/{year}/cameras/{camera_id}": {
        "delete": _op("Take a camera out of a draft", _YEAR, _CAM, codes=_EDIT,
                      ok=_json("removed", _CAMERA_REMOVED))},
    "/api/v1/plans/{year}/mobile": {"put": _op("Mobile cameras per unit and kind of location",
                                               _YEAR, body=_MOBILE, codes=_EDIT,
                                               ok=_json("as stored", _MOBILE_SET))},
    "/api/v1/plans/{year}/ratify": {"post": _op("Record the chief of police's ratification",
                                                _YEAR, body=_RATIFY, codes=_EDIT,
                                                ok=_json("the plan", _PLAN))},
    "/api/v1/plans/{year}/publish": {"post": _op("Publish (refused while errors remain; frozen "
                                                 "after)", _YEAR, codes=_EDIT,
                                                 body={"type": "object", "maxProperties": 0},
                                                 required=False,
                                                 ok=_json("the published plan", _PLAN))},
    "/api/v1/plans/{year}/amendments": {
        "get": _op("Mobile cameras added during the year", _YEAR, codes=("404",),
                   ok=_json("the amendments", _AMENDMENTS)),
        "post": _op("Add a mobile camera to a published plan", _YEAR, body=_AMEND,
                    codes=_EDIT, status="201", ok=_json("the amendment", _AMENDED))},
    "/api/v1/plans/{year}/cameras": {"get": _op(
        "The plan's cameras (a published plan for anyone, a draft for its editors), with "
        "the mobile cameras its amendments added", _YEAR, codes=("400", "404"), ok=_CAMERAS)},
    "/api/v1/plans/diff": {"get": _op("Differences between two years' plans",
                                      {"name": "from", "in": "query", "required": True,
                                       "schema": {"type": "integer"}},
                                      {"name": "to", "in": "query", "required": True,
                                       "schema": {"type": "integer"}},
                                      codes=("400", "404"),
                                      ok=_json("what changed from one year to the next",
                                               _DIFF))},
})
