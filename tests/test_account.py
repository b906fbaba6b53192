"""The account's own page (R10): who you are, your live sessions, your own password.

Walked as a user and as an attacker would: through real logins and the cookie a browser
holds. One account cannot see or end another account's session (the id answers as one
that does not exist); a wrong current password is refused, logged and counted as a
failed login; a changed password ends every other session of the account at once, and
the browser that changed it goes on.
"""
from __future__ import annotations

import uuid

import psycopg
from psycopg.rows import dict_row

from anpr import accounts
from tests.conftest import TEST_PASSWORD, SessionClient

NEW_PASSWORD = "een-nieuw-wachtwoord-126"


def _fresh(database_url, role: str = "officer") -> str:
    name = f"acc.{uuid.uuid4().hex[:8]}"
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        accounts.create(conn, name, "Account Test", role, TEST_PASSWORD,
                        unit_code="MN" if role == "officer" else None, granted_by="test-setup")
        conn.commit()
    return name


def _audit(database_url, action: str, username: str) -> list[dict]:
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        return conn.execute("SELECT * FROM audit_log WHERE action = %s AND actor = %s"
                            " ORDER BY id", (action, username)).fetchall()


def test_the_account_sees_itself_and_only_its_own_sessions(app, database_url, demo_db):
    name, other = _fresh(database_url), _fresh(database_url)
    first, second = SessionClient(app, name), SessionClient(app, name)
    stranger = SessionClient(app, other)
    me = first.get("/api/v1/account").get_json()
    assert me["username"] == name and me["role"] == "officer"
    assert me["role_nl"] == "opsporingsambtenaar" and me["unit"] == "MN"
    mine = first.get("/api/v1/account/sessions").get_json()
    assert len(mine) == 2 and sum(s["current"] for s in mine) == 1
    theirs = stranger.get("/api/v1/account/sessions").get_json()
    assert len(theirs) == 1 and not {s["id"] for s in theirs} & {s["id"] for s in mine}
    # The stranger cannot end one of mine: answered as an id that does not exist.
    target = next(s["id"] for s in mine if not s["current"])
    refused = stranger.delete(f"/api/v1/account/sessions/{target}")
    unknown = stranger.delete(f"/api/v1/account/sessions/{'0' * 64}")
    assert refused.status_code == unknown.status_code == 404
    assert refused.get_json()["message"] == unknown.get_json()["message"]
    assert second.get("/api/v1/account").status_code == 200
    # The current session is ended by logging out, not here.
    current = next(s["id"] for s in mine if s["current"])
    assert first.delete(f"/api/v1/account/sessions/{current}").status_code == 409
    # The account ends its other session: that browser is logged out at once.
    left = first.delete(f"/api/v1/account/sessions/{target}")
    assert left.status_code == 200 and [s["current"] for s in left.get_json()] == [True]
    assert second.get("/api/v1/account").status_code == 401
    assert _audit(database_url, "session.end", name)


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(app, database_url,
                                                                       demo_db):
    name = _fresh(database_url, role="analyst")
    here, elsewhere = SessionClient(app, name), SessionClient(app, name)
    resp = here.post("/api/v1/account/password",
                     json={"current": TEST_PASSWORD, "new": NEW_PASSWORD,
                           "repeat": NEW_PASSWORD})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["sessions_ended"] == 1
    assert here.get("/api/v1/account").status_code == 200
    assert elsewhere.get("/api/v1/account").status_code == 401
    SessionClient(app, name, NEW_PASSWORD)              # the new password logs in
    c = app.test_client()
    token = c.get("/api/v1/session").get_json()["csrf_token"]
    assert c.post("/api/v1/session", json={"username": name, "password": TEST_PASSWORD},
                  headers={"X-CSRF-Token": token}).status_code == 401
    assert _audit(database_url, "account.password", name)


def test_a_wrong_current_password_is_refused_logged_and_counted(app, database_url, demo_db):
    name = _fresh(database_url)
    me = SessionClient(app, name)
    for body in ({"current": "fout-fout-fout-1", "new": NEW_PASSWORD, "repeat": NEW_PASSWORD},
                 {"current": TEST_PASSWORD, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD + "x"},
                 {"current": TEST_PASSWORD, "new": "kort", "repeat": "kort"},
                 {"current": TEST_PASSWORD, "new": TEST_PASSWORD, "repeat": TEST_PASSWORD},
                 {"current": TEST_PASSWORD, "new": 12, "repeat": 12}):
        resp = me.post("/api/v1/account/password", json=body)
        assert 400 <= resp.status_code < 500, (body, resp.status_code)
        assert resp.get_json().get("bericht"), resp.get_json()     # Dutch for the officer
    refused = _audit(database_url, "account.password.refused", name)
    assert len(refused) == 1 and refused[0]["details"]["failures"] == 1
    assert not _audit(database_url, "account.password", name)
    SessionClient(app, name)          # the password did not change (and the count restarts)
    # Five wrong current passwords lock the account and end its sessions, as logins do.
    for _ in range(accounts.MAX_FAILURES):
        me.post("/api/v1/account/password",
                json={"current": "fout-fout-fout-1", "new": NEW_PASSWORD,
                      "repeat": NEW_PASSWORD})
    assert me.get("/api/v1/account").status_code == 401


def test_every_role_reaches_its_account_page_in_dutch(app, database_url, demo_db):
    for role in accounts.ROLES:
        page = SessionClient(app, _fresh(database_url, role)).get("/account")
        assert page.status_code == 200, role
        html = page.get_data(as_text=True)
        assert "Mijn account" in html and "Wachtwoord wijzigen" in html and "deze sessie" in html
    assert app.test_client().get("/account").status_code in (302, 401)
