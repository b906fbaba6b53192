"""Attacks on the camera plan and its publication (R9), and on retention's settings (R1,
R13), as a hostile insider with a valid account (camera-plan editor, officer, auditor)
or a careless operator would make them, through the real paths: the editor's JSON API
and the public pages as the app serves them, the domain functions on the real database.

Plans published here are published inside a transaction that is rolled back (a
published plan can never be deleted, and the suite's other tests expect the demo's two
published plans only); drafts made through the API are deleted again afterwards.
"""
from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone

import psycopg
import pytest
from psycopg.rows import dict_row

from anpr import clock
from anpr.errors import BadInput, Conflict
from camera_registry import plans, publication
from plan_support import regular as _regular
from plan_support import standing  # noqa: F401  (fixture)
from sim.plans import demo_prosecutor

UTC = timezone.utc
ED = "editor"


def _year(demo_db) -> int:
    return demo_db["end"].astimezone(clock.AMSTERDAM).year




def _drop_draft(database_url: str, year: int) -> None:
    """Take a draft the API committed out again (drafts may be deleted; published not)."""
    with psycopg.connect(database_url, autocommit=True) as c:
        c.execute("DELETE FROM camera_plan WHERE year = %s AND state = 'draft'", (year,))


# -- a published plan seen through the API follows its snapshot, not the registry ----------

def test_a_published_plans_cameras_do_not_follow_registry_edits(login, demo_db, conn):
    """R9: 'a published plan never changes'. GET /plans/{year}/cameras read each camera's
    direction, lane and location from the live registry, so an editor who turned a
    published camera around in the registry changed the published plan's camera list."""
    year = _year(demo_db)
    editor = login("editor")
    pid = plans.get_plan(conn, year)["id"]
    snap = conn.execute("SELECT pc.camera_id, pc.bearing::float AS bearing, pc.inout::text AS inout,"
                        " pc.lane, pc.location_code FROM plan_camera pc JOIN camera c ON "
                        "c.id = pc.camera_id WHERE pc.plan_id = %s AND c.lane_geom IS NULL "
                        "ORDER BY pc.camera_id LIMIT 1", (pid,)).fetchone()
    if snap is None:
        snap = conn.execute("SELECT pc.camera_id, pc.bearing::float AS bearing, "
                            "pc.inout::text AS inout, pc.lane, pc.location_code FROM plan_camera"
                            " pc WHERE pc.plan_id = %s ORDER BY pc.camera_id LIMIT 1",
                            (pid,)).fetchone()
    cam = snap["camera_id"]
    before = editor.get(f"/api/v1/registry/cameras/{cam}").get_json()
    other = "out" if snap["inout"] == "in" else "in"
    try:
        r = editor.patch(f"/api/v1/registry/cameras/{cam}",
                         json={"inout": other, "bearing": (snap["bearing"] + 180.0) % 360.0})
        assert r.status_code == 200, r.get_json()
        listed = {c["id"]: c for c in editor.get(f"/api/v1/plans/{year}/cameras")
                  .get_json()["cameras"]}
        public = {c["id"]: c for c in login("officer.mn").get(f"/api/v1/plans/{year}/cameras")
                  .get_json()["cameras"]}
        for seen in (listed[cam], public[cam]):
            assert seen["inout"] == snap["inout"]
            assert abs(seen["bearing"] - snap["bearing"]) < 0.01
            assert seen["lane"] == snap["lane"]
            assert seen["location_code"] == snap["location_code"]
    finally:
        editor.patch(f"/api/v1/registry/cameras/{cam}",
                     json={"inout": before["inout"], "bearing": before["bearing"]})


# -- public answers reveal no accounts and no drafts --------------------------------------

def test_public_plan_answers_name_no_editor_account(client, login, demo_db):
    """The public plan API named the editors' login names (created_by, published_by, and
    recorded_by on every amendment): account names for anyone to try passwords on (R10).
    The public plan is the Staatscourant's: its content, not who typed it in."""
    year = _year(demo_db)
    accounts = {r["username"] for r in []}  # noqa: C416 (filled below)
    for who in (client, login("officer.mn"), login("auditor")):
        plan = who.get(f"/api/v1/plans/{year}").get_json()
        assert plan["state"] == "published"
        for field in ("created_by", "published_by"):
            assert field not in plan, (field, plan.get(field))
        amendments = who.get(f"/api/v1/plans/{year}/amendments").get_json()["amendments"]
        assert amendments, "the demo plan has amendments"
        assert all("recorded_by" not in a for a in amendments)
        accounts |= {a.get("recorded_by") for a in amendments} - {None}
    assert not accounts
    # the editor still sees who did what
    editor = login("editor")
    assert editor.get(f"/api/v1/plans/{year}").get_json()["published_by"]
    assert all(a["recorded_by"] for a in editor.get(f"/api/v1/plans/{year}/amendments")
               .get_json()["amendments"])


def test_a_draft_is_as_good_as_absent_to_everyone_but_editors(client, login, demo_db,
                                                               database_url):
    """A draft answered 'no published camera plan for 2072' where a year with no plan at
    all answered 'no camera plan for 2073': anyone could tell which plans are being
    prepared. Both now answer alike, on every public path."""
    editor = login("editor")
    assert editor.post("/api/v1/plans/2072/draft", json={"locations": _regular_codes(editor)}
                       ).status_code == 201
    try:
        for who in (client, login("officer.mn"), login("auditor")):
            for path in ("/api/v1/plans/{y}", "/api/v1/plans/{y}/validation",
                         "/api/v1/plans/{y}/amendments", "/api/v1/plans/{y}/cameras",
                         "/plans/{y}", "/plans/{y}/cameraplan.geojson",
                         "/ogc/collections/cameraplan-{y}", "/ogc/collections/cameraplan-{y}/items"):
                draft = who.get(path.format(y=2072))
                none = who.get(path.format(y=2073))
                assert draft.status_code == none.status_code == 404, path
                d, n = draft.get_json(silent=True), none.get_json(silent=True)
                if d is not None or n is not None:
                    assert d["message"].replace("2072", "Y") == n["message"].replace("2073", "Y"), path
                else:
                    assert draft.get_data().replace(b"2072", b"Y") == \
                        none.get_data().replace(b"2073", b"Y"), path
            diff = who.get("/api/v1/plans/diff?from=2072&to=2073")
            assert diff.status_code == 404
            assert 2072 not in {p["year"] for p in who.get("/api/v1/plans").get_json()["plans"]}
        assert editor.get("/api/v1/plans/2072").status_code == 200
    finally:
        _drop_draft(database_url, 2072)


def _regular_codes(editor) -> list[str]:
    """Two locations of the published demo plan (the API's own answer)."""
    year = max(p["year"] for p in editor.get("/api/v1/plans").get_json()["plans"]
               if p["state"] == "published")
    cams = editor.get(f"/api/v1/plans/{year}/cameras").get_json()["cameras"]
    return sorted({c["location_code"] for c in cams if c["source"] == "plan"})[:2]


# -- a signature covers what was signed ----------------------------------------------------

def test_a_motivation_changed_after_signature_needs_a_new_signature(login, conn, demo_db,
                                                                    database_url, standing):
    """The prosecutor signs a location's criteria and motivation. An editor could rewrite
    both afterwards and the old signature stayed on the new text, so the plan published
    with a motivation nobody signed. A change of criteria or motivation now voids the
    signature unless the same change carries the new one."""
    editor = login("editor")
    code = standing(_regular(conn)[0])
    assert editor.post("/api/v1/plans/2074/draft", json={"locations": [code]}).status_code == 201
    try:
        url = f"/api/v1/plans/2074/locations/{code}"
        signed = editor.put(url, json={"criteria": ["b"], "motivation": "Doorgaande route A1",
                                       "prosecutor": "mr. A. Ondertekend",
                                       "signed_on": "2025-11-01"})
        assert signed.status_code == 200 and signed.get_json()["signed_on"] == "2025-11-01"
        rewritten = editor.put(url, json={"motivation": "Iets heel anders", "criteria": ["a", "c"]})
        assert rewritten.status_code == 200
        body = rewritten.get_json()
        assert body["prosecutor"] is None and body["signed_on"] is None
        kinds = {(p["kind"], p.get("location")) for p in
                 editor.get("/api/v1/plans/2074/validation").get_json()["problems"]}
        assert ("missing_signature", code) in kinds
        # a new signature in the same change holds
        again = editor.put(url, json={"motivation": "Nog anders", "prosecutor": "mr. B. Nieuw",
                                      "signed_on": "2025-12-01"})
        assert again.get_json()["prosecutor"] == "mr. B. Nieuw"
        # a change of the claim or the signature alone keeps the text's signature
        claim = editor.put(url, json={"claimed_by": "police"})
        assert claim.get_json()["signed_on"] == "2025-12-01"
        # the standing motivation in the registry carries the void signature too
        with psycopg.connect(database_url, row_factory=dict_row) as c:
            standing = c.execute("SELECT m.prosecutor FROM location_motivation m JOIN location l "
                                 "ON l.id = m.location_id WHERE l.code = %s", (code,)).fetchone()
        assert standing["prosecutor"] == "mr. B. Nieuw"
    finally:
        _drop_draft(database_url, 2074)


def test_a_signature_dated_in_the_future_does_not_publish(login, conn, database_url, standing):
    """A signature dated after today is no signature yet, but it counted as one: a plan
    published on a promise of a signature (R9). Validation now names it as an error and
    publication is refused."""
    editor = login("editor")
    code = standing(_regular(conn)[0])
    tomorrow = (clock.local(clock.now()).date() + timedelta(days=1)).isoformat()
    # publishing it is refused (in a transaction rolled back before the API's turn)
    plans.create_draft(conn, 2075, actor=ED)
    plans.ratify(conn, 2075, chief="korpschef", actor=ED)
    assert not [p for p in plans.validate(conn, 2075) if p["severity"] == "error"]
    plans.set_motivation(conn, 2075, code, actor=ED, prosecutor="mr. Later", signed_on=tomorrow)
    with pytest.raises(Conflict) as refused:
        plans.publish(conn, 2075, actor=ED)
    assert {p["kind"] for p in refused.value.details["problems"]} == {"signature_in_future"}
    assert plans.get_plan(conn, 2075)["state"] == "draft"
    conn.rollback()
    # the editor's API says so too
    assert editor.post("/api/v1/plans/2075/draft", json={"locations": [code]}).status_code == 201
    try:
        r = editor.put(f"/api/v1/plans/2075/locations/{code}",
                       json={"prosecutor": "mr. Later", "signed_on": tomorrow})
        assert r.status_code == 200
        problems = editor.get("/api/v1/plans/2075/validation").get_json()["problems"]
        assert ("signature_in_future", code) in {(p["kind"], p.get("location")) for p in problems}
    finally:
        _drop_draft(database_url, 2075)


def test_a_location_signed_by_another_units_prosecutor_blocks_publication(demo_db, conn):
    """The signing prosecutor was free text: a location signed by a prosecutor of another
    unit (or by anyone) validated and published. Each unit's prosecutors are listed now
    (unit_prosecutor, migration 0031) and a signer not listed for the location's unit on
    the signing day is an error (wrong_prosecutor)."""
    plans.create_draft(conn, 2076, actor=ED)
    plans.ratify(conn, 2076, chief="korpschef", actor=ED)
    code = _regular(conn)[0]
    unit = conn.execute("SELECT unit_code FROM location WHERE code = %s", (code,)).fetchone()
    other = conn.execute("SELECT code, name FROM unit WHERE code <> %s ORDER BY code LIMIT 1",
                         (unit["unit_code"],)).fetchone()
    plans.set_motivation(conn, 2076, code, actor=ED, criteria="b", motivation="route",
                         prosecutor=f"mr. Vreemd (parket {other['name']})", signed_on="2025-12-01")
    kinds = {p["kind"] for p in plans.validate(conn, 2076) if p.get("location") == code}
    assert kinds & {"wrong_prosecutor", "missing_signature"}


def test_a_signature_counts_only_by_a_prosecutor_listed_for_the_unit_that_day(
        login, conn, database_url, standing):
    """Names compare as people write them (case, spaces); the signing day must fall in the
    period the prosecutor serves the location's unit; the editor reads why in Dutch."""
    from anpr import units

    code = standing(_regular(conn)[0])
    unit = conn.execute("SELECT unit_code FROM location WHERE code = %s", (code,)).fetchone()
    unit = unit["unit_code"]
    other = conn.execute("SELECT code FROM unit WHERE code <> %s ORDER BY code LIMIT 1",
                         (unit,)).fetchone()["code"]
    plans.create_draft(conn, 2080, actor=ED, locations=[code])
    plans.ratify(conn, 2080, chief="korpschef", actor=ED)

    def kinds() -> set[str]:
        return {p["kind"] for p in plans.validate(conn, 2080) if p.get("location") == code}

    assert not kinds(), "the demo's standing signature is its unit's listed prosecutor"
    units.add_prosecutor(conn, other, "mr. C. Elders", actor="admin")
    plans.set_motivation(conn, 2080, code, actor=ED, prosecutor="mr. C. Elders",
                         signed_on="2025-05-01")
    assert kinds() == {"wrong_prosecutor"}
    units.add_prosecutor(conn, unit, "mr.  c. ELDERS ", actor="admin", serves_from="2025-06-01")
    assert kinds() == {"wrong_prosecutor"}, "signed before serving the unit"
    plans.set_motivation(conn, 2080, code, actor=ED, signed_on="2025-07-01")
    assert not kinds()
    units.end_prosecutor(conn, unit, "MR. C. ELDERS", actor="admin", last_day="2025-06-15")
    assert kinds() == {"wrong_prosecutor"}, "signed after the last day served"
    with pytest.raises(BadInput):
        units.add_prosecutor(conn, "ZZ", "mr. Z", actor="admin")
    with pytest.raises(Conflict):
        units.add_prosecutor(conn, other, "MR. C.  Elders", actor="admin")
    conn.rollback()
    # the editor's validation says it in Dutch
    editor = login("editor")
    assert editor.post("/api/v1/plans/2081/draft", json={"locations": [code]}).status_code == 201
    try:
        r = editor.put(f"/api/v1/plans/2081/locations/{code}",
                       json={"prosecutor": f"mr. OvJ {other} (demo)", "signed_on": "2025-12-01"})
        assert r.status_code == 200
        problems = editor.get("/api/v1/plans/2081/validation").get_json()["problems"]
        wrong = [p for p in problems if p["kind"] == "wrong_prosecutor"]
        assert [p["location"] for p in wrong] == [code]
        assert f"niet als officier van justitie van eenheid {unit}" in wrong[0]["bericht"]
        assert editor.post("/api/v1/plans/2081/ratify", json={"chief": "x"}).status_code == 200
        assert editor.post("/api/v1/plans/2081/publish").status_code == 409
    finally:
        _drop_draft(database_url, 2081)


# -- the published layer does not follow the registry either ------------------------------

def test_an_amendments_public_feature_does_not_follow_registry_edits(demo_db, conn):
    """The public layer took a mobile camera's amendment's location name, road, hectometre
    and owner from the live registry, so renaming the location changed a published plan
    (R9). The amendment keeps them as recorded now (migration 0030)."""
    year = _year(demo_db)
    feats, _ = publication.plan_features(conn, year, filters={"mounting": "mobile"})
    before = feats[0]["properties"]
    conn.execute("UPDATE location SET name = 'Hernoemd na publicatie', road = 'X99' "
                 "WHERE code = %s", (before["code"],))
    after = publication.plan_features(conn, year, feature_id=before["feature_id"])[0][0]
    assert after["properties"]["name"] == before["name"]
    assert after["properties"]["road"] == before["road"]


# -- retention cannot be configured past the law (R1) -------------------------------------

@pytest.mark.parametrize("days", ["29", "90", "365"])
def test_retention_longer_than_28_days_is_refused_at_start_up(days):
    """A careless operator set ANPR_RETENTION_DAYS=90 and passages, photos and their day
    keys were kept 90 days: art. 126jj lid 2 Sv allows 28 (R1, R13). Refused at start-up
    with the variable's name."""
    from anpr import settings as settings_mod
    from anpr.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="ANPR_RETENTION_DAYS"):
        settings_mod.load({"ANPR_RETENTION_DAYS": days})
    assert settings_mod.load({"ANPR_RETENTION_DAYS": "28"}).retention.days == 28
    assert settings_mod.load({"ANPR_RETENTION_DAYS": "14"}).retention.days == 14


def test_the_registry_exports_a_location_whose_signature_is_void(login, conn, database_url,
                                                                  standing, tmp_path):
    """`anpr registry export` failed outright ('Could not convert object to NumPy
    datetime') as soon as one location among signed ones had a standing motivation without
    a signature date, as an editor's rewritten motivation leaves it: pandas had made the
    missing date a NaN. The export writes it as an empty DATE now, and reads back."""
    import pyogrio
    from click.testing import CliRunner

    from cli.main import main

    editor = login("editor")
    code = standing(_regular(conn)[0])
    assert editor.post("/api/v1/plans/2077/draft", json={"locations": [code]}).status_code == 201
    try:
        r = editor.put(f"/api/v1/plans/2077/locations/{code}",
                       json={"motivation": "Herschreven na ondertekening"})
        assert r.status_code == 200 and r.get_json()["signed_on"] is None
        out = tmp_path / "registry.gpkg"
        run = CliRunner().invoke(main, ["registry", "export", "-o", str(out)],
                                 env={"DATABASE_URL": database_url})
        assert run.exit_code == 0, (run.output, run.exception)
        locs = pyogrio.read_dataframe(out, layer="locations")
        row = locs[locs["code"] == code].iloc[0]
        assert row["motivation"] == "Herschreven na ondertekening"
        assert str(row["signed_on"]) in ("NaT", "None", "nan")
        assert locs["signed_on"].notna().sum() > 200
    finally:
        _drop_draft(database_url, 2077)


# -- the Dutch calendar at the edges --------------------------------------------------------

def test_an_amendment_recorded_after_midnight_in_amsterdam_is_dated_that_day(demo_db, conn):
    """An amendment recorded at 00:30 on 1 July in Amsterdam (22:30 UTC on 30 June) takes
    effect on 1 July, but the published layer dated its signature 30 June (the UTC date):
    the Staatscourant showed a mobile camera signed the day before it could be recorded."""
    plans.create_draft(conn, 2078, actor=ED)
    plans.ratify(conn, 2078, chief="korpschef", actor=ED)
    cam = conn.execute("SELECT c.id, l.unit_code FROM camera c JOIN location l ON l.id ="
                       " c.location_id WHERE c.mounting = 'mobile' AND c.status <> 'retired'"
                       " ORDER BY c.id LIMIT 1").fetchone()
    plans.set_mobile(conn, 2078, cam["unit_code"], "event", 1, actor=ED)
    plans.publish(conn, 2078, actor=ED, at=datetime(2078, 1, 1, tzinfo=UTC))
    at = datetime(2078, 6, 30, 22, 30, tzinfo=UTC)
    with pytest.raises(BadInput, match="before the day"):  # 30 June is already past there
        plans.add_amendment(conn, 2078, cam["id"], actor=ED, kind="event", criteria="c",
                            motivation="Evenement", prosecutor=demo_prosecutor(cam["unit_code"]), at=at,
                            effective_from=date(2078, 6, 30))
    rec = plans.add_amendment(conn, 2078, cam["id"], actor=ED, kind="event", criteria="c",
                              motivation="Evenement", prosecutor=demo_prosecutor(cam["unit_code"]), at=at,
                              effective_from=date(2078, 7, 1))
    feat = publication.plan_features(conn, 2078, feature_id=f"amendment-{rec['id']}")[0][0]
    assert feat["properties"]["signed_on"] == "2078-07-01"
    assert feat["properties"]["valid_from"] == "2078-07-01"
    from camera_registry.membership import cameras_in_plan

    assert cam["id"] not in cameras_in_plan(conn, at - timedelta(minutes=1))
    assert cam["id"] in cameras_in_plan(conn, at)


# -- two editors racing -----------------------------------------------------------------------

def test_publish_racing_an_edit_publishes_only_what_it_validated(demo_db, database_url, conn,
                                                                 standing):
    """One editor empties a location's motivation while another publishes: the publisher
    waits for the edit's transaction and then validates what it committed, so the plan is
    refused, never published with a motivation nobody saw validated (R9)."""
    code = standing(_regular(conn)[0])
    conn.rollback()
    with psycopg.connect(database_url, row_factory=dict_row, autocommit=True) as setup:
        setup.execute("DELETE FROM camera_plan WHERE year = 2079 AND state = 'draft'")
    try:
        with psycopg.connect(database_url, row_factory=dict_row) as c:
            plans.create_draft(c, 2079, actor=ED)
            plans.ratify(c, 2079, chief="korpschef", actor=ED)
            assert not [p for p in plans.validate(c, 2079) if p["severity"] == "error"]
            c.commit()
        outcome: dict[str, object] = {}
        with psycopg.connect(database_url, row_factory=dict_row) as edit:
            plans.set_motivation(edit, 2079, code, actor="editor-b", motivation="")
            started = threading.Event()

            def publisher() -> None:
                with psycopg.connect(database_url, row_factory=dict_row) as pub:
                    pub.execute("SET lock_timeout = '20s'")
                    started.set()
                    try:
                        outcome["result"] = plans.publish(pub, 2079, actor="editor-a")
                        pub.rollback()  # never leave a published test plan behind
                    except Exception as exc:  # noqa: BLE001  (the outcome is the test)
                        outcome["error"] = exc
                        pub.rollback()

            t = threading.Thread(target=publisher)
            t.start()
            started.wait(10)
            t.join(1.0)
            assert t.is_alive(), "the publisher must wait for the edit's lock"
            edit.commit()
            t.join(30)
        assert "result" not in outcome, outcome
        assert isinstance(outcome["error"], Conflict)
        assert ("missing_motivation", code) in {
            (p["kind"], p.get("location")) for p in outcome["error"].details["problems"]}
        with psycopg.connect(database_url, row_factory=dict_row) as c:
            assert plans.get_plan(c, 2079)["state"] == "draft"
    finally:
        with psycopg.connect(database_url, autocommit=True) as c:
            c.execute("DELETE FROM camera_plan WHERE year = 2079 AND state = 'draft'")


# -- roles at every plan route ------------------------------------------------------------------

CHANGES = [("post", "/api/v1/plans/{y}/draft", None),
           ("put", "/api/v1/plans/{y}/locations/{code}", {"motivation": "x"}),
           ("post", "/api/v1/plans/{y}/locations", {"code": "{code}"}),
           ("delete", "/api/v1/plans/{y}/locations/{code}", None),
           ("delete", "/api/v1/plans/{y}/cameras/{cam}", None),
           ("put", "/api/v1/plans/{y}/mobile", {"unit": "MN", "kind": "junction", "count": 9}),
           ("post", "/api/v1/plans/{y}/ratify", {"chief": "x"}),
           ("post", "/api/v1/plans/{y}/publish", None),
           ("post", "/api/v1/plans/{y}/amendments", {"camera": "{cam}", "kind": "junction",
                                                     "motivation": "m", "prosecutor": "p",
                                                     "effective_from": "2099-01-01"})]


def test_only_a_plan_editor_changes_a_plan_and_a_refusal_reveals_nothing(client, login, demo_db,
                                                                          conn):
    """Every change route of the plan API, for every role that is not a camera-plan editor
    (officer, requester, analyst, auditor, administrator) and for anonymous: 403 or 401,
    the same answer for a published year, a year with no plan and an unknown location or
    camera, and nothing changed."""
    import json as _json

    year = _year(demo_db)
    code = _regular(conn)[0]
    cam = conn.execute("SELECT camera_id FROM plan_camera pc JOIN camera_plan p ON p.id ="
                       " pc.plan_id WHERE p.year = %s ORDER BY 1 LIMIT 1", (year,)
                       ).fetchone()["camera_id"]
    changes_before = conn.execute("SELECT count(*) AS n FROM registry_change").fetchone()["n"]
    plans_before = plans.list_plans(conn)
    conn.rollback()
    who = [(client, 401)] + [(login(u), 403) for u in ("officer.mn", "requester.mn", "analyst.mn",
                                                         "auditor", "admin")]
    for c, status in who:
        for method, path, body in CHANGES:
            answers = set()
            for y, loc, camera in ((year, code, cam), (2093, "XX-NONE-001", "NOPE-1")):
                url = path.format(y=y, code=loc, cam=camera)
                payload = None if body is None else _json.loads(
                    _json.dumps(body).replace("{code}", loc).replace("{cam}", camera))
                kw = {} if payload is None else {"json": payload}
                if c is client and method != "get":  # anonymous: a session's CSRF token
                    token = client.get("/api/v1/session").get_json()["csrf_token"]
                    kw["headers"] = {"X-CSRF-Token": token}
                r = getattr(c, method)(url, **kw)
                assert r.status_code == status, (getattr(c, "username", "anonymous"), method,
                                                 url, r.status_code, r.get_json(silent=True))
                text = r.get_data(as_text=True)
                assert loc not in text and camera not in text and "published" not in text
                answers.add(text.replace(str(y), "Y"))
            assert len(answers) == 1, answers
    assert conn.execute("SELECT count(*) AS n FROM registry_change").fetchone()["n"] == \
        changes_before
    assert plans.list_plans(conn) == plans_before


# -- the exchange format ------------------------------------------------------------------------

def test_an_import_that_rewrites_a_signed_motivation_is_recorded_and_voids_the_signature(
        demo_db, conn, tmp_path):
    """The registry import wrote a location's imported criteria, motivation and signature
    with no registry_change record, and a rewritten motivation kept the old signing date:
    a text nobody signed, unrecorded. It is recorded now, and the rewritten text's
    signature is void unless the import carries a new signing date."""
    import pyogrio

    from camera_registry import exchange

    code = _regular(conn)[0]
    path = tmp_path / "reg.geojson"
    path.write_bytes(exchange.export_registry(conn, "geojson", "locations"))
    locs = pyogrio.read_dataframe(path)
    i = locs.index[locs["code"] == code][0]
    assert locs.loc[i, "signed_on"] is not None
    locs.loc[i, "motivation"] = "Door de import herschreven"
    edited = tmp_path / "edited.geojson"
    locs.to_file(edited, driver="GeoJSON", engine="pyogrio")
    exchange.import_registry(conn, edited, actor="editor-import", apply=True)
    row = conn.execute("SELECT m.motivation, m.signed_on FROM location_motivation m JOIN location"
                       " l ON l.id = m.location_id WHERE l.code = %s", (code,)).fetchone()
    assert row["motivation"] == "Door de import herschreven"
    recorded = conn.execute("SELECT count(*) AS n FROM registry_change WHERE actor ="
                            " 'editor-import' AND entity_key LIKE %s", (f"%{code}%",)).fetchone()
    assert recorded["n"] >= 1
    assert row["signed_on"] is None
