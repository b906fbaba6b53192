"""Search: an index on the reversed plate, so partial plates with a fixed end are fast.

Partial-plate searches (Q2) with a fixed beginning (``AB??12``, ``YX*``) use the
existing ``(plate, captured_at)`` btree as a range scan (the plate column has collation
C). Patterns with only a fixed end (``*12``, ``??X12``) need the same on the reversed
plate. A btree on ``reverse(plate)`` costs intake about what the plate index costs;
a pg_trgm GIN index would also serve infix-only patterns but costs intake far more, and
infix-only patterns are refused without a camera selection anyway (R5: no data mining).

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-28
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_passage_plate_reversed", "passage",
                    [sa.literal_column("reverse(plate)"), "captured_at"], unique=False,
                    schema="jj126")


def downgrade() -> None:
    op.drop_index("ix_passage_plate_reversed", table_name="passage", schema="jj126")
