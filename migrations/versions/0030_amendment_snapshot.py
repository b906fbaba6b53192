"""An amendment keeps what it published: its location's name, road, hectometre and owner (R9).

The public plan layer (``camera_registry.publication``) took these four of a mobile
camera's amendment from the live registry, so renaming a location (or giving it another
road, hectometre or owner) changed a published plan after the fact, where "a published
plan never changes". ``plan_amendment`` now holds them as recorded, as ``plan_location``
holds a fixed location's; ``plans.add_amendment`` fills them and the layer reads them.

Existing amendments are back-filled from the registry as it stands at this migration,
which is what the public layer showed for them until now: by the amendment's location
code, else (never in practice: locations are not deleted nor recoded) the camera's
location. The append-only trigger is switched off for that one UPDATE only, inside the
migration's transaction (an owner's right; the application role cannot).

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-08
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

OWNER = postgresql.ENUM("police", "kmar", "cjib", "municipality", "commercial",
                        name="location_owner", create_type=False)


def upgrade() -> None:
    op.add_column("plan_amendment", sa.Column("name", sa.Text(), nullable=True))
    op.add_column("plan_amendment", sa.Column("road", sa.Text(), nullable=True))
    op.add_column("plan_amendment", sa.Column("hectometre", sa.Numeric(6, 1), nullable=True))
    op.add_column("plan_amendment", sa.Column("owner", OWNER, nullable=True))
    op.execute("ALTER TABLE plan_amendment DISABLE TRIGGER plan_amendment_append_only")
    op.execute("""
        UPDATE plan_amendment a
           SET (name, road, hectometre, owner) = (
               SELECT x.name, x.road, x.hectometre, x.owner FROM location x
                WHERE x.id = COALESCE(
                      (SELECT l.id FROM location l WHERE l.code = a.location_code),
                      (SELECT c.location_id FROM camera c WHERE c.id = a.camera_id)))""")
    op.execute("ALTER TABLE plan_amendment ENABLE TRIGGER plan_amendment_append_only")
    op.alter_column("plan_amendment", "name", nullable=False)
    op.alter_column("plan_amendment", "owner", nullable=False)
    op.execute("COMMENT ON COLUMN plan_amendment.name IS 'The location''s name as published "
               "with the amendment (the registry may rename it later).'")


def downgrade() -> None:
    for column in ("owner", "hectometre", "road", "name"):
        op.drop_column("plan_amendment", column)
