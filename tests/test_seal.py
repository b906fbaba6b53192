"""Sealing ended days: searches read the covering indexes only; retention needs no count.

Migration 0011 puts (plate, captured_at, camera_id) into every passage index; a sealed
(vacuumed) day then answers counts, aggregates and pattern filters without reading the
table. These tests fail if the seal or the covering columns are removed.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

from ingest.importer import import_passages
from ingest.retention import days_to_seal, destroy_day, seal_days
from intake_support import cams, iconn, intake_url, record  # noqa: F401  (fixtures)

UTC = timezone.utc


def _day_at(days_ago: int, hour: int) -> datetime:
    """The whole hour ``hour`` (UTC) of the day ``days_ago`` days before today."""
    return (datetime.now(UTC) - timedelta(days=days_ago)).replace(hour=hour, minute=0, second=0,
                                                                  microsecond=0)


def _import_records(iconn, settings, tmp_path, recs: list[dict]) -> None:
    path = tmp_path / f"{uuid.uuid4().hex[:8]}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    assert import_passages(iconn, path, settings).accepted == len(recs)


def _import(iconn, settings, cams, tmp_path, at0, tag, n):
    _import_records(iconn, settings, tmp_path, [
        record(cams["fixed"], i, at=at0 + timedelta(seconds=7 * i), capture_id=f"{tag}-{i}")
        for i in range(n)])


def _explain(iconn, q, params) -> str:
    rows = iconn.execute("EXPLAIN (ANALYZE, FORMAT TEXT) " + q, params).fetchall()
    return "\n".join(r["QUERY PLAN"] for r in rows)


def _index_only(plan: str) -> None:
    """Index-only over rows that exist, none of them read from the table."""
    assert "Index Only Scan" in plan and "Heap Fetches: 0" in plan, plan
    assert "rows=0 loops" not in plan.split("Index Only Scan", 1)[1].split("\n", 1)[0], plan


def test_a_sealed_day_answers_pattern_searches_from_the_index(iconn, cams, settings, tmp_path):
    day_at = _day_at(5, 6)
    day = day_at.date()
    _import(iconn, settings, cams, tmp_path, day_at, f"s{uuid.uuid4().hex[:6]}", 400)
    assert day in days_to_seal(iconn, datetime.now(UTC))
    assert day in seal_days(iconn)
    assert day not in days_to_seal(iconn, datetime.now(UTC))
    # The partial-plate shape: prefix range plus LIKE, counted per camera, as Q2 does.
    iconn.execute("SET enable_seqscan = off")
    plan = _explain(iconn, "SELECT count(*), count(DISTINCT camera_id) FROM jj126.passage p "
                           "WHERE p.plate >= 'AB' AND p.plate < 'AC' AND p.plate LIKE 'AB%%C' "
                           "AND p.captured_at >= %s AND p.captured_at < %s",
                    (day_at, day_at + timedelta(hours=2)))
    _index_only(plan)
    # The suffix shape on the reversed-plate index.
    plan = _explain(iconn, "SELECT count(*), count(DISTINCT camera_id) FROM jj126.passage p "
                           "WHERE reverse(p.plate) >= 'C' AND reverse(p.plate) < 'D' "
                           "AND p.plate LIKE '%%C' AND p.captured_at >= %s AND p.captured_at < %s",
                    (day_at, day_at + timedelta(hours=2)))
    _index_only(plan)
    # The block and convoy-band shape: plates at a camera in a window.
    plan = _explain(iconn, "SELECT plate, captured_at FROM jj126.passage p WHERE camera_id = %s "
                           "AND captured_at >= %s AND captured_at < %s",
                    (cams["fixed"]["id"], day_at, day_at + timedelta(minutes=20)))
    _index_only(plan)
    iconn.rollback()


def test_today_is_not_sealed_and_a_late_record_unseals_a_day(iconn, cams, settings, tmp_path):
    now = datetime.now(UTC)
    _import(iconn, settings, cams, tmp_path, now - timedelta(minutes=30),
            f"t{uuid.uuid4().hex[:6]}", 3)
    assert now.date() not in days_to_seal(iconn, now)
    day_at = _day_at(6, 9)
    _import(iconn, settings, cams, tmp_path, day_at, f"a{uuid.uuid4().hex[:6]}", 5)
    seal_days(iconn)
    assert day_at.date() not in days_to_seal(iconn, now)
    _import(iconn, settings, cams, tmp_path, day_at + timedelta(hours=1),
            f"b{uuid.uuid4().hex[:6]}", 2)  # arrives late, from a buffering camera
    iconn.execute("SELECT pg_stat_force_next_flush()")
    iconn.commit()  # pending statistics are flushed when the session goes idle
    assert day_at.date() in days_to_seal(iconn, now)


def test_retention_of_a_sealed_day_counts_late_records_without_scanning(iconn, cams, settings,
                                                                         tmp_path):
    day_at = _day_at(8, 11)
    day = day_at.date()
    _import(iconn, settings, cams, tmp_path, day_at, f"c{uuid.uuid4().hex[:6]}", 7)
    seal_days(iconn)
    stat = iconn.execute("SELECT passages, unique_plates FROM passage_day_stat WHERE day = %s",
                         (day,)).fetchone()
    n = iconn.execute("SELECT count(*) AS n FROM jj126.passage WHERE captured_at >= %s AND "
                      "captured_at < %s", (day_at.replace(hour=0), day_at.replace(hour=0)
                                           + timedelta(days=1))).fetchone()["n"]
    assert stat["passages"] == n and stat["unique_plates"] is not None
    _import(iconn, settings, cams, tmp_path, day_at + timedelta(hours=2),
            f"d{uuid.uuid4().hex[:6]}", 4)  # the intake trigger keeps the count exact
    rep = destroy_day(iconn, day, None)
    assert rep.passages == n + 4
    logged = iconn.execute("SELECT passages FROM retention_log WHERE day = %s ORDER BY id DESC "
                           "LIMIT 1", (day,)).fetchone()
    assert logged["passages"] == n + 4
    assert iconn.execute("SELECT final FROM passage_day_stat WHERE day = %s",
                         (day,)).fetchone()["final"] is True


def test_prewarm_reads_each_days_plate_index(iconn, cams, settings, tmp_path):
    from ingest.retention import prewarm

    day_at = _day_at(3, 7)
    _import(iconn, settings, cams, tmp_path, day_at, f"w{uuid.uuid4().hex[:6]}", 50)
    pages = prewarm(iconn, [day_at.date()], mode="read")
    size = iconn.execute("SELECT pg_relation_size(i.inhrelid) / 8192 AS n FROM pg_inherits i "
                         "JOIN pg_index x ON x.indexrelid = i.inhrelid "
                         "WHERE i.inhparent = 'jj126.ix_passage_plate_time'::regclass "
                         "AND x.indrelid = %s::regclass",
                         (f"jj126.passage_p{day_at:%Y%m%d}",)).fetchone()["n"]
    assert pages == {day_at.date(): size} and size > 0
    everything = prewarm(iconn)  # every stored day, prefetched
    assert day_at.date() in everything and len(everything) >= 28


def test_db_prewarm_command(intake_url):
    from click.testing import CliRunner

    from cli.main import main

    r = CliRunner().invoke(main, ["db", "prewarm"], env={"DATABASE_URL": intake_url})
    assert r.exit_code == 0, r.output
    assert "read into memory" in r.output and "plate indexes of" in r.output


def test_days_two_days_old_are_clustered_by_camera_and_time(iconn, cams, settings, tmp_path):
    """Block searches read adjacent pages: the sealed heap is in (camera, time) order."""
    now = datetime.now(UTC)
    old_at, new_at = _day_at(4, 13), _day_at(1, 13)
    for at in (old_at, new_at):
        tag = f"k{uuid.uuid4().hex[:6]}"
        _import_records(iconn, settings, tmp_path, [  # interleaved cameras
            record(cams["fixed" if i % 2 else "fixed2"], i, at=at + timedelta(seconds=i),
                   capture_id=f"{tag}-{i}") for i in range(300)])
    assert old_at.date() in days_to_seal(iconn, now)
    seal_days(iconn, now)

    def in_camera_order(at) -> bool:
        row = iconn.execute(
            "SELECT bool_and(k >= prev) AS ordered FROM (SELECT camera_id || captured_at::text "
            "AS k, lag(camera_id || captured_at::text, 1, '') OVER (ORDER BY ctid) AS prev "
            "FROM jj126.passage WHERE captured_at >= %s AND captured_at < %s) t",
            (at.replace(hour=0), at.replace(hour=0) + timedelta(days=1))).fetchone()
        return row["ordered"]

    assert in_camera_order(old_at)
    assert not in_camera_order(new_at)  # yesterday: sealed, not yet rewritten
    assert old_at.date() not in days_to_seal(iconn, now)
    # Still all-visible after the rewrite: the covering indexes answer alone.
    _index_only(_explain(iconn, "SELECT plate, captured_at FROM jj126.passage p WHERE "
                                "camera_id = %s AND captured_at >= %s AND captured_at < %s",
                         (cams["fixed"]["id"], old_at, old_at + timedelta(minutes=20))))
    iconn.rollback()


def test_a_plate_history_on_a_sealed_day_reads_no_table_page(iconn, cams, settings, tmp_path):
    """Q1's hits come from the plate index alone (migration 0015), whole result rows."""
    from gis.search.base import PLATE_INDEX_COLUMNS

    day_at = _day_at(4, 11)
    _import(iconn, settings, cams, tmp_path, day_at, f"h{uuid.uuid4().hex[:6]}", 300)
    seal_days(iconn)
    plate = iconn.execute("SELECT plate FROM jj126.passage WHERE captured_at >= %s "
                          "AND captured_at < %s LIMIT 1",
                          (day_at, day_at + timedelta(hours=1))).fetchone()["plate"]
    iconn.execute("SET enable_seqscan = off")
    iconn.execute("SET enable_bitmapscan = off")
    plan = _explain(iconn, f"SELECT {PLATE_INDEX_COLUMNS} FROM jj126.passage p "
                           "WHERE p.plate = ANY(%s::text[]) AND p.captured_at >= %s "
                           "AND p.captured_at < %s",
                    ([plate], day_at, day_at + timedelta(hours=1)))
    _index_only(plan)
    iconn.rollback()


def _position(iconn, plate: str, at: datetime) -> tuple[float, float]:
    from gis.search.plate import plate_history
    from gis.search.scope import Window

    out = plate_history(iconn, (plate,), Window(at - timedelta(hours=1), at + timedelta(hours=1)))
    [row] = [r for r in out["passages"] if r["captured_at"] == at]
    return round(row["lon"], 6), round(row["lat"], 6)


def test_a_plate_history_shows_where_each_passage_was_recorded(iconn, cams, settings, tmp_path):
    """A fixed camera's passage is shown at its location, as the map's markers are, unless
    the location or camera moved after it: then at the position stored with it. A mobile
    camera's passage is shown at its own position."""
    at = _day_at(3, 14)
    plate = f"QM{uuid.uuid4().hex[:4].upper()}"
    _import_records(iconn, settings, tmp_path, [record(cams["fixed"], 1, at=at, plate=plate)])
    stored = iconn.execute("SELECT round(ST_X(geom)::numeric, 6)::float AS x, "
                           "round(ST_Y(geom)::numeric, 6)::float AS y FROM jj126.passage "
                           "WHERE plate = %s", (plate,)).fetchone()
    registered = (round(cams["fixed"]["lon"], 6), round(cams["fixed"]["lat"], 6))
    assert registered != (stored["x"], stored["y"])  # the camera reported a few metres off
    assert _position(iconn, plate, at) == registered
    # The location moves (a registry edit): the passage keeps the position it was recorded at.
    loc = cams["fixed"]["location_id"]
    iconn.execute("UPDATE location SET geom = ST_Translate(geom, 0.01, 0) WHERE id = %s", (loc,))
    assert iconn.execute("SELECT moved_at FROM location WHERE id = %s",
                         (loc,)).fetchone()["moved_at"] > at
    assert _position(iconn, plate, at) == (stored["x"], stored["y"])
    # A camera moved to another location: the same.
    iconn.execute("UPDATE location SET geom = ST_Translate(geom, -0.01, 0), "
                  "moved_at = '-infinity' WHERE id = %s", (loc,))
    iconn.execute("UPDATE camera SET location_id = %s WHERE id = %s",
                  (cams["fixed2"]["location_id"], cams["fixed"]["id"]))
    assert _position(iconn, plate, at) == (stored["x"], stored["y"])
    iconn.rollback()
    if cams["mobile"] is not None:  # a mobile camera's passage: its own position
        _import_records(iconn, settings, tmp_path, [
            record(cams["mobile"], 2, at=at, plate=plate + "M", lon=5.123456, lat=52.123456)])
        assert _position(iconn, plate + "M", at) == (5.123456, 52.123456)
