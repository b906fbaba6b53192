"""Secured results stay usable until the enquiry completes (R1): ``jj126.case_passage``.

Casework reads an enquiry's passages through one view: the live day partitions, and the
copies that retention secured for an enquiry in progress before it destroyed their day.
A secured row carries its enquiry's reference, so a request reads only its own copies;
it also keeps the detector's blurred photo, re-encrypted under the enquiry's key, so
photo approval and provision work exactly as before the day expired.

Revision ID: 0018f
Revises: 0017
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018f"
down_revision = "0017"
branch_labels = None
depends_on = None

VIEW = """
CREATE VIEW jj126.case_passage AS
SELECT p.id, p.captured_at, p.camera_id, p.plate, p.plate_raw, p.country, p.confidence,
       p.geom, p.overview_key, p.crop_key, p.capture_id,
       NULL::text AS enquiry_ref, NULL::text AS secured_blurred_key
  FROM jj126.passage p
UNION ALL
SELECT s.passage_id, s.captured_at, s.camera_id, s.plate, s.plate_raw, s.country,
       s.confidence, s.geom, s.overview_key, s.crop_key, s.capture_id,
       s.enquiry_ref, s.blurred_key
  FROM jj126.secured_passage s
"""


def upgrade() -> None:
    op.add_column("secured_passage", sa.Column(
        "blurred_key", sa.Text(), nullable=True,
        comment="The detector's blurred photo, secured under the enquiry's key (R8)."),
        schema="jj126")
    op.execute(VIEW)
    op.execute("COMMENT ON VIEW jj126.case_passage IS 'Passages as casework reads them: "
               "live ones, and the copies secured for an enquiry in progress (R1).'")


def downgrade() -> None:
    op.execute("DROP VIEW jj126.case_passage")
    op.drop_column("secured_passage", "blurred_key", schema="jj126")
