"""Detector nodes: the frame queue and the detections.

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-28
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    state = postgresql.ENUM("queued", "processing", "done", "failed",
                            name="detector_frame_state", create_type=False)
    state.create(op.get_bind(), checkfirst=True)
    op.create_table(
        "detector_frame",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("camera_id", sa.Text(), nullable=False, comment="The camera as it reports itself."),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capture_id", sa.Text(), nullable=True,
                  comment="Unique per camera: makes enqueueing idempotent."),
        sa.Column("image_key", sa.Text(), nullable=False,
                  comment="Object-store key of the overview photo as received (unblurred)."),
        sa.Column("crop_key", sa.Text(), nullable=True,
                  comment="Object-store key of the plate crop the camera sent."),
        sa.Column("state", state, server_default="queued", nullable=False),
        sa.Column("attempts", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("available_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False, comment="Not claimed before this time (retry back-off)."),
        sa.Column("lease_owner", sa.Text(), nullable=True),
        sa.Column("lease_token", sa.Text(), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True,
                  comment="Why the last attempt failed; why a failed frame was set aside."),
        sa.Column("blurred_key", sa.Text(), nullable=True,
                  comment="Object-store key of the irreversibly blurred overview."),
        sa.Column("plate_crop_key", sa.Text(), nullable=True,
                  comment="The camera's crop, or one cut from the detected plate."),
        sa.Column("model_version", sa.Text(), nullable=True),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_detector_frame_attempts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detector_frame")),
        sa.UniqueConstraint("camera_id", "capture_id",
                            name=op.f("uq_detector_frame_camera_id_capture_id")),
        comment="Frames waiting for detection and blurring; claimed with SKIP LOCKED and a lease.",
    )
    op.create_index("ix_detector_frame_state_available_at", "detector_frame",
                    ["state", "available_at"])
    op.create_table(
        "detector_detection",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("frame_id", sa.BigInteger(), nullable=False),
        sa.Column("cls", sa.Text(), nullable=False),
        sa.Column("score", sa.REAL(), nullable=False),
        sa.Column("x1", sa.REAL(), nullable=False),
        sa.Column("y1", sa.REAL(), nullable=False),
        sa.Column("x2", sa.REAL(), nullable=False),
        sa.Column("y2", sa.REAL(), nullable=False),
        sa.Column("model_version", sa.Text(), nullable=False),
        sa.CheckConstraint("cls IN ('plate', 'person', 'vehicle')", name=op.f("ck_detector_detection_cls")),
        sa.CheckConstraint("x2 >= x1 AND y2 >= y1", name=op.f("ck_detector_detection_box")),
        sa.ForeignKeyConstraint(["frame_id"], ["detector_frame.id"],
                                name=op.f("fk_detector_detection_frame_id_detector_frame"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detector_detection")),
        comment="What the model saw in a frame, in the frame's pixel coordinates.",
    )
    op.create_index(op.f("ix_detector_detection_frame_id"), "detector_detection", ["frame_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_detector_detection_frame_id"), table_name="detector_detection")
    op.drop_table("detector_detection")
    op.drop_index("ix_detector_frame_state_available_at", table_name="detector_frame")
    op.drop_table("detector_frame")
    sa.Enum(name="detector_frame_state").drop(op.get_bind(), checkfirst=True)
