"""JSON API of photo approval (R8): the photos of a request that asked for them, each as
the officer must judge it (the detector's blurred version, or a 409 with the blurring
state), and approval with extra blur boxes (thin handlers)."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from casework import photos
from webmap.auth import current_account, requires
from webmap.db import get_conn
from webmap.messages_nl import dutch
from webmap.openapi import ERROR, register_paths
from webmap.payload import json_object
from webmap.schemas import ref
from webmap.services import photo_vault

photos_api = Blueprint("photos_api", __name__)


def _own(request_id: int) -> None:
    """The handling officer only (casework.access); others are refused and logged."""
    from casework.access import Level, require

    require(get_conn(), current_account(), request_id, Level.ACT)


@photos_api.get("/requests/<int:request_id>/photos")
@requires("officer")
def list_photos(request_id: int):
    _own(request_id)
    from webmap.payload import int_arg

    size = int_arg("page_size", photos.PAGE_SIZE, 1, photos.MAX_PAGE)
    offset = int_arg("offset", 0, 0, 10**9)
    page = photos.photos(get_conn(), current_account(), request_id, page_size=size,
                         offset=offset, include_approved=request.args.get("all") == "1")
    # The page shows why a photo is not there in Dutch (issue 13); the English stays.
    for p in page.get("photos", []):
        if p.get("photo_message"):
            p["photo_bericht"] = dutch(p["photo_message"])
    for u in page.get("unavailable", []):
        if u.get("reason"):
            u["reden"] = dutch(u["reason"])
    return jsonify(page)   # no-store, as every answer (webmap.app._security_headers)


@photos_api.get("/requests/<int:request_id>/photos/<int:passage_id>")
@requires("officer")
def photo(request_id: int, passage_id: int):
    _own(request_id)
    data = photos.image(get_conn(), current_account(), request_id, passage_id, photo_vault())
    return Response(data, mimetype="image/jpeg", headers={"Cache-Control": "no-store"})


@photos_api.post("/requests/<int:request_id>/photos/<int:passage_id>/approve")
@requires("officer")
def approve(request_id: int, passage_id: int):
    _own(request_id)
    out = photos.approve(get_conn(), current_account(), request_id, passage_id,
                         json_object().get("boxes", []), photo_vault())
    return jsonify(out)


@photos_api.post("/requests/<int:request_id>/photos/approve")
@requires("officer")
def approve_page(request_id: int):
    """A page of photos approved in one action, each with its own touch-up boxes."""
    _own(request_id)
    out = photos.approve_page(get_conn(), current_account(), request_id,
                              json_object().get("photos"), photo_vault())
    return jsonify(out)


_REQ = {"name": "request_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_PAS = {"name": "passage_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _json(name: str) -> dict:
    return {"description": "ok", "content": {"application/json": {"schema": ref(name)}}}


register_paths({
    "/api/v1/requests/{request_id}/photos": {"get": {
        "summary": "Overview photos of the request's results to approve (only when the order "
                   "asks for photos); approved ones hidden unless all=1",
        "parameters": [_REQ, {"name": "page_size", "in": "query", "schema": {
                           "type": "integer", "minimum": 1, "maximum": photos.MAX_PAGE,
                           "default": photos.PAGE_SIZE}},
                       {"name": "offset", "in": "query", "schema": {
                           "type": "integer", "minimum": 0, "maximum": 10**9, "default": 0}},
                       {"name": "all", "in": "query", "schema": {"enum": ["0", "1"]},
                        "description": "1: approved ones too"}],
        "responses": {"200": _json("PhotosPage"), "400": ERROR, "403": ERROR, "404": ERROR,
                      "409": ERROR}}},
    "/api/v1/requests/{request_id}/photos/approve": {"post": {
        "summary": "Approve a page of photos in one action: photos [{passage_id, boxes}] "
                   "(1 to 100), each recorded and audited on its own; all or none",
        "parameters": [_REQ],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/PagePhotoApproval"}}}},
        "responses": {"200": _json("PhotosApproved"), "400": ERROR, "403": ERROR,
                                            "404": ERROR, "409": ERROR}}},
    "/api/v1/requests/{request_id}/photos/{passage_id}": {"get": {
        "summary": "The detector's blurred photo, or its approved copy; never the "
                   "unblurred original: 409 `photo_not_blurred` with details.photo_state "
                   "(pending, set_aside, not_queued) until the detector has blurred it",
        "parameters": [_REQ, _PAS], "responses": {"200": {"description": "JPEG", "content": {
            "image/jpeg": {"schema": {"type": "string", "format": "binary"}}}},
                                                  "403": ERROR, "404": ERROR, "409": ERROR}}},
    "/api/v1/requests/{request_id}/photos/{passage_id}/approve": {"post": {
        "summary": "Approve a photo with extra blur boxes [[x1, y1, x2, y2], ...] in pixels; "
                   "the blurred copy is written irreversibly and is final",
        "parameters": [_REQ, _PAS],
        "requestBody": {"required": False, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/PhotoApproval"}}}},
        "responses": {"200": _json("PhotoApproved"), "400": ERROR, "403": ERROR,
                                                  "404": ERROR, "409": ERROR}}},
})
