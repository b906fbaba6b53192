"""An audit record's time is the database's, never the writer's (R6).

Until now the chain trigger kept a time the writer supplied (``coalesce(NEW.at, now())``),
so the application's role could write a record dated last year or next week: the hash
chain then vouched for a false time. Now a record is stamped with the time of its
transaction (``now()``, the column's default); a writer that names any other time,
``NULL`` included, is refused (insufficient privilege) and nothing is stored.
The seal already keeps ``at`` as inserted (``audit_log_refuse``), so the time cannot be
changed afterwards either.

Revision ID: 0024b
Revises: 0023b
Create Date: 2026-12-07
"""
from __future__ import annotations

from alembic import op

revision = "0024b"
down_revision = "0023b"
branch_labels = None
depends_on = None

STAMP = """
CREATE OR REPLACE FUNCTION audit_log_chain() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    -- The database's clock dates a record: the default now() is all a writer may leave.
    IF NEW.at IS DISTINCT FROM now() THEN
        RAISE EXCEPTION 'the audit log sets its own time: a record may not name one (%)',
            coalesce(NEW.at::text, 'NULL')
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- A record arrives unsealed; only the seal at commit gives it a place in the chain.
    NEW.seq := NULL;
    NEW.prev_hash := NULL;
    NEW.hash := NULL;
    RETURN NEW;
END
$fn$;
"""

PREVIOUS = """
CREATE OR REPLACE FUNCTION audit_log_chain() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    NEW.at := coalesce(NEW.at, now());
    NEW.seq := NULL;
    NEW.prev_hash := NULL;
    NEW.hash := NULL;
    RETURN NEW;
END
$fn$;
"""


def upgrade() -> None:
    op.execute(STAMP)


def downgrade() -> None:
    op.execute(PREVIOUS)
