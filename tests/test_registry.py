"""Registry editing: every change versioned; bad edits refused with nothing changed."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from anpr.errors import BadInput, Conflict, NotFound
from camera_registry import registry

UTC = timezone.utc
ED = "editor-1"


def _count(conn, table):
    return conn.execute(f'SELECT count(*) AS n FROM "{table}"').fetchone()["n"]


def test_create_move_and_history(demo_db, conn):
    loc = registry.create_location(conn, actor=ED, code="MN-A12-901", name="A12 test",
                                   unit_code="MN", lon=5.10, lat=52.08, road="A12")
    assert loc["code"] == "MN-A12-901"
    cam = registry.create_camera(conn, actor=ED, id="MN-A12-901-R1", location_code="MN-A12-901",
                                 bearing=90, inout="in", lane=1, active_from=date(2026, 1, 1),
                                 lane_geom=[[5.0999, 52.08], [5.1001, 52.08]])
    assert cam["segment_direction"] == 1 and cam["lane_geom"]["type"] == "LineString"
    registry.update_location(conn, "MN-A12-901", actor="editor-2", lon=5.11, lat=52.081)
    registry.update_camera(conn, "MN-A12-901-R1", actor="editor-2", bearing=270, inout="out")
    changes = registry.history(conn, key="MN-A12-901")
    assert [(c["entity"], c["action"], c["actor"]) for c in changes] == [
        ("camera", "update", "editor-2"), ("location", "update", "editor-2"),
        ("camera", "create", ED), ("location", "create", ED)]
    moved = changes[1]
    assert moved["before"]["lon"] == pytest.approx(5.10) and moved["after"]["lon"] == pytest.approx(5.11)
    assert changes[0]["before"]["bearing"] == 90 and changes[0]["after"]["bearing"] == 270
    with pytest.raises(Exception):
        with conn.transaction():
            conn.execute("UPDATE registry_change SET actor = 'someone else'")


@pytest.mark.parametrize("kwargs, message", [
    (dict(code="MN-A12-902", unit_code="XX"), "unknown unit"),
    (dict(code="A12-902", unit_code="MN"), "naming scheme"),
    (dict(code="AM-A12-902", unit_code="MN"), "does not start with its unit"),
    (dict(code="MN-A12-902", unit_code="MN", lon=155000, lat=463000), "WGS84"),
    (dict(code="MN-A12-902", unit_code="MN", lon=2.0, lat=48.0), "outside the Netherlands"),
    (dict(code="MN-A12-902", unit_code="MN", owner="army"), "unknown owner"),
])
def test_bad_locations_refused(demo_db, conn, kwargs, message):
    before = (_count(conn, "location"), _count(conn, "registry_change"))
    args = dict(actor=ED, name="x", lon=5.1, lat=52.1) | kwargs
    with pytest.raises(BadInput, match=message):
        registry.create_location(conn, **args)
    assert (_count(conn, "location"), _count(conn, "registry_change")) == before


def test_duplicate_and_misnamed_cameras_refused(demo_db, conn):
    cam = conn.execute("SELECT c.id, l.code FROM camera c JOIN location l ON l.id = c.location_id "
                       "ORDER BY c.id LIMIT 1").fetchone()
    with pytest.raises(Conflict):
        registry.create_location(conn, actor=ED, code=cam["code"], name="dup",
                                 unit_code=cam["code"][:2], lon=5.1, lat=52.1)
    with pytest.raises(BadInput, match="naming scheme"):
        registry.create_camera(conn, actor=ED, id="CAM-7", location_code=cam["code"], bearing=0,
                               inout="in", lane=1, active_from=date(2026, 1, 1))
    with pytest.raises(NotFound):
        registry.update_camera(conn, "NOPE-R1", actor=ED, bearing=1)
    with pytest.raises(BadInput, match="bearing"):
        registry.update_camera(conn, cam["id"], actor=ED, bearing=400)


def test_status_periods(demo_db, conn):
    cam = conn.execute("SELECT id FROM camera WHERE status = 'active' ORDER BY id LIMIT 1"
                       ).fetchone()["id"]
    now = datetime.now(UTC)
    registry.set_status(conn, cam, actor=ED, status="roadworks", start=now - timedelta(days=1),
                        end=now + timedelta(days=6), note="groot onderhoud RWS")
    assert registry.camera_state(conn, cam)["status"] == "roadworks"
    periods = registry.status_periods(conn, cam)
    assert periods[-1]["status"] == "roadworks" and periods[-1]["note"] == "groot onderhoud RWS"
    assert registry.history(conn, "camera", cam)[0]["action"] == "status"
    with pytest.raises(BadInput):
        registry.set_status(conn, cam, actor=ED, status="broken", start=now)
    with pytest.raises(BadInput):
        registry.set_status(conn, cam, actor=ED, status="defect", start=now, end=now)


def test_privacy_masks_must_lie_inside_the_frame(demo_db, conn):
    cam = conn.execute("SELECT id FROM camera ORDER BY id LIMIT 1").fetchone()["id"]
    mask = registry.add_privacy_mask(conn, cam, actor=ED, frame_width=1280, frame_height=720,
                                     polygon=[[0, 0], [300, 0], [300, 200], [0, 200]], label="woning")
    assert [m["id"] for m in registry.privacy_masks(conn, cam)][-1] == mask["id"]
    before = (_count(conn, "privacy_mask"), _count(conn, "registry_change"))
    for bad, message in [([[1200, 600], [1400, 600], [1400, 700]], "outside"),
                         ([[-5, 0], [10, 0], [10, 10]], "outside"),
                         ([[0, 0], [100, 100], [100, 0], [0, 100]], "not a valid polygon"),
                         ([[0, 0], [1, 1]], "polygon")]:
        with pytest.raises(BadInput, match=message):
            registry.add_privacy_mask(conn, cam, actor=ED, polygon=bad, frame_width=1280,
                                      frame_height=720)
    with pytest.raises(BadInput, match="frame width"):
        registry.add_privacy_mask(conn, cam, actor=ED, polygon=[[0, 0], [5, 0], [5, 5]],
                                  frame_width=0, frame_height=720)
    assert (_count(conn, "privacy_mask"), _count(conn, "registry_change")) == before
    registry.delete_privacy_mask(conn, cam, mask["id"], actor=ED)
    assert registry.history(conn, "privacy_mask")[0]["action"] == "delete"
