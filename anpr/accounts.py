"""Personal accounts, roles, authorisations and login (R2, R10).

Passwords are hashed with Argon2id. Repeated failures lock the account for a while and
every attempt, good or bad, goes to the audit log, so unauthorised access attempts are
visible. Authorisations are recorded with who granted them and when; ``review`` lists
authorised officers who have not logged in for three months.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from anpr import audit, clock
from anpr.errors import BadInput, Conflict, Forbidden, NotFound, Unauthenticated

log = logging.getLogger(__name__)

ROLES = ("officer", "requester", "analyst", "plan_editor", "auditor", "admin")
ROLE_LABELS = {
    "officer": "geautoriseerd opsporingsambtenaar",
    "requester": "aanvrager (opsporingsambtenaar)",
    "analyst": "analist",
    "plan_editor": "cameraplan-redacteur",
    "auditor": "privacy-auditor",
    "admin": "beheerder",
}
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
REVIEW_AFTER = timedelta(days=91)
MIN_PASSWORD = 12

_hasher = PasswordHasher()
# A hash to verify against when the user does not exist, so timing does not tell.
_DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    full_name: str
    role: str
    unit_code: str | None
    active: bool

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Account":
        return cls(row["id"], row["username"], row["full_name"], row["role"], row["unit_code"],
                   row["active"])


def _check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise BadInput(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > 256:
        raise BadInput("password too long")


def create(conn: psycopg.Connection, username: str, full_name: str, role: str, password: str,
           *, unit_code: str | None = None, granted_by: str = "system") -> Account:
    if role not in ROLES:
        raise BadInput(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if not username or len(username) > 64 or not username.replace(".", "").replace("-", "").isalnum():
        raise BadInput("username: letters, digits, dots and dashes, at most 64")
    _check_password(password)
    try:
        row = conn.execute(
            "INSERT INTO account (username, full_name, role, unit_code, password_hash)"
            " VALUES (%s, %s, %s, %s, %s) RETURNING *",
            (username, full_name, role, unit_code, _hasher.hash(password))).fetchone()
    except psycopg.errors.UniqueViolation as exc:
        raise Conflict(f"an account {username!r} already exists") from exc
    except psycopg.errors.ForeignKeyViolation as exc:
        raise BadInput(f"unknown unit {unit_code!r}") from exc
    conn.execute("INSERT INTO authorisation (account_id, role, granted_by) VALUES (%s, %s, %s)",
                 (row["id"], role, granted_by))
    audit.record(conn, granted_by, "account.create", f"account:{row['id']}", role=role,
                 username=username)
    return Account.from_row(row)


def get(conn: psycopg.Connection, account_id: int) -> Account:
    row = conn.execute("SELECT * FROM account WHERE id = %s", (account_id,)).fetchone()
    if row is None:
        raise NotFound("no such account")
    return Account.from_row(row)


def authenticate(conn: psycopg.Connection, username: str, password: str,
                 *, source: str = "unknown") -> Account:
    """Check a login; count failures, lock after MAX_FAILURES, log every attempt.

    A refused attempt commits its failure count and audit record before raising: the
    caller's rollback on error must not erase the evidence of an access attempt.
    """
    now = clock.now()
    row = conn.execute("SELECT * FROM account WHERE lower(username) = lower(%s) FOR UPDATE",
                       (username or "",)).fetchone()
    if row is None:
        try:
            _hasher.verify(_DUMMY_HASH, password or "x")
        except VerificationError:
            pass
        audit.record(conn, "anonymous", "login.failed", None, username=username[:64],
                     reason="unknown user", source=source)
        conn.commit()
        raise Unauthenticated("unknown user or wrong password")
    subject = f"account:{row['id']}"
    if not row["active"]:
        audit.record(conn, row["username"], "login.refused", subject, reason="inactive",
                     source=source)
        conn.commit()
        raise Forbidden("this account is deactivated")
    if row["locked_until"] and row["locked_until"] > now:
        audit.record(conn, row["username"], "login.refused", subject, reason="locked",
                     source=source)
        conn.commit()
        raise Forbidden("too many failed attempts; the account is locked for a while")
    try:
        _hasher.verify(row["password_hash"], password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        failures = row["failed_logins"] + 1
        locked = now + LOCKOUT if failures >= MAX_FAILURES else None
        conn.execute("UPDATE account SET failed_logins = %s, locked_until = %s WHERE id = %s",
                     (failures, locked, row["id"]))
        audit.record(conn, row["username"], "login.failed", subject, failures=failures,
                     locked=locked is not None, source=source)
        if locked:
            log.warning("account %s locked after %s failed logins", row["username"], failures)
        conn.commit()
        raise Unauthenticated("unknown user or wrong password")
    conn.execute("UPDATE account SET failed_logins = 0, locked_until = NULL, last_login_at = %s"
                 " WHERE id = %s", (now, row["id"]))
    audit.record(conn, row["username"], "login.ok", subject, source=source)
    return Account.from_row(row)


def set_password(conn: psycopg.Connection, account_id: int, password: str, actor: str) -> None:
    _check_password(password)
    conn.execute("UPDATE account SET password_hash = %s WHERE id = %s",
                 (_hasher.hash(password), account_id))
    audit.record(conn, actor, "account.password", f"account:{account_id}")


def deactivate(conn: psycopg.Connection, account_id: int, actor: str) -> None:
    conn.execute("UPDATE account SET active = false WHERE id = %s", (account_id,))
    conn.execute("UPDATE authorisation SET revoked_at = now(), revoked_by = %s"
                 " WHERE account_id = %s AND revoked_at IS NULL", (actor, account_id))
    audit.record(conn, actor, "account.deactivate", f"account:{account_id}")


def review(conn: psycopg.Connection, now: datetime | None = None) -> list[dict[str, Any]]:
    """Authorised officers with no login for three months (R2): to be reviewed."""
    now = now or clock.now()
    return list(conn.execute("""
        SELECT a.id, a.username, a.full_name, a.unit_code, a.last_login_at, a.created_at,
               g.granted_by, g.granted_at
          FROM account a
          LEFT JOIN LATERAL (SELECT granted_by, granted_at FROM authorisation
                              WHERE account_id = a.id AND revoked_at IS NULL
                              ORDER BY granted_at DESC LIMIT 1) g ON true
         WHERE a.role = 'officer' AND a.active
           AND coalesce(a.last_login_at, a.created_at) < %s
         ORDER BY coalesce(a.last_login_at, a.created_at)""", (now - REVIEW_AFTER,)).fetchall())


def require_role(account: Account | None, *roles: str) -> Account:
    """Least privilege (R10): the account must hold one of ``roles``."""
    if account is None:
        raise Unauthenticated("log in first")
    if account.role not in roles:
        raise Forbidden(f"your role ({ROLE_LABELS.get(account.role, account.role)}) may not do this")
    return account
