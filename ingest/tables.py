"""Intake's and retention's tables: the passages themselves (``jj126.passage``, one
partition per UTC capture day, apart from any other ANPR data: R11), the devices that
post them, the photo keys per day and per enquiry (R13), retention's log, and the results
secured for enquiries still in progress (R1). Defined on the one metadata of
``anpr.schema``; ``migrations.model`` collects every package's tables for Alembic and the
schema test."""
from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger, Boolean, CheckConstraint, Column, Date, DateTime, ForeignKey, Identity,
    Index, Integer, LargeBinary, REAL, String, Table, Text, UniqueConstraint, func, text,
)
from sqlalchemy.dialects.postgresql import ARRAY

from anpr.schema import metadata

passage = Table(
    "passage", metadata,
    Column("id", BigInteger, Identity(), nullable=False),
    Column("camera_id", Text, nullable=False),
    Column("captured_at", DateTime(timezone=True), nullable=False),
    Column("plate", Text(collation="C"), nullable=False, comment="normalised: A-Z0-9 only"),
    Column("plate_raw", Text, nullable=False, comment="as read by the camera"),
    Column("country", String(3)),
    Column("confidence", REAL),
    Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
    Column("overview_key", Text),
    Column("crop_key", Text),
    Column("capture_id", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("segment_id", Integer, comment="road segment the passage was matched to"),
    # The camera's other candidate reads and their confidences (migration 0022a).
    Column("alternatives", ARRAY(Text)),
    Column("alternative_confidences", ARRAY(REAL)),
    UniqueConstraint("camera_id", "captured_at", "capture_id", postgresql_include=["plate"]),
    CheckConstraint("plate ~ '^[A-Z0-9]{1,12}$'", name="plate_normalised"),
    CheckConstraint("confidence IS NULL OR (confidence >= 0 AND confidence <= 1)",
                    name="confidence"),
    # Covering indexes (migration 0011): searches other than a page of rows are index-only.
    Index("ix_passage_plate_time", "plate", "captured_at",
          postgresql_include=["camera_id", "id", "plate_raw", "country", "confidence"]),
    Index("ix_passage_plate_reversed", func.reverse(text("plate")), "captured_at",
          postgresql_include=["plate", "camera_id"]),
    Index("ix_passage_alternatives", "alternatives", postgresql_using="gin",
          postgresql_where=text("alternatives IS NOT NULL")),
    schema="jj126",
    postgresql_partition_by="RANGE (captured_at)",
    comment="126jj passages, one partition per UTC capture day; immutable.",
)

intake_device = Table(
    "intake_device", metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("name", Text, nullable=False),
    Column("camera_id", Text, ForeignKey("camera.id")),
    Column("location_id", Integer, ForeignKey("location.id")),
    Column("key_prefix", Text, nullable=False, unique=True),
    Column("key_hash", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("revoked_at", DateTime(timezone=True)),
    Column("last_used_at", DateTime(timezone=True)),
    CheckConstraint("(camera_id IS NULL) <> (location_id IS NULL)", name="one_scope"),
    comment="Per-device intake API keys (hashed, revocable).",
)

retention_log = Table(
    "retention_log", metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("run_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("day", Date, nullable=False),
    Column("passages", BigInteger, nullable=False),
    Column("images", BigInteger, nullable=False),
    Column("key_destroyed", Boolean, nullable=False),
    Column("secured", Integer, nullable=False),
    comment="What retention destroyed per capture day: counts only, never plates.",
)

image_day_key = Table(
    "image_day_key", metadata,
    Column("day", Date, primary_key=True),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    schema="jj126",
    comment="Photo data key per UTC capture day, wrapped by the master key (R13).",
)

enquiry_key = Table(
    "enquiry_key", metadata,
    Column("enquiry_ref", Text, primary_key=True),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    schema="jj126",
    comment="Photo key of an enquiry's secured results, wrapped by the master key.",
)

result_hold = Table(
    "result_hold", metadata,
    Column("enquiry_ref", Text, primary_key=True),
    Column("passage_id", BigInteger, primary_key=True),
    Column("captured_at", DateTime(timezone=True), primary_key=True),
    Column("held_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("released_at", DateTime(timezone=True)),
    Index("ix_result_hold_captured_at", "captured_at"),
    schema="jj126",
    comment="Passages in the result set of an enquiry in progress (R1).",
)

secured_passage = Table(
    "secured_passage", metadata,
    Column("enquiry_ref", Text, primary_key=True),
    Column("passage_id", BigInteger, primary_key=True),
    Column("captured_at", DateTime(timezone=True), primary_key=True),
    Column("camera_id", Text, nullable=False),
    Column("plate", Text(collation="C"), nullable=False),
    Column("plate_raw", Text, nullable=False),
    Column("country", String(3)),
    Column("confidence", REAL),
    Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
    Column("overview_key", Text),
    Column("crop_key", Text),
    Column("capture_id", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("secured_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("blurred_key", Text,
           comment="The detector's blurred photo, secured under the enquiry's key (R8)."),
    Column("alternatives", ARRAY(Text)),
    Column("alternative_confidences", ARRAY(REAL)),
    schema="jj126",
    comment="Copies of held passages secured before their day was destroyed (R1).",
)
