"""A verdict answers one question: the crop against one plate (R7, issues 18 and 15).

A read found by a search including probable misreads other than exactly (a look-alike
character, or a candidate read) is not verified as read: confirming it means "the crop
shows the ordered plate X". Until now a verdict was kept per passage only, so a read
confirmed as read in an exact search counted as confirmed when a later misread search
for another ordered plate found it, and could be provided without the crop ever being
compared with that plate.

- ``enquiry_result.ordered_plate``: for a row that a search including probable misreads
  (Q1, Q4's target, Q6) found other than exactly, the ordered plate it is verified
  against; '' for every other row (the read is verified as read). Set when the row is
  kept, by a statement trigger, from the passage's read and candidate reads: the
  ordered plate nearest to one of them (fewest differing characters at equal length;
  on a tie the one named first in the order).
- ``verification.ordered_plate`` is part of the verdict's key: '' is a verdict on the
  read as read, X a verdict on whether the crop shows X. A row's verdict is the one for
  its own question, so a verdict for one ordered plate never counts for another.
- ``verification.machine_*``: the plate reader's opinion as the officer had it beside
  the crop (read, confidence, flag), kept with the verdict so it outlives the frame's
  retention and goes into the package (#15).
- ``verification_page``: a page of reads handed to the officer (#15), kept until its
  verdicts are given: the reads listed, which of them may be confirmed with the page
  (the plate reader agrees with an exact read), and the spot-check read the officer
  must answer on its own before the page's verdicts are accepted.
- The misread-learning trigger (0023b) counts a verdict's character pairs from its own
  question: the read against the ordered plate the verdict names; a verdict on the read
  as read teaches no pair, whatever other searches found the passage.

Existing verdicts: a verdict on a passage that searches including probable misreads
held only as inexact rows, all for one ordered plate, becomes a verdict for that plate;
every other verdict is a verdict on the read as read.

Revision ID: 0024a
Revises: 0023b
Create Date: 2026-12-08
"""
from __future__ import annotations

from alembic import op

revision = "0024a"
down_revision = "0023b"
branch_labels = None
depends_on = None

FUNCTIONS = r"""
CREATE FUNCTION public.enquiry_ordered_plates(kind text, parameters jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $fn$
  -- The ordered plates of a search including probable misreads (normalised as searched);
  -- NULL for any other search.
  SELECT CASE WHEN parameters->>'misreads' = 'true' AND kind IN ('plate', 'route', 'convoy')
         THEN ARRAY(SELECT regexp_replace(upper(x), '[^A-Z0-9]', '', 'g')
                      FROM jsonb_array_elements_text(CASE kind
                             WHEN 'plate' THEN coalesce(parameters->'plates', '[]'::jsonb)
                             ELSE jsonb_build_array(parameters->>'plate') END)
                           WITH ORDINALITY AS t(x, n) ORDER BY n)
         END
$fn$;

CREATE FUNCTION public.ordered_plate_for(read text, alternatives text[], ordered text[])
RETURNS text LANGUAGE sql IMMUTABLE AS $fn$
  -- '' when the read is an ordered plate (an exact match); else the ordered plate nearest
  -- to the read or one of its candidate reads: fewest differing characters at equal
  -- length, then the first named; the first ordered plate when none has that length.
  SELECT CASE WHEN read = ANY(ordered) THEN '' ELSE coalesce((
    SELECT o.plate
      FROM unnest(ordered) WITH ORDINALITY AS o(plate, n)
      CROSS JOIN LATERAL unnest(array_prepend(read, coalesce(alternatives, '{}'::text[])))
                         AS c(candidate)
     WHERE length(c.candidate) = length(o.plate)
     ORDER BY (SELECT count(*) FROM generate_series(1, length(o.plate)) AS k(pos)
                WHERE substr(c.candidate, k.pos, 1) <> substr(o.plate, k.pos, 1)), o.n
     LIMIT 1), ordered[1], '') END
$fn$;

CREATE FUNCTION public.question_misread_results() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  -- Most runs are no search including probable misreads: nothing to do.
  IF NOT EXISTS (SELECT 1 FROM new_results n
                  WHERE n.verify AND n.enquiry_id IN (
                        SELECT e.id FROM public.enquiry e
                         WHERE public.enquiry_ordered_plates(e.kind, e.parameters) IS NOT NULL))
  THEN
    RETURN NULL;
  END IF;
  UPDATE public.enquiry_result er SET ordered_plate = q.ordered_plate
    FROM (SELECT n.enquiry_id, n.passage_id, n.captured_at,
                 public.ordered_plate_for(p.plate, p.alternatives,
                                          public.enquiry_ordered_plates(e.kind, e.parameters))
                     AS ordered_plate
            FROM new_results n
            JOIN public.enquiry e ON e.id = n.enquiry_id
            JOIN jj126.passage p ON p.camera_id = n.camera_id AND p.captured_at = n.captured_at
                                AND p.id = n.passage_id
           WHERE n.verify
             AND public.enquiry_ordered_plates(e.kind, e.parameters) IS NOT NULL) q
   WHERE er.enquiry_id = q.enquiry_id AND er.passage_id = q.passage_id
     AND er.captured_at = q.captured_at AND q.ordered_plate <> '';
  RETURN NULL;
END
$fn$;
"""

COUNT_FN = r"""
CREATE OR REPLACE FUNCTION public.count_misread_verdicts() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO public.misread_confusion AS m
         (camera_id, day, read_char, true_char, confirmed, rejected)
  SELECT d.camera_id, d.day, d.read_char, d.true_char,
         count(*) FILTER (WHERE d.verdict = 'confirmed'),
         count(*) FILTER (WHERE d.verdict = 'rejected')
    FROM (
      WITH q AS (
        -- each new verdict once, at its camera; for a verdict on a probable misread the
        -- read (live or the secured copy of a request that holds this question)
        SELECT DISTINCT ON (n.passage_id, n.captured_at, n.ordered_plate)
               n.ordered_plate, n.verdict::text AS verdict, er.camera_id,
               (n.captured_at AT TIME ZONE 'UTC')::date AS day, cp.plate AS read
          FROM new_verdicts n
          JOIN public.enquiry_result er ON er.passage_id = n.passage_id
                                       AND er.captured_at = n.captured_at AND er.verify
          JOIN public.enquiry e ON e.id = er.enquiry_id
          JOIN public.request r ON r.id = e.request_id
          LEFT JOIN LATERAL (
            SELECT c.plate FROM jj126.case_passage_at(er.camera_id, n.captured_at,
                                                      n.passage_id, r.reference) c
             WHERE n.ordered_plate <> '' AND er.ordered_plate = n.ordered_plate) cp ON true
         ORDER BY n.passage_id, n.captured_at, n.ordered_plate, cp.plate IS NULL)
      -- every verdict at its camera: the pair ('', ''), what the misreads are a share of
      SELECT q.camera_id, q.day, q.verdict, '' AS read_char, '' AS true_char FROM q
      UNION ALL
      -- a verdict on whether the crop shows the ordered plate: each pair in which the
      -- read differs from it (one or two characters, equal length)
      SELECT q.camera_id, q.day, q.verdict, substr(q.read, i.pos, 1),
             substr(q.ordered_plate, i.pos, 1)
        FROM q CROSS JOIN LATERAL generate_series(1, length(q.read)) AS i(pos)
       WHERE q.ordered_plate <> '' AND length(q.read) = length(q.ordered_plate)
         AND substr(q.read, i.pos, 1) <> substr(q.ordered_plate, i.pos, 1)
         AND (SELECT count(*) FROM generate_series(1, length(q.read)) AS k(pos)
               WHERE substr(q.read, k.pos, 1) <> substr(q.ordered_plate, k.pos, 1))
             BETWEEN 1 AND 2) d
   GROUP BY d.camera_id, d.day, d.read_char, d.true_char
  ON CONFLICT (camera_id, day, read_char, true_char) DO UPDATE
     SET confirmed = m.confirmed + EXCLUDED.confirmed,
         rejected = m.rejected + EXCLUDED.rejected;
  RETURN NULL;
END
$fn$
"""


def upgrade() -> None:
    op.execute(FUNCTIONS)
    op.execute("""
ALTER TABLE enquiry_result ADD COLUMN ordered_plate text NOT NULL DEFAULT '';
COMMENT ON COLUMN enquiry_result.ordered_plate IS
    'R7: the ordered plate this row is verified against when a search including probable misreads found it other than exactly; '''' when the read is verified as read';
UPDATE enquiry_result er SET ordered_plate = q.ordered_plate
  FROM (SELECT x.enquiry_id, x.passage_id, x.captured_at,
               public.ordered_plate_for(p.plate, p.alternatives,
                                        public.enquiry_ordered_plates(e.kind, e.parameters))
                   AS ordered_plate
          FROM enquiry_result x
          JOIN enquiry e ON e.id = x.enquiry_id
          JOIN request r ON r.id = e.request_id
          CROSS JOIN LATERAL jj126.case_passage_at(x.camera_id, x.captured_at, x.passage_id,
                                                   r.reference) p
         WHERE x.verify AND public.enquiry_ordered_plates(e.kind, e.parameters) IS NOT NULL) q
 WHERE er.enquiry_id = q.enquiry_id AND er.passage_id = q.passage_id
   AND er.captured_at = q.captured_at AND q.ordered_plate <> '';
DROP INDEX ix_enquiry_result_page;
CREATE INDEX ix_enquiry_result_page ON enquiry_result (enquiry_id, captured_at, passage_id)
    INCLUDE (camera_id, verify, has_crop, has_photo, ordered_plate);
CREATE TRIGGER enquiry_result_questions AFTER INSERT ON public.enquiry_result
    REFERENCING NEW TABLE AS new_results
    FOR EACH STATEMENT EXECUTE FUNCTION public.question_misread_results();

ALTER TABLE verification ADD COLUMN ordered_plate text NOT NULL DEFAULT '',
    ADD COLUMN machine_read text,
    ADD COLUMN machine_confidence real,
    ADD COLUMN machine_flag text,
    ADD CONSTRAINT ck_verification_machine_flag
        CHECK (machine_flag IN ('disagrees', 'unsure', 'agrees'));
UPDATE verification v SET ordered_plate = q.ordered_plate
  FROM (SELECT passage_id, captured_at, min(ordered_plate) AS ordered_plate
          FROM enquiry_result WHERE verify GROUP BY passage_id, captured_at
        HAVING count(DISTINCT ordered_plate) = 1 AND min(ordered_plate) <> '') q
 WHERE v.passage_id = q.passage_id AND v.captured_at = q.captured_at;
ALTER TABLE verification DROP CONSTRAINT pk_verification,
    ADD CONSTRAINT pk_verification PRIMARY KEY (passage_id, captured_at, ordered_plate);
COMMENT ON TABLE verification IS
    'R7: one verdict per read and question, held for the passage''s 28 days; never a correction.';
COMMENT ON COLUMN verification.ordered_plate IS
    'What the crop was compared with: '''' the read as read; else the ordered plate (confirmed: the crop shows it, the camera misread it)';
COMMENT ON COLUMN verification.machine_read IS
    'The plate reader''s reading of the crop as the officer had it beside the verdict (#15)';
COMMENT ON COLUMN verification.machine_flag IS
    'The plate reader against the camera''s read: disagrees, unsure (low confidence) or agrees';

CREATE TABLE verification_page (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    request_id integer NOT NULL,
    officer_id integer NOT NULL,
    issued_at timestamptz NOT NULL DEFAULT now(),
    passage_ids bigint[] NOT NULL,
    captured_ats timestamptz[] NOT NULL,
    ordered_plates text[] NOT NULL,
    confirmable boolean[] NOT NULL,
    challenge integer,
    CONSTRAINT pk_verification_page PRIMARY KEY (id),
    CONSTRAINT fk_verification_page_request_id_request FOREIGN KEY (request_id)
        REFERENCES request (id),
    CONSTRAINT fk_verification_page_officer_id_account FOREIGN KEY (officer_id)
        REFERENCES account (id)
);
CREATE INDEX ix_verification_page_issued_at ON verification_page (issued_at);
COMMENT ON TABLE verification_page IS
    'R7/#15: a page of reads handed to an officer, until its verdicts are given: the reads, which may be confirmed with the page, and the spot-check read to answer on its own.';
""")
    op.execute(COUNT_FN)


def downgrade() -> None:
    import importlib.util
    from pathlib import Path

    # 0023b's counting function, as it was (it knows no question per verdict).
    spec = importlib.util.spec_from_file_location(
        "misread_learning_0023b", Path(__file__).with_name("0023b_misread_learning.py"))
    previous = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(previous)
    op.execute("DROP TABLE verification_page")
    op.execute("DELETE FROM verification WHERE ordered_plate <> ''")
    op.execute("COMMENT ON TABLE verification IS 'R7: one verdict per read, held for the "
               "passage''s 28 days; never a correction.'")
    op.execute("ALTER TABLE verification DROP CONSTRAINT pk_verification, "
               "ADD CONSTRAINT pk_verification PRIMARY KEY (passage_id, captured_at), "
               "DROP CONSTRAINT ck_verification_machine_flag, DROP COLUMN machine_flag, "
               "DROP COLUMN machine_confidence, DROP COLUMN machine_read, "
               "DROP COLUMN ordered_plate")
    op.execute("DROP TRIGGER enquiry_result_questions ON public.enquiry_result")
    op.execute("DROP INDEX ix_enquiry_result_page")
    op.execute("CREATE INDEX ix_enquiry_result_page ON enquiry_result (enquiry_id, captured_at,"
               " passage_id) INCLUDE (camera_id, verify, has_crop, has_photo)")
    op.execute("ALTER TABLE enquiry_result DROP COLUMN ordered_plate")
    op.execute("DROP FUNCTION public.question_misread_results()")
    op.execute("DROP FUNCTION public.ordered_plate_for(text, text[], text[])")
    op.execute("DROP FUNCTION public.enquiry_ordered_plates(text, jsonb)")
    op.execute(previous.COUNT_FN.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
