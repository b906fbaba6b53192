"""What a search's run resolved and counted beyond the rows it holds (issue 13).

A run keeps its passages with the enquiry (``enquiry_result``) and everything afterwards
reads those rows, never the live store again. A few things the run worked out are not in
the rows: the cameras a drawn selection resolved to (per site for Q5), and for a convoy
search (Q4) the estimate of vehicles per day and the number of other plates in each
target passage's band, which its ranking weighs. ``enquiry.run_info`` keeps them, so a
later page of a convoy is ranked exactly as the run ranked it. Camera ids, windows and
counts only: no plate, no passage time, nothing that retention must destroy (R1).

Revision ID: 0024c
Revises: 0023b
Create Date: 2026-12-08
"""
from __future__ import annotations

from alembic import op

revision = "0024c"
down_revision = "0023b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE enquiry ADD COLUMN run_info jsonb")
    op.execute("COMMENT ON COLUMN enquiry.run_info IS 'What the run resolved and counted "
               "beyond its held rows (cameras of a selection, Q4 band sizes): no plate or "
               "passage time'")


def downgrade() -> None:
    op.execute("ALTER TABLE enquiry DROP COLUMN run_info")
