"""The road network's tables (``road_junction``, ``road_segment``; pgRouting routes on
them): gis owns them. Defined on the one metadata of ``anpr.schema``; ``migrations.model``
collects every package's tables for Alembic and the schema test."""
from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import (
    CheckConstraint, Column, Float, ForeignKey, Integer, SmallInteger, String, Table, Text,
)

from anpr.schema import metadata

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
