"""HTTP intake: device keys, per-record answers, all-or-nothing batches, photos."""
from __future__ import annotations

import io
import json
import uuid

import psycopg
import pytest
from psycopg.rows import dict_row

from ingest.devices import add_device, revoke_device
from intake_support import cams, count, iconn, intake_url, record  # noqa: F401  (fixtures)
from intake_support import intake_app as make_intake_app
from test_retention import jpeg

URL = "/api/v1/intake/passages"


@pytest.fixture(scope="module")
def intake_app(intake_url, tmp_path_factory):
    app = make_intake_app(intake_url, tmp_path_factory.mktemp("intake-app"), max_batch=50,
                          max_image_kb=64)
    yield app
    app.extensions["anpr_pool"].close()


@pytest.fixture(scope="module")
def keys(intake_url, cams):
    with psycopg.connect(intake_url, row_factory=dict_row) as c:
        _, cam_key = add_device(c, "gantry A", camera=cams["fixed"]["id"])
        loc = c.execute("SELECT code FROM location WHERE id = %s",
                        (cams["fixed2"]["location_id"],)).fetchone()["code"]
        _, site_key = add_device(c, "site B", location=loc)
        rid, revoked = add_device(c, "old unit", camera=cams["fixed"]["id"])
        revoke_device(c, rid)
        c.commit()
    return {"camera": cam_key, "site": site_key, "revoked": revoked}


@pytest.fixture
def http(intake_app):
    return intake_app.test_client()


def _post(http, key, records, images=None, raw_records=None):
    data = {"records": raw_records if raw_records is not None else json.dumps(records)}
    for name, blob in (images or {}).items():
        data[name] = (io.BytesIO(blob), name)
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return http.post(URL, data=data, headers=headers, content_type="multipart/form-data")


def test_batch_with_photos_is_stored_and_a_retry_duplicates_nothing(http, keys, cams, iconn):
    tag = f"h{uuid.uuid4().hex[:8]}"
    recs = [record(cams["fixed"], i, capture_id=f"{tag}-{i}", overview=f"ov{i}.jpg",
                   crop=f"cr{i}.jpg") for i in range(5)]
    images = {f"ov{i}.jpg": jpeg(i) for i in range(5)} | {f"cr{i}.jpg": jpeg(i, (20, 10))
                                                           for i in range(5)}
    r = _post(http, keys["camera"], recs, images)
    assert r.status_code == 200, r.json
    assert r.json["accepted"] == 5 and {x["status"] for x in r.json["results"]} == {"accepted"}
    row = iconn.execute("SELECT overview_key, crop_key FROM jj126.passage WHERE capture_id = %s",
                        (f"{tag}-0",)).fetchone()
    assert row["overview_key"].endswith("/" + __import__("hashlib").sha256(jpeg(0)).hexdigest())
    again = _post(http, keys["camera"], recs, images)
    assert again.status_code == 200 and again.json["duplicates"] == 5
    assert count(iconn, capture_prefix=tag) == 5


def test_json_body_and_site_key(http, keys, cams, iconn):
    tag = f"j{uuid.uuid4().hex[:8]}"
    recs = [record(cams["fixed2"], i, capture_id=f"{tag}-{i}") for i in range(3)]
    r = http.post(URL, json={"records": recs}, headers={"X-Device-Key": keys["site"]})
    assert r.status_code == 200 and r.json["accepted"] == 3
    # the site key does not cover a camera elsewhere
    other = record(cams["fixed"], 9, capture_id=f"{tag}-x")
    r = http.post(URL, json={"records": [other]}, headers={"X-Device-Key": keys["site"]})
    assert r.status_code == 422
    assert r.json["details"]["results"][0]["reason"] == "camera_not_allowed"
    assert count(iconn, capture_prefix=tag) == 3


@pytest.mark.parametrize("which", [None, "wrong", "revoked"])
def test_missing_wrong_or_revoked_key_is_refused(http, keys, cams, iconn, which):
    tag = f"k{uuid.uuid4().hex[:8]}"
    key = {None: None, "wrong": keys["camera"][:-4] + "AAAA", "revoked": keys["revoked"]}[which]
    r = _post(http, key, [record(cams["fixed"], 0, capture_id=f"{tag}-0")])
    assert r.status_code == 401 and r.json["message"]
    if which == "revoked":
        assert "revoked" in r.json["message"]
    assert count(iconn, capture_prefix=tag) == 0


@pytest.mark.parametrize("bad, reason", [
    ({"captured_at": "2026-05-01T10:00:00"}, "naive_timestamp"),
    ({"plate": "<script>"}, "bad_plate"),
    ({"lat": 455123.0, "lon": 155000.0}, "rd_coordinates"),
    ({"camera": "GHOST-1"}, "camera_not_allowed"),  # a key learns nothing of the registry
    ({"overview": "missing.jpg"}, "missing_image"),
    ({"overview": "corrupt.jpg"}, "bad_image"),
    ({"overview": "huge.png"}, "image_too_large"),
])
def test_one_bad_record_refuses_the_whole_batch(http, keys, cams, iconn, bad, reason):
    tag = f"x{uuid.uuid4().hex[:8]}"
    recs = [record(cams["fixed"], i, capture_id=f"{tag}-{i}") for i in range(3)]
    recs[1].update(bad)
    images = {"corrupt.jpg": jpeg(1)[:40] + b"\x00" * 100,
              "huge.png": b"\x89PNG" + b"\x00" * (70 * 1024)}
    r = _post(http, keys["camera"], recs, images)
    assert r.status_code == 422
    results = r.json["details"]["results"]
    assert results[1]["status"] == "rejected" and results[1]["reason"] == reason
    assert [results[0]["status"], results[2]["status"]] == ["not_stored", "not_stored"]
    assert count(iconn, capture_prefix=tag) == 0


def test_malformed_body_and_oversized_batch(http, keys, cams, iconn):
    r = _post(http, keys["camera"], None, raw_records="{not json")
    assert r.status_code == 400 and "JSON" in r.json["message"]
    r = http.post(URL, data="plain", headers={"X-Device-Key": keys["camera"]},
                  content_type="text/plain")
    assert r.status_code == 400
    tag = f"z{uuid.uuid4().hex[:8]}"
    recs = [record(cams["fixed"], i, capture_id=f"{tag}-{i}") for i in range(51)]
    r = _post(http, keys["camera"], recs)
    assert r.status_code == 413 and "at most 50" in r.json["message"]
    assert count(iconn, capture_prefix=tag) == 0


def test_photos_are_encrypted_at_rest(http, keys, cams, intake_app):
    tag = f"e{uuid.uuid4().hex[:8]}"
    photo = jpeg(77)
    r = _post(http, keys["camera"], [record(cams["fixed"], 0, capture_id=f"{tag}-0",
                                            overview="o.jpg")], {"o.jpg": photo})
    assert r.status_code == 200
    root = intake_app.extensions["anpr_vault"].store.root
    blobs = [p.read_bytes() for p in root.rglob("*") if p.is_file()]
    assert blobs and all(photo[:64] not in b and b.startswith(b"AG1") for b in blobs)


def test_intake_path_is_in_the_openapi_document(http):
    doc = http.get("/api/v1/openapi.json").json
    assert "post" in doc["paths"][URL] and "IntakeRecord" in doc["components"]["schemas"]
