"""Who may see and act on a request (R2, R10): one rule, asked by every request-bound route.

Access follows the request's relations, not the unit alone (DESIGN.md R10):

- ``ACT``: search, verify, approve photos, confirm, correct, reject, cancel, attach the
  written order, download the package, complete. Only the handling officer
  (``request.officer_id``: the officer who registered it, or the one it was handed over
  to), of the request's unit, and not a member of the investigation (R2: "never in an
  investigation they are themselves part of; then it must be handed to a colleague").
- ``VIEW``: the request's casework (its facts, suspect, searches, pages) and the handling
  officer's own administration of it: the hand-over, recording investigation members and
  grants. Only the handling officer, also when he turns out to be a member of the
  investigation (he must still see it to hand it over).
- ``PROVIDED``: what was provided (the manifest). The handling officer, members of the
  investigation (viewing level 1), holders of an explicit grant (level 2, analysts
  included) and the requester of record, to whom the results go.

Members of the investigation do not view the casework itself: R10 gives them "what was
provided", and the casework holds reads that are not verified yet (possible misreads:
other people's passages, R7). Colleagues of the unit see a request's existence and state
on the dashboard only. An account without a unit has no access at all.

Refusals are audit-logged (``access.refused``). A caller with no relation to a request
gets the same 404 as for an id that does not exist, so guessing ids reveals nothing; a
caller with a lesser relation (a member, a grant holder) gets a 403 that says what to do.
"""
from __future__ import annotations

from enum import IntEnum
from typing import Any

import psycopg
from psycopg import sql

from anpr import audit
from anpr.accounts import Account, require_role
from anpr.errors import Forbidden, NotFound
from casework import requests as req_mod
from casework.requests import is_member


class Level(IntEnum):
    NONE = 0
    PROVIDED = 1
    VIEW = 2
    ACT = 3


def has_grant(conn: psycopg.Connection, account_id: int, request_id: int) -> bool:
    return conn.execute("SELECT EXISTS (SELECT 1 FROM access_grant WHERE request_id = %s"
                        " AND account_id = %s) AS x", (request_id, account_id)).fetchone()["x"]


def level(conn: psycopg.Connection, account: Account | None, req: dict[str, Any]) -> Level:
    """The highest level ``account`` has on ``req`` (a row of ``casework.requests.get``)."""
    if account is None or not account.active or not account.unit_code:
        return Level.NONE
    handler = (account.role == "officer" and req["officer_id"] == account.id
               and account.unit_code == req["unit_code"])
    member = is_member(conn, account.id, req["investigation_id"])
    if handler:
        return Level.VIEW if member else Level.ACT
    if member or (req.get("requester_account_id") is not None
                  and req["requester_account_id"] == account.id) \
            or has_grant(conn, account.id, req["id"]):
        return Level.PROVIDED
    return Level.NONE


def _refuse(conn: psycopg.Connection, account: Account | None, subject: str, reason: str,
            need: Level, commit: bool) -> None:
    audit.record(conn, account.username if account else "anonymous", "access.refused",
                 subject, reason=reason, needed=need.name.lower())
    if commit:
        # At the door of a route: the refusal is kept although the request's transaction
        # is rolled back on the error. Inside a domain function the door has logged it.
        conn.commit()


def require(conn: psycopg.Connection, account: Account | None, request_id: int,
            need: Level, *, commit: bool = True) -> dict[str, Any]:
    """The request if ``account`` has at least ``need`` on it; otherwise refused and logged."""
    subject = f"request:{request_id}"
    try:
        req = req_mod.get(conn, request_id)
    except NotFound:
        _refuse(conn, account, subject, "no such request", need, commit)
        raise NotFound(f"no request {request_id}") from None
    have = level(conn, account, req)
    if have >= need:
        return req
    if have == Level.NONE:
        why = "no unit" if account is not None and not account.unit_code else "no relation"
        _refuse(conn, account, subject, why, need, commit)
        raise NotFound(f"no request {request_id}")
    _refuse(conn, account, subject, f"has {have.name.lower()}", need, commit)
    if have == Level.VIEW:
        colleagues = req_mod.colleagues_for_handover(conn, req)
        names = ", ".join(c["full_name"] for c in colleagues[:5])
        raise Forbidden("you are a member of this investigation and may not search for it; "
                        "hand it over to a colleague" + (f" ({names})" if names else ""),
                        details={"handover": [c["id"] for c in colleagues]})
    raise Forbidden("you may see what was provided for this request, not its casework; "
                    "the handling officer acts on it")


def require_enquiry(conn: psycopg.Connection, account: Account | None, enquiry_id: int,
                    need: Level) -> int:
    """The request id of a search if ``account`` has ``need`` on its request; else 404/403."""
    row = conn.execute("SELECT request_id FROM enquiry WHERE id = %s", (enquiry_id,)).fetchone()
    if row is None:
        _refuse(conn, account, f"enquiry:{enquiry_id}", "no such search", need, True)
        raise NotFound(f"no search {enquiry_id}")
    try:
        require(conn, account, row["request_id"], need)
    except NotFound:
        raise NotFound(f"no search {enquiry_id}") from None
    return row["request_id"]


def check_act(conn: psycopg.Connection, account: Account, req: dict[str, Any]) -> None:
    """ACT or refused: the rule behind :func:`check_handler`, the domain functions' guard."""
    require(conn, account, req["id"], Level.ACT, commit=False)


# -- recording the relations (by the handling officer) ---------------------------------------

def account_named(conn: psycopg.Connection, who: int | str) -> Account:
    from anpr.errors import BadInput

    if isinstance(who, bool) or not isinstance(who, (int, str)) or who == "":
        raise BadInput("name the account by id or username")
    col = "id" if isinstance(who, int) else "username"
    if isinstance(who, str) and (len(who) > 64 or "\x00" in who):
        raise BadInput("unknown account")
    row = conn.execute(sql.SQL("SELECT * FROM account WHERE {} = %s").format(
        sql.Identifier(col)), (who,)).fetchone()
    if row is None or not row["active"]:
        raise BadInput("unknown or inactive account")
    return Account.from_row(row)


def members(conn: psycopg.Connection, req: dict[str, Any]) -> list[dict[str, Any]]:
    return list(conn.execute("""
        SELECT a.id, a.username, a.full_name, a.role, a.unit_code, m.added_at,
               b.username AS added_by
          FROM investigation_member m JOIN account a ON a.id = m.account_id
          LEFT JOIN account b ON b.id = m.added_by
         WHERE m.investigation_id = %s ORDER BY a.full_name""",
                              (req["investigation_id"],)).fetchall())


def add_member(conn: psycopg.Connection, officer: Account, request_id: int,
               who: int | str) -> list[dict[str, Any]]:
    """Record a member of the request's investigation (viewing level 1; R2 for officers)."""
    req = require(conn, officer, request_id, Level.VIEW)
    member = account_named(conn, who)
    conn.execute("INSERT INTO investigation_member (investigation_id, account_id, added_by)"
                 " VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                 (req["investigation_id"], member.id, officer.id))
    audit.record(conn, officer.username, "investigation.member", f"request:{request_id}",
                 investigation=req["investigation_id"], account=member.username)
    return members(conn, req)


def grants(conn: psycopg.Connection, req: dict[str, Any]) -> list[dict[str, Any]]:
    return list(conn.execute("""
        SELECT a.id, a.username, a.full_name, a.role, a.unit_code, g.granted_at,
               b.username AS granted_by
          FROM access_grant g JOIN account a ON a.id = g.account_id
          JOIN account b ON b.id = g.granted_by
         WHERE g.request_id = %s ORDER BY g.granted_at""", (req["id"],)).fetchall())


def handovers(conn: psycopg.Connection, request_id: int) -> list[dict[str, Any]]:
    return list(conn.execute("""
        SELECT h.at, f.username AS from_officer, t.username AS to_officer, h.reason
          FROM request_handover h JOIN account f ON f.id = h.from_account_id
          JOIN account t ON t.id = h.to_account_id
         WHERE h.request_id = %s ORDER BY h.at, h.id""", (request_id,)).fetchall())


def handover(conn: psycopg.Connection, officer: Account, request_id: int, who: int | str,
             reason: str) -> dict[str, Any]:
    """R2: the handling officer hands the request to an authorised colleague of the unit
    who is not in the investigation; recorded (who, to whom, when, why) and audited."""
    from anpr.errors import BadInput, Conflict
    req = require(conn, officer, request_id, Level.VIEW)
    if not isinstance(reason, str) or not reason.strip() or "\x00" in reason:
        raise BadInput("a hand-over needs a reason")
    if req["status"] in ("rejected", "cancelled", "completed"):
        raise Conflict(f"request {req['reference']} is {req['status']}")
    # One hand-over at a time: the request's row is held, and the handler checked again.
    row = conn.execute("SELECT officer_id FROM request WHERE id = %s FOR UPDATE",
                       (request_id,)).fetchone()
    if row["officer_id"] != officer.id:
        raise Conflict("the request was handed over meanwhile")
    to = account_named(conn, who)
    allowed = {c["id"] for c in req_mod.colleagues_for_handover(conn, req)}
    if to.id == officer.id or to.id not in allowed:
        raise BadInput("hand over only to another authorised officer of the unit who is not "
                       "in the investigation")
    conn.execute("INSERT INTO request_handover (request_id, from_account_id, to_account_id,"
                 " reason) VALUES (%s, %s, %s, %s)",
                 (request_id, officer.id, to.id, reason.strip()[:2000]))
    conn.execute("UPDATE request SET officer_id = %s WHERE id = %s", (to.id, request_id))
    audit.record(conn, officer.username, "request.handover", f"request:{request_id}",
                 to=to.username, reason=reason.strip()[:2000])
    return req_mod.get(conn, request_id)


def remove_member(conn: psycopg.Connection, officer: Account, request_id: int,
                  who: int | str) -> list[dict[str, Any]]:
    """The handling officer ends a recorded membership (a wrong entry, someone who left the
    team); audited. The account loses sight of what was provided at once."""
    req = require(conn, officer, request_id, Level.VIEW)
    member = account_named(conn, who)
    gone = conn.execute("DELETE FROM investigation_member WHERE investigation_id = %s "
                        "AND account_id = %s", (req["investigation_id"], member.id)).rowcount
    if not gone:
        raise NotFound(f"{member.username} is not a recorded member")
    audit.record(conn, officer.username, "investigation.member.removed", f"request:{request_id}",
                 investigation=req["investigation_id"], account=member.username)
    return members(conn, req)


def revoke_grant(conn: psycopg.Connection, officer: Account, request_id: int,
                 who: int | str) -> list[dict[str, Any]]:
    """The handling officer withdraws a grant; audited."""
    req = require(conn, officer, request_id, Level.VIEW)
    grantee = account_named(conn, who)
    gone = conn.execute("DELETE FROM access_grant WHERE request_id = %s AND account_id = %s",
                        (request_id, grantee.id)).rowcount
    if not gone:
        raise NotFound(f"{grantee.username} holds no grant on this request")
    audit.record(conn, officer.username, "grant.revoked", f"request:{request_id}",
                 account=grantee.username)
    return grants(conn, req)


def set_requester(conn: psycopg.Connection, officer: Account, request_id: int,
                  who: int | str | None) -> dict[str, Any]:
    """Record (or clear, with None) the requester of record: the account of the requesting
    officer of the investigation, to whom the results go (R10 level 1). A requester
    account of any unit; the request's requester name stays as registered."""
    from anpr.errors import BadInput
    require(conn, officer, request_id, Level.VIEW)
    account = None if who is None else account_named(conn, who)
    if account is not None and account.role not in ("requester", "officer"):
        raise BadInput("the requester of record is a requester's or an officer's account")
    if account is not None and not account.unit_code:
        raise BadInput("an account without a unit cannot be given access")
    conn.execute("UPDATE request SET requester_account_id = %s WHERE id = %s",
                 (account.id if account else None, request_id))
    audit.record(conn, officer.username, "request.requester", f"request:{request_id}",
                 account=account.username if account else None)
    return req_mod.get(conn, request_id)


def check_handler(conn: psycopg.Connection, officer: Account, request: dict[str, Any]) -> None:
    """R2/R10: only the handling officer of the unit acts, never one who is part of the
    investigation (then it is handed over): the domain functions' guard, before each act."""
    require_role(officer, "officer")
    check_act(conn, officer, request)
