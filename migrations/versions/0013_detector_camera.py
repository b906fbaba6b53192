"""Per-camera blur settings of the detector: the surroundings blur can be switched off.

The detector blurs everything outside the detected vehicles by default
(``ANPR_DETECTOR_SURROUNDINGS``); a camera whose view holds nothing but road can be
exempted. The setting belongs to the camera like its facing and privacy masks, but only
the detector reads it, so it lives in a detector table: a camera without a row keeps
the default.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "detector_camera",
        sa.Column("camera_id", sa.Text(), nullable=False),
        sa.Column("blur_surroundings", sa.Boolean(), server_default=sa.text("true"),
                  nullable=False, comment="False exempts this camera from the surroundings blur."),
        sa.ForeignKeyConstraint(["camera_id"], ["camera.id"],
                                name=op.f("fk_detector_camera_camera_id_camera"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("camera_id", name=op.f("pk_detector_camera")),
        comment="Blur settings of one camera beside the registry's facing and privacy masks; "
                "a camera without a row has the defaults. Changes are logged in registry_change.",
    )


def downgrade() -> None:
    op.drop_table("detector_camera")
