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
application's audit folder (ANPR_HOME/audit, private to the application's OS user, out of
reach of the database server's OS user), never in the database, and appended to a
checkpoint file there; verification holds the chain against every checkpoint, with the
public key and a copy of the checkpoints an auditor may hold elsewhere.
"""
from __future__ import annotations

import grp
import json
import logging
import os
import pwd
import stat
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
           since_last_checkpoint: bool = False, public_key: Path | None = None,
           checkpoints: Path | None = None, require: bool = False) -> ChainReport:
    """Recompute the chain from the first record; stop at the first that does not hold.

    With ``home``, the chain is also held against the signed checkpoints kept in its audit
    folder: a record the key vouched for must still be there with the same hash. An
    auditor passes ``public_key`` (and ``checkpoints``) held elsewhere, so nothing the
    database host could change is trusted. Checkpoints are *expected* when the home holds
    a signing key (the first checkpoint made it), when the auditor names a key or a file,
    or with ``require``; then a missing or emptied checkpoint file fails verification.
    ``since_last_checkpoint`` checks only the last checkpointed record and what follows
    it (the periodic checkpoint's quick check; ``anpr audit verify`` walks all).
    """
    seal_pending(conn)
    database = _database(conn)
    if home is None and public_key is None and checkpoints is None and not require:
        marks = Checkpoints([], None)
    else:
        marks = _read_checkpoints(_anchor(home, public_key, checkpoints, require), database)
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
        warning = ("no signed checkpoints yet (a fresh installation): the chain is consistent "
                   "in itself, but a rewrite by a database superuser would not be noticed "
                   "(run `anpr audit checkpoint`)")
    elif last is not None and prev_seq > last["seq"]:
        warning = (f"{prev_seq - last['seq']} records after the last checkpoint "
                   f"({last['at']}) are not yet anchored")
    return ChainReport(n, True, checkpoints=len(marks.items),
                       anchored_seq=last["seq"] if last else None, warning=warning)


# --- Checkpoints: the chain head signed with a key the database never sees ------------
#
# The key, its public half and the checkpoint file live in ANPR_HOME/audit, a folder
# private to the application's OS user (mode 0700). The embedded cluster runs as another
# OS user (anpr-db, when started as root), and whatever a database superuser makes the
# server do (pg_read_file, COPY ... TO PROGRAM) runs as that user: it cannot enter the
# folder, so it can neither read the key nor write a checkpoint.

AUDIT_FOLDER = "audit"
KEY_FILE = "checkpoint.key"
PUBLIC_FILE = "checkpoint.pub"
CHECKPOINT_FILE = "checkpoints.jsonl"
# Where releases before the audit folder kept them (moved into it on first use).
_LEGACY = {"audit-checkpoint.key": KEY_FILE, "audit-checkpoint.pub": PUBLIC_FILE,
           "audit-checkpoints.jsonl": CHECKPOINT_FILE}


@dataclass(frozen=True)
class Checkpoints:
    items: list[dict[str, Any]]
    error: str | None


@dataclass(frozen=True)
class Anchor:
    """Where a verification reads the checkpoints and the key that signed them, and why
    it expects them (None: a fresh installation may have none)."""
    checkpoints: Path | None
    public_key: Path | None
    private_key: Path | None
    expected: str | None


def audit_folder(home: Path, *, create: bool = False) -> Path:
    """``home``/audit, private to this OS user; files of older releases are moved in."""
    folder = home / AUDIT_FOLDER
    legacy = [(home / old, folder / new) for old, new in _LEGACY.items()
              if (home / old).exists() and not (folder / new).exists()]
    if create or legacy:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for old, new in legacy:
            os.replace(old, new)
            log.warning("moved %s to %s", old, new)
    return folder


def _anchor(home: Path | None, public_key: Path | None, checkpoints: Path | None,
            require: bool) -> Anchor:
    folder = audit_folder(home) if home is not None else None
    private = folder / KEY_FILE if folder is not None else None
    expected = None
    if public_key is not None:
        expected = f"the auditor's public key {public_key} was given"
    elif checkpoints is not None:
        expected = f"the checkpoint file {checkpoints} was named"
    elif require:
        expected = "they are required"
    elif folder is not None and ((folder / KEY_FILE).exists() or (folder / PUBLIC_FILE).exists()):
        expected = f"{folder} holds the signing key, made by the first checkpoint"
    if public_key is None and folder is not None:
        public_key = folder / PUBLIC_FILE
    if checkpoints is None and folder is not None:
        checkpoints = folder / CHECKPOINT_FILE
    return Anchor(checkpoints, public_key, private, expected)


def _signed_part(mark: dict[str, Any]) -> bytes:
    return json.dumps({k: mark[k] for k in ("database", "seq", "hash", "at")}, sort_keys=True,
                      separators=(",", ":")).encode()


def _private(path: Path, what: str) -> None:
    """Refuse a file or folder that is not this OS user's alone."""
    st = path.stat()
    if st.st_uid != os.geteuid() or st.st_mode & 0o077:
        raise Conflict(f"the audit {what} {path} must belong to this OS user alone (mode "
                       f"{'0700' if path.is_dir() else '0600'}); it has mode "
                       f"{stat.S_IMODE(st.st_mode):04o} and owner uid {st.st_uid}")


def _key(folder: Path, create: bool) -> Ed25519PrivateKey | None:
    path = folder / KEY_FILE
    if not path.exists():
        if not create:
            return None
        key = Ed25519PrivateKey.generate()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
        (folder / PUBLIC_FILE).write_bytes(key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
        return key
    _private(path, "checkpoint key")
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise Conflict(f"{path} is not an Ed25519 key")
    return key


def _public_key(anchor: Anchor) -> Ed25519PublicKey | str:
    """The key the checkpoints must be signed with, or why there is none."""
    if anchor.public_key is not None and anchor.public_key.exists():
        try:
            key = serialization.load_pem_public_key(anchor.public_key.read_bytes())
        except ValueError:
            key = None
        if not isinstance(key, Ed25519PublicKey):
            return f"{anchor.public_key} is not an Ed25519 public key in PEM form"
        return key
    if anchor.private_key is not None and anchor.private_key.exists() \
            and anchor.public_key == anchor.private_key.with_name(PUBLIC_FILE):
        return _key(anchor.private_key.parent, create=False).public_key()
    return f"the public key {anchor.public_key} to check them is missing"


def _database(conn: psycopg.Connection) -> str:
    """Which chain a checkpoint is about: the cluster's system identifier and the database."""
    row = conn.execute("SELECT (SELECT system_identifier FROM pg_control_system())::text"
                       " || '/' || current_database() AS db").fetchone()
    return row["db"]


def _read_checkpoints(anchor: Anchor, database: str) -> Checkpoints:
    """The signed checkpoints of this database's chain, in order; ``error`` when the file
    was tampered with, or is missing or empty while checkpoints are expected (one
    checkpoint file may hold several databases' marks)."""
    path = anchor.checkpoints
    if path is None or not path.exists():
        if anchor.expected:
            return Checkpoints([], f"checkpoints are expected ({anchor.expected}), but "
                                   + (f"the checkpoint file {path} is missing: it was deleted"
                                      if path else "no checkpoint file was named"))
        return Checkpoints([], None)
    public = _public_key(anchor)
    if isinstance(public, str):
        return Checkpoints([], f"checkpoints exist in {path} but {public}")
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
    if not items and anchor.expected:
        return Checkpoints([], f"checkpoints are expected ({anchor.expected}), but the "
                               f"checkpoint file {path} holds none of this database: it was "
                               "emptied or replaced")
    return Checkpoints(items, None)


def _can_write(uid: int, path: Path) -> bool:
    """Whether OS user ``uid`` may change entries of folder ``path`` (by its mode bits)."""
    st = path.stat()
    if uid == 0:
        return True
    if st.st_uid == uid:
        return bool(st.st_mode & stat.S_IWUSR)
    try:
        user = pwd.getpwuid(uid)
        groups = {user.pw_gid} | {g.gr_gid for g in grp.getgrall() if user.pw_name in g.gr_mem}
    except KeyError:
        groups = set()
    if st.st_gid in groups:
        return bool(st.st_mode & stat.S_IWGRP)
    return bool(st.st_mode & stat.S_IWOTH)


def guard_folder(folder: Path, server_uid: int | None) -> str | None:
    """Refuse an audit folder the database server's OS user could reach; returns a warning
    when that user is this very user (the embedded cluster started without root).

    The folder is this OS user's alone (0700), so ``server_uid`` can neither read the key
    nor write a checkpoint; and no folder above it may let ``server_uid`` rename or
    replace it (a sticky folder such as /tmp protects others' entries)."""
    _private(folder, "folder")
    if server_uid is None:
        return None
    if server_uid == os.geteuid():
        name = _user_name(server_uid)
        return (f"the database server runs as this same OS user ({name}): a database "
                "superuser could read the checkpoint key through the server (COPY ... TO "
                "PROGRAM). Start the embedded cluster as root, so that it runs as its own "
                "user, and let an auditor verify with a public key held elsewhere")
    child = folder
    for parent in folder.resolve().parents:
        st, cst = parent.stat(), child.stat()
        if cst.st_uid == server_uid or (_can_write(server_uid, parent) and not (
                st.st_mode & stat.S_ISVTX and server_uid not in (st.st_uid, cst.st_uid))):
            raise Conflict(f"{child} can be replaced by the database server's OS user "
                           f"({_user_name(server_uid)}); keep ANPR_HOME where only this "
                           "OS user may write")
        child = parent
    return None


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def checkpoint(conn: psycopg.Connection, home: Path, *,
               server_uid: int | None = None) -> dict[str, Any]:
    """Verify the chain, then sign its head and append it to the checkpoint file.

    Refuses to anchor a chain that does not hold, or whose earlier checkpoints are gone:
    a checkpoint must never bless a rewrite. ``server_uid`` is the database server's OS
    user where known (the embedded cluster): the audit folder must be out of its reach.
    The answer is the mark written, with ``warning`` where the key is not out of reach.
    """
    folder = audit_folder(home, create=True)
    warning = guard_folder(folder, server_uid)
    report = verify(conn, home, since_last_checkpoint=True)
    if not report.ok:
        raise Conflict(f"the audit chain is broken, no checkpoint written: {report.reason}")
    key = _key(folder, create=True)
    head = conn.execute("SELECT seq, hash FROM audit_log WHERE seq IS NOT NULL"
                        " ORDER BY seq DESC LIMIT 1").fetchone()
    mark = {"database": _database(conn), "seq": head["seq"] if head else 0,
            "hash": head["hash"] if head else ZERO,
            "at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    mark["sig"] = key.sign(_signed_part(mark)).hex()
    fd = os.open(folder / CHECKPOINT_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(mark, sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return {**mark, "file": str(folder / CHECKPOINT_FILE), "warning": warning}


class CheckpointLoop(threading.Thread):
    """Beside ``anpr serve``: sign the chain head every ``interval_s`` seconds."""

    def __init__(self, url: str, home: Path, interval_s: float,
                 server_uid: int | None = None) -> None:
        super().__init__(name="audit-checkpoint", daemon=True)
        self.url, self.home, self.interval_s = url, home, interval_s
        self.server_uid = server_uid
        self.stop = threading.Event()

    def run(self) -> None:
        from anpr.database import connect

        while True:
            try:
                with connect(self.url) as conn:
                    mark = checkpoint(conn, self.home, server_uid=self.server_uid)
                    conn.rollback()
                log.info("audit checkpoint at record %s", mark["seq"])
                if mark["warning"]:
                    log.warning("audit checkpoint: %s", mark["warning"])
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
