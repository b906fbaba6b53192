"""A rejected question drops no passage that its search also holds without one (R7).

A search holds each passage once (``enquiry_result``'s key), to be verified if any part
of it says so. A common-plate search including probable misreads (Q5) holds X's read in
X's group as found (a location/time row, no question) and, as a look-alike, in Y's group
to be compared with Y: held once, with the question Y. Rejected ("the crop does not
show Y"), the passage was left out, although X's group holds it without a question; the
same for a convoy partner that is also a probable misread of the target.
``enquiry_result.held_plain`` says that the search also holds the passage without a
question: a rejection then answers the question only, and the passage is provided as
a location/time row (``casework.verification.PROVIDED_SQL``, ``casework.provision``).
Rows held before this revision keep false: nothing about them was recorded.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07
"""
from __future__ import annotations

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE enquiry_result ADD COLUMN held_plain boolean NOT NULL DEFAULT false")
    op.execute("COMMENT ON COLUMN enquiry_result.held_plain IS 'R7: the search also holds "
               "this passage without a question (a common plate''s own read, a convoy "
               "partner): a rejection of its question does not leave it out'")


def downgrade() -> None:
    op.execute("ALTER TABLE enquiry_result DROP COLUMN held_plain")
