"""HTTP intake for cameras and edge devices: ``POST /api/v1/intake/passages``.

A thin adapter: authenticate the device key, take the records and photo parts out of
the request, hand them to :func:`ingest.intake.intake_batch`, commit, and only then
answer. A database outage is a 503, so a device retries, and the retry is idempotent.
"""
from __future__ import annotations

import logging
import re

import psycopg
from flask import Blueprint, current_app, jsonify, request

from anpr.errors import BadInput, DatabaseUnavailable
from ingest import records
from ingest.devices import authenticate, device_cameras
from ingest.intake import RegistryCache, intake_batch, parse_records
from webmap import payload
from webmap.db import get_conn
from webmap.openapi import ERROR, register_paths
from webmap.services import photo_vault

log = logging.getLogger(__name__)

intake_api = Blueprint("intake_api", __name__)


def _registry() -> RegistryCache:
    return current_app.extensions.setdefault("anpr_registry_cache", RegistryCache())


@intake_api.before_request
def _limits() -> None:
    intake = current_app.config["ANPR_SETTINGS"].intake
    request.max_content_length = intake.max_request_mb * 1024 * 1024
    request.max_form_memory_size = intake.max_request_mb * 1024 * 1024
    request.max_form_parts = 2 * intake.max_batch + 16


def _device_key() -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get("X-Device-Key")


def _read_request() -> tuple[list, dict[str, bytes]]:
    """The records and photos; every JSON text passes webmap.payload's guards (depth,
    NUL and lone surrogates, 64-bit integers) before and after parsing."""
    if request.mimetype == "multipart/form-data":
        images: dict[str, bytes] = {}
        raw = request.form.get("records")
        for name, storage in request.files.items(multi=True):
            if name == "records":
                raw = storage.read()
            else:
                images[name] = storage.read()
        if raw is None:
            raise BadInput("the multipart body needs a 'records' part")
        return _records(raw), images
    if request.mimetype in ("application/json", "application/x-ndjson"):
        body = request.get_data()
        if request.mimetype == "application/json" and body.lstrip().startswith(b"{"):
            try:
                records = payload.loads(body).get("records")
            except ValueError:
                raise BadInput("the body is not valid JSON") from None
            if not isinstance(records, list):
                raise BadInput("the body needs a 'records' array")
            return records, {}
        return _records(body), {}
    raise BadInput("send multipart/form-data (records + photo parts) or application/json")


def _records(raw: str | bytes) -> list:
    payload.check_depth(raw, "the records")
    return payload.check_value(parse_records(raw), "the records")


@intake_api.post("/intake/passages")
def intake_passages():
    """Devices authenticate with their own key in the view (webmap.auth's ``device``)."""
    settings = current_app.config["ANPR_SETTINGS"]
    try:
        conn = get_conn()
        device = authenticate(conn, _device_key())
        allowed = device_cameras(conn, device)
        records, images = _read_request()
        outcome = intake_batch(conn, records, images, settings, allowed=allowed,
                               vault=photo_vault() if images else None,
                               cameras=_registry().get(conn))
        conn.commit()  # acknowledge only what is durable
    except psycopg.OperationalError as exc:
        log.warning("intake refused, database unavailable: %s", exc)
        raise DatabaseUnavailable("the database is unavailable; retry the batch") from exc
    except Exception:
        if "conn" in locals():
            try:
                conn.rollback()
            except psycopg.Error:
                pass
        raise
    return jsonify(outcome.to_dict())


# webmap.auth's marker for device-key views (no session cookie, no CSRF); set as an
# attribute so this module does not depend on the auth module's import order.
intake_passages.anpr_access = "device"


def _whole(rx: re.Pattern[str], head: str = "") -> str:
    """A validator's ``fullmatch`` regex as a JSON Schema pattern (which searches)."""
    return f"^{head}(?:{rx.pattern})$"


#: A plate as read, as the validator takes it: its characters, and at most PLATE_MAX
#: letters and digits once dots, dashes and spaces are dropped.
_PLATE = {"type": "string",
          "pattern": _whole(records.PLATE_RAW,
                            f"(?=(?:[^A-Za-z0-9]*[A-Za-z0-9]){{1,{records.PLATE_MAX}}}"
                            "[^A-Za-z0-9]*$)"),
          "description": f"as read: 1-20 letters, digits, spaces, dots or dashes, starting "
                         f"with a letter or digit; 1 to {records.PLATE_MAX} letters and "
                         "digits (stored upper case without the rest)"}
_CONFIDENCE = {"type": "number", "minimum": 0, "maximum": 1}
_IMAGE = {"type": "string", "pattern": _whole(records.IMAGE_REF, r"(?!/)(?!(?:.*/)?\.\.(?:/|$))"),
          "description": "the photo's file name: a relative path in bulk files, the name of "
                         "its multipart part over HTTP (no leading '/', no '..')"}
_LON_MIN, _LAT_MIN, _LON_MAX, _LAT_MAX = records.NL_BOUNDS
#: The intake record (DESIGN.md section 5) in its JSON form, built from the validator's own
#: limits (ingest.records; tests/test_intake_schema.py holds the two together). What only
#: the validator can judge: the camera registered and in the published plan at that time
#: (R9), the time neither in the future nor past retention, a fixed camera's position near
#: its registered location, no alternative equal to the read or to another. CSV's empty
#: cells count as absent, and its numbers are text.
INTAKE_RECORD = {
    "type": "object", "required": list(records.REQUIRED),
    "properties": {
        "camera": {"type": "string", "minLength": 1,
                   "description": "the camera's id in the registry"},
        "captured_at": {"type": "string", "format": "date-time",
                        "description": "ISO 8601 with an explicit UTC offset"},
        "plate": _PLATE,
        "country": {"type": "string", "pattern": _whole(records.COUNTRY),
                    "description": "1-3 letters (NL, D, B)"},
        "confidence": _CONFIDENCE,
        "lat": {"type": "number", "minimum": _LAT_MIN, "maximum": _LAT_MAX,
                "description": "WGS84 degrees (not RD New metres), in or just around the "
                               "Netherlands"},
        "lon": {"type": "number", "minimum": _LON_MIN, "maximum": _LON_MAX,
                "description": "WGS84 degrees"},
        "capture_id": {"type": "string", "pattern": _whole(records.CAPTURE_ID),
                       "description": "unique per camera: a retry with the same id is a "
                                      "duplicate, never a second passage"},
        "overview": _IMAGE, "crop": _IMAGE,
        "alternatives": {
            "type": "array", "maxItems": records.MAX_ALTERNATIVES,
            "description": "the camera's other candidate reads (docs/intake.md); none equal "
                           "to `plate` or to another",
            "items": {"type": "object", "required": ["plate", "confidence"],
                      "properties": {"plate": _PLATE, "confidence": _CONFIDENCE}}}},
    "example": {"camera": "MN-A12-004-R1", "captured_at": "2026-11-20T08:14:03+01:00",
                "plate": "AB-123-C", "country": "NL", "confidence": 0.93, "lat": 52.0907,
                "lon": 5.1214, "capture_id": "cam4-20261120-081403-0017",
                "overview": "0017-overview.jpg", "crop": "0017-crop.jpg",
                "alternatives": [{"plate": "AB-123-G", "confidence": 0.04}]}}

RESULT = {"type": "object", "properties": {
    "index": {"type": "integer"}, "capture_id": {"type": ["string", "null"]},
    "status": {"enum": ["accepted", "duplicate", "rejected", "not_stored"]},
    "reason": {"type": "string"}, "message": {"type": "string"}}}

register_paths({
    "/api/v1/intake/passages": {"post": {
        "summary": "Store a batch of passages from a camera or site (idempotent)",
        "description": "Authenticate with `Authorization: Bearer <device key>`. Send "
                       "multipart/form-data with a `records` part (a JSON array or JSON "
                       "Lines of intake records, DESIGN.md section 5) and one file part per "
                       "photo, named as the record's `overview` or `crop` value; or "
                       "application/json `{\"records\": [...]}` without photos. The batch is "
                       "stored whole or not at all: any invalid record refuses it (422) with "
                       "a reason per record. A record already stored answers `duplicate`.",
        "security": [{"deviceKey": []}],
        "requestBody": {"required": True, "content": {
            "multipart/form-data": {"schema": {"type": "object", "required": ["records"],
                                               "properties": {"records": {"type": "string"}}}},
            "application/json": {"schema": {"type": "object", "properties": {
                "records": {"type": "array", "items": {"$ref": "#/components/schemas/IntakeRecord"}}}}}}},
        "responses": {
            "200": {"description": "Stored; per-record accepted or duplicate", "content": {
                "application/json": {"schema": {"type": "object", "properties": {
                    "accepted": {"type": "integer"}, "duplicates": {"type": "integer"},
                    "rejected": {"type": "integer"},
                    "results": {"type": "array", "items": RESULT}}}}}},
            "400": ERROR, "401": ERROR, "413": ERROR,
            "422": {"description": "Some records rejected; nothing stored; "
                                   "details.results per record",
                    "content": {"application/json": {"schema": {
                        "type": "object", "required": ["error", "message", "details"],
                        "properties": {
                            "error": {"type": "string"}, "message": {"type": "string"},
                            "bericht": {"type": "string"},
                            "details": {"type": "object", "required": ["results"],
                                        "properties": {"results": {"type": "array",
                                                                   "items": RESULT}}}}}}}},
            "503": ERROR}}},
}, {"IntakeRecord": INTAKE_RECORD})
