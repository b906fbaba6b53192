"""The embedded PostgreSQL + PostGIS cluster: one private server per checkout.

With no DATABASE_URL the project initialises a cluster under ``ANPR_HOME/pg``, starts it
on a Unix socket and a free loopback port, and reuses it on later runs. PostgreSQL
refuses to run as root, so when we are root the cluster belongs to an unprivileged
service user (created on first use). Passwords are generated and kept in 0600 files;
nothing listens beyond 127.0.0.1.

The cluster's superuser (``anpr``) only bootstraps: it creates the login roles of
``anpr/privileges.py`` (owner, app, retention, auditor; a password file each under
``ANPR_HOME/pg``), the database owned by ``anpr_owner`` and its extensions. Migrations
connect as the owner, the web app and workers as ``anpr_app``.

The service user owns only the data, socket and log under ``ANPR_HOME/pg``. What a
database superuser makes the server do (pg_read_file, COPY ... TO PROGRAM) runs as that
user, so the audit chain's signing key and checkpoints (``ANPR_HOME/audit``, private to
the application's user) stay out of its reach (``server_uid``, anpr.audit, R6).
"""
from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import pwd
import secrets
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

from anpr.errors import ConfigurationError, DatabaseUnavailable
from anpr.settings import DatabaseSettings

log = logging.getLogger(__name__)

PG_BIN_CANDIDATES = [Path("/usr/lib/postgresql/15/bin"), Path("/usr/lib/postgresql/16/bin")]
DB_NAME = "anpr"
DB_USER = "anpr"

# Tuned for the 2-core, 24 GiB reference machine; durable (fsync, synchronous commit),
# because acknowledged passages must survive a restart.
SERVER_CONFIG = {
    "listen_addresses": "'127.0.0.1'",
    "timezone": "'UTC'",
    "log_timezone": "'UTC'",
    "shared_buffers": "'2GB'",
    "effective_cache_size": "'12GB'",
    "work_mem": "'64MB'",
    "maintenance_work_mem": "'1GB'",
    "max_wal_size": "'8GB'",
    "checkpoint_timeout": "'15min'",
    "max_connections": "100",
    "max_locks_per_transaction": "256",
    "random_page_cost": "1.1",
    "jit": "off",
    "logging_collector": "off",
}


def pg_bin() -> Path:
    for candidate in PG_BIN_CANDIDATES:
        if (candidate / "pg_ctl").exists():
            return candidate
    raise ConfigurationError(
        "PostgreSQL server binaries not found; run scripts/install (Debian package postgresql-15)"
    )


@dataclass(frozen=True)
class Cluster:
    """Paths and identity of the embedded cluster; all methods are idempotent."""

    home: Path
    service_user: str

    @property
    def root(self) -> Path:
        return self.home / "pg"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "run"

    @property
    def logfile(self) -> Path:
        return self.root / "server.log"

    @property
    def port_file(self) -> Path:
        return self.root / "port"

    @property
    def password_file(self) -> Path:
        return self.root / "password"

    # -- identity ---------------------------------------------------------------------

    def _as_root(self) -> bool:
        return os.geteuid() == 0

    def _run(self, args: list[str], **kw) -> subprocess.CompletedProcess:
        """Run a server binary as the cluster's owner."""
        if self._as_root():
            args = ["runuser", "-u", self.service_user, "--", *args]
        return subprocess.run(args, check=False, capture_output=True, text=True, **kw)

    def _ensure_service_user(self) -> None:
        if not self._as_root():
            return
        try:
            pwd.getpwnam(self.service_user)
        except KeyError:
            log.info("creating service user %s for the embedded cluster", self.service_user)
            subprocess.run(
                ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                 self.service_user],
                check=True, capture_output=True,
            )

    def server_uid(self) -> int:
        """The OS user the server runs as: what a database superuser's pg_read_file or
        COPY ... TO PROGRAM acts as, and so who must not reach the audit folder (R6)."""
        if self._as_root():
            self._ensure_service_user()
            return pwd.getpwnam(self.service_user).pw_uid
        return os.geteuid()

    def _chown(self, path: Path) -> None:
        if self._as_root():
            entry = pwd.getpwnam(self.service_user)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def _ensure_traversable(self) -> None:
        """The service user must reach the data folder; add the traverse bit where missing.

        A checkout under a private temporary folder (mode 0700) is otherwise unreachable.
        Only the search bit (o+x) is added, never read, and each change is logged.
        """
        if not self._as_root():
            return
        for parent in reversed(self.root.parents):
            mode = parent.stat().st_mode
            if not mode & 0o001:
                log.warning("adding o+x to %s so %s can reach the cluster", parent,
                            self.service_user)
                parent.chmod(mode | 0o001)

    # -- lifecycle --------------------------------------------------------------------

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def initialised(self) -> bool:
        return (self.data / "PG_VERSION").exists()

    def password(self) -> str:
        return self.password_file.read_text().strip()

    def role_password_file(self, short: str) -> Path:
        return self.root / f"role-{short}.password"

    def role_password(self, short: str) -> str:
        """The password of a login role by short name (owner, app, retention, auditor),
        generated on first use into a 0600 file."""
        path = self.role_password_file(short)
        if not path.exists():
            path.write_text(secrets.token_urlsafe(24) + "\n")
            path.chmod(0o600)
        return path.read_text().strip()

    def port(self) -> int:
        return int(self.port_file.read_text().strip())

    def init(self) -> None:
        if self.initialised():
            return
        self._ensure_service_user()
        self.root.mkdir(parents=True, exist_ok=True)
        self._ensure_traversable()
        password = secrets.token_urlsafe(24)
        self.password_file.write_text(password + "\n")
        self.password_file.chmod(0o600)
        for d in (self.data, self.socket_dir):
            d.mkdir(parents=True, exist_ok=True)
            d.chmod(0o700)
            self._chown(d)
        pwfile = self.root / ".initpw"
        pwfile.write_text(password + "\n")
        pwfile.chmod(0o600)
        self._chown(pwfile)
        try:
            result = self._run([
                str(pg_bin() / "initdb"), "-D", str(self.data), "-U", DB_USER,
                "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8",
                "--locale=C.UTF-8",
            ])
        finally:
            pwfile.unlink(missing_ok=True)
        if result.returncode != 0:
            raise DatabaseUnavailable(f"initdb failed: {result.stderr.strip()[-800:]}")
        port = free_port()
        self.port_file.write_text(f"{port}\n")
        self._write_config(port)
        log.info("initialised embedded cluster in %s", self.data)

    def _write_config(self, port: int) -> None:
        conf = dict(SERVER_CONFIG)
        conf["port"] = str(port)
        conf["unix_socket_directories"] = f"'{self.socket_dir}'"
        lines = [f"{key} = {value}" for key, value in conf.items()]
        auto = self.data / "postgresql.auto.conf"
        # postgresql.auto.conf is read last; the server owns it, so write it as the owner.
        text = "# written by anpr (anpr/embedded.py)\n" + "\n".join(lines) + "\n"
        tmp = self.root / ".auto.conf"
        tmp.write_text(text)
        self._chown(tmp)
        self._run(["cp", str(tmp), str(auto)])
        tmp.unlink(missing_ok=True)

    def running(self) -> bool:
        if not self.initialised():
            return False
        result = self._run([str(pg_bin() / "pg_ctl"), "-D", str(self.data), "status"])
        return result.returncode == 0

    def start(self) -> None:
        with self._lock():
            self.init()
            if self.running():
                # A cluster started before the roles existed gets them (and hands its
                # objects to the owner) once; afterwards a start of a running one is free.
                if not all(self.role_password_file(s).exists() for s in _role_names()):
                    self._ensure_database()
                return
            port = self.port()
            if not port_free(port):
                port = free_port()
                log.warning("port %s is taken; the embedded cluster moves to %s", self.port(), port)
                self.port_file.write_text(f"{port}\n")
            self._write_config(port)  # this version's settings, also on an existing cluster
            self._ensure_traversable()
            logfile = self.logfile
            logfile.touch()
            self._chown(logfile)
            result = self._run([
                str(pg_bin() / "pg_ctl"), "-D", str(self.data), "-l", str(logfile),
                "-w", "-t", "120", "start",
            ])
            if result.returncode != 0:
                tail = logfile.read_text()[-1500:] if logfile.exists() else ""
                raise DatabaseUnavailable(
                    f"could not start the embedded PostgreSQL: {result.stderr.strip()}\n{tail}"
                )
            self._ensure_database()

    def stop(self, mode: str = "fast") -> None:
        with self._lock():
            if not self.running():
                return
            result = self._run([str(pg_bin() / "pg_ctl"), "-D", str(self.data), "-m", mode,
                                "-w", "stop"])
            if result.returncode != 0:
                raise DatabaseUnavailable(f"could not stop the embedded PostgreSQL: {result.stderr}")

    def restart(self, mode: str = "fast") -> None:
        """Stop and start again on the same port (used by the restart-during-intake tests)."""
        self.stop(mode)
        self.start()

    def _ensure_database(self) -> None:
        import psycopg

        from anpr import privileges

        admin = self.url("postgres")
        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(admin, autocommit=True) as conn:
                    privileges.ensure_roles(conn, {short: self.role_password(short)
                                                   for short in privileges.LOGIN_ROLES})
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        privileges.prepare_database(admin, self.url(DB_NAME), DB_NAME)

    def url(self, database: str = DB_NAME) -> str:
        return (f"postgresql://{DB_USER}:{quote(self.password(), safe='')}@127.0.0.1:"
                f"{self.port()}/{database}")

    def role_url(self, short: str, database: str = DB_NAME) -> str:
        """The URL of a login role (owner, app, retention, auditor) on ``database``."""
        from anpr.privileges import LOGIN_ROLES

        return (f"postgresql://{LOGIN_ROLES[short]}:{quote(self.role_password(short), safe='')}"
                f"@127.0.0.1:{self.port()}/{database}")

    def socket_url(self, database: str = DB_NAME) -> str:
        return (f"postgresql://{DB_USER}:{quote(self.password(), safe='')}@/{database}"
                f"?host={quote(str(self.socket_dir), safe='')}&port={self.port()}")

    def status(self) -> dict[str, object]:
        info: dict[str, object] = {"data": str(self.data), "initialised": self.initialised(),
                                   "running": self.running()}
        if self.initialised():
            info["port"] = self.port()
            info["socket_dir"] = str(self.socket_dir)
            info["owner"] = self.service_user if self._as_root() else pwd.getpwuid(os.geteuid()).pw_name
        return info


def _role_names() -> tuple[str, ...]:
    from anpr.privileges import LOGIN_ROLES

    return tuple(LOGIN_ROLES)


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # As PostgreSQL binds (SO_REUSEADDR): connections of a just-stopped server linger
        # in TIME_WAIT, which must not move a restarted cluster to another port.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cluster_for(settings: DatabaseSettings) -> Cluster:
    return Cluster(home=settings.home, service_user=settings.service_user)


def server_uid(settings: DatabaseSettings) -> int | None:
    """The embedded cluster's OS user; None with DATABASE_URL (the server's host keeps
    its own users: docs/audit.md says what to check there)."""
    return None if settings.url else cluster_for(settings).server_uid()


def database_url(settings: DatabaseSettings, *, start: bool = True, role: str = "app") -> str:
    """The URL a part of the system connects with: ``role`` is app (web app, intake,
    workers), owner (migrations, demo, benchmarks), retention, auditor or admin (the
    embedded cluster's bootstrap superuser). With DATABASE_URL: that URL, or the
    role's own DATABASE_<ROLE>_URL where set. Else the embedded cluster (started on demand)."""
    if settings.url:
        return settings.role_urls.get(role) or settings.url
    cluster = cluster_for(settings)
    if start:
        cluster.start()
    elif not cluster.running():
        raise DatabaseUnavailable("the embedded database is not running; run `anpr db start`")
    return cluster.url() if role == "admin" else cluster.role_url(role)
