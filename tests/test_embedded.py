"""The embedded cluster: initialised in a project folder, owned by an unprivileged user,
listening on loopback only, reused, and never started when DATABASE_URL is set."""
from __future__ import annotations

import os
import pwd
import subprocess
import sys

import psycopg
import pytest

from anpr.embedded import Cluster, database_url
from anpr.settings import DatabaseSettings


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = Cluster(home=tmp_path_factory.mktemp("embedded"), service_user="anpr-db")
    c.start()
    yield c
    c.stop()


def test_cluster_starts_and_serves_postgis(cluster):
    assert cluster.running()
    with psycopg.connect(cluster.url("postgres")) as conn:
        assert conn.execute("SHOW listen_addresses").fetchone()[0] == "127.0.0.1"
        assert conn.execute("SHOW timezone").fetchone()[0] == "UTC"
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        assert conn.execute("SELECT postgis_lib_version()").fetchone()[0].startswith("3.")


def test_cluster_listens_on_a_unix_socket_too(cluster):
    with psycopg.connect(cluster.socket_url("postgres")) as conn:
        assert conn.execute("SELECT 1").fetchone()[0] == 1
    assert any(p.name.startswith(".s.PGSQL.") for p in cluster.socket_dir.iterdir())


def test_cluster_is_owned_by_an_unprivileged_user(cluster):
    owner = pwd.getpwuid(cluster.data.stat().st_uid).pw_name
    if os.geteuid() == 0:
        assert owner == "anpr-db"
    assert owner != "root"
    assert cluster.password_file.stat().st_mode & 0o077 == 0


def test_start_is_idempotent_and_reuses_the_cluster(cluster):
    port = cluster.port()
    cluster.start()
    assert cluster.port() == port and cluster.running()


def test_a_restart_applies_this_versions_settings_to_an_existing_cluster(cluster, monkeypatch):
    from anpr import embedded

    monkeypatch.setitem(embedded.SERVER_CONFIG, "work_mem", "'48MB'")
    cluster.stop()
    cluster.start()
    with psycopg.connect(cluster.url("postgres")) as conn:
        assert conn.execute("SHOW work_mem").fetchone()[0] == "48MB"
    monkeypatch.undo()
    cluster.stop()
    cluster.start()
    with psycopg.connect(cluster.url("postgres")) as conn:
        assert conn.execute("SHOW work_mem").fetchone()[0] == "64MB"


def test_password_is_required(cluster):
    bad = f"postgresql://anpr:wrong@127.0.0.1:{cluster.port()}/postgres"
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(bad).close()


def test_database_url_setting_never_starts_an_own_cluster(tmp_path):
    settings = DatabaseSettings(url="postgresql://x:y@127.0.0.1:1/none", home=tmp_path / "h",
                                service_user="anpr-db", pool_size=1)
    assert database_url(settings) == "postgresql://x:y@127.0.0.1:1/none"
    assert not (tmp_path / "h").exists()


def test_cli_db_status_and_url():
    out = subprocess.run([sys.executable, "-m", "cli", "db", "status"], capture_output=True,
                         text=True, check=True).stdout
    assert '"running": true' in out or '"mode": "external' in out
    url = subprocess.run([sys.executable, "-m", "cli", "db", "url"], capture_output=True,
                         text=True, check=True).stdout.strip()
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT 1").fetchone()[0] == 1
