"""The registry editing API: each endpoint as a camera-plan editor, who is recorded with
every change; refusals by role; bad input answered 400/404 with nothing changed."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

API = "/api/v1/registry"
PREFIX = "MN-ZZ7-"  # this module's scratch locations; removed again after each test
LOC = {"code": "MN-ZZ7-101", "name": "ZZ7 testlocatie", "unit_code": "MN", "lon": 5.12,
       "lat": 52.09, "road": "ZZ7", "hectometre": 12.3}
LANE = {"type": "LineString", "coordinates": [[5.1195, 52.0900], [5.1205, 52.0901]]}


def _state(conn) -> dict:
    """Everything a refused edit must leave alone."""
    conn.rollback()
    return conn.execute(
        "SELECT (SELECT count(*) FROM location) AS l, (SELECT count(*) FROM camera) AS c,"
        " (SELECT count(*) FROM registry_change) AS h, (SELECT count(*) FROM privacy_mask) AS m,"
        " (SELECT count(*) FROM camera_status_period) AS s,"
        " (SELECT md5(string_agg(code || ST_AsText(geom) || name, ',' ORDER BY code))"
        "    FROM location WHERE code LIKE 'MN-ZZ7-%') AS g").fetchone()


@pytest.fixture
def editor(login, demo_db, database_url):
    """The editor's client; the scratch locations and cameras are deleted afterwards so
    other modules see the demo registry unchanged (the history stays: it is append-only)."""
    import psycopg

    yield login("editor")
    with psycopg.connect(database_url) as c:
        c.execute("DELETE FROM camera WHERE id LIKE %s", (PREFIX + "%",))
        c.execute("DELETE FROM location WHERE code LIKE %s", (PREFIX + "%",))


def _place(editor, **over) -> dict:
    r = editor.post(f"{API}/locations", json=LOC | over)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _camera(editor, code="MN-ZZ7-101", lane=1, **over) -> dict:
    body = {"id": f"{code}-R{lane}", "location_code": code, "bearing": 88.5, "inout": "in",
            "lane": lane, "active_from": "2026-01-01", "lane_geom": LANE} | over
    r = editor.post(f"{API}/cameras", json=body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_place_move_and_history_name_the_editor(editor, conn):
    loc = _place(editor)
    assert loc["code"] == "MN-ZZ7-101" and loc["lon"] == pytest.approx(5.12)
    before = datetime.now(timezone.utc)
    r = editor.patch(f"{API}/locations/MN-ZZ7-101", json={"lon": 5.1234, "lat": 52.0912})
    assert r.status_code == 200 and r.get_json()["lat"] == pytest.approx(52.0912)
    got = editor.get(f"{API}/locations/MN-ZZ7-101").get_json()
    assert got["lon"] == pytest.approx(5.1234) and got["cameras"] == []
    changes = editor.get(f"{API}/locations/MN-ZZ7-101/history").get_json()["changes"]
    assert [(c["action"], c["actor"]) for c in changes] == [("update", "editor"),
                                                            ("create", "editor")]
    move = changes[0]
    assert move["before"]["lon"] == pytest.approx(5.12) and move["after"]["lon"] == pytest.approx(5.1234)
    assert datetime.fromisoformat(move["at"]) >= before - timedelta(seconds=5)
    r = editor.patch(f"{API}/locations/MN-ZZ7-101", json={"name": "ZZ7 hernoemd", "owner": "kmar"})
    assert r.get_json()["name"] == "ZZ7 hernoemd" and r.get_json()["owner"] == "kmar"


@pytest.mark.parametrize("body, status, message", [
    (LOC | {"lon": 2.0, "lat": 48.0}, 400, "outside the Netherlands"),
    (LOC | {"lon": 155000, "lat": 463000}, 400, "WGS84"),
    (LOC | {"code": "A12-1"}, 400, "naming scheme"),
    (LOC | {"unit_code": "XX"}, 400, "unknown unit"),
    (LOC | {"lon": "5.1"}, 400, "must be a number"),
    (LOC | {"owner": "army"}, 400, "unknown owner"),
    (LOC | {"colour": "red"}, 400, "unknown field"),
    ({k: v for k, v in LOC.items() if k != "lat"}, 400, "lat is required"),
])
def test_bad_locations_change_nothing(editor, conn, body, status, message):
    before = _state(conn)
    r = editor.post(f"{API}/locations", json=body)
    assert r.status_code == status and message in r.get_json()["message"]
    assert _state(conn) == before


def test_bad_moves_and_unknown_locations(editor, conn):
    _place(editor)
    before = _state(conn)
    for body, message in [({"lon": 7.5, "lat": 50.5}, "outside the Netherlands"),
                          ({"lon": 5.2}, "both lon and lat"),
                          ({"name": "  "}, "needs a name"),
                          ({"code": "MN-ZZ7-102"}, "unknown field")]:
        r = editor.patch(f"{API}/locations/MN-ZZ7-101", json=body)
        assert r.status_code == 400 and message in r.get_json()["message"], r.get_json()
    r = editor.patch(f"{API}/locations/MN-ZZ7-101", data="lon=5", content_type="text/plain")
    assert r.status_code == 400
    assert _state(conn) == before
    assert editor.post(f"{API}/locations", json=LOC).status_code == 409
    for path in ("/locations/MN-ZZ7-999", "/locations/MN-ZZ7-999/history"):
        r = editor.get(API + path)
        assert r.status_code == 404 and "MN-ZZ7-999" in r.get_json()["message"]
    assert editor.patch(f"{API}/locations/MN-ZZ7-999", json={"name": "x"}).status_code == 404
    assert _state(conn) == before


def test_cameras_lane_direction_and_history(editor, conn):
    _place(editor)
    cam = _camera(editor)
    assert cam["lane_geom"]["type"] == "LineString" and cam["segment_direction"] == 1
    r = editor.patch(f"{API}/cameras/MN-ZZ7-101-R1", json={
        "bearing": 268.0, "inout": "out", "facing": "rear", "active_to": "2026-12-31",
        "lane_geom": {"type": "LineString", "coordinates": LANE["coordinates"][::-1]}})
    body = r.get_json()
    assert r.status_code == 200, body
    assert body["bearing"] == 268.0 and body["inout"] == "out" and body["facing"] == "rear"
    assert body["lane_geom"]["coordinates"][0] == pytest.approx(LANE["coordinates"][1])
    assert body["active_to"] == "2026-12-31"
    got = editor.get(f"{API}/cameras/MN-ZZ7-101-R1").get_json()
    assert got["frame"] == {"width": 1920, "height": 1080} and got["masks"] == []
    assert [c["id"] for c in editor.get(f"{API}/locations/MN-ZZ7-101").get_json()["cameras"]] == [
        "MN-ZZ7-101-R1"]
    changes = editor.get(f"{API}/cameras/MN-ZZ7-101-R1/history").get_json()["changes"]
    assert [(c["entity"], c["action"], c["actor"]) for c in changes] == [
        ("camera", "update", "editor"), ("camera", "create", "editor")]
    assert changes[0]["before"]["bearing"] == 88.5 and changes[0]["after"]["bearing"] == 268.0
    loc_changes = editor.get(f"{API}/locations/MN-ZZ7-101/history").get_json()["changes"]
    assert {c["entity"] for c in loc_changes} == {"location", "camera"}


@pytest.mark.parametrize("over, status, message", [
    ({"lane_geom": {"type": "LineString", "coordinates": [[2.0, 48.0], [2.1, 48.1]]}}, 400,
     "outside the Netherlands"),
    ({"lane_geom": {"type": "LineString", "coordinates": [[5.12, 52.09]]}}, 400, "two"),
    ({"lane_geom": {"type": "Polygon", "coordinates": [[[5.1, 52], [5.2, 52], [5.1, 52.1],
                                                         [5.1, 52]]]}}, 400, "LineString"),
    ({"bearing": 400}, 400, "bearing"),
    ({"inout": "sideways"}, 400, "inout"),
    ({"lane": "1"}, 400, "whole number"),
    ({"id": "MN-ZZ7-101-X1"}, 400, "naming scheme"),
    ({"active_from": "gisteren"}, 400, "not a date"),
    ({"location_code": "MN-ZZ7-999", "id": "MN-ZZ7-999-R1"}, 404, "MN-ZZ7-999"),
])
def test_bad_cameras_change_nothing(editor, conn, over, status, message):
    _place(editor)
    before = _state(conn)
    body = {"id": "MN-ZZ7-101-R1", "location_code": "MN-ZZ7-101", "bearing": 90, "inout": "in",
            "lane": 1, "active_from": "2026-01-01", "lane_geom": LANE} | over
    r = editor.post(f"{API}/cameras", json=body)
    assert r.status_code == status and message in r.get_json()["message"], r.get_json()
    assert _state(conn) == before


def test_bad_camera_edits_change_nothing(editor, conn):
    _place(editor)
    _camera(editor)
    before = _state(conn)
    for body, message in [({"bearing": -5}, "bearing"), ({"active_to": "2025-01-01"}, "before"),
                          ({"lane": 2}, "unknown field"),
                          ({"lane_geom": {"type": "LineString",
                                          "coordinates": [[9.9, 55.0], [9.91, 55.0]]}},
                           "outside the Netherlands")]:
        r = editor.patch(f"{API}/cameras/MN-ZZ7-101-R1", json=body)
        assert r.status_code == 400 and message in r.get_json()["message"], (body, r.get_json())
    assert _state(conn) == before
    for method, path in [("get", "/cameras/MN-ZZ7-101-R9"), ("patch", "/cameras/MN-ZZ7-101-R9"),
                         ("get", "/cameras/MN-ZZ7-101-R9/history"),
                         ("get", "/cameras/MN-ZZ7-101-R9/status"),
                         ("get", "/cameras/MN-ZZ7-101-R9/masks"),
                         ("get", "/cameras/MN-ZZ7-101-R9/frame.png")]:
        kw = {"json": {"bearing": 1}} if method == "patch" else {}
        r = getattr(editor, method)(API + path, **kw)
        assert r.status_code == 404, (path, r.status_code)
    assert _state(conn) == before


def test_status_periods(editor, conn):
    _place(editor)
    _camera(editor)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    r = editor.post(f"{API}/cameras/MN-ZZ7-101-R1/status", json={
        "status": "roadworks", "start": (now - timedelta(hours=1)).isoformat(),
        "end": (now + timedelta(days=2)).isoformat(), "note": "groot onderhoud"})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["status"] == "roadworks"
    future = editor.post(f"{API}/cameras/MN-ZZ7-101-R1/status", json={
        "status": "defect", "start": "2030-01-01T00:00:00+01:00"})
    assert future.status_code == 201 and future.get_json()["status"] == "roadworks"
    periods = editor.get(f"{API}/cameras/MN-ZZ7-101-R1/status").get_json()["periods"]
    assert [(p["status"], p["note"]) for p in periods] == [("roadworks", "groot onderhoud"),
                                                           ("defect", None)]
    assert datetime.fromisoformat(periods[1]["start"]) == datetime(2029, 12, 31, 23, tzinfo=timezone.utc)
    assert periods[1]["end"] is None
    assert editor.get(f"{API}/cameras/MN-ZZ7-101-R1").get_json()["status_periods"] == periods
    last = editor.get(f"{API}/cameras/MN-ZZ7-101-R1/history").get_json()["changes"][0]
    assert last["action"] == "status" and last["actor"] == "editor"
    before = _state(conn)
    for body, message in [({"status": "broken", "start": now.isoformat()}, "unknown status"),
                          ({"status": "defect", "start": "2026-05-01T08:00"}, "offset"),
                          ({"status": "defect"}, "start"),
                          ({"status": "defect", "start": now.isoformat(),
                            "end": (now - timedelta(hours=1)).isoformat()}, "end after"),
                          ({"status": "defect", "start": "soon"}, "not a time")]:
        r = editor.post(f"{API}/cameras/MN-ZZ7-101-R1/status", json=body)
        assert r.status_code == 400 and message in r.get_json()["message"], (body, r.get_json())
    assert editor.post(f"{API}/cameras/MN-ZZ7-101-R9/status",
                       json={"status": "defect", "start": now.isoformat()}).status_code == 404
    assert _state(conn) == before


def test_privacy_masks_on_the_reference_frame(editor, conn):
    from io import BytesIO

    from PIL import Image

    _place(editor)
    _camera(editor)
    frame = editor.get(f"{API}/cameras/MN-ZZ7-101-R1/frame.png")
    assert frame.status_code == 200 and frame.mimetype == "image/png"
    assert Image.open(BytesIO(frame.data)).size == (1920, 1080)
    square = [[100, 100], [400, 100], [400, 300], [100, 300], [100, 100]]
    r = editor.post(f"{API}/cameras/MN-ZZ7-101-R1/masks", json={
        "polygon": square, "frame_width": 1280, "frame_height": 720, "label": "voortuin"})
    assert r.status_code == 201, r.get_json()
    mask = r.get_json()
    listed = editor.get(f"{API}/cameras/MN-ZZ7-101-R1/masks").get_json()
    assert listed["frame"] == {"width": 1280, "height": 720}
    assert [m["polygon"] for m in listed["masks"]] == [square]
    small = editor.get(f"{API}/cameras/MN-ZZ7-101-R1/frame.png")
    assert Image.open(BytesIO(small.data)).size == (1280, 720)
    before = _state(conn)
    for body, message in [
        ({"polygon": [[1200, 600], [1300, 600], [1300, 700]]}, "outside"),
        ({"polygon": [[-1, 0], [10, 0], [10, 10]]}, "outside"),
        ({"polygon": [[0, 0], [100, 100], [100, 0], [0, 100]]}, "not a valid polygon"),
        ({"polygon": [[0, 0], [1, 1]]}, "at least three"),
        ({"polygon": "vierkant"}, "polygon"),
        ({}, "polygon"),
        ({"polygon": square, "frame_width": 0}, "frame width"),
        ({"polygon": square, "frame_width": "1280"}, "whole number"),
    ]:
        body = {"frame_width": 1280, "frame_height": 720} | body
        r = editor.post(f"{API}/cameras/MN-ZZ7-101-R1/masks", json=body)
        assert r.status_code == 400 and message in r.get_json()["message"], (body, r.get_json())
    assert editor.get(f"{API}/cameras/MN-ZZ7-101-R1/frame.png?width=x").status_code == 400
    assert editor.get(f"{API}/cameras/MN-ZZ7-101-R1/frame.png?width=99999").status_code == 400
    assert editor.delete(f"{API}/cameras/MN-ZZ7-101-R1/masks/{mask['id'] + 1000}").status_code == 404
    assert _state(conn) == before
    r = editor.delete(f"{API}/cameras/MN-ZZ7-101-R1/masks/{mask['id']}")
    assert r.status_code == 200
    assert editor.get(f"{API}/cameras/MN-ZZ7-101-R1/masks").get_json()["masks"] == []
    changes = editor.get(f"{API}/cameras/MN-ZZ7-101-R1/history").get_json()["changes"]
    assert [(c["entity"], c["action"], c["actor"]) for c in changes[:2]] == [
        ("privacy_mask", "delete", "editor"), ("privacy_mask", "create", "editor")]


WRITES = [("post", "/locations", LOC), ("patch", "/locations/MN-ZZ7-101", {"name": "x"}),
          ("post", "/cameras", {"id": "MN-ZZ7-101-R1"}),
          ("patch", "/cameras/MN-ZZ7-101-R1", {"bearing": 1}),
          ("post", "/cameras/MN-ZZ7-101-R1/status", {"status": "defect"}),
          ("post", "/cameras/MN-ZZ7-101-R1/masks", {"polygon": []}),
          ("delete", "/cameras/MN-ZZ7-101-R1/masks/1", None)]
EDITOR_READS = ["/locations/MN-ZZ7-101", "/cameras/MN-ZZ7-101-R1",
                "/cameras/MN-ZZ7-101-R1/status", "/cameras/MN-ZZ7-101-R1/masks",
                "/cameras/MN-ZZ7-101-R1/frame.png"]
HISTORY = ["/locations/MN-ZZ7-101/history", "/cameras/MN-ZZ7-101-R1/history"]


def test_refused_to_other_roles_and_anonymous(editor, login, client, conn):
    _place(editor)
    _camera(editor)
    before = _state(conn)
    officer, auditor = login("officer.mn"), login("auditor")
    for method, path, body in WRITES:
        kw = {"json": body} if body is not None else {}
        assert getattr(officer, method)(API + path, **kw).status_code == 403, path
        assert getattr(auditor, method)(API + path, **kw).status_code == 403, path
        assert getattr(client, method)(API + path, **kw).status_code in (401, 403), path
    for path in EDITOR_READS:
        assert officer.get(API + path).status_code == 403, path
        assert auditor.get(API + path).status_code == 403, path
        assert client.get(API + path).status_code == 401, path
    for path in HISTORY:
        assert officer.get(API + path).status_code == 403, path
        assert client.get(API + path).status_code == 401, path
        assert auditor.get(API + path).status_code == 200, path
        assert login("admin").get(API + path).status_code == 200, path
    # an editor without the session's CSRF token is refused too
    r = editor.client.patch(f"{API}/locations/MN-ZZ7-101", json={"name": "zonder token"})
    assert r.status_code == 403 and "CSRF" in r.get_json()["message"]
    assert _state(conn) == before


def test_editor_page_is_for_editors(editor, login, client):
    r = editor.get("/registry")
    assert r.status_code == 200 and "registry_editor.js" in r.get_data(as_text=True)
    assert login("officer.mn").get("/registry").status_code == 403
    r = client.get("/registry")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_a_camera_needs_a_lane_or_a_bearing_to_become_active(editor, conn):
    _place(editor)
    before = _state(conn)
    body = {"id": "MN-ZZ7-101-R1", "location_code": "MN-ZZ7-101", "inout": "in", "lane": 1,
            "active_from": "2026-01-01"}
    r = editor.post(f"{API}/cameras", json=body)
    assert r.status_code == 400 and "lane (lane_geom) or a bearing" in r.get_json()["message"]
    assert _state(conn) == before
    # a lane alone gives the bearing from its drawing (east, a little north: about 81 degrees)
    cam = editor.post(f"{API}/cameras", json=body | {"lane_geom": LANE}).get_json()
    assert cam["status"] == "active" and cam["bearing"] == pytest.approx(81.2, abs=0.5)
    # a stated bearing alone is enough; 0 (north) is a bearing like any other
    cam = editor.post(f"{API}/cameras", json=body | {"id": "MN-ZZ7-101-R2", "lane": 2,
                                                     "bearing": 0}).get_json()
    assert cam["status"] == "active" and cam["bearing"] == 0 and cam["lane_geom"] is None


def _flat(coords) -> list[float]:
    return [v for point in coords for v in point]


def test_a_move_carries_the_lanes_along_and_moves_back(editor, conn):
    _place(editor)
    _camera(editor)
    _camera(editor, lane=2, lane_geom=None, bearing=90)  # no lane: nothing to carry
    r = editor.patch(f"{API}/locations/MN-ZZ7-101", json={"lon": 5.121, "lat": 52.0905,
                                                          "move_lanes": True})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["lanes_moved"] == ["MN-ZZ7-101-R1"]
    got = editor.get(f"{API}/locations/MN-ZZ7-101").get_json()
    lane = next(c for c in got["cameras"] if c["id"] == "MN-ZZ7-101-R1")["lane_geom"]
    for (x, y), (x0, y0) in zip(lane["coordinates"], LANE["coordinates"]):
        assert x == pytest.approx(x0 + 0.001, abs=1e-7) and y == pytest.approx(y0 + 0.0005, abs=1e-7)
    changes = editor.get(f"{API}/locations/MN-ZZ7-101/history").get_json()["changes"]
    assert [(c["entity"], c["action"]) for c in changes[:2]] == [("camera", "update"),
                                                                 ("location", "update")]
    # the editor's undo: back to the old place, lanes along
    r = editor.patch(f"{API}/locations/MN-ZZ7-101", json={"lon": 5.12, "lat": 52.09,
                                                          "move_lanes": True})
    lane = editor.get(f"{API}/cameras/MN-ZZ7-101-R1").get_json()["lane_geom"]
    assert _flat(lane["coordinates"]) == pytest.approx(_flat(LANE["coordinates"]), abs=1e-7)
    # without move_lanes the lanes stay; a lane shifted out of the country is refused whole
    editor.patch(f"{API}/locations/MN-ZZ7-101", json={"lon": 5.13, "lat": 52.09})
    lane = editor.get(f"{API}/cameras/MN-ZZ7-101-R1").get_json()["lane_geom"]
    assert _flat(lane["coordinates"]) == pytest.approx(_flat(LANE["coordinates"]), abs=1e-7)
    before = _state(conn)
    for body, message in [({"lon": 5.2, "lat": 52.1, "move_lanes": "ja"}, "true or false")]:
        r = editor.patch(f"{API}/locations/MN-ZZ7-101", json=body)
        assert r.status_code == 400 and message in r.get_json()["message"]
    assert _state(conn) == before


def _photo(width: int = 640, height: int = 360) -> bytes:
    """A frame with fine detail everywhere (a checkerboard of 2-pixel squares)."""
    from io import BytesIO

    import numpy as np
    import uuid

    from PIL import Image, PngImagePlugin

    y, x = np.mgrid[0:height, 0:width]
    board = (((x // 2) + (y // 2)) % 2 * 255).astype(np.uint8)
    buf = BytesIO()
    # a fresh text chunk each time: the vault is content-addressed and may outlive a test run
    info = PngImagePlugin.PngInfo()
    info.add_text("run", uuid.uuid4().hex)
    Image.fromarray(np.stack([board] * 3, axis=2)).save(buf, format="PNG", pnginfo=info)
    return buf.getvalue()


def test_an_uploaded_frame_comes_back_blurred_and_is_kept_nowhere(editor, conn):
    from io import BytesIO

    import numpy as np
    from PIL import Image

    _place(editor)
    _camera(editor)
    before = _state(conn)
    r = editor.post(f"{API}/cameras/MN-ZZ7-101-R1/frame", data=_photo(),
                    headers={"Content-Type": "image/png"})
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert r.mimetype == "image/png" and r.headers["Cache-Control"] == "no-store"
    assert (r.headers["X-Frame-Width"], r.headers["X-Frame-Height"]) == ("640", "360")
    out = np.asarray(Image.open(BytesIO(r.data)).convert("L"), dtype=float)
    assert out.shape == (360, 640)
    # the 2-pixel checkerboard is gone: neighbouring pixels no longer alternate 0/255
    assert np.abs(np.diff(out, axis=1)).mean() < 20
    # as a form upload too
    r = editor.post(f"{API}/cameras/MN-ZZ7-101-R1/frame",
                    data={"frame": (BytesIO(_photo(320, 200)), "view.png")},
                    content_type="multipart/form-data")
    assert r.status_code == 200 and r.headers["X-Frame-Width"] == "320"
    for data, message in [(b"", "send the frame"), (b"not an image", "cannot be used")]:
        r = editor.post(f"{API}/cameras/MN-ZZ7-101-R1/frame", data=data,
                        headers={"Content-Type": "image/png"})
        assert r.status_code == 400 and message in r.get_json()["message"]
    assert editor.post(f"{API}/cameras/MN-ZZ7-101-R9/frame", data=_photo(),
                       headers={"Content-Type": "image/png"}).status_code == 404
    assert _state(conn) == before  # no row anywhere: nothing of the upload is kept


def test_the_cameras_own_frame_comes_back_blurred_all_over(editor, conn, app, database_url,
                                                           demo_db):
    from io import BytesIO

    import numpy as np
    import psycopg
    from PIL import Image

    from ingest.images import Keyring, PhotoVault, master_key, open_store

    _place(editor)
    _camera(editor)
    assert editor.get(f"{API}/cameras/MN-ZZ7-101-R1/camera-frame.png").status_code == 404
    s = app.config["ANPR_SETTINGS"]
    vault = PhotoVault(open_store(s.intake, s.database.home),
                       Keyring(database_url, master_key(s.intake, s.database.home)))
    # as if the detector had stored it, on a day inside the demo's retention window
    key = vault.put(demo_db["end"].date(), _photo(800, 450))
    with psycopg.connect(database_url) as c:
        fid = c.execute(
            "INSERT INTO detector_frame (camera_id, captured_at, image_key, state, blurred_key, "
            "done_at) VALUES ('MN-ZZ7-101-R1', now(), %s, 'done', %s, now()) RETURNING id",
            (key, key)).fetchone()[0]
    try:
        r = editor.get(f"{API}/cameras/MN-ZZ7-101-R1/camera-frame.png")
        assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
        assert (r.headers["X-Frame-Width"], r.headers["X-Frame-Height"]) == ("800", "450")
        out = np.asarray(Image.open(BytesIO(r.data)).convert("L"), dtype=float)
        assert out.shape == (450, 800) and np.abs(np.diff(out, axis=1)).mean() < 20
        assert login_refused(app, "officer.mn", f"{API}/cameras/MN-ZZ7-101-R1/camera-frame.png")
    finally:
        with psycopg.connect(database_url) as c:
            c.execute("DELETE FROM detector_frame WHERE id = %s", (fid,))


def login_refused(app, username: str, path: str) -> bool:
    from conftest import SessionClient

    return SessionClient(app, username).get(path).status_code == 403


def _activate(editor, camera: str, status: str = "active"):
    return editor.post(f"{API}/cameras/{camera}/status", json={
        "status": status, "start": datetime.now(timezone.utc).isoformat()})


def test_a_camera_becomes_active_only_with_its_lane_and_bearing_agreeing(editor, conn):
    """R9: an active camera's passages are read by direction; a lane drawn against its
    bearing, or left behind when its location moved, is refused before it becomes active."""
    _place(editor)
    cam = _camera(editor)["id"]
    assert _activate(editor, cam, "defect").status_code == 201
    # The bearing turned round while the lane still runs east: activation is refused.
    assert editor.patch(f"{API}/cameras/{cam}", json={"bearing": 270}).status_code == 200
    before = _state(conn)
    r = _activate(editor, cam)
    assert r.status_code == 409, r.get_json()
    msg = r.get_json()["message"]
    assert "cannot become active" in msg and "drawn towards 81 degrees" in msg \
        and "bearing is 270" in msg, msg
    assert _state(conn) == before
    assert editor.get(f"{API}/cameras/{cam}").get_json()["status"] == "defect"
    # Redrawing the lane without a bearing gives the bearing from the drawing: consistent.
    west = {"type": "LineString", "coordinates": LANE["coordinates"][::-1]}
    body = editor.patch(f"{API}/cameras/{cam}", json={"lane_geom": west}).get_json()
    assert body["bearing"] == pytest.approx(261.2, abs=0.5)
    r = _activate(editor, cam)
    assert r.status_code == 201 and r.get_json()["status"] == "active", r.get_json()


def test_a_location_moved_without_its_lanes_keeps_its_cameras_from_becoming_active(editor, conn):
    _place(editor)
    cam = _camera(editor)["id"]
    assert _activate(editor, cam, "roadworks").status_code == 201
    # About 700 m east, the lanes left where they were.
    assert editor.patch(f"{API}/locations/MN-ZZ7-101",
                        json={"lon": 5.13, "lat": 52.09}).status_code == 200
    r = _activate(editor, cam)
    assert r.status_code == 409 and "from location MN-ZZ7-101" in r.get_json()["message"] \
        and "move the lanes with the location" in r.get_json()["message"], r.get_json()
    # Moved back with the lanes: the camera may become active again.
    assert editor.patch(f"{API}/locations/MN-ZZ7-101",
                        json={"lon": 5.12, "lat": 52.09}).status_code == 200
    assert _activate(editor, cam).status_code == 201


def test_a_new_camera_with_a_lane_against_its_bearing_is_refused(editor, conn):
    _place(editor)
    before = _state(conn)
    body = {"id": "MN-ZZ7-101-R1", "location_code": "MN-ZZ7-101", "bearing": 270,
            "inout": "in", "lane": 1, "active_from": "2026-01-01", "lane_geom": LANE}
    r = editor.post(f"{API}/cameras", json=body)
    assert r.status_code == 400 and "drawn towards 81 degrees" in r.get_json()["message"]
    far = {"type": "LineString", "coordinates": [[5.1595, 52.09], [5.1605, 52.0901]]}
    r = editor.post(f"{API}/cameras", json=body | {"bearing": 81, "lane_geom": far})
    assert r.status_code == 400 and "m from location MN-ZZ7-101" in r.get_json()["message"]
    assert _state(conn) == before


def test_out_of_range_hectometre_is_a_400_not_a_500(editor, conn):
    before = _state(conn)
    r = editor.post(f"{API}/locations", json=LOC | {"hectometre": 1e12})
    assert r.status_code == 400 and "hectometre" in r.get_json()["message"], r.get_json()
    assert _state(conn) == before
    _place(editor)
    before = _state(conn)
    r = editor.patch(f"{API}/locations/MN-ZZ7-101", json={"hectometre": -3})
    assert r.status_code == 400 and "hectometre" in r.get_json()["message"], r.get_json()
    assert _state(conn) == before


def test_a_large_frame_upload_is_read_up_to_its_own_limit(editor):
    """The frame route takes up to 25 MB (a camera's full frame), beyond the app's 8 MB for
    JSON; past that the 413 names the limit instead of the web server's stock sentence."""
    _place(editor)
    cam = _camera(editor)["id"]
    r = editor.post(f"{API}/cameras/{cam}/frame", data=b"\xff" * (9 * 1024 * 1024),
                    headers={"Content-Type": "image/jpeg"})
    assert r.status_code == 400 and "cannot be used" in r.get_json()["message"], r.get_json()
    r = editor.post(f"{API}/cameras/{cam}/frame", data=b"\xff" * (26 * 1024 * 1024),
                    headers={"Content-Type": "image/jpeg"})
    assert r.status_code == 413 and "25 MB" in r.get_json()["message"], r.get_json()


def test_the_editors_refusals_come_in_dutch(editor, conn):
    """Issue 19: each refusal the editor meets has its own Dutch sentence (``bericht``), the
    page's general one is never needed, and a 409 speaks of no request."""
    from webmap import messages_nl

    _place(editor)
    _camera(editor)
    general = set(messages_nl.FALLBACK.values())
    cases = [
        ("post", "/locations", LOC, 409,
         "Locatie MN-ZZ7-101 bestaat al; kies een ander volgnummer of bewerk de bestaande "
         "locatie."),
        ("post", "/locations", LOC | {"code": "A12-1"}, 400,
         "Locatiecode 'A12-1' volgt de naamgeving EENHEID-WEG-VOLGNUMMER niet (bijv. "
         "AM-A10-003)."),
        ("post", "/locations", LOC | {"code": "RT-ZZ7-102"}, 400,
         "Locatiecode RT-ZZ7-102 begint niet met haar eenheid MN."),
        ("post", "/locations", LOC | {"code": "MN-ZZ7-103", "owner": "army"}, 400,
         "Onbekende eigenaar 'army': geef police, kmar, cjib, municipality of commercial."),
        ("post", "/locations", LOC | {"code": "MN-ZZ7-103", "hectometre": 100000}, 400,
         "De hectometer is het hectometerpaaltje langs de weg, van 0 tot 99999,9."),
        ("post", "/cameras", {"id": "MN-ZZ7-101-X1", "location_code": "MN-ZZ7-101",
                              "bearing": 90, "inout": "in", "lane": 1,
                              "active_from": "2026-01-01"}, 400,
         "Camera-id 'MN-ZZ7-101-X1' volgt de naamgeving niet: MN-ZZ7-101-R1 of MN-ZZ7-101-L1."),
        ("post", "/cameras", {"id": "MN-ZZ7-101-R1", "location_code": "MN-ZZ7-101",
                              "bearing": 90, "inout": "in", "lane": 1,
                              "active_from": "2026-01-01"}, 409,
         "Camera MN-ZZ7-101-R1 bestaat al."),
        ("post", "/cameras", {"id": "MN-ZZ7-101-R2", "location_code": "MN-ZZ7-101",
                              "inout": "in", "lane": 2, "active_from": "2026-01-01"}, 400,
         "Een camera wordt pas actief met een getekende rijstrook of een opgegeven koers."),
        ("patch", "/cameras/MN-ZZ7-101-R1", {"bearing": 400}, 400,
         "De koers is de rijrichting in graden (0-360)."),
        ("post", "/cameras/MN-ZZ7-101-R1/status", {"status": "kapot",
                                                   "start": "2026-01-01T00:00:00+01:00"}, 400,
         "Onbekende status 'kapot': geef active, defect, roadworks of retired."),
        ("post", "/cameras/MN-ZZ7-101-R1/masks",
         {"polygon": [[0, 0], [100, 100], [100, 0], [0, 100]], "frame_width": 1280,
          "frame_height": 720}, 400,
         "Het privacymasker is geen geldig vlak: snijdt de omtrek zichzelf? Teken het opnieuw."),
        ("post", "/cameras/MN-ZZ7-101-R1/masks",
         {"polygon": [[1200, 600], [1300, 600], [1300, 700]], "frame_width": 1280,
          "frame_height": 720}, 400,
         "Het privacymasker ligt (deels) buiten het beeld van 1280x720 pixels; teken het "
         "binnen het referentiebeeld."),
        ("delete", "/cameras/MN-ZZ7-101-R1/masks/999999999", None, 404,
         "Camera MN-ZZ7-101-R1 heeft geen privacymasker 999999999."),
        ("patch", "/locations/MN-ZZ7-404", {"name": "x"}, 404, "Er is geen locatie MN-ZZ7-404."),
    ]
    for method, path, body, status, dutch in cases:
        r = getattr(editor, method)(f"{API}{path}", **({} if body is None else {"json": body}))
        got = r.get_json()
        assert r.status_code == status, (path, got)
        assert got["bericht"] == dutch, (path, got)
        assert got["bericht"] not in general and "verzoek" not in got["bericht"]
    r = editor.post(f"{API}/cameras/MN-ZZ7-101-R1/frame", data=b"not an image",
                    headers={"Content-Type": "image/png"})
    assert r.get_json()["bericht"] == ("Het beeld kan niet worden gebruikt: dit is geen beeld "
                                       "(onbekend formaat, 12 bytes).")


@pytest.mark.parametrize("tail", ["\n", "\r\n"])
def test_a_code_or_id_with_a_line_break_at_its_end_is_refused(editor, conn, tail):
    """Python's '$' also matches before a final newline: 'MN-ZZ7-101\\n' passed the naming
    scheme and was stored as another location's code, and a camera id likewise (found by a
    review of the analyst path). Each is a 400 and nothing is stored."""
    before = _state(conn)
    r = editor.post(f"{API}/locations", json=LOC | {"code": "MN-ZZ7-102" + tail})
    assert r.status_code == 400, r.get_json()
    assert _state(conn) == before
    _place(editor)
    before = _state(conn)
    body = {"id": "MN-ZZ7-101-R1" + tail, "location_code": "MN-ZZ7-101", "bearing": 88.5,
            "inout": "in", "lane": 1, "active_from": "2026-01-01", "lane_geom": LANE}
    r = editor.post(f"{API}/cameras", json=body)
    assert r.status_code == 400, r.get_json()
    assert _state(conn) == before


def test_a_move_away_from_the_published_plan_is_told_to_the_editor(editor, conn, demo_db):
    """R9: the published plan names a location where it recorded it; moved further than a
    correction (100 m) its cameras store nothing (camera_registry.membership). The editor
    who moves it learns so from the answer (and the editor page says it in Dutch): which
    published plans, this year's on, no longer cover it there. Moved back, nothing."""
    from anpr import clock

    year = clock.local(clock.now()).year
    code = conn.execute(
        "SELECT pl.location_code FROM plan_location pl JOIN camera_plan p ON p.id = pl.plan_id"
        " WHERE p.year = %s AND p.state = 'published' ORDER BY pl.location_code LIMIT 1",
        (year,)).fetchone()["location_code"]
    conn.rollback()
    url = f"{API}/locations/{code}"
    home = editor.get(url).get_json()
    try:
        near = editor.patch(url, json={"lon": home["lon"] + 0.0004, "lat": home["lat"]})
        assert near.status_code == 200 and "outside_published_plans" not in near.get_json()
        far = editor.patch(url, json={"lon": home["lon"] + 0.02, "lat": home["lat"]})
        assert far.status_code == 200, far.get_json()
        assert far.get_json()["outside_published_plans"] == [year]
        renamed = editor.patch(url, json={"name": home["name"] + " (test)"})   # no move
        assert "outside_published_plans" not in renamed.get_json()
    finally:
        back = editor.patch(url, json={"lon": home["lon"], "lat": home["lat"],
                                       "name": home["name"]})
        assert back.status_code == 200 and "outside_published_plans" not in back.get_json()
