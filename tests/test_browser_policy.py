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


def test_no_markup_of_the_app_carries_inline_style():
    """The policy allows style sheets from the app only (style-src 'self'): a style
    attribute or <style> element in a template, in markup that a page script writes, or in
    a report page would be refused (and the page drawn wrong). The pages above are opened
    as they load; this covers the markup their scripts write later (legends, the
    timeline's bars, route tables, lane arrows), which sets styles from script instead."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "webmap"
    files = [*root.glob("templates/**/*.html"),
             *(p for p in root.glob("static/js/**/*.js") if "vendor" not in p.parts)]
    assert len(files) > 20
    inline = re.compile(r"""style\s*=\s*\\?["']|<style[\s>]""", re.IGNORECASE)
    found = [f"{p.relative_to(root)}:{i}" for p in files
             for i, line in enumerate(p.read_text().splitlines(), 1) if inline.search(line)]
    assert found == [], found


def test_the_report_pages_carry_no_inline_style(app, people):
    page = SessionClient(app, "auditor").get("/reports/monitor")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<style" not in text and "style=" not in text and "<svg" not in text
    assert 'src="data:image/svg+xml;base64,' in text   # the charts, as images
