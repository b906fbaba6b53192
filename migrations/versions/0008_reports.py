"""Daily passage statistics that survive retention (monitor report Table 1, Figure 5).

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-28
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "passage_day_stat",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("passages", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("unique_plates", sa.BigInteger(), nullable=True),
        sa.Column("final", sa.Boolean(), server_default=sa.text("false"), nullable=False,
                  comment="counted just before retention dropped the day"),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_passage_day_stat")),
        comment="Passages and unique plates per UTC capture day; survives retention (Table 1).",
    )


def downgrade() -> None:
    op.drop_table("passage_day_stat")
