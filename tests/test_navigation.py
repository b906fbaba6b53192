"""Navigation on every page for every role (issue 13): a login lands on the role's start
page, every page a role reaches carries the navigation bar with a way out (log out), and
every link of the bar opens for that role (one table: webmap/navigation.py)."""
from __future__ import annotations

import re
from datetime import date

import pytest

from conftest import TEST_PASSWORD
from webmap.navigation import NAV

START = {"officer.mn": "/dashboard", "analyst.mn": "/analyse", "requester.mn": "/analyse",
         "editor": "/registry", "auditor": "/reports/monitor", "admin": "/"}
ROLE = {"officer.mn": "officer", "analyst.mn": "analyst", "requester.mn": "requester",
        "editor": "plan_editor", "auditor": "auditor", "admin": "admin"}


def _form_login(app, username: str):
    c = app.test_client()
    html = c.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    resp = c.post("/login", data={"username": username, "password": TEST_PASSWORD,
                                  "csrf_token": token})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    return c, resp.headers["Location"]


def _bar(html: str) -> str:
    m = re.search(r'<header class="cw-top site-nav" id="site-nav">(.*?)</header>', html, re.S)
    assert m, "page without the navigation bar"
    return m.group(1)


@pytest.mark.parametrize("username", list(START))
def test_login_lands_on_the_start_page_and_every_link_opens(app, people, demo_db, username):
    client, landing = _form_login(app, username)
    assert landing.split("?")[0].rstrip("/") == START[username].rstrip("/") or \
        (START[username] == "/" and landing in ("/", "http://localhost/"))
    hrefs = re.findall(r'<a href="([^"]+)" data-nav="([^"]+)"', _bar(client.get(landing).get_data(
        as_text=True)))
    assert [k for _, k in hrefs] == [k for k, _, _ in NAV[ROLE[username]]]
    for href, key in hrefs:
        page = client.get(href)
        assert page.status_code == 200, (username, key, href, page.status_code)
        bar = _bar(page.get_data(as_text=True))
        assert 'id="logout"' in bar and f'data-username="{username}"' in bar, (username, href)
        assert 'aria-current="page"' in bar, (username, href)


PAGES_OF_A_REQUEST = ("/requests/{rid}", "/requests/{rid}/verify")


def test_casework_pages_and_errors_keep_the_bar(app, people, demo_db):
    from conftest import SessionClient, confirmed_request

    officer = SessionClient(app, "officer.mn")
    rid = confirmed_request(officer)
    client, _ = _form_login(app, "officer.mn")
    for url in [p.format(rid=rid) for p in PAGES_OF_A_REQUEST] + ["/requests/new",
                                                                  "/requests/2000000000"]:
        resp = client.get(url)
        assert resp.status_code in (200, 404), url
        assert 'id="logout"' in _bar(resp.get_data(as_text=True)), url


def test_public_pages_offer_the_login(client, demo_db):
    for url in ("/plans", "/plans/map"):
        bar = _bar(client.get(url).get_data(as_text=True))
        assert 'id="login-link"' in bar and 'href="/plans"' in bar, url


def test_privacy_audit_link_is_this_year(app, people, demo_db):
    client, _ = _form_login(app, "auditor")
    bar = _bar(client.get("/reports/monitor").get_data(as_text=True))
    assert f'href="/reports/privacy-audit/{date.today().year}"' in bar


BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.mark.parametrize("username,url,status", [
    ("officer.mn", "/registry", 403),            # a camera-plan editor's page
    ("analyst.mn", "/reports/monitor", 403),     # an auditor's page
    ("editor", "/plans/2090", 404),              # no plan of that year
    ("auditor", "/reports/privacy-audit/0", 400),  # a year out of range
    ("admin", "/no-such-page", 404),
    ("requester.mn", "/", 403),                  # requesters never see the store's map
])
def test_a_browser_gets_a_dutch_error_page_with_the_bar(app, people, demo_db, username, url,
                                                        status):
    """Issue 13: a refusal or a missing page outside the casework and analyst pages is a
    Dutch page with the role's navigation bar and a way back, not JSON or werkzeug's English;
    a JSON caller of the same address keeps JSON."""
    client, landing = _form_login(app, username)
    resp = client.get(url, headers=BROWSER)
    assert resp.status_code == status, (url, resp.status_code)
    assert resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    bar = _bar(html)
    assert 'id="logout"' in bar and f'data-username="{username}"' in bar
    assert f'data-status="{status}"' in html
    title = {400: "Onjuiste invoer", 403: "Geen toegang", 404: "Niet gevonden"}[status]
    assert f"<h1>{title}</h1>" in html
    message = re.search(r'<div class="cw-msg error" role="alert" id="error">(.*?)</div>', html,
                        re.S).group(1)
    assert message.strip() and not re.search(r"\b(the|not found|forbidden|requested)\b",
                                             message, re.I), message
    back = re.search(r'<a href="([^"]+)" id="error-back">', html).group(1)
    assert back.split("?")[0].rstrip("/") == START[username].rstrip("/")
    as_json = client.get(url, headers={"Accept": "application/json"})
    assert as_json.status_code == status and as_json.mimetype == "application/json"
    assert as_json.get_json()["bericht"] == message.strip().replace("&#39;", "'")


def test_an_anonymous_browser_gets_the_public_bar(client, demo_db):
    resp = client.get("/plans/2090", headers=BROWSER)
    assert resp.status_code == 404 and resp.mimetype == "text/html"
    bar = _bar(resp.get_data(as_text=True))
    assert 'id="login-link"' in bar
    # The JSON API answers JSON whatever a browser asks.
    api = client.get("/api/v1/no-such-thing", headers=BROWSER)
    assert api.status_code == 404 and api.mimetype == "application/json"


def test_an_internal_error_is_a_dutch_page_for_browsers_and_json_for_the_api(
        app_database_url, people, demo_db):
    """Any 500: the browser gets the Dutch page with the bar (nothing of the exception),
    an API caller the JSON error with its Dutch `bericht`."""
    from webmap.app import create_app
    from webmap.auth import public

    broken = create_app({"DATABASE_URL": app_database_url, "TESTING": True,
                         "SECRET_KEY": "test-secret"})

    @broken.get("/broken-page")
    @public
    def broken_page():
        raise RuntimeError("secret detail of the failure")

    try:
        client, _ = _form_login(broken, "analyst.mn")
        resp = client.get("/broken-page", headers=BROWSER)
        assert resp.status_code == 500 and resp.mimetype == "text/html"
        html = resp.get_data(as_text=True)
        assert "<h1>Er ging iets mis</h1>" in html and "secret detail" not in html
        assert 'data-username="analyst.mn"' in _bar(html)
        as_json = client.get("/broken-page", headers={"Accept": "application/json"})
        assert as_json.status_code == 500
        assert as_json.get_json()["error"] == "internal_error"
        assert "secret detail" not in as_json.get_data(as_text=True)
    finally:
        broken.extensions["anpr_pool"].close()
