"""Personal accounts, roles, authorisations and login (R2, R10).

Passwords are hashed with Argon2id. Repeated failures lock the account for a while and
every attempt, good or bad, goes to the audit log, so unauthorised access attempts are
visible. A refused login answers the same whatever the reason (unknown user, wrong
password, locked, suspended) and costs the same Argon2 check, so the answer does not tell
whether an account exists; the audit log keeps the true reason. Authorisations are
recorded with who granted them and when; ``review`` lists authorised officers who have
not logged in for three months.

Login sessions live in ``web_session``: the browser holds a random token, the database
its SHA-256 with the account, so that logout, a password change, a suspension and the
idle and absolute timeouts end a session for whoever holds a copy of the cookie.
"""
from __future__ import annotations

import hashlib
import logging
import re
import secrets
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
REFUSED = "unknown user or wrong password"  # one answer for every refused login (R10)
TOUCH_EVERY = timedelta(seconds=60)  # how stale a session's last_seen may get

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


_USERNAME = re.compile(r"[A-Za-z0-9.-]{1,64}\Z")


def create(conn: psycopg.Connection, username: str, full_name: str, role: str, password: str,
           *, unit_code: str | None = None, granted_by: str = "system") -> Account:
    if role not in ROLES:
        raise BadInput(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if not isinstance(username, str) or not _USERNAME.fullmatch(username):
        # ASCII only: str.isalnum() took Cyrillic and Greek letters, so "оfficer.mn" (a
        # Cyrillic o) could pass for officer.mn in the audit log and a hand-over list
        raise BadInput("username: letters a-z, digits, dots and dashes (ASCII), at most 64")
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


def by_username(conn: psycopg.Connection, username: str) -> Account:
    row = conn.execute("SELECT * FROM account WHERE lower(username) = lower(%s)",
                       (username,)).fetchone()
    if row is None:
        raise NotFound(f"no account {username!r}")
    return Account.from_row(row)


def _plain(value: str) -> bool:
    if not isinstance(value, str) or "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def authenticate(conn: psycopg.Connection, username: str, password: str,
                 *, source: str = "unknown") -> Account:
    """Check a login; count failures, lock after MAX_FAILURES, log every attempt.

    Every refusal raises the same :class:`Unauthenticated` (401, same message) after the
    same Argon2 check: unknown user, wrong password, locked and suspended accounts are
    told apart only in the audit log. A refused attempt commits its failure count and
    audit record before raising: the caller's rollback on error must not erase the
    evidence of an access attempt.
    """
    now = clock.now()
    username = username or ""
    if not (_plain(username) and _plain(password or "")):
        # NUL bytes or lone surrogates: no account can have them, and neither the database
        # nor the audit log takes them; refused like an unknown user, logged escaped.
        _verify(_DUMMY_HASH, "x")
        audit.record(conn, "anonymous", "login.failed", None, username=ascii(username)[:64],
                     reason="malformed", source=source)
        conn.commit()
        raise Unauthenticated(REFUSED)
    row = conn.execute("SELECT * FROM account WHERE lower(username) = lower(%s) FOR UPDATE",
                       (username,)).fetchone()
    if row is None:
        _verify(_DUMMY_HASH, password or "x")
        audit.record(conn, "anonymous", "login.failed", None, username=username[:64],
                     reason="unknown user", source=source)
        conn.commit()
        raise Unauthenticated(REFUSED)
    subject = f"account:{row['id']}"
    password_ok = _verify(row["password_hash"], password)
    if not row["active"] or (row["locked_until"] and row["locked_until"] > now):
        reason = "inactive" if not row["active"] else "locked"
        audit.record(conn, row["username"], "login.refused", subject, reason=reason,
                     password_ok=password_ok, source=source)
        conn.commit()
        raise Unauthenticated(REFUSED)
    if not password_ok:
        failures = row["failed_logins"] + 1
        locked = now + LOCKOUT if failures >= MAX_FAILURES else None
        conn.execute("UPDATE account SET failed_logins = %s, locked_until = %s WHERE id = %s",
                     (failures, locked, row["id"]))
        audit.record(conn, row["username"], "login.failed", subject, reason="wrong password",
                     failures=failures, locked=locked is not None, source=source)
        if locked:
            log.warning("account %s locked after %s failed logins", row["username"], failures)
        conn.commit()
        raise Unauthenticated(REFUSED)
    conn.execute("UPDATE account SET failed_logins = 0, locked_until = NULL, last_login_at = %s"
                 " WHERE id = %s", (now, row["id"]))
    audit.record(conn, row["username"], "login.ok", subject, source=source)
    return Account.from_row(row)


# -- server-side sessions (R10) ------------------------------------------------------------
def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(conn: psycopg.Connection, account: Account, *, source: str = "unknown",
                  replaces: str | None = None) -> str:
    """A new session for ``account``; returns the random token the cookie is to hold.
    ``replaces``: the token of the session this browser held before, which ends."""
    if replaces:
        end_session(conn, replaces, "replaced")
    token = secrets.token_urlsafe(32)
    now = clock.now()
    conn.execute("INSERT INTO web_session (id, account_id, created_at, last_seen, source)"
                 " VALUES (%s, %s, %s, %s, %s)",
                 (_token_hash(token), account.id, now, now, source[:64]))
    return token


def session_account(conn: psycopg.Connection, token: str, *, idle: timedelta,
                    max_age: timedelta) -> Account | None:
    """The account of a live session, or None. A session past its idle or absolute
    timeout, or of an account no longer active, is ended here and then."""
    if not isinstance(token, str) or not token:
        return None
    key = _token_hash(token)
    row = conn.execute("""
        SELECT s.created_at AS s_created, s.last_seen AS s_seen, a.*
          FROM web_session s JOIN account a ON a.id = s.account_id
         WHERE s.id = %s AND s.ended_at IS NULL""", (key,)).fetchone()
    if row is None:
        return None
    now = clock.now()
    reason = ("suspended" if not row["active"] else
              "expired" if now - row["s_created"] > max_age else
              "idle" if now - row["s_seen"] > idle else None)
    if reason:
        conn.execute("UPDATE web_session SET ended_at = %s, ended_reason = %s WHERE id = %s",
                     (now, reason, key))
        audit.record(conn, row["username"], "session.end", f"account:{row['id']}",
                     reason=reason)
        return None
    if now - row["s_seen"] > TOUCH_EVERY:
        conn.execute("UPDATE web_session SET last_seen = %s WHERE id = %s", (now, key))
    return Account.from_row(row)


def end_session(conn: psycopg.Connection, token: str, reason: str = "logout") -> None:
    """End the one session of ``token`` (logout); the account's other sessions go on."""
    if not isinstance(token, str) or not token:
        return
    row = conn.execute("""
        UPDATE web_session s SET ended_at = %s, ended_reason = %s
          FROM account a
         WHERE s.id = %s AND s.ended_at IS NULL AND a.id = s.account_id
        RETURNING a.id, a.username""", (clock.now(), reason, _token_hash(token))).fetchone()
    if row is not None:
        audit.record(conn, row["username"], "session.end", f"account:{row['id']}",
                     reason=reason)


def end_sessions(conn: psycopg.Connection, account_id: int, reason: str, actor: str,
                 *, keep: str | None = None) -> int:
    """End every live session of an account (password change, suspension); ``keep``: the
    token of one session that goes on (the browser that changed the password)."""
    ended = conn.execute("UPDATE web_session SET ended_at = %s, ended_reason = %s"
                         " WHERE account_id = %s AND ended_at IS NULL AND id <> %s",
                         (clock.now(), reason, account_id,
                          _token_hash(keep) if keep else "")).rowcount
    if ended:
        audit.record(conn, actor, "session.end", f"account:{account_id}", reason=reason,
                     sessions=ended)
    return ended


def set_password(conn: psycopg.Connection, account_id: int, password: str, actor: str,
                 *, keep: str | None = None) -> int:
    """A new password; every session of the account ends (R10), but for the one of the
    token ``keep`` where the account changed its own. Returns the sessions ended."""
    _check_password(password)
    conn.execute("UPDATE account SET password_hash = %s WHERE id = %s",
                 (_hasher.hash(password), account_id))
    audit.record(conn, actor, "account.password", f"account:{account_id}")
    return end_sessions(conn, account_id, "password", actor, keep=keep)


def change_own_password(conn: psycopg.Connection, account: Account, token: str, current: str,
                        new: str, repeated: str) -> int:
    """The account changes its own password from its session ``token``: the current
    password must be right, the new one given twice. A wrong current password counts as a
    failed login (it locks the account after MAX_FAILURES, and then every session ends), and
    it is audit-logged and committed before the refusal, like a refused login. On success
    the account's other sessions end; returns how many."""
    if not all(isinstance(v, str) for v in (current, new, repeated)):
        raise BadInput("give the current password and the new one twice")
    row = conn.execute("SELECT * FROM account WHERE id = %s FOR UPDATE",
                       (account.id,)).fetchone()
    subject = f"account:{account.id}"
    if row is None or not _verify(row["password_hash"], current[:256]):
        failures = (row["failed_logins"] if row else 0) + 1
        locked = clock.now() + LOCKOUT if failures >= MAX_FAILURES else None
        conn.execute("UPDATE account SET failed_logins = %s, locked_until = %s WHERE id = %s",
                     (failures, locked, account.id))
        audit.record(conn, account.username, "account.password.refused", subject,
                     reason="wrong current password", failures=failures,
                     locked=locked is not None)
        if locked:
            end_sessions(conn, account.id, "locked", account.username)
        conn.commit()
        raise Forbidden("the current password is wrong")
    if new != repeated:
        raise BadInput("the new password and its repetition differ")
    if new == current:
        raise BadInput("the new password must differ from the current one")
    conn.execute("UPDATE account SET failed_logins = 0, locked_until = NULL WHERE id = %s",
                 (account.id,))
    return set_password(conn, account.id, new, account.username, keep=token)


def live_sessions(conn: psycopg.Connection, account_id: int, *, idle: timedelta,
                  max_age: timedelta) -> list[dict[str, Any]]:
    """The account's sessions that still let someone in (not ended, within the idle and
    absolute timeouts), newest first. ``id`` is the stored SHA-256 of the cookie's token,
    from which the token cannot be found."""
    now = clock.now()
    return list(conn.execute("""
        SELECT id, created_at, last_seen, source FROM web_session
         WHERE account_id = %s AND ended_at IS NULL AND last_seen >= %s AND created_at >= %s
         ORDER BY created_at DESC, id""", (account_id, now - idle, now - max_age)).fetchall())


def end_own_session(conn: psycopg.Connection, account: Account, session_id: str,
                    current_token: str | None) -> None:
    """The account ends one of its other sessions. A session of another account answers as
    one that does not exist (NotFound), so ids reveal nothing; its own current one is
    ended by logging out."""
    if current_token and session_id == _token_hash(current_token):
        raise Conflict("this is the session you are using: log out to end it")
    row = conn.execute("""
        UPDATE web_session SET ended_at = %s, ended_reason = 'ended by the account'
         WHERE id = %s AND account_id = %s AND ended_at IS NULL RETURNING id""",
                       (clock.now(), session_id, account.id)).fetchone()
    if row is None:
        raise NotFound("no such session")
    audit.record(conn, account.username, "session.end", f"account:{account.id}",
                 reason="ended by the account", session=session_id[:12])


def session_id_of(token: str | None) -> str | None:
    """The stored id of the session of ``token`` (to mark the current one)."""
    return _token_hash(token) if token else None


def deactivate(conn: psycopg.Connection, account_id: int, actor: str,
               reason: str | None = None) -> None:
    """Suspend an account: its authorisations are revoked and its sessions end (R10)."""
    conn.execute("UPDATE account SET active = false WHERE id = %s", (account_id,))
    conn.execute("UPDATE authorisation SET revoked_at = now(), revoked_by = %s"
                 " WHERE account_id = %s AND revoked_at IS NULL", (actor, account_id))
    audit.record(conn, actor, "account.deactivate", f"account:{account_id}", reason=reason)
    end_sessions(conn, account_id, "suspended", actor)


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
