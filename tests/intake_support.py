"""Shared fixtures of the intake, image and retention tests.

These tests commit (imports commit per batch, retention drops partitions), so they run in
a database of their own beside the session's, with the demo registry and plans but no
traffic: other tests' counts on the session database stay untouched.
"""
from __future__ import annotations

import os
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import psycopg
import pytest
from psycopg.rows import dict_row

from anpr.database import migrate, with_database as _with_database

UTC = timezone.utc


@pytest.fixture(scope="session")
def intake_url(server_url, settings, tmp_path_factory):
    name = f"anpr_test_intake_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = _with_database(server_url, "postgres")
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(server_url, name)
    migrate(url)
    from sim.demo import load_demo

    home = tmp_path_factory.mktemp("intake-home")
    s = replace(settings, database=replace(settings.database, home=home))
    with psycopg.connect(url, row_factory=dict_row) as c:
        load_demo(c, s, traffic=False)
        # A registered camera that no published plan lists (R9 test).
        c.execute("""INSERT INTO camera (id, location_id, bearing, inout, lane, active_from)
                     SELECT 'T-NOPLAN-1', location_id, bearing, inout, 9, active_from
                       FROM camera WHERE mounting = 'fixed' ORDER BY id LIMIT 1""")
        c.commit()
    yield url
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def iconn(intake_url):
    with psycopg.connect(intake_url, row_factory=dict_row) as c:
        yield c
        c.rollback()


@pytest.fixture(scope="session")
def cams(intake_url) -> dict:
    """A fixed camera in the plan (with its location), a mobile one, one outside the plan."""
    with psycopg.connect(intake_url, row_factory=dict_row) as c:
        now = datetime.now(UTC)
        from camera_registry.membership import cameras_in_plan

        in_plan = cameras_in_plan(c, now)
        rows = c.execute("""SELECT c.id, c.mounting::text AS mounting, ST_X(l.geom) AS lon,
                                   ST_Y(l.geom) AS lat, l.id AS location_id
                              FROM camera c JOIN location l ON l.id = c.location_id
                             ORDER BY c.id""").fetchall()
    fixed = [r for r in rows if r["mounting"] == "fixed" and r["id"] in in_plan]
    mobile = [r for r in rows if r["mounting"] == "mobile" and r["id"] in in_plan]
    assert fixed and "T-NOPLAN-1" not in in_plan
    other = next(r for r in fixed if r["location_id"] != fixed[0]["location_id"])
    return {"fixed": fixed[0], "fixed2": other, "mobile": mobile[0] if mobile else None,
            "noplan": "T-NOPLAN-1"}


def record(cam: dict, n: int = 0, *, at: datetime | None = None, **over) -> dict:
    """A valid intake record for ``cam``; keyword arguments override fields."""
    at = at or (datetime.now(UTC) - timedelta(minutes=30) + timedelta(seconds=n))
    rec = {"camera": cam["id"], "captured_at": at.isoformat(), "plate": f"AB-{n % 1000:03d}-C",
           "country": "NL", "confidence": 0.97, "lat": cam["lat"] + 0.0001,
           "lon": cam["lon"] - 0.0001, "capture_id": f"t{uuid.uuid4().hex[:12]}-{n}"}
    rec.update(over)
    return {k: v for k, v in rec.items() if v is not ...}


def count(conn, camera: str | None = None, capture_prefix: str = "") -> int:
    q = "SELECT count(*) AS n FROM jj126.passage WHERE capture_id LIKE %s"
    args: list = [capture_prefix + "%"]
    if camera:
        q += " AND camera_id = %s"
        args.append(camera)
    return conn.execute(q, args).fetchone()["n"]


def intake_app(url: str, home, **intake):
    """The web app on the intake database, with a file photo store under ``home`` and a
    generated key; ``intake`` overrides further intake settings. Close its pool after."""
    from webmap.app import create_app

    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "t",
                      "ANPR_HOME": home})
    s = app.config["ANPR_SETTINGS"]
    app.config["ANPR_SETTINGS"] = replace(s, intake=replace(
        s.intake, image_store="file", image_dir=str(home / "images"), master_key=None,
        **intake))
    return app
