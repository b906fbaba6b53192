"""Requests and the prosecutor's orders they rest on (R3, R4, R12; report 7.4.2).

A request records everything Argus records and more: when it came in, the requester,
the investigation, the order (reference, prosecutor and office, date and time, written
or verbal, the document), the crime with whether art. 67 lid 1 Sv applies or the
fugitive (art. 564 Sv), purpose, facts, suspect, and the scope: time windows, cameras,
locations or drawn areas, plates or patterns, photos, convoy band.

Life cycle: registered -> confirmed (the officer saw the registered data and confirmed
it; from then on edits are new, logged versions) -> provided -> completed; or rejected
(kept, with the reason) or cancelled (only before confirmation).
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import psycopg
from psycopg import sql

from anpr import audit, clock
from anpr.accounts import Account, require_role
from anpr.errors import BadInput, NotFound
from gis.search.scope import normalise_plate, parse_time

log = logging.getLogger(__name__)

WRITTEN_ORDER_DEADLINE = timedelta(hours=72)
MAX_WINDOW = timedelta(days=28)
PATTERN_RE = re.compile(r"^[A-Z0-9?*]{1,12}\Z")
TEXT_FIELDS = ("requester_name", "requester_function", "order_reference", "prosecutor",
               "prosecutor_office", "purpose", "facts", "suspect")
# Fields a correction may change; the status fields are the workflow's own.
REGISTERED_FIELDS = TEXT_FIELDS + ("received_at", "order_at", "order_kind", "crime_code",
                                   "fugitive", "foreign_request", "photos", "convoy_minutes",
                                   "scope", "investigation_id")
#: The order's yes/no facts, as their refusals name them.
YES_NO_FIELDS = {"fugitive": "fugitive", "foreign_request": "foreign request",
                 "photos": "photos"}


def normalise_scope(raw: Any) -> dict[str, Any]:
    """The order's scope as stored: UTC windows, camera/location picks or areas, plates."""
    if not isinstance(raw, dict):
        raise BadInput("scope must be an object")
    windows = []
    for i, w in enumerate(raw.get("windows") or []):
        if not isinstance(w, dict):
            raise BadInput(f"scope window {i + 1}: needs start and end")
        start = parse_time(w.get("start"), f"window {i + 1} start")
        end = parse_time(w.get("end"), f"window {i + 1} end")
        if end <= start:
            raise BadInput(f"window {i + 1}: the end lies before the start")
        if end - start > MAX_WINDOW:
            raise BadInput(f"window {i + 1}: longer than 28 days, more than the store holds")
        windows.append({"start": start.isoformat(), "end": end.isoformat()})
    if not windows:
        raise BadInput("the order's scope needs at least one time window")
    plates = []
    for p in raw.get("plates") or []:
        try:  # one rule for an officer's plate, the searches' (anpr.plates)
            plates.append(normalise_plate(str(p)))
        except BadInput:
            raise BadInput(f"plate {p!r}: only letters and digits") from None
    patterns = []
    for p in raw.get("patterns") or []:
        norm = re.sub(r"[\s-]", "", str(p).upper())
        if not PATTERN_RE.match(norm) or norm.strip("?*") == "":
            raise BadInput(f"pattern {p!r}: letters, digits, ? and *, and not only wildcards")
        patterns.append(norm)
    cameras = _ids(raw.get("cameras"), "cameras")
    locations = _ids(raw.get("locations"), "locations")
    areas = raw.get("areas") or []
    if not isinstance(areas, list):
        raise BadInput("scope areas must be a list of selections")
    if len(areas) > 50:
        raise BadInput("the order's scope holds at most 50 drawn areas")
    from gis.selection import parse_selection

    for i, area in enumerate(areas):
        try:
            parse_selection(area)  # malformed, self-intersecting or huge: refused now
        except BadInput as exc:
            raise BadInput(f"scope area {i + 1}: {exc.message}") from None
    if not (cameras or locations or areas):
        raise BadInput("the order's scope needs locations: cameras, locations or drawn areas")
    return {"windows": windows, "plates": plates, "patterns": patterns, "cameras": cameras,
            "locations": locations, "areas": areas}


def _ids(raw: Any, name: str) -> list[str]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list) or not all(isinstance(v, str) and 0 < len(v) <= 80
                                            for v in raw):
        raise BadInput(f"scope {name} must be a list of ids")
    if len(raw) > 5000:
        raise BadInput(f"too many {name} in the scope")
    return list(raw)


def check_scope_ids(conn: psycopg.Connection, scope: dict[str, Any]) -> None:
    """Picked cameras and locations must exist in the registry: an order names real
    places, and one that names none that exist would search nothing while seeming valid."""
    for name, query in (("camera", "SELECT id AS key FROM camera WHERE id = ANY(%s)"),
                        ("location", "SELECT code AS key FROM location WHERE code = ANY(%s)")):
        asked = scope[name + "s"]
        if not asked:
            continue
        known = {r["key"] for r in conn.execute(query, (asked,)).fetchall()}
        unknown = sorted(set(asked) - known)
        if unknown:
            raise BadInput(f"unknown {name}(s) in the order's scope: {', '.join(unknown[:10])}")


@dataclass(frozen=True)
class Qualification:
    ok: bool
    reason: str


def qualifies(conn: psycopg.Connection, crime_code: str | None, fugitive: bool) -> Qualification:
    """R3: the crime must allow pre-trial detention (art. 67 lid 1 Sv), or a fugitive."""
    if fugitive:
        return Qualification(True, "search for a fugitive (art. 564 Sv)")
    if not crime_code:
        return Qualification(False, "name the crime, or mark the request as a fugitive search")
    row = conn.execute("SELECT label, article, pretrial_detention FROM crime WHERE code = %s",
                       (crime_code,)).fetchone()
    if row is None:
        return Qualification(False, f"unknown crime code {crime_code!r}")
    if not row["pretrial_detention"]:
        return Qualification(False, f"{row['label']} ({row['article']}) does not allow pre-trial "
                                    "detention (art. 67 lid 1 Sv): a 126jj search may not be "
                                    "ordered for it")
    return Qualification(True, f"{row['label']} ({row['article']}): art. 67 lid 1 Sv applies")


def _known_crime(conn: psycopg.Connection, crime_code: str | None) -> bool:
    return bool(crime_code) and conn.execute(
        "SELECT EXISTS (SELECT 1 FROM crime WHERE code = %s) AS x", (crime_code,)).fetchone()["x"]


def _next_reference(conn: psycopg.Connection, unit: str, year: int) -> str:
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('request_reference'))")
    n = conn.execute("SELECT count(*) + 1 AS n FROM request WHERE reference LIKE %s",
                     (f"{year}-{unit}-%",)).fetchone()["n"]
    return f"{year}-{unit}-{n:04d}"


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        value = data.get(name)
        if not isinstance(value, str) or not value.strip():
            raise BadInput(f"{name.replace('_', ' ')} is required")
        if len(value) > 4000:
            raise BadInput(f"{name.replace('_', ' ')} is too long")
        out[name] = value.strip()
    out["received_at"] = parse_time(data.get("received_at"), "received at")
    out["order_at"] = parse_time(data.get("order_at"), "order date and time")
    if out["order_at"] > clock.now() + timedelta(minutes=5):
        raise BadInput("the order's date lies in the future")
    if out["received_at"] > clock.now() + timedelta(minutes=5):
        # R6 (e): a fact of the past; ahead, it named the reference's year and the reports'
        # month, and no correction may move it afterwards.
        raise BadInput("the time the request came in lies in the future")
    if data.get("order_kind") not in ("written", "verbal"):
        raise BadInput("order kind must be written or verbal")
    out["order_kind"] = data["order_kind"]
    crime = data.get("crime_code") or None
    if crime is not None and (not isinstance(crime, str) or len(crime) > 20):
        raise BadInput("crime code must be a code from the list of crimes")
    out["crime_code"] = crime
    for name, label in YES_NO_FIELDS.items():
        # 'false' or 'nee' is no yes: bool() of it made a fugitive search of a request
        # without a crime (R3) or flagged it foreign (R12). Absent or null is no.
        value = data.get(name)
        if value is not None and not isinstance(value, bool):
            raise BadInput(f"{label} must be true or false")
        out[name] = bool(value)
    minutes = data.get("convoy_minutes")
    if minutes is not None:
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= 60:
            raise BadInput("convoy band must be 0 to 60 minutes")
    out["convoy_minutes"] = minutes
    out["scope"] = normalise_scope(data.get("scope"))
    return out


def ensure_investigation(conn: psycopg.Connection, system: str, number: str, name: str,
                         unit: str | None) -> int:
    if system not in ("BVH", "Summ-IT"):
        raise BadInput("registration system must be BVH or Summ-IT")
    if not isinstance(number, str) or not isinstance(name, str) or not number.strip() \
            or not name.strip():
        raise BadInput("investigation number and name are required")
    if len(number) > 64 or len(name) > 200:
        raise BadInput("investigation number or name is too long")
    row = conn.execute(
        "INSERT INTO investigation (system, number, name, unit_code) VALUES (%s, %s, %s, %s)"
        " ON CONFLICT (system, number) DO UPDATE SET name = investigation.name RETURNING id",
        (system, number.strip(), name.strip(), unit)).fetchone()
    return row["id"]


def register(conn: psycopg.Connection, officer: Account, data: dict[str, Any]) -> dict[str, Any]:
    """Register a request; refuse it (recorded, with the reason) when the crime does not
    qualify. Only authorised officers register (they receive the requests)."""
    require_role(officer, "officer")
    clean = _clean(data)
    check_scope_ids(conn, clean["scope"])
    inv = data.get("investigation") or {}
    if not isinstance(inv, dict):
        raise BadInput("investigation must be an object with system, number and name")
    q = qualifies(conn, clean["crime_code"], clean["fugitive"])
    if not q.ok and not _known_crime(conn, clean["crime_code"]):
        # Nothing to record against: no crime or a code the table does not hold.
        raise BadInput(q.reason)
    investigation_id = ensure_investigation(conn, inv.get("system"), inv.get("number"),
                                            inv.get("name"), officer.unit_code)
    status = "registered" if q.ok else "rejected"
    unit = officer.unit_code or "LE"
    reference = _next_reference(conn, unit, clean["received_at"].year)
    row = conn.execute("""
        INSERT INTO request (reference, unit_code, status, received_at, requester_name,
            requester_function, investigation_id, order_reference, prosecutor,
            prosecutor_office, order_at, order_kind, crime_code, fugitive, purpose, facts,
            suspect, foreign_request, photos, convoy_minutes, scope, officer_id, created_by,
            rejected_reason)
        VALUES (%(reference)s, %(unit)s, %(status)s, %(received_at)s, %(requester_name)s,
            %(requester_function)s, %(investigation_id)s, %(order_reference)s, %(prosecutor)s,
            %(prosecutor_office)s, %(order_at)s, %(order_kind)s, %(crime_code)s, %(fugitive)s,
            %(purpose)s, %(facts)s, %(suspect)s, %(foreign_request)s, %(photos)s,
            %(convoy_minutes)s, %(scope)s::jsonb, %(officer)s, %(officer)s, %(rejected)s)
        RETURNING id""", {**clean, "scope": json.dumps(clean["scope"]), "reference": reference,
                          "unit": unit, "status": status, "investigation_id": investigation_id,
                          "officer": officer.id,
                          "rejected": None if q.ok else q.reason}).fetchone()
    request_id = row["id"]
    _snapshot(conn, request_id, 1, officer, "registered")
    audit.record(conn, officer.username, "request.register", f"request:{request_id}",
                 reference=reference, order_reference=clean["order_reference"],
                 order_kind=clean["order_kind"], foreign=clean["foreign_request"],
                 qualified=q.ok, reason=q.reason)
    result = get(conn, request_id)
    result["qualification"] = {"ok": q.ok, "reason": q.reason}
    return result


def _snapshot(conn, request_id: int, version: int, actor: Account, reason: str) -> None:
    data = conn.execute(sql.SQL("SELECT {} FROM request WHERE id = %s").format(
        sql.SQL(", ").join(map(sql.Identifier, REGISTERED_FIELDS))), (request_id,)).fetchone()
    conn.execute("INSERT INTO request_version (request_id, version, data, changed_by, reason)"
                 " VALUES (%s, %s, %s::jsonb, %s, %s)",
                 (request_id, version, json.dumps(data, default=str), actor.id, reason))


def lock(conn: psycopg.Connection, request_id: int, mode: str = "UPDATE") -> None:
    """Take the request's row until the transaction ends: the package and photo approval
    of one request run one at a time (a second waits, then reads what the first did), and
    so do the acts that change its state (confirm, correct, reject, cancel, the written
    order, complete), each reading the request only once it holds the row.

    A search takes it in ``SHARE`` mode (a preview in ``NO KEY UPDATE``, one preview at a
    time) before it checks the request's state, and keeps it while it runs and holds what
    it found: a close (complete, reject) waits for the run and then releases its holds,
    or goes first and the run finds the request closed. Always the request's row before
    a search's row (``casework.enquiries.locked``), at every door."""
    if mode not in ("UPDATE", "NO KEY UPDATE", "SHARE"):
        raise ValueError(f"unknown row lock mode {mode!r}")
    conn.execute(f"SELECT 1 FROM request WHERE id = %s FOR {mode}", (request_id,))


def get(conn: psycopg.Connection, request_id: int) -> dict[str, Any]:
    row = conn.execute("""
        SELECT r.*, i.system AS investigation_system, i.number AS investigation_number,
               i.name AS investigation_name, c.label AS crime_label, c.article AS crime_article,
               o.username AS officer_username
          FROM request r JOIN investigation i ON i.id = r.investigation_id
          LEFT JOIN crime c ON c.code = r.crime_code
          LEFT JOIN account o ON o.id = r.officer_id
         WHERE r.id = %s""", (request_id,)).fetchone()
    if row is None:
        raise NotFound(f"no request {request_id}")
    row["written_order_due"] = (row["order_at"] + WRITTEN_ORDER_DEADLINE
                                if row["order_kind"] == "verbal" else None)
    row["written_order_overdue"] = bool(row["order_kind"] == "verbal"
                                        and row["written_order_at"] is None
                                        and clock.now() > row["written_order_due"])
    return row


def is_member(conn: psycopg.Connection, account_id: int, investigation_id: int) -> bool:
    return conn.execute("SELECT EXISTS (SELECT 1 FROM investigation_member WHERE account_id = %s"
                        " AND investigation_id = %s) AS x", (account_id, investigation_id)
                        ).fetchone()["x"]


def colleagues_for_handover(conn: psycopg.Connection, request: dict[str, Any]) -> list[dict]:
    """Authorised officers of the unit, other than the handling officer, who are not in the
    investigation: those the request may be handed over to (R2)."""
    return list(conn.execute("""
        SELECT a.id, a.username, a.full_name FROM account a
         WHERE a.role = 'officer' AND a.active AND a.unit_code = %s
           AND a.id IS DISTINCT FROM %s
           AND NOT EXISTS (SELECT 1 FROM investigation_member m WHERE m.account_id = a.id
                           AND m.investigation_id = %s)
         ORDER BY a.full_name""", (request["unit_code"], request["officer_id"],
                                   request["investigation_id"])).fetchall())


def provision_held(conn: psycopg.Connection, req: dict[str, Any]) -> str | None:
    """R4: a unit may hold provision until the written order of a verbal order is in."""
    if req["order_kind"] != "verbal" or req["written_order_at"] is not None:
        return None
    hold = conn.execute("SELECT hold_until_written FROM unit_setting WHERE unit_code = %s",
                        (req["unit_code"],)).fetchone()
    if hold and hold["hold_until_written"]:
        return ("this unit holds provision until the written order is attached "
                f"(due {clock.local(req['written_order_due']):%d-%m-%Y %H:%M})")
    return None


def dashboard(conn: psycopg.Connection, officer: Account, *, status: str | None = None,
              mine: bool = False) -> dict[str, Any]:
    """The overview officers kept in Excel: open work, overdue written orders, throughput."""
    require_role(officer, "officer")
    rows = conn.execute("""
        SELECT r.id, r.reference, r.status, r.received_at, r.order_kind, r.order_at,
               r.written_order_at, r.foreign_request, r.officer_id, o.full_name AS officer,
               i.number AS investigation_number, i.name AS investigation_name,
               (SELECT count(*) FROM enquiry e WHERE e.request_id = r.id AND e.run_at IS NOT NULL)
                   AS searches,
               -- As the request's reads page counts them (casework.verification): each
               -- read and question once however many searches found it, to verify, with a crop.
               (SELECT count(DISTINCT (er.captured_at, er.passage_id, er.ordered_plate))
                  FROM enquiry e JOIN enquiry_result er ON er.enquiry_id = e.id
                   AND er.verify AND er.has_crop
                  LEFT JOIN verification v ON v.passage_id = er.passage_id
                                          AND v.captured_at = er.captured_at
                                          AND v.ordered_plate = er.ordered_plate
                 WHERE e.request_id = r.id AND v.verdict IS NULL) AS unverified
          FROM request r JOIN investigation i ON i.id = r.investigation_id
          LEFT JOIN account o ON o.id = r.officer_id
         WHERE r.unit_code = %(unit)s
           AND (%(status)s::text IS NULL OR r.status::text = %(status)s)
           AND (NOT %(mine)s OR r.officer_id = %(me)s)
         ORDER BY r.received_at DESC LIMIT 500""",
        {"unit": officer.unit_code, "status": status, "mine": mine, "me": officer.id}).fetchall()
    now = clock.now()
    for r in rows:
        due = r["order_at"] + WRITTEN_ORDER_DEADLINE if r["order_kind"] == "verbal" else None
        r["written_order_due"] = due
        r["overdue"] = bool(due and r["written_order_at"] is None and now > due)
    open_rows = [r for r in rows if r["status"] in ("registered", "confirmed", "provided")]
    return {
        "requests": rows,
        "open": len(open_rows),
        "waiting_written_order": sum(1 for r in rows if r["order_kind"] == "verbal"
                                     and r["written_order_at"] is None
                                     and r["status"] not in ("rejected", "cancelled")),
        "overdue": [r for r in rows if r["overdue"] and r["status"] not in ("rejected", "cancelled")],
        "unverified": sum(r["unverified"] for r in open_rows),
        "not_provided": sum(1 for r in rows if r["status"] == "confirmed"),
    }
