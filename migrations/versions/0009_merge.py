"""Merge the feature branches (intake, search, plans, detector, casework, photo approval,
reports) into one head, so ``alembic upgrade head`` works as well as ``heads``.

Revision ID: 0009
Revises: 0002, 0003, 0004, 0005, 0007, 0008
Create Date: 2026-11-28
"""
from __future__ import annotations

revision = "0009"
down_revision = ("0002", "0003", "0004", "0005", "0007", "0008")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
