"""Searches inside a request, verification, the package and completion (R1, R5-R8, R10)."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
import zipfile
from datetime import datetime, timedelta, timezone

import pytest

from anpr import audit
from casework_support import on_page

UTC = timezone.utc


def _order(demo_db, **scope) -> dict:
    start, end = demo_db["start"], demo_db["end"]
    now = datetime.now(UTC)
    return {
        "received_at": now.isoformat(), "requester_name": "K. Mulder",
        "requester_function": "tactisch rechercheur", "order_reference": "OvJ-2026-7001",
        "prosecutor": "mr. B. de Boer", "prosecutor_office": "Parket Den Haag",
        "order_at": (now - timedelta(minutes=30)).isoformat(), "order_kind": "written",
        "crime_code": "OW2", "purpose": "route en begeleidend voertuig vaststellen",
        "facts": "drugstransport verwacht", "suspect": "bestuurder", "photos": False,
        "investigation": {"system": "Summ-IT", "number": f"SIT-{now.timestamp()}", "name": "Opaal"},
        "scope": {"windows": [{"start": start.isoformat(), "end": end.isoformat()}], **scope},
    }


def _window(demo_db):
    return {"start": demo_db["start"].isoformat(), "end": demo_db["end"].isoformat()}


def _confirmed(officer, body) -> int:
    resp = officer.post("/api/v1/requests", json=body)
    assert resp.status_code == 201, resp.get_json()
    rid = resp.get_json()["id"]
    assert officer.post(f"/api/v1/requests/{rid}/confirm").status_code == 200
    return rid


def test_plate_search_from_request_to_package(app, database_url, login, demo_db, truth, conn):
    # The convoy lead's passages as reads of their own with crops (verdicts hold across
    # requests), the last one without a crop: not verifiable (R7).
    from casework_support import cropped_copies

    lead = "DP" + uuid.uuid4().hex[:6].upper()
    copies = cropped_copies(app, database_url, truth["convoy"]["lead"], lead, without_crop=1)
    blind = copies[-1]
    locations = sorted({p["location"] for p in truth["convoy"]["passages"]})
    officer = login("officer.mn")
    rid = _confirmed(officer, _order(demo_db, plates=[lead], locations=locations))
    # Preview first: counts only.
    resp = officer.post(f"/api/v1/requests/{rid}/searches",
                        json={"kind": "plate", "parameters": {"plates": [lead],
                                                              "window": _window(demo_db)}})
    assert resp.status_code == 201, resp.get_json()
    pre = resp.get_json()
    assert pre["preview"]["passages"] >= 2
    assert "passages" not in pre["preview"] or isinstance(pre["preview"]["passages"], int)
    run = officer.post(f"/api/v1/searches/{pre['enquiry_id']}/run").get_json()
    kept = run["passages_kept"]
    assert kept == pre["preview"]["passages"]
    # Verification (R7): pages, then verdicts; a provision before that is refused.
    assert officer.post(f"/api/v1/requests/{rid}/package").status_code == 409
    page = officer.get(f"/api/v1/requests/{rid}/reads?page_size=10").get_json()
    assert page["total"] == kept and page["not_verifiable"] == 1
    assert page["remaining"] == kept - 1
    reads = page["reads"]
    assert blind["id"] not in {r["passage_id"] for r in reads}  # no work: nothing to judge
    # crops=1: each read carries its crop inline, the very bytes the camera sent.
    import base64

    from conftest import photo_vault

    inline = officer.get(f"/api/v1/requests/{rid}/reads?page_size=10&crops=1").get_json()
    keys = {c["id"]: c["crop_key"] for c in copies}
    for r in inline["reads"]:
        data = base64.b64decode(r["crop"].removeprefix("data:image/jpeg;base64,"))
        assert data == photo_vault(app).get(keys[r["passage_id"]])
    assert "crop" not in reads[0] and "crop_key" not in reads[0]
    listed = officer.get(f"/api/v1/requests/{rid}/reads?page_size=10&all=1").get_json()["reads"]
    shown = next(r for r in listed if r["passage_id"] == blind["id"])
    assert not shown["verifiable"] and shown["status"] == "niet te verifiëren (geen uitsnede)"
    # A verdict without a crop is refused, alone or among others, and stores nothing.
    for extra in ([], reads[:1]):
        resp = officer.post(f"/api/v1/requests/{rid}/verdicts", json={"verdicts": [
            {"passage_id": blind["id"], "captured_at": blind["captured_at"].isoformat(),
             "verdict": "confirmed"}] + [{"passage_id": r["passage_id"],
                                          "captured_at": r["captured_at"],
                                          "verdict": "confirmed"} for r in extra]})
        assert resp.status_code == 409 and resp.get_json()["error"] == "not_verifiable", \
            resp.get_json()
        assert "niet te verifiëren" in resp.get_json()["message"]
    assert conn.execute("SELECT count(*) AS n FROM verification v JOIN enquiry_result er ON"
                        " er.passage_id = v.passage_id AND er.captured_at = v.captured_at"
                        " WHERE er.enquiry_id = %s", (pre["enquiry_id"],)).fetchone()["n"] == 0
    verdicts = [{"passage_id": r["passage_id"], "captured_at": r["captured_at"],
                 "verdict": "confirmed"} for r in reads]
    verdicts[0]["verdict"] = "rejected"  # one misread
    assert officer.post(f"/api/v1/requests/{rid}/verdicts", json=on_page(page, verdicts)
                        ).get_json()["stored"] == len(verdicts)
    # A second verdict on the same read does not replace the first: a verified read is on
    # no page handed out, so a verdict for it is refused and the first one stands.
    again = [{**verdicts[0], "verdict": "confirmed"}]
    listed = officer.get(f"/api/v1/requests/{rid}/reads?page_size=10&all=1").get_json()
    resp = officer.post(f"/api/v1/requests/{rid}/verdicts", json=on_page(listed, again))
    assert resp.status_code == 409 and resp.get_json()["error"] == "verification_page"
    assert conn.execute("SELECT verdict::text AS v FROM verification WHERE passage_id = %s",
                        (verdicts[0]["passage_id"],)).fetchone()["v"] == "rejected"
    while True:
        rest = officer.get(f"/api/v1/requests/{rid}/reads?page_size=50").get_json()
        if not rest["reads"]:
            break
        officer.post(f"/api/v1/requests/{rid}/verdicts", json=on_page(rest, [
            {"passage_id": r["passage_id"], "captured_at": r["captured_at"],
             "verdict": "confirmed"} for r in rest["reads"]]))
    resp = officer.post(f"/api/v1/requests/{rid}/package")
    assert resp.status_code == 200, resp.get_json()
    z = zipfile.ZipFile(io.BytesIO(resp.data))
    manifest = json.loads(z.read("manifest.json"))
    assert manifest["order"]["reference"] == "OvJ-2026-7001"
    assert manifest["counts"]["passages_provided"] == kept - 1
    assert manifest["counts"]["misreads_left_out"] == 1
    for name, digest in manifest["files"].items():
        assert hashlib.sha256(z.read(name)).hexdigest() == digest
    rows = list(csv.DictReader(io.StringIO(z.read("passages.csv").decode())))
    assert {r["plate"] for r in rows} == {lead}
    assert manifest["counts"]["not_verifiable"] == 1
    status = {int(r["passage_id"]): r["verification"] for r in rows}
    assert status.pop(blind["id"]) == "niet te verifiëren (geen uitsnede)"
    assert len(status) >= 2 and set(status.values()) == {"verified: confirmed"}
    assert not any(n.startswith("photos/") for n in z.namelist())  # the order asked no photos
    # Downloaded once (R6 h/i logged), then complete: held results released (R1).
    assert officer.post(f"/api/v1/requests/{rid}/package").status_code == 409
    provide = audit.entries(conn, subject=f"request:{rid}", action="provide")[0]["details"]
    assert provide["provided"]["passages_provided"] == kept - 1 and provide["provided_at"]
    held = conn.execute("SELECT count(*) AS n FROM jj126.result_hold r JOIN request q ON "
                        "q.reference = r.enquiry_ref WHERE q.id = %s AND released_at IS NULL",
                        (rid,)).fetchone()["n"]
    assert held == kept
    assert officer.post(f"/api/v1/requests/{rid}/complete").get_json()["status"] == "completed"
    conn.rollback()
    held = conn.execute("SELECT count(*) AS n FROM jj126.result_hold r JOIN request q ON "
                        "q.reference = r.enquiry_ref WHERE q.id = %s AND released_at IS NULL",
                        (rid,)).fetchone()["n"]
    assert held == 0


def test_every_search_is_logged_with_the_nine_items(login, demo_db, truth, conn):
    """R6: officer, requester, order, investigation, received, queried, query, provided, when."""
    officer = login("officer.mn")
    lead = truth["convoy"]["lead"]
    rid = _confirmed(officer, _order(demo_db, plates=[lead],
                                     locations=[truth["convoy"]["passages"][0]["location"]]))
    pre = officer.post(f"/api/v1/requests/{rid}/searches", json={
        "kind": "plate", "parameters": {"plates": [lead], "window": _window(demo_db)}}).get_json()
    officer.post(f"/api/v1/searches/{pre['enquiry_id']}/stop")
    entries = audit.entries(conn, subject=f"request:{rid}")
    logged = {e["action"]: e["details"] for e in entries}
    assert {"search.preview", "search.stopped"} <= set(logged)
    d = logged["search.preview"]
    for item in ("officer", "requester", "order_reference", "investigation",
                 "request_received_at", "queried_at", "request_data", "query"):
        assert d.get(item), item
    assert d["query"]["parameters"]["plates"] == [lead]
    assert officer.post(f"/api/v1/searches/{pre['enquiry_id']}/run").status_code == 409


def test_search_outside_the_order_is_refused(login, demo_db, truth):
    """R5: not beyond the order's time, locations or plates."""
    officer = login("officer.mn")
    lead, other = truth["convoy"]["lead"], truth["convoy"]["follower"]
    loc = truth["convoy"]["passages"][0]["location"]
    rid = _confirmed(officer, _order(demo_db, plates=[lead], locations=[loc]))
    for params in (
        {"plates": [other], "window": _window(demo_db)},
        {"plates": [lead], "window": {"start": (demo_db["start"] - timedelta(hours=2)).isoformat(),
                                      "end": demo_db["end"].isoformat()}},
    ):
        resp = officer.post(f"/api/v1/requests/{rid}/searches",
                            json={"kind": "plate", "parameters": params})
        assert resp.status_code == 403 and resp.get_json()["error"] == "outside_scope"
    resp = officer.post(f"/api/v1/requests/{rid}/searches", json={
        "kind": "block", "parameters": {"cameras": [f"{loc}-R1"], "window": _window(demo_db)}})
    assert resp.status_code == 403  # the order names plates: a block search goes beyond it


def test_no_search_without_a_confirmed_request(login, demo_db, truth):
    officer = login("officer.mn")
    resp = officer.post("/api/v1/requests", json=_order(demo_db, locations=["MN-A12-001"]))
    rid = resp.get_json()["id"]
    resp = officer.post(f"/api/v1/requests/{rid}/searches", json={
        "kind": "block", "parameters": {"cameras": ["MN-A12-001-R1"], "window": _window(demo_db)}})
    assert resp.status_code == 409 and "confirmed" in resp.get_json()["message"]


def test_block_search_needs_no_verification(login, demo_db, truth):
    """R7: location/time results are provided as 'not verified' without clicking through."""
    officer = login("officer2.mn")
    loc = truth["convoy"]["passages"][0]["location"]
    rid = _confirmed(officer, _order(demo_db, locations=[loc]))
    pre = officer.post(f"/api/v1/requests/{rid}/searches", json={
        "kind": "block", "parameters": {"selection": {"kind": "pick", "locations": [loc]},
                                        "window": _window(demo_db)}}).get_json()
    assert pre["preview"]["verification_required"] is False
    officer.post(f"/api/v1/searches/{pre['enquiry_id']}/run")
    assert officer.get(f"/api/v1/requests/{rid}/reads").get_json()["total"] == 0
    resp = officer.post(f"/api/v1/requests/{rid}/package")
    assert resp.status_code == 200, resp.get_json()
    rows = list(csv.DictReader(io.StringIO(zipfile.ZipFile(io.BytesIO(resp.data))
                                           .read("passages.csv").decode())))
    assert rows and all(r["verification"].startswith("not verified") for r in rows)


def test_results_visible_to_investigation_or_grant_only(login, people, demo_db, truth, database_url):
    """R10: two viewing levels."""

    officer = login("officer.mn")
    loc = truth["convoy"]["passages"][0]["location"]
    rid = _confirmed(officer, _order(demo_db, locations=[loc]))
    pre = officer.post(f"/api/v1/requests/{rid}/searches", json={
        "kind": "block", "parameters": {"selection": {"kind": "pick", "locations": [loc]},
                                        "window": _window(demo_db)}}).get_json()
    officer.post(f"/api/v1/searches/{pre['enquiry_id']}/run")
    assert officer.post(f"/api/v1/requests/{rid}/package").status_code == 200
    analyst = login("analyst.mn")
    # No relation: answered as a request that does not exist (casework.access).
    assert analyst.get(f"/api/v1/requests/{rid}/provided").status_code == 404
    assert officer.post(f"/api/v1/requests/{rid}/grants",
                        json={"account": "analyst.mn"}).status_code == 201
    assert analyst.get(f"/api/v1/requests/{rid}/provided").status_code == 200
