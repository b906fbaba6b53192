"""Accounts (R2, R10) and the hash-chained audit log (R6)."""
from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest

from anpr import accounts, audit, clock
from anpr.errors import BadInput, Conflict, Forbidden, Unauthenticated

PW = "correct horse battery"


def test_passwords_are_argon2_hashed(conn):
    acc = accounts.create(conn, "a.bakker", "A. Bakker", "officer", PW, unit_code="MN")
    stored = conn.execute("SELECT password_hash FROM account WHERE id = %s", (acc.id,)).fetchone()
    assert stored["password_hash"].startswith("$argon2id$") and PW not in stored["password_hash"]
    assert accounts.authenticate(conn, "A.BAKKER", PW).id == acc.id


def test_short_passwords_and_unknown_roles_are_refused(conn):
    with pytest.raises(BadInput, match="12 characters"):
        accounts.create(conn, "x", "X", "officer", "short")
    with pytest.raises(BadInput, match="unknown role"):
        accounts.create(conn, "y", "Y", "superuser", PW)
    accounts.create(conn, "dup", "D", "analyst", PW)
    with pytest.raises(Conflict):
        accounts.create(conn, "DUP", "D", "analyst", PW)
    # look-alikes of an existing name in another script, and other characters than the
    # ASCII letters, digits, dots and dashes: refused (str.isalnum() took them all)
    for name in ("\u043efficer.mn", "officer.m\u03bd", "offi\u0441er", "o\u00b2",
                 "officer mn", "officer_mn", "a" * 65, ""):
        with pytest.raises(BadInput, match="ASCII"):
            accounts.create(conn, name, "D", "analyst", PW)


def test_authorisation_is_recorded_with_grantor(conn):
    acc = accounts.create(conn, "g.smit", "G. Smit", "officer", PW, unit_code="RT",
                          granted_by="beheer.rt")
    row = conn.execute("SELECT role, granted_by, granted_at FROM authorisation WHERE account_id = %s",
                       (acc.id,)).fetchone()
    assert row["role"] == "officer" and row["granted_by"] == "beheer.rt" and row["granted_at"]


def test_lockout_after_repeated_failures_is_logged(conn):
    """R10: limited login attempts; the attempts are visible in the audit log."""
    acc = accounts.create(conn, "l.visser", "L. Visser", "officer", PW)
    for _ in range(accounts.MAX_FAILURES):
        with pytest.raises(Unauthenticated):
            accounts.authenticate(conn, "l.visser", "wrong password!!")
    with pytest.raises(Unauthenticated, match=accounts.REFUSED):
        accounts.authenticate(conn, "l.visser", PW)  # even the right password, told alike
    actions = [e["action"] for e in audit.entries(conn, subject=f"account:{acc.id}")]
    assert actions.count("login.failed") == accounts.MAX_FAILURES
    assert "login.refused" in actions
    conn.execute("UPDATE account SET locked_until = now() - interval '1 second' WHERE id = %s",
                 (acc.id,))
    assert accounts.authenticate(conn, "l.visser", PW).id == acc.id


def test_unknown_user_attempts_are_logged(conn):
    with pytest.raises(Unauthenticated):
        accounts.authenticate(conn, "nobody", "whatever-it-is")
    assert audit.entries(conn, action="login.failed")[0]["details"]["reason"] == "unknown user"


def test_review_lists_officers_without_login_for_three_months(conn):
    """R2: accounts without a login for three months are flagged."""
    stale = accounts.create(conn, "s.oud", "S. Oud", "officer", PW)
    fresh = accounts.create(conn, "f.nieuw", "F. Nieuw", "officer", PW)
    analyst = accounts.create(conn, "a.oud", "A. Oud", "analyst", PW)
    long_ago = clock.now() - timedelta(days=120)
    conn.execute("UPDATE account SET last_login_at = %s, created_at = %s WHERE id IN (%s, %s)",
                 (long_ago, long_ago, stale.id, analyst.id))
    conn.execute("UPDATE account SET last_login_at = now() WHERE id = %s", (fresh.id,))
    flagged = {r["username"] for r in accounts.review(conn)}
    assert "s.oud" in flagged and "f.nieuw" not in flagged and "a.oud" not in flagged


def test_least_privilege():
    analyst = accounts.Account(1, "a", "A", "analyst", "MN", True)
    with pytest.raises(Forbidden):
        accounts.require_role(analyst, "officer")
    with pytest.raises(Unauthenticated):
        accounts.require_role(None, "officer")


def test_audit_chain_links_every_record(conn):
    for i in range(5):
        audit.record(conn, "tester", "test.event", f"thing:{i}", n=i)
    report = audit.verify(conn)
    assert report.ok and report.records >= 5
    rows = conn.execute("SELECT prev_hash, hash FROM audit_log ORDER BY id").fetchall()
    for prev, cur in zip(rows, rows[1:]):
        assert cur["prev_hash"] == prev["hash"]


def test_audit_log_refuses_update_and_delete(conn):
    rid = audit.record(conn, "tester", "test.event", "x")
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
        conn.execute("UPDATE audit_log SET actor = 'someone else' WHERE id = %s", (rid,))
    conn.rollback()
    rid = audit.record(conn, "tester", "test.event", "x")
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
        conn.execute("DELETE FROM audit_log WHERE id = %s", (rid,))


def test_verify_names_the_first_edited_record(superuser_conn):
    """Tamper-evident even against someone who bypasses the triggers."""
    conn = superuser_conn
    ids = [audit.record(conn, "tester", "test.event", f"t:{i}", n=i) for i in range(4)]
    conn.execute("SET session_replication_role = replica")  # disables triggers (superuser)
    conn.execute("UPDATE audit_log SET details = '{\"n\": 99}'::jsonb WHERE id = %s", (ids[2],))
    conn.execute("SET session_replication_role = origin")
    report = audit.verify(conn)
    assert not report.ok and report.first_broken_id == ids[2] and "edited" in report.reason


def test_verify_detects_a_removed_record(superuser_conn):
    conn = superuser_conn
    ids = [audit.record(conn, "tester", "test.event", f"t:{i}") for i in range(4)]
    conn.execute("SET session_replication_role = replica")
    conn.execute("DELETE FROM audit_log WHERE id = %s", (ids[1],))
    conn.execute("SET session_replication_role = origin")
    report = audit.verify(conn)
    assert not report.ok and report.first_broken_id == ids[2] and "removed" in report.reason
