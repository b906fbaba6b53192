"""R10 attacked through HTTP: sessions end server-side, a login refusal tells nothing about
the account, and no request header stands in for a login.

Every test walks the real path: GET /api/v1/session for the CSRF token, POST it to log
in, then the cookie the browser would hold. A cookie copied before logout, password
change or suspension is replayed by a second client, as a thief would.
"""
from __future__ import annotations

import uuid

import psycopg
import pytest
from psycopg.rows import dict_row

from anpr import accounts, audit
from tests.conftest import TEST_PASSWORD, SessionClient

ME = "/api/v1/crimes"  # any route that needs a logged-in officer


def _fresh_officer(database_url, role: str = "officer", unit: str | None = "MN") -> str:
    name = f"att.{uuid.uuid4().hex[:8]}"
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        accounts.create(conn, name, "Attack Test", role, TEST_PASSWORD,
                        unit_code=unit if role == "officer" else None, granted_by="test-setup")
        conn.commit()
    return name


def _account_id(database_url, username: str) -> int:
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        return conn.execute("SELECT id FROM account WHERE username = %s",
                            (username,)).fetchone()["id"]


def _cookie(client) -> str:
    cookie = client.client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _replay(app, cookie_value: str):
    """A second browser that holds nothing but the stolen cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie_value)
    return thief


def _login_status(app, username: str, password: str):
    c = app.test_client()
    token = c.get("/api/v1/session").get_json()["csrf_token"]
    resp = c.post("/api/v1/session", json={"username": username, "password": password},
                  headers={"X-CSRF-Token": token})
    return resp.status_code, resp.get_json()


def test_a_cookie_replayed_after_logout_is_refused(app, database_url, demo_db):
    name = _fresh_officer(database_url)
    officer = SessionClient(app, name)
    stolen = _cookie(officer)
    assert _replay(app, stolen).get(ME).status_code == 200
    assert officer.delete("/api/v1/session").status_code == 200
    assert officer.get(ME).status_code == 401
    assert _replay(app, stolen).get(ME).status_code == 401
    # And the replayed cookie is anonymous everywhere, not only on that route.
    assert _replay(app, stolen).get("/api/v1/session").get_json()["account"] is None


def test_the_page_logout_ends_the_session_too(app, database_url, demo_db):
    import re

    name = _fresh_officer(database_url)
    c = app.test_client()
    html = c.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert c.post("/login", data={"username": name, "password": TEST_PASSWORD,
                                  "csrf_token": token}).status_code == 302
    stolen = c.get_cookie("session").value
    html = c.get("/dashboard").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert c.post("/logout", data={"csrf_token": token}).status_code == 302
    assert _replay(app, stolen).get(ME).status_code == 401


def test_a_password_change_ends_the_old_sessions(app, database_url, demo_db):
    name = _fresh_officer(database_url)
    officer = SessionClient(app, name)
    stolen = _cookie(officer)
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        accounts.set_password(conn, _account_id(database_url, name), "a brand new password",
                              "admin")
        conn.commit()
    assert _replay(app, stolen).get(ME).status_code == 401
    assert officer.get(ME).status_code == 401
    assert SessionClient(app, name, "a brand new password").get(ME).status_code == 200


def test_suspension_ends_every_session_of_the_account(app, database_url, demo_db):
    name = _fresh_officer(database_url)
    first, second = SessionClient(app, name), SessionClient(app, name)
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        accounts.deactivate(conn, _account_id(database_url, name), "admin")
        conn.commit()
        reasons = {r["ended_reason"] for r in conn.execute(
            "SELECT ended_reason FROM web_session WHERE account_id = %s",
            (_account_id(database_url, name),))}
    assert first.get(ME).status_code == 401 and second.get(ME).status_code == 401
    assert reasons == {"suspended"}


def test_the_cli_changes_a_password_and_suspends(app, database_url, demo_db):
    from click.testing import CliRunner

    from cli.main import main

    name = _fresh_officer(database_url)
    officer = SessionClient(app, name)
    env = {"DATABASE_URL": database_url}
    r = CliRunner().invoke(main, ["accounts", "password", name, "--by", "admin",
                                  "--password-stdin"], input="another new password\n", env=env)
    assert r.exit_code == 0, r.output
    assert officer.get(ME).status_code == 401
    officer = SessionClient(app, name, "another new password")
    r = CliRunner().invoke(main, ["accounts", "suspend", name, "--by", "admin",
                                  "--reason", "left the unit"], env=env)
    assert r.exit_code == 0, r.output
    assert officer.get(ME).status_code == 401
    assert _login_status(app, name, "another new password")[0] == 401


def test_logout_ends_only_that_session(app, database_url, demo_db):
    name = _fresh_officer(database_url)
    laptop, desk = SessionClient(app, name), SessionClient(app, name)
    assert _cookie(laptop) != _cookie(desk)
    assert laptop.delete("/api/v1/session").status_code == 200
    assert laptop.get(ME).status_code == 401
    assert desk.get(ME).status_code == 200


def test_the_cookie_holds_no_account_id(app, database_url, demo_db):
    """The server-side record decides who is logged in: the cookie carries a random token
    and the CSRF token, nothing a forger could edit into another account."""
    from flask.sessions import SecureCookieSessionInterface

    name = _fresh_officer(database_url)
    officer = SessionClient(app, name)
    data = SecureCookieSessionInterface().get_signing_serializer(app).loads(_cookie(officer))
    assert "account_id" not in data and set(data) <= {"sid", "csrf", "_permanent"}
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        stored = conn.execute("SELECT id FROM web_session WHERE account_id = %s",
                              (_account_id(database_url, name),)).fetchone()["id"]
    assert data["sid"] not in stored  # only the token's hash is stored


def test_an_idle_session_ends(app, database_url, demo_db):
    name = _fresh_officer(database_url)
    officer = SessionClient(app, name)
    with psycopg.connect(database_url) as conn:
        conn.execute("UPDATE web_session SET last_seen = now() - interval '1 day'"
                     " WHERE account_id = %s", (_account_id(database_url, name),))
    assert officer.get(ME).status_code == 401


def test_a_session_ends_after_its_absolute_lifetime(app, database_url, demo_db):
    name = _fresh_officer(database_url)
    officer = SessionClient(app, name)
    with psycopg.connect(database_url) as conn:
        conn.execute("UPDATE web_session SET created_at = now() - interval '3 days'"
                     " WHERE account_id = %s", (_account_id(database_url, name),))
    assert officer.get(ME).status_code == 401


def test_locked_unknown_wrong_and_suspended_answer_alike(app, database_url, demo_db):
    locked = _fresh_officer(database_url)
    for _ in range(accounts.MAX_FAILURES):
        assert _login_status(app, locked, "wrong password!!")[0] == 401
    suspended = _fresh_officer(database_url)
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        accounts.deactivate(conn, _account_id(database_url, suspended), "admin")
        conn.commit()
    wrong = _fresh_officer(database_url)
    answers = {
        "unknown": _login_status(app, f"nobody.{uuid.uuid4().hex[:6]}", TEST_PASSWORD),
        "wrong password": _login_status(app, wrong, "not the password"),
        "locked, right password": _login_status(app, locked, TEST_PASSWORD),
        "suspended, right password": _login_status(app, suspended, TEST_PASSWORD),
    }
    assert len({(status, repr(body)) for status, body in answers.values()}) == 1, answers
    assert answers["unknown"][0] == 401
    # The audit log still records the true reason.
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        def reasons(username):
            subject = f"account:{_account_id(database_url, username)}"
            return [e["details"].get("reason") for e in audit.entries(conn, subject=subject)
                    if e["action"] == "login.refused"]
        assert "locked" in reasons(locked)
        assert "inactive" in reasons(suspended)


def test_the_login_page_answers_alike_too(app, database_url, demo_db):
    import re

    locked = _fresh_officer(database_url)
    with psycopg.connect(database_url) as conn:
        conn.execute("UPDATE account SET locked_until = now() + interval '1 hour'"
                     " WHERE username = %s", (locked,))

    def page(username, password):
        c = app.test_client()
        html = c.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        resp = c.post("/login", data={"username": username, "password": password,
                                      "csrf_token": token})
        text = re.sub(r'(value|content)="[^"]*"', "", resp.get_data(as_text=True))
        return resp.status_code, text

    status_locked, body_locked = page(locked, TEST_PASSWORD)
    status_unknown, body_unknown = page(locked + "x", TEST_PASSWORD)
    assert status_locked == status_unknown == 401
    assert body_locked.replace(locked, "") == body_unknown.replace(locked + "x", "")


def test_an_unknown_user_costs_a_password_hash(app, database_url, demo_db):
    """Timing: an unknown user runs Argon2 like a known one, so it is not much faster."""
    import time

    name = _fresh_officer(database_url)

    def timed(username):
        start = time.perf_counter()
        _login_status(app, username, "not the password")
        return time.perf_counter() - start

    timed(f"nobody.{uuid.uuid4().hex[:6]}")  # warm up
    known = min(timed(name) for _ in range(3))
    unknown = min(timed(f"nobody.{uuid.uuid4().hex[:6]}") for _ in range(3))
    assert unknown > known * 0.5, (known, unknown)


# -- plans: no header stands in for a login -------------------------------------------------
@pytest.fixture
def draft_year(login, demo_db):
    editor = login("editor")
    year = 2061
    if editor.get(f"/api/v1/plans/{year}").status_code == 404:
        assert editor.post(f"/api/v1/plans/{year}/draft").status_code == 201
    return year


def test_an_x_anpr_user_header_gives_nothing(client, draft_year):
    h = {"X-Anpr-User": "anyone"}
    plans = client.get("/api/v1/plans", headers=h).get_json()["plans"]
    assert plans and all(p["state"] == "published" for p in plans)
    assert draft_year not in {p["year"] for p in plans}
    assert client.get(f"/api/v1/plans/{draft_year}", headers=h).status_code == 404
    assert client.get(f"/api/v1/plans/{draft_year}/validation", headers=h).status_code == 404
    r = client.post(f"/api/v1/plans/{draft_year}/publish", headers=h)
    assert r.status_code in (401, 403)
    r = client.post("/api/v1/plans/2062/draft", headers=h)
    assert r.status_code in (401, 403)
    assert "X-Anpr-User" not in client.get("/api/v1/openapi.json").get_data(as_text=True)


def test_drafts_need_the_plan_editor_role(login, draft_year):
    officer = login("officer.mn")
    plans = officer.get("/api/v1/plans").get_json()["plans"]
    assert draft_year not in {p["year"] for p in plans}
    assert officer.get(f"/api/v1/plans/{draft_year}").status_code == 404
    assert officer.get(f"/api/v1/plans/{draft_year}/amendments").status_code == 404
    editor = login("editor")
    assert draft_year in {p["year"] for p in editor.get("/api/v1/plans").get_json()["plans"]}
    assert editor.get(f"/api/v1/plans/{draft_year}").get_json()["state"] == "draft"
    assert editor.get(f"/api/v1/plans/{draft_year}/validation").status_code == 200


def test_a_new_login_in_the_same_browser_ends_the_one_before(app, database_url, demo_db):
    name = _fresh_officer(database_url)
    officer = SessionClient(app, name)
    before = _cookie(officer)
    r = officer.post("/api/v1/session", json={"username": name, "password": TEST_PASSWORD})
    assert r.status_code == 200
    assert _cookie(officer) != before
    assert _replay(app, before).get(ME).status_code == 401
    assert officer.get(ME).status_code == 200


@pytest.mark.parametrize("username", ["officer\x00.mn", "officer\ud800", "\x00"])
def test_a_malformed_login_is_a_clear_refusal(app, demo_db, username):
    import re

    status, body = _login_status(app, username, TEST_PASSWORD)
    assert 400 <= status < 500 and body["message"]
    if "\ud800" in username:
        return  # a form post is bytes: a lone surrogate cannot arrive that way
    c = app.test_client()
    html = c.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    resp = c.post("/login", data={"username": username, "password": TEST_PASSWORD + "\x00",
                                  "csrf_token": token})
    assert 400 <= resp.status_code < 500


# -- refusals at the door are audit-logged, at a bounded rate (R10, R6) -----------------

@pytest.fixture
def door(app_database_url, demo_db):
    """An app of its own, so its refusal windows start empty; its clock is the test's."""
    from webmap.app import create_app

    application = create_app({"DATABASE_URL": app_database_url, "TESTING": True,
                              "SECRET_KEY": "test-secret", "ANPR_REFUSAL_WINDOW_S": 60,
                              "ANPR_REFUSAL_SOURCES": 3})
    now = [1000.0]
    application.extensions["anpr_refusals"].clock = lambda: now[0]
    yield application, now
    application.extensions["anpr_pool"].close()


def _source() -> str:
    return "10.%d.%d.%d" % tuple(uuid.uuid4().bytes[:3])


def _at(source: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": source}}


def _logged(database_url, action: str, source: str | None = None, after: int = 0, *,
            summaries: bool = False) -> list:
    """The records of refusals of ``action`` (the first of each window), or with
    ``summaries`` the records that count the ones after it."""
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        return conn.execute(
            "SELECT id, actor, subject, details FROM audit_log WHERE action = %s AND id > %s"
            " AND (%s::text IS NULL OR details->>'source' = %s) AND details ? 'count' = %s"
            " ORDER BY id", (action, after, source, source, summaries)).fetchall()


def _last_id(database_url) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone()[0]


def test_a_request_without_a_valid_session_is_logged(door, database_url):
    app, _ = door
    anon, page, stale = _source(), _source(), _source()
    assert app.test_client().get(ME, **_at(anon)).status_code == 401
    [rec] = _logged(database_url, "auth.refused", anon)
    assert rec["actor"] == "anonymous" and rec["subject"] == ME
    assert rec["details"]["reason"] == "no session" and rec["details"]["method"] == "GET"
    # A page sends the browser to the login, and is logged the same way.
    resp = app.test_client().get("/dashboard", **_at(page))
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert [r["subject"] for r in _logged(database_url, "auth.refused", page)] == ["/dashboard"]
    # A cookie replayed after logout: the session it names has ended.
    name = _fresh_officer(database_url)
    officer = SessionClient(app, name)
    stolen = _cookie(officer)
    assert officer.delete("/api/v1/session").status_code == 200
    assert _replay(app, stolen).get(ME, **_at(stale)).status_code == 401
    [rec] = _logged(database_url, "auth.refused", stale)
    assert rec["details"]["reason"] == "session ended or expired"
    # Public routes refuse nothing, and log nothing.
    quiet = _source()
    assert app.test_client().get("/api/v1/plans", **_at(quiet)).status_code == 200
    assert _logged(database_url, "auth.refused", quiet) == []


def test_a_wrong_csrf_token_and_a_wrong_device_key_are_logged(door, database_url):
    app, _ = door
    src = _source()
    name = _fresh_officer(database_url)
    officer = SessionClient(app, name)
    resp = officer.client.post("/api/v1/requests", json={}, headers={"X-CSRF-Token": "forged"},
                               **_at(src))
    assert resp.status_code == 403
    [rec] = _logged(database_url, "csrf.refused", src)
    assert rec["actor"] == name and rec["subject"] == "/api/v1/requests"
    for key, reason in (("anprdev_nosuch_0123456789abcdef", "not valid"), (None, "is required")):
        where = _source()
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        resp = app.test_client().post("/api/v1/intake/passages", json={"records": []},
                                      headers=headers, **_at(where))
        assert resp.status_code == 401
        [rec] = _logged(database_url, "device.refused", where)
        assert rec["actor"] == "anonymous" and reason in rec["details"]["reason"]
        assert key is None or key not in json_text(rec["details"])  # never the key sent


def json_text(value) -> str:
    import json

    return json.dumps(value)


def test_a_flood_of_refusals_is_counted_not_written_one_by_one(door, database_url):
    """120 refusals from one address in a minute: one record per kind at once, and after
    the window one summary each with the count; the log does not grow with the flood."""
    app, now = door
    src = _source()
    before = _last_id(database_url)
    anon = app.test_client()
    for _ in range(40):
        assert anon.get(ME, **_at(src)).status_code == 401
        assert anon.post("/api/v1/requests", json={}, **_at(src)).status_code == 403
        assert anon.post("/api/v1/intake/passages", json={"records": []},
                         headers={"Authorization": "Bearer anprdev_x_y"},
                         **_at(src)).status_code == 401
    for kind in ("auth.refused", "csrf.refused", "device.refused"):
        assert len(_logged(database_url, kind, src)) == 1, kind
        assert _logged(database_url, kind, src, summaries=True) == [], kind
    assert _last_id(database_url) - before < 10  # (other sessions may write meanwhile)
    now[0] += 61  # the window ends; the next request of anyone writes the summaries
    assert app.test_client().get("/api/v1/plans", **_at(_source())).status_code == 200
    for kind, path in (("auth.refused", ME), ("csrf.refused", "/api/v1/requests"),
                       ("device.refused", "/api/v1/intake/passages")):
        [summary] = _logged(database_url, kind, src, summaries=True)
        assert summary["details"]["count"] == 39, kind
        assert summary["details"]["paths"] == [path] and summary["details"]["window_s"] == 60
    # A new window: the next refusal is written at once again.
    assert anon.get(ME, **_at(src)).status_code == 401
    assert len(_logged(database_url, "auth.refused", src)) == 2


def test_refusals_from_many_addresses_share_one_bounded_record(door, database_url):
    """An attacker who spreads the flood over addresses gets at most ANPR_REFUSAL_SOURCES
    (here 3) records of their own; the rest are counted together."""
    app, now = door
    before = _last_id(database_url)
    sources = [_source() for _ in range(10)]
    for src in sources:
        for _ in range(2):
            assert app.test_client().get(ME, **_at(src)).status_code == 401
    firsts = _logged(database_url, "auth.refused", after=before)
    assert [r["details"]["source"] for r in firsts] == sources[:3] + ["many sources"]
    now[0] += 61
    assert app.test_client().get("/api/v1/plans").status_code == 200
    summaries = {r["details"]["source"]: r["details"]["count"]
                 for r in _logged(database_url, "auth.refused", after=before,
                                  summaries=True)}
    assert summaries == {**{s: 1 for s in sources[:3]}, "many sources": 13}


def test_every_answer_carries_the_browser_s_protections(app, demo_db, people):
    """R10 in the browser: a page may run only the app's own scripts (no inline script,
    no eval), load images of its own, inline crops and photos fetched into memory, be
    shown in no frame (clickjacking) and post forms nowhere else; every answer, pages,
    API, files and refusals, says its type is what it is and is shown in no frame."""
    from webmap.app import CONTENT_SECURITY_POLICY

    officer = SessionClient(app, "officer.mn")
    pages = [app.test_client().get("/login"), officer.get("/dashboard"),
             officer.get("/"), officer.get("/no-such-page")]
    others = [officer.get(ME), app.test_client().get(ME),
              app.test_client().get("/static/js/anpr.js")]
    for resp in pages:
        assert resp.mimetype == "text/html", (resp.request.path, resp.status_code)
        policy = resp.headers.get("Content-Security-Policy")
        assert policy == CONTENT_SECURITY_POLICY, resp.request.path
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["script-src"] == "'self'"          # no inline script, no eval
        assert directives["style-src"] == "'self'"           # no inline style either
        assert directives["frame-ancestors"] == "'none'"
        assert directives["object-src"] == "'none'"
        assert set(directives["img-src"].split()) == {"'self'", "data:", "blob:"}
    for resp in pages + others:
        assert resp.headers["X-Content-Type-Options"] == "nosniff", resp.request.path
        assert resp.headers["X-Frame-Options"] == "DENY", resp.request.path
        assert resp.headers["Referrer-Policy"] == "same-origin", resp.request.path
    assert {r.status_code for r in others} == {200, 401}


def test_no_answer_of_the_app_is_kept_in_a_cache(app, demo_db, people):
    """R1 and R10: plates, times, places and photos must not outlive their 28 days on a
    browser's or a proxy's disk. Every answer (pages, API, refusals) says no-store, unless
    its route says otherwise on purpose; only the app's own files (scripts, styles, the
    basemap) may be cached."""
    from conftest import confirmed_request

    officer = SessionClient(app, "officer.mn")
    rid = confirmed_request(officer)
    answers = [officer.get("/dashboard"), officer.get("/"), officer.get(f"/requests/{rid}"),
               officer.get(f"/requests/{rid}/verify"), officer.get(ME),
               officer.get(f"/api/v1/requests/{rid}"), officer.get(f"/api/v1/requests/{rid}/searches"),
               officer.get("/api/v1/requests"), officer.get("/api/v1/requests/999999999"),
               app.test_client().get(ME), app.test_client().get("/login"),
               SessionClient(app, "auditor").get("/reports/monitor")]
    for resp in answers:
        assert resp.status_code in (200, 401, 404), (resp.request.path, resp.status_code)
        assert resp.headers.get("Cache-Control") == "no-store", \
            (resp.request.path, resp.headers.get("Cache-Control"))
    static = app.test_client().get("/static/js/anpr.js")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")
