"""Camera intake under attack: what a camera, a misconfigured camera and an attacker on
the camera network can send to ``POST /api/v1/intake/passages``, through the real HTTP
path (the web app, the device key, multipart and JSON bodies) into the real database
and photo store. Each refusal is a clear 4xx that stores nothing (no passage, no frame,
no photo object) and reveals nothing beyond the device's own cameras; each acceptance
stores exactly what was acknowledged."""
from __future__ import annotations

import io
import json
import uuid
from datetime import datetime, timedelta, timezone

import psycopg
import pytest
from PIL import Image
from psycopg.rows import dict_row

from ingest.devices import add_device
from intake_support import cams, count, iconn, intake_url, record  # noqa: F401  (fixtures)
from intake_support import intake_app as make_intake_app
from test_retention import jpeg

UTC = timezone.utc
URL = "/api/v1/intake/passages"


@pytest.fixture(scope="module")
def app(intake_url, tmp_path_factory):
    app = make_intake_app(intake_url, tmp_path_factory.mktemp("attack-intake"), max_batch=50,
                          max_image_kb=512, max_request_mb=4)
    yield app
    app.extensions["anpr_pool"].close()


@pytest.fixture(scope="module")
def keys(intake_url, cams):
    with psycopg.connect(intake_url, row_factory=dict_row) as c:
        _, mine = add_device(c, "attack gantry", camera=cams["fixed"]["id"])
        _, other = add_device(c, "attack gantry 2", camera=cams["fixed2"]["id"])
        _, noplan = add_device(c, "attack unplanned", camera=cams["noplan"])
        c.commit()
    return {"mine": mine, "other": other, "noplan": noplan}


@pytest.fixture
def http(app):
    return app.test_client()


def _post(http, key, records, images=None, raw_records=None):
    data = {"records": raw_records if raw_records is not None else json.dumps(records)}
    for name, blob in (images or {}).items():
        data[name] = (io.BytesIO(blob), name)
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return http.post(URL, data=data, headers=headers, content_type="multipart/form-data")


def _objects(app) -> set[str]:
    root = app.extensions["anpr_vault"].store.root
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def _frames(conn, tag: str) -> int:
    return conn.execute("SELECT count(*) AS n FROM detector_frame WHERE capture_id LIKE %s",
                        (tag + "%",)).fetchone()["n"]


def _tag(letter: str) -> str:
    return f"{letter}{uuid.uuid4().hex[:8]}"


# -- defects found -------------------------------------------------------------------------

@pytest.mark.parametrize("at, reason", [
    ("9999-12-31T23:59:59-01:00", "future_timestamp"),  # past year 9999 once in UTC
    ("0001-01-01T00:00:00+01:00", "expired_timestamp"),  # before year 1 once in UTC
])
def test_a_timestamp_beyond_the_calendar_in_utc_is_refused_not_a_500(http, keys, cams,
                                                                      iconn, at, reason):
    """A camera whose clock is reset (year 1) or an attacker sending year 9999 with an
    offset: the conversion to UTC overflowed Python's calendar and answered 500."""
    tag = _tag("o")
    r = _post(http, keys["mine"], [record(cams["fixed"], 0, capture_id=f"{tag}-0",
                                          captured_at=at)])
    assert r.status_code == 422, r.get_data(as_text=True)[:300]
    assert r.json["details"]["results"][0]["reason"] == reason
    assert count(iconn, capture_prefix=tag) == 0


def test_a_retry_with_other_photo_bytes_stores_no_photo(http, keys, cams, iconn, app):
    """A retried record is a duplicate; its photo, re-encoded or swapped on the way, must
    not land in the store: nothing refers to it, no frame is queued for it, so the
    unblurred photo would lie there for 28 days (R8)."""
    tag = _tag("d")
    rec = record(cams["fixed"], 0, capture_id=f"{tag}-0", overview="o.jpg", crop="c.jpg")
    r = _post(http, keys["mine"], [rec], {"o.jpg": jpeg(301), "c.jpg": jpeg(303, (20, 10))})
    assert r.status_code == 200 and r.json["accepted"] == 1
    before = _objects(app)
    r = _post(http, keys["mine"], [rec], {"o.jpg": jpeg(302), "c.jpg": jpeg(304, (20, 10))})
    assert r.status_code == 200 and r.json["duplicates"] == 1
    assert _objects(app) == before
    # and within one batch: the second copy of a record is a duplicate too
    tag = _tag("d")
    rec = record(cams["fixed"], 1, capture_id=f"{tag}-0", overview="a.jpg")
    r = _post(http, keys["mine"], [rec, {**rec, "overview": "b.jpg"}],
              {"a.jpg": jpeg(305), "b.jpg": jpeg(306)})
    assert [x["status"] for x in r.json["results"]] == ["accepted", "duplicate"]
    new = _objects(app) - before
    assert len(new) == 1 and new.pop().endswith(__import__("hashlib").sha256(jpeg(305)).hexdigest())


@pytest.mark.parametrize("same_batch", [False, True])
def test_a_capture_id_used_again_with_a_photo_is_refused(http, keys, cams, iconn, app,
                                                         same_batch):
    """A camera whose capture counter restarted (after a reboot, or per day) sends a
    capture id it used before, at another time. The passage is another one (the key is
    camera, capture id and time), but the detector's queue knows a frame by camera and
    capture id: the second photo was stored and acknowledged without a frame, so it was
    never blurred, never shown and never providable (R8). It is refused, naming the
    capture id; a retry of the first record stays a duplicate."""
    tag = _tag("r")
    now = datetime.now(UTC)
    a = record(cams["fixed"], 0, capture_id=f"{tag}-0", overview="a.jpg",
               at=now - timedelta(hours=3))
    b = record(cams["fixed"], 1, capture_id=f"{tag}-0", overview="b.jpg",
               at=now - timedelta(hours=2))
    images = {"a.jpg": jpeg(311), "b.jpg": jpeg(312)}
    if not same_batch:
        assert _post(http, keys["mine"], [a], images).status_code == 200
    before = _objects(app)
    r = _post(http, keys["mine"], [b] if not same_batch else [a, b], images)
    assert r.status_code == 422, r.json
    results = r.json["details"]["results"]
    assert results[-1]["status"] == "rejected" and results[-1]["reason"] == "capture_id_reused"
    assert f"{tag}-0" in results[-1]["message"]
    assert count(iconn, capture_prefix=tag) == (0 if same_batch else 1)
    assert _frames(iconn, tag) == count(iconn, capture_prefix=tag)
    assert _objects(app) == before
    r = _post(http, keys["mine"], [a], images)
    assert r.status_code == 200 and r.json["results"][0]["status"] in ("accepted", "duplicate")
    assert count(iconn, capture_prefix=tag) == _frames(iconn, tag) == 1


def test_a_key_does_not_tell_which_other_cameras_are_registered(http, keys, cams, iconn):
    """A key for one camera, asked about another camera, got 'camera_not_allowed' for a
    registered one and 'unknown_camera' for an unregistered one: an attacker with one
    gantry's key could enumerate the registry. Both answer alike now."""
    tag = _tag("u")
    real = _post(http, keys["mine"], [record(cams["fixed2"], 0, capture_id=f"{tag}-0")])
    ghost = _post(http, keys["mine"], [record({**cams["fixed2"], "id": "GHOST-9"}, 0,
                                              capture_id=f"{tag}-1")])
    noplan = _post(http, keys["mine"], [record({**cams["fixed"], "id": cams["noplan"]}, 0,
                                               capture_id=f"{tag}-2")])
    answers = [x.json["details"]["results"][0] for x in (real, ghost, noplan)]
    assert {a["reason"] for a in answers} == {"camera_not_allowed"}
    assert [a["message"].replace(n, "X") for a, n in
            zip(answers, (cams["fixed2"]["id"], "GHOST-9", cams["noplan"]))] == \
        [answers[0]["message"].replace(cams["fixed2"]["id"], "X")] * 3
    assert count(iconn, capture_prefix=tag) == 0
