"""pg_prewarm: the plate indexes of the retention window are kept in memory.

Q1 (a plate's history over 28 days) probes one plate index per day partition. At
national scale these indexes are about 200 MB a day, 5.7 GB for 28 days: a probe whose
leaf page is on disk costs a random read, and 28 of them are most of a cold plate
search. Retention prefetches them after sealing a day, ``anpr db prewarm`` does it on
demand (for instance after a reboot).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28
"""
from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")


def downgrade() -> None:
    op.execute("DROP EXTENSION IF EXISTS pg_prewarm")
