"""The casework pages' access rules through the Flask test client (R10): a page without a
session goes to the login form, roles and units are enforced as in the API, the login
form needs its CSRF token and never redirects off-site."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from tests.conftest import TEST_PASSWORD


def _csrf(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_pages_need_a_session(client, people):
    for path in ("/dashboard", "/requests/new", "/requests/1", "/requests/1/verify",
                 "/requests/1/photos"):
        resp = client.get(path)
        assert resp.status_code == 302 and "/login?next=" in resp.headers["Location"], path


def test_login_form_needs_csrf_and_stays_on_site(app, people):
    c = app.test_client()
    resp = c.post("/login", data={"username": "officer.mn", "password": TEST_PASSWORD})
    assert resp.status_code == 403
    token = _csrf(c)
    resp = c.post("/login?next=https://evil.example/x", data={
        "username": "officer.mn", "password": TEST_PASSWORD, "csrf_token": token})
    assert resp.status_code == 302 and resp.headers["Location"] == "/dashboard"
    assert c.get("/dashboard").status_code == 200
    # Logout needs the (new) token too.
    assert c.post("/logout").status_code == 403
    token = _csrf(c, "/dashboard")
    assert c.post("/logout", data={"csrf_token": token}).status_code == 302
    assert c.get("/dashboard").status_code == 302


def test_wrong_password_is_shown_in_dutch(app, people):
    c = app.test_client()
    resp = c.post("/login", data={"username": "officer2.mn", "password": "nope",
                                  "csrf_token": _csrf(c)})
    assert resp.status_code == 401
    assert "verkeerd wachtwoord" in resp.get_data(as_text=True)
    # A successful login clears the failure count, so the shared account stays usable.
    c.post("/login", data={"username": "officer2.mn", "password": TEST_PASSWORD,
                           "csrf_token": _csrf(c)})


def _page_client(app, username):
    c = app.test_client()
    resp = c.post("/login", data={"username": username, "password": TEST_PASSWORD,
                                  "csrf_token": _csrf(c)})
    assert resp.status_code == 302
    return c


def test_roles_and_units_on_pages(app, login, demo_db, conn):
    location = conn.execute("SELECT code FROM location ORDER BY code LIMIT 1").fetchone()["code"]
    requester = _page_client(app, "requester.mn")
    assert requester.get("/dashboard").status_code == 403
    assert requester.get("/requests/new").status_code == 403
    officer = login("officer.mn")
    now = datetime.now(timezone.utc)
    body = {
        "received_at": now.isoformat(), "requester_name": "K. Mulder",
        "requester_function": "rechercheur", "order_reference": "OvJ-PAGES-1",
        "prosecutor": "mr. X", "prosecutor_office": "Parket", "order_kind": "verbal",
        "order_at": (now - timedelta(hours=80)).isoformat(), "crime_code": "OW2",
        "purpose": "p", "facts": "f", "suspect": "s",
        "investigation": {"system": "BVH", "number": "PAGES-1", "name": "Pagina"},
        "scope": {"windows": [{"start": demo_db["start"].isoformat(),
                               "end": demo_db["end"].isoformat()}], "locations": [location]},
    }
    rid = officer.post("/api/v1/requests", json=body).get_json()["id"]
    page = _page_client(app, "officer.mn")
    html = page.get(f"/requests/{rid}").get_data(as_text=True)
    assert "OvJ-PAGES-1" in html and 'id="confirm-dialog"' in html and "te laat" in html
    dash = page.get("/dashboard?overdue=1").get_data(as_text=True)
    assert f'data-id="{rid}"' in dash and 'id="overdue-list"' in dash
    assert page.get(f"/requests/{rid}/photos").status_code == 409  # no photos ordered
    other = _page_client(app, "officer.rt")
    # Another unit's request is answered as one that does not exist (casework.access).
    assert other.get(f"/requests/{rid}").status_code == 404
    assert other.get(f"/requests/{rid}/verify").status_code == 404
    assert page.get("/requests/999999").status_code == 404
