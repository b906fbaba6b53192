"""Attacks on the audit log (R6): concurrent writers must not fork the chain, and a
database superuser who rewrites, re-chains or cuts the log must be caught by the signed
checkpoints kept outside the database.

Each test gets its own database, cloned from a migrated template, because the attacks
commit their damage (as a real superuser would) and the CLI reads committed data.
"""
from __future__ import annotations

import json
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
from cli.main import main
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
    folder = tmp_path / audit.AUDIT_FOLDER
    key = folder / audit.KEY_FILE
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE((folder / audit.CHECKPOINT_FILE).stat().st_mode) == 0o600
    marks = (folder / audit.CHECKPOINT_FILE).read_text().splitlines()
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
    path = tmp_path / audit.AUDIT_FOLDER / audit.CHECKPOINT_FILE
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
    assert not (tmp_path / audit.AUDIT_FOLDER / audit.CHECKPOINT_FILE).exists()


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
        path = tmp_path / audit.AUDIT_FOLDER / audit.CHECKPOINT_FILE
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


# --- the anchor out of the database host's reach (R6) -----------------------------------

def _folder(home):
    return home / audit.AUDIT_FOLDER


def _reachable_home(tmp_path):
    """A home the database server's OS user can walk to (o+x on the folders above, as the
    embedded cluster's own checkout gets), with a file it may read: what keeps it out of
    the audit folder is then the folder's own mode, not a private temporary folder."""
    for parent in reversed([tmp_path, *tmp_path.parents]):
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)
    sentinel = tmp_path / "readable.txt"
    sentinel.write_text("anyone\n")
    sentinel.chmod(0o644)
    return sentinel


def test_the_database_servers_os_user_cannot_reach_the_key_or_the_checkpoints(
        db, tmp_path, settings):
    """What a database superuser makes the server do runs as the cluster's OS user
    (pg_read_file, COPY ... TO PROGRAM): it reads a file left open to it, but not the
    signing key, and it cannot write a checkpoint or replace the file."""
    import os

    from anpr.embedded import server_uid

    sentinel = _reachable_home(tmp_path)
    uid = server_uid(settings.database)
    _write(db, 3)
    with _connect(db) as c:
        mark = audit.checkpoint(c, tmp_path, server_uid=uid)
        c.rollback()
    folder = _folder(tmp_path)
    key, marks = folder / audit.KEY_FILE, folder / audit.CHECKPOINT_FILE
    before = marks.read_bytes()
    if uid == os.geteuid():
        # A cluster started without root runs as this very user: nothing on this host
        # keeps the key from it, and the checkpoint says so (the auditor's key must).
        assert mark["warning"] and "same OS user" in mark["warning"]
        r = _cli(db, tmp_path, "checkpoint")
        assert r.exit_code == 0 and "warning: the database server runs as this same OS user" \
            in r.output, r.output
        return
    assert mark["warning"] is None
    assert folder.stat().st_uid == os.geteuid() != uid
    with _connect(db) as c:
        c.autocommit = True
        # The control: the server's user reaches the home and reads what is open to it.
        assert c.execute("SELECT pg_read_file(%s) AS t", (str(sentinel),)).fetchone()["t"] \
            == "anyone\n"
        c.execute(f"COPY (SELECT 1) TO PROGRAM 'cat {sentinel} > /dev/null'")
        for attack in (
                ("SELECT pg_read_file(%s)", (str(key),)),
                (f"COPY (SELECT 1) TO PROGRAM 'cat {key} > /dev/null'", None),
                (f"COPY (SELECT 1) TO PROGRAM 'cat {marks} > /dev/null'", None),
                (f"COPY (SELECT 'forged') TO '{marks}'", None),
                (f"COPY (SELECT 'forged') TO PROGRAM 'cat >> {marks}'", None),
                (f"COPY (SELECT 1) TO PROGRAM 'rm -f {marks}'", None),
                (f"COPY (SELECT 1) TO PROGRAM 'mv {folder} {tmp_path}/moved'", None)):
            with pytest.raises(psycopg.Error) as refused:
                c.execute(*attack)
            assert ("ermission denied" in str(refused.value)
                    or "failed" in str(refused.value)), (attack, refused.value)
    assert marks.read_bytes() == before and key.exists()
    r = _cli(db, tmp_path, "verify")
    assert r.exit_code == 0 and "1 signed checkpoints hold" in r.output, r.output


def test_an_audit_folder_open_to_others_gets_no_checkpoint(db, tmp_path, settings):
    """A key that others could read may have been copied: no checkpoint is signed with it."""
    from anpr.embedded import server_uid

    _write(db, 2)
    assert _cli(db, tmp_path, "checkpoint").exit_code == 0
    folder = _folder(tmp_path)
    folder.chmod(0o755)
    with _connect(db) as c, pytest.raises(Exception, match="must belong to this OS user"):
        audit.checkpoint(c, tmp_path, server_uid=server_uid(settings.database))
    r = _cli(db, tmp_path, "checkpoint")
    assert r.exit_code == 1 and "mode 0700" in r.output and "0755" in r.output, r.output
    folder.chmod(0o700)
    (folder / audit.KEY_FILE).chmod(0o640)
    r = _cli(db, tmp_path, "checkpoint")
    assert r.exit_code == 1 and "checkpoint key" in r.output and "0640" in r.output, r.output


def test_a_home_the_servers_user_may_write_gets_no_checkpoint(db, tmp_path, settings):
    """Were ANPR_HOME writable by the database server's OS user, it could move the audit
    folder away and put its own key and checkpoints in its place."""
    import os

    from anpr.embedded import server_uid

    uid = server_uid(settings.database)
    home = tmp_path / "home"
    home.mkdir()
    _write(db, 2)
    with _connect(db) as c:
        assert audit.checkpoint(c, home, server_uid=uid)["seq"] == 2
        c.rollback()
        if uid == os.geteuid():  # no second user on this host: the warning above holds
            return
        os.chown(home, uid, -1)
        with pytest.raises(Exception, match="can be replaced by the database server's OS user"):
            audit.checkpoint(c, home, server_uid=uid)


def test_a_deleted_checkpoint_file_fails_verification(db, tmp_path):
    _write(db, 4)
    assert _cli(db, tmp_path, "checkpoint").exit_code == 0
    (_folder(tmp_path) / audit.CHECKPOINT_FILE).unlink()
    r = _cli(db, tmp_path, "verify")
    assert r.exit_code == 1 and "BROKEN" in r.output, r.output
    assert "checkpoints are expected" in r.output and "it was deleted" in r.output
    # Nor is the loss blessed by a new first checkpoint.
    r = _cli(db, tmp_path, "checkpoint")
    assert r.exit_code == 1 and "no checkpoint written" in r.output, r.output
    assert not (_folder(tmp_path) / audit.CHECKPOINT_FILE).exists()


def test_an_emptied_checkpoint_file_fails_verification(db, tmp_path):
    _write(db, 4)
    assert _cli(db, tmp_path, "checkpoint").exit_code == 0
    (_folder(tmp_path) / audit.CHECKPOINT_FILE).write_text("")
    r = _cli(db, tmp_path, "verify")
    assert r.exit_code == 1 and "it was emptied or replaced" in r.output, r.output


def test_a_fresh_installation_verifies_and_can_be_made_to_require_checkpoints(db, tmp_path):
    """Never a checkpoint written (no key): verify passes with a note; an auditor who wants
    them says so and gets a failure."""
    _write(db, 2)
    r = _cli(db, tmp_path, "verify")
    assert r.exit_code == 0 and "a fresh installation" in r.output, r.output
    r = _cli(db, tmp_path, "verify", "--require-checkpoints")
    assert r.exit_code == 1 and "checkpoints are expected (they are required)" in r.output, \
        r.output
    assert _cli(db, tmp_path, "checkpoint").exit_code == 0
    r = _cli(db, tmp_path, "verify", "--require-checkpoints")
    assert r.exit_code == 0 and "1 signed checkpoints hold" in r.output, r.output


def _other_key(path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    path.write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return key


def test_checkpoints_forged_with_another_key_are_caught_by_the_auditors_key(db, tmp_path):
    """The strongest attacker on the database host: he re-chains the log, then replaces
    the whole audit folder (key, public key, checkpoints) with his own. The host's files now
    agree with each other; the auditor's public key, taken at installation, does not."""
    import shutil

    _write(db, 5)
    assert _cli(db, tmp_path, "checkpoint").exit_code == 0
    auditor = tmp_path / "auditor"
    auditor.mkdir()
    shutil.copy(_folder(tmp_path) / audit.PUBLIC_FILE, auditor / "anpr-audit.pub")
    r = _cli(db, tmp_path, "verify", "--public-key", str(auditor / "anpr-audit.pub"))
    assert r.exit_code == 0 and "1 signed checkpoints hold" in r.output, r.output
    # One line signed with another key, appended to the host's file: refused by either key.
    forged = tmp_path / "forger.pub"
    key = _other_key(forged)
    line = json.loads((_folder(tmp_path) / audit.CHECKPOINT_FILE).read_text())
    line = {**line, "seq": 9}
    line["sig"] = key.sign(audit._signed_part(line)).hex()
    with open(_folder(tmp_path) / audit.CHECKPOINT_FILE, "a") as fh:
        fh.write(json.dumps(line) + "\n")
    r = _cli(db, tmp_path, "verify")
    assert r.exit_code == 1 and "not signed by the audit key" in r.output, r.output
    # The whole folder replaced after a rewrite of the log.
    with _connect(db) as c:
        c.execute("SET session_replication_role = replica")
        c.execute("UPDATE audit_log SET actor = 'someone else' WHERE seq = 2")
        c.execute("SET session_replication_role = origin")
        c.commit()
        _superuser_rechain(c, 2)
    shutil.rmtree(_folder(tmp_path))
    with _connect(db) as c:
        audit.checkpoint(c, tmp_path)  # a fresh key, his own
        c.rollback()
    r = _cli(db, tmp_path, "verify")
    assert r.exit_code == 0  # the host alone cannot tell: that is why the auditor holds a key
    r = _cli(db, tmp_path, "verify", "--public-key", str(auditor / "anpr-audit.pub"))
    assert r.exit_code == 1 and "not signed by the audit key" in r.output, r.output


def test_the_auditors_copy_of_the_checkpoints_catches_a_cut_tail(db, tmp_path):
    """The tail of the log cut, and the host's checkpoint file cut back to match (as root on
    the host could): the auditor's earlier copy still vouches for the lost records."""
    import shutil

    _write(db, 3)
    assert _cli(db, tmp_path, "checkpoint").exit_code == 0
    _write(db, 3)
    assert _cli(db, tmp_path, "checkpoint").exit_code == 0
    auditor = tmp_path / "auditor"
    auditor.mkdir()
    shutil.copy(_folder(tmp_path) / audit.PUBLIC_FILE, auditor / "anpr-audit.pub")
    shutil.copy(_folder(tmp_path) / audit.CHECKPOINT_FILE, auditor / "checkpoints.jsonl")
    with _connect(db) as c:
        c.execute("SET session_replication_role = replica")
        c.execute("DELETE FROM audit_log WHERE seq > 3")
        c.execute("UPDATE audit_chain_head SET seq = 3,"
                  " hash = (SELECT hash FROM audit_log WHERE seq = 3)")
        c.execute("SET session_replication_role = origin")
        c.commit()
    host = _folder(tmp_path) / audit.CHECKPOINT_FILE
    host.write_text(host.read_text().splitlines(keepends=True)[0])
    assert _cli(db, tmp_path, "verify").exit_code == 0  # the host agrees with itself
    r = _cli(db, tmp_path, "verify", "--public-key", str(auditor / "anpr-audit.pub"),
             "--checkpoints", str(auditor / "checkpoints.jsonl"))
    assert r.exit_code == 1 and "the newest records were deleted" in r.output, r.output
    assert "vouches for 6 records" in r.output
    # An auditor's key or file that is not there is a failure, never a pass.
    r = _cli(db, tmp_path, "verify", "--checkpoints", str(auditor / "gone.jsonl"))
    assert r.exit_code == 1 and "checkpoints are expected" in r.output, r.output


def test_checkpoints_of_an_earlier_layout_move_into_the_audit_folder(db, tmp_path):
    """Key and checkpoints kept in ANPR_HOME itself (before the audit folder) are moved
    into it and keep verifying."""
    _write(db, 2)
    assert _cli(db, tmp_path, "checkpoint").exit_code == 0
    folder = _folder(tmp_path)
    for old, new in audit._LEGACY.items():
        (folder / new).rename(tmp_path / old)
    folder.rmdir()
    r = _cli(db, tmp_path, "verify")
    assert r.exit_code == 0 and "1 signed checkpoints hold" in r.output, r.output
    assert sorted(p.name for p in folder.iterdir()) == sorted(audit._LEGACY.values())
    assert not any((tmp_path / old).exists() for old in audit._LEGACY)
