"""The pages under their Content-Security-Policy (R10), in Chromium, as each role opens them.

The other browser tests wait on conditions written as strings, which Playwright evaluates
in the page; the policy forbids evaluating strings (no 'unsafe-eval'), so they run with
the policy bypassed. Here nothing is evaluated: each page is opened as it is, with the
policy the server sends, and the browser reports every violation (a script, style,
image, font or call the policy refuses) as a console message; none may appear, nor any
script error, and each page's own script must have run (it draws what the page shows).
"""
from __future__ import annotations

import pytest

from browser_support import browser, log_in  # noqa: F401  (fixture)
from conftest import SessionClient, confirmed_request

pytestmark = pytest.mark.browser

#: Per account, the pages it opens and a selector its page script fills in once it ran.
PAGES = {
    None: [("/login", "#login-form"), ("/plans", "body"), ("/plans/map", ".leaflet-tile-pane")],
    "officer.mn": [("/dashboard", "#card-open"), ("/", ".leaflet-tile-pane"),
                   ("/requests/new", "form"), ("/requests/{rid}", "#workspace"),
                   ("/requests/{rid}/verify", "#reads[data-loaded]"),
                   ("/account", "body")],
    "analyst.mn": [("/analyse", "body")],
    "editor": [("/registry", ".leaflet-tile-pane")],
    "auditor": [("/reports/monitor", "body")],
}


@pytest.mark.parametrize("username", list(PAGES))
def test_every_page_runs_under_its_policy(app, browser, live_server, people, demo_db,  # noqa: F811
                                          username):
    rid = confirmed_request(SessionClient(app, "officer.mn")) if username == "officer.mn" \
        else None
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = ctx.new_page()
    violations, errors = [], []
    pg.on("console", lambda m: "Content Security Policy" in m.text
          and violations.append(m.text))
    pg.on("pageerror", lambda e: errors.append(str(e)))
    try:
        if username:
            log_in(pg, live_server, username)
        for path, drawn in PAGES[username]:
            resp = pg.goto(live_server + path.format(rid=rid))
            assert resp.status == 200, (path, resp.status)
            assert "script-src 'self'" in resp.headers["content-security-policy"]
            pg.wait_for_selector(drawn, state="attached")
            pg.wait_for_load_state("networkidle")
    finally:
        ctx.close()
    assert violations == [], violations
    assert errors == [], errors
