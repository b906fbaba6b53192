"""Misreads learned from verdicts, and secured copies that keep their candidate reads (issue 18).

``misread_confusion`` counts, per camera, UTC capture day and character pair, how often
officers confirmed or rejected a probable misread: a verdict on a read of a search
including probable misreads whose read differs from the ordered plate in at most two
characters (same length) adds one confirmed or rejected to each differing pair
(``read_char`` as read, ``true_char`` of the ordered plate), and every verdict on a
plate-search read adds one to its camera's pair ('', ''), so a camera's misreads are
seen as a share of its verified reads. A statement-level trigger
on ``verification`` keeps it, so every door that records a verdict counts it, in the
verdict's own transaction. The table holds no plate, no passage and no officer: counts
per camera and day only, so it may outlive the passages (R1) like ``passage_day_stat``.

Secured copies (R1) keep the camera's alternative candidate reads, so a search including
probable misreads still shows how a secured row matched; ``jj126.case_passage`` and
``jj126.case_passage_at`` carry them as their last two columns.

Revision ID: 0023b
Revises: 0022a
Create Date: 2026-12-06
"""
from __future__ import annotations

from alembic import op

revision = "0023b"
down_revision = "0022a"
branch_labels = None
depends_on = None

VIEW = """
CREATE OR REPLACE VIEW jj126.case_passage AS
SELECT p.id, p.captured_at, p.camera_id, p.plate, p.plate_raw, p.country, p.confidence,
       p.geom, p.overview_key, p.crop_key, p.capture_id,
       NULL::text AS enquiry_ref, NULL::text AS secured_blurred_key{alt_p}
  FROM jj126.passage p
UNION ALL
SELECT s.passage_id, s.captured_at, s.camera_id, s.plate, s.plate_raw, s.country,
       s.confidence, s.geom, s.overview_key, s.crop_key, s.capture_id,
       s.enquiry_ref, s.blurred_key{alt_s}
  FROM jj126.secured_passage s
"""

CASE_PASSAGE_AT = """
CREATE OR REPLACE FUNCTION jj126.case_passage_at(camera text, at timestamptz, pid bigint,
                                                 ref text)
RETURNS SETOF jj126.case_passage LANGUAGE sql STABLE AS $fn$
  (SELECT p.id, p.captured_at, p.camera_id, p.plate, p.plate_raw, p.country, p.confidence,
          p.geom, p.overview_key, p.crop_key, p.capture_id, NULL::text, NULL::text{alt_p}
     FROM jj126.passage p
    WHERE p.camera_id = camera AND p.captured_at = at AND p.id = pid)
  UNION ALL
  (SELECT s.passage_id, s.captured_at, s.camera_id, s.plate, s.plate_raw, s.country,
          s.confidence, s.geom, s.overview_key, s.crop_key, s.capture_id, s.enquiry_ref,
          s.blurred_key{alt_s}
     FROM jj126.secured_passage s
    WHERE s.enquiry_ref = ref AND s.passage_id = pid AND s.captured_at = at)
  LIMIT 1
$fn$
"""

ALT_P = ", p.alternatives, p.alternative_confidences"
ALT_S = ", s.alternatives, s.alternative_confidences"

COUNT_FN = r"""
CREATE FUNCTION public.count_misread_verdicts() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO public.misread_confusion AS m
         (camera_id, day, read_char, true_char, confirmed, rejected)
  SELECT d.camera_id, d.day, d.read_char, d.true_char,
         count(*) FILTER (WHERE d.verdict = 'confirmed'),
         count(*) FILTER (WHERE d.verdict = 'rejected')
    FROM (
      -- every verdict at its camera: the pair ('', ''), what the misreads are a share of
      (SELECT DISTINCT ON (n.passage_id, n.captured_at)
              er.camera_id, (n.captured_at AT TIME ZONE 'UTC')::date AS day,
              n.verdict::text AS verdict, '' AS read_char, '' AS true_char
         FROM new_verdicts n
         JOIN enquiry_result er ON er.passage_id = n.passage_id
                               AND er.captured_at = n.captured_at AND er.verify
        ORDER BY n.passage_id, n.captured_at)
      UNION ALL
      (SELECT DISTINCT ON (b.passage_id, b.captured_at, i.pos)
             b.camera_id, b.day, b.verdict,
             substr(b.read, i.pos, 1) AS read_char, substr(b.ordered, i.pos, 1) AS true_char
        FROM (
          -- per verdict, the ordered plate its read is nearest to (fewest differences)
          SELECT DISTINCT ON (n.passage_id, n.captured_at)
                 n.passage_id, n.captured_at, n.verdict::text AS verdict, er.camera_id,
                 (n.captured_at AT TIME ZONE 'UTC')::date AS day, cp.plate AS read,
                 o.plate AS ordered
            FROM new_verdicts n
            JOIN enquiry_result er ON er.passage_id = n.passage_id
                                  AND er.captured_at = n.captured_at AND er.verify
            JOIN enquiry e ON e.id = er.enquiry_id
                          AND e.parameters->>'misreads' = 'true'
                          AND e.kind IN ('plate', 'route', 'convoy')
            JOIN request r ON r.id = e.request_id
            CROSS JOIN LATERAL jj126.case_passage_at(er.camera_id, n.captured_at,
                                                     n.passage_id, r.reference) cp
            CROSS JOIN LATERAL (
              SELECT regexp_replace(upper(x), '[^A-Z0-9]', '', 'g') AS plate
                FROM jsonb_array_elements_text(CASE e.kind
                       WHEN 'plate' THEN coalesce(e.parameters->'plates', '[]'::jsonb)
                       ELSE jsonb_build_array(e.parameters->>'plate') END) AS x) o
            CROSS JOIN LATERAL (
              SELECT count(*) FILTER (WHERE substr(cp.plate, k, 1) <> substr(o.plate, k, 1))
                     AS diff
                FROM generate_series(1, length(o.plate)) k) dd
           WHERE length(o.plate) = length(cp.plate) AND dd.diff BETWEEN 1 AND 2
           ORDER BY n.passage_id, n.captured_at, dd.diff) b
        CROSS JOIN LATERAL generate_series(1, length(b.read)) AS i(pos)
       WHERE substr(b.read, i.pos, 1) <> substr(b.ordered, i.pos, 1)
       ORDER BY b.passage_id, b.captured_at, i.pos)) d
   GROUP BY d.camera_id, d.day, d.read_char, d.true_char
  ON CONFLICT (camera_id, day, read_char, true_char) DO UPDATE
     SET confirmed = m.confirmed + EXCLUDED.confirmed,
         rejected = m.rejected + EXCLUDED.rejected;
  RETURN NULL;
END
$fn$
"""


def upgrade() -> None:
    op.execute("""
ALTER TABLE jj126.secured_passage ADD COLUMN alternatives text[],
                                  ADD COLUMN alternative_confidences real[];
CREATE TABLE public.misread_confusion (
    camera_id text NOT NULL,
    day date NOT NULL,
    read_char text NOT NULL,
    true_char text NOT NULL,
    confirmed integer NOT NULL DEFAULT 0,
    rejected integer NOT NULL DEFAULT 0,
    CONSTRAINT pk_misread_confusion PRIMARY KEY (camera_id, day, read_char, true_char)
);
COMMENT ON TABLE public.misread_confusion IS
    'Verdicts on probable misreads per camera, capture day and character pair: counts only, never plates.';
""")
    op.execute(VIEW.format(alt_p=ALT_P, alt_s=ALT_S))
    op.execute(CASE_PASSAGE_AT.format(alt_p=ALT_P, alt_s=ALT_S))
    op.execute(COUNT_FN)
    op.execute("""
CREATE TRIGGER verification_counts_misreads AFTER INSERT ON public.verification
    REFERENCING NEW TABLE AS new_verdicts
    FOR EACH STATEMENT EXECUTE FUNCTION public.count_misread_verdicts();
""")


def downgrade() -> None:
    op.execute("DROP TRIGGER verification_counts_misreads ON public.verification")
    op.execute("DROP FUNCTION public.count_misread_verdicts()")
    op.execute("DROP FUNCTION jj126.case_passage_at(text, timestamptz, bigint, text)")
    op.execute("DROP VIEW jj126.case_passage")
    op.execute(VIEW.format(alt_p="", alt_s=""))
    op.execute(CASE_PASSAGE_AT.format(alt_p="", alt_s=""))
    op.execute("DROP TABLE public.misread_confusion")
    op.execute("ALTER TABLE jj126.secured_passage DROP COLUMN alternative_confidences, "
               "DROP COLUMN alternatives")
