"""Registry stamps from a sequence: a value is never handed out twice.

Search coverage caches the camera table (and the gaps of all cameras) per registry
stamp. With ``version + 1`` a transaction that changed a camera and rolled back left
its stamp free for the next change, so a cache filled inside the rolled-back
transaction could later be taken for the registry as committed. A sequence is not
rolled back: every change, committed or not, gets a stamp of its own.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28
"""
from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE SEQUENCE registry_stamp_seq;
SELECT setval('registry_stamp_seq', (SELECT greatest(version, 1) FROM registry_stamp));
CREATE OR REPLACE FUNCTION bump_registry_stamp() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    UPDATE registry_stamp SET version = nextval('registry_stamp_seq');
    RETURN NULL;
END
$fn$;
""")


def downgrade() -> None:
    op.execute("""
CREATE OR REPLACE FUNCTION bump_registry_stamp() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    UPDATE registry_stamp SET version = version + 1;
    RETURN NULL;
END
$fn$;
DROP SEQUENCE registry_stamp_seq;
""")
