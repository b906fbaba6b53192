"""Database handles: plain psycopg 3 connections for domain code, SQLAlchemy for Alembic.

Domain functions take a connection and plain arguments. The web app keeps a pool and
hands out one connection per request; the CLI opens one per command.
"""
from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg.rows import dict_row

from anpr.errors import DatabaseUnavailable
from anpr.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

MIGRATIONS = PROJECT_ROOT / "migrations"


def with_database(url: str, name: str) -> str:
    """The same server and credentials, another database."""
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


def sqlalchemy_url(url: str) -> str:
    """The same server, spelled for SQLAlchemy's psycopg 3 dialect."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@contextlib.contextmanager
def connect(url: str, *, autocommit: bool = False) -> Iterator[psycopg.Connection]:
    """A connection whose rows are dicts; commits on success, rolls back on error."""
    try:
        conn = psycopg.connect(url, autocommit=autocommit, row_factory=dict_row)
    except psycopg.OperationalError as exc:
        log.error("database connection failed: %s", exc)
        raise DatabaseUnavailable("the database is not reachable") from exc
    try:
        with conn:
            yield conn
    finally:
        conn.close()


def alembic_config(url: str):
    """An Alembic Config pointing at migrations/ and the given server."""
    from alembic.config import Config

    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    return cfg


def migrate(url: str, revision: str = "heads") -> None:
    """Upgrade to ``heads`` (one head today; features may add parallel branches again),
    then grant the roles exactly what ``anpr/privileges.py`` says. Run as the owner."""
    from alembic import command

    from anpr import privileges

    command.upgrade(alembic_config(url), revision)
    with connect(url) as conn:
        privileges.apply(conn)


def current_revisions(url: str) -> set[str]:
    with connect(url) as conn:
        try:
            rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        except psycopg.errors.UndefinedTable:
            return set()
    return {r["version_num"] for r in rows}


def head_revisions(url: str) -> set[str]:
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config(url)).get_heads())


def read_sql(path: Path) -> str:
    return path.read_text(encoding="utf-8")
