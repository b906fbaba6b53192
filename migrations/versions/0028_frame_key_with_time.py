"""A detector frame is known by its passage's key: camera, capture id and capture time (R8).

A passage is unique on (camera, capture id, time), but the detector's queue was unique on
(camera, capture id) alone. A camera whose capture counter restarts (after a reboot, or
each day) sends a capture id it used before, at another time: another passage, whose
frame the queue skipped as already queued, so its photo was stored and never blurred,
shown or provided. Intake refused such passages since (``capture_id_reused``), losing
lawful passages. With the frame's key the passage's, each passage has its own frame.
Every frame unique before is unique after.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07
"""
from __future__ import annotations

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE detector_frame ADD CONSTRAINT "
               "uq_detector_frame_camera_id_capture_id_captured_at "
               "UNIQUE (camera_id, capture_id, captured_at)")
    op.execute("ALTER TABLE detector_frame DROP CONSTRAINT uq_detector_frame_camera_id_capture_id")
    op.execute("COMMENT ON COLUMN detector_frame.capture_id IS 'With the camera and the "
               "capture time, the passage''s key: makes enqueueing idempotent.'")


def downgrade() -> None:
    # fails where a camera reused a capture id at another time: those frames must go first
    op.execute("ALTER TABLE detector_frame ADD CONSTRAINT uq_detector_frame_camera_id_capture_id "
               "UNIQUE (camera_id, capture_id)")
    op.execute("ALTER TABLE detector_frame DROP CONSTRAINT "
               "uq_detector_frame_camera_id_capture_id_captured_at")
    op.execute("COMMENT ON COLUMN detector_frame.capture_id IS "
               "'Unique per camera: makes enqueueing idempotent.'")
