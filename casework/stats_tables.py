"""The daily passage statistics table (migration 0008); counts only, never plates."""
from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Date, DateTime, Table, func, text

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
