"""A plate's history from the plate index alone, without reading the table.

A plate search (Q1) over 28 days finds a few dozen passages, one or two a day, each on
a different table page: at 120 M passages those were as many random reads, most of the
search's time. The plate index now also carries what a result row shows (id, raw
read, country, confidence), so on a sealed day (all-visible, ingest/retention.py) the
search is an index-only scan.

The position is not in the index: a point would make it half as large again, and for a
fixed camera it is its location's position when the passage was stored. What the index
cannot tell is whether the location has moved since, so each location and camera now
records when its position last changed (``moved_at``, set by a trigger), and a search
reads a passage's stored position from the table only when it may differ from the
registry's: a mobile camera's passage (its own position), or one captured before the
move or less than a day after it (an import that read the registry before the move may
still be storing passages with the old position).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-28
"""
from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
ALTER TABLE location ADD COLUMN moved_at timestamptz NOT NULL DEFAULT '-infinity';
ALTER TABLE camera ADD COLUMN moved_at timestamptz NOT NULL DEFAULT '-infinity';
COMMENT ON COLUMN location.moved_at IS
    'When the position last changed; passages captured before (and up to a day after) may carry the old one';
COMMENT ON COLUMN camera.moved_at IS
    'When the camera last changed location or mounting; passages captured before (and up to a day after) may carry the old position';
-- What the registry's history knows of earlier moves.
UPDATE location l SET moved_at = h.at
  FROM (SELECT entity_key, max(at) AS at FROM registry_change
         WHERE entity = 'location' AND action = 'update'
           AND (before->'lon', before->'lat') IS DISTINCT FROM (after->'lon', after->'lat')
         GROUP BY entity_key) h
 WHERE l.code = h.entity_key;
UPDATE camera c SET moved_at = h.at
  FROM (SELECT entity_key, max(at) AS at FROM registry_change
         WHERE entity = 'camera' AND action = 'update'
           AND (before->'location_code', before->'mounting')
               IS DISTINCT FROM (after->'location_code', after->'mounting')
         GROUP BY entity_key) h
 WHERE c.id = h.entity_key;
CREATE FUNCTION stamp_moved_at() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    NEW.moved_at := now();
    RETURN NEW;
END
$fn$;
CREATE TRIGGER location_moved BEFORE UPDATE OF geom, mounting ON location FOR EACH ROW
    WHEN (OLD.geom::bytea IS DISTINCT FROM NEW.geom::bytea OR OLD.mounting IS DISTINCT FROM NEW.mounting)
    EXECUTE FUNCTION stamp_moved_at();
CREATE TRIGGER camera_moved BEFORE UPDATE OF location_id, mounting ON camera FOR EACH ROW
    WHEN (OLD.location_id IS DISTINCT FROM NEW.location_id OR OLD.mounting IS DISTINCT FROM NEW.mounting)
    EXECUTE FUNCTION stamp_moved_at();
DROP INDEX jj126.ix_passage_plate_time;
CREATE INDEX ix_passage_plate_time ON jj126.passage (plate, captured_at)
    INCLUDE (camera_id, id, plate_raw, country, confidence);
""")


def downgrade() -> None:
    op.execute("""
DROP INDEX jj126.ix_passage_plate_time;
CREATE INDEX ix_passage_plate_time ON jj126.passage (plate, captured_at) INCLUDE (camera_id);
DROP TRIGGER IF EXISTS location_moved ON location;
DROP TRIGGER IF EXISTS camera_moved ON camera;
DROP FUNCTION IF EXISTS stamp_moved_at();
ALTER TABLE location DROP COLUMN moved_at;
ALTER TABLE camera DROP COLUMN moved_at;
""")
