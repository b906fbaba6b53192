"""Count passages per capture day as they are stored (monitor report Table 1, Figure 5).

A statement-level trigger with a transition table adds each insert's rows per UTC day to
``passage_day_stat``, whatever the path (HTTP intake, bulk import, COPY). Unique plates
are recounted from the partition while it exists and finally by retention. Days are
locked in date order, so two batches spanning midnight cannot deadlock.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28
"""
from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE FUNCTION jj126.count_passages() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO passage_day_stat (day, passages)
    SELECT (captured_at AT TIME ZONE 'UTC')::date AS day, count(*)
      FROM new_rows GROUP BY 1 ORDER BY 1
    ON CONFLICT (day) DO UPDATE
       SET passages = passage_day_stat.passages + EXCLUDED.passages, updated_at = now();
    RETURN NULL;
END
$fn$;
CREATE TRIGGER passage_day_count AFTER INSERT ON jj126.passage
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION jj126.count_passages();
""")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS passage_day_count ON jj126.passage")
    op.execute("DROP FUNCTION IF EXISTS jj126.count_passages()")
