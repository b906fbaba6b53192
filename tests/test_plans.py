"""The yearly camera plan: drafting, validation, publication freeze, amendments, diff (R9).

Every test works on the demo registry in a transaction that is rolled back, and uses
years far from the demo's own plans so the published demo plans stay untouched.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import psycopg
import pytest

from anpr.errors import BadInput, Conflict, NotFound
from camera_registry import plans
from camera_registry.membership import cameras_in_plan
from gis.search.coverage import coverage
from gis.search.scope import Window
from plan_support import regular as _regular
from sim.plans import demo_prosecutor

UTC = timezone.utc
ED = "editor-1"


def _publishable(conn, year: int) -> None:
    plans.create_draft(conn, year, actor=ED)
    plans.ratify(conn, year, chief="korpschef", actor=ED)


def _published(conn, year: int, at: datetime | None = None) -> None:
    _publishable(conn, year)
    plans.publish(conn, year, actor=ED, at=at or datetime(year, 1, 1, tzinfo=UTC))




def _kinds(problems, severity=None) -> set[str]:
    return {p["kind"] for p in problems if severity is None or p["severity"] == severity}


def _raw_refused(conn, sql: str, params=()) -> None:
    with pytest.raises(psycopg.errors.IntegrityConstraintViolation):
        with conn.transaction():
            conn.execute(sql, params)


def test_demo_publishes_this_and_last_years_plan(demo_db, conn):
    year = demo_db["end"].astimezone(plans.clock.AMSTERDAM).year
    listed = {p["year"]: p for p in plans.list_plans(conn)}
    assert listed[year]["state"] == listed[year - 1]["state"] == "published"
    assert listed[year]["cameras"] > 1200 and listed[year]["amendments"] > 0
    assert plans.validate(conn, year - 1) == [] or not _kinds(plans.validate(conn, year - 1), "error")
    # the demo's mobile cameras come in through amendments, last year's become prior locations
    assert plans.summary(conn, year)["prior_mobile"] == listed[year - 1]["amendments"]
    members = cameras_in_plan(conn, demo_db["end"] - timedelta(hours=1))
    mobile = {r["id"] for r in conn.execute(
        "SELECT id FROM camera WHERE mounting = 'mobile' AND status <> 'retired'").fetchall()}
    assert mobile and mobile <= members
    assert len(members) > 1200


def test_draft_copies_registry_with_motivations(demo_db, conn):
    s = plans.create_draft(conn, 2031, actor=ED)
    assert s["state"] == "draft" and s["locations"] > 250 and s["cameras"] > 1200
    row = conn.execute("SELECT criteria, motivation, prosecutor FROM plan_location pl JOIN "
                       "camera_plan p ON p.id = pl.plan_id WHERE p.year = 2031 LIMIT 1").fetchone()
    assert row["criteria"] and row["motivation"] and row["prosecutor"]
    with pytest.raises(Conflict):
        plans.create_draft(conn, 2031, actor=ED)


def test_validation_catches_each_problem_kind(demo_db, conn):
    plans.create_draft(conn, 2031, actor=ED)
    a, b, c, d = _regular(conn, 4)
    plans.set_motivation(conn, 2031, a, actor=ED, motivation="")
    plans.set_motivation(conn, 2031, b, actor=ED, criteria=[])
    plans.set_motivation(conn, 2031, c, actor=ED, prosecutor="")
    kmar = conn.execute("SELECT code FROM location WHERE owner = 'kmar' ORDER BY code LIMIT 2"
                        ).fetchall()
    plans.remove_location(conn, 2031, kmar[0]["code"], actor=ED)
    pid = plans.get_plan(conn, 2031)["id"]
    conn.execute("UPDATE plan_location SET claimed_by = NULL WHERE plan_id = %s AND location_code = %s",
                 (pid, kmar[1]["code"]))
    cam_d = conn.execute("SELECT camera_id FROM plan_camera WHERE plan_id = %s AND location_code = %s "
                         "ORDER BY camera_id", (pid, d)).fetchall()
    conn.execute("UPDATE plan_camera SET location_code = 'XX-NOWHERE-001' WHERE plan_id = %s "
                 "AND camera_id = %s", (pid, cam_d[0]["camera_id"]))
    plans.remove_camera(conn, 2031, cam_d[1]["camera_id"], actor=ED)
    conn.execute("INSERT INTO plan_camera (plan_id, camera_id, location_code) VALUES (%s, 'GHOST-1', %s)",
                 (pid, d))
    unit = conn.execute("SELECT l.unit_code FROM camera c JOIN location l ON l.id = c.location_id "
                        "WHERE c.mounting = 'mobile' LIMIT 1").fetchone()["unit_code"]
    plans.set_mobile(conn, 2031, unit, "junction", 0, actor=ED)

    problems = plans.validate(conn, 2031)
    by_kind = {k: [p for p in problems if p["kind"] == k] for k in _kinds(problems)}
    assert _kinds(problems, "error") == {"not_ratified", "missing_motivation", "missing_criteria",
                                         "missing_signature", "border_unclaimed",
                                         "camera_without_location", "unknown_camera"}
    assert _kinds(problems, "warning") == {"camera_not_in_plan", "mobile_not_declared"}
    assert [p["location"] for p in by_kind["missing_motivation"]] == [a]
    assert [p["location"] for p in by_kind["missing_criteria"]] == [b]
    assert [p["location"] for p in by_kind["missing_signature"]] == [c]
    assert {p["location"] for p in by_kind["border_unclaimed"]} == {kmar[0]["code"], kmar[1]["code"]}
    assert [p["camera"] for p in by_kind["camera_without_location"]] == [cam_d[0]["camera_id"]]
    assert [p["camera"] for p in by_kind["camera_not_in_plan"]] == [cam_d[1]["camera_id"]]
    assert problems[0]["severity"] == "error"  # errors first

    with pytest.raises(Conflict) as refused:
        plans.publish(conn, 2031, actor=ED)
    assert refused.value.details["count"] == len([p for p in problems if p["severity"] == "error"])
    assert plans.get_plan(conn, 2031)["state"] == "draft"


def test_unknown_criteria_refused_and_nothing_changed(demo_db, conn):
    plans.create_draft(conn, 2031, actor=ED)
    code = _regular(conn)[0]
    before = conn.execute("SELECT criteria FROM plan_location WHERE location_code = %s AND plan_id = %s",
                          (code, plans.get_plan(conn, 2031)["id"])).fetchone()
    with pytest.raises(BadInput, match="unknown criteria"):
        plans.set_motivation(conn, 2031, code, actor=ED, criteria=["a", "d"])
    after = conn.execute("SELECT criteria FROM plan_location WHERE location_code = %s AND plan_id = %s",
                         (code, plans.get_plan(conn, 2031)["id"])).fetchone()
    assert before == after
    with pytest.raises(BadInput):
        plans.set_motivation(conn, 2031, code, actor="", motivation="x")
    with pytest.raises(NotFound):
        plans.set_motivation(conn, 2031, "XX-NONE-001", actor=ED, motivation="x")


def test_publication_freezes_the_plan_for_good(demo_db, conn):
    _published(conn, 2032)
    assert plans.get_plan(conn, 2032)["state"] == "published"
    code = _regular(conn)[0]
    for attempt in (lambda: plans.set_motivation(conn, 2032, code, actor=ED, motivation="new"),
                    lambda: plans.remove_location(conn, 2032, code, actor=ED),
                    lambda: plans.add_location(conn, 2032, code, actor=ED),
                    lambda: plans.set_mobile(conn, 2032, "MN", "junction", 3, actor=ED),
                    lambda: plans.ratify(conn, 2032, chief="someone else", actor=ED),
                    lambda: plans.publish(conn, 2032, actor=ED)):
        with pytest.raises(Conflict, match="published"):
            attempt()
    # and the database itself refuses, whoever asks
    pid = plans.get_plan(conn, 2032)["id"]
    _raw_refused(conn, "UPDATE plan_location SET motivation = 'x' WHERE plan_id = %s", (pid,))
    _raw_refused(conn, "DELETE FROM plan_camera WHERE plan_id = %s", (pid,))
    _raw_refused(conn, "INSERT INTO plan_camera (plan_id, camera_id, location_code) "
                       "VALUES (%s, 'NEW-1', 'X')", (pid,))
    _raw_refused(conn, "UPDATE plan_mobile SET count = count + 1 WHERE plan_id = %s", (pid,))
    _raw_refused(conn, "UPDATE camera_plan SET ratified_by = 'x' WHERE id = %s", (pid,))
    _raw_refused(conn, "UPDATE camera_plan SET state = 'draft' WHERE id = %s", (pid,))
    _raw_refused(conn, "DELETE FROM camera_plan WHERE id = %s", (pid,))
    assert conn.execute("SELECT count(*) AS n FROM plan_camera WHERE plan_id = %s", (pid,)
                        ).fetchone()["n"] > 1200


def test_registry_edits_do_not_change_a_published_plan(demo_db, conn):
    _published(conn, 2032)
    code = _regular(conn)[0]
    conn.execute("UPDATE location SET geom = ST_Translate(geom, 0.01, 0) WHERE code = %s", (code,))
    row = conn.execute("SELECT ST_Distance(pl.geom::geography, l.geom::geography) AS d FROM "
                       "plan_location pl JOIN location l ON l.code = pl.location_code WHERE "
                       "pl.plan_id = %s AND pl.location_code = %s",
                       (plans.get_plan(conn, 2032)["id"], code)).fetchone()
    assert row["d"] > 500


def _mobile_camera(conn) -> dict:
    return conn.execute("SELECT c.id, l.unit_code FROM camera c JOIN location l ON "
                        "l.id = c.location_id WHERE c.mounting = 'mobile' AND c.status <> 'retired' "
                        "ORDER BY c.id LIMIT 1").fetchone()


def test_amendments_are_recorded_and_bounded(demo_db, conn):
    plans.create_draft(conn, 2033, actor=ED)
    cam = _mobile_camera(conn)
    args = dict(actor="editor-2", kind="junction", criteria="b", motivation="Inzet A2 knooppunt",
                prosecutor=demo_prosecutor(cam["unit_code"]), effective_from=date(2033, 3, 1))
    with pytest.raises(Conflict, match="draft"):
        plans.add_amendment(conn, 2033, cam["id"], **args, at=datetime(2033, 2, 1, tzinfo=UTC))
    plans.ratify(conn, 2033, chief="korpschef", actor=ED)
    plans.publish(conn, 2033, actor=ED, at=datetime(2033, 1, 1, tzinfo=UTC))
    # one mobile camera for this unit: the others are declared but not yet deployed
    plans.set_mobile  # noqa: B018  (published: counts are frozen as drafted)
    declared = conn.execute("SELECT count FROM plan_mobile m JOIN camera_plan p ON p.id = m.plan_id "
                            "WHERE p.year = 2033 AND m.unit_code = %s AND kind = 'junction'",
                            (cam["unit_code"],)).fetchone()["count"]
    assert cameras_in_plan(conn, datetime(2033, 3, 2, 12, tzinfo=UTC)).isdisjoint({cam["id"]})
    rec = plans.add_amendment(conn, 2033, cam["id"], **args, at=datetime(2033, 2, 1, tzinfo=UTC))
    assert rec["recorded_by"] == "editor-2" and rec["location"]
    listed = plans.amendments(conn, 2033)
    assert [(a["camera_id"], a["recorded_by"], a["criteria"]) for a in listed] == \
        [(cam["id"], "editor-2", ["b"])]
    assert cam["id"] in cameras_in_plan(conn, datetime(2033, 3, 2, 12, tzinfo=UTC))
    assert cam["id"] not in cameras_in_plan(conn, datetime(2033, 2, 27, 12, tzinfo=UTC))
    # the plan itself did not change
    assert plans.summary(conn, 2033)["state"] == "published"
    # bad amendments are refused and nothing is recorded
    fixed = conn.execute("SELECT id FROM camera WHERE mounting = 'fixed' LIMIT 1").fetchone()["id"]
    with pytest.raises(Conflict, match="fixed"):
        plans.add_amendment(conn, 2033, fixed, **args, at=datetime(2033, 2, 1, tzinfo=UTC))
    with pytest.raises(BadInput, match="within 2033"):
        plans.add_amendment(conn, 2033, cam["id"], **{**args, "effective_from": date(2034, 1, 2)},
                            at=datetime(2033, 2, 1, tzinfo=UTC))
    with pytest.raises(BadInput, match="before the day"):
        plans.add_amendment(conn, 2033, cam["id"], **{**args, "effective_from": date(2033, 1, 5)},
                            at=datetime(2033, 2, 1, tzinfo=UTC))
    with pytest.raises(BadInput, match="unknown criteria"):
        plans.add_amendment(conn, 2033, cam["id"], **{**args, "criteria": "x"},
                            at=datetime(2033, 2, 1, tzinfo=UTC))
    # signed by a name nobody listed, or by another unit's prosecutor: refused (R9), as a
    # plan location's signature is; the signer was free text
    other = conn.execute("SELECT unit_code FROM location WHERE unit_code <> %s LIMIT 1",
                         (cam["unit_code"],)).fetchone()["unit_code"]
    for signer in ("mr. X", demo_prosecutor(other)):
        with pytest.raises(BadInput, match="not listed as a prosecutor of unit"):
            plans.add_amendment(conn, 2033, cam["id"], **{**args, "prosecutor": signer},
                                at=datetime(2033, 2, 1, tzinfo=UTC))
    # the listed name as people write it (case, spaces) is the same name
    loose = "  " + args["prosecutor"].upper().replace(" ", "   ") + " "
    plans.add_amendment(conn, 2033, cam["id"], **{**args, "prosecutor": loose},
                        at=datetime(2033, 2, 1, tzinfo=UTC))
    for _ in range(declared - 2):
        plans.add_amendment(conn, 2033, cam["id"], **args, at=datetime(2033, 2, 1, tzinfo=UTC))
    with pytest.raises(Conflict, match="declares"):
        plans.add_amendment(conn, 2033, cam["id"], **args, at=datetime(2033, 2, 1, tzinfo=UTC))
    assert len(plans.amendments(conn, 2033)) == declared
    _raw_refused(conn, "UPDATE plan_amendment SET motivation = 'x'")
    _raw_refused(conn, "DELETE FROM plan_amendment")


def test_only_cameras_in_the_published_plan_of_the_year_may_store(demo_db, conn):
    """R9: plan membership decides; a draft, an unpublished year or a removed camera do not."""
    plans.create_draft(conn, 2034, actor=ED)
    code = _regular(conn)[0]
    cams = [r["id"] for r in conn.execute("SELECT c.id FROM camera c JOIN location l ON "
                                          "l.id = c.location_id WHERE l.code = %s AND "
                                          "c.status <> 'retired'", (code,)).fetchall()]
    plans.remove_camera(conn, 2034, cams[0], actor=ED)
    in_draft = datetime(2034, 6, 1, 12, tzinfo=UTC)
    assert cameras_in_plan(conn, in_draft) == set()  # a draft stores nothing
    plans.ratify(conn, 2034, chief="korpschef", actor=ED)
    plans.publish(conn, 2034, actor=ED, at=datetime(2034, 1, 15, tzinfo=UTC))
    members = cameras_in_plan(conn, in_draft)
    assert cams[0] not in members and set(cams[1:]) <= members
    assert cameras_in_plan(conn, datetime(2034, 1, 10, tzinfo=UTC)) == set()  # before publication
    assert cameras_in_plan(conn, datetime(2035, 1, 1, 12, tzinfo=UTC)) == set()  # no plan yet
    # the plan year is the Dutch calendar year: 23:30 UTC on 31 Dec 2034 is already 2035
    assert cameras_in_plan(conn, datetime(2034, 12, 31, 23, 30, tzinfo=UTC)) == set()
    with pytest.raises(ValueError):
        cameras_in_plan(conn, datetime(2034, 6, 1))


def test_a_planned_camera_stores_only_where_the_plan_put_it(demo_db, conn):
    """R9: the published plan names each camera at a location, at the position it recorded,
    and never changes. Membership asked only for the camera's id: a location moved across
    town in the registry, or a camera moved to another location, kept storing passages at
    a place the plan does not list. A corrected position (tens of metres) is the same
    place; a move of a kilometre, or to another location, is not."""
    plans.create_draft(conn, 2039, actor=ED)
    here, there = _regular(conn, 2)
    cams = lambda code: [r["id"] for r in conn.execute(  # noqa: E731
        "SELECT c.id FROM camera c JOIN location l ON l.id = c.location_id WHERE l.code = %s"
        " AND c.status <> 'retired' ORDER BY c.id", (code,)).fetchall()]
    first, *rest = cams(here)
    plans.ratify(conn, 2039, chief="korpschef", actor=ED)
    plans.publish(conn, 2039, actor=ED, at=datetime(2039, 1, 1, tzinfo=UTC))
    at = datetime(2039, 5, 1, 12, tzinfo=UTC)
    assert {first, *rest} <= cameras_in_plan(conn, at)
    # a corrected position, 30 m east: still the planned place
    conn.execute("UPDATE location SET geom = ST_Translate(geom, 0.0004, 0) WHERE code = %s",
                 (here,))
    assert {first, *rest} <= cameras_in_plan(conn, at)
    # the location moved 1.4 km: none of its cameras is the plan's any more, and a
    # search's coverage says so from the moment the registry recorded the move
    conn.execute("UPDATE location SET geom = ST_Translate(geom, 0.02, 0) WHERE code = %s",
                 (here,))
    assert not {first, *rest} & cameras_in_plan(conn, at)
    moved = conn.execute("SELECT moved_at FROM location WHERE code = %s", (here,)).fetchone()[
        "moved_at"]
    window = Window(moved - timedelta(hours=1), moved + timedelta(hours=1))
    gaps = [g for g in coverage(conn, (first,), window)["gaps"] if g["reason"] == "not_in_plan"]
    assert [(g["gap_start"], g["gap_end"]) for g in gaps] == [(moved, window.end)], gaps
    conn.execute("UPDATE location SET geom = ST_Translate(geom, -0.0204, 0) WHERE code = %s",
                 (here,))
    assert {first, *rest} <= cameras_in_plan(conn, at)
    # a camera moved to another location in the registry: not the plan's camera there
    conn.execute("UPDATE camera SET location_id = (SELECT id FROM location WHERE code = %s)"
                 " WHERE id = %s", (there, first))
    members = cameras_in_plan(conn, at)
    assert first not in members and set(rest) <= members


def test_diff_on_a_constructed_pair_of_plans(demo_db, conn):
    a, b, c, d = _regular(conn, 4)
    plans.create_draft(conn, 2036, actor=ED)
    plans.remove_location(conn, 2036, a, actor=ED)              # a: added in 2037
    conn.execute("UPDATE location SET geom = ST_Translate(geom, 0.002, 0) WHERE code = %s", (d,))
    moved_cam = conn.execute("SELECT c.id FROM camera c JOIN location l ON l.id = c.location_id "
                             "WHERE l.code = %s ORDER BY c.id LIMIT 1", (d,)).fetchone()["id"]
    conn.execute("UPDATE camera SET lane_geom = ST_Translate(lane_geom, 0.002, 0) WHERE id = %s",
                 (moved_cam,))
    plans.create_draft(conn, 2037, actor=ED)
    plans.remove_location(conn, 2037, b, actor=ED)              # b: removed in 2037
    plans.set_motivation(conn, 2037, c, actor=ED, criteria=["a", "c"])
    out = plans.diff(conn, 2036, 2037)
    cams = lambda code: sorted(r["id"] for r in conn.execute(  # noqa: E731
        "SELECT c.id FROM camera c JOIN location l ON l.id = c.location_id WHERE l.code = %s "
        "AND c.status <> 'retired' AND c.mounting = 'fixed'", (code,)).fetchall())
    assert [r["code"] for r in out["locations_added"]] == [a]
    assert [r["code"] for r in out["locations_removed"]] == [b]
    assert [r["code"] for r in out["locations_moved"]] == [d]
    assert 100 < out["locations_moved"][0]["moved_m"] < 200
    assert [(r["code"], r["criteria_to"]) for r in out["criteria_changed"]] == [(c, ["a", "c"])]
    assert sorted(r["camera"] for r in out["cameras_added"]) == cams(a)
    assert sorted(r["camera"] for r in out["cameras_removed"]) == cams(b)
    assert [r["camera"] for r in out["cameras_moved"]] == [moved_cam]
    assert out["counts"]["locations_added"] == 1
    with pytest.raises(NotFound):
        plans.diff(conn, 2036, 2099)
