"""The one place that reads the time, so tests can move it and all stored times are UTC.

Passages are stored in UTC and partitioned by UTC capture day; users see Europe/Amsterdam.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

UTC = timezone.utc
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def utc_day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def utc_days(start: datetime, end: datetime) -> list[date]:
    """The UTC capture days touched by the half-open window [start, end)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("naive datetimes are not allowed; give an explicit UTC offset")
    first = start.astimezone(UTC).date()
    last = (end.astimezone(UTC) - timedelta(microseconds=1)).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def local(dt: datetime) -> datetime:
    """A stored UTC time as an officer reads it (Europe/Amsterdam, DST-aware)."""
    return dt.astimezone(AMSTERDAM)
