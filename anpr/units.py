"""Each unit's prosecutors: who may sign a camera-plan location's motivation (R9).

The plan lists every fixed location with a motivation "signed by the unit's prosecutor".
The signer used to be free text; ``unit_prosecutor`` now lists each unit's prosecutors
by the name they sign with and the period they serve (either end open), and plan
validation (``camera_registry.plans.validate``) refuses a signature by a name not listed
for the location's unit on the signing date.

Kept as accounts are (``anpr.accounts``): by the operators, with ``anpr units ...``
through the application's role, every change audit-logged with who made it. An entry is
never deleted: a prosecutor who leaves gets the last day served (``end``), so signatures
made while they served stay valid and explainable.

Names are compared as people write them: case and runs of spaces do not matter
(:func:`normalise`, the same in SQL as :data:`NORMALISE_SQL`).
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any

import psycopg
from psycopg.rows import dict_row

from anpr import audit
from anpr.errors import BadInput, Conflict, NotFound

MAX_NAME = 200
#: ``normalise`` in SQL: ``NORMALISE_SQL.format("column")``.
NORMALISE_SQL = "lower(regexp_replace(btrim({}), '\\s+', ' ', 'g'))"


def normalise(name: str | None) -> str:
    return re.sub(r"\s+", " ", (name or "").strip()).lower()


def _day(value: date | str | None, what: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise BadInput(f"{what} {value!r} is not a date (YYYY-MM-DD)") from None


def _unit(conn: psycopg.Connection, unit_code: str) -> str:
    code = str(unit_code or "").strip().upper()
    if conn.execute("SELECT 1 FROM unit WHERE code = %s", (code,)).fetchone() is None:
        raise BadInput(f"unknown unit {unit_code!r}")
    return code


def _find(conn: psycopg.Connection, unit: str, name: str) -> dict[str, Any] | None:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "SELECT id, unit_code, name, serves_from, serves_to, added_at, added_by "
            f"FROM unit_prosecutor WHERE unit_code = %s AND {NORMALISE_SQL.format('name')} = %s "
            "FOR UPDATE", (unit, normalise(name))).fetchone()


def add_prosecutor(conn: psycopg.Connection, unit_code: str, name: str, *, actor: str,
                   serves_from: date | str | None = None,
                   serves_to: date | str | None = None) -> dict[str, Any]:
    """List ``name`` as a prosecutor of the unit, serving from ``serves_from`` (open when
    not given) to ``serves_to`` (open when not given)."""
    if not actor or not str(actor).strip():
        raise BadInput("who lists the prosecutor is required (recorded)")
    unit = _unit(conn, unit_code)
    clean = re.sub(r"\s+", " ", str(name or "").strip())
    if not clean or len(clean) > MAX_NAME or "\x00" in clean:
        raise BadInput(f"a prosecutor's name as they sign, 1 to {MAX_NAME} characters")
    start, end = _day(serves_from, "serves_from"), _day(serves_to, "serves_to")
    if start and end and end < start:
        raise BadInput("serves_to lies before serves_from")
    if _find(conn, unit, clean) is not None:
        raise Conflict(f"{clean} is already listed for unit {unit}")
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(
            "INSERT INTO unit_prosecutor (unit_code, name, serves_from, serves_to, added_by) "
            "VALUES (%s, %s, %s, %s, %s) RETURNING id, unit_code, name, serves_from, serves_to, "
            "added_at, added_by", (unit, clean, start, end, str(actor).strip())).fetchone()
    audit.record(conn, str(actor).strip(), "unit.prosecutor.add", f"unit:{unit}", name=clean,
                 serves_from=start, serves_to=end)
    return row


def end_prosecutor(conn: psycopg.Connection, unit_code: str, name: str, *, actor: str,
                   last_day: date | str) -> dict[str, Any]:
    """The last day ``name`` serves the unit: a signature dated later is refused; earlier
    ones stay valid. The entry itself is kept."""
    if not actor or not str(actor).strip():
        raise BadInput("who ends the listing is required (recorded)")
    unit = _unit(conn, unit_code)
    end = _day(last_day, "last_day")
    if end is None:
        raise BadInput("the last day served is required (YYYY-MM-DD)")
    row = _find(conn, unit, name)
    if row is None:
        raise NotFound(f"{name} is not listed for unit {unit}")
    if row["serves_from"] and end < row["serves_from"]:
        raise BadInput(f"the last day {end} lies before the first, {row['serves_from']}")
    conn.execute("UPDATE unit_prosecutor SET serves_to = %s WHERE id = %s", (end, row["id"]))
    audit.record(conn, str(actor).strip(), "unit.prosecutor.end", f"unit:{unit}",
                 name=row["name"], serves_to=end, was=row["serves_to"])
    return {**row, "serves_to": end}


def prosecutors(conn: psycopg.Connection, unit_code: str | None = None) -> list[dict[str, Any]]:
    """The listed prosecutors, of one unit or all, by unit and name."""
    unit = _unit(conn, unit_code) if unit_code else None
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "SELECT unit_code, name, serves_from, serves_to, added_at, added_by "
            "FROM unit_prosecutor WHERE %(u)s::text IS NULL OR unit_code = %(u)s "
            "ORDER BY unit_code, name", {"u": unit}).fetchall()


def serves(conn: psycopg.Connection, unit_code: str, name: str, day: date) -> bool:
    """Whether ``name`` is listed as a prosecutor of ``unit_code`` on ``day``."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            f"SELECT EXISTS (SELECT 1 FROM unit_prosecutor WHERE unit_code = %s "
            f"AND {NORMALISE_SQL.format('name')} = %s "
            "AND (serves_from IS NULL OR serves_from <= %s) "
            "AND (serves_to IS NULL OR %s <= serves_to)) AS listed",
            (unit_code, normalise(name), day, day)).fetchone()["listed"]
