"""JSON API of the legal workflow: login, requests and orders (thin handlers)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from anpr.errors import BadInput, Forbidden, NotFound
from casework import access, documents, lifecycle, requests as req_mod
from casework.access import Level
from webmap.auth import current_account, login, logout, public, requires
from webmap.db import get_conn
from webmap.messages_nl import bericht
from webmap.openapi import ERROR, register_paths
from webmap.payload import json_object
from webmap.schemas import ref
from webmap.services import photo_vault

casework_api = Blueprint("casework_api", __name__)


def _request(request_id: int, need: Level = Level.ACT) -> dict:
    """The request if the caller may ``need`` it (casework.access); refusals are logged,
    and a request the caller has no relation to answers as one that does not exist."""
    return access.require(get_conn(), current_account(), request_id, need)


def _view(req: dict) -> dict:
    return {k: v for k, v in req.items()}


@casework_api.get("/session")
@public
def api_session():
    """Who is logged in, and the CSRF token every write (the login included) must carry."""
    from webmap.auth import csrf_token

    acc = current_account()
    return jsonify({"csrf_token": csrf_token(),
                    "account": None if acc is None else {"username": acc.username,
                                                         "role": acc.role, "unit": acc.unit_code}})


@casework_api.post("/session")
@public
def api_login():
    from webmap.auth import authenticate

    body = json_object()
    acc = authenticate(str(body.get("username", ""))[:64], str(body.get("password", ""))[:256])
    login(acc)
    from webmap.auth import csrf_token

    return jsonify({"username": acc.username, "role": acc.role, "unit": acc.unit_code,
                    "csrf_token": csrf_token()})


@casework_api.delete("/session")
@public
def api_logout():
    logout()
    return jsonify({"ok": True})


@casework_api.get("/crimes")
@requires("officer", "requester")
def crimes():
    rows = get_conn().execute("SELECT code, label, article, pretrial_detention FROM crime"
                              " ORDER BY pretrial_detention DESC, label").fetchall()
    return jsonify(rows)


def _with_unit():
    """An officer works for a unit; an account without one has no casework (R10)."""
    acc = current_account()
    if not acc.unit_code:
        from anpr import audit

        audit.record(get_conn(), acc.username, "access.refused", request.path[:200],
                     reason="no unit")
        get_conn().commit()
        raise Forbidden("your account has no unit: no requests can be seen or registered")
    return acc


@casework_api.get("/requests")
@requires("officer")
def list_requests():
    _with_unit()
    status = request.args.get("status") or None
    data = req_mod.dashboard(get_conn(), current_account(), status=status,
                             mine=request.args.get("mine") == "1")
    return jsonify(data)


@casework_api.post("/requests")
@requires("officer")
def register():
    _with_unit()
    result = req_mod.register(get_conn(), current_account(), json_object())
    status = 201 if result["status"] == "registered" else 422
    body = _view(result)
    if isinstance(body.get("qualification"), dict):  # the page shows the reason in Dutch
        body["qualification"]["reden"] = bericht(body["qualification"].get("reason") or "", 422)
    return jsonify(body), status


@casework_api.get("/requests/<int:request_id>")
@requires("officer")
def get_request(request_id: int):
    req = _request(request_id, Level.VIEW)
    return jsonify({**_view(req), "handovers": access.handovers(get_conn(), request_id)})


@casework_api.post("/requests/<int:request_id>/confirm")
@requires("officer")
def confirm(request_id: int):
    _request(request_id)
    return jsonify(_view(lifecycle.confirm(get_conn(), current_account(), request_id)))


@casework_api.post("/requests/<int:request_id>/correct")
@requires("officer")
def correct(request_id: int):
    _request(request_id)
    body = json_object()
    return jsonify(_view(lifecycle.correct(get_conn(), current_account(), request_id,
                                           body.get("changes") or {}, body.get("reason", ""))))


@casework_api.post("/requests/<int:request_id>/reject")
@requires("officer")
def reject(request_id: int):
    _request(request_id)
    return jsonify(_view(lifecycle.reject(get_conn(), current_account(), request_id,
                                          json_object().get("reason", ""))))


@casework_api.post("/requests/<int:request_id>/cancel")
@requires("officer")
def cancel(request_id: int):
    _request(request_id)
    return jsonify(_view(lifecycle.cancel(get_conn(), current_account(), request_id)))


@casework_api.post("/requests/<int:request_id>/written-order")
@requires("officer")
def written_order(request_id: int):
    _request(request_id)
    upload = request.files.get("document")
    if upload is None:
        raise BadInput("attach the order document as the multipart part 'document'")
    try:
        data = upload.read(documents.MAX_BYTES + 1)
    finally:
        upload.close()
    settings = current_app.config["ANPR_SETTINGS"]
    store, master = documents.store_for(settings, settings.database.home)
    doc, sealed = documents.seal(data, request_id, master)
    result, before = lifecycle.attach_written_order(get_conn(), current_account(), request_id,
                                                    doc.key, doc.sha256)
    if result["order_document_key"] != before:
        # stored once the request took it, before that is committed (a refused upload
        # leaves no file, a failed store no request without its document); the file it
        # replaced before confirmation (a wrong one) goes once the replacement holds
        store.put(doc.key, sealed)
        get_conn().commit()
        if before is not None:
            store.delete_prefix(before)
    return jsonify({**_view(result), "document": {"sha256": doc.sha256, "type": doc.mimetype,
                                                  "size": doc.size}})


@casework_api.get("/requests/<int:request_id>/handover")
@requires("officer")
def handover(request_id: int):
    req = _request(request_id, Level.VIEW)
    return jsonify(req_mod.colleagues_for_handover(get_conn(), req))


@casework_api.post("/requests/<int:request_id>/handover")
@requires("officer")
def handover_to(request_id: int):
    """The handling officer hands the request to a colleague (recorded, audited)."""
    body = json_object()
    result = access.handover(get_conn(), current_account(), request_id, body.get("to"),
                             body.get("reason"))
    return jsonify(_view(result))


def _relations(request_id: int, listing) -> object:
    """Members or grants of a request, for its handling officer."""
    return jsonify(listing(get_conn(), _request(request_id, Level.VIEW)))


def _record_relation(request_id: int, recorder) -> tuple:
    """Record a member or a grant (by the handling officer); answers the new list."""
    out = recorder(get_conn(), current_account(), request_id, json_object().get("account"))
    return jsonify(out), 201


@casework_api.get("/requests/<int:request_id>/members")
@requires("officer")
def members(request_id: int):
    return _relations(request_id, access.members)


@casework_api.post("/requests/<int:request_id>/members")
@requires("officer")
def add_member(request_id: int):
    """Record a member of the request's investigation (by the handling officer)."""
    return _record_relation(request_id, access.add_member)


@casework_api.get("/requests/<int:request_id>/grants")
@requires("officer")
def grants(request_id: int):
    return _relations(request_id, access.grants)


@casework_api.post("/requests/<int:request_id>/grants")
@requires("officer")
def add_grant(request_id: int):
    """Grant someone outside the investigation sight of what was provided (level 2)."""
    from casework import provision

    return _record_relation(request_id, provision.grant)


@casework_api.delete("/requests/<int:request_id>/members/<int:account_id>")
@requires("officer")
def remove_member(request_id: int, account_id: int):
    """End a recorded membership of the investigation (by the handling officer)."""
    return jsonify(access.remove_member(get_conn(), current_account(), request_id,
                                        account_id))


@casework_api.delete("/requests/<int:request_id>/grants/<int:account_id>")
@requires("officer")
def revoke_grant(request_id: int, account_id: int):
    """Withdraw a grant (by the handling officer)."""
    return jsonify(access.revoke_grant(get_conn(), current_account(), request_id,
                                       account_id))


@casework_api.put("/requests/<int:request_id>/requester")
@requires("officer")
def set_requester(request_id: int):
    """Record the requester of record (account: id or username, or null to clear)."""
    body = json_object()
    if "account" not in body:
        raise BadInput("give the requester's account (id or username), or null")
    return jsonify(_view(access.set_requester(get_conn(), current_account(), request_id,
                                              body["account"])))


REQ_PATH = {"name": "request_id", "in": "path", "required": True, "schema": {"type": "integer"}}
ACCOUNT_PATH = {"name": "account_id", "in": "path", "required": True,
                "schema": {"type": "integer"}}


def _json(schema: dict, description: str = "ok") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(name: str, required: bool = True) -> dict:
    return {"required": required, "content": {"application/json": {"schema": ref(name)}}}


_REQ_OK = _json(ref("Request"), "the request")
_NO_BODY = _body("Empty", required=False)
#: A confirmed request: its order's areas resolved to cameras once, searches may start.
_CONFIRMED = {"description": "the request, confirmed", "content": {"application/json": {
    "schema": ref("Request"),
    "example": {"id": 17, "reference": "2026-MN-0017", "status": "confirmed",
                "unit_code": "MN", "received_at": "2026-12-01T09:00:00+01:00",
                "order_at": "2026-12-01T08:30:00+01:00", "order_kind": "written",
                "order_reference": "OvJ-2026-118", "crime_code": "289",
                "crime_label": "Doodslag", "fugitive": False, "photos": False,
                "foreign_request": False, "convoy_minutes": None,
                "confirmed_at": "2026-12-01T09:05:12+01:00",
                "scope": {"windows": [{"start": "2026-11-20T00:00:00+01:00",
                                       "end": "2026-11-21T00:00:00+01:00"}],
                          "plates": ["AB123C"], "patterns": [], "cameras": [],
                          "locations": [], "areas": [],
                          "resolved_cameras": ["MN-A12-004-R1", "MN-A12-005-L1"]},
                "investigation_system": "BVH", "investigation_number": "2026-0042",
                "investigation_name": "Onderzoek Eik", "officer_username": "officer.mn",
                "written_order_at": None, "written_order_due": None,
                "written_order_overdue": False}}}}


def _list(name: str) -> dict:
    return {"type": "array", "items": ref(name)}


_MEMBERS = _json(_list("Member"), "the members of the investigation, as recorded now")
_GRANTS = _json(_list("Grant"), "the grants, as recorded now")
register_paths({
    "/api/v1/session": {
        "get": {"summary": "The current account and the CSRF token",
                "description": "Start here: the CSRF token that the login (and every later "
                               "write) sends as X-CSRF-Token.",
                "responses": {"200": _json(ref("Session"))}},
        "post": {"summary": "Log in (username, password); returns the CSRF token",
                 "description": "Sets the session cookie; send the answered `csrf_token` as "
                                "X-CSRF-Token on every write from now on.",
                 "requestBody": _body("Login"),
                 "responses": {"200": _json(ref("Session")), "401": ERROR, "403": ERROR,
                               "429": ERROR}},
        "delete": {"summary": "Log out", "requestBody": _NO_BODY,
                   "responses": {"200": _json({"type": "object", "properties": {
                       "ok": {"type": "boolean"}}})}}},
    "/api/v1/crimes": {"get": {"summary": "Crimes and whether art. 67 lid 1 Sv applies",
                               "responses": {"200": _json(_list("Crime"), "the crimes"),
                                             "401": ERROR, "403": ERROR}}},
    "/api/v1/requests": {
        "get": {"summary": "The unit's requests with open work and overdue written orders",
                "responses": {"200": _json(ref("RequestList")), "401": ERROR, "403": ERROR}},
        "post": {"summary": "Register a request and its order (refused with the reason when "
                            "the crime does not qualify)",
                 "requestBody": _body("RequestRegistration"),
                 "responses": {"201": _REQ_OK, "400": ERROR, "403": ERROR,
                               "422": _json(ref("Request"), "registered as rejected: the "
                                            "crime does not qualify (qualification.reason)")}}},
    "/api/v1/requests/{request_id}": {"get": {"summary": "One request", "parameters": [REQ_PATH],
                                              "responses": {"200": _REQ_OK, "403": ERROR,
                                                            "404": ERROR}}},
    **{f"/api/v1/requests/{{request_id}}/{verb}": {"post": {
        "summary": summary, "parameters": [REQ_PATH], "requestBody": body,
        "responses": {"200": _CONFIRMED if verb == "confirm" else _REQ_OK, "400": ERROR,
                      "403": ERROR, "404": ERROR, "409": ERROR}}}
       for verb, summary, body in [
           ("confirm", "Confirm the registered data (then frozen); searches may start",
            _NO_BODY),
           ("correct", "A correction as a new, logged version", _body("Correction")),
           ("reject", "Reject with a reason (kept)", _body("Reason")),
           ("cancel", "Cancel before confirmation", _NO_BODY),
           ("written-order", "Attach the written order (multipart 'document')",
            {"required": True, "content": {"multipart/form-data": {
                "schema": ref("WrittenOrder")}}})]},
    "/api/v1/requests/{request_id}/handover": {
        "get": {"summary": "Colleagues who may take over (not in the investigation); the "
                           "hand-overs so far are in the request's `handovers`",
                "parameters": [REQ_PATH],
                "responses": {"200": _json(_list("Colleague")), "403": ERROR, "404": ERROR}},
        "post": {"summary": "Hand the request over (to: account id or username, reason); "
                            "the colleague becomes the handling officer (recorded)",
                 "parameters": [REQ_PATH], "requestBody": _body("Handover"),
                 "responses": {"200": _REQ_OK, "400": ERROR, "403": ERROR, "404": ERROR,
                               "409": ERROR}}},
    "/api/v1/requests/{request_id}/members": {
        "get": {"summary": "Recorded members of the request's investigation",
                "parameters": [REQ_PATH], "responses": {"200": _MEMBERS, "404": ERROR}},
        "post": {"summary": "Record a member of the investigation (account: id or username)",
                 "parameters": [REQ_PATH], "requestBody": _body("AccountRef"),
                 "responses": {"201": _MEMBERS, "400": ERROR, "403": ERROR, "404": ERROR}}},
    "/api/v1/requests/{request_id}/grants": {
        "get": {"summary": "Grants to see what was provided (viewing level 2)",
                "parameters": [REQ_PATH], "responses": {"200": _GRANTS, "404": ERROR}},
        "post": {"summary": "Grant an account outside the investigation sight of what was "
                            "provided (account: id or username)", "parameters": [REQ_PATH],
                 "requestBody": _body("AccountRef"),
                 "responses": {"201": _GRANTS, "400": ERROR, "403": ERROR, "404": ERROR}}},
    "/api/v1/requests/{request_id}/members/{account_id}": {
        "delete": {"summary": "End a recorded membership of the investigation",
                   "parameters": [REQ_PATH, ACCOUNT_PATH],
                   "responses": {"200": _MEMBERS, "400": ERROR, "404": ERROR}}},
    "/api/v1/requests/{request_id}/grants/{account_id}": {
        "delete": {"summary": "Withdraw a grant", "parameters": [REQ_PATH, ACCOUNT_PATH],
                   "responses": {"200": _GRANTS, "400": ERROR, "404": ERROR}}},
    "/api/v1/requests/{request_id}/requester": {
        "put": {"summary": "Record the requester of record, who sees what was provided "
                           "(account: id or username; null clears it)",
                "parameters": [REQ_PATH],
                "requestBody": _body("Requester"),
                "responses": {"200": _REQ_OK, "400": ERROR, "404": ERROR}}},
})


# -- enquiries, verification, provision ------------------------------------------------------

@casework_api.post("/requests/<int:request_id>/searches")
@requires("officer")
def search_preview(request_id: int):
    """Every search starts as a count preview; the run is a second step."""
    from casework import enquiries

    _request(request_id)
    body = json_object()
    params = body.get("parameters")
    if not isinstance(params, dict):
        raise BadInput("parameters must be an object")
    out = enquiries.preview(get_conn(), current_account(), request_id, str(body.get("kind")),
                            params)
    # The same search again: 200 with the one already previewed or run (``already``).
    return jsonify(out), 200 if out.get("already") else 201


@casework_api.get("/requests/<int:request_id>/searches")
@requires("officer")
def search_list(request_id: int):
    from casework import enquiries

    _request(request_id, Level.VIEW)
    return jsonify(enquiries.list_for(get_conn(), request_id))


def _own_enquiry(enquiry_id: int) -> int:
    return access.require_enquiry(get_conn(), current_account(), enquiry_id, Level.ACT)


@casework_api.post("/searches/<int:enquiry_id>/run")
@requires("officer")
def search_run(enquiry_id: int):
    from casework import enquiries

    _own_enquiry(enquiry_id)
    return jsonify(enquiries.run(get_conn(), current_account(), enquiry_id))


@casework_api.post("/searches/<int:enquiry_id>/stop")
@requires("officer")
def search_stop(enquiry_id: int):
    from casework import enquiries

    _own_enquiry(enquiry_id)
    enquiries.stop_after_preview(get_conn(), current_account(), enquiry_id)
    return jsonify({"enquiry_id": enquiry_id, "stopped_after_preview": True})


@casework_api.get("/requests/<int:request_id>/reads")
@requires("officer")
def reads(request_id: int):
    from casework import verification

    _request(request_id)
    from webmap.payload import int_arg

    size, offset = int_arg("page_size", 50, 1, 500), int_arg("offset", 0, 0, 10**9)
    # crops=1: each read carries its plate crop inline, so a page is one request.
    reader = photo_vault().get if request.args.get("crops") == "1" else None
    out = verification.reads(get_conn(), current_account(), request_id, page_size=size,
                             offset=offset, include_verified=request.args.get("all") == "1",
                             crop_reader=reader)
    return jsonify(out)   # no-store, as every answer (webmap.app._security_headers)


@casework_api.post("/requests/<int:request_id>/verdicts")
@requires("officer")
def verdicts(request_id: int):
    from casework import verification

    _request(request_id)
    return jsonify(verification.record(get_conn(), current_account(), request_id,
                                       json_object()))


@casework_api.get("/passages/<int:passage_id>/crop")
@requires("officer")
def crop(passage_id: int):
    """The plate crop of a read under verification (only reads of the officer's requests)."""
    conn = get_conn()
    acc = current_account()
    # From the results (indexed by passage) to each passage by its key (migration 0020a).
    rows = conn.execute("""
        SELECT p.crop_key, r.id AS request_id FROM enquiry_result er
          JOIN enquiry e ON e.id = er.enquiry_id JOIN request r ON r.id = e.request_id
          CROSS JOIN LATERAL jj126.case_passage_at(er.camera_id, er.captured_at,
                                                   er.passage_id, r.reference) p
         WHERE er.passage_id = %s AND r.officer_id = %s""",
                        (passage_id, acc.id)).fetchall()
    # Only as the request's handling officer (casework.access): the unit and R2 hold too.
    row = next((r for r in rows if access.level(conn, acc, req_mod.get(conn, r["request_id"]))
                >= Level.ACT), None)
    if row is None or not row["crop_key"]:
        if row is None:  # no request of this officer's holds the read: an attempt, logged
            from anpr import audit

            audit.record(conn, acc.username, "access.refused", f"passage:{passage_id}",
                         reason="no request of the officer holds this read", needed="act")
            conn.commit()
        raise NotFound("no plate crop for this read in your requests")
    from flask import Response

    return Response(photo_vault().get(row["crop_key"]), mimetype="image/jpeg",
                    headers={"Cache-Control": "no-store"})


@casework_api.post("/requests/<int:request_id>/package")
@requires("officer")
def package(request_id: int):
    """Make and download the provision package, once."""
    from flask import Response

    from casework import provision

    req = _request(request_id)
    data, manifest = provision.build(get_conn(), current_account(), request_id, photo_vault().get)
    get_conn().commit()
    return Response(data, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{req["reference"]}.zip"',
        "Cache-Control": "no-store"})


@casework_api.post("/requests/<int:request_id>/complete")
@requires("officer")
def complete(request_id: int):
    from casework import provision

    _request(request_id)
    return jsonify(_view(provision.complete(get_conn(), current_account(), request_id)))


@casework_api.get("/requests/<int:request_id>/provided")
@requires("officer", "requester", "analyst")
def provided(request_id: int):
    """What was provided (manifest), for the investigation or holders of a grant (R10)."""
    from casework import provision

    return jsonify(provision.provided_manifest(get_conn(), current_account(),
                                               request_id))


_SEARCH = {"name": "enquiry_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _PAGE_ARGS(most: int, default: int) -> list[dict]:
    """page_size, offset and all=1 (the verified or approved ones too) of a paged list."""
    return [{"name": "page_size", "in": "query", "schema": {
                "type": "integer", "minimum": 1, "maximum": most, "default": default}},
            {"name": "offset", "in": "query", "schema": {
                "type": "integer", "minimum": 0, "maximum": 10**9, "default": 0}},
            {"name": "all", "in": "query", "schema": {"enum": ["0", "1"]},
             "description": "1: the ones already done too"}]
register_paths({
    "/api/v1/requests/{request_id}/searches": {
        "get": {"summary": "The request's searches", "parameters": [REQ_PATH],
                "responses": {"200": _json(_list("Search")), "403": ERROR, "404": ERROR}},
        "post": {"summary": "Preview a search inside the request's order (kind: plate, partial, "
                            "block, convoy, common, route; parameters as for /search)",
                 "description": "Block (Q3) needs an explicit selection (`selection` or "
                                "`cameras`); an order that names plates refuses block (Q3) "
                                "and common (Q5) searches (403). The same search again "
                                "answers 200 with the one already previewed (`already`).",
                 "parameters": [REQ_PATH], "requestBody": _body("EnquiryPreview"),
                 "responses": {"200": _json(ref("Enquiry")), "201": _json(ref("Enquiry")), "400": ERROR, "403": ERROR, "404": ERROR, "409": ERROR}}},
    "/api/v1/searches/{enquiry_id}/run": {"post": {
        "summary": "Run a previewed search; results are kept and held", "parameters": [_SEARCH],
        "requestBody": _NO_BODY,
        "responses": {"200": _json(ref("SearchRun"), "what the run held"), "403": ERROR,
                      "404": ERROR, "409": ERROR}}},
    "/api/v1/searches/{enquiry_id}/stop": {"post": {
        "summary": "Stop after the preview (recorded)", "parameters": [_SEARCH],
        "requestBody": _NO_BODY,
        "responses": {"200": _json(ref("SearchStopped")), "403": ERROR, "404": ERROR,
                      "409": ERROR}}},
    "/api/v1/requests/{request_id}/reads": {"get": {
        "summary": "Plate reads to verify, a page at a time (10, 50, 100, 500); crops=1 puts "
                   "each read's plate crop inline (data URL); a read without a crop is "
                   "listed (all=1) as not verifiable",
        "description": "Each answer hands out a page (`page`: its id, how many of its reads "
                       "may be confirmed with the page, and the spot-check read the officer "
                       "must answer on its own), kept on the server for its verdicts. Each "
                       "read says how it matched (`match`), the plate its crop must show "
                       "(`ordered_plate`), whether it needs a verdict of its own "
                       "(`individual`: the plate reader disagrees, is unsure, has no opinion, "
                       "or it is a probable misread) and the reader's opinion (`machine`).",
        "parameters": [REQ_PATH, *_PAGE_ARGS(500, 50),
                       {"name": "crops", "in": "query", "schema": {"enum": ["0", "1"]},
                        "description": "1: each read's plate crop inline"}],
        "responses": {"200": _json(ref("ReadsPage"), "a page of reads, handed out for "
                                   "verdicts"), "400": ERROR, "403": ERROR,
                      "409": ERROR}}},
    "/api/v1/requests/{request_id}/verdicts": {"post": {
        "summary": "Verdicts (confirmed or rejected) for the reads of a page handed out by "
                   "the reads list; a verdict holds 28 days",
        "description": "Names the page (`page`); carries the officer's own verdicts read by "
                       "read (`verdicts`) and, when the page has one, the answer on its "
                       "spot-check read (`spot_check`); `confirm_rest` confirms the page's "
                       "reads that the plate reader agrees with and that got no verdict of "
                       "their own (never the others). No page, an unknown, expired or used "
                       "one, reads not on it, the spot-check unanswered, or a read without a "
                       "crop: 409, nothing stored.",
        "parameters": [REQ_PATH], "requestBody": _body("Verdicts"),
        "responses": {"200": _json(ref("VerdictsStored")), "400": ERROR, "403": ERROR,
                      "404": ERROR, "409": ERROR}}},
    "/api/v1/passages/{passage_id}/crop": {"get": {
        "summary": "The plate crop of a read in one of your requests",
        "parameters": [{"name": "passage_id", "in": "path", "required": True,
                        "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "JPEG", "content": {"image/jpeg": {"schema": {
            "type": "string", "format": "binary"}}}}, "404": ERROR}}},
    "/api/v1/requests/{request_id}/package": {"post": {
        "summary": "Make and download the provision package (once)", "parameters": [REQ_PATH],
        "description": "No body (or `{}`). The zip holds manifest.json (the Manifest schema: "
                       "the request, the order, each search's parameters, the counts and a "
                       "SHA-256 per file), the passages as CSV and GeoJSON with a "
                       "verification status per row, a route search's route, the plate "
                       "crops and, where the order asks for photos, the approved blurred "
                       "photos. Refused (409) before a search has run or while reads wait "
                       "for a verdict; GET …/provided gives the manifest afterwards.",
        "requestBody": {"required": False, "content": {"application/json": {
            "schema": ref("Empty"), "example": {}}}},
        "responses": {"200": {"description": "the package (zip)", "content": {
            "application/zip": {"schema": {"type": "string", "format": "binary"}}}},
            "409": ERROR, "403": ERROR}}},
    "/api/v1/requests/{request_id}/complete": {"post": {
        "summary": "Complete the request; secured results are released", "parameters": [REQ_PATH],
        "requestBody": _NO_BODY, "responses": {"200": _REQ_OK, "409": ERROR}}},
    "/api/v1/requests/{request_id}/provided": {"get": {
        "summary": "The manifest of what was provided (investigation members or grant holders)",
        "parameters": [REQ_PATH], "responses": {"200": _json(ref("Provided")), "403": ERROR,
                                                "409": ERROR}}},
})
