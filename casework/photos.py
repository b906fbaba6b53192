"""Photo approval (R8, report 7.4.5): only when the order asks for photos.

The officer sees the overview photo as the detector blurred it (persons, cabins,
privacy masks: ``detector_frame.blurred_key``), never the unblurred original: while the
detector has not processed the photo it is "blurring pending", and a photo the detector
set aside (it could not be read) is not shown or provided at all; both answer 409 with
the state. The officer may draw more blur boxes over anything still recognisable.
Approval writes a new copy with those boxes irreversibly destroyed (strong pixelation of
whole blocks, dithered, then smoothed: the block means are all that is left, and even
they are perturbed) into the photo vault under the capture day's key, so retention
destroys it with the day (R13). The boxes, who approved and when are recorded and
audited; an approval is final, because "undo" would need the original detail. The
provision package ships the approved copy.
"""
from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime
from typing import Any, Protocol

import cv2
import numpy as np
import psycopg

from anpr import audit, clock
from anpr.accounts import Account
from anpr.errors import BadInput, Conflict, NotFound
from casework import access
from casework import requests as req_mod
from casework.photo_tables import FRAME_JOIN, PHOTO_STATE
from casework.verification import PROVIDED_SQL

log = logging.getLogger(__name__)

PAGE_SIZE = 12          # Argus shows twelve overview photos at a time
GRID_SIZE = 48          # the review grid: a page of photos approved in one action
MAX_PAGE = 100
MAX_BOXES = 50
MIN_BOX_PX = 2


class Vault(Protocol):
    """What approval needs of ``ingest.images.PhotoVault``."""

    def get(self, key: str) -> bytes: ...
    def put(self, day, data: bytes) -> str: ...
    def put_secured(self, enquiry_ref: str, data: bytes) -> str: ...


#: A listed passage ``r`` (its question's verdict ``v``) whose photo is shown and
#: provided: one not rejected, else one the request provides all the same
#: (``PROVIDED_SQL``, looked up only for the few rejected).
_PROVIDED = ("(v.verdict IS DISTINCT FROM 'rejected' OR " + PROVIDED_SQL.format(
    request="%(request)s", passage="r.passage_id", captured_at="r.captured_at") + ")")

#: The request's photos, one per passage (several searches may find it): each passage by
#: its unique key (camera, capture time), its detector frame, verdict and approval.
#: ``{passage}`` narrows it to one passage.
PHOTOS_SQL = f"""
WITH refs AS MATERIALIZED (
  SELECT DISTINCT ON (er.captured_at, er.passage_id) er.passage_id, er.captured_at, er.camera_id,
         er.ordered_plate
    FROM enquiry e JOIN enquiry_result er ON er.enquiry_id = e.id
   WHERE e.request_id = %(request)s AND e.run_at IS NOT NULL {{passage}}
   ORDER BY er.captured_at, er.passage_id, er.ordered_plate DESC),
photos AS MATERIALIZED (
  SELECT r.passage_id, r.captured_at, p.plate, p.camera_id, p.overview_key,
         {PHOTO_STATE} AS photo_state,
         COALESCE(p.secured_blurred_key, f.blurred_key) AS blurred_key,
         f.last_error AS frame_error, a.image_key AS approved_key, a.boxes, a.approved_at,
         a.approved_by AS approved_by_id
    FROM refs r
    JOIN request rq ON rq.id = %(request)s
    CROSS JOIN LATERAL jj126.case_passage_at(r.camera_id, r.captured_at, r.passage_id,
                                             rq.reference) p
    {FRAME_JOIN}
    LEFT JOIN verification v ON v.passage_id = r.passage_id AND v.captured_at = r.captured_at
                            AND v.ordered_plate = r.ordered_plate
    LEFT JOIN photo_approval a ON a.request_id = %(request)s AND a.passage_id = r.passage_id
                              AND a.captured_at = r.captured_at
   WHERE p.overview_key IS NOT NULL
     AND {_PROVIDED})
"""

#: What a listed photo shows beside the photo itself (only for the rows listed).
_SHOWN = """LEFT JOIN camera c ON c.id = x.camera_id LEFT JOIN location l ON l.id = c.location_id
    LEFT JOIN account aa ON aa.id = x.approved_by_id"""

#: The request's photos for the grid and its counts, without a look-up per photo: the
#: results that have a photo (``enquiry_result.has_photo``), less rejected reads, with
#: their approval; and the frames the detector has not finished (queued, processing,
#: set aside), found from the queue's state index. Only the listed rows are read in full.
#: A photo of a passage stored before intake queued frames (no frame: "not_queued")
#: counts as ready here; its row says what it is.
GRID_SQL = f"""
WITH refs AS MATERIALIZED (
  SELECT DISTINCT ON (er.captured_at, er.passage_id) er.passage_id, er.captured_at, er.camera_id,
         er.ordered_plate
    FROM enquiry e JOIN enquiry_result er ON er.enquiry_id = e.id
   WHERE e.request_id = %(request)s AND e.run_at IS NOT NULL AND er.has_photo
   ORDER BY er.captured_at, er.passage_id, er.ordered_plate DESC),
shown AS MATERIALIZED (
  SELECT r.passage_id, r.captured_at, r.camera_id, a.passage_id IS NOT NULL AS approved
    FROM refs r
    LEFT JOIN verification v ON v.passage_id = r.passage_id AND v.captured_at = r.captured_at
                            AND v.ordered_plate = r.ordered_plate
    LEFT JOIN photo_approval a ON a.request_id = %(request)s AND a.passage_id = r.passage_id
                              AND a.captured_at = r.captured_at
   WHERE {_PROVIDED}),
unready AS MATERIALIZED (
  SELECT s.passage_id, s.captured_at, s.camera_id, p.plate, f.state::text AS state,
         f.last_error
    FROM detector_frame f
    JOIN jj126.passage p ON p.camera_id = f.camera_id AND p.captured_at = f.captured_at
                        AND p.capture_id = f.capture_id
    JOIN shown s ON s.passage_id = p.id AND s.captured_at = p.captured_at AND NOT s.approved
   WHERE f.state IN ('queued', 'processing', 'failed'))
"""

#: One statement per page: the counts and the page (one row with the counts when the
#: page is empty). Unless ``all``, the page holds the photos still to approve: blurred
#: ones, and pending ones (shown as such); set-aside ones are listed apart.
PAGE_SQL = GRID_SQL + f""",
counts AS (
  SELECT (SELECT count(*) FROM shown) AS total,
         (SELECT count(*) FROM shown WHERE approved) AS approved,
         (SELECT count(*) FROM unready WHERE state <> 'failed') AS pending,
         (SELECT count(*) FROM unready WHERE state = 'failed') AS set_aside),
page AS (
  SELECT s.* FROM shown s
   WHERE %(all)s OR (NOT s.approved AND NOT EXISTS (
           SELECT 1 FROM unready u WHERE u.state = 'failed' AND u.passage_id = s.passage_id
              AND u.captured_at = s.captured_at))
   ORDER BY s.captured_at, s.passage_id LIMIT %(limit)s OFFSET %(offset)s)
SELECT n.total, n.approved AS approved_count, n.pending, n.set_aside, x.*,
       l.code AS location_code, aa.username AS approved_by
  FROM counts n LEFT JOIN LATERAL (
    SELECT pg.passage_id, pg.captured_at, p.plate, p.camera_id, p.overview_key,
           {PHOTO_STATE} AS photo_state,
           COALESCE(p.secured_blurred_key, f.blurred_key) AS blurred_key,
           f.last_error AS frame_error, a.image_key AS approved_key, a.boxes, a.approved_at,
           a.approved_by AS approved_by_id
      FROM page pg
      JOIN request rq ON rq.id = %(request)s
      CROSS JOIN LATERAL jj126.case_passage_at(pg.camera_id, pg.captured_at, pg.passage_id,
                                               rq.reference) p
      {FRAME_JOIN}
      LEFT JOIN photo_approval a ON a.request_id = %(request)s
                                AND a.passage_id = pg.passage_id
                                AND a.captured_at = pg.captured_at) x ON true
  """ + _SHOWN + """
 ORDER BY x.captured_at, x.passage_id
"""

#: The photos the detector set aside, with its reason (at most ``limit``): not shown,
#: not provided ("niet beschikbaar").
UNAVAILABLE_SQL = GRID_SQL + """
SELECT x.passage_id, x.captured_at, x.plate, l.code AS location_code,
       'set_aside' AS photo_state, x.last_error AS frame_error
  FROM unready x LEFT JOIN camera c ON c.id = x.camera_id
  LEFT JOIN location l ON l.id = c.location_id
 WHERE x.state = 'failed'
 ORDER BY x.captured_at, x.passage_id LIMIT %(limit)s
"""
UNAVAILABLE_LISTED = 200


class PhotoNotBlurred(Conflict):
    """The detector has not (or could not) blur this photo: nothing may be shown (409)."""

    code = "photo_not_blurred"


def blur_state(row: dict[str, Any]) -> tuple[str, str]:
    """The state of a passage's photo for the officer (``PHOTO_STATE``), with a message
    safe to show. Only ``blurred`` is shown."""
    state = row["photo_state"]
    if state == "blurred":
        return "blurred", "blurred by the detector"
    if state == "pending":
        return "pending", "blurring pending: the detector has not processed this photo yet"
    if state == "set_aside":
        return "set_aside", ("set aside by the detector: " + (row.get("frame_error") or
                                                              "no reason recorded")
                             + "; the photo is not shown or provided")
    return "not_queued", ("not queued for blurring; the unblurred photo is not shown or "
                          "provided")


def _photo_request(conn: psycopg.Connection, officer: Account, request_id: int) -> dict[str, Any]:
    req = req_mod.get(conn, request_id)
    access.check_handler(conn, officer, req)
    if not req["photos"]:
        raise Conflict("the order does not ask for photos; none are shown or provided (R8)")
    return req


def _sql(text: str, passages: bool = False) -> str:
    """``text`` for all the request's photos, or (``passages``) those of ``%(pids)s``."""
    return text.replace("{passage}", "AND er.passage_id = ANY(%(pids)s)" if passages else "")


def photos(conn: psycopg.Connection, officer: Account, request_id: int, *,
           page_size: int = PAGE_SIZE, offset: int = 0,
           include_approved: bool = False) -> dict[str, Any]:
    """One page of the request's photos to approve (approved ones, and those not
    available, only with ``include_approved``), with the counts and the photos that are
    not available with their reason."""
    _photo_request(conn, officer, request_id)
    if isinstance(page_size, bool) or not isinstance(page_size, int) or \
            not 1 <= page_size <= MAX_PAGE:
        raise BadInput(f"page size must be 1 to {MAX_PAGE}")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise BadInput("offset must be a non-negative whole number")
    got = conn.execute(PAGE_SQL, {"request": request_id, "all": include_approved,
                                  "limit": page_size, "offset": offset}).fetchall()
    counts = got[0]
    rows = [{k: v for k, v in r.items()
             if k not in ("total", "approved_count", "set_aside", "pending")}
            for r in got if r["passage_id"] is not None]
    for r in rows:
        r["photo_state"], r["photo_message"] = blur_state(r)
        for internal in ("overview_key", "blurred_key", "frame_error", "approved_by_id"):
            r.pop(internal)
        r["approved"] = r.pop("approved_key") is not None
    not_available = counts["set_aside"]
    remaining = counts["total"] - counts["approved_count"] - not_available
    unavailable = []
    if not_available:
        for r in conn.execute(UNAVAILABLE_SQL, {"request": request_id,
                                                "limit": UNAVAILABLE_LISTED}):
            state, message = blur_state(r)
            unavailable.append({"passage_id": r["passage_id"], "captured_at": r["captured_at"],
                                "plate": r["plate"], "location_code": r["location_code"],
                                "photo_state": state, "reason": message})
    return {"photos": rows, "total": counts["total"], "approved": counts["approved_count"],
            "remaining": remaining, "pending": counts["pending"],
            "not_available": not_available, "unavailable": unavailable,
            "offset": offset, "page_size": page_size}


def _one(conn: psycopg.Connection, request_id: int, passage_id: int) -> dict[str, Any]:
    row = conn.execute(_sql(PHOTOS_SQL, passages=True) + " SELECT * FROM photos LIMIT 1",
                       {"request": request_id, "pids": [passage_id]}).fetchone()
    if row is None:
        raise NotFound("no photo of this passage among the request's results")
    return row


def _blurred_key(row: dict[str, Any]) -> str:
    """The detector's blurred photo of a row, or a 409 saying why there is none (R8)."""
    state, message = blur_state(row)
    if state != "blurred":
        raise PhotoNotBlurred(message, details={"photo_state": state})
    return row["blurred_key"]


def image(conn: psycopg.Connection, officer: Account, request_id: int, passage_id: int,
          vault: Vault) -> bytes:
    """The photo as the officer must judge it: the approved copy once there is one, else
    the detector's blurred version; never the unblurred original."""
    _photo_request(conn, officer, request_id)
    row = _one(conn, request_id, passage_id)
    return vault.get(row["approved_key"] or _blurred_key(row))


def parse_boxes(raw: Any, width: int, height: int) -> list[list[int]]:
    """Boxes as [x1, y1, x2, y2] in image pixels, inside the image; anything else refused."""
    if not isinstance(raw, list) or len(raw) > MAX_BOXES:
        raise BadInput(f"boxes must be a list of at most {MAX_BOXES} [x1, y1, x2, y2]")
    out = []
    for i, b in enumerate(raw):
        if (not isinstance(b, (list, tuple)) or len(b) != 4
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in b)
                or not all(np.isfinite(v) for v in b)):
            raise BadInput(f"box {i + 1}: give four numbers x1, y1, x2, y2")
        x1, y1, x2, y2 = (int(round(v)) for v in b)
        if not (0 <= x1 < x2 <= width and 0 <= y1 < y2 <= height):
            raise BadInput(f"box {i + 1} lies outside the photo ({width} x {height} pixels)")
        if x2 - x1 < MIN_BOX_PX or y2 - y1 < MIN_BOX_PX:
            raise BadInput(f"box {i + 1} is too small to blur anything")
        out.append([x1, y1, x2, y2])
    return out


def blur_boxes(img: np.ndarray, boxes: list[list[int]],
               rng: np.random.Generator | None = None) -> np.ndarray:
    """Destroy the boxes' content: dithered block means of a coarse grid, then smoothed
    again, so no detail finer than a block (at least 12 px) survives and the means
    themselves are perturbed. Irreversible by construction: the pixels are replaced."""
    from detector.blur import pixelate_region

    h, w = img.shape[:2]
    mask = np.zeros((h, w), bool)
    for x1, y1, x2, y2 in boxes:
        mask[y1:y2, x1:x2] = True
    if not mask.any():
        return img.copy()
    block = max(12, min(h, w) // 16)
    out, region = pixelate_region(img, mask, block, rng=rng)
    k = (2 * block) | 1
    smooth = cv2.GaussianBlur(out, (k, k), block)
    out[region] = smooth[region]
    return out


def _approvable(conn: psycopg.Connection, officer: Account, request_id: int) -> dict[str, Any]:
    # One approval of a request at a time, as the package takes it (provision.build): two
    # sessions approving the same photos in another order wait instead of deadlocking,
    # the second finds them approved (409), and none is approved once the package is made.
    req_mod.lock(conn, request_id)
    req = _photo_request(conn, officer, request_id)
    if req["status"] != "confirmed":
        raise Conflict(f"request {req['reference']} is {req['status']}: photos are approved "
                       "before provision")
    return req


def _source(row: dict[str, Any], boxes: Any, vault: Vault) -> tuple[str, bytes, list[list[int]]]:
    """What approving a row starts from, or the refusal: the detector's blurred photo (its
    key and bytes, read once) and the boxes checked against it."""
    if row["approved_key"]:
        raise Conflict(f"the photo of passage {row['passage_id']} has already been approved; "
                       "its blurred copy is final")
    source_key = _blurred_key(row)
    source = vault.get(source_key)
    clean: list[list[int]] = []
    if boxes != []:
        h, w = _decoded(source).shape[:2]
        clean = parse_boxes(boxes, w, h)
    return source_key, source, clean


def _decoded(data: bytes) -> np.ndarray:
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if img is None:
        raise Conflict("the stored photo cannot be read")
    return img


def _approve_row(conn: psycopg.Connection, officer: Account, req: dict[str, Any],
                 row: dict[str, Any], source: tuple[str, bytes, list[list[int]]],
                 vault: Vault) -> dict[str, Any]:
    """Approve one photo (a row of ``PHOTOS_SQL``, its checked ``_source``): its own
    approval row, its own audit record. With boxes, a new copy with the boxes destroyed;
    without, the detector's blurred photo itself is what the officer saw and approved, and
    is provided."""
    request_id, passage_id = req["id"], row["passage_id"]
    source_key, data, clean = source
    if clean:
        # decoded again rather than kept from the check: a page holds up to MAX_PAGE photos
        ok, encoded = cv2.imencode(".jpg", blur_boxes(_decoded(data), clean),
                                   [cv2.IMWRITE_JPEG_QUALITY, 90])
        if not ok:
            raise Conflict("the approved photo could not be encoded")
        data = encoded.tobytes()
        if source_key.startswith("enquiry/"):
            # A secured copy: its day is destroyed, so the approved copy is the enquiry's (R1).
            key = vault.put_secured(req["reference"], data)
        else:
            key = vault.put(row["captured_at"].astimezone(clock.UTC).date(), data)
    else:
        key = source_key
    digest = hashlib.sha256(data).hexdigest()
    stored = conn.execute(
        "INSERT INTO photo_approval (request_id, passage_id, captured_at, boxes, source_key,"
        " image_key, sha256, approved_by) VALUES (%s, %s, %s, %s::jsonb, %s, %s, %s, %s)"
        " ON CONFLICT DO NOTHING RETURNING approved_at",
        (request_id, passage_id, row["captured_at"], json.dumps(clean), source_key,
         key, digest, officer.id)).fetchone()
    if stored is None:
        raise Conflict("this photo has just been approved by someone else")
    # The passage by its id only (no capture time): docs/audit.md, what a record keeps.
    audit.record(conn, officer.username, "photo.approve", f"request:{request_id}",
                 passage=passage_id, boxes=clean, source_key=source_key, image_key=key,
                 sha256=digest)
    return {"passage_id": passage_id, "captured_at": row["captured_at"], "boxes": clean,
            "image_key": key, "sha256": digest, "approved_at": stored["approved_at"],
            "approved_by": officer.username}


def approve(conn: psycopg.Connection, officer: Account, request_id: int, passage_id: int,
            boxes: Any, vault: Vault) -> dict[str, Any]:
    """Approve one photo with the officer's extra blur boxes; the copy is final."""
    req = _approvable(conn, officer, request_id)
    row = _one(conn, request_id, passage_id)
    return _approve_row(conn, officer, req, row, _source(row, boxes, vault), vault)


def approve_page(conn: psycopg.Connection, officer: Account, request_id: int, items: Any,
                 vault: Vault) -> dict[str, Any]:
    """Approve a page of photos in one action, each with its own touch-up boxes: every
    photo still gets its own approval row and audit record; all or none are stored."""
    req = _approvable(conn, officer, request_id)
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_PAGE:
        raise BadInput(f"send 1 to {MAX_PAGE} photos, each {{passage_id, boxes}}")
    wanted: dict[int, Any] = {}
    for i, item in enumerate(items):
        pid = item.get("passage_id") if isinstance(item, dict) else None
        if isinstance(pid, bool) or not isinstance(pid, int) or not 0 < pid < 2**63:
            raise BadInput(f"photo {i + 1}: give its passage_id")
        if pid in wanted:
            raise BadInput(f"photo {i + 1}: passage {pid} is listed twice")
        wanted[pid] = item.get("boxes", [])
    rows = {r["passage_id"]: r for r in conn.execute(
        _sql(PHOTOS_SQL, passages=True) + " SELECT * FROM photos",
        {"request": request_id, "pids": list(wanted)})}
    missing = [pid for pid in wanted if pid not in rows]
    if missing:
        raise NotFound("no photo of passage " + ", ".join(map(str, missing[:10]))
                       + " among the request's results")
    # Every photo checked, its boxes too, before any copy is written: a refused page
    # leaves nothing behind, not even a touched-up copy in the photo store.
    sources = {pid: _source(rows[pid], boxes, vault) for pid, boxes in wanted.items()}
    done = [_approve_row(conn, officer, req, rows[pid], sources[pid], vault) for pid in wanted]
    return {"approved": done, "count": len(done),
            "with_boxes": sum(1 for d in done if d["boxes"])}


def approved_keys(conn: psycopg.Connection, request_id: int) -> dict[tuple[int, datetime], str]:
    """The approved copies of a request, for the package: (passage, capture time) -> key."""
    return {(r["passage_id"], r["captured_at"]): r["image_key"] for r in conn.execute(
        "SELECT passage_id, captured_at, image_key FROM photo_approval WHERE request_id = %s",
        (request_id,)).fetchall()}
