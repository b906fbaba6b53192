"""The tamper-evident audit log (R6, art. 8 AMvB): append, verify and anchor.

Records are chained in the database itself. A record is inserted unsealed; when its
transaction commits, a deferred trigger locks the one chain-head row, gives the record
the next position (``seq``) and stores the SHA-256 of the head's hash and the record's
content. So the chain follows commit order under any number of writers, and the lock is
held only through the commit, not through the caller's transaction. Other triggers refuse
UPDATE, DELETE and TRUNCATE. Verification recomputes every hash with the same SQL
function, so an edit made by someone who bypassed the triggers is still detected.

A superuser could still rewrite a record and recompute every later hash, or cut off the
newest records. Against that the chain head is signed (Ed25519) with a key kept in the
application's home, mode 0600, never in the database, and appended to a checkpoint file
there; verification holds the chain against every checkpoint.
"""
from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import psycopg
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey, Ed25519PublicKey,
)

from anpr.errors import Conflict

log = logging.getLogger(__name__)


def record(conn: psycopg.Connection, actor: str, action: str, subject: str | None = None,
           **details: Any) -> int:
    """Append one record; returns its id. Runs in the caller's transaction."""
    row = conn.execute(
        "INSERT INTO audit_log (actor, action, subject, details) VALUES (%s, %s, %s, %s::jsonb)"
        " RETURNING id",
        (actor, action, subject, json.dumps(details, default=str, sort_keys=True))).fetchone()
    return row["id"] if isinstance(row, dict) else row[0]


@dataclass(frozen=True)
class ChainReport:
    records: int
    ok: bool
    first_broken_id: int | None = None
    reason: str | None = None
    checkpoints: int = 0
    anchored_seq: int | None = None
    warning: str | None = None


ZERO = "0" * 64

VERIFY_SQL = """
SELECT id, seq, prev_hash, hash,
       audit_record_hash(prev_hash, id, at, actor, action, subject, details) AS recomputed
  FROM audit_log
 WHERE seq > %(after)s OR seq IS NULL
 ORDER BY seq NULLS LAST, id
"""


def seal_pending(conn: psycopg.Connection) -> None:
    """Seal this transaction's own records now instead of at commit (so it can read them)."""
    conn.execute("SET CONSTRAINTS audit_log_seal IMMEDIATE")
    conn.execute("SET CONSTRAINTS audit_log_seal DEFERRED")


def verify(conn: psycopg.Connection, home: Path | None = None, *,
           since_last_checkpoint: bool = False) -> ChainReport:
    """Recompute the chain from the first record; stop at the first that does not hold.

    With ``home``, the chain is also held against the signed checkpoints kept there:
    a record the auditor's key vouched for must still be there with the same hash.
    ``since_last_checkpoint`` checks only the last checkpointed record and what follows
    it (the periodic checkpoint's quick check; ``anpr audit verify`` walks all).
    """
    seal_pending(conn)
    database = _database(conn)
    marks = _read_checkpoints(home, database) if home is not None else Checkpoints([], None)
    if marks.error:
        return ChainReport(0, False, None, marks.error)
    wanted = {c["seq"]: c for c in marks.items}
    n, prev_hash, prev_seq = 0, ZERO, 0
    if since_last_checkpoint and marks.items:
        last = marks.items[-1]
        row = conn.execute("SELECT id, hash, audit_record_hash(prev_hash, id, at, actor,"
                           " action, subject, details) AS recomputed"
                           " FROM audit_log WHERE seq = %s", (last["seq"],)).fetchone()
        if last["seq"] and row is None:
            return ChainReport(0, False, None, (
                f"record number {last['seq']}, vouched for by the signed checkpoint of "
                f"{last['at']}, is gone: records were deleted"))
        if row is not None and (row["hash"] != last["hash"] or row["hash"] != row["recomputed"]):
            return ChainReport(0, False, row["id"], (
                f"it differs from the signed checkpoint of {last['at']} (record number "
                f"{last['seq']}): the log was rewritten"))
        prev_seq, prev_hash = last["seq"], last["hash"]
    with conn.cursor(name="audit_verify") as cur:
        cur.itersize = 5000
        cur.execute(VERIFY_SQL, {"after": prev_seq})
        for row in cur:
            n += 1
            if row["seq"] is None or row["hash"] is None:
                return ChainReport(n, False, row["id"], "it was never sealed into the chain "
                                   "(written with the log's triggers disabled)")
            if row["seq"] != prev_seq + 1 or row["prev_hash"] != prev_hash:
                return ChainReport(n, False, row["id"], "its link to the previous record is "
                                   "broken (a record was removed or reordered)")
            if row["hash"] != row["recomputed"]:
                return ChainReport(n, False, row["id"], "its content no longer matches its "
                                   "hash (the record was edited)")
            mark = wanted.get(row["seq"])
            if mark is not None and mark["hash"] != row["hash"]:
                return ChainReport(n, False, row["id"], (
                    f"it differs from the signed checkpoint of {mark['at']} (record number "
                    f"{mark['seq']}): the log was rewritten and its hashes recomputed"))
            prev_hash, prev_seq = row["hash"], row["seq"]
    last = marks.items[-1] if marks.items else None
    if last is not None and last["seq"] > prev_seq:
        return ChainReport(n, False, None, (
            f"the log ends at record number {prev_seq}, but the signed checkpoint of "
            f"{last['at']} vouches for {last['seq']} records: the newest records were deleted"),
            checkpoints=len(marks.items))
    warning = None
    if home is not None and not marks.items:
        warning = ("no signed checkpoints yet: the chain is consistent in itself, but a "
                   "rewrite by a database superuser would not be noticed "
                   "(run `anpr audit checkpoint`)")
    elif last is not None and prev_seq > last["seq"]:
        warning = (f"{prev_seq - last['seq']} records after the last checkpoint "
                   f"({last['at']}) are not yet anchored")
    return ChainReport(n, True, checkpoints=len(marks.items),
                       anchored_seq=last["seq"] if last else None, warning=warning)


# --- Checkpoints: the chain head signed with a key the database never sees ------------

KEY_FILE = "audit-checkpoint.key"
PUBLIC_FILE = "audit-checkpoint.pub"
CHECKPOINT_FILE = "audit-checkpoints.jsonl"


@dataclass(frozen=True)
class Checkpoints:
    items: list[dict[str, Any]]
    error: str | None


def _signed_part(mark: dict[str, Any]) -> bytes:
    return json.dumps({k: mark[k] for k in ("database", "seq", "hash", "at")}, sort_keys=True,
                      separators=(",", ":")).encode()


def _key(home: Path, create: bool) -> Ed25519PrivateKey | None:
    path = home / KEY_FILE
    if not path.exists():
        if not create:
            return None
        home.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
        (home / PUBLIC_FILE).write_bytes(key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
        return key
    if path.stat().st_mode & 0o077:
        raise Conflict(f"the audit checkpoint key {path} is readable by others; "
                       "it must have mode 0600")
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise Conflict(f"{path} is not an Ed25519 key")
    return key


def _public_key(home: Path) -> Ed25519PublicKey | None:
    pub = home / PUBLIC_FILE
    if pub.exists():
        key = serialization.load_pem_public_key(pub.read_bytes())
        return key if isinstance(key, Ed25519PublicKey) else None
    private = _key(home, create=False)
    return private.public_key() if private else None


def _database(conn: psycopg.Connection) -> str:
    """Which chain a checkpoint is about: the cluster's system identifier and the database."""
    row = conn.execute("SELECT (SELECT system_identifier FROM pg_control_system())::text"
                       " || '/' || current_database() AS db").fetchone()
    return row["db"]


def _read_checkpoints(home: Path, database: str) -> Checkpoints:
    """The signed checkpoints of this database's chain, in order; ``error`` when the file
    was tampered with (one checkpoint file may hold several databases' marks)."""
    path = home / CHECKPOINT_FILE
    if not path.exists():
        return Checkpoints([], None)
    public = _public_key(home)
    if public is None:
        return Checkpoints([], f"checkpoints exist in {path} but the audit key to check "
                               "them is missing")
    items: list[dict[str, Any]] = []
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            mark = json.loads(line)
            public.verify(bytes.fromhex(mark["sig"]), _signed_part(mark))
        except (ValueError, KeyError, TypeError, InvalidSignature):
            return Checkpoints(items, f"checkpoint line {lineno} of {path} is not signed by "
                                      "the audit key (the checkpoint file was altered)")
        if mark["database"] != database:
            continue
        if items and mark["seq"] < items[-1]["seq"]:
            return Checkpoints(items, f"checkpoint line {lineno} of {path} goes back in the "
                                      "chain (the checkpoint file was altered)")
        items.append(mark)
    return Checkpoints(items, None)


def checkpoint(conn: psycopg.Connection, home: Path) -> dict[str, Any]:
    """Verify the chain, then sign its head and append it to the checkpoint file.

    Refuses to anchor a chain that does not hold: a checkpoint must never bless a rewrite.
    """
    key = _key(home, create=True)
    report = verify(conn, home, since_last_checkpoint=True)
    if not report.ok:
        raise Conflict(f"the audit chain is broken, no checkpoint written: {report.reason}")
    head = conn.execute("SELECT seq, hash FROM audit_log WHERE seq IS NOT NULL"
                        " ORDER BY seq DESC LIMIT 1").fetchone()
    mark = {"database": _database(conn), "seq": head["seq"] if head else 0,
            "hash": head["hash"] if head else ZERO,
            "at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    mark["sig"] = key.sign(_signed_part(mark)).hex()
    with open(home / CHECKPOINT_FILE, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(mark, sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return mark


class CheckpointLoop(threading.Thread):
    """Beside ``anpr serve``: sign the chain head every ``interval_s`` seconds."""

    def __init__(self, url: str, home: Path, interval_s: float) -> None:
        super().__init__(name="audit-checkpoint", daemon=True)
        self.url, self.home, self.interval_s = url, home, interval_s
        self.stop = threading.Event()

    def run(self) -> None:
        from anpr.database import connect

        while True:
            try:
                with connect(self.url) as conn:
                    mark = checkpoint(conn, self.home)
                    conn.rollback()
                log.info("audit checkpoint at record %s", mark["seq"])
            except Exception:  # keep the web app running; the failure is in the log
                log.exception("audit checkpoint failed")
            if self.stop.wait(self.interval_s):
                return


def entries(conn: psycopg.Connection, *, subject: str | None = None, action: str | None = None,
            limit: int = 200) -> list[dict[str, Any]]:
    return list(conn.execute(
        "SELECT id, at, actor, action, subject, details FROM audit_log"
        " WHERE (%(s)s::text IS NULL OR subject = %(s)s)"
        "   AND (%(a)s::text IS NULL OR action = %(a)s)"
        " ORDER BY id DESC LIMIT %(l)s", {"s": subject, "a": action, "l": limit}).fetchall())
