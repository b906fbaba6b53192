"""Attacks on the audit log (R6): concurrent writers must not fork the chain, and a
database superuser who rewrites, re-chains or cuts the log must be caught by the signed
checkpoints kept outside the database.

Each test gets its own database, cloned from a migrated template, because the attacks
commit their damage (as a real superuser would) and the CLI reads committed data.
"""
from __future__ import annotations

import random
import stat
import threading
import time
import uuid

import psycopg
import pytest
from click.testing import CliRunner
from psycopg.rows import dict_row

from anpr import audit
from anpr.cli import main
from anpr.database import migrate
from tests.conftest import _with_database


@pytest.fixture(scope="module")
def template_db(server_url):
    name = f"anpr_audit_tpl_{uuid.uuid4().hex[:6]}"
    admin = _with_database(server_url, "postgres")
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    migrate(_with_database(server_url, name))
    yield name
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def db(server_url, template_db):
    """A fresh database of its own: the URL."""
    name = f"anpr_audit_{uuid.uuid4().hex[:8]}"
    admin = _with_database(server_url, "postgres")
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    yield _with_database(server_url, name)
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _connect(url):
    return psycopg.connect(url, row_factory=dict_row)


def _write(url, n, actor="tester"):
    with _connect(url) as c:
        for i in range(n):
            audit.record(c, actor, "test.event", f"t:{i}", n=i)
            c.commit()


def _cli(url, home, *args):
    return CliRunner().invoke(main, ["audit", *args],
                              env={"DATABASE_URL": url, "ANPR_HOME": str(home)})


def _superuser_rechain(c, from_seq):
    """What a superuser can do: rewrite every hash from ``from_seq`` on, head included."""
    c.execute("SET session_replication_role = replica")
    rows = c.execute("SELECT id, seq FROM audit_log WHERE seq >= %s ORDER BY seq",
                     (from_seq,)).fetchall()
    prev = c.execute("SELECT hash FROM audit_log WHERE seq = %s",
                     (from_seq - 1,)).fetchone()
    prev = prev["hash"] if prev else "0" * 64
    for r in rows:
        h = c.execute("UPDATE audit_log SET prev_hash = %s,"
                      " hash = audit_record_hash(%s, id, at, actor, action, subject, details)"
                      " WHERE id = %s RETURNING hash", (prev, prev, r["id"])).fetchone()["hash"]
        prev = h
    c.execute("UPDATE audit_chain_head SET hash = %s", (prev,))
    c.execute("SET session_replication_role = origin")
    c.commit()


# --- concurrency ---------------------------------------------------------------------

def test_eight_concurrent_writers_keep_one_chain(db, tmp_path):
    """8 connections, records inside longer transactions with random sleeps, some rolled
    back: the chain is one line in commit order, and verify finds no tampering."""
    committed = []
    errors = []
    lock = threading.Lock()

    def writer(w):
        rnd = random.Random(w)
        try:
            with _connect(db) as c:
                for t in range(12):
                    ids = []
                    for k in range(rnd.randint(1, 3)):
                        ids.append(audit.record(c, f"writer{w}", "test.event", f"{w}:{t}:{k}"))
                        time.sleep(rnd.random() * 0.01)
                    if rnd.random() < 0.25:
                        c.rollback()
                    else:
                        c.commit()
                        with lock:
                            committed.extend(ids)
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with _connect(db) as c:
        report = audit.verify(c)
        assert report.ok, report
        rows = c.execute("SELECT id, seq, prev_hash, hash FROM audit_log ORDER BY seq").fetchall()
        head = c.execute("SELECT seq, hash FROM audit_chain_head").fetchone()
    assert sorted(r["id"] for r in rows) == sorted(committed)
    assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
    prevs = [r["prev_hash"] for r in rows]
    assert len(set(prevs)) == len(prevs)  # no fork: each hash is followed once
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(rows, rows[1:]))
    assert head == {"seq": rows[-1]["seq"], "hash": rows[-1]["hash"]}
    r = _cli(db, tmp_path, "verify")
    assert r.exit_code == 0 and "intact" in r.output, r.output


def test_the_chain_lock_does_not_serialise_callers_transactions(db):
    """The seal takes the chain lock at commit, so 8 transactions that each write a record
    and then work 0.3 s run side by side, not one after another (2.4 s)."""
    def tx():
        with _connect(db) as c:
            audit.record(c, "tester", "test.event", "slow")
            c.execute("SELECT pg_sleep(0.3)")
            c.commit()

    threads = [threading.Thread(target=tx) for _ in range(8)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    assert elapsed < 1.5, elapsed
    with _connect(db) as c:
        assert audit.verify(c).ok


def test_the_seal_cannot_be_forged_by_the_writer(db):
    """A writer that supplies its own hash, position or link is overruled by the seal."""
    with _connect(db) as c:
        audit.record(c, "tester", "test.event", "a")
        c.execute("INSERT INTO audit_log (actor, action, seq, prev_hash, hash)"
                  " VALUES ('x', 'y', 99, repeat('1', 64), repeat('2', 64))")
        c.commit()
        assert audit.verify(c).ok
        assert c.execute("SELECT max(seq) AS m FROM audit_log").fetchone()["m"] == 2
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute("UPDATE audit_chain_head SET seq = 0")
        c.rollback()


# --- a superuser against the checkpoints ------------------------------------------------

def test_checkpoint_key_is_private_and_kept_outside_the_database(db, tmp_path):
    _write(db, 3)
    r = _cli(db, tmp_path, "checkpoint")
    assert r.exit_code == 0, r.output
    key = tmp_path / audit.KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    marks = (tmp_path / audit.CHECKPOINT_FILE).read_text().splitlines()
    assert len(marks) == 1 and '"seq": 3' in marks[0]
    with _connect(db) as c:  # the key is nowhere in the database
        secret = key.read_text().splitlines()[1]
        dump = c.execute("SELECT string_agg(details::text || hash, '') AS s FROM audit_log"
                         ).fetchone()["s"]
        assert secret not in dump
    r = _cli(db, tmp_path, "verify")
    assert r.exit_code == 0 and "1 signed checkpoints hold" in r.output, r.output


def test_edit_and_rechain_is_caught_by_the_checkpoint(db, tmp_path):
    _write(db, 6)
    assert _cli(db, tmp_path, "checkpoint").exit_code == 0
    _write(db, 2)
    with _connect(db) as c:
        c.execute("SET session_replication_role = replica")
        c.execute("UPDATE audit_log SET actor = 'someone else' WHERE seq = 3")
        c.execute("SET session_replication_role = origin")
        c.commit()
        _superuser_rechain(c, 3)
        assert audit.verify(c).ok  # the chain alone cannot see it: that is the attack
        report = audit.verify(c, tmp_path)
    assert not report.ok and "rewritten" in report.reason
    r = _cli(db, tmp_path, "verify")
    assert r.exit_code == 1 and "BROKEN" in r.output and "rewritten" in r.output, r.output
    r = _cli(db, tmp_path, "checkpoint")
    assert r.exit_code == 1 and "rewritten" in r.output, r.output


def test_deleting_the_newest_records_is_caught_by_the_checkpoint(db, tmp_path):
    _write(db, 5)
    assert _cli(db, tmp_path, "checkpoint").exit_code == 0
    with _connect(db) as c:
        c.execute("SET session_replication_role = replica")
        c.execute("DELETE FROM audit_log WHERE seq > 3")
        c.execute("UPDATE audit_chain_head SET seq = 3,"
                  " hash = (SELECT hash FROM audit_log WHERE seq = 3)")
        c.execute("SET session_replication_role = origin")
        c.commit()
        assert audit.verify(c).ok  # self-consistent: only the checkpoint remembers
    r = _cli(db, tmp_path, "verify")
    assert r.exit_code == 1, r.output
    assert "the newest records were deleted" in r.output and "5 records" in r.output
    r = _cli(db, tmp_path, "checkpoint")  # and the cut log is never anchored
    assert r.exit_code == 1 and "records were deleted" in r.output, r.output


def test_deleting_a_record_in_the_middle_is_caught(db, tmp_path):
    _write(db, 5)
    assert _cli(db, tmp_path, "checkpoint").exit_code == 0
    with _connect(db) as c:
        c.execute("SET session_replication_role = replica")
        c.execute("DELETE FROM audit_log WHERE seq = 2")
        c.execute("SET session_replication_role = origin")
        c.commit()
    r = _cli(db, tmp_path, "verify")
    assert r.exit_code == 1 and "removed" in r.output, r.output


def test_delete_middle_and_rechain_is_caught_by_the_checkpoint(db, tmp_path):
    _write(db, 5)
    assert _cli(db, tmp_path, "checkpoint").exit_code == 0
    with _connect(db) as c:
        c.execute("SET session_replication_role = replica")
        c.execute("DELETE FROM audit_log WHERE seq = 2")
        c.execute("UPDATE audit_log SET seq = 1 - seq WHERE seq > 2")
        c.execute("UPDATE audit_log SET seq = -seq WHERE seq < 0")
        c.execute("UPDATE audit_chain_head SET seq = seq - 1")
        c.commit()
        _superuser_rechain(c, 2)
        assert audit.verify(c).ok
    r = _cli(db, tmp_path, "verify")
    assert r.exit_code == 1 and "BROKEN" in r.output, r.output


def test_a_forged_checkpoint_is_refused(db, tmp_path):
    _write(db, 3)
    assert _cli(db, tmp_path, "checkpoint").exit_code == 0
    path = tmp_path / audit.CHECKPOINT_FILE
    path.write_text(path.read_text().replace('"seq": 3', '"seq": 2'))
    r = _cli(db, tmp_path, "verify")
    assert r.exit_code == 1 and "not signed by the audit key" in r.output, r.output


def test_a_broken_chain_gets_no_checkpoint(db, tmp_path):
    _write(db, 3)
    with _connect(db) as c:
        c.execute("SET session_replication_role = replica")
        c.execute("UPDATE audit_log SET actor = 'x' WHERE seq = 2")
        c.commit()
    r = _cli(db, tmp_path, "checkpoint")
    assert r.exit_code == 1 and "no checkpoint written" in r.output, r.output
    assert not (tmp_path / audit.CHECKPOINT_FILE).exists()


def test_verify_without_checkpoints_says_the_chain_is_not_anchored(db, tmp_path):
    _write(db, 2)
    r = _cli(db, tmp_path, "verify")
    assert r.exit_code == 0 and "no signed checkpoints yet" in r.output, r.output


def test_the_serve_loop_writes_checkpoints(db, tmp_path):
    _write(db, 2)
    loop = audit.CheckpointLoop(db, tmp_path, 0.2)
    loop.start()
    try:
        deadline = time.monotonic() + 10
        path = tmp_path / audit.CHECKPOINT_FILE
        while time.monotonic() < deadline and not path.exists():
            time.sleep(0.1)
    finally:
        loop.stop.set()
        loop.join(5)
    assert path.exists() and '"seq": 2' in path.read_text()


def test_the_privacy_audit_reports_the_checkpoints(db, tmp_path):
    from casework import reports

    _write(db, 4)
    with _connect(db) as c:
        rows = {r[0]: r[1] for r in reports.privacy_audit(c, 2026, tmp_path)[0].rows}
        assert rows["Auditketen"].startswith("intact")
        assert rows["Ondertekende controlepunten van de auditketen"].startswith("geen")
        audit.checkpoint(c, tmp_path)
        c.commit()
        c.execute("SET session_replication_role = replica")
        c.execute("DELETE FROM audit_log WHERE seq = 4")
        c.commit()
        rows = {r[0]: r[1] for r in reports.privacy_audit(c, 2026, tmp_path)[0].rows}
    assert rows["Auditketen"].startswith("GEBROKEN") and "deleted" in rows["Auditketen"]


def test_a_least_privileged_role_can_write_the_log_but_not_undo_it(db):
    """The design for the application's role (R6, R10): INSERT and SELECT on the log only.
    It can still append (the seal runs as the owner), and it cannot update, delete,
    truncate, move the chain head, disable the triggers or switch them off by replica."""
    role = f"anpr_app_{uuid.uuid4().hex[:8]}"
    with _connect(db) as c:
        c.execute(f'CREATE ROLE "{role}" NOLOGIN')
        c.execute(f'GRANT SELECT, INSERT ON audit_log TO "{role}"')
        c.execute(f'GRANT SELECT ON audit_chain_head TO "{role}"')
        c.commit()
        try:
            c.execute(f'SET ROLE "{role}"')
            audit.record(c, "tester", "test.event", "as app")
            c.commit()
            assert audit.verify(c).ok
            for stmt in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log",
                         "TRUNCATE audit_log", "UPDATE audit_chain_head SET seq = 0",
                         "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
                         "SET session_replication_role = replica"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    c.execute(stmt)
                c.rollback()
                c.execute(f'SET ROLE "{role}"')
            assert c.execute("SELECT count(*) AS n FROM audit_log WHERE hash IS NOT NULL"
                             ).fetchone()["n"] == 1
        finally:
            c.rollback()
            c.execute("RESET ROLE")
            c.execute(f'DROP OWNED BY "{role}"')
            c.execute(f'DROP ROLE "{role}"')
            c.commit()


def test_records_written_before_the_seal_keep_verifying(server_url):
    """Migration 0018b gives the existing chain its positions in id order, keeps its
    hashes, and new records link to its last one."""
    name = f"anpr_audit_old_{uuid.uuid4().hex[:6]}"
    admin = _with_database(server_url, "postgres")
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(server_url, name)
    try:
        migrate(url, "0017")
        with _connect(url) as c:
            for i in range(3):
                c.execute("INSERT INTO audit_log (actor, action) VALUES ('old', %s)", (str(i),))
            c.commit()
            last = c.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        migrate(url)
        _write(url, 2)
        with _connect(url) as c:
            assert audit.verify(c).ok
            rows = c.execute("SELECT seq, prev_hash FROM audit_log ORDER BY seq").fetchall()
        assert [r["seq"] for r in rows] == [1, 2, 3, 4, 5]
        assert rows[3]["prev_hash"] == last["hash"]
    finally:
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
