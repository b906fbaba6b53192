"""A hostile insider with a valid account, through the real paths: stored text one role
writes that another role's page shows (markup, attribute breakouts, control characters),
login attempts from one source (R10), and the auditors' reports (R6).

Defects found here are fixed in the product; what holds is walked too, so it keeps holding.
"""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone

import psycopg
import pytest
from psycopg.rows import dict_row

from browser_support import browser, log_in  # noqa: F401  (fixture)
from conftest import TEST_PASSWORD, SessionClient, confirmed_request

from anpr import accounts, audit

#: Markup an attacker types into a free-text field: an element, an attribute breakout, a
#: fake link with a javascript: URL, a bidi override. Every element it would make carries
#: data-pwn, so a page whose DOM holds [data-pwn] rendered it as markup.
PWN = ('<img src=x data-pwn="1"><b data-pwn="2">x</b>"\' data-pwn="3" x=\''
       '<a data-pwn="4" href="javascript:alert(1)">klik</a>\u202e')


def _fresh_account(database_url, role="officer", unit="MN", full_name=None) -> str:
    name = f"inj.{uuid.uuid4().hex[:8]}"
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        accounts.create(conn, name, full_name or "I. Njection", role, TEST_PASSWORD,
                        unit_code=unit, granted_by="test-setup")
        conn.commit()
    return name


# -- R10: limited login attempts by source, not only by account ---------------------------

def _login_from(app, source: str, username: str, password: str):
    c = app.test_client()
    c.environ_base["REMOTE_ADDR"] = source
    token = c.get("/api/v1/session").get_json()["csrf_token"]
    return c.post("/api/v1/session", json={"username": username, "password": password},
                  headers={"X-CSRF-Token": token})


@pytest.fixture
def few_tries(app):
    """The app's failures per source lowered for the test, restored after it."""
    old = app.config.get("ANPR_LOGIN_SOURCE_MAX_FAILURES")
    app.config["ANPR_LOGIN_SOURCE_MAX_FAILURES"] = 6
    yield 6
    if old is None:
        app.config.pop("ANPR_LOGIN_SOURCE_MAX_FAILURES", None)
    else:
        app.config["ANPR_LOGIN_SOURCE_MAX_FAILURES"] = old


def test_password_spraying_from_one_source_is_stopped_and_logged(app, database_url, demo_db,
                                                                 few_tries):
    """One wrong password per account never locks an account (5 per account), so a source
    trying one password on many accounts went on without end. After the source's limit of
    failures in the window it is refused (429, the same words whoever is named, the right
    password included), each refusal is logged with the source, and other sources log in."""
    source = f"10.66.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    victims = [_fresh_account(database_url) for _ in range(few_tries)]
    for name in victims:
        assert _login_from(app, source, name, "Winter2024!!!").status_code == 401
    for name in victims:  # no account was locked by it
        with psycopg.connect(database_url) as conn:
            assert conn.execute("SELECT failed_logins, locked_until FROM account WHERE"
                                " username = %s", (name,)).fetchone() == (1, None)
    right = _login_from(app, source, victims[0], TEST_PASSWORD)
    unknown = _login_from(app, source, "nobody." + uuid.uuid4().hex[:6], TEST_PASSWORD)
    assert right.status_code == unknown.status_code == 429
    assert right.get_json()["message"] == unknown.get_json()["message"]
    assert "bericht" in right.get_json() and "Te veel" in right.get_json()["bericht"]
    assert _login_from(app, "10.67.0.1", victims[0], TEST_PASSWORD).status_code == 200
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        rows = [e for e in audit.entries(conn, action="login.throttled", limit=50)
                if e["details"].get("source") == source]
    assert rows, "the throttled source is not in the audit log"
    # the login page answers it in Dutch with the same status
    c = app.test_client()
    c.environ_base["REMOTE_ADDR"] = source
    html = c.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    page = c.post("/login", data={"username": victims[1], "password": TEST_PASSWORD,
                                  "csrf_token": token})
    assert page.status_code == 429 and "Te veel" in page.get_data(as_text=True)


# -- stored markup across roles, as the browser's DOM gets it -------------------------------

def _no_markup(pg, where: str) -> None:
    """The page's DOM holds no element the payload would make, and no javascript: link."""
    found = pg.evaluate("""() => Array.from(document.querySelectorAll(
        '[data-pwn], a[href^="javascript:" i], img[src="x"]')).map(e => e.outerHTML.slice(0, 200))""")
    assert found == [], f"{where}: the text rendered as markup: {found}"


def _dialogs(pg) -> list[str]:
    seen: list[str] = []
    pg.on("dialog", lambda d: (seen.append(d.message), d.dismiss()))
    return seen


@pytest.mark.browser
def test_a_mask_label_is_text_in_another_editor_s_tooltip(browser, live_server, login, demo_db,  # noqa: F811
                                                         database_url):
    """A privacy mask's label, typed by one plan editor, is shown as the mask's tooltip in
    the registry editor of every editor: Leaflet puts a tooltip's string in as HTML."""
    code, camera = "MN-ZZ9-301", "MN-ZZ9-301-R1"
    editor = login("editor")
    api = "/api/v1/registry"
    try:
        assert editor.post(f"{api}/locations", json={
            "code": code, "name": "ZZ9 " + PWN, "unit_code": "MN", "lon": 5.31,
            "lat": 52.11}).status_code == 201
        assert editor.post(f"{api}/cameras", json={
            "id": camera, "location_code": code, "bearing": 90, "inout": "in", "lane": 1,
            "active_from": "2026-01-01"}).status_code == 201
        r = editor.post(f"{api}/cameras/{camera}/masks", json={
            "polygon": [[10, 10], [400, 10], [400, 300], [10, 300], [10, 10]],
            "frame_width": 1920, "frame_height": 1080, "label": PWN})
        assert r.status_code == 201, r.get_json()
        ctx = browser.new_context(viewport={"width": 1400, "height": 900})
        pg = ctx.new_page()
        seen = _dialogs(pg)
        log_in(pg, live_server, "editor")
        pg.goto(f"{live_server}/registry?location={code}")
        pg.wait_for_selector("#status[data-ready='1']", timeout=30_000)
        pg.click(f"#camera-list li[data-camera-id='{camera}']")
        pg.wait_for_selector("#camera-section:not([hidden])")
        pg.click("#open-masks")
        pg.wait_for_selector("#mask-frame[data-ready='1']", timeout=15_000)
        pg.wait_for_selector("#mask-list li[data-mask-id]")
        # open every mask's tooltip, as hovering the mask does
        pg.evaluate("""() => { const m = Anpr.pages.registryEditor.maskMap;
            m.eachLayer(l => { if (l.getTooltip && l.getTooltip()) { l.openTooltip(); } }); }""")
        pg.wait_for_selector("#mask-frame .leaflet-tooltip", state="attached")
        tip = pg.inner_text("#mask-frame .leaflet-tooltip")
        assert "klik" in tip and "data-pwn" in tip, tip  # shown as the text it is
        _no_markup(pg, "registry editor")
        assert seen == []
        ctx.close()
    finally:
        with psycopg.connect(database_url) as c:
            c.execute("DELETE FROM privacy_mask WHERE camera_id = %s", (camera,))
            c.execute("DELETE FROM camera WHERE id = %s", (camera,))
            c.execute("DELETE FROM location WHERE code = %s", (code,))


# -- R6/R10: the auditors' reports ---------------------------------------------------------

def _refusal_row(html: str, action: str) -> list[str]:
    section = re.search(r"<section id='audit_refusals'>(.*?)</section>", html, re.S)
    assert section, "the report has no table of refused access attempts"
    for row in re.findall(r"<tr>(.*?)</tr>", section.group(1), re.S):
        cells = re.findall(r"<td>(.*?)</td>", row, re.S)
        if len(cells) > 1 and cells[1] == action:
            return cells
    raise AssertionError(f"no row for {action}")


def test_the_auditor_sees_the_refused_access_attempts(app, login, database_url, demo_db):
    """Refused attempts went to the audit log but no auditor's page showed them: detection
    (R10) needs someone to see them. The privacy audit counts them by kind, with the
    accounts and sources, and names no plate or request."""
    year = datetime.now(timezone.utc).astimezone().year
    auditor = login("auditor")
    before = _refusal_row(auditor.get(f"/reports/privacy-audit/{year}").get_data(as_text=True),
                          "access.refused")
    analyst = login("analyst.mn")
    for _ in range(3):
        assert analyst.get("/api/v1/requests").status_code == 403
    html = auditor.get(f"/reports/privacy-audit/{year}").get_data(as_text=True)
    after = _refusal_row(html, "access.refused")
    assert int(after[2]) >= int(before[2]) + 3
    assert int(after[3]) >= 1
    assert "analyst.mn" not in html  # counts, not names
    for action in ("login.failed", "login.throttled", "auth.refused", "csrf.refused",
                   "device.refused"):
        _refusal_row(html, action)


@pytest.mark.parametrize("query", [
    "from=0001-01-01&to=9999-12-31", "from=2026-01-01&to=2025-01-01",
    "from=2026-01-01'%3B DROP TABLE audit_log;--", "from=99999999999999999999-01-01",
    "from=2026-13-45", "from=%00", "to=" + "9" * 5000])
def test_report_periods_that_make_no_sense_are_a_clear_refusal(login, demo_db, query):
    auditor = login("auditor")
    r = auditor.get(f"/reports/monitor?{query}")
    assert r.status_code == 400, (query, r.status_code)
    r = auditor.get(f"/reports/monitor/table2.csv?{query}")
    assert r.status_code == 400, (query, r.status_code)


@pytest.mark.parametrize("year", ["99999999999999999999999", "-1", "1900", "2101"])
def test_a_report_year_out_of_range_is_a_clear_refusal(login, demo_db, year):
    r = login("auditor").get(f"/reports/privacy-audit/{year}")
    assert 400 <= r.status_code < 500, (year, r.status_code)


@pytest.mark.browser
def test_hostile_request_texts_and_names_are_text_on_the_casework_pages(
        app, browser, live_server, database_url, demo_db):  # noqa: F811
    """An officer's request texts and a colleague's full name (set by the administrator's
    CLI, free text) carrying markup are shown as text on the dashboard and request page."""
    handler = _fresh_account(database_url, full_name=PWN)
    member = _fresh_account(database_url, full_name="M. " + PWN)
    officer = SessionClient(app, handler)
    rid = confirmed_request(officer, requester_name=PWN, purpose=PWN, facts=PWN, suspect=PWN,
                            prosecutor_office="Parket " + PWN, investigation={
                                "system": "BVH", "number": f"T-{uuid.uuid4().hex[:8]}",
                                "name": PWN})
    assert officer.post(f"/api/v1/requests/{rid}/members",
                        json={"account": member}).status_code == 201
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = ctx.new_page()
    seen = _dialogs(pg)
    log_in(pg, live_server, handler)
    for path, ready in (("/dashboard", "body"), (f"/requests/{rid}", "#request[data-js='1']"),
                        ("/account", "body")):
        pg.goto(live_server + path)
        pg.wait_for_selector(ready)
        pg.wait_for_load_state("networkidle")
        _no_markup(pg, path)
    assert seen == []
    ctx.close()
