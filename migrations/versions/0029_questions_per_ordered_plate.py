"""A search holds a passage once per question: a read like two ordered plates is asked about each (R7).

An order may name look-alike plates (a witness unsure whether the plate ended in G or 6).
A search of them including probable misreads held each passage once, asked about one
ordered plate (the nearest to the read, then the first named); rejected there, the
passage was left out although its crop showed the other ordered plate, which nobody
asked about. ``enquiry_result``'s key now includes the question (``ordered_plate``), so a
passage is held once per ordered plate it may show (``casework.enquiries`` adds the
questions beyond the first); each is answered on its own, and the passage is provided by
the one confirmed. The trigger that asks the first question now sets it only on rows
inserted without one, so rows inserted with their question keep it.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07
"""
from __future__ import annotations

from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

TRIGGER_FN = r"""
CREATE OR REPLACE FUNCTION public.question_misread_results() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  -- Most runs are no search including probable misreads: nothing to do.
  IF NOT EXISTS (SELECT 1 FROM new_results n
                  WHERE n.verify AND n.ordered_plate = '' AND n.enquiry_id IN (
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
           WHERE n.verify AND n.ordered_plate = ''
             AND public.enquiry_ordered_plates(e.kind, e.parameters) IS NOT NULL) q
   WHERE er.enquiry_id = q.enquiry_id AND er.passage_id = q.passage_id
     AND er.captured_at = q.captured_at AND er.ordered_plate = '' AND q.ordered_plate <> '';
  RETURN NULL;
END
$fn$;
"""


def upgrade() -> None:
    op.execute("ALTER TABLE enquiry_result DROP CONSTRAINT pk_enquiry_result, "
               "ADD CONSTRAINT pk_enquiry_result "
               "PRIMARY KEY (enquiry_id, passage_id, captured_at, ordered_plate)")
    op.execute(TRIGGER_FN)


def downgrade() -> None:
    import importlib.util
    from pathlib import Path

    # one row per passage again: the first question kept, the others' rows dropped
    op.execute("""DELETE FROM enquiry_result er USING enquiry_result o
                   WHERE o.enquiry_id = er.enquiry_id AND o.passage_id = er.passage_id
                     AND o.captured_at = er.captured_at AND o.ordered_plate < er.ordered_plate""")
    op.execute("ALTER TABLE enquiry_result DROP CONSTRAINT pk_enquiry_result, "
               "ADD CONSTRAINT pk_enquiry_result PRIMARY KEY (enquiry_id, passage_id, captured_at)")
    spec = importlib.util.spec_from_file_location(
        "verdict_questions_0024a", Path(__file__).with_name("0024a_verdict_questions.py"))
    previous = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(previous)
    start = previous.FUNCTIONS.index("CREATE FUNCTION public.question_misread_results()")
    op.execute(previous.FUNCTIONS[start:].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
