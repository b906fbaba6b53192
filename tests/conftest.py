"""Test fixtures: a real PostGIS database per test session, migrated with Alembic.

With DATABASE_URL set the tests create their database on that server; otherwise on the
project's embedded cluster. Nothing is mocked: every test talks to PostgreSQL + PostGIS.
"""
from __future__ import annotations

import json
import os
import threading
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg.rows import dict_row

from anpr import settings as settings_mod
from anpr.database import migrate
from anpr.database import with_database as _with_database  # noqa: F401  (tests import it)

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
# A fixed "now" for the demo traffic in the test database, well inside retention.
DEMO_END = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
DEMO_HOURS = 6
DEMO_PER_DAY = 20_000


@pytest.fixture(scope="session")
def settings():
    return settings_mod.load()


@pytest.fixture(scope="session")
def server_url(settings) -> str:
    """The bootstrap superuser's URL on the server the tests use (embedded unless
    DATABASE_URL): tests that create databases of their own start from it."""
    from anpr.embedded import database_url

    return database_url(settings.database, role="admin")


def role_url(settings, role: str, name: str) -> str:
    """A login role's URL (owner, app, retention, auditor; anpr/privileges.py) on database
    ``name``; with DATABASE_URL the role's own URL where set, else DATABASE_URL's."""
    from anpr.embedded import cluster_for

    if settings.database.embedded:
        return cluster_for(settings.database).role_url(role, name)
    return _with_database(settings.database.role_urls.get(role) or settings.database.url, name)


def create_database(settings, server_url: str, name: str) -> str:
    """A new database as the product sets one up: owned by the owner role, extensions
    created by the superuser, migrated as the owner. Returns the owner's URL."""
    from anpr import privileges

    privileges.prepare_database(_with_database(server_url, "postgres"),
                                _with_database(server_url, name), name)
    url = role_url(settings, "owner", name)
    migrate(url)
    return url


@pytest.fixture(scope="session")
def database_url(settings, server_url) -> str:
    """A fresh database for this test session, schema from `alembic upgrade heads`: the
    owner's URL (fixtures set up data with it; the app connects as anpr_app)."""
    name = f"anpr_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = create_database(settings, server_url, name)
    yield url
    with psycopg.connect(_with_database(server_url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def app_database_url(settings, database_url) -> str:
    """The session database as the web app and workers reach it: the anpr_app role."""
    return role_url(settings, "app", urlsplit(database_url).path.lstrip("/"))


@pytest.fixture(scope="session")
def demo_db(database_url, settings, tmp_path_factory) -> dict:
    """The demo region plus a few hours of traffic with planted cases, loaded once."""
    from dataclasses import replace

    from sim.demo import load_demo

    home = tmp_path_factory.mktemp("anpr-home")
    test_settings = replace(settings, database=replace(settings.database, home=home))
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        summary = load_demo(conn, test_settings, hours=DEMO_HOURS, per_day=DEMO_PER_DAY,
                            seed=126, end=DEMO_END)
        conn.commit()
        counts = conn.execute("""
            SELECT (SELECT count(*) FROM road_junction) AS junctions,
                   (SELECT count(*) FROM road_segment) AS segments,
                   (SELECT count(*) FROM location) AS locations,
                   (SELECT count(*) FROM camera) AS cameras,
                   (SELECT count(*) FROM jj126.passage) AS passages""").fetchone()
    # Fixture sanity, asserted once (tipg habit): a broken loader fails loudly here.
    assert counts["junctions"] > 100 and counts["segments"] > 150
    assert 280 <= counts["locations"] <= 320
    assert 1250 <= counts["cameras"] <= 1400
    assert counts["passages"] > 0
    return {"summary": summary, "counts": counts, "end": DEMO_END,
            "start": DEMO_END - timedelta(hours=DEMO_HOURS), "home": home}


@pytest.fixture(scope="session")
def truth(demo_db) -> dict:
    """The demo's ground truth: the planted cases, misreads and photos (read-only)."""
    return json.loads((demo_db["home"] / "demo_ground_truth.json").read_text())


@pytest.fixture(scope="session")
def busiest_location(demo_db, database_url) -> str:
    """The location with the most passages in the demo's window: more than a few pages
    of rows at whatever hour the suite runs (the window is the six hours before it, and a
    night's six hours leave a quiet road with a handful)."""
    with psycopg.connect(database_url) as c:
        return c.execute("SELECT l.code FROM jj126.passage p JOIN camera cm ON cm.id ="
                         " p.camera_id JOIN location l ON l.id = cm.location_id"
                         " WHERE p.captured_at >= %s AND p.captured_at < %s"
                         " GROUP BY l.code ORDER BY count(*) DESC, l.code LIMIT 1",
                         (demo_db["start"], demo_db["end"])).fetchone()[0]


@pytest.fixture
def conn(database_url):
    """A connection whose work is rolled back after the test."""
    with psycopg.connect(database_url, row_factory=dict_row) as c:
        yield c
        c.rollback()


@pytest.fixture
def superuser_conn(server_url, database_url):
    """The attacker with the server's superuser on the session database (rolled back)."""
    url = _with_database(server_url, urlsplit(database_url).path.lstrip("/"))
    with psycopg.connect(url, row_factory=dict_row) as c:
        yield c
        c.rollback()


@pytest.fixture(scope="session")
def app(app_database_url, demo_db):
    from webmap.app import create_app

    # Every answer of the JSON API is checked against the OpenAPI document (status code
    # listed, body valid against its schema): each test that calls the API checks the
    # contract too.
    # Every test logs in from 127.0.0.1: the suite's deliberate failed logins (lockouts,
    # refusals) must not reach the per-source limit (R10, 50 in 15 minutes by default) and
    # throttle later tests' logins; test_attack_injection lowers it for its own test.
    application = create_app({"DATABASE_URL": app_database_url, "TESTING": True,
                              "SECRET_KEY": "test-secret", "ANPR_CHECK_RESPONSES": True,
                              "ANPR_LOGIN_SOURCE_MAX_FAILURES": 10_000})
    yield application
    application.extensions["anpr_pool"].close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def live_server(app):
    """The app on a free loopback port in a background thread."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# -- accounts and logged-in clients (casework) ----------------------------------------------
TEST_PASSWORD = "test-password-126jj"


def photo_vault(app):
    """The photo vault of the test app, as the web app builds it from its settings."""
    from ingest.images import Keyring, PhotoVault, master_key, open_store

    s = app.config["ANPR_SETTINGS"]
    return PhotoVault(open_store(s.intake, s.database.home),
                      Keyring(app.config["DATABASE_URL"], master_key(s.intake, s.database.home)))


class SessionClient:
    """A Flask test client logged in as one account; sends the CSRF token on writes."""

    def __init__(self, app, username: str, password: str = TEST_PASSWORD):
        self.client = app.test_client()
        token = self.client.get("/api/v1/session").get_json()["csrf_token"]
        resp = self.client.post("/api/v1/session", json={"username": username,
                                                          "password": password},
                                headers={"X-CSRF-Token": token})
        assert resp.status_code == 200, resp.get_json()
        self.csrf = resp.get_json()["csrf_token"]
        self.username = username

    def get(self, *a, **kw):
        return self.client.get(*a, **kw)

    def _write(self, method, path, **kw):
        headers = dict(kw.pop("headers", {}) or {})
        headers.setdefault("X-CSRF-Token", self.csrf)
        return getattr(self.client, method)(path, headers=headers, **kw)

    def post(self, path, **kw):
        return self._write("post", path, **kw)

    def put(self, path, **kw):
        return self._write("put", path, **kw)

    def patch(self, path, **kw):
        return self._write("patch", path, **kw)

    def delete(self, path, **kw):
        return self._write("delete", path, **kw)


@pytest.fixture(scope="session")
def people(database_url):
    """One account per role (officers in MN, one of them in an investigation)."""
    from anpr import accounts

    specs = [("officer.mn", "officer", "MN"), ("officer2.mn", "officer", "MN"),
             ("officer.rt", "officer", "RT"), ("requester.mn", "requester", "MN"),
             ("analyst.mn", "analyst", "MN"), ("editor", "plan_editor", None),
             ("auditor", "auditor", None), ("admin", "admin", None)]
    out = {}
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        for username, role, unit in specs:
            row = conn.execute("SELECT id FROM account WHERE username = %s", (username,)).fetchone()
            if row is None:
                acc = accounts.create(conn, username, username.replace(".", " ").title(), role,
                                      TEST_PASSWORD, unit_code=unit, granted_by="test-setup")
                out[username] = acc
            else:
                out[username] = accounts.get(conn, row["id"])
        conn.commit()
    return out


@pytest.fixture
def login(app, people):
    """``login("officer.mn")`` gives a client logged in as that account."""
    return lambda username: SessionClient(app, username)


# -- searches inside a request (R5) ---------------------------------------------------------
NL_NORTH = {"type": "Polygon", "coordinates": [[[3.2, 52.15], [7.3, 52.15], [7.3, 53.6],
                                                 [3.2, 53.6], [3.2, 52.15]]]}
NL_SOUTH = {"type": "Polygon", "coordinates": [[[3.2, 50.7], [7.3, 50.7], [7.3, 52.15],
                                                 [3.2, 52.15], [3.2, 50.7]]]}


def confirmed_request(officer, *, plates=None, areas=None, days: int = 27, **over) -> int:
    """A confirmed request whose order covers the whole country for the last ``days``."""
    now = datetime.now(timezone.utc)
    scope = {"windows": [{"start": (now - timedelta(days=days)).isoformat(),
                          "end": (now + timedelta(hours=1)).isoformat()}],
             "areas": areas or [{"kind": "polygon", "geometry": NL_NORTH},
                                {"kind": "polygon", "geometry": NL_SOUTH}]}
    if plates:
        scope["plates"] = plates
    body = {"received_at": now.isoformat(), "requester_name": "T. Tester",
            "requester_function": "rechercheur", "order_reference": "OvJ-TEST",
            "prosecutor": "mr. T. Test", "prosecutor_office": "Parket Test",
            "order_at": (now - timedelta(minutes=5)).isoformat(), "order_kind": "written",
            "crime_code": "289", "purpose": "test", "facts": "test", "suspect": "test",
            "investigation": {"system": "BVH", "number": f"T-{uuid.uuid4().hex[:10]}",
                              "name": "Testonderzoek"}, "scope": scope, **over}
    resp = officer.post("/api/v1/requests", json=body)
    assert resp.status_code == 201, resp.get_json()
    rid = resp.get_json()["id"]
    resp = officer.post(f"/api/v1/requests/{rid}/confirm")
    assert resp.status_code == 200, resp.get_json()
    return rid


class SearchClient(SessionClient):
    """An officer's client for /api/v1/search: every call names the request, and a result
    call is preceded by the preview it must follow (the rule the API enforces)."""

    def __init__(self, app, username: str, request_id: int):
        super().__init__(app, username)
        self.request_id = request_id

    def post(self, path, **kw):
        if not path.startswith("/api/v1/search/") or path.endswith("/coverage") \
                or not isinstance(kw.get("json"), dict):
            return super().post(path, **kw)
        body = {**kw.pop("json"), "request_id": self.request_id}
        if not path.endswith("/preview"):
            kind_path = path[:-len("/export")] if path.endswith("/export") else path
            preview_body = {k: v for k, v in body.items() if k not in ("limit", "offset", "format")}
            pre = super().post(kind_path + "/preview", json=preview_body)
            if pre.status_code != 200:
                return pre
            body["enquiry_id"] = pre.get_json()["enquiry_id"]
        return super().post(path, json=body, **kw)


@pytest.fixture(scope="session")
def search_request(app, people, demo_db) -> int:
    return confirmed_request(SessionClient(app, "officer2.mn"))


@pytest.fixture
def search_client(app, search_request):
    return SearchClient(app, "officer2.mn", search_request)


def add_test_camera(conn, location_code: str, name: str, camera_id: str, *, lon: float,
                    lat: float, bearing: int = 10, inout: str = "out",
                    facing: str = "front") -> None:
    """A test's own location with one camera (lane 1, active from 2026), if not there yet;
    ``remove_test_cameras`` takes them out again."""
    conn.execute("INSERT INTO location (code, name, unit_code, geom) VALUES (%s, %s, 'MN', "
                 "ST_SetSRID(ST_MakePoint(%s, %s), 4326)) ON CONFLICT (code) DO NOTHING",
                 (location_code, name, lon, lat))
    conn.execute("INSERT INTO camera (id, location_id, bearing, inout, lane, active_from, facing) "
                 "SELECT %s, id, %s, %s, 1, '2026-01-01', %s FROM location WHERE code = %s "
                 "ON CONFLICT (id) DO NOTHING", (camera_id, bearing, inout, facing, location_code))


def remove_test_cameras(database_url: str, location_codes: list[str]) -> None:
    """Take a test's own locations and cameras out of the shared registry again, so later
    tests (camera plans, registry exports) see only the demo registry."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DELETE FROM detector_frame WHERE camera_id IN (SELECT c.id FROM camera c"
                     " JOIN location l ON l.id = c.location_id WHERE l.code = ANY(%s))",
                     (location_codes,))
        conn.execute("DELETE FROM camera WHERE location_id IN (SELECT id FROM location"
                     " WHERE code = ANY(%s))", (location_codes,))
        conn.execute("DELETE FROM location WHERE code = ANY(%s)", (location_codes,))
