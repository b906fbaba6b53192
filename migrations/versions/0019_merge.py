"""One head again: request relations (0018a), the sealed audit chain (0018b), server-side
web sessions (0018c) and casework's view of secured passages (0018f) were written side by
side from 0017 and touch different tables.

Revision ID: 0019
Revises: 0018a, 0018b, 0018c, 0018f
Create Date: 2026-12-01
"""
from __future__ import annotations

revision = "0019"
down_revision = ("0018a", "0018b", "0018c", "0018f")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
