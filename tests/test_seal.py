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


def test_prewarm_reads_each_days_plate_search_indexes(iconn, cams, settings, tmp_path):
    from ingest.retention import PLATE_INDEXES, prewarm

    day_at = _day_at(3, 7)
    _import(iconn, settings, cams, tmp_path, day_at, f"w{uuid.uuid4().hex[:6]}", 50)
    pages = prewarm(iconn, [day_at.date()], mode="read")
    size = iconn.execute("SELECT sum(pg_relation_size(i.inhrelid) / 8192) AS n, count(*)"
                         " FROM pg_inherits i JOIN pg_index x ON x.indexrelid = i.inhrelid "
                         "WHERE i.inhparent = ANY(%s::regclass[]) AND x.indrelid = %s::regclass",
                         (list(PLATE_INDEXES), f"jj126.passage_p{day_at:%Y%m%d}")).fetchone()
    assert size["count"] == 2 and pages == {day_at.date(): size["n"]} and size["n"] > 0
    everything = prewarm(iconn)  # every stored day, prefetched
    assert day_at.date() in everything and len(everything) >= 28


def test_db_prewarm_command(intake_url):
    from click.testing import CliRunner

    from cli.main import main

    r = CliRunner().invoke(main, ["db", "prewarm"], env={"DATABASE_URL": intake_url})
    assert r.exit_code == 0, r.output
    assert "read into memory" in r.output and "plate-search indexes of" in r.output


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


def test_sealed_days_find_probable_misreads_through_the_class_index(iconn, cams, settings,
                                                                     tmp_path):
    """Issue 18: a search including probable misreads reads each sealed day's class index
    (every plate it looks up side by side) and the unsealed days' plate index, and finds
    exactly the same passages before and after a day is sealed; a day whose index is
    missing is read the slow way, never left out, and the next seal builds it."""
    from anpr.plates import CLASS_FROM, CLASS_INDEX, CLASS_TO, class_index_until
    from gis.search.plate import plate_history, plate_where
    from gis.search.route import route
    from gis.search.scope import Window

    tail = uuid.uuid4().hex[:6].upper()
    digits = "".join(str(int(c, 16) % 10) for c in tail[:2])
    letters = "".join("BDFGHJKLNPRSTVXZ"[int(c, 16)] for c in tail[2:4])
    plate, misread = f"BR{digits}{letters}", f"8R{digits}{letters}"
    now = datetime.now(UTC)
    old_at, new_at = _day_at(9, 10), now.replace(minute=0, second=0, microsecond=0)
    old_day, partition = old_at.date(), f"passage_p{old_at:%Y%m%d}"
    index = CLASS_INDEX.format(partition)
    for at, tag in ((old_at, "o"), (new_at, "n")):
        _import_records(iconn, settings, tmp_path, [
            record(cams["fixed"], 0, at=at, plate=plate, capture_id=f"m{tag}{tail}-0"),
            record(cams["fixed"], 1, at=at + timedelta(seconds=20), plate=misread,
                   capture_id=f"m{tag}{tail}-1"),
            record(cams["fixed"], 2, at=at + timedelta(seconds=40), plate=f"XX{digits}QQ",
                   alternatives=[{"plate": plate, "confidence": 0.4}],
                   capture_id=f"m{tag}{tail}-2"),
            record(cams["fixed"], 3, at=at + timedelta(seconds=60), plate=f"ZX{digits}{letters}",
                   capture_id=f"m{tag}{tail}-3")])
    iconn.execute(f"DROP INDEX IF EXISTS jj126.{index}")  # as if not sealed yet
    iconn.commit()
    assert old_day in days_to_seal(iconn, now)
    assert class_index_until(iconn) <= old_at.replace(hour=0)
    window = Window(old_at - timedelta(hours=1), now + timedelta(minutes=1))

    def found() -> dict[tuple, str]:
        out = plate_history(iconn, (plate,), window, misreads=True)
        assert out["passages_total"] == 6, out["passages_total"]
        return {(r["captured_at"], r["plate"]): r["match"] for r in out["passages"]}

    before = found()
    assert sorted(before.values()) == ["alternative_read"] * 2 + ["equivalent_characters"] * 2 \
        + ["exact"] * 2
    seal_days(iconn, now)
    assert old_day not in days_to_seal(iconn, now)
    today_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    # every ended day sealed (yesterday only from 01:00, SEAL_AFTER), today never
    assert old_at.replace(hour=0) < class_index_until(iconn) <= today_start
    indexdef = iconn.execute("SELECT pg_get_indexdef(%s::regclass) AS d",
                             (f"jj126.{index}",)).fetchone()["d"]
    assert f"'{CLASS_FROM}'" in indexdef and f"'{CLASS_TO}'" in indexdef, indexdef
    assert found() == before
    routed = route(iconn, plate, window, misreads=True)
    assert {(p["captured_at"], p["plate"]) for p in routed["passages"]} == set(before)

    # The plan: the sealed day through its class index, today through the plate index.
    where = plate_where(iconn, (plate,), window, None, misreads=True)
    iconn.execute("SET enable_seqscan = off")
    plan = _explain(iconn, "SELECT p.id FROM " + where.source.as_string(iconn) + " WHERE "
                    + where.sql().as_string(iconn), where.params)
    assert index in plan, plan
    today = f"passage_p{now:%Y%m%d}"
    assert f"{today}_plate_captured_at" in plan, plan
    assert f"{today}_plate_class" not in plan
    iconn.rollback()
