"""Statistics tables that outlive the passages: counts only, never plates.

The daily passage statistics (migration 0008) and the verdicts on probable misreads per
camera and character pair (migration 0023b, kept by a trigger on ``verification``).
"""
from __future__ import annotations

from sqlalchemy import (BigInteger, Boolean, Column, Date, DateTime, Integer, PrimaryKeyConstraint,
                        Table, Text, func, text)

from anpr.schema import metadata

passage_day_stat = Table(
    "passage_day_stat", metadata,
    Column("day", Date, primary_key=True),
    Column("passages", BigInteger, nullable=False, server_default="0"),
    Column("unique_plates", BigInteger),
    Column("final", Boolean, nullable=False, server_default=text("false"),
           comment="counted just before retention dropped the day"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    comment="Passages and unique plates per UTC capture day; survives retention (Table 1).",
)

misread_confusion = Table(
    "misread_confusion", metadata,
    Column("camera_id", Text, nullable=False),
    Column("day", Date, nullable=False),
    Column("read_char", Text, nullable=False),
    Column("true_char", Text, nullable=False),
    Column("confirmed", Integer, nullable=False, server_default="0"),
    Column("rejected", Integer, nullable=False, server_default="0"),
    PrimaryKeyConstraint("camera_id", "day", "read_char", "true_char",
                         name="pk_misread_confusion"),
    comment="Verdicts on probable misreads per camera, capture day and character pair: "
            "counts only, never plates.",
)
