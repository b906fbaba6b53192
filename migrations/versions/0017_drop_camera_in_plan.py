"""Plan membership lives in the published plans only: ``camera.in_plan`` goes.

The flag stood in for plan membership until yearly plans were published (R9). Intake
has asked the published plans and their amendments for some time
(``camera_registry.membership``); search coverage now does too, per moment of the
window. Nothing reads the flag any more, and a flag that disagrees with the plan would
only mislead.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-28
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_column("camera", "in_plan")


def downgrade() -> None:
    op.add_column("camera", sa.Column(
        "in_plan", sa.Boolean(), server_default=sa.text("true"), nullable=False,
        comment="Stand-in for plan membership until yearly plans are published (R9)."))
