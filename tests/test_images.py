"""The photo store: both backends, encryption at rest per capture day, image checks (R13)."""
from __future__ import annotations

import base64
import io
import socket
from dataclasses import replace
from datetime import date, timedelta

import psycopg
import pytest
from PIL import Image

from anpr.errors import ConfigurationError, NotFound
from ingest.images import FileStore, Keyring, PhotoVault, S3Store, master_key
from ingest.records import Rejected, check_image
from intake_support import intake_url  # noqa: F401  (fixture)
from test_retention import jpeg


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_client():
    """A local S3-compatible server (moto, loopback only); skipped where moto is absent."""
    moto_server = pytest.importorskip("moto.server")
    import boto3

    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    client = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")
    client.create_bucket(Bucket="photos")
    yield client
    server.stop()


@pytest.fixture(params=["file", "s3"])
def store(request, tmp_path):
    if request.param == "file":
        return FileStore(tmp_path / "store")
    return S3Store("photos", f"t{tmp_path.name}", client=request.getfixturevalue("s3_client"))


def test_backends_agree(store):
    store.put("20260301/aa", b"one")
    store.put("20260301/bb", b"two")
    store.put("20260302/cc", b"three")
    store.put("enquiry/x/dd", b"four")
    assert store.get("20260301/bb") == b"two" and store.exists("20260302/cc")
    assert store.day_prefixes() == {date(2026, 3, 1), date(2026, 3, 2)}
    assert store.delete_prefix("20260301/") == 2
    assert not store.exists("20260301/aa") and store.get("enquiry/x/dd") == b"four"
    with pytest.raises(NotFound):
        store.get("20260301/aa")
    with pytest.raises(ValueError):
        store.put("../escape", b"x")


def test_photos_are_encrypted_per_day_and_unreadable_once_the_key_is_gone(store, intake_url):
    vault = PhotoVault(store, Keyring(intake_url, b"m" * 32))
    day = date.today() - timedelta(days=3)
    photo = jpeg(5)
    key = vault.put(day, photo)
    assert key.startswith(f"{day:%Y%m%d}/") and vault.put(day, photo) == key  # content hash
    raw = store.get(key)
    assert raw.startswith(b"AG1") and photo[:100] not in raw  # encrypted at rest
    assert vault.get(key) == photo
    store.put(key + "x", raw[:-1] + bytes([raw[-1] ^ 1]))  # tampered copy
    with pytest.raises(NotFound):
        vault.get(key + "x")
    with psycopg.connect(intake_url) as c:  # what retention does to the day's key (R13)
        c.execute("DELETE FROM jj126.image_day_key WHERE day = %s", (day,))
    vault.keyring.forget(day=day)
    with pytest.raises(NotFound):
        vault.get(key)
    wrong_master = PhotoVault(store, Keyring(intake_url, b"w" * 32))
    other_day = day - timedelta(days=1)
    k2 = vault.put(other_day, photo)
    with pytest.raises(Exception):  # another master key cannot unwrap the day key
        wrong_master.get(k2)


def test_a_superseded_original_answers_with_its_successor(store, intake_url):
    """R8: the detector's worker supersedes an original by its blurred version: the
    original's pixels leave the store, its key (held by the passage) reads the successor,
    and the same bytes sent again read the successor too."""
    vault = PhotoVault(store, Keyring(intake_url, b"m" * 32))
    day = date.today() - timedelta(days=2)
    original, blurred = jpeg(21), jpeg(22)
    key, new = vault.put(day, original), vault.put(day, blurred)
    assert vault.successor(key) is None and vault.get(key) == original
    assert vault.supersede(key, new)
    raw = store.get(key)
    assert raw.startswith(b"AG1") and len(raw) < 200        # a sealed pointer, no photo
    assert vault.successor(key) == new and vault.get(key) == blurred
    assert vault.put(day, original) == key and vault.get(key) == blurred
    assert not vault.supersede(new, new)
    with pytest.raises(ValueError):  # retention destroys a day at once: same day only
        vault.supersede(new, f"{day - timedelta(days=1):%Y%m%d}/{'0' * 64}")
    with pytest.raises(NotFound):
        vault.supersede(new, f"{day:%Y%m%d}/{'0' * 64}")


def test_replace_overwrites(store):
    store.put("20260303/aa", b"one")
    store.replace("20260303/aa", b"two")
    assert store.get("20260303/aa") == b"two"


def _png(size) -> bytes:
    buf = io.BytesIO()
    Image.new("L", size).save(buf, "PNG")
    return buf.getvalue()


@pytest.mark.parametrize("data, reason", [
    (b"", "bad_image"),
    (b"GIF89a" + b"\x00" * 40, "bad_image"),
    (jpeg(3)[:200], "bad_image"),  # truncated
    (b"\xff\xd8" + b"\x00" * 3000 * 1024, "image_too_large"),
    (_png((12000, 12000)), "image_too_large"),  # small file, too many pixels
])
def test_bad_images_are_refused(data, reason):
    with pytest.raises(Rejected) as info:
        check_image(data, 2048, "overview")
    assert info.value.reason == reason


def test_gif_is_not_an_accepted_format():
    buf = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buf, "GIF")
    with pytest.raises(Rejected, match="JPEG, PNG or WebP"):
        check_image(buf.getvalue(), 2048)


def test_master_key_from_settings_or_generated(settings, tmp_path):
    good = base64.b64encode(b"k" * 32).decode()
    assert master_key(replace(settings.intake, master_key=good), tmp_path) == b"k" * 32
    with pytest.raises(ConfigurationError):
        master_key(replace(settings.intake, master_key="c2hvcnQ="), tmp_path)
    generated = master_key(replace(settings.intake, master_key=None), tmp_path)
    assert len(generated) == 32 and (tmp_path / "image_master_key").stat().st_mode & 0o077 == 0


def test_a_process_keeps_a_key_it_read_no_longer_than_the_keyring_s_ttl(store, intake_url):
    """One vault serves a whole web process, so a key read is kept for a short while only:
    once retention destroyed a day's key in the database, another process (which cannot
    be told to forget) stops opening that day's photos when the cached copy expires."""
    import time

    day = date.today() - timedelta(days=4)
    photo = jpeg(9)
    writer = PhotoVault(store, Keyring(intake_url, b"m" * 32))
    key = writer.put(day, photo)
    web = PhotoVault(store, Keyring(intake_url, b"m" * 32, ttl_s=0.5))
    assert web.get(key) == photo                             # read once: cached
    with psycopg.connect(intake_url) as c:                   # retention, in its own process
        c.execute("DELETE FROM jj126.image_day_key WHERE day = %s", (day,))
    assert web.get(key) == photo                             # within the TTL
    time.sleep(0.6)
    with pytest.raises(NotFound):
        web.get(key)


def test_the_web_app_builds_one_photo_vault_and_hands_it_to_every_request(app):
    """webmap.services.photo_vault: the app's one vault, from ingest.images.open_vault."""
    from webmap.services import photo_vault

    with app.app_context():
        first = photo_vault()
    with app.test_request_context("/"):
        assert photo_vault() is first
    assert app.extensions["anpr_vault"] is first
