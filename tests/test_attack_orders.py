"""The request/order lifecycle attacked (R3, R4, R5, R12, R1): a hostile insider with a
valid account and a careless officer, through the real HTTP path on the real database."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from anpr import audit
from test_casework_requests import order

UTC = timezone.utc


@pytest.mark.parametrize("field", ["fugitive", "foreign_request", "photos"])
@pytest.mark.parametrize("value", ["false", "nee", 0.5, [0], {"x": 1}])
def test_a_yes_no_field_is_a_boolean_or_refused(login, conn, field, value):
    before = conn.execute("SELECT count(*) AS n FROM request").fetchone()["n"]
    over = {field: value}
    if field == "fugitive":
        over["crime_code"] = None
    resp = login("officer.mn").post("/api/v1/requests", json=order(**over))
    assert resp.status_code == 400, resp.get_json()
    assert conn.execute("SELECT count(*) AS n FROM request").fetchone()["n"] == before


# -- helpers ---------------------------------------------------------------------------------

import threading
import time

import psycopg

from conftest import SessionClient, confirmed_request


def _block(officer, rid: int, location: str, start: datetime, minutes: int = 10) -> int:
    """A block search's preview at one location (no plate: nothing to verify)."""
    resp = officer.post(f"/api/v1/requests/{rid}/searches", json={"kind": "block", "parameters": {
        "selection": {"kind": "pick", "locations": [location]},
        "window": {"start": start.isoformat(),
                   "end": (start + timedelta(minutes=minutes)).isoformat()}}})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["enquiry_id"]


def _provided(officer, location: str, start: datetime, **over) -> int:
    """A request with one block search run and its package taken: status provided."""
    rid = confirmed_request(officer, days=1, **over)
    eid = _block(officer, rid, location, start)
    assert officer.post(f"/api/v1/searches/{eid}/run").status_code == 200
    resp = officer.post(f"/api/v1/requests/{rid}/package")
    assert resp.status_code == 200, resp.get_json()
    return rid


def _waiting(database_url: str, n: int = 1, timeout: float = 20) -> None:
    """Until ``n`` sessions wait for a lock (the call in a thread has reached it)."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(database_url, autocommit=True) as c:
        while time.monotonic() < deadline:
            if c.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").fetchone()[0] >= n:
                return
            time.sleep(0.05)
    raise AssertionError("the call never reached the lock")


class _Call(threading.Thread):
    def __init__(self, fn):
        super().__init__(daemon=True)
        self.fn, self.resp = fn, None
        self.start()

    def run(self):
        self.resp = self.fn()

    def answer(self):
        self.join(60)
        assert not self.is_alive(), "the call did not finish"
        return self.resp


@pytest.fixture
def start(demo_db) -> datetime:
    return demo_db["end"] - timedelta(hours=2)


@pytest.mark.parametrize("closing", ["complete", "reject"])
def test_a_search_run_racing_the_close_holds_nothing_after_it(app, database_url, people,
                                                              busiest_location, start, closing):
    """R1/R5: a search whose run was under way when its request was closed (completed, or
    rejected) may not hold passages after the close released the request's holds: they
    would stay secured past retention for a closed enquiry, and the store was queried
    for a closed request."""
    officer = SessionClient(app, "officer.mn")
    if closing == "complete":
        rid = _provided(officer, busiest_location, start)
    else:
        rid = confirmed_request(officer, days=1)
    eid = _block(officer, rid, busiest_location, start + timedelta(minutes=30))
    ref = officer.get(f"/api/v1/requests/{rid}").get_json()["reference"]
    other = SessionClient(app, "officer.mn")
    with psycopg.connect(database_url) as blocker:
        # Hold the search's row: the run checks the request, then waits here.
        blocker.execute("SELECT 1 FROM enquiry WHERE id = %s FOR UPDATE", (eid,))
        run = _Call(lambda: other.post(f"/api/v1/searches/{eid}/run"))
        _waiting(database_url)
        body = {"reason": "geen grond"} if closing == "reject" else None
        closed = _Call(lambda: officer.post(f"/api/v1/requests/{rid}/{closing}", json=body))
        time.sleep(1.0)
        blocker.rollback()
        ran, closed = run.answer(), closed.answer()
    assert closed.status_code == 200, closed.get_json()
    with psycopg.connect(database_url) as c:
        open_holds = c.execute("SELECT count(*) FROM jj126.result_hold WHERE enquiry_ref = %s"
                               " AND released_at IS NULL", (ref,)).fetchone()[0]
        run_at = c.execute("SELECT run_at FROM enquiry WHERE id = %s", (eid,)).fetchone()[0]
        closed_at = c.execute("SELECT closed_at FROM request WHERE id = %s",
                              (rid,)).fetchone()[0]
    assert open_holds == 0, f"{open_holds} passages held for a {closing}d request"
    # Either the run went first and the close released what it held, or the close went
    # first and the run was refused; never a run after the close.
    if ran.status_code == 200:
        assert run_at is not None and run_at <= closed_at
    else:
        assert ran.status_code == 409 and run_at is None, (ran.status_code, ran.get_json())


def test_a_correction_racing_the_confirmation_cannot_unfreeze_or_widen_the_scope(
        app, database_url, people):
    """R5: confirm and a scope correction sent at the same moment (two tabs, a double
    click). Before confirmation the scope may still change; after it, never. A correction
    that read the request as registered and wrote after the confirmation replaced the
    frozen scope (its resolved cameras gone) with a wider one, on a confirmed request."""
    officer, tab = SessionClient(app, "officer.mn"), SessionClient(app, "officer.mn")
    req = officer.post("/api/v1/requests", json=order()).get_json()
    rid = req["id"]
    wide = {**req["scope"], "plates": [], "locations": ["MN-A12-001", "MN-A12-002"]}
    with psycopg.connect(database_url) as blocker:
        blocker.execute("SELECT 1 FROM request WHERE id = %s FOR UPDATE", (rid,))
        confirm = _Call(lambda: officer.post(f"/api/v1/requests/{rid}/confirm"))
        _waiting(database_url, 1)
        correct = _Call(lambda: tab.post(f"/api/v1/requests/{rid}/correct", json={
            "changes": {"scope": wide}, "reason": "ruimer"}))
        _waiting(database_url, 2)
        blocker.rollback()
        confirmed, corrected = confirm.answer(), correct.answer()
    assert confirmed.status_code == 200, confirmed.get_json()
    after = officer.get(f"/api/v1/requests/{rid}").get_json()
    assert after["status"] == "confirmed"
    assert after["scope"].get("resolved_cameras"), after["scope"]
    if corrected.status_code == 200:   # the correction went first: it is what was confirmed
        assert after["scope"]["plates"] == [] and after["version"] == 2
    else:
        assert corrected.status_code == 409, corrected.get_json()
        assert after["scope"]["plates"] == ["AB123C"] and after["version"] == 1
        assert after["scope"]["locations"] == ["MN-A12-001"]


@pytest.mark.parametrize("field", ["fugitive", "foreign_request", "photos"])
@pytest.mark.parametrize("value", ["false", "nee", 0, 1, [], {"x": 1}])
def test_a_correction_of_a_yes_no_field_is_a_boolean_or_refused(login, conn, field, value):
    """A correction's changes are read like a registration: 'false' is no yes. bool('false')
    made a request a fugitive search (R3 without a crime), flagged it foreign (R12) or kept
    the photos the officer meant to drop, answered 200 as if corrected."""
    officer = login("officer.mn")
    rid = officer.post("/api/v1/requests", json=order(photos=True)).get_json()["id"]
    resp = officer.post(f"/api/v1/requests/{rid}/correct",
                        json={"changes": {field: value}, "reason": "correctie"})
    assert resp.status_code == 400, resp.get_json()
    assert "true or false" in resp.get_json()["message"]
    assert "kies ja of nee" in resp.get_json()["bericht"]
    after = officer.get(f"/api/v1/requests/{rid}").get_json()
    assert (after["fugitive"], after["foreign_request"], after["photos"]) == (False, False, True)
    assert after["version"] == 1


def _manifest(resp) -> dict:
    import io
    import json
    import zipfile

    return json.loads(zipfile.ZipFile(io.BytesIO(resp.data)).read("manifest.json"))


@pytest.mark.parametrize("stage", ["confirmed", "provided"])
def test_the_foreign_flag_stays_once_searches_may_run(app, conn, people, busiest_location,
                                                      start, stage):
    """R12: a foreign request follows the same process, flagged as such: the flag is in the
    searches' art. 8 records and the package, and once the request is confirmed no
    correction removes it (nor puts it on a domestic one): the request would no longer say
    what its log and its package say."""
    officer = SessionClient(app, "officer.mn")
    rid = confirmed_request(officer, days=1, foreign_request=True)
    eid = _block(officer, rid, busiest_location, start)
    assert officer.post(f"/api/v1/searches/{eid}/run").status_code == 200
    if stage == "provided":
        resp = officer.post(f"/api/v1/requests/{rid}/package")
        assert resp.status_code == 200
        assert _manifest(resp)["request"]["foreign_request"] is True
    ran = audit.entries(conn, subject=f"request:{rid}", action="search.run")
    assert ran and ran[0]["details"]["request_data"]["foreign"] is True
    resp = officer.post(f"/api/v1/requests/{rid}/correct", json={
        "changes": {"foreign_request": False}, "reason": "toch binnenlands"})
    assert resp.status_code == 409, resp.get_json()
    assert "buitenlands" in resp.get_json()["bericht"]
    after = officer.get(f"/api/v1/requests/{rid}").get_json()
    assert after["foreign_request"] is True
    board = officer.get("/api/v1/requests").get_json()["requests"]
    assert [r["foreign_request"] for r in board if r["id"] == rid] == [True]
    # And a domestic request is not made foreign afterwards either.
    domestic = confirmed_request(officer, days=1)
    resp = officer.post(f"/api/v1/requests/{domestic}/correct", json={
        "changes": {"foreign_request": True}, "reason": "toch buitenlands"})
    assert resp.status_code == 409


def test_the_foreign_flag_may_be_corrected_before_confirmation(login):
    officer = login("officer.mn")
    rid = officer.post("/api/v1/requests", json=order(foreign_request=True)).get_json()["id"]
    resp = officer.post(f"/api/v1/requests/{rid}/correct", json={
        "changes": {"foreign_request": False}, "reason": "typefout"})
    assert resp.status_code == 200 and resp.get_json()["foreign_request"] is False


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def _attach(officer, rid: int, data: bytes):
    import io

    return officer.post(f"/api/v1/requests/{rid}/written-order",
                        data={"document": (io.BytesIO(data), "bevel.pdf")},
                        content_type="multipart/form-data")


def _documents(app, rid: int, *, clear: bool = False) -> set[str]:
    """The order documents the store holds for request ``rid``; with ``clear``, none: the
    app's store outlives a test session's database, whose request ids start again."""
    import shutil

    from casework import documents

    settings = app.config["ANPR_SETTINGS"]
    store, _ = documents.store_for(settings, settings.database.home)
    folder = store.root / "orders" / str(rid)
    if clear:
        shutil.rmtree(folder, ignore_errors=True)
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def test_the_written_order_once_attached_is_not_replaced(login, conn, app):
    """R4: the written order of a verbal one is the document the searches rest on. A second
    upload after confirmation replaced it on the request (key and hash), while the time it
    came in stayed the first's: the request no longer showed the order it was provided on.
    The same document again (a double submit) is no change; before confirmation a wrong
    file may still be replaced."""
    officer = login("officer.mn")
    rid = officer.post("/api/v1/requests", json=order(order_kind="verbal")).get_json()["id"]
    assert _documents(app, rid, clear=True) == set()
    assert _attach(officer, rid, PDF + b"\n%wrong file").status_code == 200
    first = _attach(officer, rid, PDF)                      # registered: still replaceable
    assert first.status_code == 200 and first.get_json()["document"]["sha256"]
    sha = first.get_json()["order_document_sha256"]
    assert officer.post(f"/api/v1/requests/{rid}/confirm").status_code == 200
    again = _attach(officer, rid, PDF)                      # the same document: no change
    assert again.status_code == 200 and again.get_json()["order_document_sha256"] == sha
    other = _attach(officer, rid, PDF + b"\n%another order")
    assert other.status_code == 409, other.get_json()
    assert "al toegevoegd" in other.get_json()["bericht"]
    after = officer.get(f"/api/v1/requests/{rid}").get_json()
    assert after["order_document_sha256"] == sha
    kept = audit.entries(conn, subject=f"request:{rid}", action="request.written_order")
    assert len(kept) == 2   # the wrong file and its replacement before confirmation
    # the store holds the order's document alone: not the wrong file it replaced, nor the
    # refused one (both stayed there, sealed, with no row referring to them)
    assert _documents(app, rid) == {sha}


def test_the_written_order_deadline_is_72_hours_across_the_dst_change(login, monkeypatch):
    """R4 at its edge: a verbal order given on Friday 23 October 2026 12:00 (CEST) is due 72
    hours later, Monday 26 October 11:00 CET (the clocks went back an hour on Sunday);
    at that very moment it is not yet overdue, a microsecond later it is, on the request
    and on the dashboard alike."""
    from anpr import clock

    officer = login("officer.mn")
    given = datetime.fromisoformat("2026-10-23T12:00:00+02:00")
    rid = officer.post("/api/v1/requests", json=order(
        order_kind="verbal", order_at=given.isoformat(),
        received_at=(given + timedelta(minutes=10)).isoformat())).get_json()["id"]
    due = datetime.fromisoformat("2026-10-26T11:00:00+01:00")
    req = officer.get(f"/api/v1/requests/{rid}").get_json()
    assert datetime.fromisoformat(req["written_order_due"]) == due
    for at, overdue in ((due - timedelta(microseconds=1), False), (due, False),
                        (due + timedelta(microseconds=1), True)):
        monkeypatch.setattr(clock, "now", lambda at=at: at.astimezone(UTC))
        assert officer.get(f"/api/v1/requests/{rid}").get_json()["written_order_overdue"] \
            is overdue, at
        board = officer.get("/api/v1/requests").get_json()
        assert (rid in [r["id"] for r in board["overdue"]]) is overdue, at


def test_an_overdue_verbal_order_held_by_the_unit_is_not_provided(app, conn, people,
                                                                 busiest_location, start):
    """R4: with the unit's hold, a verbal order without its written order is not provided,
    overdue or not, until the document is in; the refusal gives the deadline in local time."""
    from anpr import clock

    officer = SessionClient(app, "officer.mn")
    given = datetime.now(UTC) - timedelta(hours=80)
    rid = confirmed_request(officer, days=1, order_kind="verbal", order_at=given.isoformat())
    eid = _block(officer, rid, busiest_location, start)
    assert officer.post(f"/api/v1/searches/{eid}/run").status_code == 200
    conn.execute("UPDATE unit_setting SET hold_until_written = true WHERE unit_code = 'MN'")
    conn.commit()
    try:
        resp = officer.post(f"/api/v1/requests/{rid}/package")
        assert resp.status_code == 409
        due = clock.local(given + timedelta(hours=72))
        assert f"{due:%d-%m-%Y %H:%M}" in resp.get_json()["bericht"]
        assert _attach(officer, rid, PDF).status_code == 200
        resp = officer.post(f"/api/v1/requests/{rid}/package")
        assert resp.status_code == 200
        assert _manifest(resp)["order"]["written_order_attached"] is True
    finally:
        conn.execute("UPDATE unit_setting SET hold_until_written = false WHERE unit_code = 'MN'")
        conn.commit()


def test_a_request_cannot_come_in_in_the_future(login, conn):
    """R6 (e): when the request came in is a fact of the past; a date years ahead made the
    reference of that year and put the request in a month of the reports yet to come,
    and no correction may move it afterwards."""
    before = conn.execute("SELECT count(*) AS n FROM request").fetchone()["n"]
    ahead = datetime.now(UTC) + timedelta(days=400)
    resp = login("officer.mn").post("/api/v1/requests", json=order(received_at=ahead.isoformat()))
    assert resp.status_code == 400, resp.get_json()
    assert "toekomst" in resp.get_json()["bericht"]
    assert conn.execute("SELECT count(*) AS n FROM request").fetchone()["n"] == before



def test_a_rejected_requests_results_are_no_longer_shown(app, people, busiest_location, start):
    """A request rejected after its searches ran (the order turned out not to carry them)
    provides nothing and its holds are released (R1); its handling officer could still
    page through every plate, time and place its searches had found, from each results
    view and the reads list."""
    officer = SessionClient(app, "officer.mn")
    rid = confirmed_request(officer, days=1)
    eid = _block(officer, rid, busiest_location, start)
    ran = officer.post(f"/api/v1/searches/{eid}/run")
    assert ran.status_code == 200 and ran.get_json()["passages_kept"] > 0
    plate = ran.get_json()["result"]["passages"][0]["plate"]
    assert officer.post(f"/api/v1/requests/{rid}/reject",
                        json={"reason": "bevel draagt de zoekvraag niet"}).status_code == 200
    for path in ("", "/answer", "/histogram", "/locations", "/plates"):
        resp = officer.get(f"/api/v1/searches/{eid}/results{path}")
        assert resp.status_code == 409, (path, resp.get_data(as_text=True)[:200])
        assert plate not in resp.get_data(as_text=True)
        assert "afgewezen" in resp.get_json()["bericht"]
    resp = officer.get(f"/api/v1/requests/{rid}/reads?all=1")
    assert resp.status_code == 409


def test_a_narrower_written_order_narrows_what_is_provided(app, people, busiest_location,
                                                           start, conn):
    """R4 with R5: the verbal order covered two hours; the written order that follows names
    the first hour only. The officer records the narrower order as a correction of the
    scope (a confirmed request refused every scope correction, so it could not), and what
    the searches found outside it is no longer held: not in the results, the package or
    retention's holds. A correction that widens is refused, and nothing changes."""
    import csv
    import io
    import zipfile

    officer = SessionClient(app, "officer.mn")
    rid = confirmed_request(officer, days=1, order_kind="verbal",
                            order_at=(datetime.now(UTC) - timedelta(hours=1)).isoformat())
    eid = _block(officer, rid, busiest_location, start, minutes=120)
    assert officer.post(f"/api/v1/searches/{eid}/run").status_code == 200
    held = officer.get(f"/api/v1/searches/{eid}/results?limit=1000").get_json()["passages"]
    cut = start + timedelta(hours=1)
    late = [r for r in held if datetime.fromisoformat(r["captured_at"]) >= cut]
    assert late and len(late) < len(held), "the busiest location has passages in both hours"
    request = officer.get(f"/api/v1/requests/{rid}").get_json()
    scope = {k: v for k, v in request["scope"].items() if k != "resolved_cameras"}
    version = request["version"]

    def correct(windows=None, **more):
        body = {**scope, **more}
        if windows is not None:
            body["windows"] = windows
        return officer.post(f"/api/v1/requests/{rid}/correct", json={
            "changes": {"scope": body}, "reason": "schriftelijk bevel"})

    # wider than the verbal order: refused, in Dutch, and nothing changes
    ordered = scope["windows"][0]
    wider = correct([{"start": (datetime.fromisoformat(ordered["start"])
                                - timedelta(hours=1)).isoformat(), "end": cut.isoformat()}])
    assert wider.status_code == 409 and "verruimt" in wider.get_json()["bericht"], wider.get_json()
    assert correct(locations=scope["locations"] + ["NOPE-1"]).status_code in (400, 409)
    assert officer.get(f"/api/v1/requests/{rid}").get_json()["version"] == version
    assert len(officer.get(f"/api/v1/searches/{eid}/results?limit=1000")
               .get_json()["passages"]) == len(held)

    # the written order: the first hour
    resp = correct([{"start": start.isoformat(), "end": cut.isoformat()}])
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["scope"]["resolved_cameras"] == request["scope"]["resolved_cameras"]
    kept = officer.get(f"/api/v1/searches/{eid}/results?limit=1000").get_json()["passages"]
    assert sorted(r["passage_id"] for r in kept) == sorted(
        r["passage_id"] for r in held if r not in late)
    # retention no longer holds the passages outside it for this request
    ref = officer.get(f"/api/v1/requests/{rid}").get_json()["reference"]
    holds = {r["passage_id"] for r in conn.execute(
        "SELECT passage_id FROM jj126.result_hold WHERE enquiry_ref = %s"
        " AND released_at IS NULL", (ref,)).fetchall()}
    conn.rollback()
    assert holds == {r["passage_id"] for r in kept}
    # a search in the second hour is now outside the order
    resp = officer.post(f"/api/v1/requests/{rid}/searches", json={"kind": "block", "parameters": {
        "selection": {"kind": "pick", "locations": [busiest_location]},
        "window": {"start": cut.isoformat(), "end": (cut + timedelta(minutes=10)).isoformat()}}})
    assert resp.status_code == 403, resp.get_json()

    assert _attach(officer, rid, PDF).status_code == 200
    package = officer.post(f"/api/v1/requests/{rid}/package")
    assert package.status_code == 200
    rows = list(csv.DictReader(io.StringIO(zipfile.ZipFile(io.BytesIO(package.data))
                                           .read("passages.csv").decode())))
    assert sorted(int(r["passage_id"]) for r in rows) == sorted(r["passage_id"] for r in kept)
    assert all(datetime.fromisoformat(r["captured_at_utc"]) < cut for r in rows)
    # the art. 8 record of the correction says how many passages are no longer held
    entry = conn.execute("SELECT details FROM audit_log WHERE action = 'request.correct'"
                         " AND subject = %s ORDER BY id DESC LIMIT 1", (f"request:{rid}",)
                         ).fetchone()
    conn.rollback()
    assert entry["details"]["no_longer_held"] == len(late)


def test_a_deadlock_with_another_transaction_is_a_409_that_changes_nothing(
        app, database_url, people, busiest_location, start):
    """Two transactions that take the same rows in another order deadlock; PostgreSQL
    aborts one. When that is the officer's (here: a search run holds its request's row
    and waits for the search's, which another transaction holds while it waits for the
    request's), the answer was a 500. It is a 409 saying that a change came in at the
    same moment and to try again, in Dutch too, and the search holds nothing."""
    officer = SessionClient(app, "officer.mn")
    rid = confirmed_request(officer, days=1)
    eid = _block(officer, rid, busiest_location, start + timedelta(minutes=40))
    with psycopg.connect(database_url) as blocker:
        blocker.execute("SELECT 1 FROM enquiry WHERE id = %s FOR UPDATE", (eid,))
        run = _Call(lambda: officer.post(f"/api/v1/searches/{eid}/run"))
        _waiting(database_url)
        blocker.execute("SELECT 1 FROM request WHERE id = %s FOR UPDATE", (rid,))
        ran = run.answer()
        blocker.rollback()
    assert ran.status_code == 409, (ran.status_code, ran.get_data(as_text=True)[:300])
    body = ran.get_json()
    assert body["error"] == "concurrent_change" and "opnieuw" in body["bericht"]
    with psycopg.connect(database_url) as c:
        assert c.execute("SELECT run_at FROM enquiry WHERE id = %s", (eid,)).fetchone()[0] is None
    again = officer.post(f"/api/v1/searches/{eid}/run")      # and a retry works
    assert again.status_code == 200, again.get_json()
