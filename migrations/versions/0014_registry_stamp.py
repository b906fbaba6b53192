"""A registry stamp bumped by every change to cameras and locations.

Search coverage caches the camera table per process and must see a status change at
once, in the same transaction too. Summing row versions over both tables on every
search to detect a change cost as much as a plate search itself; a statement trigger
now bumps one counter, and coverage reads that.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28
"""
from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE TABLE registry_stamp (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    version bigint NOT NULL DEFAULT 0
);
COMMENT ON TABLE registry_stamp IS
    'One row; version changes with every insert, update or delete of camera or location';
INSERT INTO registry_stamp DEFAULT VALUES;
CREATE FUNCTION bump_registry_stamp() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    UPDATE registry_stamp SET version = version + 1;
    RETURN NULL;
END
$fn$;
CREATE TRIGGER camera_registry_stamp AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON camera
    FOR EACH STATEMENT EXECUTE FUNCTION bump_registry_stamp();
CREATE TRIGGER location_registry_stamp AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON location
    FOR EACH STATEMENT EXECUTE FUNCTION bump_registry_stamp();
""")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS camera_registry_stamp ON camera")
    op.execute("DROP TRIGGER IF EXISTS location_registry_stamp ON location")
    op.execute("DROP FUNCTION IF EXISTS bump_registry_stamp()")
    op.execute("DROP TABLE IF EXISTS registry_stamp")
