"""Yearly camera plans (R9) and the registry's change history.

A plan is a snapshot: its locations and cameras are copied from the registry when the
draft is made, so later registry edits never change a plan. Publishing freezes the plan
and its content for good; triggers refuse any change to a published plan even from raw
SQL. Amendments (mobile cameras added during the year) and registry history are
append-only.

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-28
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None

CRITERIA_CHECK = "criteria <@ ARRAY['a','b','c']::text[]"
OWNER = postgresql.ENUM("police", "kmar", "cjib", "municipality", "commercial",
                        name="location_owner", create_type=False)
MOUNTING = postgresql.ENUM("fixed", "mobile", name="camera_mounting", create_type=False)
INOUT = postgresql.ENUM("in", "out", name="travel_inout", create_type=False)

FREEZE_SQL = """
CREATE FUNCTION refuse_published_plan_change() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    IF OLD.state = 'published' THEN
        RAISE EXCEPTION 'camera plan % is published and can never change (% refused)',
            OLD.year, TG_OP USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$fn$;
CREATE TRIGGER camera_plan_frozen BEFORE UPDATE OR DELETE ON camera_plan
    FOR EACH ROW EXECUTE FUNCTION refuse_published_plan_change();

CREATE FUNCTION refuse_published_plan_content_change() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    pid integer;
BEGIN
    FOR pid IN SELECT unnest(ARRAY[
            CASE WHEN TG_OP <> 'INSERT' THEN OLD.plan_id END,
            CASE WHEN TG_OP <> 'DELETE' THEN NEW.plan_id END]) LOOP
        IF pid IS NOT NULL AND EXISTS (
                SELECT 1 FROM camera_plan WHERE id = pid AND state = 'published') THEN
            RAISE EXCEPTION 'camera plan content is frozen after publication (% on % refused)',
                TG_OP, TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END LOOP;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$fn$;

CREATE FUNCTION refuse_append_only_change() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END
$fn$;

CREATE FUNCTION require_published_plan() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM camera_plan WHERE id = NEW.plan_id AND state = 'published') THEN
        RAISE EXCEPTION 'amendments are made to a published plan only'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$fn$;
"""

GEO_COMMENTS = {
    "plan_location": "A fixed camera location in a plan: a snapshot of the registry with its motivation.",
    "plan_camera": "A camera in a plan; only these (and amendments) may store passages (R9).",
    "plan_prior_mobile": "Where mobile cameras stood in the previous year (art. 2 lid 2 Besluit).",
    "plan_amendment": "A mobile camera added to a published plan during the year; append-only.",
}
CONTENT_TABLES = ("plan_location", "plan_camera", "plan_mobile", "plan_prior_mobile")


def upgrade() -> None:
    op.add_column("camera_plan", sa.Column("ratified_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("camera_plan", sa.Column("created_by", sa.Text(), nullable=True))
    op.add_column("camera_plan", sa.Column("published_by", sa.Text(), nullable=True))

    op.create_table(
        "location_motivation",
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("criteria", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
        sa.Column("motivation", sa.Text(), nullable=True),
        sa.Column("prosecutor", sa.Text(), nullable=True),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("claimed_by", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_by", sa.Text(), nullable=True),
        sa.CheckConstraint(CRITERIA_CHECK, name=op.f("ck_location_motivation_criteria")),
        sa.CheckConstraint("claimed_by IS NULL OR claimed_by IN ('police', 'kmar')",
                           name=op.f("ck_location_motivation_claimed_by")),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"], ondelete="CASCADE",
                                name=op.f("fk_location_motivation_location_id_location")),
        sa.PrimaryKeyConstraint("location_id", name=op.f("pk_location_motivation")),
        comment="Standing art. 3 lid 2 motivation per location; a new plan draft copies it.",
    )
    op.create_geospatial_table(
        "plan_location",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("location_code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("unit_code", sa.String(length=4), nullable=False),
        sa.Column("road", sa.Text(), nullable=True),
        sa.Column("hectometre", sa.Numeric(precision=6, scale=1), nullable=True),
        sa.Column("owner", OWNER, nullable=False),
        sa.Column("border", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("criteria", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
        sa.Column("motivation", sa.Text(), nullable=True),
        sa.Column("prosecutor", sa.Text(), nullable=True),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("claimed_by", sa.Text(), nullable=True),
        sa.Column("geom", Geometry(geometry_type="POINT", srid=4326, spatial_index=False,
                                   from_text="ST_GeomFromEWKT", name="geometry", nullable=False), nullable=False),
        sa.CheckConstraint(CRITERIA_CHECK, name=op.f("ck_plan_location_criteria")),
        sa.ForeignKeyConstraint(["plan_id"], ["camera_plan.id"], ondelete="CASCADE",
                                name=op.f("fk_plan_location_plan_id_camera_plan")),
        sa.ForeignKeyConstraint(["unit_code"], ["unit.code"], name=op.f("fk_plan_location_unit_code_unit")),
        sa.PrimaryKeyConstraint("plan_id", "location_code", name=op.f("pk_plan_location")),
        comment="A fixed camera location in a plan: a snapshot of the registry with its motivation.",
    )
    op.create_geospatial_table(
        "plan_camera",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("camera_id", sa.Text(), nullable=False),
        sa.Column("location_code", sa.Text(), nullable=True),
        sa.Column("bearing", sa.REAL(), nullable=True),
        sa.Column("inout", INOUT, nullable=True),
        sa.Column("lane", sa.SmallInteger(), nullable=True),
        sa.Column("mounting", MOUNTING, server_default="fixed", nullable=False),
        sa.Column("lane_geom", Geometry(geometry_type="LINESTRING", srid=4326, spatial_index=False,
                                        from_text="ST_GeomFromEWKT", name="geometry"), nullable=True),
        sa.ForeignKeyConstraint(["plan_id"], ["camera_plan.id"], ondelete="CASCADE",
                                name=op.f("fk_plan_camera_plan_id_camera_plan")),
        sa.PrimaryKeyConstraint("plan_id", "camera_id", name=op.f("pk_plan_camera")),
        comment="A camera in a plan; only these (and amendments) may store passages (R9).",
    )
    op.create_table(
        "plan_mobile",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=4), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("count", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint("count >= 0", name=op.f("ck_plan_mobile_count")),
        sa.ForeignKeyConstraint(["plan_id"], ["camera_plan.id"], ondelete="CASCADE",
                                name=op.f("fk_plan_mobile_plan_id_camera_plan")),
        sa.ForeignKeyConstraint(["unit_code"], ["unit.code"], name=op.f("fk_plan_mobile_unit_code_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_mobile")),
        sa.UniqueConstraint("plan_id", "unit_code", "kind", name=op.f("uq_plan_mobile_plan_id_unit_code_kind")),
        comment="Mobile cameras: a number per unit and kind of location, no fixed places.",
    )
    op.create_geospatial_table(
        "plan_prior_mobile",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("location_code", sa.Text(), nullable=False),
        sa.Column("camera_id", sa.Text(), nullable=False),
        sa.Column("unit_code", sa.String(length=4), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("deployed_from", sa.Date(), nullable=False),
        sa.Column("deployed_to", sa.Date(), nullable=True),
        sa.Column("geom", Geometry(geometry_type="POINT", srid=4326, spatial_index=False,
                                   from_text="ST_GeomFromEWKT", name="geometry", nullable=False), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["camera_plan.id"], ondelete="CASCADE",
                                name=op.f("fk_plan_prior_mobile_plan_id_camera_plan")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_prior_mobile")),
        comment="Where mobile cameras stood in the previous year (art. 2 lid 2 Besluit).",
    )
    op.create_geospatial_table(
        "plan_amendment",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("camera_id", sa.Text(), nullable=False),
        sa.Column("location_code", sa.Text(), nullable=False),
        sa.Column("unit_code", sa.String(length=4), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("criteria", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("motivation", sa.Text(), nullable=False),
        sa.Column("prosecutor", sa.Text(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("geom", Geometry(geometry_type="POINT", srid=4326, spatial_index=False,
                                   from_text="ST_GeomFromEWKT", name="geometry", nullable=False), nullable=False),
        sa.CheckConstraint(CRITERIA_CHECK, name=op.f("ck_plan_amendment_criteria")),
        sa.CheckConstraint("effective_to IS NULL OR effective_to >= effective_from",
                           name=op.f("ck_plan_amendment_period")),
        sa.ForeignKeyConstraint(["plan_id"], ["camera_plan.id"], name=op.f("fk_plan_amendment_plan_id_camera_plan")),
        sa.ForeignKeyConstraint(["camera_id"], ["camera.id"], name=op.f("fk_plan_amendment_camera_id_camera")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_amendment")),
        comment="A mobile camera added to a published plan during the year; append-only.",
    )
    op.create_table(
        "registry_change",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("entity", sa.Text(), nullable=False),
        sa.Column("entity_key", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_change")),
        comment="Every registry edit: who, when, what (before and after); append-only.",
    )
    op.create_index("ix_registry_change_entity_key", "registry_change", ["entity", "entity_key"])
    op.create_index(op.f("ix_plan_amendment_plan_id"), "plan_amendment", ["plan_id"])

    # create_geospatial_table drops table comments; set them explicitly.
    for table, comment in GEO_COMMENTS.items():
        op.execute(f"COMMENT ON TABLE \"{table}\" IS '{comment}'")
    op.execute(FREEZE_SQL)
    for table in CONTENT_TABLES:
        op.execute(f'CREATE TRIGGER "{table}_frozen" BEFORE INSERT OR UPDATE OR DELETE ON "{table}" '
                   "FOR EACH ROW EXECUTE FUNCTION refuse_published_plan_content_change()")
    op.execute("CREATE TRIGGER plan_amendment_append_only BEFORE UPDATE OR DELETE ON plan_amendment "
               "FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change()")
    op.execute("CREATE TRIGGER plan_amendment_published BEFORE INSERT ON plan_amendment "
               "FOR EACH ROW EXECUTE FUNCTION require_published_plan()")
    op.execute("CREATE TRIGGER registry_change_append_only BEFORE UPDATE OR DELETE ON registry_change "
               "FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change()")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS camera_plan_frozen ON camera_plan")
    op.drop_table("registry_change")
    op.drop_geospatial_table("plan_amendment")
    op.drop_geospatial_table("plan_prior_mobile")
    op.drop_table("plan_mobile")
    op.drop_geospatial_table("plan_camera")
    op.drop_geospatial_table("plan_location")
    op.drop_table("location_motivation")
    for fn in ("refuse_published_plan_change", "refuse_published_plan_content_change",
               "refuse_append_only_change", "require_published_plan"):
        op.execute(f"DROP FUNCTION IF EXISTS {fn}()")
    op.drop_column("camera_plan", "published_by")
    op.drop_column("camera_plan", "created_by")
    op.drop_column("camera_plan", "ratified_at")
