"""The schema as SQLAlchemy metadata: Alembic's autogenerate target and documentation.

Migrations are the only way the schema changes; a test compares this metadata with a
migrated database so the two never drift. Partitions of ``jj126.passage`` (one per UTC
capture day) are created at run time and are excluded from that comparison.

126jj passages live in their own schema ``jj126``, apart from any other ANPR data (R11).
"""
from __future__ import annotations

import re

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger, Boolean, CheckConstraint, Column, Date, DateTime, Float, ForeignKey, Identity,
    Index, Integer, MetaData, Numeric, REAL, SmallInteger, String, Table, Text, UniqueConstraint,
    func, text,
)
from sqlalchemy.dialects.postgresql import ARRAY as _ARRAY, ENUM, JSONB, TSTZRANGE

metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

OWNER = ENUM("police", "kmar", "cjib", "municipality", "commercial", name="location_owner",
             metadata=metadata)
MOUNTING = ENUM("fixed", "mobile", name="camera_mounting", metadata=metadata)
CAMERA_STATUS = ENUM("active", "defect", "roadworks", "retired", name="camera_status",
                     metadata=metadata)
INOUT = ENUM("in", "out", name="travel_inout", metadata=metadata)
FACING = ENUM("front", "rear", name="camera_facing", metadata=metadata)
ROLE = ENUM("officer", "requester", "analyst", "plan_editor", "auditor", "admin",
            name="account_role", metadata=metadata)
PLAN_STATE = ENUM("draft", "published", name="plan_state", metadata=metadata)

unit = Table(
    "unit", metadata,
    Column("code", String(4), primary_key=True),
    Column("name", Text, nullable=False),
    Column("national", Boolean, nullable=False, server_default=text("false")),
    comment="Police units (eenheden): ten regional units and the national unit.",
)

road_junction = Table(
    "road_junction", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("border", String(2)),
    Column("geom", Geometry("POINT", srid=4326, spatial_index=True), nullable=False),
)

road_segment = Table(
    "road_segment", metadata,
    Column("id", Integer, primary_key=True),
    Column("road", Text, nullable=False),
    Column("source", Integer, ForeignKey("road_junction.id"), nullable=False, index=True),
    Column("target", Integer, ForeignKey("road_junction.id"), nullable=False, index=True),
    Column("speed_kmh", SmallInteger, nullable=False),
    Column("lanes", SmallInteger, nullable=False),
    Column("length_m", Float, nullable=False),
    Column("cost", Float, nullable=False, comment="free-flow seconds source->target (pgRouting)"),
    Column("reverse_cost", Float, nullable=False, comment="free-flow seconds target->source"),
    Column("geom", Geometry("LINESTRING", srid=4326, spatial_index=True), nullable=False),
    CheckConstraint("speed_kmh BETWEEN 20 AND 200", name="speed"),
    CheckConstraint("lanes BETWEEN 1 AND 8", name="lanes"),
)

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

account = Table(
    "account", metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("username", Text, nullable=False),
    Column("full_name", Text, nullable=False),
    Column("role", ROLE, nullable=False),
    Column("unit_code", String(4), ForeignKey("unit.code")),
    Column("password_hash", Text, nullable=False),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_login_at", DateTime(timezone=True)),
    Column("failed_logins", Integer, nullable=False, server_default="0"),
    Column("locked_until", DateTime(timezone=True)),
    Index("uq_account_username_lower", func.lower(text("username")), unique=True),
)

web_session = Table(
    "web_session", metadata,
    Column("id", Text, primary_key=True, comment="SHA-256 of the cookie's random token"),
    Column("account_id", Integer, ForeignKey("account.id"), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_seen", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("source", Text),
    Column("ended_at", DateTime(timezone=True)),
    Column("ended_reason", Text),
    CheckConstraint("(ended_at IS NULL) = (ended_reason IS NULL)", name="ended"),
    comment="R10: a login session, live until logout, password change, suspension or "
            "timeout ends it server-side (migration 0018c).",
)

passage = Table(
    "passage", metadata,
    Column("id", BigInteger, Identity(), nullable=False),
    Column("camera_id", Text, nullable=False),
    Column("captured_at", DateTime(timezone=True), nullable=False),
    Column("plate", Text(collation="C"), nullable=False, comment="normalised: A-Z0-9 only"),
    Column("plate_raw", Text, nullable=False, comment="as read by the camera"),
    Column("country", String(3)),
    Column("confidence", REAL),
    Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
    Column("overview_key", Text),
    Column("crop_key", Text),
    Column("capture_id", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("segment_id", Integer, comment="road segment the passage was matched to"),
    # The camera's other candidate reads and their confidences (migration 0022a).
    Column("alternatives", _ARRAY(Text)),
    Column("alternative_confidences", _ARRAY(REAL)),
    UniqueConstraint("camera_id", "captured_at", "capture_id", postgresql_include=["plate"]),
    CheckConstraint("plate ~ '^[A-Z0-9]{1,12}$'", name="plate_normalised"),
    CheckConstraint("confidence IS NULL OR (confidence >= 0 AND confidence <= 1)",
                    name="confidence"),
    # Covering indexes (migration 0011): searches other than a page of rows are index-only.
    Index("ix_passage_plate_time", "plate", "captured_at",
          postgresql_include=["camera_id", "id", "plate_raw", "country", "confidence"]),
    Index("ix_passage_plate_reversed", func.reverse(text("plate")), "captured_at",
          postgresql_include=["plate", "camera_id"]),
    Index("ix_passage_alternatives", "alternatives", postgresql_using="gin",
          postgresql_where=text("alternatives IS NOT NULL")),
    schema="jj126",
    postgresql_partition_by="RANGE (captured_at)",
    comment="126jj passages, one partition per UTC capture day; immutable.",
)


# -- intake and retention (migration 0002, ingest/) -----------------------------------------
from sqlalchemy import LargeBinary  # noqa: E402  (kept beside the tables that use it)

intake_device = Table(
    "intake_device", metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("name", Text, nullable=False),
    Column("camera_id", Text, ForeignKey("camera.id")),
    Column("location_id", Integer, ForeignKey("location.id")),
    Column("key_prefix", Text, nullable=False, unique=True),
    Column("key_hash", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("revoked_at", DateTime(timezone=True)),
    Column("last_used_at", DateTime(timezone=True)),
    CheckConstraint("(camera_id IS NULL) <> (location_id IS NULL)", name="one_scope"),
    comment="Per-device intake API keys (hashed, revocable).",
)

retention_log = Table(
    "retention_log", metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("run_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("day", Date, nullable=False),
    Column("passages", BigInteger, nullable=False),
    Column("images", BigInteger, nullable=False),
    Column("key_destroyed", Boolean, nullable=False),
    Column("secured", Integer, nullable=False),
    comment="What retention destroyed per capture day: counts only, never plates.",
)

image_day_key = Table(
    "image_day_key", metadata,
    Column("day", Date, primary_key=True),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    schema="jj126",
    comment="Photo data key per UTC capture day, wrapped by the master key (R13).",
)

enquiry_key = Table(
    "enquiry_key", metadata,
    Column("enquiry_ref", Text, primary_key=True),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    schema="jj126",
    comment="Photo key of an enquiry's secured results, wrapped by the master key.",
)

result_hold = Table(
    "result_hold", metadata,
    Column("enquiry_ref", Text, primary_key=True),
    Column("passage_id", BigInteger, primary_key=True),
    Column("captured_at", DateTime(timezone=True), primary_key=True),
    Column("held_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("released_at", DateTime(timezone=True)),
    Index("ix_result_hold_captured_at", "captured_at"),
    schema="jj126",
    comment="Passages in the result set of an enquiry in progress (R1).",
)

secured_passage = Table(
    "secured_passage", metadata,
    Column("enquiry_ref", Text, primary_key=True),
    Column("passage_id", BigInteger, primary_key=True),
    Column("captured_at", DateTime(timezone=True), primary_key=True),
    Column("camera_id", Text, nullable=False),
    Column("plate", Text(collation="C"), nullable=False),
    Column("plate_raw", Text, nullable=False),
    Column("country", String(3)),
    Column("confidence", REAL),
    Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
    Column("overview_key", Text),
    Column("crop_key", Text),
    Column("capture_id", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("secured_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("blurred_key", Text,
           comment="The detector's blurred photo, secured under the enquiry's key (R8)."),
    Column("alternatives", _ARRAY(Text)),
    Column("alternative_confidences", _ARRAY(REAL)),
    schema="jj126",
    comment="Copies of held passages secured before their day was destroyed (R1).",
)


# -- camera plans and registry history (migration 0004, camera_registry/) ------------------
from sqlalchemy.dialects.postgresql import ARRAY  # noqa: E402  (kept beside its tables)

_CRITERIA = "criteria <@ ARRAY['a','b','c']::text[]"

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


# -- what autogenerate compares -------------------------------------------------------------
# Daily passage partitions and the extensions' own tables are not part of the model.
_PARTITION = re.compile(r"^passage_p\d{8}$")
_PARTITION_INDEX = re.compile(r"^passage_p\d{8}_")
_FOREIGN_TABLES = {"spatial_ref_sys", "topology", "layer", "alembic_version"}


def include_name(name, type_, parent_names) -> bool:
    if type_ == "schema":
        return name in (None, "public", "jj126")
    return True


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    from geoalchemy2 import alembic_helpers

    if type_ == "table" and (name in _FOREIGN_TABLES or (name and _PARTITION.match(name))):
        return False
    if type_ == "index" and name and _PARTITION_INDEX.match(name):
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)

# The legal workflow's tables live beside it; import them so this metadata holds all.
import casework.tables  # noqa: E402,F401
import detector.tables  # noqa: E402,F401
import casework.stats_tables  # noqa: E402,F401
import casework.photo_tables  # noqa: E402,F401
