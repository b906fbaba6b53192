"""Relations to a request are recorded (R2, R10): hand-overs and investigation members.

A hand-over makes another authorised officer of the unit the handling officer; each is
kept with who handed over to whom, when and why. Investigation members are recorded
with who recorded them and when, so that the access they give is reviewable.

Revision ID: 0018a
Revises: 0017
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018a"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "request_handover",
        sa.Column("id", sa.Integer(), sa.Identity(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("request.id"), nullable=False,
                  index=True),
        sa.Column("from_account_id", sa.Integer(), sa.ForeignKey("account.id"), nullable=False),
        sa.Column("to_account_id", sa.Integer(), sa.ForeignKey("account.id"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("reason", sa.Text(), nullable=False),
        comment="R2: a request handed to another authorised officer (who, to whom, when, why).",
    )
    op.add_column("investigation_member", sa.Column("added_by", sa.Integer(),
                                                    sa.ForeignKey("account.id")))
    op.add_column("investigation_member", sa.Column("added_at", sa.DateTime(timezone=True),
                                                    server_default=sa.func.now()))


def downgrade() -> None:
    op.drop_column("investigation_member", "added_at")
    op.drop_column("investigation_member", "added_by")
    op.drop_table("request_handover")
