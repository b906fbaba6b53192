"""Searches read indexes only: three covering indexes on passages instead of four.

Every search but the page of rows needs only (plate, captured_at, camera_id): counts,
per-location aggregates, convoy bands, common plates, routes. With those columns in
the index, PostgreSQL answers them with index-only scans and never visits the heap of
a day that is sealed (all-visible, see ``jj126.seal_day`` in ingest/retention.py);
a partial-plate pattern's LIKE is then tested on the index entries instead of on
every heap row of the prefix range (at 120 M passages: 54 s before, well under a
second after). The unique key is reordered to (camera_id, captured_at, capture_id), so
it also serves the camera-and-time searches and the separate camera index goes: one
index fewer to maintain at intake. The uniqueness it enforces is unchanged.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28
"""
from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
ALTER TABLE jj126.passage DROP CONSTRAINT uq_passage_camera_id_capture_id_captured_at;
DROP INDEX jj126.ix_passage_camera_time;
DROP INDEX jj126.ix_passage_plate_time;
DROP INDEX jj126.ix_passage_plate_reversed;
ALTER TABLE jj126.passage ADD CONSTRAINT uq_passage_camera_id_captured_at_capture_id
    UNIQUE (camera_id, captured_at, capture_id) INCLUDE (plate);
CREATE INDEX ix_passage_plate_time ON jj126.passage (plate, captured_at) INCLUDE (camera_id);
CREATE INDEX ix_passage_plate_reversed ON jj126.passage (reverse(plate), captured_at)
    INCLUDE (plate, camera_id);
""")


def downgrade() -> None:
    op.execute("""
ALTER TABLE jj126.passage DROP CONSTRAINT uq_passage_camera_id_captured_at_capture_id;
DROP INDEX jj126.ix_passage_plate_time;
DROP INDEX jj126.ix_passage_plate_reversed;
ALTER TABLE jj126.passage ADD CONSTRAINT uq_passage_camera_id_capture_id_captured_at
    UNIQUE (camera_id, capture_id, captured_at);
CREATE INDEX ix_passage_camera_time ON jj126.passage (camera_id, captured_at);
CREATE INDEX ix_passage_plate_time ON jj126.passage (plate, captured_at);
CREATE INDEX ix_passage_plate_reversed ON jj126.passage (reverse(plate), captured_at);
""")
