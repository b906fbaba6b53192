"""Login sessions are kept server-side (R10): the cookie holds a random token, the
database its hash, who it belongs to and when it ended, so that logout, a password
change, a suspension or a timeout ends it for whoever holds a copy of the cookie.

Revision ID: 0018c
Revises: 0017
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018c"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_session",
        sa.Column("id", sa.Text(), primary_key=True,
                  comment="SHA-256 of the cookie's random token"),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("account.id"), nullable=False,
                  index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.Column("source", sa.Text()),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("ended_reason", sa.Text()),
        sa.CheckConstraint("(ended_at IS NULL) = (ended_reason IS NULL)",
                           name=op.f("ck_web_session_ended")),
        comment="R10: a login session, live until logout, password change, suspension or "
                "timeout ends it server-side (migration 0018c).",
    )


def downgrade() -> None:
    op.drop_table("web_session")
