"""One head again: enquiry results that name their camera (0020a), day partitions owned
by the retention role (0020b) and the plate reader's opinions (0020c) were written side
by side from 0019 and touch different tables.

Revision ID: 0021
Revises: 0020a, 0020b, 0020c
Create Date: 2026-12-02
"""
from __future__ import annotations

revision = "0021"
down_revision = ("0020a", "0020b", "0020c")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
