"""One head again: verdicts keyed by the question they answer (0024a), audit records dated
by the database (0024b) and what a search's run kept (0024c) were written side by side
from 0023b and touch different tables.

Revision ID: 0025
Revises: 0024a, 0024b, 0024c
Create Date: 2026-12-07
"""
from __future__ import annotations

revision = "0025"
down_revision = ("0024a", "0024b", "0024c")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
