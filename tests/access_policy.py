"""The access policy of every route, as one table (R2, R10): ``POLICY`` maps each
(method, rule) of the app to what it needs (a request-bound level, a search gate, the
plate crop, or the roles allowed), and ``RELATIONS`` the relations to a request that
``tests/test_attack_access.py`` drives through each route. A route without an entry
fails the suite there."""
from __future__ import annotations

from dataclasses import dataclass, field

from casework.access import Level

PUBLIC, DEVICE = "public", "device"
EVERYONE_INSIDE = ("officer", "analyst", "plan_editor", "auditor", "admin")
EVERY_ROLE = ("officer", "requester", "analyst", "plan_editor", "auditor", "admin")


@dataclass(frozen=True)
class Req:
    """A request-bound route: the level it needs and the roles its door lets in."""
    level: Level
    roles: tuple[str, ...] = ("officer",)
    body: dict | None = field(default=None, hash=False)


@dataclass(frozen=True)
class Roles:
    roles: tuple[str, ...] | str


@dataclass(frozen=True)
class Search:
    """A search route: the request is named in the body (``request_id``; ``enquiry_id``
    after the preview) and put to the access rule by the search gate. ``coverage`` names
    no request (it reads no passage): any officer."""
    kind: str
    stage: str  # preview, run (results), export, coverage
    level: Level = Level.ACT
    roles: tuple[str, ...] = ("officer",)


@dataclass(frozen=True)
class Crop:
    """A read's plate crop: the handling officer of a request whose results hold it."""
    level: Level = Level.ACT
    roles: tuple[str, ...] = ("officer",)


R = "/api/v1/requests/<int:request_id>"
SEARCH_KINDS = ("block", "common", "convoy", "partial", "plate", "route")
POLICY: dict[tuple[str, str], Req | Roles] = {
    # -- request-bound: the casework ------------------------------------------------------
    ("GET", R): Req(Level.VIEW),
    ("POST", f"{R}/confirm"): Req(Level.ACT),
    ("POST", f"{R}/correct"): Req(Level.ACT, body={"changes": {}, "reason": ""}),
    ("POST", f"{R}/reject"): Req(Level.ACT, body={"reason": ""}),
    ("POST", f"{R}/cancel"): Req(Level.ACT),
    ("POST", f"{R}/written-order"): Req(Level.ACT),
    ("GET", f"{R}/handover"): Req(Level.VIEW),
    ("POST", f"{R}/handover"): Req(Level.VIEW, body={"to": "nobody.here", "reason": "test"}),
    ("GET", f"{R}/members"): Req(Level.VIEW),
    ("POST", f"{R}/members"): Req(Level.VIEW, body={"account": "acc.member"}),
    ("GET", f"{R}/grants"): Req(Level.VIEW),
    ("POST", f"{R}/grants"): Req(Level.VIEW, body={"account": "acc.grantee"}),
    ("DELETE", f"{R}/members/<int:account_id>"): Req(Level.VIEW),
    ("DELETE", f"{R}/grants/<int:account_id>"): Req(Level.VIEW),
    ("PUT", f"{R}/requester"): Req(Level.VIEW, body={"account": "nobody.here"}),
    ("GET", f"{R}/searches"): Req(Level.VIEW),
    ("POST", f"{R}/searches"): Req(Level.ACT, body={"kind": "nope", "parameters": {}}),
    ("GET", f"{R}/reads"): Req(Level.ACT),
    ("POST", f"{R}/verdicts"): Req(Level.ACT, body={"verdicts": []}),
    ("POST", f"{R}/package"): Req(Level.ACT),
    ("POST", f"{R}/complete"): Req(Level.ACT),
    ("GET", f"{R}/provided"): Req(Level.PROVIDED, roles=("officer", "requester", "analyst")),
    ("GET", f"{R}/photos"): Req(Level.ACT),
    ("GET", f"{R}/photos/<int:passage_id>"): Req(Level.ACT),
    ("POST", f"{R}/photos/<int:passage_id>/approve"): Req(Level.ACT, body={"boxes": []}),
    ("POST", f"{R}/photos/approve"): Req(Level.ACT, body={"photos": []}),
    ("POST", "/api/v1/searches/<int:enquiry_id>/run"): Req(Level.ACT),
    ("POST", "/api/v1/searches/<int:enquiry_id>/stop"): Req(Level.ACT),
    ("GET", "/api/v1/searches/<int:enquiry_id>/results"): Req(Level.ACT),
    ("GET", "/api/v1/searches/<int:enquiry_id>/results/histogram"): Req(Level.ACT),
    ("GET", "/api/v1/searches/<int:enquiry_id>/results/locations"): Req(Level.ACT),
    ("GET", "/api/v1/searches/<int:enquiry_id>/results/route"): Req(Level.ACT),
    ("GET", "/api/v1/searches/<int:enquiry_id>/results/plates"): Req(Level.ACT),
    ("GET", "/api/v1/searches/<int:enquiry_id>/results/answer"): Req(Level.ACT),
    ("GET", "/requests/<int:request_id>"): Req(Level.VIEW),
    ("GET", "/requests/<int:request_id>/verify"): Req(Level.VIEW),
    ("GET", "/requests/<int:request_id>/photos"): Req(Level.VIEW),
    # The analysts' pages: what was provided (409 until it is), for analysts only.
    ("GET", "/analyse/<int:request_id>"): Req(Level.PROVIDED,
                                               roles=("analyst", "officer", "requester")),
    ("GET", "/analyse/<int:request_id>/download"): Req(Level.PROVIDED,
                                                        roles=("analyst", "officer", "requester")),
    # The search gate: request_id in the body (test_search_gate_follows_the_rule).
    **{("POST", f"/api/v1/search/{k}"): Search(k, "run") for k in SEARCH_KINDS},
    **{("POST", f"/api/v1/search/{k}/preview"): Search(k, "preview") for k in SEARCH_KINDS},
    ("POST", "/api/v1/search/route/export"): Search("route", "export"),
    ("POST", "/api/v1/search/coverage"): Search("coverage", "coverage", Level.NONE),
    # A read's plate crop: only the handling officer's (test_crop_follows_the_relation).
    ("GET", "/api/v1/passages/<int:passage_id>/crop"): Crop(),
    # -- the unit's overview and registration ------------------------------------------------
    ("GET", "/api/v1/requests"): Roles(("officer",)),
    ("POST", "/api/v1/requests"): Roles(("officer",)),
    ("GET", "/api/v1/crimes"): Roles(("officer", "requester")),
    ("GET", "/dashboard"): Roles(("officer",)),
    ("GET", "/requests/new"): Roles(("officer",)),
    # -- map and reference data --------------------------------------------------------------
    ("GET", "/"): Roles(EVERYONE_INSIDE),
    ("GET", "/api/v1/cameras"): Roles(EVERYONE_INSIDE),
    ("GET", "/api/v1/cameras/<camera_id>"): Roles(EVERYONE_INSIDE),
    ("GET", "/api/v1/locations"): Roles(EVERYONE_INSIDE),
    ("GET", "/api/v1/locations/<code>"): Roles(EVERYONE_INSIDE),
    ("GET", "/api/v1/roads"): Roles(EVERYONE_INSIDE),
    ("POST", "/api/v1/selection"): Roles(("officer", "analyst", "plan_editor")),
    # -- camera plans and registry (R9) ------------------------------------------------------
    ("GET", "/api/v1/plans"): Roles(PUBLIC),
    ("GET", "/api/v1/plans/<int:year>"): Roles(PUBLIC),
    ("GET", "/api/v1/plans/<int:year>/amendments"): Roles(PUBLIC),
    ("GET", "/api/v1/plans/<int:year>/cameras"): Roles(PUBLIC),
    ("POST", "/api/v1/plans/<int:year>/amendments"): Roles(("plan_editor",)),
    ("DELETE", "/api/v1/plans/<int:year>/cameras/<camera_id>"): Roles(("plan_editor",)),
    ("POST", "/api/v1/plans/<int:year>/draft"): Roles(("plan_editor",)),
    ("POST", "/api/v1/plans/<int:year>/locations"): Roles(("plan_editor",)),
    ("PUT", "/api/v1/plans/<int:year>/locations/<code>"): Roles(("plan_editor",)),
    ("DELETE", "/api/v1/plans/<int:year>/locations/<code>"): Roles(("plan_editor",)),
    ("PUT", "/api/v1/plans/<int:year>/mobile"): Roles(("plan_editor",)),
    ("POST", "/api/v1/plans/<int:year>/publish"): Roles(("plan_editor",)),
    ("POST", "/api/v1/plans/<int:year>/ratify"): Roles(("plan_editor",)),
    ("GET", "/api/v1/plans/<int:year>/validation"): Roles(PUBLIC),
    ("GET", "/api/v1/plans/diff"): Roles(PUBLIC),
    ("POST", "/api/v1/registry/cameras"): Roles(("plan_editor",)),
    ("GET", "/api/v1/registry/cameras/<camera_id>"): Roles(("plan_editor",)),
    ("PATCH", "/api/v1/registry/cameras/<camera_id>"): Roles(("plan_editor",)),
    ("GET", "/api/v1/registry/cameras/<camera_id>/frame.png"): Roles(("plan_editor",)),
    ("POST", "/api/v1/registry/cameras/<camera_id>/frame"): Roles(("plan_editor",)),
    ("GET", "/api/v1/registry/cameras/<camera_id>/camera-frame.png"): Roles(("plan_editor",)),
    ("GET", "/api/v1/registry/cameras/<camera_id>/history"):
        Roles(("plan_editor", "auditor", "admin")),
    ("GET", "/api/v1/registry/cameras/<camera_id>/masks"): Roles(("plan_editor",)),
    ("POST", "/api/v1/registry/cameras/<camera_id>/masks"): Roles(("plan_editor",)),
    ("DELETE", "/api/v1/registry/cameras/<camera_id>/masks/<int:mask_id>"):
        Roles(("plan_editor",)),
    ("GET", "/api/v1/registry/cameras/<camera_id>/status"): Roles(("plan_editor",)),
    ("POST", "/api/v1/registry/cameras/<camera_id>/status"): Roles(("plan_editor",)),
    ("POST", "/api/v1/registry/locations"): Roles(("plan_editor",)),
    ("GET", "/api/v1/registry/locations/<code>"): Roles(("plan_editor",)),
    ("PATCH", "/api/v1/registry/locations/<code>"): Roles(("plan_editor",)),
    ("GET", "/api/v1/registry/locations/<code>/history"):
        Roles(("plan_editor", "auditor", "admin")),
    ("GET", "/registry"): Roles(("plan_editor",)),
    ("GET", "/analyse"): Roles(("analyst", "officer", "requester")),
    ("GET", "/plans"): Roles(PUBLIC),
    ("GET", "/plans/<int:year>"): Roles(PUBLIC),
    ("GET", "/plans/<int:year>/cameraplan.<fmt>"): Roles(PUBLIC),
    ("GET", "/plans/<int:year>/map"): Roles(PUBLIC),
    ("GET", "/plans/diff/<int:year_a>/<int:year_b>"): Roles(PUBLIC),
    ("GET", "/plans/map"): Roles(PUBLIC),
    # -- the account's own page: every role, only its own sessions ------------------------
    ("GET", "/account"): Roles(EVERY_ROLE),
    ("GET", "/api/v1/account"): Roles(EVERY_ROLE),
    ("GET", "/api/v1/account/sessions"): Roles(EVERY_ROLE),
    ("DELETE", "/api/v1/account/sessions/<session_id>"): Roles(EVERY_ROLE),
    ("POST", "/api/v1/account/password"): Roles(EVERY_ROLE),
    # -- reports (counts only) ---------------------------------------------------------------
    ("GET", "/reports/monitor"): Roles(("auditor", "admin")),
    ("GET", "/reports/monitor/<key>.csv"): Roles(("auditor", "admin")),
    ("GET", "/reports/privacy-audit/<int:year>"): Roles(("auditor", "admin")),
    # -- intake from the cameras' devices (their own credentials) -----------------------------
    ("POST", "/api/v1/intake/passages"): Roles(DEVICE),
    # -- public: health, API description, sessions, login, OGC (the published plan) ----------
    ("GET", "/api/v1/health"): Roles(PUBLIC),
    ("GET", "/api/v1/openapi.json"): Roles(PUBLIC),
    ("GET", "/api/v1/session"): Roles(PUBLIC),
    ("POST", "/api/v1/session"): Roles(PUBLIC),
    ("DELETE", "/api/v1/session"): Roles(PUBLIC),
    ("GET", "/login"): Roles(PUBLIC),
    ("POST", "/login"): Roles(PUBLIC),
    ("POST", "/logout"): Roles(PUBLIC),
    ("GET", "/static/<path:filename>"): Roles(PUBLIC),
    **{("GET", p): Roles(PUBLIC) for p in (
        "/ogc", "/ogc/api", "/ogc/collections", "/ogc/collections/<collection_id>",
        "/ogc/collections/<collection_id>/items",
        "/ogc/collections/<collection_id>/items/<feature_id>",
        "/ogc/collections/<collection_id>/queryables", "/ogc/conformance")},
}

# Each relation: (username, role, unit) and the level the relation gives on the request.
RELATIONS = {
    "handling officer": ("acc.handler", "officer", "MN", Level.ACT),
    "same unit, not handling": ("acc.colleague", "officer", "MN", Level.NONE),
    "officer without a unit": ("acc.nounit", "officer", None, Level.NONE),
    "officer of another unit": ("acc.other", "officer", "RT", Level.NONE),
    "member of the investigation": ("acc.member", "officer", "MN", Level.PROVIDED),
    "grant holder": ("acc.grantee", "officer", "MN", Level.PROVIDED),
    "requester of record": ("acc.requester", "requester", "MN", Level.PROVIDED),
    "requester, not of record": ("acc.requester2", "requester", "MN", Level.NONE),
    "analyst with a grant": ("acc.analyst", "analyst", "MN", Level.PROVIDED),
    "analyst without a grant": ("acc.analyst2", "analyst", "MN", Level.NONE),
    # The other roles, with no relation to any request (accounts of the session, conftest).
    "plan editor": ("editor", "plan_editor", None, Level.NONE),
    "auditor": ("auditor", "auditor", None, Level.NONE),
    "admin": ("admin", "admin", None, Level.NONE),
    "anonymous": (None, None, None, Level.NONE),
}
# An account per role, for the wrong-role check of the other routes.
ROLE_ACCOUNTS = {"officer": "acc.colleague", "requester": "acc.requester",
                 "analyst": "acc.analyst2", "plan_editor": "editor", "auditor": "auditor",
                 "admin": "admin"}
NO_SUCH = 2_000_000_000
