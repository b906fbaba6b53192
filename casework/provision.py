"""The provision package (DESIGN.md section 5) and completing an enquiry.

One zip per request: ``manifest.json`` (request, order reference, searches with their
parameters, counts, SHA-256 of every file), the passages as CSV and GeoJSON with a
verification status per row, each route where a route search ran (GeoJSON one file per
layer, GeoPackage, KML and GPX: ``gis.export.ROUTE_FILES``), plate crops,
and blurred photos only when the order asks for photos (R8): the officer's approved copy
of the detector's blurred version, never an unblurred original; a photo the detector set
aside is "not available". Rejected reads (misreads)
are left out. The package is made when it is downloaded, downloaded once, and recorded
(R6 items h and i); completing the request then releases its secured results (R1).
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import zipfile
from typing import Any, Callable

import psycopg

from anpr import audit, clock
from anpr.accounts import Account
from anpr.errors import BadInput, Conflict
from casework import enquiries as enq_mod
from casework import access
from casework import requests as req_mod
from casework.photo_tables import CASE_PASSAGE_JOIN, FRAME_JOIN, PHOTO_STATE
from casework.results import held_route
from casework.verification import AS_FOUND_SQL, NOT_VERIFIABLE, Matches, unverified_count
from gis import export

log = logging.getLogger(__name__)

#: A held row ``er`` as found, without a question (``verification.AS_FOUND_SQL``).
PLAIN = AS_FOUND_SQL.format(er="er", v="v")

#: The request's passages, each once, with the verdict on its question (R7, issue 18):
#: where a search including probable misreads found it other than exactly, whether the
#: crop shows that ordered plate (that question first), else the read as read; with the
#: plate reader's opinion as it was kept with the verdict, and whether a plate search
#: (an ordered plate) found it. Of the rows that hold a passage, the one it is provided
#: as: a question confirmed, else one still open, else a location/time search's row (no
#: question: provided unverified, with a note where a question on it was rejected), else
#: a rejected question (left out: ``verification.PROVIDED_SQL`` says the same). A read
#: asked two questions in the request (as read in one search, against ordered plate X in
#: another) is provided with the one confirmed: a rejection answers its own question
#: only, never another's.
_ROWS_SQL = f"""
SELECT DISTINCT ON (p.id, p.captured_at)
       p.id, p.captured_at, p.camera_id, p.plate, p.plate_raw, p.country, p.confidence,
       ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat, p.crop_key, p.overview_key,
       p.alternatives, p.alternative_confidences,
       l.code AS location_code, l.name AS location_name, c.inout::text AS inout, c.lane,
       NOT {PLAIN} AS needs_verification,
       bool_or(v.verdict = 'rejected') OVER (PARTITION BY p.id, p.captured_at)
           AS rejected_question,
       bool_or(er.verify AND e.kind IN ('plate', 'route', 'convoy'))
           OVER (PARTITION BY p.id, p.captured_at) AS plate_ordered,
       er.ordered_plate AS question,
       CASE WHEN {PLAIN} THEN NULL ELSE v.verdict::text END AS verdict,
       v.machine_read, v.machine_confidence, v.machine_flag, {PHOTO_STATE} AS photo_state
  FROM enquiry e
  JOIN enquiry_result er ON er.enquiry_id = e.id
  {CASE_PASSAGE_JOIN}
  JOIN camera c ON c.id = p.camera_id JOIN location l ON l.id = c.location_id
  {FRAME_JOIN}
  LEFT JOIN verification v ON er.verify AND v.passage_id = p.id
                          AND v.captured_at = p.captured_at AND v.ordered_plate = er.ordered_plate
 WHERE e.request_id = %s AND e.run_at IS NOT NULL{{searches}}
 ORDER BY p.id, p.captured_at, (v.verdict = 'confirmed') IS TRUE DESC,
          (er.verify AND v.verdict IS NULL) DESC, {PLAIN} DESC, er.ordered_plate DESC
"""
ROWS_SQL = _ROWS_SQL.format(searches="")

#: ``ROWS_SQL`` of the searches a package held (parameters: the request, then the ids of
#: the searches its manifest lists as run): what was provided, read again later (the
#: analysts' page, R10), without a search the officer ran after provision.
PACKAGED_ROWS_SQL = _ROWS_SQL.format(searches=" AND e.id = ANY(%s)")

CSV_COLUMNS = export.PASSAGE_COLUMNS
#: How a row matched, as the package says it.
MATCH_WORDS = {"exact": "exact", "alternative_read": "alternative read",
               "equivalent_characters": "equivalent characters"}


def _status(row: dict[str, Any]) -> str:
    if not row["needs_verification"]:
        if row.get("rejected_question"):
            # the report (7.4): provided all the same, saying that read and crop differ
            return ("not verified (location/time search: no verification required); "
                    "a comparison of its crop with a plate was rejected")
        return "not verified (location/time search: no verification required)"
    if row["verdict"] is None and not row["crop_key"]:
        return NOT_VERIFIABLE
    if row["verdict"] == "confirmed" and row["question"]:
        return (f"verified: confirmed, the crop shows the ordered plate {row['question']}: "
                "the camera misread it (the read is provided as read)")
    return {"confirmed": "verified: confirmed", None: "unverified"}.get(row["verdict"],
                                                                      row["verdict"])


def _matched(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row with how it matched (issue 18): ``match`` (exact, alternative read,
    equivalent characters; empty for a location/time row), ``ordered_plate`` (the plate
    the crop was compared with: the ordered plate of a probable misread, the read of a
    plate search's exact match) and ``camera_misread`` (yes for a confirmed probable
    misread, no for another verified read). The read itself stays as read."""
    match = Matches()
    for r in rows:
        if not r["needs_verification"]:
            r.update(match="", ordered_plate="", camera_misread="")
            continue
        r["match"] = MATCH_WORDS[match(r["question"], r["plate"], r["alternatives"],
                                       r["alternative_confidences"])]
        r["ordered_plate"] = r["question"] or (r["plate"] if r["plate_ordered"] else "")
        r["camera_misread"] = ("" if r["verdict"] is None
                               else "yes" if r["question"] and r["verdict"] == "confirmed"
                               else "no")
    return rows


#: The passages a route search holds, as ``gis.search.route.PASSAGES_SQL`` shapes them:
#: the live or secured copy (R1), rejected reads (misreads, R7) left out.
def provided_rows(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Of the request's passages (``ROWS_SQL``), those provided: rejected misreads left
    out, in capture order, each saying how it matched."""
    return _matched(sorted((r for r in found if r["verdict"] != "rejected"),
                           key=lambda r: (r["captured_at"], r["id"])))


def passage_files(rows: list[dict[str, Any]]) -> dict[str, bytes]:
    """The package's passage files: CSV (WKT, .csvt, .prj) and GeoJSON."""
    return export.provision_passages(rows, _status)


def _check_ready(conn, officer: Account, req: dict[str, Any], rows: list[dict[str, Any]],
                 approved: dict) -> None:
    """Refuse a package that is not ready; ``rows`` are the request's (``ROWS_SQL``),
    ``approved`` its approved photos (``casework.photos.approved_keys``)."""
    access.check_handler(conn, officer, req)
    if req["status"] not in ("confirmed",):
        raise Conflict(f"request {req['reference']} is {req['status']}; a package is made once "
                       "for a confirmed request")
    held = req_mod.provision_held(conn, req)
    if held:
        raise Conflict(held)
    if not conn.execute("SELECT 1 FROM enquiry WHERE request_id = %s AND run_at IS NOT NULL",
                        (req["id"],)).fetchone():
        raise Conflict("no search of this request has run: there is nothing to provide")
    left = unverified_count(conn, req["id"])
    if left:
        raise Conflict(f"{left} plate read(s) are not verified yet; verify them before provision")
    if req["photos"]:
        # R8: a photo leaves the system only after the officer has seen it blurred and
        # approved it (adding blur boxes where the detector missed something). Photos the
        # detector set aside cannot be shown, so they are "not available", not a block.
        waiting = [r["photo_state"] for r in rows
                   if r["overview_key"] is not None and r["verdict"] != "rejected"
                   and (r["id"], r["captured_at"]) not in approved]
        left = {"pending": waiting.count("pending"), "unapproved": waiting.count("blurred")}
        if left["pending"]:
            raise Conflict(f"{left['pending']} photo(s) are still waiting for the detector "
                           "(blurring pending); provide when they are blurred and approved")
        if left["unapproved"]:
            raise Conflict(f"{left['unapproved']} photo(s) are not approved yet; the order "
                           "asks for photos, so approve them (blurred) before provision")


def build(conn: psycopg.Connection, officer: Account, request_id: int,
          photo_reader: Callable[[str], bytes] | None = None) -> tuple[bytes, dict[str, Any]]:
    """Make the package and record it as provided; a second download is refused."""
    access.check_handler(conn, officer, req_mod.get(conn, request_id))
    # Two downloads at once: the second waits for the first's commit here, then reads the
    # request as provided and is refused (one package, one provision record).
    req_mod.lock(conn, request_id)
    req = req_mod.get(conn, request_id)
    from casework.photos import approved_keys

    # The request's passages, read once: for the checks, the files and the counts.
    found = conn.execute(ROWS_SQL, (request_id,)).fetchall()
    approved = approved_keys(conn, request_id) if req["photos"] else {}
    _check_ready(conn, officer, req, found, approved)
    if conn.execute("SELECT 1 FROM provision WHERE request_id = %s", (request_id,)).fetchone():
        raise Conflict("the package of this request has already been provided")
    rows = provided_rows(found)
    rejected = len(found) - len(rows)
    searches = enq_mod.list_for(conn, request_id)
    files: dict[str, bytes] = {}

    files.update(passage_files(rows))
    for s in searches:
        if s["kind"] == "route" and s["run_at"] is not None:
            # The route in every format an analyst opens (GeoJSON one file per layer,
            # GeoPackage, KML, GPX), each made the same way as the analyst's later download.
            route = held_route(conn, s)
            for part in export.ROUTE_FILES:
                files[export.route_file_name(s["id"], part)] = export.route_file(route, part)[0]
    missing_images = 0
    # R8: where the officer approved a photo, its irreversibly blurred copy is provided.
    if photo_reader is not None:
        for r in rows:
            if r["crop_key"]:
                try:
                    files[f"crops/{r['id']}.jpg"] = photo_reader(r["crop_key"])
                except Exception:  # a destroyed key or a missing object: say so, go on
                    missing_images += 1
            if req["photos"] and r["overview_key"]:
                # Only an approved copy leaves: without one, the detector set the photo
                # aside (or never had it), and the unblurred original is never provided.
                key = approved.get((r["id"], r["captured_at"]))
                try:
                    if key is None:
                        raise LookupError("no approved blurred copy")
                    files[f"photos/{r['id']}.jpg"] = photo_reader(key)
                except Exception:
                    missing_images += 1
    manifest = {
        "request": {"reference": req["reference"], "unit": req["unit_code"],
                    "received_at": req["received_at"].isoformat(),
                    "requester": f"{req['requester_name']} ({req['requester_function']})",
                    "investigation": f"{req['investigation_system']} {req['investigation_number']}"
                                     f" {req['investigation_name']}",
                    "foreign_request": req["foreign_request"]},
        "order": {"reference": req["order_reference"], "prosecutor": req["prosecutor"],
                  "office": req["prosecutor_office"], "at": req["order_at"].isoformat(),
                  "kind": req["order_kind"], "written_order_attached": req["written_order_at"]
                  is not None, "photos_ordered": req["photos"]},
        "searches": [{"id": s["id"], "kind": s["kind"], "parameters": s["parameters"],
                      "previewed_at": s["previewed_at"], "run_at": s["run_at"],
                      "stopped_after_preview": s["stopped_after_preview"],
                      "passages_found": s["result_count"]} for s in searches],
        "counts": {"passages_provided": len(rows), "misreads_left_out": rejected,
                   "not_verifiable": sum(1 for r in rows if _status(r) == NOT_VERIFIABLE),
                   "not_available_images": missing_images,
                   "photos": sum(1 for n in files if n.startswith("photos/")),
                   "crops": sum(1 for n in files if n.startswith("crops/"))},
        "provided_by": officer.username,
        "provided_at": clock.now().isoformat(),
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    }
    if not rows:
        manifest["result"] = "not available: the searches found no passage inside the order"
    manifest_bytes = json.dumps(manifest, default=str, indent=1, ensure_ascii=False).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("manifest.json", manifest_bytes)
        for name, data in sorted(files.items()):
            # Photos and crops are JPEG already: stored as they are, not deflated again.
            z.writestr(name, data, zipfile.ZIP_STORED if name.endswith(".jpg") else None)
    package = out.getvalue()
    digest = hashlib.sha256(package).hexdigest()
    conn.execute("INSERT INTO provision (request_id, created_by, manifest, sha256, downloaded_at,"
                 " downloaded_by) VALUES (%s, %s, %s::jsonb, %s, now(), %s)",
                 (request_id, officer.id, manifest_bytes.decode(), digest, officer.id))
    conn.execute("UPDATE request SET status = 'provided' WHERE id = %s", (request_id,))
    audit.record(conn, officer.username, "provide", f"request:{request_id}",
                 order_reference=req["order_reference"],
                 provided=manifest["counts"],                                # (h)
                 not_available=not rows,
                 provided_at=manifest["provided_at"],                        # (i)
                 package_sha256=digest, searches=[s["id"] for s in searches])
    return package, manifest


def complete(conn: psycopg.Connection, officer: Account, request_id: int) -> dict[str, Any]:
    """Close the enquiry; its secured results are released to retention (R1). A search
    run under way finishes first (it holds the request's row), so its holds are released
    here too; one that starts later finds the request completed."""
    req_mod.lock(conn, request_id)
    req = req_mod.get(conn, request_id)
    access.check_handler(conn, officer, req)
    if req["status"] != "provided":
        raise Conflict("a request is completed after its package has been provided")
    from ingest.retention import release

    released = release(conn, req["reference"])
    conn.execute("UPDATE request SET status = 'completed', closed_at = now() WHERE id = %s",
                 (request_id,))
    audit.record(conn, officer.username, "request.complete", f"request:{request_id}",
                 released=released)
    return req_mod.get(conn, request_id)


def can_view_results(conn: psycopg.Connection, account: Account, req: dict[str, Any]) -> bool:
    """R10's two viewing levels: the investigation (its members, the handling officer, the
    requester of record), or others with a grant. The rule is casework.access."""
    return access.level(conn, account, req) >= access.Level.PROVIDED


def provided_manifest(conn: psycopg.Connection, account: Account, request_id: int) -> dict:
    access.require(conn, account, request_id, access.Level.PROVIDED)
    row = conn.execute("SELECT manifest, sha256, downloaded_at FROM provision WHERE request_id = %s",
                       (request_id,)).fetchone()
    if row is None:
        raise Conflict("nothing has been provided for this request yet")
    return row


def grant(conn: psycopg.Connection, officer: Account, request_id: int,
          account: int | str) -> list[dict[str, Any]]:
    """The handling officer grants an account sight of what was provided (level 2, R10);
    returns the request's grants."""
    req = access.require(conn, officer, request_id, access.Level.VIEW)
    grantee = access.account_named(conn, account)
    if not grantee.unit_code:
        raise BadInput("an account without a unit cannot be given access")
    conn.execute("INSERT INTO access_grant (request_id, account_id, granted_by) VALUES (%s, %s, %s)"
                 " ON CONFLICT DO NOTHING", (request_id, grantee.id, officer.id))
    audit.record(conn, officer.username, "grant.view", f"request:{request_id}",
                 account=grantee.username)
    return access.grants(conn, req)
