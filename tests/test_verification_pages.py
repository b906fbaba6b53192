"""A page of reads with a spot-check the officer cannot skip (R7, issue 15).

Reads the plate reader agrees with may be confirmed a page at a time (up to 500), but
the server hands out each page with one read of its own choosing that the officer must
answer on its own before the page's verdicts are accepted; reads the reader disagrees
with, is unsure of or has no opinion of are never confirmed with the page: each needs a
verdict of its own. The page lives on the server: verdicts that name no page, a page
that was never handed out, one already used or another request's, or that leave the
spot-check unanswered, are refused (409, in Dutch) and store nothing. The machine's
opinion is kept with each verdict.

Reads of the test's own (a plate of its own, with crops) and the detector's opinions
written as the worker writes them; everything else through the officer's HTTP path.
"""
from __future__ import annotations

import json
import uuid

import psycopg
from psycopg.rows import dict_row

from casework_support import cropped_copies
from test_verification_opinion import _opinion, _order


def _verdict_rows(database_url, ids) -> dict[int, dict]:
    with psycopg.connect(database_url, row_factory=dict_row) as c:
        return {r["passage_id"]: r for r in c.execute(
            "SELECT passage_id, verdict::text AS verdict, machine_read, machine_confidence,"
            " machine_flag FROM verification WHERE passage_id = ANY(%s)", (ids,)).fetchall()}


def _one(r) -> dict:
    return {"passage_id": r["passage_id"], "captured_at": r["captured_at"],
            "verdict": "confirmed"}


def test_a_page_is_confirmed_only_with_its_spot_check_answered(app, database_url, login,
                                                               demo_db):
    truth = json.loads((demo_db["home"] / "demo_ground_truth.json").read_text())
    plate = "SP" + uuid.uuid4().hex[:4].upper() + "7"
    copies = cropped_copies(app, database_url, truth["convoy"]["lead"], plate)
    assert len(copies) >= 5
    disagreeing, unsure, unread, agreeing = copies[0], copies[1], copies[2], copies[3:]
    with psycopg.connect(database_url) as c:
        _opinion(c, disagreeing, plate[:-1] + "1", 0.95)
        _opinion(c, unsure, plate, 0.4)
        for p in agreeing:
            _opinion(c, p, plate, 0.97)
        c.commit()
    ids = [p["id"] for p in copies]
    locations = sorted({p["location"] for p in truth["convoy"]["passages"]})
    officer = login("officer.mn")
    rid = officer.post("/api/v1/requests", json=_order(demo_db, plates=[plate],
                                                       locations=locations)).get_json()["id"]
    assert officer.post(f"/api/v1/requests/{rid}/confirm").status_code == 200
    pre = officer.post(f"/api/v1/requests/{rid}/searches", json={"kind": "plate", "parameters": {
        "plates": [plate], "window": {"start": demo_db["start"].isoformat(),
                                      "end": demo_db["end"].isoformat()}}}).get_json()
    assert officer.post(f"/api/v1/searches/{pre['enquiry_id']}/run").status_code == 200

    page = officer.get(f"/api/v1/requests/{rid}/reads?page_size=500").get_json()
    reads = {r["passage_id"]: r for r in page["reads"]}
    assert set(reads) == set(ids)
    # The disputed reads come first, each marked as needing its own verdict.
    assert [r["passage_id"] for r in page["reads"][:3]] == [disagreeing["id"], unsure["id"],
                                                            unread["id"]]
    assert [r["individual"] for r in page["reads"]] == [True] * 3 + [False] * len(agreeing)
    assert page["own_remaining"] == 3
    spot = page["page"]["spot_check"]
    assert spot["passage_id"] in {p["id"] for p in agreeing}
    assert page["page"]["confirmable"] == len(agreeing)
    spot_read = reads[spot["passage_id"]]
    answer = {"passage_id": spot["passage_id"], "captured_at": spot_read["captured_at"],
              "verdict": "confirmed"}
    url = f"/api/v1/requests/{rid}/verdicts"

    # A direct call that bypasses the page: well-formed verdicts on real reads, refused.
    resp = officer.post(url, json={"verdicts": [_one(reads[p["id"]]) for p in agreeing]})
    assert resp.status_code == 409, resp.get_json()
    assert resp.get_json()["error"] == "verification_page"
    assert "pagina" in resp.get_json()["bericht"]
    # A page that was never handed out, or with the spot-check left unanswered or answered
    # for another read: refused, in Dutch.
    resp = officer.post(url, json={"page": str(uuid.uuid4()), "verdicts": [],
                                   "spot_check": answer, "confirm_rest": True})
    assert resp.status_code == 409 and resp.get_json()["error"] == "verification_page"
    resp = officer.post(url, json={"page": page["page"]["id"], "verdicts": [],
                                   "confirm_rest": True})
    assert resp.status_code == 409 and resp.get_json()["error"] == "spot_check"
    assert "steekproef" in resp.get_json()["bericht"].lower()
    other = next(p for p in agreeing if p["id"] != spot["passage_id"])
    resp = officer.post(url, json={"page": page["page"]["id"], "verdicts": [],
                                   "spot_check": _one(reads[other["id"]]),
                                   "confirm_rest": True})
    assert resp.status_code == 409 and resp.get_json()["error"] == "spot_check"
    # Explicit verdicts alone do not get round it either.
    resp = officer.post(url, json={"page": page["page"]["id"],
                                   "verdicts": [_one(reads[p["id"]]) for p in agreeing]})
    assert resp.status_code == 409 and resp.get_json()["error"] == "spot_check"
    assert _verdict_rows(database_url, ids) == {}

    # Answered: the agreeing reads are confirmed with the page, the disputed ones are not.
    resp = officer.post(url, json={"page": page["page"]["id"], "verdicts": [],
                                   "spot_check": answer, "confirm_rest": True})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["stored"] == len(agreeing)
    assert resp.get_json()["confirmed_with_page"] == len(agreeing) - 1
    assert resp.get_json()["left_for_own_verdict"] == 3
    stored = _verdict_rows(database_url, ids)
    assert set(stored) == {p["id"] for p in agreeing}
    assert {r["machine_flag"] for r in stored.values()} == {"agrees"}
    assert all(r["machine_read"] == plate for r in stored.values())
    # The page is used up.
    resp = officer.post(url, json={"page": page["page"]["id"], "verdicts": [],
                                   "spot_check": answer, "confirm_rest": True})
    assert resp.status_code == 409 and resp.get_json()["error"] == "verification_page"

    # The disputed reads: a page with nothing to confirm with it has no spot-check, and
    # confirming "the rest" confirms none of them; each is answered on its own.
    page = officer.get(f"/api/v1/requests/{rid}/reads?page_size=10").get_json()
    assert [r["passage_id"] for r in page["reads"]] == [disagreeing["id"], unsure["id"],
                                                        unread["id"]]
    assert page["page"]["spot_check"] is None and page["page"]["confirmable"] == 0
    resp = officer.post(url, json={"page": page["page"]["id"], "verdicts": [],
                                   "confirm_rest": True})
    assert resp.status_code == 200 and resp.get_json()["stored"] == 0
    page = officer.get(f"/api/v1/requests/{rid}/reads?page_size=10").get_json()
    # A verdict for a read that is not on the page handed out is refused.
    resp = officer.post(url, json={"page": page["page"]["id"],
                                   "verdicts": [_one(reads[agreeing[0]["id"]])]})
    assert resp.status_code == 409 and resp.get_json()["error"] == "verification_page"
    given = {disagreeing["id"]: "rejected", unsure["id"]: "confirmed", unread["id"]: "confirmed"}
    resp = officer.post(url, json={"page": page["page"]["id"], "verdicts": [
        {**_one(r), "verdict": given[r["passage_id"]]} for r in page["reads"]]})
    assert resp.status_code == 200 and resp.get_json()["stored"] == 3
    stored = _verdict_rows(database_url, ids)
    assert (stored[disagreeing["id"]]["verdict"], stored[disagreeing["id"]]["machine_flag"],
            stored[disagreeing["id"]]["machine_read"]) == ("rejected", "disagrees",
                                                           plate[:-1] + "1")
    assert stored[unsure["id"]]["machine_flag"] == "unsure"
    assert stored[unsure["id"]]["machine_confidence"] == 0.4
    assert stored[unread["id"]]["machine_flag"] is None
    assert officer.get(f"/api/v1/requests/{rid}/reads").get_json()["remaining"] == 0

    # The audit log says how each page was given: the spot-check and what the page confirmed.
    with psycopg.connect(database_url, row_factory=dict_row) as c:
        records = [r["details"] for r in c.execute(
            "SELECT details FROM audit_log WHERE action = 'verify' AND subject = %s ORDER BY id",
            (f"request:{rid}",)).fetchall()]
    first = next(r for r in records if r.get("confirmed_with_page"))
    assert first["spot_check"] == {"passage_id": spot["passage_id"], "verdict": "confirmed"}
    assert first["confirmed_with_page"] == len(agreeing) - 1


def test_a_page_is_the_officers_own_for_its_request(app, database_url, login, demo_db, people):
    """Another request's page, or a colleague's, is no page for these verdicts."""
    truth = json.loads((demo_db["home"] / "demo_ground_truth.json").read_text())
    locations = sorted({p["location"] for p in truth["convoy"]["passages"]})
    officer = login("officer.mn")
    pages, reads = [], []
    for _ in range(2):
        plate = "SQ" + uuid.uuid4().hex[:4].upper() + "7"
        cropped_copies(app, database_url, truth["convoy"]["lead"], plate)
        rid = officer.post("/api/v1/requests", json=_order(
            demo_db, plates=[plate], locations=locations)).get_json()["id"]
        assert officer.post(f"/api/v1/requests/{rid}/confirm").status_code == 200
        pre = officer.post(f"/api/v1/requests/{rid}/searches", json={
            "kind": "plate", "parameters": {"plates": [plate], "window": {
                "start": demo_db["start"].isoformat(), "end": demo_db["end"].isoformat()}}})
        officer.post(f"/api/v1/searches/{pre.get_json()['enquiry_id']}/run")
        page = officer.get(f"/api/v1/requests/{rid}/reads?page_size=50").get_json()
        pages.append((rid, page["page"]["id"]))
        reads.append(page["reads"])
    (_, page_a), (rid_b, page_b) = pages
    resp = officer.post(f"/api/v1/requests/{rid_b}/verdicts", json={
        "page": page_a, "verdicts": [_one(reads[1][0])]})
    assert resp.status_code == 409 and resp.get_json()["error"] == "verification_page"
    resp = officer.post(f"/api/v1/requests/{rid_b}/verdicts", json={
        "page": "not-a-page", "verdicts": [_one(reads[1][0])]})
    assert resp.status_code == 400
    with psycopg.connect(database_url) as c:
        assert c.execute("SELECT count(*) FROM verification WHERE passage_id = ANY(%s)",
                         ([r["passage_id"] for r in reads[1]],)).fetchone()[0] == 0
    resp = officer.post(f"/api/v1/requests/{rid_b}/verdicts", json={
        "page": page_b, "verdicts": [_one(reads[1][0])]})
    assert resp.status_code == 200 and resp.get_json()["stored"] == 1
