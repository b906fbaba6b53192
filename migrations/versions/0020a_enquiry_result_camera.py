"""An enquiry's results name their camera, so casework finds each passage by its key.

``jj126.passage`` has no index on ``id``: its keys are (camera_id, captured_at,
capture_id), (plate, captured_at) and reverse(plate). A result row referred to its
passage by (id, captured_at) only, so PostgreSQL found each one through a search index
by its non-leading time column: about a million buffer hits for one page of reads of a
large request. With the camera beside the reference, a passage is one probe of the
unique key in one day partition (secured copies carry the camera too).

A result also says whether its passage has a plate crop and an overview photo
(passages are immutable, so this cannot change): a read without a crop cannot be
verified (R7) and is provided as "niet te verifiëren", and the request's counts of
reads and photos need no look-up of its passages.

Through the view ``jj126.case_passage`` (a UNION ALL of the live passages and the
secured copies) PostgreSQL 15 probes every day partition for each result: run-time
partition pruning does not reach a partitioned table inside a flattened UNION ALL. So
``jj126.case_passage_at`` gives the same row by key, with pruning: the live passage in
its one day partition, else the copy secured for the request's enquiry (R1).

The results are also ordered the way casework pages through them (capture time, then
passage) within an enquiry, and the passage reference has its own index for the crop
route and retention, which look a result up by passage.

Revision ID: 0020a
Revises: 0019
Create Date: 2026-12-02
"""
from __future__ import annotations

from alembic import op

revision = "0020a"
down_revision = "0019"
branch_labels = None
depends_on = None


CASE_PASSAGE_AT = """
CREATE FUNCTION jj126.case_passage_at(camera text, at timestamptz, pid bigint, ref text)
RETURNS SETOF jj126.case_passage LANGUAGE sql STABLE AS $fn$
  (SELECT p.id, p.captured_at, p.camera_id, p.plate, p.plate_raw, p.country, p.confidence,
          p.geom, p.overview_key, p.crop_key, p.capture_id, NULL::text, NULL::text
     FROM jj126.passage p
    WHERE p.camera_id = camera AND p.captured_at = at AND p.id = pid)
  UNION ALL
  (SELECT s.passage_id, s.captured_at, s.camera_id, s.plate, s.plate_raw, s.country,
          s.confidence, s.geom, s.overview_key, s.crop_key, s.capture_id, s.enquiry_ref,
          s.blurred_key
     FROM jj126.secured_passage s
    WHERE s.enquiry_ref = ref AND s.passage_id = pid AND s.captured_at = at)
  LIMIT 1
$fn$
"""


def upgrade() -> None:
    op.execute("""
ALTER TABLE enquiry_result ADD COLUMN camera_id text,
    ADD COLUMN has_crop boolean NOT NULL DEFAULT true,
    ADD COLUMN has_photo boolean NOT NULL DEFAULT true;
UPDATE enquiry_result er SET camera_id = p.camera_id, has_crop = p.crop_key IS NOT NULL,
       has_photo = p.overview_key IS NOT NULL
  FROM jj126.passage p WHERE p.id = er.passage_id AND p.captured_at = er.captured_at;
UPDATE enquiry_result er SET camera_id = s.camera_id, has_crop = s.crop_key IS NOT NULL,
       has_photo = s.overview_key IS NOT NULL
  FROM jj126.secured_passage s WHERE er.camera_id IS NULL
   AND s.passage_id = er.passage_id AND s.captured_at = er.captured_at;
-- A result whose passage is neither live nor secured refers to nothing any more (its day
-- was destroyed); retention would have removed it, and no page could show it.
DELETE FROM enquiry_result WHERE camera_id IS NULL;
ALTER TABLE enquiry_result ALTER COLUMN camera_id SET NOT NULL,
    ALTER COLUMN has_crop DROP DEFAULT, ALTER COLUMN has_photo DROP DEFAULT;
COMMENT ON COLUMN enquiry_result.camera_id IS
    'The passage''s camera: with captured_at and passage_id it finds the passage by its unique key';
COMMENT ON COLUMN enquiry_result.has_crop IS
    'The passage has a plate crop; a read without one cannot be verified (R7)';
COMMENT ON COLUMN enquiry_result.has_photo IS 'The passage has an overview photo (R8)';
CREATE INDEX ix_enquiry_result_page ON enquiry_result (enquiry_id, captured_at, passage_id)
    INCLUDE (camera_id, verify, has_crop, has_photo);
CREATE INDEX ix_enquiry_result_passage ON enquiry_result (passage_id, captured_at);
""")
    op.execute(CASE_PASSAGE_AT)
    op.execute("COMMENT ON FUNCTION jj126.case_passage_at(text, timestamptz, bigint, text) IS "
               "'A row of jj126.case_passage by key: the live passage (one day partition), else "
               "the copy secured for the enquiry ref (R1)'")


def downgrade() -> None:
    op.execute("DROP FUNCTION jj126.case_passage_at(text, timestamptz, bigint, text)")
    op.execute("""
DROP INDEX ix_enquiry_result_passage;
DROP INDEX ix_enquiry_result_page;
ALTER TABLE enquiry_result DROP COLUMN camera_id, DROP COLUMN has_crop, DROP COLUMN has_photo;
""")
