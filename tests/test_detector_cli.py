"""`anpr detector enqueue | work | status` through intake's encrypted photo vault."""
from __future__ import annotations

import json

import cv2
import psycopg
import pytest
from click.testing import CliRunner

from detector.render import render_scene

CAMERA = "DET-CLI-CAM"


def test_work_command_processes_the_queue_through_the_vault(database_url, tmp_path, monkeypatch):
    import base64

    from anpr import settings as settings_mod
    from ingest.images import master_key

    # Day keys in the shared test database are wrapped under the session's master key;
    # this run keeps its photos in its own folder but must wrap and unwrap with that key.
    session = settings_mod.load()
    key = base64.b64encode(master_key(session.intake, session.database.home)).decode()
    monkeypatch.setenv("ANPR_IMAGE_MASTER_KEY", key)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ANPR_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ANPR_DETECTOR_BATCH", "2")
    from cli.main import main
    from conftest import add_test_camera

    with psycopg.connect(database_url, autocommit=True) as c:
        c.execute("DELETE FROM detector_frame")
        add_test_camera(c, "DET-LOC3", "detector cli test", CAMERA, lon=5.3, lat=52.3)
    good = tmp_path / "good.jpg"
    cv2.imwrite(str(good), render_scene(126, "test", 11).image)
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"<html>not a photo</html>")
    runner = CliRunner()
    r = runner.invoke(main, ["detector", "enqueue", "--camera", CAMERA, str(good), str(bad)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["detector", "work", "--drain", "--name", "cli-worker"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output.strip().splitlines()[-1]) == {"done": 1, "failed": 1, "retried": 0, "lost": 0}, \
        runner.invoke(main, ["detector", "status"]).output + _errors(database_url)
    r = runner.invoke(main, ["detector", "status"])
    status = json.loads(r.output)
    assert status["states"]["done"] == 1 and status["states"]["failed"] == 1
    assert any("not an image" in reason for reason in status["failed_reasons"])
    with psycopg.connect(database_url) as c:
        image_key, blurred_key = c.execute(
            "SELECT image_key, blurred_key FROM detector_frame WHERE state = 'done'").fetchone()
    # the blurred photo is in the vault, encrypted; the original's pixels are gone (its key
    # now holds a sealed pointer to the blurred photo)
    from anpr import settings as settings_mod
    from detector.cli import open_photo_store

    class Obj:
        settings = settings_mod.load()

        def url(self):
            return database_url

    vault = open_photo_store(Obj())
    blurred = vault.get(blurred_key)
    assert blurred[:2] == b"\xff\xd8"
    raw = (vault.store.root / blurred_key).read_bytes()
    assert raw[:2] != b"\xff\xd8"            # at rest it is ciphertext (R13)
    assert vault.successor(image_key) == blurred_key and vault.get(image_key) == blurred
    assert len((vault.store.root / image_key).read_bytes()) < 200   # a pointer, no photo


def _errors(url) -> str:
    with psycopg.connect(url) as c:
        return str(c.execute("SELECT state, last_error FROM detector_frame").fetchall())


@pytest.fixture(scope="module", autouse=True)
def _leave_the_registry_as_found(database_url):
    yield
    from conftest import remove_test_cameras

    remove_test_cameras(database_url, ["DET-LOC3"])
