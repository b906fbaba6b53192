"""A passage keeps the camera's alternative candidate reads beside its read (issue 18).

Cameras report the top-N candidate reads of a plate with their confidences (Rekor,
OpenALPR: N = 10). The read itself (``plate``) stays as read (R7); the candidates go in
two parallel arrays on the passage, ``alternatives`` (normalised plates, never the read
itself, no duplicates) and ``alternative_confidences`` (0..1, same length), NULL when
the camera sent none. Columns rather than a table of their own: intake stays one COPY
into one partitioned table, and a passage and its candidates live and die together in
their day partition (R1, retention drops partitions).

The partial GIN index answers "which passages hold one of these plates as a candidate"
for the misread option of the plate searches; partial, so the passages without
candidates (most of them) cost intake nothing. Adding nullable columns without a
default is a catalogue change only, whatever the table's size; the bounds (at most 10,
parallel arrays) are the intake validator's, not a CHECK that would scan every partition.

Revision ID: 0022a
Revises: 0021
Create Date: 2026-12-02
"""
from __future__ import annotations

from alembic import op

revision = "0022a"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
ALTER TABLE jj126.passage ADD COLUMN alternatives text[],
                          ADD COLUMN alternative_confidences real[];
CREATE INDEX ix_passage_alternatives ON jj126.passage USING gin (alternatives)
 WHERE alternatives IS NOT NULL;
""")


def downgrade() -> None:
    op.execute("""
DROP INDEX IF EXISTS jj126.ix_passage_alternatives;
ALTER TABLE jj126.passage DROP COLUMN IF EXISTS alternative_confidences,
                          DROP COLUMN IF EXISTS alternatives;
""")
