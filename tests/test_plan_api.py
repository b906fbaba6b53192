"""The plan JSON API: public reads, editor changes named by the logged-in editor, clear
errors. Editors log in for real; no request header names the actor."""
from __future__ import annotations

from camera_registry.plans import clock
from plan_support import standing  # noqa: F401  (fixture)


def _year(demo_db):
    return demo_db["end"].astimezone(clock.AMSTERDAM).year


def test_public_reads(client, demo_db):
    year = _year(demo_db)
    assert client.get("/api/v1/plans").get_json()["plans"][-1]["year"] == year
    assert client.get(f"/api/v1/plans/{year}").get_json()["state"] == "published"
    assert client.get(f"/api/v1/plans/{year}/amendments").status_code == 200
    d = client.get(f"/api/v1/plans/diff?from={year - 1}&to={year}").get_json()
    assert d["counts"]["locations_added"] > 0
    assert client.get("/api/v1/plans/diff?from=x").status_code == 400


def test_changes_need_a_plan_editor_and_published_plans_refuse(client, login, demo_db):
    year = _year(demo_db)
    code = client.get(f"/api/v1/plans/diff?from={year - 1}&to={year}").get_json()[
        "criteria_changed"][0]["code"]
    r = client.put(f"/api/v1/plans/{year}/locations/{code}", json={"motivation": "x"})
    assert r.status_code in (401, 403)
    officer = login("officer.mn")
    assert officer.put(f"/api/v1/plans/{year}/locations/{code}",
                       json={"motivation": "x"}).status_code == 403
    client = login("editor")
    r = client.put(f"/api/v1/plans/{year}/locations/{code}", json={"motivation": "x"})
    assert r.status_code == 409 and "published" in r.get_json()["message"]
    r = client.post(f"/api/v1/plans/{year}/publish")
    assert r.status_code == 409
    r = client.post(f"/api/v1/plans/{year}/amendments",
                    json={"camera": "NOPE", "kind": "junction", "motivation": "m",
                          "prosecutor": "p", "effective_from": "not-a-date"})
    assert r.status_code == 400 and "date" in r.get_json()["message"]
    r = client.post(f"/api/v1/plans/{year}/draft")
    assert r.status_code == 409 and "already exists" in r.get_json()["message"]
    assert client.get("/api/v1/plans/2091").status_code == 404


def test_editor_drafts_and_is_recorded(login, demo_db, conn, standing):
    editor = login("editor")
    r = editor.post("/api/v1/plans/2046/draft")
    assert r.status_code == 201 and r.get_json()["created_by"] == "editor"
    code = conn.execute("SELECT location_code FROM plan_location pl JOIN camera_plan p ON "
                        "p.id = pl.plan_id WHERE p.year = 2046 ORDER BY 1 LIMIT 1").fetchone()[
        "location_code"]
    conn.rollback()
    standing(code)   # a draft's change writes through to the registry: put back afterwards
    r = editor.put(f"/api/v1/plans/2046/locations/{code}", json={"criteria": ["a", "q"]})
    assert r.status_code == 400 and "unknown criteria" in r.get_json()["message"]
    r = editor.put(f"/api/v1/plans/2046/locations/{code}", json={"criteria": ["a", "c"]})
    assert r.status_code == 200 and r.get_json()["criteria"] == ["a", "c"]
    v = editor.get("/api/v1/plans/2046/validation").get_json()
    assert "not_ratified" in {p["kind"] for p in v["problems"]}
    assert editor.post("/api/v1/plans/2046/publish").status_code == 409
    last = conn.execute("SELECT actor, entity_key FROM registry_change ORDER BY id DESC LIMIT 1"
                        ).fetchone()
    assert last["actor"] == "editor" and last["entity_key"] == f"2046/{code}"


def test_the_editors_flow_answers_as_the_document_says(login, demo_db, conn, standing):
    """Every change of a draft through the API, each answer checked against its documented
    schema by the tests' app (webmap.openapi.check_response)."""
    editor = login("editor")
    codes = [r["code"] for r in conn.execute(
        "SELECT l.code FROM location l WHERE EXISTS (SELECT 1 FROM camera c WHERE "
        "c.location_id = l.id) ORDER BY l.code LIMIT 3").fetchall()]
    conn.rollback()
    for code in codes:   # a draft's change writes through to the registry: put back afterwards
        standing(code)
    draft = editor.post("/api/v1/plans/2047/draft", json={"locations": codes[:2]})
    assert draft.status_code == 201 and draft.get_json()["locations"] == 2
    added = editor.post("/api/v1/plans/2047/locations", json={"code": codes[2]})
    assert added.status_code == 201 and added.get_json()["added"] is True
    motivated = editor.put(f"/api/v1/plans/2047/locations/{codes[2]}",
                           json={"criteria": ["b"], "motivation": "Doorgaande route",
                                 "prosecutor": "mr. P. Test", "signed_on": "2046-12-01"})
    assert motivated.status_code == 200 and motivated.get_json()["signed_on"] == "2046-12-01"
    mobile = editor.put("/api/v1/plans/2047/mobile",
                        json={"unit": "MN", "kind": "junction", "count": 2})
    assert mobile.status_code == 200 and mobile.get_json()["count"] == 2
    camera = conn.execute("SELECT c.id FROM camera c JOIN location l ON l.id = c.location_id"
                          " WHERE l.code = %s ORDER BY c.id LIMIT 1", (codes[0],)).fetchone()
    gone = editor.delete(f"/api/v1/plans/2047/cameras/{camera['id']}")
    assert gone.status_code == 200 and gone.get_json()["removed"] is True
    out = editor.delete(f"/api/v1/plans/2047/locations/{codes[1]}")
    assert out.status_code == 200 and out.get_json()["cameras_removed"] >= 1
    checked = editor.get("/api/v1/plans/2047/validation").get_json()
    assert checked["errors"] >= 1 and checked["problems"][0]["severity"] == "error"
    ratified = editor.post("/api/v1/plans/2047/ratify", json={"chief": "korpschef (test)"})
    assert ratified.status_code == 200 and ratified.get_json()["ratified_by"]
    assert editor.get("/api/v1/plans/2047").get_json()["locations"] == 2
    listed = editor.get("/api/v1/plans").get_json()["plans"]
    assert {"year": 2047, "state": "draft"}.items() <= next(
        p for p in listed if p["year"] == 2047).items()
