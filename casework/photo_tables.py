"""The photo approval table (migration 0007), beside the workflow that owns it;
``anpr.schema`` imports this module so that the one metadata object holds every table."""
from __future__ import annotations

from sqlalchemy import (
    BigInteger, Column, DateTime, ForeignKey, Integer, String, Table, Text, func, text,
)
from sqlalchemy.dialects.postgresql import JSONB

from anpr.schema import metadata

photo_approval = Table(
    "photo_approval", metadata,
    Column("request_id", Integer, ForeignKey("request.id"), primary_key=True),
    Column("passage_id", BigInteger, primary_key=True),
    Column("captured_at", DateTime(timezone=True), primary_key=True),
    Column("boxes", JSONB, nullable=False, server_default=text("'[]'::jsonb"),
           comment="The officer's blur boxes, [x1, y1, x2, y2] in image pixels."),
    Column("source_key", Text, nullable=False, comment="The stored overview photo shown."),
    Column("image_key", Text, nullable=False,
           comment="The approved copy, irreversibly blurred, in the photo vault."),
    Column("sha256", String(64), nullable=False),
    Column("approved_by", Integer, ForeignKey("account.id"), nullable=False),
    Column("approved_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    comment="R8: photos approved for provision; once approved the blurred copy is final.",
)
