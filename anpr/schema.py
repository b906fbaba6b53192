"""The schema's one SQLAlchemy metadata, the kernel's own tables (units, accounts, web
sessions) and what Alembic's autogenerate compares (``include_name``, ``include_object``).

Each package defines its own tables on this metadata beside the code that owns them
(``gis.tables``, ``camera_registry.tables``, ``ingest.tables``, ``casework.tables``,
``detector.tables``, ...); ``migrations.model`` collects them all. Migrations are the only
way the schema changes; a test compares the collected metadata with a migrated database so
the two never drift. Partitions of ``jj126.passage`` (one per UTC capture day) are created
at run time and are excluded from that comparison.
"""
from __future__ import annotations

import re

from sqlalchemy import (
    Boolean, CheckConstraint, Column, Date, DateTime, ForeignKey, Identity, Index, Integer,
    MetaData, String, Table, Text, UniqueConstraint, func, text,
)
from sqlalchemy.dialects.postgresql import ENUM

metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

ROLE = ENUM("officer", "requester", "analyst", "plan_editor", "auditor", "admin",
            name="account_role", metadata=metadata)

unit = Table(
    "unit", metadata,
    Column("code", String(4), primary_key=True),
    Column("name", Text, nullable=False),
    Column("national", Boolean, nullable=False, server_default=text("false")),
    comment="Police units (eenheden): ten regional units and the national unit.",
)

unit_prosecutor = Table(
    "unit_prosecutor", metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("unit_code", String(4), ForeignKey("unit.code"), nullable=False),
    Column("name", Text, nullable=False,
           comment="As the prosecutor signs a motivation: 'mr. A. Jansen'."),
    Column("serves_from", Date),
    Column("serves_to", Date),
    Column("added_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("added_by", Text, nullable=False),
    UniqueConstraint("unit_code", "name"),
    CheckConstraint("serves_to IS NULL OR serves_from IS NULL OR serves_to >= serves_from",
                    name="period"),
    CheckConstraint("name <> ''", name="name"),
    comment="R9: the prosecutors of each unit who may sign a plan location's motivation.",
)  # 0031 (anpr.units keeps it)

account = Table(
    "account", metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("username", Text, nullable=False),
    Column("full_name", Text, nullable=False),
    Column("role", ROLE, nullable=False),
    Column("unit_code", String(4), ForeignKey("unit.code")),
    Column("password_hash", Text, nullable=False),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_login_at", DateTime(timezone=True)),
    Column("failed_logins", Integer, nullable=False, server_default="0"),
    Column("locked_until", DateTime(timezone=True)),
    Index("uq_account_username_lower", func.lower(text("username")), unique=True),
)

web_session = Table(
    "web_session", metadata,
    Column("id", Text, primary_key=True, comment="SHA-256 of the cookie's random token"),
    Column("account_id", Integer, ForeignKey("account.id"), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_seen", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("source", Text),
    Column("ended_at", DateTime(timezone=True)),
    Column("ended_reason", Text),
    CheckConstraint("(ended_at IS NULL) = (ended_reason IS NULL)", name="ended"),
    comment="R10: a login session, live until logout, password change, suspension or "
            "timeout ends it server-side (migration 0018c).",
)


# -- what autogenerate compares -------------------------------------------------------------
# Daily passage partitions and the extensions' own tables are not part of the model.
_PARTITION = re.compile(r"^passage_p\d{8}\Z")
_PARTITION_INDEX = re.compile(r"^passage_p\d{8}_")
_FOREIGN_TABLES = {"spatial_ref_sys", "topology", "layer", "alembic_version"}


def include_name(name, type_, parent_names) -> bool:
    if type_ == "schema":
        return name in (None, "public", "jj126")
    return True


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    from geoalchemy2 import alembic_helpers

    if type_ == "table" and (name in _FOREIGN_TABLES or (name and _PARTITION.match(name))):
        return False
    if type_ == "index" and name and _PARTITION_INDEX.match(name):
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)
