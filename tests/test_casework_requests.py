"""Requests and orders through the API: R2, R3, R4, R10, R12 and the confirmation freeze."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest

from anpr import audit
from casework import requests as req_mod

UTC = timezone.utc


def order(**over) -> dict:
    now = datetime.now(UTC)
    body = {
        "received_at": now.isoformat(), "requester_name": "R. de Vries",
        "requester_function": "rechercheur", "order_reference": "OvJ-2026-0042",
        "prosecutor": "mr. A. Jansen", "prosecutor_office": "Arrondissementsparket Midden-Nederland",
        "order_at": (now - timedelta(hours=1)).isoformat(), "order_kind": "written",
        "crime_code": "312", "purpose": "bewegingen van de verdachte auto vaststellen",
        "facts": "overval op juwelier, vluchtauto gezien", "suspect": "onbekende bestuurder, grijze Golf",
        "photos": True, "convoy_minutes": 2,
        "investigation": {"system": "BVH", "number": "2026123456", "name": "Onderzoek Smaragd"},
        "scope": {"windows": [{"start": (now - timedelta(hours=5)).isoformat(),
                               "end": now.isoformat()}],
                  "locations": ["MN-A12-001"], "plates": ["ab-123-c"]},
    }
    body.update(over)
    return body


def test_register_confirm_and_freeze(login):
    officer = login("officer.mn")
    resp = officer.post("/api/v1/requests", json=order())
    assert resp.status_code == 201, resp.get_json()
    req = resp.get_json()
    assert req["status"] == "registered" and req["reference"].startswith(f"{datetime.now(UTC).year}-MN-")
    assert req["scope"]["plates"] == ["AB123C"]
    rid = req["id"]
    # Before confirmation the data may still be corrected, scope included.
    resp = officer.post(f"/api/v1/requests/{rid}/correct", json={
        "changes": {"suspect": "bestuurder grijze VW Golf"}, "reason": "typefout"})
    assert resp.status_code == 200 and resp.get_json()["version"] == 2
    assert officer.post(f"/api/v1/requests/{rid}/confirm").get_json()["status"] == "confirmed"
    # After confirmation: the scope is frozen; other corrections are new versions.
    resp = officer.post(f"/api/v1/requests/{rid}/correct", json={
        "changes": {"scope": {**req["scope"], "plates": ["ZZ999Z"]}}, "reason": "ruimer"})
    assert resp.status_code == 409 and "scope" in resp.get_json()["message"]
    resp = officer.post(f"/api/v1/requests/{rid}/correct", json={
        "changes": {"purpose": "route vaststellen"}, "reason": "aanvulling bevel"})
    assert resp.status_code == 200 and resp.get_json()["version"] == 3
    assert officer.post(f"/api/v1/requests/{rid}/cancel").status_code == 409


def test_versions_are_kept(login, database_url):
    import psycopg

    officer = login("officer.mn")
    rid = officer.post("/api/v1/requests", json=order()).get_json()["id"]
    officer.post(f"/api/v1/requests/{rid}/correct", json={"changes": {"facts": "meer feiten"},
                                                            "reason": "aanvulling"})
    with psycopg.connect(database_url) as conn:
        versions = conn.execute("SELECT version, data->>'facts', reason FROM request_version"
                                " WHERE request_id = %s ORDER BY version", (rid,)).fetchall()
    assert [v[0] for v in versions] == [1, 2] and versions[1][1] == "meer feiten"


def test_crime_must_allow_pretrial_detention(login):
    """R3: a crime outside art. 67 lid 1 Sv is refused with the reason, and recorded."""
    officer = login("officer.mn")
    resp = officer.post("/api/v1/requests", json=order(crime_code="266"))
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["status"] == "rejected" and "art. 67 lid 1" in body["rejected_reason"]
    assert officer.post(f"/api/v1/requests/{body['id']}/confirm").status_code == 409


def test_fugitive_search_qualifies_without_crime(login):
    resp = login("officer.mn").post("/api/v1/requests", json=order(crime_code=None, fugitive=True))
    assert resp.status_code == 201 and resp.get_json()["fugitive"] is True


def test_foreign_request_is_flagged(login):
    """R12: foreign legal-assistance requests follow the same process, flagged."""
    resp = login("officer.mn").post("/api/v1/requests", json=order(foreign_request=True))
    assert resp.status_code == 201 and resp.get_json()["foreign_request"] is True


def test_verbal_order_deadline_and_overdue(login, conn):
    """R4: a verbal order starts a 72-hour clock; overdue requests are shown."""
    officer = login("officer.mn")
    old = datetime.now(UTC) - timedelta(hours=80)
    rid = officer.post("/api/v1/requests", json=order(order_kind="verbal",
                                                      order_at=old.isoformat())).get_json()["id"]
    req = officer.get(f"/api/v1/requests/{rid}").get_json()
    assert req["written_order_overdue"] is True
    board = officer.get("/api/v1/requests").get_json()
    assert rid in [r["id"] for r in board["overdue"]]
    # Attaching the written order ends the wait (and is logged as late).
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
    resp = officer.post(f"/api/v1/requests/{rid}/written-order",
                        data={"document": (io.BytesIO(pdf), "bevel.pdf")},
                        content_type="multipart/form-data")
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["written_order_overdue"] is False
    assert rid not in [r["id"] for r in officer.get("/api/v1/requests").get_json()["overdue"]]
    entry = audit.entries(conn, subject=f"request:{rid}", action="request.written_order")[0]
    assert entry["details"]["late"] is True


def test_unit_can_hold_provision_until_written_order(conn, people):
    req = {"order_kind": "verbal", "written_order_at": None, "unit_code": "MN",
           "written_order_due": datetime.now(UTC) + timedelta(hours=10)}
    conn.execute("UPDATE unit_setting SET hold_until_written = false WHERE unit_code = 'MN'")
    assert req_mod.provision_held(conn, req) is None
    conn.execute("UPDATE unit_setting SET hold_until_written = true WHERE unit_code = 'MN'")
    assert "written order" in req_mod.provision_held(conn, req)
    assert req_mod.provision_held(conn, {**req, "written_order_at": datetime.now(UTC)}) is None


@pytest.mark.parametrize("payload, status", [
    (b"MZ\x90\x00 an executable", 400),
    (b"<html><script>alert(1)</script></html>", 400),
    (b"%PDF-1.4 /JavaScript (app.alert(1))", 400),
    (b"", 400),
    (b"%PDF-" + b"x" * (10 * 1024 * 1024 + 10), 413),
])
def test_order_document_is_sniffed_and_limited(login, payload, status):
    officer = login("officer.mn")
    rid = officer.post("/api/v1/requests", json=order()).get_json()["id"]
    # A hand-built multipart body: the test client then keeps it in memory.
    body = (b"--b0undary\r\nContent-Disposition: form-data; name=\"document\"; "
            b"filename=\"bevel.pdf\"\r\nContent-Type: application/pdf\r\n\r\n" + payload
            + b"\r\n--b0undary--\r\n")
    resp = officer.post(f"/api/v1/requests/{rid}/written-order", data=body,
                        content_type="multipart/form-data; boundary=b0undary")
    assert resp.status_code == status
    assert officer.get(f"/api/v1/requests/{rid}").get_json()["order_document_key"] is None


def test_member_of_investigation_cannot_handle_it(login, people, database_url):
    """R2: never a search in an investigation you are part of; hand over instead."""
    import psycopg

    officer = login("officer.mn")
    body = order(investigation={"system": "Summ-IT", "number": "SIT-77", "name": "Onderzoek Eigen"})
    rid = officer.post("/api/v1/requests", json=body).get_json()["id"]
    with psycopg.connect(database_url) as conn:
        conn.execute("INSERT INTO investigation_member (investigation_id, account_id) SELECT "
                     "investigation_id, %s FROM request WHERE id = %s",
                     (people["officer.mn"].id, rid))
    resp = officer.post(f"/api/v1/requests/{rid}/confirm")
    assert resp.status_code == 403 and "hand it over" in resp.get_json()["message"]
    assert people["officer2.mn"].id in resp.get_json()["details"]["handover"]
    # A colleague acts only after a recorded hand-over (R10).
    assert login("officer2.mn").post(f"/api/v1/requests/{rid}/confirm").status_code == 404
    assert officer.post(f"/api/v1/requests/{rid}/handover", json={
        "to": people["officer2.mn"].id, "reason": "lid van het onderzoek"}).status_code == 200
    assert login("officer2.mn").post(f"/api/v1/requests/{rid}/confirm").status_code == 200


def test_other_units_request_is_refused_and_logged(login, conn):
    rid = login("officer.mn").post("/api/v1/requests", json=order()).get_json()["id"]
    resp = login("officer.rt").get(f"/api/v1/requests/{rid}")
    assert resp.status_code == 404  # as for a request that does not exist (casework.access)
    assert audit.entries(conn, subject=f"request:{rid}", action="access.refused")


@pytest.mark.parametrize("username", ["requester.mn", "analyst.mn", "editor", "auditor", "admin"])
def test_only_officers_register_requests(login, username):
    """R2/R10: least privilege; refusals are logged."""
    resp = login(username).post("/api/v1/requests", json=order())
    assert resp.status_code == 403


def test_anonymous_is_401(client):
    assert client.get("/api/v1/requests").status_code == 401


def test_csrf_missing_or_forged_is_refused(login, conn):
    officer = login("officer.mn")
    resp = officer.client.post("/api/v1/requests", json=order())  # no token
    assert resp.status_code == 403 and "CSRF" in resp.get_json()["message"]
    resp = officer.client.post("/api/v1/requests", json=order(), headers={"X-CSRF-Token": "forged"})
    assert resp.status_code == 403
    assert audit.entries(conn, action="csrf.refused")


@pytest.mark.parametrize("over, fragment", [
    ({"received_at": "2026-11-28T10:00:00"}, "UTC offset"),
    ({"order_kind": "phone"}, "written or verbal"),
    ({"purpose": ""}, "purpose"),
    ({"scope": {"windows": [], "locations": ["X"]}}, "time window"),
    ({"scope": {"windows": [{"start": "2026-11-28T10:00:00+00:00", "end": "2026-11-27T10:00:00+00:00"}],
                "locations": ["X"]}}, "before the start"),
    ({"scope": {"windows": [{"start": "2026-10-01T00:00:00+00:00", "end": "2026-11-28T00:00:00+00:00"}],
                "locations": ["X"]}}, "28 days"),
    ({"scope": {"windows": [{"start": "2026-11-28T10:00:00+00:00", "end": "2026-11-28T11:00:00+00:00"}]}},
     "needs locations"),
    ({"scope": {"windows": [{"start": "2026-11-28T10:00:00+00:00", "end": "2026-11-28T11:00:00+00:00"}],
                "locations": ["X"], "patterns": ["**??"]}}, "only wildcards"),
    ({"scope": {"windows": [{"start": "2026-11-28T10:00:00+00:00", "end": "2026-11-28T11:00:00+00:00"}],
                "locations": ["X"], "plates": ["AB;DROP"]}}, "only letters"),
    ({"convoy_minutes": -3}, "convoy"),
    ({"investigation": {"system": "Excel", "number": "1", "name": "x"}}, "BVH or Summ-IT"),
])
def test_bad_requests_are_400_and_store_nothing(login, conn, over, fragment):
    before = conn.execute("SELECT count(*) AS n FROM request").fetchone()["n"]
    resp = login("officer.mn").post("/api/v1/requests", json=order(**over))
    assert resp.status_code == 400, resp.get_json()
    assert fragment in resp.get_json()["message"]
    assert conn.execute("SELECT count(*) AS n FROM request").fetchone()["n"] == before


def test_login_lockout_through_the_api(app, people, database_url):
    import psycopg

    from anpr import accounts
    from conftest import TEST_PASSWORD

    from psycopg.rows import dict_row

    with psycopg.connect(database_url, row_factory=dict_row) as conn:  # its own account
        accounts.create(conn, "lockout.target", "L. Target", "auditor", TEST_PASSWORD)
    c = app.test_client()
    h = {"X-CSRF-Token": c.get("/api/v1/session").get_json()["csrf_token"]}
    for _ in range(5):
        assert c.post("/api/v1/session", headers=h,
                      json={"username": "lockout.target", "password": "nope-nope-nope"}
                      ).status_code == 401
    # Locked now: even the right password is refused, in the same words as an unknown
    # account (R10: a refusal does not tell an attacker the account exists); the audit
    # log keeps the true reason.
    resp = c.post("/api/v1/session", headers=h,
                  json={"username": "lockout.target", "password": "test-password-126jj"})
    unknown = c.post("/api/v1/session", headers=h,
                     json={"username": "no.such.account", "password": "test-password-126jj"})
    assert resp.status_code == unknown.status_code == 401
    assert resp.get_json() == unknown.get_json()
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        logged = conn.execute("SELECT details FROM audit_log WHERE actor = 'lockout.target' "
                              "ORDER BY id DESC LIMIT 1").fetchone()
    assert logged is not None and "lock" in str(logged["details"])


def test_refused_writes_change_nothing_and_are_logged(login, conn):
    """A scope edit after confirmation is refused, changes nothing, and is in the log."""
    officer = login("officer.mn")
    rid = officer.post("/api/v1/requests", json=order()).get_json()["id"]
    officer.post(f"/api/v1/requests/{rid}/confirm")
    before = officer.get(f"/api/v1/requests/{rid}").get_json()
    resp = officer.post(f"/api/v1/requests/{rid}/correct", json={
        "changes": {"scope": {**before["scope"], "plates": ["ZZ999Z"]}}, "reason": "ruimer"})
    assert resp.status_code == 409
    after = officer.get(f"/api/v1/requests/{rid}").get_json()
    assert after["scope"] == before["scope"] and after["version"] == before["version"]
    refused = audit.entries(conn, subject=f"/api/v1/requests/{rid}/correct",
                            action="request.refused")
    assert refused and refused[0]["details"]["status"] == 409
