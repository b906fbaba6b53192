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
