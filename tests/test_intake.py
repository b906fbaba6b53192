"""Intake records: validation per kind of bad input, bulk import, idempotency, partitions."""
from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from ingest.importer import import_passages
from ingest.records import Rejected, Validator, read_lines
from intake_support import cams, count, iconn, intake_url, record  # noqa: F401  (fixtures)

UTC = timezone.utc


@pytest.fixture
def validator(iconn, settings):
    return Validator(iconn, settings.intake, settings.retention.days)


def _reason(validator, rec) -> str:
    with pytest.raises(Rejected) as info:
        validator.validate(rec)
    assert info.value.message  # a clear, user-safe reason
    return info.value.reason


def test_valid_record_is_normalised(validator, cams):
    at = datetime.now(UTC).astimezone(timezone(timedelta(hours=2))) - timedelta(minutes=5)
    p = validator.validate(record(cams["fixed"], plate="ab-12 cd", captured_at=at.isoformat()))
    assert p.plate == "AB12CD" and p.plate_raw == "ab-12 cd"  # raw read kept
    assert p.captured_at.utcoffset() == timedelta(0) and p.captured_at == at  # stored in UTC


@pytest.mark.parametrize("override, reason", [
    ({"camera": ...}, "missing_field"),
    ({"plate": ""}, "missing_field"),
    ({"capture_id": ...}, "missing_field"),
    ({"captured_at": "2026-03-01T10:00:00"}, "naive_timestamp"),
    ({"captured_at": "yesterday"}, "bad_timestamp"),
    ({"camera": "NO-SUCH-CAMERA"}, "unknown_camera"),
    ({"plate": "AB'; DROP TABLE camera;--"}, "bad_plate"),
    ({"plate": "ÄB12CD"}, "bad_plate"),
    ({"plate": "A" * 40}, "bad_plate"),
    ({"plate": "AB12CD34EF567"}, "bad_plate"),
    ({"confidence": 1.5}, "bad_confidence"),
    ({"confidence": "high"}, "bad_confidence"),
    ({"lat": 455000.0, "lon": 155000.0}, "rd_coordinates"),
    ({"lat": 95.0, "lon": 5.0}, "bad_coordinates"),
    ({"lat": "NaN"}, "bad_lat"),
    ({"country": "NLD1"}, "bad_country"),
    ({"capture_id": "a b\tc"}, "bad_capture_id"),
    ({"overview": "../../etc/passwd"}, "bad_image"),
])
def test_bad_records_are_rejected_with_a_reason(validator, cams, override, reason):
    assert _reason(validator, record(cams["fixed"], **override)) == reason


def test_future_and_expired_timestamps(validator, cams, settings):
    now = datetime.now(UTC)
    future = now + timedelta(seconds=settings.intake.clock_skew_s + 60)
    assert _reason(validator, record(cams["fixed"], at=future)) == "future_timestamp"
    # within the skew allowance is fine
    validator.validate(record(cams["fixed"], at=now + timedelta(seconds=30)))
    expired = now - timedelta(days=settings.retention.days, hours=1)
    assert _reason(validator, record(cams["fixed"], at=expired)) == "expired_timestamp"


def test_camera_not_in_plan_is_refused(validator, cams):
    """R9: a registered camera outside the published plan stores nothing."""
    rec = record({"id": cams["noplan"], "lat": cams["fixed"]["lat"],
                  "lon": cams["fixed"]["lon"]})
    assert _reason(validator, rec) == "not_in_plan"


def test_position_far_from_fixed_camera(validator, cams):
    rec = record(cams["fixed"], lat=cams["fixed"]["lat"] + 0.05)
    assert _reason(validator, rec) == "position_far_from_camera"
    swapped = record(cams["fixed"], lat=cams["fixed"]["lon"], lon=cams["fixed"]["lat"])
    assert _reason(validator, swapped) == "bad_coordinates"


def test_mobile_camera_position_is_matched_to_a_road(validator, cams, iconn):
    mob = cams["mobile"]
    if mob is None:
        pytest.skip("the demo registry has no mobile camera in the plan")
    seg = iconn.execute("SELECT id, ST_X(ST_LineInterpolatePoint(geom, 0.5)) AS lon, "
                        "ST_Y(ST_LineInterpolatePoint(geom, 0.5)) AS lat FROM road_segment "
                        "ORDER BY id LIMIT 1").fetchone()
    # far from the mobile camera's registered location, but on a road: accepted and matched
    p = validator.validate(record(mob, lat=seg["lat"], lon=seg["lon"]))
    assert p.segment_id == seg["id"] and (p.lon, p.lat) == (seg["lon"], seg["lat"])


def test_malformed_lines_become_rejections():
    lines = ['{"camera": "x"}\n', "{not json\n", "\n", "[1, 2]\n"]
    out = list(read_lines(lines, "jsonl"))
    assert [n for n, _ in out] == [1, 2, 4]
    assert isinstance(out[1][1], Rejected) and out[1][1].reason == "malformed"
    csv_lines = ["camera,captured_at,plate,lat,lon,capture_id\n", "a,b,c\n"]
    (n, rej), = read_lines(csv_lines, "csv")
    assert isinstance(rej, Rejected) and rej.reason == "malformed"
    missing = ["camera,captured_at,plate\n", "a,b,c\n"]
    (n, rej), = read_lines(missing, "csv")
    assert rej.reason == "missing_field"


# -- bulk import ---------------------------------------------------------------------------

def _write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_bulk_import_summary_and_nothing_of_rejects_stored(iconn, cams, settings, tmp_path):
    tag = f"b{uuid.uuid4().hex[:8]}"
    good = [record(cams["fixed"], i, capture_id=f"{tag}-{i}") for i in range(250)]
    bad = [record(cams["fixed"], 1000, capture_id=f"{tag}-bad1", plate="??"),
           record(cams["fixed"], 1001, capture_id=f"{tag}-bad2",
                  captured_at="2026-01-01T00:00:00"),
           record({"id": cams["noplan"], "lat": cams["fixed"]["lat"],
                   "lon": cams["fixed"]["lon"]}, 1002, capture_id=f"{tag}-bad3")]
    path = _write_jsonl(tmp_path / "p.jsonl", good[:100] + bad + good[100:])
    with path.open("a") as fh:
        fh.write("{broken\n")
    s = replace(settings, intake=replace(settings.intake, batch_rows=64))
    summary = import_passages(iconn, path, s)
    assert summary.read == 254 and summary.accepted == 250 and summary.duplicates == 0
    assert summary.rejected == {"bad_plate": 1, "naive_timestamp": 1, "not_in_plan": 1,
                                "malformed": 1}
    assert {e["line"] for e in summary.examples} == {101, 102, 103, 254}
    assert count(iconn, capture_prefix=tag) == 250
    assert count(iconn, capture_prefix=f"{tag}-bad") == 0


def test_rerun_of_a_file_duplicates_nothing(iconn, cams, settings, tmp_path):
    """Idempotency: (camera, capture_id) of a retried batch is stored once."""
    tag = f"r{uuid.uuid4().hex[:8]}"
    recs = [record(cams["fixed"], i, capture_id=f"{tag}-{i}") for i in range(120)]
    first = _write_jsonl(tmp_path / "a.jsonl", recs[:80])
    import_passages(iconn, first, settings)
    # The retry overlaps: 80 already stored, 40 new, and one line twice in the file.
    retry = _write_jsonl(tmp_path / "b.jsonl", recs + [recs[100]])
    summary = import_passages(iconn, retry, settings)
    assert summary.accepted == 40 and summary.duplicates == 81
    assert count(iconn, capture_prefix=tag) == 120


def test_csv_import(iconn, cams, settings, tmp_path):
    tag = f"c{uuid.uuid4().hex[:8]}"
    recs = [record(cams["fixed2"], i, capture_id=f"{tag}-{i}") for i in range(10)]
    cols = ["camera", "captured_at", "plate", "country", "confidence", "lat", "lon",
            "capture_id"]
    text = ",".join(cols) + "\n" + "".join(
        ",".join(str(r[c]) for c in cols) + "\n" for r in recs)
    text += recs[0]["camera"] + ",2026-01-01T00:00:00+00:00,AB12,NL,,1,2\n"
    path = tmp_path / "p.csv"
    path.write_text(text)
    summary = import_passages(iconn, path, settings)
    assert summary.accepted == 10 and summary.rejected_total == 1
    row = iconn.execute("SELECT plate, plate_raw, country FROM jj126.passage "
                        "WHERE capture_id = %s", (f"{tag}-3",)).fetchone()
    assert row == {"plate": "AB003C", "plate_raw": "AB-003-C", "country": "NL"}


def test_intake_creates_a_missing_day_partition(iconn, cams, settings, tmp_path):
    """A day without a partition is created at intake, never dropped silently."""
    from ingest.partitions import existing_partitions

    at = datetime.now(UTC) - timedelta(days=20)
    day = at.date()
    iconn.execute(f"DROP TABLE IF EXISTS jj126.passage_p{day:%Y%m%d}")
    iconn.commit()
    assert day not in existing_partitions(iconn)
    tag = f"p{uuid.uuid4().hex[:8]}"
    path = _write_jsonl(tmp_path / "d.jsonl", [record(cams["fixed"], at=at,
                                                      capture_id=f"{tag}-0")])
    assert import_passages(iconn, path, settings).accepted == 1
    assert day in existing_partitions(iconn)
    assert count(iconn, capture_prefix=tag) == 1


def test_cli_import_prints_a_summary(intake_url, cams, tmp_path, iconn):
    from click.testing import CliRunner

    from cli.main import main

    tag = f"cli{uuid.uuid4().hex[:6]}"
    path = _write_jsonl(tmp_path / "cli.jsonl",
                        [record(cams["fixed"], i, capture_id=f"{tag}-{i}") for i in range(4)]
                        + [record(cams["fixed"], 9, capture_id=f"{tag}-9", plate="#")])
    env = {"DATABASE_URL": intake_url, "ANPR_HOME": str(tmp_path / "home")}
    result = CliRunner(env=env).invoke(main, ["import", "passages", str(path), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output.strip().splitlines()[-1])
    assert (out["accepted"], out["rejected"], out["rejected_by_reason"]) == (4, 1,
                                                                              {"bad_plate": 1})
    result = CliRunner(env=env).invoke(main, ["devices", "add", "cli dev", "--camera",
                                              cams["fixed"]["id"]])
    assert result.exit_code == 0 and "anprdev_" in result.output
    assert CliRunner(env=env).invoke(main, ["retention", "run"]).exit_code == 0
