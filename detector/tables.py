"""Tables of the detector nodes (migrations 0005, 0013, 0020c): the frame queue, the
detections, per-camera blur settings and the plate reader's opinion of each crop.

Kept beside the worker that owns them; ``migrations.model`` collects them with every other
package's tables into the one metadata Alembic compares.

The queue is a plain table claimed with ``FOR UPDATE SKIP LOCKED``: a frame is
``queued`` until a worker leases it (``processing`` with ``lease_until``); a worker that
dies simply lets its lease run out and the frame is claimed again. ``lease_token``
changes with every claim, so only the current holder can finish a frame: that is what
makes each frame's detections recorded exactly once.
"""
from __future__ import annotations

from sqlalchemy import (
    REAL, BigInteger, Boolean, CheckConstraint, Column, DateTime, ForeignKey, Identity, Index,
    SmallInteger, Table, Text, UniqueConstraint, func, text,
)
from sqlalchemy.dialects.postgresql import ENUM

from anpr.schema import metadata

FRAME_STATE = ENUM("queued", "processing", "done", "failed", name="detector_frame_state",
                   metadata=metadata)

detector_frame = Table(
    "detector_frame", metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("camera_id", Text, nullable=False, comment="The camera as it reports itself."),
    Column("captured_at", DateTime(timezone=True), nullable=False),
    Column("capture_id", Text, comment="With the camera and the capture time, the passage's "
           "key: makes enqueueing idempotent."),
    Column("image_key", Text, nullable=False,
           comment="Object-store key of the overview photo as received (unblurred)."),
    Column("crop_key", Text, comment="Object-store key of the plate crop the camera sent."),
    Column("state", FRAME_STATE, nullable=False, server_default="queued"),
    Column("attempts", SmallInteger, nullable=False, server_default="0"),
    Column("available_at", DateTime(timezone=True), nullable=False, server_default=func.now(),
           comment="Not claimed before this time (retry back-off)."),
    Column("lease_owner", Text),
    Column("lease_token", Text),
    Column("lease_until", DateTime(timezone=True)),
    Column("last_error", Text, comment="Why the last attempt failed; why a failed frame was set aside."),
    Column("blurred_key", Text, comment="Object-store key of the irreversibly blurred overview."),
    Column("plate_crop_key", Text, comment="The camera's crop, or one cut from the detected plate."),
    Column("model_version", Text),
    Column("enqueued_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("done_at", DateTime(timezone=True)),
    UniqueConstraint("camera_id", "capture_id", "captured_at"),
    Index("ix_detector_frame_state_available_at", "state", "available_at"),
    CheckConstraint("attempts >= 0", name="attempts"),
    comment="Frames waiting for detection and blurring; claimed with SKIP LOCKED and a lease.",
)

detector_detection = Table(
    "detector_detection", metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("frame_id", BigInteger, ForeignKey("detector_frame.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("cls", Text, nullable=False),
    Column("score", REAL, nullable=False),
    Column("x1", REAL, nullable=False),
    Column("y1", REAL, nullable=False),
    Column("x2", REAL, nullable=False),
    Column("y2", REAL, nullable=False),
    Column("model_version", Text, nullable=False),
    CheckConstraint("cls IN ('plate', 'person', 'vehicle')", name="cls"),
    CheckConstraint("x2 >= x1 AND y2 >= y1", name="box"),
    comment="What the model saw in a frame, in the frame's pixel coordinates.",
)

detector_camera = Table(
    "detector_camera", metadata,
    Column("camera_id", Text, ForeignKey("camera.id", ondelete="CASCADE"), primary_key=True),
    Column("blur_surroundings", Boolean, nullable=False, server_default=text("true"),
           comment="False exempts this camera from the surroundings blur."),
    comment="Blur settings of one camera beside the registry's facing and privacy masks; "
            "a camera without a row has the defaults. Changes are logged in registry_change.",
)

detector_plate_opinion = Table(
    "detector_plate_opinion", metadata,
    Column("frame_id", BigInteger, ForeignKey("detector_frame.id", ondelete="CASCADE"),
           primary_key=True),
    Column("passage_id", BigInteger,
           comment="The passage whose crop was read (NULL: a trial frame with no passage)."),
    Column("captured_at", DateTime(timezone=True), nullable=False),
    Column("text", Text, nullable=False, comment="The plate as read, without dashes; '' for none."),
    Column("confidence", REAL, nullable=False),
    Column("side_code", SmallInteger, comment="RDW side-code 1-14 of the text; NULL: no Dutch plate."),
    Column("crop", Text, nullable=False, comment="Which crop was read: 'camera' or 'detected'."),
    Column("agrees", Boolean,
           comment="Whether the text is the camera's read of the passage (NULL: no passage)."),
    Column("model", Text, nullable=False),
    Column("read_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_detector_plate_opinion_passage", "passage_id", "captured_at",
          text("read_at DESC"),
          postgresql_include=["frame_id", "agrees", "confidence", "text"]),
    CheckConstraint("confidence >= 0 AND confidence <= 1", name="confidence"),
    CheckConstraint("crop IN ('camera', 'detected')", name="crop"),
    comment="The plate reader's opinion of a passage's crop, beside the camera's read: a "
            "second opinion for verification (#15); written with the frame, gone with it.",
)
