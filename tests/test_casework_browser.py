"""The officers' casework pages in headless Chromium: two whole requests walked from the
login form to the package, one with a plate search verified by keyboard (R7) and one
with a block search that needs no verification; the package's contents and the audit
records are asserted, not just the screens."""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest
from psycopg.rows import dict_row

from anpr import audit
from browser_support import browser, log_in  # noqa: F401  (fixture)
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser

AMS = ZoneInfo("Europe/Amsterdam")
#: A request's own page (not /requests/new, which the same glob would match at once).
REQUEST_PAGE = re.compile(r"/requests/\d+$")


@pytest.fixture
def page(browser, live_server, people):
    # UTC in the browser: the pages must convert Amsterdam times themselves.
    ctx = browser.new_context(bypass_csp=True, viewport={"width": 1400, "height": 950}, accept_downloads=True,
                              timezone_id="UTC")
    pg = ctx.new_page()
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("dialog", lambda d: d.accept())
    yield pg
    ctx.close()


def local(dt: datetime) -> str:
    return dt.astimezone(AMS).strftime("%Y-%m-%dT%H:%M")


def fill_request(page, demo_db, *, number: str, order_ref: str, crime: str = "OW2",
                 locations: str = "", plates: str = "", window=None) -> None:
    page.click("#new-request")
    page.wait_for_selector("#status[data-ready='1']", timeout=30_000)
    page.wait_for_selector("#f-crime[data-loaded='1']")
    page.fill("#f-requester", "K. Mulder")
    page.fill("#f-function", "tactisch rechercheur")
    page.fill("#f-invnumber", number)
    page.fill("#f-invname", "Opaal")
    page.fill("#f-order-ref", order_ref)
    page.fill("#f-prosecutor", "mr. B. de Boer")
    page.fill("#f-office", "Parket Midden-Nederland")
    page.select_option("#f-crime", crime)
    page.fill("#f-purpose", "verplaatsingen vaststellen")
    page.fill("#f-facts", "drugstransport verwacht")
    page.fill("#f-suspect", "bestuurder van de auto")
    start, end = window or (demo_db["start"], demo_db["end"])
    page.fill("#windows li .w-start", local(start))
    page.fill("#windows li .w-end", local(end))
    if locations:
        page.fill("#f-locations", locations)
    if plates:
        page.fill("#f-plates", plates)


def confirm_request(page) -> int:
    page.wait_for_selector("#request[data-js='1']")  # the page's handlers are in place
    rid = int(page.get_attribute("#request", "data-id"))
    page.click("#confirm-open")
    assert page.is_visible("#confirm-dialog")
    assert "K. Mulder" in page.inner_text("#confirm-dialog")
    page.click("#confirm-yes")
    page.wait_for_selector("#request[data-status='confirmed']")
    return rid


def download_package(page, tmp_path) -> zipfile.ZipFile:
    with page.expect_download() as info:
        page.click("#package")
    path = tmp_path / "package.zip"
    info.value.save_as(path)
    page.wait_for_selector("#request[data-status='provided']", timeout=30_000)
    return zipfile.ZipFile(path)


def test_plate_request_from_login_to_package(page, app, live_server, demo_db, truth,
                                             database_url, artifacts, tmp_path):
    # The convoy lead's passages as reads of their own with plate crops, the last one
    # without: it is "niet te verifiëren" (R7).
    import uuid

    from casework_support import cropped_copies

    lead = "BR" + uuid.uuid4().hex[:6].upper()
    blind = cropped_copies(app, database_url, truth["convoy"]["lead"], lead, without_crop=1)[-1]
    locations = sorted({p["location"] for p in truth["convoy"]["passages"]})
    log_in(page, live_server, "officer.mn")
    page.screenshot(path=str(artifacts / "casework-dashboard.png"))
    fill_request(page, demo_db, number="SIT-BROWSER-PLATE", order_ref="OvJ-B-1001",
                 locations=", ".join(locations), plates=lead)
    assert "art. 67 lid 1 Sv is van toepassing" in page.inner_text("#crime-note").lower() or \
        "Art. 67" in page.inner_text("#crime-note")
    page.screenshot(path=str(artifacts / "casework-request-form.png"))
    page.click("#register")
    page.wait_for_url(REQUEST_PAGE)
    rid = confirm_request(page)

    # Q1: preview first, then run.
    page.select_option("#s-kind", "plate")
    assert page.input_value("#s-plates") == lead
    page.click("#s-preview")
    page.wait_for_selector("#preview-box:not([hidden])")
    previewed = int(page.inner_text("#pv-passages"))
    assert previewed >= len(truth["convoy"]["passages"])
    assert "nodig" in page.inner_text("#pv-verify")
    page.screenshot(path=str(artifacts / "casework-preview.png"))
    page.click("#s-run")
    page.wait_for_selector("#run-summary:not([hidden])")
    assert int(page.get_attribute("#run-summary", "data-kept")) == previewed
    page.wait_for_selector("#searches tr[data-state='run']")

    # Verification by keyboard: reject the first read, confirm the rest, approve the page.
    page.click("#verify-link")
    page.wait_for_selector("#reads[data-loaded]")
    page.select_option("#page-size", "10")
    page.wait_for_selector("#reads[data-page-size='10'] tbody tr[data-index]")
    # The crops come inline with the page, and the next page is fetched ahead.
    assert page.get_attribute("#reads tbody tr[data-index='0'] img.crop", "src").startswith(
        "data:image/jpeg;base64,")
    page.wait_for_selector("#reads[data-prefetched]")
    assert page.query_selector(f"#reads tbody tr[data-passage='{blind['id']}']") is None
    assert page.get_attribute("#counts", "data-not-verifiable") == "1"
    first = page.get_attribute("#reads tbody tr[data-index='0']", "data-passage")
    page.keyboard.press("a")
    assert page.get_attribute("#reads tbody tr[data-index='0']", "data-pending") == "rejected"
    page.keyboard.press("b")
    page.keyboard.press("k")
    page.keyboard.press("j")
    assert page.get_attribute("#reads tbody tr[data-index='1']", "data-pending") == "confirmed"
    page.screenshot(path=str(artifacts / "casework-verify.png"))
    # These reads have no second opinion (the detector has not read their crops): each is
    # marked as needing its own verdict, and approving the page confirms none of them.
    assert "disputed" in page.get_attribute("#reads tbody tr[data-index='2']", "class")
    assert "geen tweede oordeel" in page.inner_text("#reads tbody tr[data-index='2']")
    for _ in range(50):
        if page.query_selector("#all-done"):
            break
        for _ in range(int(page.get_attribute("#reads", "data-own") or 0)):
            page.keyboard.press("b")
        page.keyboard.press("p")
        page.wait_for_timeout(400)
    page.wait_for_selector("#all-done")
    assert page.get_attribute("#counts", "data-remaining") == "0"
    # Verified reads are hidden by default; "show all" brings them back with their verdict.
    page.check("#show-all")
    page.wait_for_selector(f"#reads[data-all='1'] tbody tr[data-passage='{first}'].done")
    row = f"#reads tbody tr[data-passage='{blind['id']}']"
    assert "not-verifiable" in page.get_attribute(row, "class")
    assert "niet te verifiëren" in page.inner_text(row)
    assert page.is_disabled(f"{row} .v-ok")

    page.click("#back")
    page.wait_for_selector("#verify-state[data-remaining='0']")
    z = download_package(page, tmp_path)
    page.screenshot(path=str(artifacts / "casework-provided.png"))
    manifest = json.loads(z.read("manifest.json"))
    assert manifest["order"]["reference"] == "OvJ-B-1001"
    assert manifest["counts"]["passages_provided"] == previewed - 1
    assert manifest["counts"]["misreads_left_out"] == 1
    assert [s["kind"] for s in manifest["searches"]] == ["plate"]
    rows = list(csv.DictReader(io.StringIO(z.read("passages.csv").decode())))
    assert len(rows) == previewed - 1 and {r["plate"] for r in rows} == {lead}
    assert {r["verification"] for r in rows} == {"verified: confirmed",
                                                  "niet te verifiëren (geen uitsnede)"}
    assert manifest["counts"]["not_verifiable"] == 1
    assert first not in {r["passage_id"] for r in rows}
    page.click("#complete")
    page.wait_for_selector("#request[data-status='completed']")
    assert not page.errors, page.errors

    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        actions = [e["action"] for e in reversed(audit.entries(conn, subject=f"request:{rid}"))]
        assert actions[:2] == ["request.register", "request.confirm"]
        for needed in ("search.preview", "search.run", "verify", "provide", "request.complete"):
            assert needed in actions, needed
        run = audit.entries(conn, subject=f"request:{rid}", action="search.run")[0]["details"]
        assert run["order_reference"] == "OvJ-B-1001"
        assert run["query"]["parameters"]["plates"] == [lead]
        provide = audit.entries(conn, subject=f"request:{rid}", action="provide")[0]["details"]
        assert provide["provided"]["passages_provided"] == previewed - 1
        logins = audit.entries(conn, action="login.ok")
        assert any(e["actor"] == "officer.mn" for e in logins)


def test_block_request_drawn_on_the_map_needs_no_verification(page, live_server, demo_db,
                                                               truth, database_url,
                                                               artifacts, tmp_path):
    log_in(page, live_server, "officer2.mn")
    # Half an hour of a planted crime site's window: traffic there whatever the hour of the
    # day the suite runs (the demo's nights are quiet), and no test's copies of a plate.
    site = truth["crime_sites"]["sites"][0]
    start = datetime.fromisoformat(site["from"]).replace(second=0, microsecond=0) + \
        timedelta(minutes=1)
    fill_request(page, demo_db, number="SIT-BROWSER-BLOCK", order_ref="OvJ-B-2002",
                 window=(start, start + timedelta(minutes=30)))
    # The order's locations: a rectangle drawn on the map around one planted location.
    loc = site["location_code"]
    lat, lon = page.evaluate(f"Anpr.pages.map.locationIndex[{json.dumps(loc)}]")
    page.evaluate(f"Anpr.pages.map.map.setView([{lat}, {lon}], 14, {{animate: false}})")
    page.wait_for_timeout(300)
    box = page.locator("#map").bounding_box()
    pt = lambda la, lo: page.evaluate(
        "([a, b]) => { const p = Anpr.pages.map.map.latLngToContainerPoint([a, b]); return [p.x, p.y]; }",
        [la, lo])
    x1, y1 = pt(lat + 0.004, lon - 0.006)
    x2, y2 = pt(lat - 0.004, lon + 0.006)
    page.click(".leaflet-draw-draw-rectangle")
    page.mouse.move(box["x"] + x1, box["y"] + y1)
    page.mouse.down()
    page.mouse.move(box["x"] + (x1 + x2) / 2, box["y"] + (y1 + y2) / 2, steps=5)
    page.mouse.move(box["x"] + x2, box["y"] + y2, steps=5)
    page.mouse.up()
    page.wait_for_selector("#areas li.area[data-cameras]")
    assert int(page.get_attribute("#areas li.area", "data-cameras")) > 0
    page.screenshot(path=str(artifacts / "casework-request-drawn.png"))
    page.click("#register")
    page.wait_for_url(REQUEST_PAGE)
    rid = confirm_request(page)

    page.select_option("#s-kind", "block")
    assert page.is_hidden("#s-plates")
    page.click("#s-preview")
    page.wait_for_selector("#preview-box:not([hidden])")
    previewed = int(page.inner_text("#pv-passages"))
    assert previewed > 0
    assert "niet nodig" in page.inner_text("#pv-verify")
    page.click("#s-run")
    page.wait_for_selector("#run-summary:not([hidden])")
    page.wait_for_selector("#verify-state[data-remaining='0']")
    assert page.is_hidden("#verify-link")  # never forced to click through them
    z = download_package(page, tmp_path)
    manifest = json.loads(z.read("manifest.json"))
    assert manifest["order"]["reference"] == "OvJ-B-2002"
    assert manifest["counts"]["passages_provided"] == previewed
    assert [s["kind"] for s in manifest["searches"]] == ["block"]
    rows = list(csv.DictReader(io.StringIO(z.read("passages.csv").decode())))
    assert len(rows) == previewed
    assert {r["verification"] for r in rows} == {
        "not verified (location/time search: no verification required)"}
    page.click("#complete")
    page.wait_for_selector("#request[data-status='completed']")
    page.screenshot(path=str(artifacts / "casework-block-completed.png"))
    assert not page.errors, page.errors
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        actions = {e["action"] for e in audit.entries(conn, subject=f"request:{rid}")}
        assert {"request.register", "request.confirm", "search.preview", "search.run",
                "provide", "request.complete"} <= actions
        assert "verify" not in actions
        req = conn.execute("SELECT scope FROM request WHERE id = %s", (rid,)).fetchone()
        assert req["scope"]["areas"][0]["kind"] == "rectangle"


def test_login_form_refuses_and_locks_out(page, live_server, database_url, artifacts):
    from anpr import accounts

    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        if not conn.execute("SELECT 1 FROM account WHERE username = 'lockout.mn'").fetchone():
            accounts.create(conn, "lockout.mn", "Lockout Mn", "officer", TEST_PASSWORD,
                            unit_code="MN", granted_by="test-setup")
            conn.commit()
    page.goto(live_server + "/login")
    page.fill("#username", "lockout.mn")
    page.fill("#password", "wrong-password")
    page.click("#login-form button[type=submit]")
    assert "verkeerd wachtwoord" in page.inner_text("#login-error")
    for _ in range(5):
        page.fill("#username", "lockout.mn")
        page.fill("#password", "wrong-password")
        page.click("#login-form button[type=submit]")
        page.wait_for_selector("#login-error")
    assert "geblokkeerd" in page.inner_text("#login-error")
    # Even the right password is refused while locked.
    page.fill("#username", "lockout.mn")
    page.fill("#password", TEST_PASSWORD)
    page.click("#login-form button[type=submit]")
    assert "geblokkeerd" in page.inner_text("#login-error")
    page.screenshot(path=str(artifacts / "casework-lockout.png"))


def test_relations_and_handover_from_the_request_page(page, live_server, demo_db, truth,
                                                      database_url, people):
    """The handling officer records a member, a grant and the requester of record, takes
    the grant back, and hands the request over, all from the request page; each change
    is in the database and the audit log, and after the hand-over the request is the
    colleague's (the former handler lands on his dashboard and no longer sees it)."""
    log_in(page, live_server, "officer.mn")
    fill_request(page, demo_db, number="SIT-BROWSER-HANDOVER", order_ref="OvJ-B-1003",
                 locations=truth["convoy"]["passages"][0]["location"],
                 plates=truth["convoy"]["lead"])
    page.click("#register")
    page.wait_for_url(REQUEST_PAGE)
    rid = confirm_request(page)
    page.click("#relations-box summary")
    page.wait_for_selector("#ho-to option[value='officer2.mn']", state="attached")
    page.fill("#member-add", "officer.rt")
    page.click("#member-add-do")
    page.wait_for_selector("#members-list li[data-id]")
    page.fill("#grant-add", "analyst.mn")
    page.click("#grant-add-do")
    page.wait_for_selector("#grants-list li[data-id]")
    page.fill("#requester-set", "requester.mn")
    page.click("#requester-set-do")
    page.wait_for_selector("#requester-account[data-username='requester.mn']", state="attached")
    page.click("#relations-box summary")
    page.click("#grants-list button.remove")  # the dialog is accepted
    page.wait_for_selector("#grants-list li:not([data-id])")
    with psycopg.connect(database_url, row_factory=dict_row) as c:
        req = c.execute("SELECT officer_id, requester_account_id, investigation_id FROM request "
                        "WHERE id = %s", (rid,)).fetchone()
        assert req["requester_account_id"] == people["requester.mn"].id
        assert c.execute("SELECT count(*) AS n FROM access_grant WHERE request_id = %s",
                         (rid,)).fetchone()["n"] == 0
        assert c.execute("SELECT count(*) AS n FROM investigation_member WHERE "
                         "investigation_id = %s AND account_id = %s",
                         (req["investigation_id"], people["officer.rt"].id)).fetchone()["n"] == 1
    # The hand-over: choose the colleague, give the reason, confirm the dialog.
    page.select_option("#ho-to", "officer2.mn")
    page.fill("#ho-reason", "met verlof")
    page.click("#ho-do")
    page.wait_for_url("**/dashboard")
    assert page.goto(f"{live_server}/requests/{rid}").status == 404
    with psycopg.connect(database_url, row_factory=dict_row) as c:
        assert c.execute("SELECT officer_id FROM request WHERE id = %s",
                         (rid,)).fetchone()["officer_id"] == people["officer2.mn"].id
        actions = {e["action"] for e in audit.entries(c, subject=f"request:{rid}")}
    assert {"investigation.member", "grant.view", "grant.revoked", "request.requester",
            "request.handover"} <= actions
    assert page.errors == []


def test_results_are_worked_on_the_request_page(page, live_server, demo_db, truth, database_url,
                                                 busiest_location):
    """Issue 13: a search run from the request page shows its held results there: points per
    location on the map, the timeline, a table that pages and filters; a route shows its
    legs; asking the same search again shows the one already run, and the audit log holds
    one run."""
    from conftest import SessionClient  # noqa: F401  (same accounts as the page)

    # The window's busiest location: more than a page of 10 at any hour the suite runs
    # (the convoy road's held 9 passages in a night's six hours).
    loc = busiest_location
    plate = truth["detour"]["plate"]
    log_in(page, live_server, "officer.mn")
    # An order naming no plate (Q3 is refused in an order that names plates).
    fill_request(page, demo_db, number="SIT-BROWSER-WORKSPACE", order_ref="OvJ-B-1004",
                 locations=loc)
    page.click("#register")
    page.wait_for_url(REQUEST_PAGE)
    rid = confirm_request(page)
    # Q3 at the order's location: preview, run, and the results appear on the same page.
    page.select_option("#s-kind", "block")
    page.fill("#s-locations", loc)
    page.click("#s-preview")
    try:
        page.wait_for_selector("#preview-box:not([hidden])")
    except Exception:
        raise AssertionError(page.inner_text("#req-message")) from None
    page.click("#s-run")
    page.wait_for_selector("#workspace:not([hidden])")
    page.wait_for_selector("#ws-table[data-total]")
    total = int(page.get_attribute("#ws-table", "data-total"))
    kept = int(page.get_attribute("#run-summary", "data-kept"))
    assert total == kept > 10
    page.wait_for_selector("#ws-map[data-points='1']")
    page.wait_for_selector("#ws-timeline[data-total]")
    assert int(page.get_attribute("#ws-timeline", "data-total")) == total
    # Pages of 10 through every held row.
    page.select_option("#wf-size", "10")
    page.wait_for_function("document.querySelectorAll('#ws-table tbody tr').length === 10")
    first = page.get_attribute("#ws-table tbody tr", "data-passage")
    page.click("#ws-next")
    page.wait_for_selector("#ws-table[data-offset='10']")
    assert page.get_attribute("#ws-table tbody tr", "data-passage") != first
    assert page.inner_text("#ws-pageinfo").startswith("11–")
    # A bar of the timeline filters the table to its period.
    bars = page.locator(".ws-bar")
    busiest = max(range(bars.count()), key=lambda i: float(
        bars.nth(i).evaluate("b => parseFloat(b.style.height)")))
    bars.nth(busiest).click()
    page.wait_for_selector("#ws-period-clear:not([hidden])")
    page.wait_for_function(f"Number(document.querySelector('#ws-table').dataset.total) < {total}")
    # A plate filter.
    some = page.locator("#ws-table tbody tr td:nth-child(2)").first.inner_text()
    page.click("#ws-period-clear")
    page.fill("#wf-plate", some)
    page.click("#wf-apply")
    page.wait_for_function("[...document.querySelectorAll('#ws-table tbody tr td:nth-child(2)')]"
                           f".every(td => td.innerText.includes('{some}'))")
    # The same search again: recognised, nothing run, its results shown.
    page.click("#s-preview")
    page.wait_for_selector("#req-message:not([hidden])")
    assert "al uitgevoerd" in page.inner_text("#req-message")
    # Q6: the route's legs on the map.
    page.select_option("#s-kind", "route")
    page.fill("#s-plate", plate)
    page.click("#s-preview")
    page.wait_for_selector("#preview-box:not([hidden])")
    page.click("#s-run")
    page.wait_for_selector("#ws-map[data-legs]")
    with psycopg.connect(database_url, row_factory=dict_row) as c:
        runs = audit.entries(c, subject=f"request:{rid}", action="search.run")
    assert len(runs) == 2
    assert page.errors == []


def test_irreversible_actions_ask_first(browser, live_server, demo_db, truth, people):
    """The one-time package, completing and rejecting say what happens and wait for a yes:
    declined, nothing happens."""
    ctx = browser.new_context(bypass_csp=True, viewport={"width": 1400, "height": 950}, accept_downloads=True)
    pg = ctx.new_page()
    asked: list[str] = []
    pg.on("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    log_in(pg, live_server, "officer.mn")
    fill_request(pg, demo_db, number="SIT-BROWSER-ASK", order_ref="OvJ-B-1005",
                 locations=truth["convoy"]["passages"][0]["location"])
    pg.click("#register")
    pg.wait_for_url(REQUEST_PAGE)
    pg.wait_for_selector("#request[data-js='1']")
    pg.click("#confirm-open")
    pg.click("#confirm-yes")
    pg.wait_for_selector("#request[data-status='confirmed']")
    pg.select_option("#s-kind", "block")
    pg.fill("#s-locations", truth["convoy"]["passages"][0]["location"])
    pg.click("#s-preview")
    pg.wait_for_selector("#preview-box:not([hidden])")
    pg.click("#s-run")
    pg.wait_for_selector("#workspace:not([hidden])")
    pg.click("#package")
    pg.wait_for_timeout(300)
    assert asked and "één keer" in asked[-1]
    pg.reload()
    assert pg.get_attribute("#request", "data-status") == "confirmed"
    pg.click("#reject-box summary")
    pg.fill("#reject-reason", "onvoldoende grond")
    pg.click("#reject")
    pg.wait_for_timeout(300)
    assert "definitief" in asked[-1]
    pg.reload()
    assert pg.get_attribute("#request", "data-status") == "confirmed"
    ctx.close()


def test_partial_convoy_and_common_from_the_request_page(page, live_server, demo_db, truth):
    """Q2, Q4 and Q5 driven from the request page on the demo's planted cases: each run's
    held results are in the workspace table (the planted plates among them)."""
    conv = truth["convoy"]
    sites = truth["crime_sites"]["sites"][:2]
    site_locs = [sorted({c.rsplit("-", 1)[0] for c in s["cameras"]}) for s in sites]
    locations = sorted({p["location"] for p in conv["passages"]} |
                       {loc for locs in site_locs for loc in locs})
    log_in(page, live_server, "officer.mn")
    fill_request(page, demo_db, number="SIT-BROWSER-Q245", order_ref="OvJ-B-1006",
                 locations=", ".join(locations))
    page.click("#register")
    page.wait_for_url(REQUEST_PAGE)
    confirm_request(page)

    def run_and_plates() -> set[str]:
        page.click("#s-preview")
        try:
            page.wait_for_selector("#preview-box:not([hidden])")
        except Exception:
            raise AssertionError(page.inner_text("#req-message")) from None
        before = page.get_attribute("#workspace", "data-enquiry")
        page.click("#s-run")
        page.wait_for_function(f"document.querySelector('#workspace').dataset.enquiry && "
                               f"document.querySelector('#workspace').dataset.enquiry !== '{before}'")
        page.select_option("#wf-size", "1000")
        eid = page.get_attribute("#workspace", "data-enquiry")
        page.wait_for_function(f"document.querySelector('#ws-table').dataset.enquiry === '{eid}' && "
                               "document.querySelector('#ws-table').dataset.size === '1000'")
        return set(page.eval_on_selector_all("#ws-table tbody tr td:nth-child(2)",
                                             "tds => tds.map(t => t.innerText)"))

    page.select_option("#s-kind", "partial")
    page.fill("#s-pattern", conv["lead"][:3] + "*")
    assert conv["lead"] in run_and_plates()
    page.select_option("#s-kind", "convoy")
    page.fill("#s-plate", conv["lead"])
    page.fill("#s-minutes", "2")
    plates = run_and_plates()
    assert {conv["lead"], conv["follower"]} <= plates
    # Convoy partners in the convoy's own ranking: the follower first; a click marks its places.
    page.wait_for_selector("#ws-plates[data-kind='convoy'] li[data-rank]")
    ranked = page.eval_on_selector_all("#ws-plates .ws-plate", "bs => bs.map(b => b.dataset.plate)")
    assert ranked[0] == conv["follower"] and conv["lead"] not in ranked
    page.click(f"#ws-plates .ws-plate[data-plate='{conv['follower']}']")
    page.wait_for_function(f"[...document.querySelectorAll('#ws-table tbody tr td:nth-child(2)')]"
                           f".every(td => td.innerText === '{conv['follower']}')")
    page.wait_for_selector("path.ws-lit")
    page.select_option("#s-kind", "common")
    for i, (site, locs) in enumerate(zip(sites, site_locs)):
        li = page.locator("#s-sites li").nth(i)
        li.locator(".site-locs").fill(", ".join(locs))
        li.locator(".site-start").fill(local(datetime.fromisoformat(site["from"])))
        li.locator(".site-end").fill(local(datetime.fromisoformat(site["to"])))
    page.fill("#s-k", "2")
    sent = []
    page.on("request", lambda r: sent.append(r.post_data) if r.url.endswith("/searches") and
            r.method == "POST" else None)
    plates = run_and_plates()
    assert set(truth["crime_sites"]["plates"]) & plates, sent
    page.wait_for_selector("#ws-map[data-sites='2']")  # both sites outlined
    assert page.errors == []


def test_a_page_of_agreeing_reads_waits_for_its_spot_check(page, app, live_server, demo_db,
                                                          truth, database_url, login,
                                                          artifacts):
    """Issue 15 by keyboard: the read the plate reader disagrees with comes first, marked,
    with the reader's opinion beside the crop; the agreeing reads are approved with the
    page only after the server's spot-check read is answered with a key; the disputed read
    is never confirmed with the page and gets its own verdict."""
    import uuid

    from casework_support import cropped_copies
    from test_verification_opinion import _opinion, _order

    plate = "KB" + uuid.uuid4().hex[:4].upper() + "7"
    copies = cropped_copies(app, database_url, truth["convoy"]["lead"], plate)
    disputed = copies[-1]
    with psycopg.connect(database_url) as c:
        for p in copies:
            _opinion(c, p, plate[:-1] + "1" if p is disputed else plate, 0.95)
        c.commit()
    officer = login("officer.mn")
    locations = sorted({p["location"] for p in truth["convoy"]["passages"]})
    rid = officer.post("/api/v1/requests", json=_order(demo_db, plates=[plate],
                                                       locations=locations)).get_json()["id"]
    assert officer.post(f"/api/v1/requests/{rid}/confirm").status_code == 200
    pre = officer.post(f"/api/v1/requests/{rid}/searches", json={"kind": "plate", "parameters": {
        "plates": [plate], "window": {"start": demo_db["start"].isoformat(),
                                      "end": demo_db["end"].isoformat()}}}).get_json()
    assert officer.post(f"/api/v1/searches/{pre['enquiry_id']}/run").status_code == 200

    log_in(page, live_server, "officer.mn")
    page.goto(f"{live_server}/requests/{rid}/verify")
    page.wait_for_selector("#reads[data-loaded] tbody tr[data-index]")
    first = "#reads tbody tr[data-index='0']"
    assert page.get_attribute(first, "data-passage") == str(disputed["id"])
    assert "disputed" in page.get_attribute(first, "class")
    assert "wijkt af" in page.inner_text(f"{first} .machine-cell")
    assert plate[:-1] + "1" in page.inner_text(f"{first} .machine-cell")
    assert plate in page.inner_text(f"{first} td.ordered")
    assert page.get_attribute("#reads", "data-own") == "1"
    spot_row = page.query_selector("#reads tbody tr.spot-check")
    spot = spot_row.get_attribute("data-passage")
    assert spot != str(disputed["id"])
    assert "disputed" not in spot_row.get_attribute("class")
    page.screenshot(path=str(artifacts / "casework-verify-opinions.png"))

    # p first asks the spot-check; other keys wait for it; b answers it and the page goes.
    page.keyboard.press("p")
    page.wait_for_selector("#spot-check:not([hidden])")
    assert page.get_attribute("#spot-check", "data-passage") == spot
    assert plate in page.inner_text("#spot-check")
    page.keyboard.press("j")
    assert page.get_attribute("#reads tbody tr.current", "data-passage") == spot
    with psycopg.connect(database_url) as c:
        assert c.execute("SELECT count(*) FROM verification WHERE passage_id = ANY(%s)",
                         ([p["id"] for p in copies],)).fetchone()[0] == 0
    page.keyboard.press("b")
    page.wait_for_selector("#counts[data-remaining='1']")
    assert page.get_attribute(first, "data-passage") == str(disputed["id"])
    # The disputed read: its own verdict (a: the crop does not show the camera's read).
    page.keyboard.press("a")
    page.keyboard.press("p")
    page.wait_for_selector("#all-done")
    with psycopg.connect(database_url, row_factory=dict_row) as c:
        got = {r["passage_id"]: r for r in c.execute(
            "SELECT passage_id, verdict::text AS verdict, machine_flag FROM verification"
            " WHERE passage_id = ANY(%s)", ([p["id"] for p in copies],)).fetchall()}
    assert set(got) == {p["id"] for p in copies}
    assert (got[disputed["id"]]["verdict"], got[disputed["id"]]["machine_flag"]) == (
        "rejected", "disagrees")
    assert {got[p["id"]]["verdict"] for p in copies if p is not disputed} == {"confirmed"}
    assert page.errors == []
