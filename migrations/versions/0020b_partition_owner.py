"""Day partitions are created by the owner and handed to the retention role (R1, R6).

``jj126.ensure_partition`` now runs as its owner (SECURITY DEFINER), so intake, which
connects as ``anpr_app`` and may not create tables, still gets the day it writes to; the
new partition is then owned by ``anpr_retention``, the only role that may seal (vacuum,
cluster) and drop whole days. Where that role does not exist (an external server set up
with one role) the partition stays the owner's. Grants are applied after every migration
from ``anpr/privileges.py``.

Revision ID: 0020b
Revises: 0019
Create Date: 2026-12-02
"""
from __future__ import annotations

from alembic import op

revision = "0020b"
down_revision = "0019"
branch_labels = None
depends_on = None

PARTITION_FUNCTION = """
CREATE OR REPLACE FUNCTION jj126.ensure_partition(day date) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = jj126, public, pg_temp AS $fn$
DECLARE
    part text := format('passage_p%s', to_char(day, 'YYYYMMDD'));
    lo timestamptz := (day::timestamp AT TIME ZONE 'UTC');
    hi timestamptz := ((day + 1)::timestamp AT TIME ZONE 'UTC');
BEGIN
    IF to_regclass(format('jj126.%I', part)) IS NULL THEN
        EXECUTE format('CREATE TABLE jj126.%I PARTITION OF jj126.passage '
                       'FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anpr_retention') THEN
            EXECUTE format('ALTER TABLE jj126.%I OWNER TO anpr_retention', part);
        END IF;
        -- The day counts read one day's partition by name (ingest/rollup.py).
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anpr_app') THEN
            EXECUTE format('GRANT SELECT ON jj126.%I TO anpr_app', part);
        END IF;
    END IF;
    RETURN part;
END
$fn$;
COMMENT ON FUNCTION jj126.ensure_partition(date) IS
    'Create (if missing) the passage partition for one UTC capture day, owned by the '
    'retention role and readable by the app; returns its name. Runs as the owner.';
"""

OLD_FUNCTION = """
CREATE OR REPLACE FUNCTION jj126.ensure_partition(day date) RETURNS text
LANGUAGE plpgsql SECURITY INVOKER AS $fn$
DECLARE
    part text := format('passage_p%s', to_char(day, 'YYYYMMDD'));
    lo timestamptz := (day::timestamp AT TIME ZONE 'UTC');
    hi timestamptz := ((day + 1)::timestamp AT TIME ZONE 'UTC');
BEGIN
    IF to_regclass(format('jj126.%I', part)) IS NULL THEN
        EXECUTE format('CREATE TABLE jj126.%I PARTITION OF jj126.passage '
                       'FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
    END IF;
    RETURN part;
END
$fn$;
"""


def upgrade() -> None:
    op.execute(PARTITION_FUNCTION)


def downgrade() -> None:
    op.execute(OLD_FUNCTION)
