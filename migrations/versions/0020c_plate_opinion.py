"""The plate reader's opinion of each passage's crop: ``detector_plate_opinion``.

The detector worker reads the crop of every frame it finishes (the camera's crop, or the
one cut from the detected plate) with the project's own plate reader and records the
text and its confidence in the transaction that finishes the frame; verification shows
it beside the camera's read (#15). Keyed by the frame, so it is gone with the frame
(retention, ``detector.queue.purge``); the passage's key is kept for casework's look-up,
and whether the reader agrees with the camera's read, so that verification can put the
reads it doubts first without reading the passages.

Revision ID: 0020c
Revises: 0019
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020c"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "detector_plate_opinion",
        sa.Column("frame_id", sa.BigInteger(), nullable=False),
        sa.Column("passage_id", sa.BigInteger(), nullable=True,
                  comment="The passage whose crop was read (NULL: a trial frame with no passage)."),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False,
                  comment="The plate as read, without dashes; '' for none."),
        sa.Column("confidence", sa.REAL(), nullable=False),
        sa.Column("side_code", sa.SmallInteger(), nullable=True,
                  comment="RDW side-code 1-14 of the text; NULL: no Dutch plate."),
        sa.Column("crop", sa.Text(), nullable=False,
                  comment="Which crop was read: 'camera' or 'detected'."),
        sa.Column("agrees", sa.Boolean(), nullable=True,
                  comment="Whether the text is the camera's read of the passage (NULL: no passage)."),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.CheckConstraint("confidence >= 0 AND confidence <= 1",
                           name=op.f("ck_detector_plate_opinion_confidence")),
        sa.CheckConstraint("crop IN ('camera', 'detected')",
                           name=op.f("ck_detector_plate_opinion_crop")),
        sa.ForeignKeyConstraint(["frame_id"], ["detector_frame.id"],
                                name=op.f("fk_detector_plate_opinion_frame_id_detector_frame"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("frame_id", name=op.f("pk_detector_plate_opinion")),
        comment="The plate reader's opinion of a passage's crop, beside the camera's read: a "
                "second opinion for verification (#15); written with the frame, gone with it.",
    )
    op.create_index("ix_detector_plate_opinion_passage", "detector_plate_opinion",
                    ["passage_id", "captured_at"])


def downgrade() -> None:
    op.drop_table("detector_plate_opinion")
