"""Plate searches including probable misreads find the look-alike plates side by side
(issue 18).

A plate search including probable misreads (Q1, and the target's passages of Q4 and Q6)
looks up the ordered plate and up to 64 plates a camera may have read instead (B read as
8, D as 0, ...). In the plate index those plates lie far apart, so each was a descent to
a leaf page of its own in every day partition: at national scale about 1,800 leaf pages
a search, most of them not in memory, and a p95 of 97 ms against 50. This index is keyed
by the plate's confusion class (``gis.search.misreads.CLASS_FROM``/``CLASS_TO``: every
character to the first of its class, the closure of the confusion table) followed by the
plate, then the time: the plates looked up for one ordered plate share the class and lie
on the same few pages of each day, and the key still names the plate, so nothing else is
read. One expression, not two columns: the plate index cannot answer a condition on it,
so the planner does not fall back to a probe per plate there.

Building it took 188 s for 120 million passages (28 days at national scale, 4.6 GB) on
two cores. Unlike the plate index it is not kept in memory (``ingest.retention.PLATE_INDEXES``):
a search reads one or two of its pages a day.
The two strings are part of the index: a change to the confusion classes needs a
migration that builds it again (``tests/test_search_misreads.py`` fails until then).

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

CLASS_FROM = "DOQ27IJLTZ8BPRA6CGSFNXY"
CLASS_TO = "0001111111333345555EHKV"


def upgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS ix_passage_plate_class ON jj126.passage"
               f" ((translate(plate, '{CLASS_FROM}', '{CLASS_TO}') || plate), captured_at)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS jj126.ix_passage_plate_class")
