"""Retention (R1, R13): an expired day leaves no row, photo or key; held results survive."""
from __future__ import annotations

import io
import json
import shutil
import uuid
from datetime import datetime, timedelta, timezone

import psycopg
import pytest
from PIL import Image

from anpr.errors import NotFound
from ingest.images import FileStore, Keyring, PhotoVault
from ingest.importer import import_passages
from ingest.retention import hold_results, release, run_retention, secured_passages
from intake_support import cams, count, iconn, intake_url, record  # noqa: F401  (fixtures)

UTC = timezone.utc


def jpeg(seed: int, size=(64, 48)) -> bytes:
    im = Image.new("RGB", size, ((seed * 37) % 256, (seed * 91) % 256, 120))
    buf = io.BytesIO()
    im.save(buf, "JPEG")
    return buf.getvalue()


@pytest.fixture
def vault(intake_url, tmp_path):
    return PhotoVault(FileStore(tmp_path / "store"), Keyring(intake_url, b"k" * 32))


def _import_day(iconn, settings, cams, tmp_path, at0, tag, n, vault):
    imgdir = tmp_path / f"img-{tag}"
    imgdir.mkdir()
    recs = []
    for i in range(n):
        (imgdir / f"o{i}.jpg").write_bytes(jpeg(hash(tag) % 1000 + i))
        (imgdir / f"c{i}.jpg").write_bytes(jpeg(hash(tag) % 1000 + i, (32, 16)))
        recs.append(record(cams["fixed"], i, at=at0 + timedelta(seconds=i),
                           capture_id=f"{tag}-{i}", overview=f"o{i}.jpg", crop=f"c{i}.jpg"))
    path = tmp_path / f"{tag}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    summary = import_passages(iconn, path, settings, images_dir=imgdir, vault=vault)
    assert summary.accepted == n and summary.images == 2 * n
    return iconn.execute("SELECT id, captured_at, overview_key, crop_key FROM jj126.passage "
                         "WHERE capture_id LIKE %s ORDER BY id", (tag + "-%",)).fetchall()


def test_retention_destroys_the_day_and_secures_held_results(iconn, cams, settings, vault,
                                                             tmp_path):
    now = datetime.now(UTC)
    old_day_at = (now - timedelta(days=20)).replace(hour=10, minute=0, second=0, microsecond=0)
    old_day = old_day_at.date()
    tag_old, tag_new = f"o{uuid.uuid4().hex[:6]}", f"n{uuid.uuid4().hex[:6]}"
    old = _import_day(iconn, settings, cams, tmp_path, old_day_at, tag_old, 6, vault)
    new = _import_day(iconn, settings, cams, tmp_path, old_day_at + timedelta(days=1), tag_new,
                      3, vault)
    assert vault.get(old[0]["overview_key"])[:2] == b"\xff\xd8"  # readable before

    # Enquiry A holds two passages (one with photos); B held one and was completed.
    hold_results(iconn, "ENQ-A", [(old[0]["id"], old[0]["captured_at"]),
                                  (old[1]["id"], old[1]["captured_at"])])
    hold_results(iconn, "ENQ-B", [(old[2]["id"], old[2]["captured_at"])])
    iconn.commit()
    release(iconn, "ENQ-B", vault)
    iconn.commit()
    backup = tmp_path / "backup"  # a backup of the store taken before retention (R13)
    shutil.copytree(vault.store.root, backup)

    # The clock 28 days after the old day: that day (and older) expire, the next does not.
    later = datetime.combine(old_day + timedelta(days=28), datetime.min.time(), UTC)
    reports = run_retention(iconn, settings.retention.days, vault=vault,
                            now=later + timedelta(hours=1))
    report = {r.day: r for r in reports}[old_day]
    assert report.passages == 6 and report.images == 12 and report.key_destroyed
    assert report.secured == 2
    assert old_day + timedelta(days=1) not in {r.day for r in reports}

    # Nothing of the old day remains: no partition, no row, no photo, no key.
    assert iconn.execute("SELECT to_regclass(%s) AS r",
                         (f"jj126.passage_p{old_day:%Y%m%d}",)).fetchone()["r"] is None
    assert count(iconn, capture_prefix=tag_old) == 0
    assert not (vault.store.root / f"{old_day:%Y%m%d}").exists()
    assert iconn.execute("SELECT count(*) AS n FROM jj126.image_day_key WHERE day = %s",
                         (old_day,)).fetchone()["n"] == 0
    with pytest.raises(NotFound):
        vault.get(old[0]["overview_key"])
    # ... and the backup's copies of its photos cannot be decrypted any more (R13).
    restored = PhotoVault(FileStore(backup), Keyring(vault.keyring.url, b"k" * 32))
    with pytest.raises(NotFound):
        restored.get(old[0]["overview_key"])

    # Held results of the enquiry in progress are secured and readable (R1).
    secured = secured_passages(iconn, "ENQ-A")
    assert [s["passage_id"] for s in secured] == [old[0]["id"], old[1]["id"]]
    assert secured[0]["plate"] == "AB000C" and secured[0]["overview_key"].startswith("enquiry/")
    photo = vault.get_secured(secured[0]["overview_key"], "ENQ-A")
    assert Image.open(io.BytesIO(photo)).size == (64, 48)
    assert secured_passages(iconn, "ENQ-B") == []  # completed: nothing kept

    # The day inside retention is untouched.
    assert count(iconn, capture_prefix=tag_new) == 3
    assert vault.get(new[0]["crop_key"])[:2] == b"\xff\xd8"

    # The audit record: counts per day, never plates.
    log = iconn.execute("SELECT * FROM retention_log WHERE day = %s", (old_day,)).fetchone()
    assert (log["passages"], log["images"], log["key_destroyed"], log["secured"]) == (6, 12,
                                                                                      True, 2)
    assert "plate" not in " ".join(log.keys())

    # Completing enquiry A destroys its secured copies and their key.
    release(iconn, "ENQ-A", vault)
    iconn.commit()
    assert secured_passages(iconn, "ENQ-A") == []
    with pytest.raises(NotFound):
        vault.keyring.enquiry_key("ENQ-A")

    # A second run finds nothing left to do for that day.
    again = run_retention(iconn, settings.retention.days, vault=vault,
                          now=later + timedelta(hours=2))
    assert old_day not in {r.day for r in again}


def test_retention_timing_does_not_depend_on_other_days(iconn, settings):
    """Dropping a partition is constant time: an empty expired day is destroyed at once."""
    from ingest.partitions import ensure_partition

    day = (datetime.now(UTC) - timedelta(days=60)).date()
    ensure_partition(iconn, day)
    iconn.commit()
    reports = run_retention(iconn, settings.retention.days)
    mine = [r for r in reports if r.day == day]
    assert mine and mine[0].passages == 0 and mine[0].seconds < 5
    assert iconn.execute("SELECT to_regclass(%s) AS r",
                         (f"jj126.passage_p{day:%Y%m%d}",)).fetchone()["r"] is None
