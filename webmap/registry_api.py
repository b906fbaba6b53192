"""Registry editing on the web (R9): thin handlers over camera_registry.registry, and the
editor page at /registry.

Why one blueprint for the page and the API: the page is nothing without these endpoints
and both are for camera-plan editors only; one line in webmap.app.BLUEPRINTS brings both.

The acting user is always the logged-in account (no header fallback): the history must
name a person who proved who they are. Each change runs in its own savepoint, so a
refused edit leaves nothing behind, whatever the domain function had written before it
found the problem.
"""
from __future__ import annotations

import io
import logging
from datetime import datetime
from typing import Any, Callable

from flask import Blueprint, Response, jsonify, render_template, request

from anpr.errors import BadInput, Unauthenticated
from camera_registry import registry
from gis import registry_queries as rq
from webmap.auth import current_account, requires
from webmap.db import get_conn
from webmap.openapi import ERROR, register_paths
from webmap.payload import iso_date, json_object
from webmap.schemas import DATE_TIME, ref
from webmap.services import photo_vault

log = logging.getLogger(__name__)

registry_api = Blueprint("registry_api", __name__)

EDITOR = "plan_editor"
#: Who may read the change history: editors, and those who check them.
HISTORY_READERS = (EDITOR, "auditor", "admin")
#: The reference frame shown when a camera has no masks yet (a common ANPR overview size).
DEFAULT_FRAME = (1920, 1080)
API = "/api/v1/registry"


# -- parsing -------------------------------------------------------------------------------

def _actor() -> str:
    account = current_account()
    if account is None:  # the access layer already refused; kept so a mistake cannot pass
        raise Unauthenticated("log in as a camera-plan editor")
    return account.username


def _only(body: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
    """Unknown fields are refused by name rather than ignored: a typo must not look saved."""
    unknown = set(body) - allowed
    if unknown:
        raise BadInput(f"unknown field(s): {', '.join(sorted(unknown))}")
    return body


def _text(body: dict[str, Any], key: str, required: bool = False) -> str | None:
    value = body.get(key)
    if value is None:
        if required:
            raise BadInput(f"{key} is required")
        return None
    if not isinstance(value, str):
        raise BadInput(f"{key} must be text")
    if len(value) > 2000:
        raise BadInput(f"{key} is too long (at most 2000 characters)")
    return value


def _number(body: dict[str, Any], key: str, required: bool = False) -> float | None:
    value = body.get(key)
    if value is None:
        if required:
            raise BadInput(f"{key} is required")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadInput(f"{key} must be a number")
    return float(value)


def _int(body: dict[str, Any], key: str) -> int:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInput(f"{key} must be a whole number")
    return value


def _moment(raw: Any, key: str) -> datetime | None:
    if raw in (None, ""):
        return None
    try:
        value = datetime.fromisoformat(str(raw))
    except ValueError:
        raise BadInput(f"{key} {raw!r} is not a time (ISO 8601 with offset)") from None
    if value.tzinfo is None:
        raise BadInput(f"{key} needs an explicit UTC offset, e.g. 2026-05-01T08:00+02:00")
    return value


def _lane(body: dict[str, Any]) -> Any:
    lane = body.get("lane_geom")
    if isinstance(lane, dict) and lane.get("type") not in (None, "LineString"):
        raise BadInput("a lane is a GeoJSON LineString in the direction of travel")
    return lane


def _change(fn: Callable[..., dict[str, Any]], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Run one domain change in a savepoint: refused means nothing written."""
    conn = get_conn()
    with conn.transaction():
        return fn(conn, *args, actor=_actor(), **kwargs)


# -- locations -----------------------------------------------------------------------------

def _location_with_cameras(code: str) -> dict[str, Any]:
    conn = get_conn()
    loc = registry.location_state(conn, code)
    loc.pop("id", None)
    ids = [f["id"] for f in rq.location(conn, code)["properties"]["camera_list"]]
    loc["cameras"] = [registry.camera_state(conn, cid) for cid in sorted(ids)]
    return loc


@registry_api.get(f"{API}/locations/<code>")
@requires(EDITOR)
def get_location(code: str):
    return jsonify(_location_with_cameras(code))


@registry_api.post(f"{API}/locations")
@requires(EDITOR)
def create_location():
    body = _only(json_object(), {"code", "name", "unit_code", "lon", "lat", "road",
                                 "hectometre", "owner", "mounting"})
    out = _change(registry.create_location, code=_text(body, "code", True),
                  name=_text(body, "name", True), unit_code=_text(body, "unit_code", True),
                  lon=_number(body, "lon", True), lat=_number(body, "lat", True),
                  road=_text(body, "road"), hectometre=_number(body, "hectometre"),
                  owner=_text(body, "owner") or "police", mounting=_text(body, "mounting") or "fixed")
    out.pop("id", None)
    return jsonify(out), 201


@registry_api.patch(f"{API}/locations/<code>")
@requires(EDITOR)
def update_location(code: str):
    """Edit or move a location (a move is new lon and lat; the history keeps the old place)."""
    body = _only(json_object(), {"name", "road", "hectometre", "owner", "lon", "lat",
                                 "move_lanes"})
    if ("lon" in body) != ("lat" in body):
        raise BadInput("a move gives both lon and lat")
    move_lanes = body.get("move_lanes", False)
    if not isinstance(move_lanes, bool):
        raise BadInput("move_lanes is true or false")
    changes = {k: _text(body, k) for k in ("name", "road", "owner") if k in body}
    changes |= {k: _number(body, k) for k in ("hectometre", "lon", "lat") if k in body}
    out = _change(registry.update_location, code, move_lanes=move_lanes, **changes)
    out.pop("id", None)
    return jsonify(out)


@registry_api.get(f"{API}/locations/<code>/history")
@requires(*HISTORY_READERS)
def location_history(code: str):
    conn = get_conn()
    registry.location_state(conn, code)  # 404 for an unknown code
    return jsonify({"location": code, "changes": registry.history(conn, key=code)})


# -- cameras -------------------------------------------------------------------------------

@registry_api.post(f"{API}/cameras")
@requires(EDITOR)
def create_camera():
    body = _only(json_object(), {"id", "location_code", "bearing", "inout", "lane",
                                 "active_from", "lane_geom", "mounting", "facing",
                                 "segment_direction"})
    start = iso_date(body.get("active_from"), "active_from")
    if start is None:
        raise BadInput("active_from (YYYY-MM-DD) is required")
    direction = body.get("segment_direction")
    if direction is not None and direction not in (1, -1):
        raise BadInput("segment_direction is 1 or -1")
    out = _change(registry.create_camera, id=_text(body, "id", True),
                  location_code=_text(body, "location_code", True),
                  bearing=_number(body, "bearing"), inout=_text(body, "inout", True),
                  lane=_int(body, "lane"), active_from=start, lane_geom=_lane(body),
                  mounting=_text(body, "mounting") or "fixed",
                  facing=_text(body, "facing") or "front", segment_direction=direction)
    return jsonify(out), 201


@registry_api.get(f"{API}/cameras/<camera_id>")
@requires(EDITOR)
def get_camera(camera_id: str):
    conn = get_conn()
    cam = registry.camera_state(conn, camera_id)
    cam["status_periods"] = registry.status_periods(conn, camera_id)
    cam["masks"] = registry.privacy_masks(conn, camera_id)
    cam["frame"] = _frame_size(cam["masks"])
    return jsonify(cam)


@registry_api.patch(f"{API}/cameras/<camera_id>")
@requires(EDITOR)
def update_camera(camera_id: str):
    """Direction (bearing, in/out), facing, the lane line or the active period."""
    body = _only(json_object(), {"bearing", "inout", "facing", "lane_geom", "active_from",
                                 "active_to"})
    changes: dict[str, Any] = {}
    if "bearing" in body:
        changes["bearing"] = _number(body, "bearing")
    for key in ("inout", "facing"):
        if key in body:
            changes[key] = _text(body, key)
    if "lane_geom" in body:
        changes["lane_geom"] = _lane(body)
    for key in ("active_from", "active_to"):
        if key in body:
            changes[key] = iso_date(body[key], key)
    return jsonify(_change(registry.update_camera, camera_id, **changes))


@registry_api.get(f"{API}/cameras/<camera_id>/status")
@requires(EDITOR)
def list_status(camera_id: str):
    return jsonify({"camera": camera_id,
                    "periods": registry.status_periods(get_conn(), camera_id)})


@registry_api.post(f"{API}/cameras/<camera_id>/status")
@requires(EDITOR)
def set_status(camera_id: str):
    body = _only(json_object(), {"status", "start", "end", "note"})
    start = _moment(body.get("start"), "start")
    if start is None:
        raise BadInput("start (ISO 8601 with offset) is required")
    out = _change(registry.set_status, camera_id, status=_text(body, "status", True),
                  start=start, end=_moment(body.get("end"), "end"), note=_text(body, "note"))
    return jsonify(out), 201


@registry_api.get(f"{API}/cameras/<camera_id>/history")
@requires(*HISTORY_READERS)
def camera_history(camera_id: str):
    conn = get_conn()
    registry.camera_state(conn, camera_id)  # 404 for an unknown camera
    return jsonify({"camera": camera_id, "changes": registry.history(conn, key=camera_id)})


# -- privacy masks on the reference frame ----------------------------------------------------

def _frame_size(masks: list[dict[str, Any]]) -> dict[str, int]:
    """The frame the camera's masks were drawn on (the newest), else the default size."""
    if masks:
        return {"width": masks[-1]["frame_width"], "height": masks[-1]["frame_height"]}
    return {"width": DEFAULT_FRAME[0], "height": DEFAULT_FRAME[1]}


@registry_api.get(f"{API}/cameras/<camera_id>/masks")
@requires(EDITOR)
def list_masks(camera_id: str):
    masks = registry.privacy_masks(get_conn(), camera_id)
    return jsonify({"camera": camera_id, "frame": _frame_size(masks), "masks": masks})


@registry_api.post(f"{API}/cameras/<camera_id>/masks")
@requires(EDITOR)
def add_mask(camera_id: str):
    body = _only(json_object(), {"polygon", "frame_width", "frame_height", "label"})
    if body.get("polygon") is None:
        raise BadInput("polygon (pixel [x, y] points on the reference frame) is required")
    out = _change(registry.add_privacy_mask, camera_id, polygon=body["polygon"],
                  frame_width=_int(body, "frame_width"), frame_height=_int(body, "frame_height"),
                  label=_text(body, "label"))
    return jsonify(out), 201


@registry_api.delete(f"{API}/cameras/<camera_id>/masks/<int:mask_id>")
@requires(EDITOR)
def delete_mask(camera_id: str, mask_id: int):
    return jsonify(_change(registry.delete_privacy_mask, camera_id, mask_id))


@registry_api.get(f"{API}/cameras/<camera_id>/frame.png")
@requires(EDITOR)
def reference_frame(camera_id: str):
    """A neutral grid frame, for a camera the detector has no processed frame of (see
    :func:`camera_frame`) when the editor has no own frame to upload (:func:`blur_uploaded_frame`):
    the grid lets an editor place masks by the pixel coordinates a site survey gives."""
    masks = registry.privacy_masks(get_conn(), camera_id)
    size = _frame_size(masks)
    try:
        width = int(request.args.get("width", size["width"]))
        height = int(request.args.get("height", size["height"]))
    except ValueError:
        raise BadInput("width and height are whole pixels") from None
    if not (0 < width <= registry.MAX_FRAME and 0 < height <= registry.MAX_FRAME):
        raise BadInput(f"width and height are whole pixels from 1 to {registry.MAX_FRAME}")
    return Response(_grid_png(camera_id, width, height), mimetype="image/png",
                    headers={"Cache-Control": "private, max-age=3600"})


#: The largest reference frame an editor may upload (bytes): an 8192-pixel-wide JPEG fits.
MAX_UPLOAD = 25 * 1024 * 1024


@registry_api.post(f"{API}/cameras/<camera_id>/frame")
@requires(EDITOR)
def blur_uploaded_frame(camera_id: str):
    """An editor's own frame of the camera's view, blurred for drawing masks on, never kept.

    The upload (the raw image as the body, or a form field ``frame``) is decoded in this
    request's memory and blurred by the detector's production blur for this camera
    (:func:`detector.worker.blur_frame`) with no sharp region earned, so the whole frame is
    pixelated as a photo with nothing detected would be (fail closed: no plate, vehicle or
    face survives); the surroundings blur applies even where the camera is exempt from it.
    The answer is the blurred PNG with its size; neither the upload nor the blurred frame is
    written anywhere (no file, no database row, ``Cache-Control: no-store``). What is kept
    is only what the editor then saves: the masks with the frame's width and height."""
    # A camera frame may be larger than the app's body limit for JSON; this route reads
    # at most MAX_UPLOAD (a larger body is a 413 that says the limit).
    request.max_content_length = MAX_UPLOAD
    data = request.files["frame"].read(MAX_UPLOAD + 1) if "frame" in request.files \
        else request.get_data(cache=False)
    if not data:
        raise BadInput("send the frame as the request body (image/jpeg or image/png) or as "
                       "form field 'frame'")
    if len(data) > MAX_UPLOAD:
        raise BadInput(f"the frame is larger than {MAX_UPLOAD // (1024 * 1024)} MB")
    png, width, height = _blurred_reference(get_conn(), camera_id, data)
    return Response(png, mimetype="image/png", headers={
        "Cache-Control": "no-store", "X-Frame-Width": str(width), "X-Frame-Height": str(height)})


#: How many of a camera's newest processed frames to try (retention may have destroyed some).
CAMERA_FRAMES_TRIED = 5


@registry_api.get(f"{API}/cameras/<camera_id>/camera-frame.png")
@requires(EDITOR)
def camera_frame(camera_id: str):
    """The camera's own view to draw masks on: its newest frame the detector has processed,
    taken from the photo vault as the detector stored it (already blurred) and blurred again
    here with nothing detected, so the vehicle and plate the stored overview keeps sharp are
    pixelated too. Computed per request and not stored (``no-store``); 404 when the camera
    has no processed frame (the editor then offers the grid or an upload)."""
    from anpr.errors import NotFound

    conn = get_conn()
    registry.camera_state(conn, camera_id)
    keys = [r["blurred_key"] for r in conn.execute(
        "SELECT blurred_key FROM detector_frame WHERE camera_id = %s AND state = 'done' "
        "AND blurred_key IS NOT NULL ORDER BY captured_at DESC, id DESC LIMIT %s",
        (camera_id, CAMERA_FRAMES_TRIED)).fetchall()]
    vault = photo_vault() if keys else None
    for key in keys:
        try:
            data = vault.get(key)
        except (NotFound, FileNotFoundError, KeyError):
            continue  # destroyed by retention or missing: try the one before
        png, width, height = _blurred_reference(conn, camera_id, data)
        return Response(png, mimetype="image/png", headers={
            "Cache-Control": "no-store", "X-Frame-Width": str(width),
            "X-Frame-Height": str(height)})
    raise NotFound(f"camera {camera_id} has no processed frame to show")


def _blurred_reference(conn, camera_id: str, data: bytes) -> tuple[bytes, int, int]:
    """Decode and blur one frame as the detector would with nothing detected; PNG bytes."""
    from dataclasses import replace

    from detector.blur import BlurConfig
    from detector.frames import FrameRejected, decode
    from detector.worker import blur_frame, camera_view

    registry.camera_state(conn, camera_id)  # 404 for an unknown camera
    try:
        image = decode(data, max_pixels=registry.MAX_FRAME * registry.MAX_FRAME // 4)
    except FrameRejected as exc:
        raise BadInput(f"the frame cannot be used: {exc}") from None
    height, width = image.shape[:2]
    if width > registry.MAX_FRAME or height > registry.MAX_FRAME:
        raise BadInput(f"a reference frame is at most {registry.MAX_FRAME} pixels each way")
    view = replace(camera_view(conn, camera_id), surroundings=True)
    result = blur_frame(image, [], view, BlurConfig())
    del image
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(result.image[:, :, ::-1]).save(buf, format="PNG")
    return buf.getvalue(), width, height


def _grid_png(label: str, width: int, height: int) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("L", (width, height), 118)
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=max(10, min(width, height) // 40))
    step = next(s for s in (10, 20, 50, 100, 200, 500, 1000, 2000) if min(width, height) / s <= 12)
    for x in range(0, width, step):
        draw.line([(x, 0), (x, height)], fill=150 if x % (step * 5) else 190, width=1)
        draw.text((x + 3, 3), str(x), fill=215, font=font)
    for y in range(0, height, step):
        draw.line([(0, y), (width, y)], fill=150 if y % (step * 5) else 190, width=1)
        draw.text((3, y + 3), str(y), fill=215, font=font)
    draw.rectangle([0, 0, width - 1, height - 1], outline=230, width=2)
    draw.text((width // 2, height // 2), f"referentiebeeld {label} ({width}x{height})",
              fill=240, font=font, anchor="mm")
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


# -- the editor page -------------------------------------------------------------------------

@registry_api.get("/registry")
@requires(EDITOR)
def editor_page():
    return render_template("registry_editor.html")


# -- OpenAPI ---------------------------------------------------------------------------------

def _p(name: str, kind: str = "string") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}


def _op(summary: str, *params: dict, body: dict | None = None, ok: str = "200",
        codes: tuple[str, ...] = ("400", "401", "403", "404"),
        answer: str | None = None) -> dict[str, Any]:
    """An operation; ``answer`` names its 2xx body's schema in the components."""
    done: dict[str, Any] = {"description": "ok"}
    if answer is not None:
        done["content"] = {"application/json": {"schema": ref(answer)}}
    op: dict[str, Any] = {"summary": summary, "parameters": list(params),
                          "responses": {ok: done, **{c: ERROR for c in codes}}}
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return op


def _png(op: dict[str, Any]) -> dict[str, Any]:
    op["responses"]["200"] = {"description": "PNG", "content": {"image/png": {"schema": {
        "type": "string", "format": "binary"}}}}
    return op


_DAY = {"type": "string", "format": "date"}
_LINE = {"type": "object", "required": ["type", "coordinates"],
         "properties": {"type": {"enum": ["LineString"]},
                        "coordinates": {"type": "array", "items": {
                            "type": "array", "items": {"type": "number"}, "minItems": 2}}}}
_LOCATION_FIELDS = {
    "code": {"type": "string"}, "name": {"type": "string"}, "unit_code": {"type": "string"},
    "lon": {"type": "number"}, "lat": {"type": "number"}, "road": {"type": ["string", "null"]},
    "hectometre": {"type": ["number", "null"]}, "owner": {"enum": list(registry.OWNERS)},
    "mounting": {"enum": ["fixed", "mobile"]}}
_CAMERA_FIELDS = {
    "id": {"type": "string"}, "location_code": {"type": "string"},
    "inout": {"enum": ["in", "out"]}, "lane": {"type": ["integer", "null"]},
    "bearing": {"type": ["number", "null"]}, "facing": {"enum": ["front", "rear"]},
    "mounting": {"enum": ["fixed", "mobile"]}, "status": {"enum": list(registry.STATUSES)},
    "active_from": _DAY, "active_to": {"type": ["string", "null"], "format": "date"},
    "lane_geom": {"anyOf": [_LINE, {"type": "null"}]},
    "segment_direction": {"type": ["integer", "null"]}}
_PERIOD = {"type": "object", "required": ["id", "status", "start"], "properties": {
    "id": {"type": "integer"}, "status": {"enum": list(registry.STATUSES)},
    "start": DATE_TIME, "end": {"anyOf": [DATE_TIME, {"type": "null"}]},
    "note": {"type": ["string", "null"]}}}
_MASK = {"type": "object", "required": ["id", "polygon", "frame_width", "frame_height"],
         "properties": {"id": {"type": "integer"}, "camera_id": {"type": "string"},
                        "label": {"type": ["string", "null"]},
                        "frame_width": {"type": "integer"}, "frame_height": {"type": "integer"},
                        "polygon": {"type": "array", "items": {
                            "type": "array", "items": {"type": "number"},
                            "minItems": 2, "maxItems": 2}}}}
_CHANGE = {"type": "object", "required": ["id", "action", "actor", "at"], "properties": {
    "id": {"type": "integer"}, "entity": {"type": "string"}, "entity_key": {"type": "string"},
    "action": {"type": "string"}, "actor": {"type": "string"}, "at": DATE_TIME,
    "before": {"type": ["object", "null"]}, "after": {"type": ["object", "null"]}}}
_FRAME = {"type": "object", "required": ["width", "height"],
          "properties": {"width": {"type": "integer"}, "height": {"type": "integer"}}}
#: What the registry answers: locations, cameras, periods, masks and their history.
_ANSWERS: dict[str, dict[str, Any]] = {
    "StoredLocation": {"type": "object", "required": ["code", "name", "lon", "lat"],
                       "properties": {**_LOCATION_FIELDS, "outside_published_plans": {
                           "type": "array", "items": {"type": "integer"},
                           "description": "After a move: the published plans (this year "
                                          "and later) that name the location more than "
                                          "100 m from where it now is; there its cameras "
                                          "store nothing (R9)"}}},
    "StoredLocationWithCameras": {
        "type": "object", "required": ["code", "cameras"],
        "properties": {**_LOCATION_FIELDS, "cameras": {
            "type": "array", "items": {"type": "object", "required": ["id"],
                                       "properties": _CAMERA_FIELDS}}}},
    "StoredCamera": {"type": "object", "required": ["id", "location_code", "inout"],
                     "properties": _CAMERA_FIELDS},
    "StoredCameraInFull": {
        "type": "object", "required": ["id", "location_code", "status_periods", "masks",
                                       "frame"],
        "properties": {**_CAMERA_FIELDS, "status_periods": {"type": "array", "items": _PERIOD},
                       "masks": {"type": "array", "items": _MASK}, "frame": _FRAME}},
    "CameraWithPeriod": {"type": "object", "required": ["id", "period"],
                         "properties": {**_CAMERA_FIELDS, "period": _PERIOD}},
    "StatusPeriods": {"type": "object", "required": ["camera", "periods"], "properties": {
        "camera": {"type": "string"}, "periods": {"type": "array", "items": _PERIOD}}},
    "LocationHistory": {"type": "object", "required": ["location", "changes"], "properties": {
        "location": {"type": "string"}, "changes": {"type": "array", "items": _CHANGE}}},
    "CameraHistory": {"type": "object", "required": ["camera", "changes"], "properties": {
        "camera": {"type": "string"}, "changes": {"type": "array", "items": _CHANGE}}},
    "Masks": {"type": "object", "required": ["camera", "frame", "masks"], "properties": {
        "camera": {"type": "string"}, "frame": _FRAME,
        "masks": {"type": "array", "items": _MASK}}},
    "Mask": _MASK,
    "MaskDeleted": {"type": "object", "required": ["deleted"],
                    "properties": {"deleted": {"type": "integer"}}},
}

_CODE, _CAM = _p("code"), _p("camera_id")
_OBJ = {"type": "object"}
register_paths({
    f"{API}/locations": {"post": _op(
        "Place a new location (code UNIT-ROAD-SEQ, WGS84 point inside the Netherlands)",
        body={"$ref": "#/components/schemas/RegistryLocation"}, ok="201",
        codes=("400", "401", "403", "409"), answer="StoredLocation")},
    f"{API}/locations/{{code}}": {
        "get": _op("A location as stored, with its cameras (camera-plan editors)", _CODE,
                   answer="StoredLocationWithCameras"),
        "patch": _op("Edit or move a location (lon and lat together; move_lanes: true shifts "
                     "its cameras' lanes along); recorded with who and when", _CODE, body=_OBJ,
                     answer="StoredLocation")},
    f"{API}/locations/{{code}}/history": {"get": _op(
        "Changes to the location, its cameras and masks, newest first (editors, auditors, "
        "administrators)", _CODE, answer="LocationHistory")},
    f"{API}/cameras": {"post": _op(
        "Add a camera (id LOCATION-R|L<lane>; lane_geom a LineString in the direction of "
        "travel); a lane or a bearing is required (a lane alone gives the bearing)", body={"$ref": "#/components/schemas/RegistryCamera"}, ok="201",
        codes=("400", "401", "403", "404", "409"), answer="StoredCamera")},
    f"{API}/cameras/{{camera_id}}": {
        "get": _op("A camera with its status periods, privacy masks and reference frame size",
                   _CAM, answer="StoredCameraInFull"),
        "patch": _op("Set bearing, in/out, facing, the lane line or the active period", _CAM,
                     body=_OBJ, answer="StoredCamera")},
    f"{API}/cameras/{{camera_id}}/status": {
        "get": _op("Status periods of a camera", _CAM, answer="StatusPeriods"),
        "post": _op("Record a status period (active, defect, roadworks, retired); times with "
                    "offset", _CAM, ok="201", body={"type": "object", "required": ["status", "start"],
                                                     "properties": {
                                                         "status": {"enum": list(registry.STATUSES)},
                                                         "start": {"type": "string", "format": "date-time"},
                                                         "end": {"type": ["string", "null"],
                                                                 "format": "date-time"},
                                                         "note": {"type": ["string", "null"]}}},
                    codes=("400", "401", "403", "404", "409"),  # 409: may not become active
                    answer="CameraWithPeriod")},
    f"{API}/cameras/{{camera_id}}/history": {"get": _op(
        "Changes to the camera and its masks, newest first (editors, auditors, administrators)",
        _CAM, answer="CameraHistory")},
    f"{API}/cameras/{{camera_id}}/masks": {
        "get": _op("Privacy masks in pixel coordinates of the reference frame", _CAM,
                   answer="Masks"),
        "post": _op("Add a privacy mask; it must lie wholly inside the frame", _CAM, ok="201",
                    body={"type": "object", "required": ["polygon", "frame_width", "frame_height"],
                          "properties": {"polygon": {"type": "array", "items": {
                              "type": "array", "items": {"type": "number"}}},
                              "frame_width": {"type": "integer"},
                              "frame_height": {"type": "integer"},
                              "label": {"type": ["string", "null"]}}}, answer="Mask")},
    f"{API}/cameras/{{camera_id}}/masks/{{mask_id}}": {"delete": _op(
        "Remove a privacy mask (recorded)", _CAM, _p("mask_id", "integer"),
        answer="MaskDeleted")},
    f"{API}/cameras/{{camera_id}}/frame": {"post": {**_png(_op(
        "Blur an editor's own frame of the camera's view (body: image/jpeg or image/png) with "
        "the detector's blur, nothing detected so all of it pixelated; answered as PNG, kept "
        "nowhere", _CAM)), "requestBody": {"required": True, "content": {
            t: {"schema": {"type": "string", "format": "binary"}}
            for t in ("image/jpeg", "image/png")}}}},
    f"{API}/cameras/{{camera_id}}/camera-frame.png": {"get": _png(_op(
        "The camera's newest processed frame, blurred again with nothing detected (all of it "
        "pixelated), to draw masks on; 404 when there is none", _CAM))},
    f"{API}/cameras/{{camera_id}}/frame.png": {"get": _png(_op(
        "A neutral placeholder reference frame (PNG with a pixel grid) to draw masks on", _CAM,
        {"name": "width", "in": "query", "schema": {"type": "integer"}},
        {"name": "height", "in": "query", "schema": {"type": "integer"}}))},
}, schemas={
    **_ANSWERS,
    "RegistryLocation": {"type": "object", "required": ["code", "name", "unit_code", "lon", "lat"],
                         "properties": {"code": {"type": "string", "example": "MN-A12-901"},
                                        "name": {"type": "string"}, "unit_code": {"type": "string"},
                                        "lon": {"type": "number"}, "lat": {"type": "number"},
                                        "road": {"type": "string"}, "hectometre": {"type": "number"},
                                        "owner": {"enum": list(registry.OWNERS)},
                                        "mounting": {"enum": ["fixed", "mobile"]}}},
    "RegistryCamera": {"type": "object",
                       "required": ["id", "location_code", "inout", "active_from"],
                       "anyOf": [{"required": ["lane"]}, {"required": ["bearing"]}],
                       "properties": {"id": {"type": "string", "example": "MN-A12-901-R1"},
                                      "location_code": {"type": "string"},
                                      "bearing": {"type": "number", "minimum": 0, "maximum": 360},
                                      "inout": {"enum": ["in", "out"]},
                                      "lane": {"type": "integer", "minimum": 1, "maximum": 12},
                                      "active_from": {"type": "string", "format": "date"},
                                      "lane_geom": {"type": ["object", "null"]},
                                      "facing": {"enum": ["front", "rear"]}}},
})
