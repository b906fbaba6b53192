"""Photo approval (R8): the officer's blur boxes and the irreversibly blurred copy of an
overview photo approved for provision, one per request and passage.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "photo_approval",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("passage_id", sa.BigInteger(), nullable=False),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("boxes", postgresql.JSONB(), server_default=sa.text("'[]'::jsonb"),
                  nullable=False,
                  comment="The officer's blur boxes, [x1, y1, x2, y2] in image pixels."),
        sa.Column("source_key", sa.Text(), nullable=False,
                  comment="The stored overview photo shown."),
        sa.Column("image_key", sa.Text(), nullable=False,
                  comment="The approved copy, irreversibly blurred, in the photo vault."),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("approved_by", sa.Integer(), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["request.id"],
                                name=op.f("fk_photo_approval_request_id_request")),
        sa.ForeignKeyConstraint(["approved_by"], ["account.id"],
                                name=op.f("fk_photo_approval_approved_by_account")),
        sa.PrimaryKeyConstraint("request_id", "passage_id", "captured_at",
                                name=op.f("pk_photo_approval")),
        comment="R8: photos approved for provision; once approved the blurred copy is final.",
    )


def downgrade() -> None:
    op.drop_table("photo_approval")
