"""The photo store: content-hash keys, AES-GCM per capture day, two backends (R8, R13).

Overview photos and plate crops never go into the database; it holds only their keys.
A key is ``YYYYMMDD/<sha256 of the photo>``: the same photo sent twice (a retried batch)
lands on the same key, and retention removes a day by its prefix. Every photo is
encrypted with the data key of its UTC capture day; day keys are stored wrapped under the
master key (setting ``ANPR_IMAGE_MASTER_KEY``) in ``jj126.image_day_key``. Retention
deletes the day's key, so a backup of the store that still holds the day's photos can
no longer decrypt them. Results secured for an enquiry are re-encrypted under the
enquiry's own key and kept under ``enquiry/<hash of the reference>/``.

Unblurred originals (R8): once the detector has written a photo's blurred version, the
original is *superseded*: the object under the original's key is replaced by a sealed
pointer to the blurred key, so the original's pixels are gone while every holder of
the original key (the passage row, retention securing an enquiry's results, a later
passage that sends the same bytes) reads the blurred photo instead. Deleting the
object outright would leave those holders with a key that no longer answers.

Backends follow pygeoapi's provider habit: one small class per backend behind
:class:`ObjectStore`, picked by :func:`open_store` from the settings.
"""
from __future__ import annotations

import base64
import hashlib
import logging
import os
import re
import secrets
import shutil
import threading
import time
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

import psycopg
from psycopg import sql
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from anpr.errors import ConfigurationError, NotFound
from anpr.settings import IntakeSettings

log = logging.getLogger(__name__)

MAGIC = b"AG1"
# Plaintext prefix of a superseded photo's pointer; no stored photo (JPEG, PNG, WEBP,
# checked at intake) starts with a NUL byte.
SUCCESSOR = b"\x00AGS\x00"
MAX_HOPS = 4
#: How long a process keeps a key it read (``Keyring``): after retention destroys a day's
#: key, no process opens that day's photos for longer than this.
KEY_TTL_S = 60.0
_DAY_PREFIX = re.compile(r"^(\d{8})/?$")


class ObjectStore(Protocol):
    """Bytes by key; keys use '/' as separator and never start with it."""

    def put(self, key: str, data: bytes) -> None: ...
    def replace(self, key: str, data: bytes) -> None: ...
    def get(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def delete_prefix(self, prefix: str) -> int: ...
    def day_prefixes(self) -> set[date]: ...


def _check_key(key: str) -> str:
    if key.startswith("/") or ".." in key.split("/") or not key:
        raise ValueError(f"bad object key {key!r}")
    return key


class FileStore:
    """Local folder; writes are atomic (temporary file, then rename)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / _check_key(key)

    def put(self, key: str, data: bytes) -> None:
        if not self._path(key).exists():
            self.replace(key, data)

    def replace(self, key: str, data: bytes) -> None:
        """Overwrite atomically: a reader sees the old object or the new one, never none."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise NotFound("no such image") from None

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def delete_prefix(self, prefix: str) -> int:
        target = self._path(prefix.rstrip("/"))
        if not target.exists():
            return 0
        if target.is_file():   # a whole key: the object itself
            target.unlink()
            return 1
        count = sum(1 for p in target.rglob("*") if p.is_file())
        shutil.rmtree(target)
        return count

    def day_prefixes(self) -> set[date]:
        return {datetime.strptime(p.name, "%Y%m%d").date() for p in self.root.iterdir()
                if p.is_dir() and _DAY_PREFIX.match(p.name)}


class S3Store:
    """An S3-compatible bucket (AWS, MinIO, Ceph); ``boto3`` is the optional ``s3`` extra."""

    def __init__(self, bucket: str, prefix: str = "", endpoint: str | None = None,
                 client=None) -> None:
        if client is None:
            try:
                import boto3
            except ImportError as exc:  # pragma: no cover - depends on the install
                raise ConfigurationError("ANPR_IMAGE_STORE is s3:// but boto3 is not "
                                         "installed (pip install '.[s3]')") from exc
            client = boto3.client("s3", endpoint_url=endpoint)
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def _key(self, key: str) -> str:
        return self.prefix + _check_key(key)

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def replace(self, key: str, data: bytes) -> None:
        self.put(key, data)  # a PUT replaces the object atomically

    def get(self, key: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except self.client.exceptions.NoSuchKey:
            raise NotFound("no such image") from None

    def exists(self, key: str) -> bool:
        resp = self.client.list_objects_v2(Bucket=self.bucket, Prefix=self._key(key), MaxKeys=1)
        return any(o["Key"] == self._key(key) for o in resp.get("Contents", []))

    def delete_prefix(self, prefix: str) -> int:
        count = 0
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix)):
            objects = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            for i in range(0, len(objects), 1000):
                self.client.delete_objects(Bucket=self.bucket,
                                           Delete={"Objects": objects[i:i + 1000], "Quiet": True})
            count += len(objects)
        return count

    def day_prefixes(self) -> set[date]:
        days: set[date] = set()
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix, Delimiter="/"):
            for p in page.get("CommonPrefixes", []):
                m = _DAY_PREFIX.match(p["Prefix"][len(self.prefix):])
                if m:
                    days.add(datetime.strptime(m.group(1), "%Y%m%d").date())
        return days


def open_store(intake: IntakeSettings, home: Path) -> ObjectStore:
    spec = intake.image_store
    if spec == "file":
        return FileStore(Path(intake.image_dir) if intake.image_dir else home / "images")
    if spec.startswith("s3://"):
        bucket, _, prefix = spec[5:].partition("/")
        if not bucket:
            raise ConfigurationError("ANPR_IMAGE_STORE s3:// needs a bucket name")
        return S3Store(bucket, prefix, intake.s3_endpoint)
    raise ConfigurationError("ANPR_IMAGE_STORE must be 'file' or 's3://bucket/prefix'")


def master_key(intake: IntakeSettings, home: Path) -> bytes:
    """The key that wraps day keys: from the settings, or a generated development key."""
    raw = intake.master_key
    if raw is None:
        path = home / "image_master_key"
        if not path.exists():
            home.mkdir(parents=True, exist_ok=True)
            path.write_text(base64.b64encode(secrets.token_bytes(32)).decode())
            path.chmod(0o600)
            log.warning("generated a development image master key in %s; set "
                        "ANPR_IMAGE_MASTER_KEY in production", path)
        raw = path.read_text().strip()
    try:
        key = base64.b64decode(raw, validate=True)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise ConfigurationError("ANPR_IMAGE_MASTER_KEY must be base64 of exactly 32 bytes")
    return key


def enquiry_prefix(enquiry_ref: str) -> str:
    """Object-key prefix of an enquiry's secured photos; the reference itself is not shown."""
    return "enquiry/" + hashlib.sha256(enquiry_ref.encode()).hexdigest()[:32] + "/"


def _seal(key: bytes, data: bytes, aad: bytes) -> bytes:
    nonce = secrets.token_bytes(12)
    return MAGIC + nonce + AESGCM(key).encrypt(nonce, data, aad)


def _open(key: bytes, blob: bytes, aad: bytes) -> bytes:
    if not blob.startswith(MAGIC):
        raise ValueError("not an encrypted photo")
    return AESGCM(key).decrypt(blob[3:15], blob[15:], aad)


class Keyring:
    """Day keys and enquiry keys, wrapped under the master key, kept in the database.

    Keys are created on their own short connection and committed at once, so a photo is
    never encrypted under a key whose row a rolled-back intake transaction took with it.

    One keyring serves a whole process (the web app's, a worker's), so a key read is kept
    for ``ttl_s`` seconds only: retention destroys a day's key row (R13), and a process
    must not go on opening that day's photos with a copy in its memory longer than that.
    """

    def __init__(self, url: str, master: bytes, *, ttl_s: float = KEY_TTL_S) -> None:
        self.url = url
        self._master = master
        self._ttl = ttl_s
        self._cache: dict[tuple[str, str], tuple[bytes, float]] = {}
        self._refs: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def _get(self, table: str, column: str, value: str, *, create: bool) -> bytes:
        cache_key = (table, value)
        with self._lock:
            cached = self._cache.get(cache_key)
            if cached is not None and time.monotonic() - cached[1] < self._ttl:
                return cached[0]
        aad = f"{table}:{value}".encode()
        select = sql.SQL("SELECT wrapped_key FROM {}.{} WHERE {} = %s").format(
            sql.Identifier("jj126"), sql.Identifier(table),
            sql.Identifier(column))
        with psycopg.connect(self.url, autocommit=True) as conn:
            row = conn.execute(select, (value,)).fetchone()
            if row is None:
                if not create:
                    raise NotFound("the key is destroyed or was never made")
                wrapped = _seal(self._master, secrets.token_bytes(32), aad)
                conn.execute(sql.SQL(
                    "INSERT INTO {}.{} ({}, wrapped_key) VALUES (%s, %s) ON CONFLICT DO NOTHING"
                ).format(sql.Identifier("jj126"), sql.Identifier(table),
                         sql.Identifier(column)), (value, wrapped))
                row = conn.execute(select, (value,)).fetchone()
        key = _open(self._master, bytes(row[0]), aad)
        with self._lock:
            self._cache[cache_key] = (key, time.monotonic())
        return key

    def day_key(self, day: date, *, create: bool = False) -> bytes:
        return self._get("image_day_key", "day", day.isoformat(), create=create)

    def enquiry_key(self, enquiry_ref: str, *, create: bool = False) -> bytes:
        return self._get("enquiry_key", "enquiry_ref", enquiry_ref, create=create)

    def enquiry_of(self, key: str) -> str:
        """The enquiry whose secured photo ``key`` is (``enquiry/<hash>/...``). The object
        name hides the reference, so the few open enquiries' references are hashed here."""
        parts = key.split("/", 2)[:2]
        if len(parts) != 2 or parts[0] != "enquiry":
            raise NotFound("not a secured photo")
        prefix = "/".join(parts) + "/"
        with self._lock:
            if ("enquiry_prefix", prefix) in self._refs:
                return self._refs[("enquiry_prefix", prefix)]
        with psycopg.connect(self.url, autocommit=True) as conn:
            refs = [r[0] for r in conn.execute("SELECT enquiry_ref FROM jj126.enquiry_key")]
        with self._lock:  # one look-up per process learns every open enquiry's prefix
            self._refs.update({("enquiry_prefix", enquiry_prefix(r)): r for r in refs})
            if ("enquiry_prefix", prefix) in self._refs:
                return self._refs[("enquiry_prefix", prefix)]
        raise NotFound("the enquiry's key is destroyed or was never made")

    def forget(self, *, day: date | None = None, enquiry_ref: str | None = None) -> None:
        """Drop a destroyed key from this process's memory too."""
        with self._lock:
            if day is not None:
                self._cache.pop(("image_day_key", day.isoformat()), None)
            if enquiry_ref is not None:
                self._cache.pop(("enquiry_key", enquiry_ref), None)
                self._refs.pop(("enquiry_prefix", enquiry_prefix(enquiry_ref)), None)


def photo_key(day: date, data: bytes) -> str:
    """The key :meth:`PhotoVault.put` stores a photo of capture day ``day`` under."""
    return f"{day:%Y%m%d}/{hashlib.sha256(data).hexdigest()}"


class PhotoVault:
    """Encrypting front of an object store: what intake, retention and casework call."""

    def __init__(self, store: ObjectStore, keyring: Keyring) -> None:
        self.store = store
        self.keyring = keyring

    def put(self, day: date, data: bytes) -> str:
        """Store a photo under its content key; a key already present is left as it is
        (a retried batch; or an original already superseded by its blurred version, which
        the same bytes sent again then read as too)."""
        key = photo_key(day, data)
        if not self.store.exists(key):
            self.store.put(key, _seal(self.keyring.day_key(day, create=True), data,
                                      key.encode()))
        return key

    def _read(self, key: str) -> bytes:
        if key.startswith("enquiry/"):
            # A secured copy (retention destroyed its day while the enquiry was open, R1):
            # readable as before through the enquiry's own key, until the enquiry completes.
            return self.get_secured(key, self.keyring.enquiry_of(key))
        blob = self.store.get(key)
        day = datetime.strptime(key[:8], "%Y%m%d").date()
        try:
            return _open(self.keyring.day_key(day), blob, key.encode())
        except InvalidTag:
            raise NotFound("the photo cannot be decrypted") from None

    def get(self, key: str) -> bytes:
        """Decrypt a photo by key; a destroyed day or enquiry key makes this a 404.
        A superseded photo answers with its successor (the blurred version)."""
        for _ in range(MAX_HOPS + 1):
            data = self._read(key)
            if not data.startswith(SUCCESSOR):
                return data
            key = data[len(SUCCESSOR):].decode()
        raise NotFound("the photo cannot be read (too many successors)")

    def successor(self, key: str) -> str | None:
        """The key that superseded ``key``, or None while ``key`` holds a photo itself."""
        data = self._read(key)
        return data[len(SUCCESSOR):].decode() if data.startswith(SUCCESSOR) else None

    def supersede(self, key: str, successor: str) -> bool:
        """Destroy the photo under ``key``, leaving a sealed pointer to ``successor``.

        Used for the unblurred original once its blurred version is stored (R8). The
        successor must be of the same capture day, so retention destroys both together.
        Returns False when there was nothing to do (same key, or the day already destroyed).
        """
        if key == successor:
            return False
        day_part, successor_day = key.split("/", 1)[0], successor.split("/", 1)[0]
        if key.startswith("enquiry/") or day_part != successor_day:
            raise ValueError("a photo is superseded only by one of its own capture day")
        if not self.store.exists(successor):
            raise NotFound("the successor photo is not in the store")
        day = datetime.strptime(day_part, "%Y%m%d").date()
        try:
            day_key = self.keyring.day_key(day)
        except NotFound:
            return False  # retention destroyed the day: the original is unreadable already
        self.store.replace(key, _seal(day_key, SUCCESSOR + successor.encode(), key.encode()))
        return True

    def secure(self, key: str, enquiry_ref: str) -> str:
        """Copy a day's photo into the enquiry's store, re-encrypted under its own key."""
        data = self.get(key)
        new_key = enquiry_prefix(enquiry_ref) + key.split("/", 1)[1]
        if not self.store.exists(new_key):
            self.store.put(new_key, _seal(self.keyring.enquiry_key(enquiry_ref, create=True),
                                          data, new_key.encode()))
        return new_key

    def put_secured(self, enquiry_ref: str, data: bytes) -> str:
        """Store a new photo of an enquiry whose passage's day is destroyed (a photo the
        officer approves from a secured copy), under the enquiry's key: never under a
        day key made anew for a destroyed day."""
        key = enquiry_prefix(enquiry_ref) + hashlib.sha256(data).hexdigest()
        if not self.store.exists(key):
            self.store.put(key, _seal(self.keyring.enquiry_key(enquiry_ref, create=True),
                                      data, key.encode()))
        return key

    def get_secured(self, key: str, enquiry_ref: str) -> bytes:
        if not key.startswith(enquiry_prefix(enquiry_ref)):
            raise NotFound("no such secured photo for this enquiry")
        return _open(self.keyring.enquiry_key(enquiry_ref), self.store.get(key), key.encode())


def open_vault(settings, url: str, home: Path | None = None) -> PhotoVault:
    """The photo vault of a process from its settings (``anpr.settings.Settings``): the
    configured store and the day keys in the database at ``url``; ``home`` the folder of
    the file store and the master key when not the settings' own. The one constructor:
    every process builds its vault here, once, and hands it on."""
    home = home or settings.database.home
    return PhotoVault(open_store(settings.intake, home),
                      Keyring(url, master_key(settings.intake, home)))
