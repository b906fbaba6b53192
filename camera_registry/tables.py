"""The camera registry's and the yearly camera plans' tables (locations, cameras, their
status periods, groups and privacy masks; plans, their locations, cameras, mobile cameras
and amendments; the registry's history and stamp): the registry owns them. Defined on the
one metadata of ``anpr.schema``; ``migrations.model`` collects every package's tables for
Alembic and the schema test."""
from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger, Boolean, CheckConstraint, Column, Date, DateTime, Float, ForeignKey,
    Identity, Index, Integer, Numeric, REAL, SmallInteger, String, Table, Text,
    UniqueConstraint, func, text,
)
from sqlalchemy.dialects.postgresql import ARRAY, ENUM, JSONB, TSTZRANGE

from anpr.schema import metadata

OWNER = ENUM("police", "kmar", "cjib", "municipality", "commercial", name="location_owner",
             metadata=metadata)
MOUNTING = ENUM("fixed", "mobile", name="camera_mounting", metadata=metadata)
CAMERA_STATUS = ENUM("active", "defect", "roadworks", "retired", name="camera_status",
                     metadata=metadata)
INOUT = ENUM("in", "out", name="travel_inout", metadata=metadata)
FACING = ENUM("front", "rear", name="camera_facing", metadata=metadata)
PLAN_STATE = ENUM("draft", "published", name="plan_state", metadata=metadata)

_CRITERIA = "criteria <@ ARRAY['a','b','c']::text[]"

location = Table(
    "location", metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("code", Text, nullable=False, unique=True,
           comment="The one name used in registry, plan and searches: UNIT-ROAD-HECTOMETRE."),
    Column("name", Text, nullable=False),
    Column("unit_code", String(4), ForeignKey("unit.code"), nullable=False),
    Column("road", Text),
    Column("hectometre", Numeric(6, 1)),
    Column("owner", OWNER, nullable=False, server_default="police"),
    Column("mounting", MOUNTING, nullable=False, server_default="fixed"),
    Column("segment_id", Integer, ForeignKey("road_segment.id")),
    Column("segment_fraction", Float),
    Column("geom", Geometry("POINT", srid=4326, spatial_index=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("moved_at", DateTime(timezone=True), nullable=False, server_default="-infinity",
           comment="When the position last changed; passages captured before (and up to a "
                   "day after) may carry the old one"),
    CheckConstraint("segment_fraction IS NULL OR segment_fraction BETWEEN 0 AND 1",
                    name="fraction"),
)

camera = Table(
    "camera", metadata,
    Column("id", Text, primary_key=True, comment="The unique id as the camera reports it."),
    Column("location_id", Integer, ForeignKey("location.id"), nullable=False, index=True),
    Column("bearing", REAL, nullable=False, comment="Direction of travel, degrees from north."),
    Column("inout", INOUT, nullable=False, comment="Travel towards (in) or away from (out) the centre."),
    Column("segment_direction", SmallInteger, nullable=False, server_default="1",
           comment="+1 when traffic runs source->target of the road segment, -1 otherwise."),
    Column("lane", SmallInteger, nullable=False),
    Column("lane_geom", Geometry("LINESTRING", srid=4326, spatial_index=True)),
    Column("mounting", MOUNTING, nullable=False, server_default="fixed"),
    Column("facing", FACING, nullable=False, server_default="front"),
    Column("status", CAMERA_STATUS, nullable=False, server_default="active"),
    Column("active_from", Date, nullable=False),
    Column("active_to", Date),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("moved_at", DateTime(timezone=True), nullable=False, server_default="-infinity",
           comment="When the camera last changed location or mounting; passages captured "
                   "before (and up to a day after) may carry the old position"),
    CheckConstraint("bearing >= 0 AND bearing < 360", name="bearing"),
    CheckConstraint("lane BETWEEN 1 AND 12", name="lane"),
    CheckConstraint("segment_direction IN (-1, 1)", name="segment_direction"),
    CheckConstraint("active_to IS NULL OR active_to >= active_from", name="active_period"),
)

camera_status_period = Table(
    "camera_status_period", metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("camera_id", Text, ForeignKey("camera.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("status", CAMERA_STATUS, nullable=False),
    Column("during", TSTZRANGE, nullable=False),
    Column("note", Text),
    comment="When a camera was defect or under roadworks: searches report this as coverage.",
)

camera_group = Table(
    "camera_group", metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("unit_code", String(4), ForeignKey("unit.code")),
    Column("description", Text),
)

camera_group_member = Table(
    "camera_group_member", metadata,
    Column("group_id", Integer, ForeignKey("camera_group.id", ondelete="CASCADE"),
           primary_key=True),
    Column("camera_id", Text, ForeignKey("camera.id", ondelete="CASCADE"), primary_key=True),
)

privacy_mask = Table(
    "privacy_mask", metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("camera_id", Text, ForeignKey("camera.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("label", Text),
    Column("frame_width", Integer, nullable=False),
    Column("frame_height", Integer, nullable=False),
    Column("geom", Geometry("POLYGON", spatial_index=False), nullable=False,
           comment="Polygon in image pixel coordinates of the camera's reference frame."),
    CheckConstraint("frame_width > 0 AND frame_height > 0", name="frame"),
    CheckConstraint("ST_IsValid(geom)", name="valid"),
)

camera_plan = Table(
    "camera_plan", metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("year", SmallInteger, nullable=False, unique=True),
    Column("state", PLAN_STATE, nullable=False, server_default="draft"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("published_at", DateTime(timezone=True)),
    Column("ratified_by", Text),
    Column("details", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("ratified_at", DateTime(timezone=True)),  # 0004: plans
    Column("created_by", Text),
    Column("published_by", Text),
)

location_motivation = Table(
    "location_motivation", metadata,
    Column("location_id", Integer, ForeignKey("location.id", ondelete="CASCADE"), primary_key=True),
    Column("criteria", ARRAY(Text), nullable=False, server_default=text("'{}'::text[]")),
    Column("motivation", Text),
    Column("prosecutor", Text),
    Column("signed_on", Date),
    Column("claimed_by", Text),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_by", Text),
    CheckConstraint(_CRITERIA, name="criteria"),
    CheckConstraint("claimed_by IS NULL OR claimed_by IN ('police', 'kmar')", name="claimed_by"),
    comment="Standing art. 3 lid 2 motivation per location; a new plan draft copies it.",
)

plan_location = Table(
    "plan_location", metadata,
    Column("plan_id", Integer, ForeignKey("camera_plan.id", ondelete="CASCADE"), primary_key=True),
    Column("location_code", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("unit_code", String(4), ForeignKey("unit.code"), nullable=False),
    Column("road", Text),
    Column("hectometre", Numeric(6, 1)),
    Column("owner", OWNER, nullable=False),
    Column("border", Boolean, nullable=False, server_default=text("false")),
    Column("criteria", ARRAY(Text), nullable=False, server_default=text("'{}'::text[]")),
    Column("motivation", Text),
    Column("prosecutor", Text),
    Column("signed_on", Date),
    Column("claimed_by", Text),
    Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
    CheckConstraint(_CRITERIA, name="criteria"),
    comment="A fixed camera location in a plan: a snapshot of the registry with its motivation.",
)

plan_camera = Table(
    "plan_camera", metadata,
    Column("plan_id", Integer, ForeignKey("camera_plan.id", ondelete="CASCADE"), primary_key=True),
    Column("camera_id", Text, primary_key=True),
    Column("location_code", Text),
    Column("bearing", REAL),
    Column("inout", INOUT),
    Column("lane", SmallInteger),
    Column("mounting", MOUNTING, nullable=False, server_default="fixed"),
    Column("lane_geom", Geometry("LINESTRING", srid=4326, spatial_index=False)),
    comment="A camera in a plan; only these (and amendments) may store passages (R9).",
)

plan_mobile = Table(
    "plan_mobile", metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("plan_id", Integer, ForeignKey("camera_plan.id", ondelete="CASCADE"), nullable=False),
    Column("unit_code", String(4), ForeignKey("unit.code"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("count", SmallInteger, nullable=False),
    UniqueConstraint("plan_id", "unit_code", "kind"),
    CheckConstraint("count >= 0", name="count"),
    comment="Mobile cameras: a number per unit and kind of location, no fixed places.",
)

plan_prior_mobile = Table(
    "plan_prior_mobile", metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("plan_id", Integer, ForeignKey("camera_plan.id", ondelete="CASCADE"), nullable=False),
    Column("location_code", Text, nullable=False),
    Column("camera_id", Text, nullable=False),
    Column("unit_code", String(4), nullable=False),
    Column("kind", Text, nullable=False),
    Column("deployed_from", Date, nullable=False),
    Column("deployed_to", Date),
    Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
    comment="Where mobile cameras stood in the previous year (art. 2 lid 2 Besluit).",
)

plan_amendment = Table(
    "plan_amendment", metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("plan_id", Integer, ForeignKey("camera_plan.id"), nullable=False, index=True),
    Column("camera_id", Text, ForeignKey("camera.id"), nullable=False),
    Column("location_code", Text, nullable=False),
    Column("unit_code", String(4), nullable=False),
    Column("kind", Text, nullable=False),
    Column("criteria", ARRAY(Text), nullable=False),
    Column("motivation", Text, nullable=False),
    Column("prosecutor", Text, nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("effective_to", Date),
    Column("recorded_by", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
    # 0030: what the amendment published of its location, as plan_location keeps it
    Column("name", Text, nullable=False,
           comment="The location's name as published with the amendment (the registry may "
                   "rename it later)."),
    Column("road", Text),
    Column("hectometre", Numeric(6, 1)),
    Column("owner", OWNER, nullable=False),
    CheckConstraint(_CRITERIA, name="criteria"),
    CheckConstraint("effective_to IS NULL OR effective_to >= effective_from", name="period"),
    comment="A mobile camera added to a published plan during the year; append-only.",
)

registry_change = Table(
    "registry_change", metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("actor", Text, nullable=False),
    Column("entity", Text, nullable=False),
    Column("entity_key", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("before", JSONB),
    Column("after", JSONB),
    Index("ix_registry_change_entity_key", "entity", "entity_key"),
    comment="Every registry edit: who, when, what (before and after); append-only.",
)

registry_stamp = Table(
    "registry_stamp", metadata,
    Column("id", Boolean, primary_key=True, server_default=text("true")),
    Column("version", BigInteger, nullable=False, server_default=text("0")),
    CheckConstraint("id", name="registry_stamp_id_check"),
    comment="One row; version changes with every insert, update or delete of camera or location",
)
