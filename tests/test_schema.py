"""The schema as migrated: partitions, immutability, constraints, indexes and plans."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from anpr.database import current_revisions, head_revisions, sqlalchemy_url
from migrations.model import include_name, include_object, metadata
from anpr.settings import RetentionSettings
from ingest.partitions import ensure_partition, ensure_partitions, existing_partitions

UTC = timezone.utc


def _insert(conn, camera="T-CAM-1", when=None, plate="AB123C", capture="c1"):
    when = when or datetime.now(UTC)
    ensure_partition(conn, when.date())
    return conn.execute(
        "INSERT INTO jj126.passage (camera_id, captured_at, plate, plate_raw, geom, capture_id)"
        " VALUES (%s, %s, %s, %s, ST_SetSRID(ST_MakePoint(5.1, 52.1), 4326), %s) RETURNING id",
        (camera, when, plate, plate, capture)).fetchone()["id"]


def test_migrated_to_head(database_url):
    assert current_revisions(database_url) == head_revisions(database_url) != set()


def test_model_and_migrations_agree(database_url):
    """Autogenerate finds nothing to do: schema.py and the migrations describe one schema."""
    engine = create_engine(sqlalchemy_url(database_url))
    with engine.connect() as connection:
        ctx = MigrationContext.configure(connection, opts={
            "include_schemas": True, "include_name": include_name,
            "include_object": include_object, "compare_type": True})
        diff = compare_metadata(ctx, metadata)
    engine.dispose()
    assert diff == []


def test_passages_live_in_their_own_schema(conn):
    """R11: 126jj passages are stored apart from other ANPR data."""
    row = conn.execute("SELECT relkind FROM pg_class c JOIN pg_namespace n ON n.oid = "
                       "c.relnamespace WHERE n.nspname = 'jj126' AND c.relname = 'passage'"
                       ).fetchone()
    assert row["relkind"] == "p"  # partitioned table
    assert conn.execute("SELECT to_regclass('public.passage') AS r").fetchone()["r"] is None


def test_partitions_cover_retention_and_days_ahead(conn):
    today = date(2026, 3, 28)
    days = ensure_partitions(conn, RetentionSettings(days=28, partitions_ahead=3), today=today)
    assert days[0] == today - timedelta(days=27) and days[-1] == today + timedelta(days=3)
    present = set(existing_partitions(conn))
    assert set(days) <= present


def test_partition_bounds_are_utc_days(conn):
    """A passage at 23:30 UTC and one at 00:30 UTC the next day land in different partitions,
    whatever the session time zone (Amsterdam's midnight is not the boundary)."""
    conn.execute("SET TIME ZONE 'Europe/Amsterdam'")
    late = datetime(2026, 3, 29, 23, 30, tzinfo=UTC)  # DST started that morning
    early = datetime(2026, 3, 30, 0, 30, tzinfo=UTC)
    _insert(conn, when=late, capture="late")
    _insert(conn, when=early, capture="early")
    rows = conn.execute("SELECT tableoid::regclass::text AS part, capture_id FROM jj126.passage "
                        "WHERE capture_id IN ('late', 'early') ORDER BY captured_at").fetchall()
    assert [r["part"] for r in rows] == ["jj126.passage_p20260329", "jj126.passage_p20260330"]


def test_ensure_partition_is_idempotent(conn):
    assert ensure_partition(conn, date(2026, 5, 1)) == ensure_partition(conn, date(2026, 5, 1))


def test_day_without_partition_fails_loudly(conn):
    with pytest.raises(psycopg.errors.CheckViolation, match="no partition"):
        conn.execute(
            "INSERT INTO jj126.passage (camera_id, captured_at, plate, plate_raw, geom, capture_id)"
            " VALUES ('X', '1999-01-01T00:00:00Z', 'AB12CD', 'AB-12-CD',"
            " ST_SetSRID(ST_MakePoint(5, 52), 4326), 'x')")


def test_passages_are_immutable_update(conn):
    pid = _insert(conn)
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="immutable"):
        conn.execute("UPDATE jj126.passage SET plate = 'ZZ999Z' WHERE id = %s", (pid,))


def test_passages_are_immutable_delete(conn):
    pid = _insert(conn)
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="immutable"):
        conn.execute("DELETE FROM jj126.passage WHERE id = %s", (pid,))


def test_capture_is_unique_per_camera(conn):
    when = datetime(2026, 4, 2, 8, 0, tzinfo=UTC)
    _insert(conn, when=when, capture="dup")
    with pytest.raises(psycopg.errors.UniqueViolation):
        _insert(conn, when=when, capture="dup")


@pytest.mark.parametrize("plate", ["ab-12-cd", "AB 12 CD", "", "AB12CD" * 3])
def test_plate_must_be_normalised(conn, plate):
    with pytest.raises(psycopg.errors.CheckViolation):
        _insert(conn, plate=plate)


def test_confidence_between_zero_and_one(conn):
    ensure_partition(conn, date(2026, 4, 3))
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute(
            "INSERT INTO jj126.passage (camera_id, captured_at, plate, plate_raw, geom, capture_id,"
            " confidence) VALUES ('X', '2026-04-03T10:00:00Z', 'AB12CD', 'AB12CD',"
            " ST_SetSRID(ST_MakePoint(5, 52), 4326), 'y', 1.5)")


def _plan(conn, sql, params) -> str:
    rows = conn.execute("EXPLAIN (FORMAT TEXT) " + sql, params).fetchall()
    return "\n".join(r["QUERY PLAN"] for r in rows)


def _fill(conn, day: date, n: int = 3000) -> None:
    """Enough rows for the planner to prefer the indexes over a scan."""
    ensure_partition(conn, day)
    conn.execute("""
        INSERT INTO jj126.passage (camera_id, captured_at, plate, plate_raw, geom, capture_id)
        SELECT 'CAM-' || (i %% 400), %s::timestamptz + (i || ' seconds')::interval,
               'PL' || i, 'PL' || i, ST_SetSRID(ST_MakePoint(5, 52), 4326), 'f' || i
          FROM generate_series(1, %s) AS i""", (datetime.combine(day, datetime.min.time(), UTC), n))
    conn.execute("ANALYZE jj126.passage")


def test_plate_search_uses_plate_index_and_prunes_days(conn):
    """EXPLAIN of the Q1 shape: the plate index on only the window's partitions."""
    _fill(conn, date(2026, 4, 10))
    _fill(conn, date(2026, 4, 11))
    plan = _plan(conn, "SELECT * FROM jj126.passage WHERE plate = %s AND captured_at >= %s "
                       "AND captured_at < %s",
                 ("PL42", datetime(2026, 4, 10, tzinfo=UTC), datetime(2026, 4, 11, tzinfo=UTC)))
    assert "passage_p20260410" in plan and "passage_p20260411" not in plan
    assert "_plate_captured_at_camera_id_id_plate_raw" in plan, plan


def test_block_search_uses_camera_time_index(conn):
    """EXPLAIN of the Q3 shape: camera + time window via the unique (camera, time) key."""
    _fill(conn, date(2026, 4, 12))
    plan = _plan(conn, "SELECT * FROM jj126.passage WHERE camera_id = ANY(%s) AND captured_at "
                       ">= %s AND captured_at < %s",
                 (["CAM-1", "CAM-2"], datetime(2026, 4, 12, 0, 10, tzinfo=UTC),
                  datetime(2026, 4, 12, 0, 40, tzinfo=UTC)))
    assert "camera_id_captured_at_capture_id_plate_key" in plan, plan


def test_accounts_table_exists_with_case_insensitive_usernames(conn):
    conn.execute("INSERT INTO account (username, full_name, role, password_hash) "
                 "VALUES ('JJansen', 'J. Jansen', 'officer', 'x')")
    with pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute("INSERT INTO account (username, full_name, role, password_hash) "
                     "VALUES ('jjansen', 'J. Jansen', 'officer', 'x')")


def test_units_seeded(conn):
    codes = {r["code"] for r in conn.execute("SELECT code FROM unit").fetchall()}
    assert codes == {"NN", "ON", "MN", "NH", "AM", "DH", "RT", "ZB", "OB", "LB", "LE"}


def test_privacy_mask_must_be_valid_polygon(conn):
    conn.execute("INSERT INTO location (code, name, unit_code, geom) VALUES "
                 "('T-LOC', 't', 'MN', ST_SetSRID(ST_MakePoint(5, 52), 4326))")
    conn.execute("INSERT INTO camera (id, location_id, bearing, inout, lane, active_from) "
                 "SELECT 'T-MASK', id, 90, 'in', 1, '2024-01-01' FROM location WHERE code = 'T-LOC'")
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("INSERT INTO privacy_mask (camera_id, frame_width, frame_height, geom) VALUES "
                     "('T-MASK', 1920, 1080, 'POLYGON((0 0, 10 10, 10 0, 0 10, 0 0))')")


def test_migrations_have_one_head(database_url):
    """`alembic upgrade head` works: feature branches are merged."""
    assert len(head_revisions(database_url)) == 1
