"""The plate reader's opinions are looked up from their index alone (issue 15).

A verification page ranks every read of its request by the plate reader's opinion (it
disagrees, is unsure, agrees): one opinion looked up per read, 30,000 for a block query
of 30,000 passages, on every page. The index on ``(passage_id, captured_at)`` found each
opinion and then read it from the table; this one also holds what the page needs (newest
first, the frame, whether it agrees, the confidence and the text), so a look-up reads
two index pages and no table page.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07
"""
from __future__ import annotations

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_detector_plate_opinion_passage")
    op.execute("CREATE INDEX ix_detector_plate_opinion_passage ON detector_plate_opinion"
               " (passage_id, captured_at, read_at DESC)"
               " INCLUDE (frame_id, agrees, confidence, text)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_detector_plate_opinion_passage")
    op.execute("CREATE INDEX ix_detector_plate_opinion_passage ON detector_plate_opinion"
               " (passage_id, captured_at)")
