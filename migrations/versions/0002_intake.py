"""Intake and retention: device keys, image day keys, secured enquiry results, retention log.

- ``intake_device``: API keys of cameras and sites, stored only as a SHA-256 hash (the keys
  are 256-bit random, so a slow hash buys nothing), revocable.
- ``jj126.image_day_key``: the data key of each capture day's photos, wrapped under the
  master key; retention deletes the row, so no backup of the image store can be read (R13).
- ``jj126.result_hold`` / ``jj126.secured_passage`` / ``jj126.enquiry_key``: results of an
  enquiry in progress, copied out of a day before retention drops it (R1).
- ``retention_log``: what retention destroyed, counts per day, never plates.
- ``jj126.passage.segment_id``: the road segment a (mobile) passage was matched to.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("passage", sa.Column("segment_id", sa.Integer(), nullable=True,
                                       comment="road segment the passage was matched to"),
                  schema="jj126")
    op.create_table(
        "intake_device",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("camera_id", sa.Text(), nullable=True),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("key_prefix", sa.Text(), nullable=False),
        sa.Column("key_hash", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("(camera_id IS NULL) <> (location_id IS NULL)",
                           name=op.f("ck_intake_device_one_scope")),
        sa.ForeignKeyConstraint(["camera_id"], ["camera.id"],
                                name=op.f("fk_intake_device_camera_id_camera")),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"],
                                name=op.f("fk_intake_device_location_id_location")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_device")),
        sa.UniqueConstraint("key_prefix", name=op.f("uq_intake_device_key_prefix")),
        comment="Per-device intake API keys (hashed, revocable).",
    )
    op.create_table(
        "retention_log",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("passages", sa.BigInteger(), nullable=False),
        sa.Column("images", sa.BigInteger(), nullable=False),
        sa.Column("key_destroyed", sa.Boolean(), nullable=False),
        sa.Column("secured", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_log")),
        comment="What retention destroyed per capture day: counts only, never plates.",
    )
    op.create_table(
        "image_day_key",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_image_day_key")),
        schema="jj126",
        comment="Photo data key per UTC capture day, wrapped by the master key (R13).",
    )
    op.create_table(
        "enquiry_key",
        sa.Column("enquiry_ref", sa.Text(), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.PrimaryKeyConstraint("enquiry_ref", name=op.f("pk_enquiry_key")),
        schema="jj126",
        comment="Photo key of an enquiry's secured results, wrapped by the master key.",
    )
    op.create_table(
        "result_hold",
        sa.Column("enquiry_ref", sa.Text(), nullable=False),
        sa.Column("passage_id", sa.BigInteger(), nullable=False),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("enquiry_ref", "passage_id", "captured_at",
                                name=op.f("pk_result_hold")),
        schema="jj126",
        comment="Passages in the result set of an enquiry in progress (R1).",
    )
    op.create_index("ix_result_hold_captured_at", "result_hold", ["captured_at"],
                    schema="jj126")
    op.create_table(
        "secured_passage",
        sa.Column("enquiry_ref", sa.Text(), nullable=False),
        sa.Column("passage_id", sa.BigInteger(), nullable=False),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("camera_id", sa.Text(), nullable=False),
        sa.Column("plate", sa.Text(collation="C"), nullable=False),
        sa.Column("plate_raw", sa.Text(), nullable=False),
        sa.Column("country", sa.String(length=3), nullable=True),
        sa.Column("confidence", sa.REAL(), nullable=True),
        sa.Column("geom", Geometry(geometry_type="POINT", srid=4326, spatial_index=False,
                                   from_text="ST_GeomFromEWKT", name="geometry",
                                   nullable=False), nullable=False),
        sa.Column("overview_key", sa.Text(), nullable=True),
        sa.Column("crop_key", sa.Text(), nullable=True),
        sa.Column("capture_id", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("secured_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.PrimaryKeyConstraint("enquiry_ref", "passage_id", "captured_at",
                                name=op.f("pk_secured_passage")),
        schema="jj126",
        comment="Copies of held passages secured before their day was destroyed (R1).",
    )


def downgrade() -> None:
    op.drop_table("secured_passage", schema="jj126")
    op.drop_index("ix_result_hold_captured_at", table_name="result_hold", schema="jj126")
    op.drop_table("result_hold", schema="jj126")
    op.drop_table("enquiry_key", schema="jj126")
    op.drop_table("image_day_key", schema="jj126")
    op.drop_table("retention_log")
    op.drop_table("intake_device")
    op.drop_column("passage", "segment_id", schema="jj126")
