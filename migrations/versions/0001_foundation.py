"""Foundation: extensions, camera registry, road network, accounts, and the passage store.

The passage table lives in its own schema jj126 (R11), range-partitioned by UTC capture
day; jj126.ensure_partition(day) creates a day's partition with its indexes. Passages
are immutable: a trigger refuses UPDATE and DELETE (retention drops whole partitions).

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


UNITS = [
    ("NN", "Noord-Nederland", False), ("ON", "Oost-Nederland", False),
    ("MN", "Midden-Nederland", False), ("NH", "Noord-Holland", False),
    ("AM", "Amsterdam", False), ("DH", "Den Haag", False), ("RT", "Rotterdam", False),
    ("ZB", "Zeeland-West-Brabant", False), ("OB", "Oost-Brabant", False),
    ("LB", "Limburg", False), ("LE", "Landelijke Eenheid", True),
]

PARTITION_FUNCTION = """
CREATE FUNCTION jj126.ensure_partition(day date) RETURNS text
LANGUAGE plpgsql AS $fn$
DECLARE
    part text := format('passage_p%s', to_char(day, 'YYYYMMDD'));
    lo timestamptz := (day::timestamp AT TIME ZONE 'UTC');
    hi timestamptz := ((day + 1)::timestamp AT TIME ZONE 'UTC');
BEGIN
    IF to_regclass(format('jj126.%I', part)) IS NULL THEN
        EXECUTE format('CREATE TABLE jj126.%I PARTITION OF jj126.passage '
                       'FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
    END IF;
    RETURN part;
END
$fn$;
COMMENT ON FUNCTION jj126.ensure_partition(date) IS
    'Create (if missing) the passage partition for one UTC capture day; returns its name.';
"""

IMMUTABLE_TRIGGER = """
CREATE FUNCTION jj126.refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    RAISE EXCEPTION 'passages are immutable: % refused (reads are never edited; retention drops whole days)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$fn$;
CREATE TRIGGER passage_immutable BEFORE UPDATE OR DELETE ON jj126.passage
    FOR EACH ROW EXECUTE FUNCTION jj126.refuse_change();
"""


def upgrade() -> None:
    for ext in ("postgis", "pgrouting", "pg_trgm", "btree_gist"):
        op.execute(f"CREATE EXTENSION IF NOT EXISTS {ext}")
    op.execute("CREATE SCHEMA IF NOT EXISTS jj126")
    op.execute("COMMENT ON SCHEMA jj126 IS '126jj passages only, apart from other ANPR data (R11)'")
    op.create_table('camera_plan',
    sa.Column('id', sa.Integer(), sa.Identity(always=False), nullable=False),
    sa.Column('year', sa.SmallInteger(), nullable=False),
    sa.Column('state', postgresql.ENUM('draft', 'published', name='plan_state'), server_default='draft', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ratified_by', sa.Text(), nullable=True),
    sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_camera_plan')),
    sa.UniqueConstraint('year', name=op.f('uq_camera_plan_year'))
    )
    op.create_geospatial_table('passage',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('camera_id', sa.Text(), nullable=False),
    sa.Column('captured_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('plate', sa.Text(collation='C'), nullable=False, comment='normalised: A-Z0-9 only'),
    sa.Column('plate_raw', sa.Text(), nullable=False, comment='as read by the camera'),
    sa.Column('country', sa.String(length=3), nullable=True),
    sa.Column('confidence', sa.REAL(), nullable=True),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('overview_key', sa.Text(), nullable=True),
    sa.Column('crop_key', sa.Text(), nullable=True),
    sa.Column('capture_id', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("plate ~ '^[A-Z0-9]{1,12}$'", name=op.f('ck_passage_plate_normalised')),
    sa.CheckConstraint('confidence IS NULL OR (confidence >= 0 AND confidence <= 1)', name=op.f('ck_passage_confidence')),
    sa.UniqueConstraint('camera_id', 'capture_id', 'captured_at', name=op.f('uq_passage_camera_id_capture_id_captured_at')),
    schema='jj126',
    postgresql_partition_by='RANGE (captured_at)',
    comment='126jj passages, one partition per UTC capture day; immutable.'
    )
    op.create_index('ix_passage_camera_time', 'passage', ['camera_id', 'captured_at'], unique=False, schema='jj126')
    op.create_index('ix_passage_plate_time', 'passage', ['plate', 'captured_at'], unique=False, schema='jj126')
    op.create_geospatial_table('road_junction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('border', sa.String(length=2), nullable=True),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_road_junction'))
    )
    op.create_geospatial_index('idx_road_junction_geom', 'road_junction', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_table('unit',
    sa.Column('code', sa.String(length=4), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('national', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_unit')),
    comment='Police units (eenheden): ten regional units and the national unit.'
    )
    op.create_table('account',
    sa.Column('id', sa.Integer(), sa.Identity(always=False), nullable=False),
    sa.Column('username', sa.Text(), nullable=False),
    sa.Column('full_name', sa.Text(), nullable=False),
    sa.Column('role', postgresql.ENUM('officer', 'requester', 'analyst', 'plan_editor', 'auditor', 'admin', name='account_role'), nullable=False),
    sa.Column('unit_code', sa.String(length=4), nullable=True),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['unit_code'], ['unit.code'], name=op.f('fk_account_unit_code_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account'))
    )
    op.create_index('uq_account_username_lower', 'account', [sa.literal_column('lower(username)')], unique=True)
    op.create_table('camera_group',
    sa.Column('id', sa.Integer(), sa.Identity(always=False), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('unit_code', sa.String(length=4), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['unit_code'], ['unit.code'], name=op.f('fk_camera_group_unit_code_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_camera_group')),
    sa.UniqueConstraint('name', name=op.f('uq_camera_group_name'))
    )
    op.create_geospatial_table('road_segment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('road', sa.Text(), nullable=False),
    sa.Column('source', sa.Integer(), nullable=False),
    sa.Column('target', sa.Integer(), nullable=False),
    sa.Column('speed_kmh', sa.SmallInteger(), nullable=False),
    sa.Column('lanes', sa.SmallInteger(), nullable=False),
    sa.Column('length_m', sa.Float(), nullable=False),
    sa.Column('cost', sa.Float(), nullable=False, comment='free-flow seconds source->target (pgRouting)'),
    sa.Column('reverse_cost', sa.Float(), nullable=False, comment='free-flow seconds target->source'),
    sa.Column('geom', Geometry(geometry_type='LINESTRING', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.CheckConstraint('lanes BETWEEN 1 AND 8', name=op.f('ck_road_segment_lanes')),
    sa.CheckConstraint('speed_kmh BETWEEN 20 AND 200', name=op.f('ck_road_segment_speed')),
    sa.ForeignKeyConstraint(['source'], ['road_junction.id'], name=op.f('fk_road_segment_source_road_junction')),
    sa.ForeignKeyConstraint(['target'], ['road_junction.id'], name=op.f('fk_road_segment_target_road_junction')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_road_segment'))
    )
    op.create_geospatial_index('idx_road_segment_geom', 'road_segment', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('location',
    sa.Column('id', sa.Integer(), sa.Identity(always=False), nullable=False),
    sa.Column('code', sa.Text(), nullable=False, comment='The one name used in registry, plan and searches: UNIT-ROAD-HECTOMETRE.'),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('unit_code', sa.String(length=4), nullable=False),
    sa.Column('road', sa.Text(), nullable=True),
    sa.Column('hectometre', sa.Numeric(precision=6, scale=1), nullable=True),
    sa.Column('owner', postgresql.ENUM('police', 'kmar', 'cjib', 'municipality', 'commercial', name='location_owner'), server_default='police', nullable=False),
    sa.Column('mounting', postgresql.ENUM('fixed', 'mobile', name='camera_mounting'), server_default='fixed', nullable=False),
    sa.Column('segment_id', sa.Integer(), nullable=True),
    sa.Column('segment_fraction', sa.Float(), nullable=True),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('segment_fraction IS NULL OR segment_fraction BETWEEN 0 AND 1', name=op.f('ck_location_fraction')),
    sa.ForeignKeyConstraint(['segment_id'], ['road_segment.id'], name=op.f('fk_location_segment_id_road_segment')),
    sa.ForeignKeyConstraint(['unit_code'], ['unit.code'], name=op.f('fk_location_unit_code_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_location')),
    sa.UniqueConstraint('code', name=op.f('uq_location_code'))
    )
    op.create_geospatial_index('idx_location_geom', 'location', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('camera',
    sa.Column('id', sa.Text(), nullable=False, comment='The unique id as the camera reports it.'),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('bearing', sa.REAL(), nullable=False, comment='Direction of travel, degrees from north.'),
    sa.Column('inout', postgresql.ENUM('in', 'out', name='travel_inout'), nullable=False, comment='Travel towards (in) or away from (out) the centre.'),
    sa.Column('segment_direction', sa.SmallInteger(), server_default='1', nullable=False, comment='+1 when traffic runs source->target of the road segment, -1 otherwise.'),
    sa.Column('lane', sa.SmallInteger(), nullable=False),
    sa.Column('lane_geom', Geometry(geometry_type='LINESTRING', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('mounting', postgresql.ENUM('fixed', 'mobile', name='camera_mounting'), server_default='fixed', nullable=False),
    sa.Column('facing', postgresql.ENUM('front', 'rear', name='camera_facing'), server_default='front', nullable=False),
    sa.Column('status', postgresql.ENUM('active', 'defect', 'roadworks', 'retired', name='camera_status'), server_default='active', nullable=False),
    sa.Column('active_from', sa.Date(), nullable=False),
    sa.Column('active_to', sa.Date(), nullable=True),
    sa.Column('in_plan', sa.Boolean(), server_default=sa.text('true'), nullable=False, comment='Stand-in for plan membership until yearly plans are published (R9).'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('active_to IS NULL OR active_to >= active_from', name=op.f('ck_camera_active_period')),
    sa.CheckConstraint('bearing >= 0 AND bearing < 360', name=op.f('ck_camera_bearing')),
    sa.CheckConstraint('lane BETWEEN 1 AND 12', name=op.f('ck_camera_lane')),
    sa.CheckConstraint('segment_direction IN (-1, 1)', name=op.f('ck_camera_segment_direction')),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_camera_location_id_location')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_camera'))
    )
    op.create_geospatial_index('idx_camera_lane_geom', 'camera', ['lane_geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_camera_location_id'), 'camera', ['location_id'], unique=False)
    op.create_table('camera_group_member',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('camera_id', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['camera_id'], ['camera.id'], name=op.f('fk_camera_group_member_camera_id_camera'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['camera_group.id'], name=op.f('fk_camera_group_member_group_id_camera_group'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'camera_id', name=op.f('pk_camera_group_member'))
    )
    op.create_table('camera_status_period',
    sa.Column('id', sa.Integer(), sa.Identity(always=False), nullable=False),
    sa.Column('camera_id', sa.Text(), nullable=False),
    sa.Column('status', postgresql.ENUM('active', 'defect', 'roadworks', 'retired', name='camera_status'), nullable=False),
    sa.Column('during', postgresql.TSTZRANGE(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['camera_id'], ['camera.id'], name=op.f('fk_camera_status_period_camera_id_camera'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_camera_status_period')),
    comment='When a camera was defect or under roadworks: searches report this as coverage.'
    )
    op.create_index(op.f('ix_camera_status_period_camera_id'), 'camera_status_period', ['camera_id'], unique=False)
    op.create_geospatial_table('privacy_mask',
    sa.Column('id', sa.Integer(), sa.Identity(always=False), nullable=False),
    sa.Column('camera_id', sa.Text(), nullable=False),
    sa.Column('label', sa.Text(), nullable=True),
    sa.Column('frame_width', sa.Integer(), nullable=False),
    sa.Column('frame_height', sa.Integer(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POLYGON', dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False, comment="Polygon in image pixel coordinates of the camera's reference frame."),
    sa.CheckConstraint('ST_IsValid(geom)', name=op.f('ck_privacy_mask_valid')),
    sa.CheckConstraint('frame_width > 0 AND frame_height > 0', name=op.f('ck_privacy_mask_frame')),
    sa.ForeignKeyConstraint(['camera_id'], ['camera.id'], name=op.f('fk_privacy_mask_camera_id_camera'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_mask'))
    )
    op.create_index(op.f('ix_privacy_mask_camera_id'), 'privacy_mask', ['camera_id'], unique=False)
    op.create_index('ix_road_segment_source', 'road_segment', ['source'])
    op.create_index('ix_road_segment_target', 'road_segment', ['target'])
    # create_geospatial_table drops the comment; set it explicitly.
    op.execute("COMMENT ON TABLE jj126.passage IS "
               "'126jj passages, one partition per UTC capture day; immutable.'")
    op.execute(PARTITION_FUNCTION)
    op.execute(IMMUTABLE_TRIGGER)
    unit_table = sa.table("unit", sa.column("code"), sa.column("name"), sa.column("national"))
    op.bulk_insert(unit_table, [{"code": c, "name": n, "national": nat} for c, n, nat in UNITS])


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS passage_immutable ON jj126.passage")
    op.execute("DROP FUNCTION IF EXISTS jj126.refuse_change()")
    op.execute("DROP FUNCTION IF EXISTS jj126.ensure_partition(date)")
    op.drop_index('ix_road_segment_source', table_name='road_segment')
    op.drop_index('ix_road_segment_target', table_name='road_segment')
    op.drop_index(op.f('ix_privacy_mask_camera_id'), table_name='privacy_mask')
    op.drop_geospatial_table('privacy_mask')
    op.drop_index(op.f('ix_camera_status_period_camera_id'), table_name='camera_status_period')
    op.drop_table('camera_status_period')
    op.drop_table('camera_group_member')
    op.drop_index(op.f('ix_camera_location_id'), table_name='camera')
    op.drop_geospatial_index('idx_camera_lane_geom', table_name='camera', postgresql_using='gist', column_name='lane_geom')
    op.drop_geospatial_table('camera')
    op.drop_geospatial_index('idx_location_geom', table_name='location', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('location')
    op.drop_geospatial_index('idx_road_segment_geom', table_name='road_segment', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('road_segment')
    op.drop_table('camera_group')
    op.drop_index('uq_account_username_lower', table_name='account')
    op.drop_table('account')
    op.drop_table('unit')
    op.drop_geospatial_index('idx_road_junction_geom', table_name='road_junction', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('road_junction')
    op.drop_index('ix_passage_plate_time', table_name='passage', schema='jj126')
    op.drop_index('ix_passage_camera_time', table_name='passage', schema='jj126')
    op.drop_geospatial_table('passage', schema='jj126')
    op.drop_table('camera_plan')
    for enum in ("plan_state", "account_role", "camera_facing", "travel_inout", "camera_status",
                 "camera_mounting", "location_owner"):
        op.execute(f"DROP TYPE IF EXISTS {enum}")
    op.execute("DROP SCHEMA IF EXISTS jj126")
