"""A request's life after registration (R3, R4; report 7.4.2): the officer confirms the
registered data (the order's scope is frozen to cameras then), corrects it in logged
versions re-validated against every rule registration applies, rejects it with a reason
or cancels it before confirmation, and attaches the written order of a verbal one. Each
act is the handling officer's only (``casework.access.check_handler``), checked here as
well as at the door.
"""
from __future__ import annotations

import json
from typing import Any

import psycopg
from psycopg import sql

from anpr import audit, clock
from anpr.accounts import Account
from anpr.errors import BadInput, Conflict
from casework.access import check_handler
from casework.enquiries import freeze_scope
from casework.narrowing import drop_outside, narrowed
from casework.requests import (REGISTERED_FIELDS, _clean, _snapshot, check_scope_ids, get,
                               lock, qualifies)
from gis.search.scope import parse_time


def confirm(conn: psycopg.Connection, officer: Account, request_id: int) -> dict[str, Any]:
    """The officer confirms the registered data; from now on it is frozen (versions only)."""
    lock(conn, request_id)  # one act at a time; the state read while the row is held
    req = get(conn, request_id)
    check_handler(conn, officer, req)
    if req["status"] != "registered":
        raise Conflict(f"request {req['reference']} is {req['status']}, not awaiting confirmation")
    freeze_scope(conn, request_id)
    conn.execute("UPDATE request SET status = 'confirmed', confirmed_at = now(), officer_id = %s"
                 " WHERE id = %s", (officer.id, request_id))
    audit.record(conn, officer.username, "request.confirm", f"request:{request_id}",
                 reference=req["reference"])
    return get(conn, request_id)


# Facts that start legal deadlines (R4's 72 hours, R6's "when the request came in"): a
# correction cannot move them. A verbal order becomes written only through its document.
DEADLINE_FIELDS = ("received_at", "order_at")


def correct(conn: psycopg.Connection, officer: Account, request_id: int, changes: Any,
            reason: Any) -> dict[str, Any]:
    """A correction: a new, logged version, re-validated against every rule registration
    applies (R3's crime, the scope's cameras and areas). After confirmation the scope
    cannot widen (scope, convoy band, photos); it may narrow to a written order that
    covers less (``casework.narrowing``: what the searches hold outside it is no longer
    held), and in no status can a correction move the
    facts that carry deadlines or turn a verbal order into a written one."""
    lock(conn, request_id)  # one act at a time; the state read while the row is held
    req = get(conn, request_id)
    check_handler(conn, officer, req)
    if req["status"] in ("rejected", "cancelled", "completed"):
        raise Conflict(f"request {req['reference']} is {req['status']}")
    if not isinstance(changes, dict):
        raise BadInput("changes must be an object of field names and new values")
    if not isinstance(reason, str) or not reason.strip():
        raise BadInput("a correction needs a reason")
    if len(reason) > 2000:
        raise BadInput("the reason of a correction is too long")
    if not changes:
        raise BadInput("een correctie zonder wijzigingen: noem de velden en hun nieuwe waarde")
    unknown = set(changes) - set(REGISTERED_FIELDS)
    if unknown:
        raise BadInput(f"these fields cannot be changed: {', '.join(sorted(unknown))}")
    if "investigation_id" in changes:
        raise BadInput("het onderzoek van een aanvraag kan niet worden gecorrigeerd; "
                       "registreer een nieuwe aanvraag")
    moved = [k for k in DEADLINE_FIELDS if k in changes
             and parse_time(changes[k], k.replace("_", " ")) != req[k]]
    if moved:
        raise BadInput(f"{', '.join(moved)} kan niet worden gecorrigeerd: daaraan hangen "
                       "wettelijke termijnen (72 uur voor het schriftelijke bevel, art. 8 "
                       "AMvB); annuleer of wijs de aanvraag af en registreer haar opnieuw")
    if (req["order_kind"] == "verbal" and changes.get("order_kind", "verbal") != "verbal"):
        raise BadInput("een mondeling bevel wordt niet schriftelijk door een correctie: voeg "
                       "het document van het schriftelijke bevel toe (written-order)")
    confirmed = req["status"] != "registered"
    if confirmed:
        if "scope" in changes and req["status"] not in ("confirmed", "provided"):
            raise Conflict(f"request {req['reference']} is {req['status']}: its scope can "
                           "no longer be corrected")
        if "foreign_request" in changes and changes["foreign_request"] != req["foreign_request"]:
            # R12: the searches' art. 8 records and a package already say foreign or not.
            raise Conflict("na bevestiging kan de markering 'buitenlands verzoek' niet worden "
                           "gewijzigd: de zoekvragen en de levering zijn ermee vastgelegd; "
                           "wijs de aanvraag af en registreer haar opnieuw")
        if changes.get("photos") and not req["photos"]:
            raise Conflict("na bevestiging kan het bevel niet worden verruimd met foto's; "
                           "registreer een nieuwe aanvraag op een nieuw bevel")
        new_band = changes.get("convoy_minutes", req["convoy_minutes"])
        if "convoy_minutes" in changes and (
                new_band is None and req["convoy_minutes"] is not None
                or isinstance(new_band, int) and (req["convoy_minutes"] is None
                                                  or new_band > req["convoy_minutes"])):
            raise Conflict("na bevestiging kan de konvooiband niet worden verruimd; "
                           "registreer een nieuwe aanvraag op een nieuw bevel")
    merged = {k: req[k] for k in REGISTERED_FIELDS if k != "investigation_id"}
    if confirmed:  # the frozen scope (with its resolved cameras) stays, or is narrowed
        merged["scope"] = {k: v for k, v in req["scope"].items() if k != "resolved_cameras"}
    merged.update(changes)
    if confirmed and isinstance(merged.get("scope"), dict):
        merged["scope"] = {k: v for k, v in merged["scope"].items() if k != "resolved_cameras"}
    clean = _clean(merged)
    for k in DEADLINE_FIELDS:  # unchanged, exactly as stored
        clean[k] = req[k]
    q = qualifies(conn, clean["crime_code"], clean["fugitive"])
    if not q.ok:
        raise BadInput(f"correctie geweigerd: {q.reason}")
    narrowed_to = None
    if confirmed and "scope" not in changes:
        del clean["scope"]
    else:
        check_scope_ids(conn, clean["scope"])
        if confirmed:   # R4 with R5: the written order may cover less, never more
            narrowed_to = narrowed(conn, req, clean["scope"])
            clean["scope"] = narrowed_to
        clean["scope"] = json.dumps(clean["scope"])
    sets = sql.SQL(", ").join(
        sql.SQL("{} = {}" + ("::jsonb" if k == "scope" else "")).format(
            sql.Identifier(k), sql.Placeholder(k)) for k in clean)
    conn.execute(sql.SQL("UPDATE request SET {}, version = version + 1 WHERE id = %(id)s")
                 .format(sets), {**clean, "id": request_id})
    version = req["version"] + 1
    no_longer_held = (drop_outside(conn, req, narrowed_to) if narrowed_to is not None
                      else None)
    _snapshot(conn, request_id, version, officer, reason.strip())
    audit.record(conn, officer.username, "request.correct", f"request:{request_id}",
                 version=version, fields=sorted(changes), reason=reason.strip(),
                 qualification=q.reason,
                 **({} if no_longer_held is None else {"no_longer_held": no_longer_held}))
    return get(conn, request_id)


def reject(conn: psycopg.Connection, officer: Account, request_id: int, reason: str) -> dict:
    lock(conn, request_id)  # one act at a time; the state read while the row is held
    req = get(conn, request_id)
    check_handler(conn, officer, req)
    if req["status"] not in ("registered", "confirmed"):
        raise Conflict(f"request {req['reference']} is {req['status']}")
    if not isinstance(reason, str) or not reason.strip():
        raise BadInput("a rejection needs a reason")
    if len(reason) > 2000:
        raise BadInput("the reason of a rejection is too long")
    # Rejected is closed: results its searches held are no longer secured (R1), as on
    # completion; they go to retention with their day.
    from ingest.retention import release

    released = release(conn, req["reference"])
    conn.execute("UPDATE request SET status = 'rejected', rejected_reason = %s, closed_at = now()"
                 " WHERE id = %s", (reason.strip(), request_id))
    audit.record(conn, officer.username, "request.reject", f"request:{request_id}",
                 reason=reason.strip(), released=released)
    return get(conn, request_id)


def cancel(conn: psycopg.Connection, officer: Account, request_id: int) -> dict:
    lock(conn, request_id)  # one act at a time; the state read while the row is held
    req = get(conn, request_id)
    check_handler(conn, officer, req)
    if req["status"] != "registered":
        raise Conflict("only a request not yet confirmed can be cancelled; reject it instead")
    conn.execute("UPDATE request SET status = 'cancelled', closed_at = now() WHERE id = %s",
                 (request_id,))
    audit.record(conn, officer.username, "request.cancel", f"request:{request_id}")
    return get(conn, request_id)


def attach_written_order(conn: psycopg.Connection, officer: Account, request_id: int,
                         document_key: str, sha256: str) -> tuple[dict, str | None]:
    """The request with the document attached, and the document key it had before (read
    under the request's lock: the caller stores the new file and deletes the one it
    replaced)."""
    lock(conn, request_id)  # one act at a time; the state read while the row is held
    req = get(conn, request_id)
    check_handler(conn, officer, req)
    if req["order_document_key"] is not None:
        if req["order_document_sha256"] == sha256:
            return req, req["order_document_key"]  # a double submit: nothing changes
        if req["status"] != "registered":
            # R4: the order the searches rest on stays the one on the request.
            raise Conflict("het document van het bevel is al toegevoegd en wordt na "
                           "bevestiging niet vervangen; is het verkeerde document "
                           "toegevoegd, wijs de aanvraag dan af en registreer haar opnieuw")
    conn.execute("UPDATE request SET order_document_key = %s, order_document_sha256 = %s,"
                 " written_order_at = coalesce(written_order_at, now()) WHERE id = %s",
                 (document_key, sha256, request_id))
    late = bool(req["order_kind"] == "verbal" and clock.now() > req["written_order_due"])
    audit.record(conn, officer.username, "request.written_order", f"request:{request_id}",
                 sha256=sha256, late=late)
    return get(conn, request_id), req["order_document_key"]
