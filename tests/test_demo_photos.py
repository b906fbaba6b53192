"""The demo's photos (issue 15): ``load_demo(photos=N)`` gives the planted cases' passages an
overview photo and a plate crop drawn by the scene renderer, stored encrypted by intake and
blurred by real detector nodes; a few reads are deliberately wrong, and an officer sees
the crops and the blurred photos through the casework API.

A database of its own (loading photos into the session's demo database would change
what other tests count), with an app on it whose settings are the loader's (same photo
store, same master key)."""
from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import timedelta

import cv2
import numpy as np
import psycopg
import pytest
from psycopg.rows import dict_row

import conftest
from anpr.database import with_database
from conftest import DEMO_END, DEMO_HOURS, DEMO_PER_DAY, TEST_PASSWORD, SessionClient

PHOTOS = 100  # the planted cases (about 70 passages) and the start of a crime site's window


def _database(settings, server_url: str, name: str) -> tuple[str, str]:
    """A new migrated database: the URL to load with, and the URL the app connects with."""
    if hasattr(conftest, "create_database"):  # the owner/app roles of anpr/privileges.py
        url = conftest.create_database(settings, server_url, name)
        return url, conftest.role_url(settings, "app", name)
    from anpr.database import migrate

    admin = with_database(server_url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = with_database(server_url, name)
    migrate(url)
    return url, url


@pytest.fixture(scope="module")
def photo_demo(settings, server_url, tmp_path_factory):
    from anpr import accounts
    from sim.demo import load_demo
    from webmap.app import create_app

    home = tmp_path_factory.mktemp("anpr-photo-demo")
    s = replace(settings, database=replace(settings.database, home=home))
    name = f"anpr_test_photos_{uuid.uuid4().hex[:8]}"
    url, app_url = _database(settings, server_url, name)
    with psycopg.connect(url, row_factory=dict_row) as conn:
        summary = load_demo(conn, s, hours=DEMO_HOURS, per_day=DEMO_PER_DAY, seed=126,
                            end=DEMO_END, photos=PHOTOS, url=url)
        accounts.create(conn, "officer.photos", "Officer Photos", "officer", TEST_PASSWORD,
                        unit_code="MN", granted_by="test-setup")
        conn.commit()
    app = create_app({"DATABASE_URL": app_url, "TESTING": True, "SECRET_KEY": "test-secret",
                      "ANPR_SETTINGS": s})
    truth = json.loads((home / "demo_ground_truth.json").read_text())
    yield {"url": url, "app": app, "settings": s, "truth": truth,
           "summary": summary["traffic"]}
    app.extensions["anpr_pool"].close()
    admin = with_database(server_url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _vault(demo):
    from ingest.images import open_vault

    return open_vault(demo["settings"], demo["url"])


def _image(data: bytes) -> np.ndarray:
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert img is not None, "not a JPEG"
    return img


def _crime_plate(truth) -> str:
    return truth["crime_sites"]["at_3_sites"][0]


def test_planted_passages_have_an_encrypted_crop_and_a_blurred_overview(photo_demo):
    from detector.train import SHIPPED_MODEL, model_version
    from ingest.images import MAGIC

    demo, vault = photo_demo, _vault(photo_demo)
    assert demo["summary"]["photos"]["photos"] == PHOTOS
    assert demo["summary"]["photos"]["detector_frames"] == {"done": PHOTOS}
    plate = _crime_plate(demo["truth"])
    with psycopg.connect(demo["url"], row_factory=dict_row) as conn:
        rows = conn.execute(
            """SELECT p.plate, p.overview_key, p.crop_key, f.state::text AS state,
                      f.blurred_key, f.plate_crop_key, f.model_version
                 FROM jj126.passage p
                 JOIN detector_frame f ON f.camera_id = p.camera_id
                                      AND f.capture_id = p.capture_id
                WHERE p.plate = %s""", (plate,)).fetchall()
        unphotographed = conn.execute(
            "SELECT count(*) AS n FROM jj126.passage WHERE plate = %s AND overview_key IS NULL",
            (plate,)).fetchone()["n"]
    # the shipped weights at the card's inference size
    size = json.loads(SHIPPED_MODEL.with_suffix(".json").read_text())["inference"]["imgsz"]
    shipped = f"{model_version(SHIPPED_MODEL)}/{size}px"
    # three sites, and the look-alike vehicle read as this plate at one of them
    assert len(rows) == 4 and unphotographed == 0
    for r in rows:
        assert r["state"] == "done" and r["model_version"] == shipped
        for key in (r["overview_key"], r["crop_key"], r["blurred_key"]):
            blob = vault.store.get(key)  # as stored: sealed under the day key, no JPEG
            assert blob.startswith(MAGIC) and b"JFIF" not in blob[:64]
        crop = _image(vault.get(r["crop_key"]))
        assert crop.shape[1] >= 150  # legible: a plate camera's crop, not a few pixels
        assert r["plate_crop_key"] == r["crop_key"]  # the camera's crop is the one kept
        # the original is gone (R8): its key answers with the detector's blurred photo
        assert vault.successor(r["overview_key"]) == r["blurred_key"]
        assert vault.get(r["overview_key"]) == vault.get(r["blurred_key"])
        assert _image(vault.get(r["blurred_key"])).shape[:2] == (480, 640)


def test_misreads_are_deliberate_and_the_crop_shows_the_other_plate(photo_demo):
    from sim.photos import DIGIT_LOOKALIKE, LOOKALIKE, Shot, camera_photos

    demo, vault = photo_demo, _vault(photo_demo)
    misreads = demo["truth"]["photos"]["misreads"]
    cases = {m["case"] for m in misreads if m["case"]}
    assert {"convoy lead", "detour"} <= cases and any(c.startswith("crime sites") for c in cases)
    with psycopg.connect(demo["url"], row_factory=dict_row) as conn:
        for m in misreads:
            row = conn.execute(
                "SELECT p.plate, p.crop_key, c.facing::text AS facing FROM jj126.passage p "
                "JOIN camera c ON c.id = p.camera_id WHERE p.capture_id = %s",
                (m["capture_id"],)).fetchone()
            read, shown = row["plate"], m["plate_on_crop"]
            assert read == m["read"] != shown
            diff = [(a, b) for a, b in zip(shown, read) if a != b]
            assert len(read) == len(shown) and len(diff) == 1
            (on_crop, as_read), = diff  # one character that looks like another
            assert as_read in (LOOKALIKE.get(on_crop), DIGIT_LOOKALIKE.get(on_crop)) \
                or on_crop == DIGIT_LOOKALIKE.get(as_read)
            # the stored crop is the renderer's picture of the vehicle's own plate
            shot = Shot({"captured_at": m["at"]}, shown)
            _, crop = camera_photos(shot, m["scene"], 126, row["facing"])
            assert vault.get(row["crop_key"]) == crop
            _, of_read = camera_photos(Shot({"captured_at": m["at"]}, read), m["scene"], 126,
                                       row["facing"])
            assert crop != of_read


def test_officer_verifies_against_the_crops_and_sees_the_blurred_photos(photo_demo):
    demo = photo_demo
    truth, vault = demo["truth"], _vault(demo)
    plate = _crime_plate(truth)
    misread = next(m for m in truth["photos"]["misreads"] if m["read"] == plate)
    officer = SessionClient(demo["app"], "officer.photos")
    rid = conftest.confirmed_request(officer, plates=[plate], photos=True)
    start = DEMO_END - timedelta(hours=DEMO_HOURS)
    pre = officer.post(f"/api/v1/requests/{rid}/searches", json={"kind": "plate", "parameters": {
        "plates": [plate], "window": {"start": start.isoformat(), "end": DEMO_END.isoformat()}}})
    assert pre.status_code in (200, 201), pre.get_json()
    run = officer.post(f"/api/v1/searches/{pre.get_json()['enquiry_id']}/run")
    assert run.status_code == 200 and run.get_json()["passages_kept"] == 4, run.get_json()

    page = officer.get(f"/api/v1/requests/{rid}/reads?page_size=50")
    assert page.status_code == 200, page.get_json()
    reads = page.get_json()["reads"]
    assert len(reads) == 4
    with psycopg.connect(demo["url"], row_factory=dict_row) as conn:
        keys = {r["id"]: r for r in conn.execute(
            "SELECT id, capture_id, crop_key FROM jj126.passage WHERE plate = %s", (plate,))}
    for r in reads:
        crop = officer.get(f"/api/v1/passages/{r['passage_id']}/crop")
        assert crop.status_code == 200 and crop.mimetype == "image/jpeg"
        assert crop.data == vault.get(keys[r["passage_id"]]["crop_key"])
    wrong = [r for r in reads if keys[r["passage_id"]]["capture_id"] == misread["capture_id"]]
    assert len(wrong) == 1 and wrong[0]["plate"] == plate  # found by the plate, to be rejected

    photos = officer.get(f"/api/v1/requests/{rid}/photos")
    assert photos.status_code == 200, photos.get_json()
    listed = photos.get_json()
    assert listed["total"] == 4 and listed["remaining"] == 4 and listed["pending"] == 0
    assert {p["photo_state"] for p in listed["photos"]} == {"blurred"}
    shown = officer.get(f"/api/v1/requests/{rid}/photos/{listed['photos'][0]['passage_id']}")
    assert shown.status_code == 200
    assert _image(shown.data).shape[:2] == (480, 640)
