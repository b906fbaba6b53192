"""R3/R4 under attack: a correction after confirmation is re-validated against every rule
registration applies, and cannot move the facts that carry legal deadlines. Driven through
the real HTTP path (login, CSRF, PostGIS)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from test_casework_requests import order

UTC = timezone.utc


def _confirmed(officer, **over) -> dict:
    resp = officer.post("/api/v1/requests", json=order(**over))
    assert resp.status_code == 201, resp.get_json()
    rid = resp.get_json()["id"]
    resp = officer.post(f"/api/v1/requests/{rid}/confirm")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _correct(officer, rid, changes, reason="correctie"):
    return officer.post(f"/api/v1/requests/{rid}/correct",
                        json={"changes": changes, "reason": reason})


def _versions(conn, rid) -> int:
    return conn.execute("SELECT count(*) AS n FROM request_version WHERE request_id = %s",
                        (rid,)).fetchone()["n"]


def test_crime_without_pretrial_detention_is_refused(login, conn):
    officer = login("officer.mn")
    req = _confirmed(officer)
    resp = _correct(officer, req["id"], {"crime_code": "266"})
    assert resp.status_code == 400 and "art. 67 lid 1" in resp.get_json()["message"]
    after = officer.get(f"/api/v1/requests/{req['id']}").get_json()
    assert after["crime_code"] == "312" and after["version"] == req["version"]
    assert _versions(conn, req["id"]) == 1


def test_dropping_the_fugitive_mark_needs_a_qualifying_crime(login):
    officer = login("officer.mn")
    req = _confirmed(officer, crime_code=None, fugitive=True)
    resp = _correct(officer, req["id"], {"fugitive": False})
    assert resp.status_code == 400 and "crime" in resp.get_json()["message"]
    assert officer.get(f"/api/v1/requests/{req['id']}").get_json()["fugitive"] is True


def test_a_qualifying_crime_may_be_corrected_and_the_frozen_scope_stays(login):
    officer = login("officer.mn")
    req = _confirmed(officer)
    frozen = req["scope"]["resolved_cameras"]
    resp = _correct(officer, req["id"], {"crime_code": "289"})
    assert resp.status_code == 200, resp.get_json()
    after = resp.get_json()
    assert after["crime_code"] == "289" and after["version"] == req["version"] + 1
    assert after["scope"]["resolved_cameras"] == frozen


def test_verbal_order_cannot_become_written_by_correction(login, conn):
    officer = login("officer.mn")
    req = _confirmed(officer, order_kind="verbal")
    conn.execute("UPDATE unit_setting SET hold_until_written = true WHERE unit_code = 'MN'")
    conn.commit()
    try:
        resp = _correct(officer, req["id"], {"order_kind": "written"})
        assert resp.status_code == 400 and "written-order" in resp.get_json()["message"]
        after = officer.get(f"/api/v1/requests/{req['id']}").get_json()
        assert after["order_kind"] == "verbal" and after["written_order_at"] is None
        from casework import requests as req_mod

        assert req_mod.provision_held(conn, req_mod.get(conn, req["id"]))  # hold stays
    finally:
        conn.execute("UPDATE unit_setting SET hold_until_written = false WHERE unit_code = 'MN'")
        conn.commit()


@pytest.mark.parametrize("status", ["registered", "confirmed"])
def test_order_time_cannot_be_moved_off_the_overdue_list(login, status):
    officer = login("officer.mn")
    old = datetime.now(UTC) - timedelta(hours=80)
    rid = officer.post("/api/v1/requests", json=order(order_kind="verbal",
                                                      order_at=old.isoformat())).get_json()["id"]
    if status == "confirmed":
        assert officer.post(f"/api/v1/requests/{rid}/confirm").status_code == 200
    resp = _correct(officer, rid, {"order_at": datetime.now(UTC).isoformat()})
    assert resp.status_code == 400 and "termijn" in resp.get_json()["message"]
    resp = _correct(officer, rid, {"received_at": datetime.now(UTC).isoformat()})
    assert resp.status_code == 400
    assert officer.get(f"/api/v1/requests/{rid}").get_json()["written_order_overdue"] is True
    assert rid in [r["id"] for r in officer.get("/api/v1/requests").get_json()["overdue"]]


def test_the_same_order_time_is_not_a_move(login):
    officer = login("officer.mn")
    at = (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=0)
    req = _confirmed(officer, order_at=at.isoformat())
    same = at.astimezone(timezone(timedelta(hours=1))).isoformat()  # same instant, other offset
    resp = _correct(officer, req["id"], {"order_at": same, "facts": "meer feiten"})
    assert resp.status_code == 200, resp.get_json()


@pytest.mark.parametrize("changes", [{"photos": True}, {"convoy_minutes": 30},
                                     {"convoy_minutes": None}])
def test_a_confirmed_order_cannot_widen(login, changes):
    officer = login("officer.mn")
    req = _confirmed(officer, photos=False, convoy_minutes=2)
    resp = _correct(officer, req["id"], changes)
    assert resp.status_code == 409, resp.get_json()
    after = officer.get(f"/api/v1/requests/{req['id']}").get_json()
    assert after["photos"] is False and after["convoy_minutes"] == 2


def test_investigation_cannot_be_swapped(login):
    officer = login("officer.mn")
    req = _confirmed(officer)
    resp = _correct(officer, req["id"], {"investigation_id": req["investigation_id"] + 1})
    assert resp.status_code == 400


@pytest.mark.parametrize("over", [{"crime_code": None}, {"crime_code": "9999-nope"},
                                  {"crime_code": 312}])
def test_no_or_unknown_crime_is_a_refusal_not_a_500(login, conn, over):
    before = conn.execute("SELECT count(*) AS n FROM request").fetchone()["n"]
    resp = login("officer.mn").post("/api/v1/requests", json=order(**over))
    assert resp.status_code == 400, resp.get_json()
    assert "crime" in resp.get_json()["message"]
    assert conn.execute("SELECT count(*) AS n FROM request").fetchone()["n"] == before


def test_an_empty_correction_is_refused(login, conn):
    officer = login("officer.mn")
    req = _confirmed(officer)
    assert _correct(officer, req["id"], {}).status_code == 400
    assert _versions(conn, req["id"]) == 1
