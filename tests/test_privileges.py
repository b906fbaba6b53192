"""Least privilege (R6, R10): the web app and workers connect as a role that cannot
change the log or the passages, nor switch off what guards them; retention alone drops
whole days; the auditor reads the log and nothing about a passage.

The policy is one table (anpr/privileges.py POLICY); a table without an entry fails here.
Every attack is made through a real login of the role, on the session's database.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlsplit

import psycopg
import pytest

from anpr import privileges
from tests.conftest import role_url

PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")


def _name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


@pytest.fixture(scope="module")
def urls(settings, database_url):
    with psycopg.connect(database_url) as c:
        if not privileges.roles_present(c):
            pytest.fail("the server has no project roles: the embedded cluster creates them")
    name = _name(database_url)
    return {role: role_url(settings, role, name) for role in ("app", "retention", "auditor")}


def _as(url: str):
    return psycopg.connect(url, autocommit=True)


def test_every_table_has_a_policy_entry(conn):
    missing = [name for name, _ in privileges.relations(conn) if name not in privileges.POLICY]
    assert missing == [], f"add these to anpr/privileges.py POLICY: {missing}"
    stale = sorted(set(privileges.POLICY) - {n for n, _ in privileges.relations(conn)})
    assert stale == [], f"POLICY names tables that do not exist: {stale}"


def test_granted_privileges_are_exactly_the_policy(conn):
    wrong = []
    for name, _ in privileges.relations(conn):
        policy = privileges.POLICY[name]
        for role in privileges.GRANTED:
            allowed = {p.strip() for p in policy.get(role, "").split(",") if p.strip()}
            for priv in PRIVILEGES:
                has = conn.execute("SELECT has_table_privilege(%s, %s, %s) AS ok",
                                   (role, name, priv)).fetchone()["ok"]
                if has != (priv in allowed):
                    wrong.append((role, name, priv, has))
    assert wrong == []


def test_no_login_role_is_privileged(conn):
    rows = conn.execute(
        "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication "
        "FROM pg_roles WHERE rolname = ANY(%s)", (list(privileges.LOGIN_ROLES.values()),)
    ).fetchall()
    assert len(rows) == 4
    assert all(not any(v for k, v in r.items() if k != "rolname") for r in rows), rows


def test_the_web_app_connects_as_the_app_role(app):
    pool = app.extensions["anpr_pool"]
    with pool.connection() as c:
        row = c.execute("SELECT current_user AS who, (SELECT rolsuper FROM pg_roles "
                        "WHERE rolname = current_user) AS super").fetchone()
    who = row["who"] if isinstance(row, dict) else row[0]
    sup = row["super"] if isinstance(row, dict) else row[1]
    assert (who, sup) == (privileges.APP, False)


APP_REFUSED = [
    "UPDATE audit_log SET action = 'x' WHERE id = (SELECT min(id) FROM audit_log)",
    "DELETE FROM audit_log",
    "TRUNCATE audit_log",
    "UPDATE audit_chain_head SET hash = 'x'",
    "ALTER TABLE audit_log DISABLE TRIGGER USER",
    "ALTER TABLE jj126.passage DISABLE TRIGGER passage_immutable",
    "SET session_replication_role = replica",
    "TRUNCATE jj126.passage",
    "CREATE TABLE public.smuggled (x int)",
    "CREATE TABLE jj126.smuggled (x int)",
    "DROP TABLE retention_log",
    "DELETE FROM retention_log",
    "INSERT INTO jj126.secured_passage (enquiry_ref) VALUES ('x')",
    "DELETE FROM jj126.image_day_key",
    "INSERT INTO road_segment DEFAULT VALUES",
    "ALTER FUNCTION audit_log_chain() OWNER TO anpr_app",
    "CREATE OR REPLACE FUNCTION jj126.ensure_partition(day date) RETURNS text "
    "LANGUAGE sql AS $$ SELECT 'x' $$",
]


@pytest.mark.parametrize("statement", APP_REFUSED)
def test_the_app_role_cannot(urls, statement):
    with _as(urls["app"]) as c, pytest.raises(psycopg.errors.InsufficientPrivilege):
        c.execute(statement)


def test_the_app_role_cannot_drop_or_edit_a_day(urls, conn):
    part = conn.execute("SELECT c.oid::regclass::text AS p FROM pg_inherits i JOIN pg_class c "
                        "ON c.oid = i.inhrelid WHERE i.inhparent = 'jj126.passage'::regclass "
                        "LIMIT 1").fetchone()["p"]
    for statement in (f"DROP TABLE {part}", f"ALTER TABLE {part} DISABLE TRIGGER ALL",
                      f"DELETE FROM {part}", f"INSERT INTO {part} DEFAULT VALUES",
                      f"CLUSTER {part}", f"TRUNCATE {part}",
                      f"ALTER TABLE jj126.passage DETACH PARTITION {part}"):
        with _as(urls["app"]) as c, pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute(statement)


def test_the_app_role_does_its_work(urls):
    """Intake's path: a day's partition appears on demand (owner's function), a passage
    and an audit record are added, and both can be read back; an edit is still refused."""
    day = date(2031, 1, 2)
    with _as(urls["app"]) as c:
        part = c.execute("SELECT jj126.ensure_partition(%s)", (day,)).fetchone()[0]
        owner = c.execute("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = %s::regclass",
                          (f"jj126.{part}",)).fetchone()[0]
        assert owner == privileges.RETENTION
        cam = c.execute("SELECT id FROM camera LIMIT 1").fetchone()
        assert cam is not None
        c.execute("BEGIN")
        at = datetime(2031, 1, 2, 12, tzinfo=timezone.utc)
        pid = c.execute(
            "INSERT INTO jj126.passage (camera_id, captured_at, plate, plate_raw, country, "
            "confidence, capture_id, geom) VALUES (%s, %s, 'ZZ999Z', 'ZZ-999-Z', 'NL', 0.9, "
            "'priv-test', ST_SetSRID(ST_MakePoint(5.1, 52.1), 4326)) RETURNING id",
            (cam[0], at)).fetchone()[0]
        c.execute("INSERT INTO audit_log (actor, action, subject, details) VALUES "
                  "('test', 'privilege.test', %s, '{}'::jsonb)", (f"passage:{pid}",))
        c.execute("COMMIT")
        assert c.execute("SELECT count(*) FROM jj126.passage WHERE id = %s AND captured_at = %s",
                         (pid, at)).fetchone()[0] == 1
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute("UPDATE jj126.passage SET plate = 'AA000A' WHERE id = %s", (pid,))


def test_retention_drops_a_day_and_cannot_touch_the_log(urls, settings):
    from ingest.retention import destroy_day

    day = date(2031, 1, 5)
    with _as(urls["app"]) as c:
        c.execute("SELECT jj126.ensure_partition(%s)", (day,))
    with psycopg.connect(urls["retention"]) as c:
        report = destroy_day(c, day, None)
        assert report.day == day
        assert c.execute("SELECT to_regclass(%s)", (f"jj126.passage_p{day:%Y%m%d}",)
                         ).fetchone()[0] is None
        assert c.execute("SELECT count(*) FROM retention_log WHERE day = %s",
                         (day,)).fetchone()[0] == 1
    for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log",
                      "TRUNCATE audit_log", "ALTER TABLE audit_log DISABLE TRIGGER USER",
                      "DELETE FROM retention_log", "INSERT INTO jj126.passage DEFAULT VALUES",
                      "UPDATE request SET id = id", "SELECT * FROM account"):
        with _as(urls["retention"]) as c, pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute(statement)


def test_the_auditor_reads_the_log_and_nothing_of_a_passage(urls):
    with _as(urls["auditor"]) as c:
        assert c.execute("SELECT count(*) FROM audit_log").fetchone()[0] >= 0
        c.execute("SELECT * FROM audit_chain_head")
        c.execute("SELECT * FROM passage_day_stat")
    for statement in ("SELECT * FROM jj126.passage", "SELECT * FROM jj126.case_passage",
                      "SELECT * FROM jj126.secured_passage", "SELECT * FROM request",
                      "SELECT * FROM account", "SELECT * FROM jj126.image_day_key",
                      "INSERT INTO audit_log (actor, action) VALUES ('a', 'b')",
                      "UPDATE audit_log SET action = 'x'"):
        with _as(urls["auditor"]) as c, pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute(statement)


def test_audit_verify_runs_as_the_auditor(urls, database_url, tmp_path):
    from anpr import audit

    with psycopg.connect(urls["auditor"]) as c:
        from psycopg.rows import dict_row

        c.row_factory = dict_row
        report = audit.verify(c, tmp_path)
    assert report.ok, report.reason


def test_role_passwords_are_private(settings):
    import stat

    from anpr.embedded import cluster_for

    if not settings.database.embedded:
        pytest.skip("DATABASE_URL is set: the operator keeps the roles' passwords")
    cluster = cluster_for(settings.database)
    for short in privileges.LOGIN_ROLES:
        mode = stat.S_IMODE(cluster.role_password_file(short).stat().st_mode)
        assert mode == 0o600, (short, oct(mode))


def test_grants_survive_a_second_migration(database_url, conn):
    """Migrating again (every `anpr db migrate`, every `anpr serve`) re-applies the
    policy and leaves it as it was."""
    from anpr.database import migrate

    before = conn.execute("SELECT relname, relacl::text FROM pg_class WHERE relnamespace IN "
                          "('public'::regnamespace, 'jj126'::regnamespace) AND relkind IN "
                          "('r','p','v') AND NOT relispartition ORDER BY 1").fetchall()
    conn.rollback()
    migrate(database_url)
    after = conn.execute("SELECT relname, relacl::text FROM pg_class WHERE relnamespace IN "
                         "('public'::regnamespace, 'jj126'::regnamespace) AND relkind IN "
                         "('r','p','v') AND NOT relispartition ORDER BY 1").fetchall()
    assert before == after


# -- the audit log keeps its own time (R6: a writer cannot backdate a record) -----------

@pytest.mark.parametrize("at", ["2020-01-01T00:00:00+00", "2999-01-01T00:00:00+00", None])
def test_the_app_role_cannot_choose_an_audit_records_time(urls, at):
    """A record's ``at`` is the database's clock: the app role naming a time of its own
    (earlier, later, or none) is refused, and nothing is stored."""
    marker = f"backdate-{at}"
    with _as(urls["app"]) as c:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="sets its own time"):
            c.execute("INSERT INTO audit_log (actor, action, subject, at) VALUES "
                      "('app', 'privilege.test', %s, %s)", (marker, at))
        assert c.execute("SELECT count(*) FROM audit_log WHERE subject = %s",
                         (marker,)).fetchone()[0] == 0


def test_an_audit_record_is_stamped_by_the_database(urls):
    """Written without a time, a record gets the time of its transaction, sealed into the
    chain with it."""
    with _as(urls["app"]) as c:
        c.execute("BEGIN")
        now = c.execute("SELECT now()").fetchone()[0]
        rid = c.execute("INSERT INTO audit_log (actor, action, subject) VALUES "
                        "('app', 'privilege.test', 'stamped') RETURNING id").fetchone()[0]
        c.execute("COMMIT")
        at, sealed = c.execute("SELECT at, hash IS NOT NULL FROM audit_log WHERE id = %s",
                               (rid,)).fetchone()
    assert at == now and sealed
