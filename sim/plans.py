"""Camera plans for the demo region: last year's and this year's, both published.

Why two: intake stores passages only from cameras in the published plan of the capture
year (R9), so the demo needs this year's plan; and the diff between years needs a
previous plan that differs. Last year's plan leaves out a few locations (added this
year) and states other criteria for some, as happens between real plans. The standing
motivations come from the demo registry's criterion and motivation per location.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, time
from typing import Any

import psycopg

from anpr import clock
from camera_registry import plans

log = logging.getLogger(__name__)

ACTOR = "demo-loader"
CHIEF = "korpschef Nationale Politie (demo)"
#: Every n-th regular location is new this year; every m-th had another criterion last year.
NEW_EVERY, CRITERIA_EVERY = 23, 17


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=clock.AMSTERDAM).astimezone(clock.UTC)


def demo_prosecutor(unit_code: str) -> str:
    """The name the demo's prosecutor of a unit signs with."""
    return f"mr. OvJ {unit_code} (demo)"


def seed_prosecutors(conn: psycopg.Connection, registry) -> int:
    """The demo's prosecutor of every unit with a location, listed so that the standing
    signatures validate (plans.validate checks the signer belongs to the unit; R9).
    Idempotent: a demo loaded before the list existed gets it on the next load."""
    from anpr import units

    listed = {(r["unit_code"], units.normalise(r["name"])) for r in units.prosecutors(conn)}
    made = 0
    for unit in sorted({loc.unit_code for loc in registry.locations}):
        name = demo_prosecutor(unit)
        if (unit, units.normalise(name)) not in listed:
            units.add_prosecutor(conn, unit, name, actor=ACTOR)
            made += 1
    return made


def seed_motivations(conn: psycopg.Connection, registry) -> int:
    """The standing art. 3 lid 2 motivation per location, from the demo registry."""
    if conn.execute("SELECT EXISTS (SELECT 1 FROM location_motivation) AS x").fetchone()["x"]:
        return 0
    rows = [(loc.criterion, loc.motivation, demo_prosecutor(loc.unit_code),
             "kmar" if loc.owner == "kmar" else "police", loc.code)
            for loc in registry.locations]
    with conn.cursor() as cur:
        cur.executemany("""
            INSERT INTO location_motivation (location_id, criteria, motivation, prosecutor,
                   signed_on, claimed_by, updated_by)
            SELECT id, ARRAY[%s]::text[], %s, %s, DATE '2018-12-01', %s, 'demo-loader'
              FROM location WHERE code = %s""", rows)
    return len(rows)


def _mobile_amendments(conn: psycopg.Connection, year: int, start: date, end: date | None) -> int:
    cams = conn.execute("SELECT c.id, l.unit_code FROM camera c JOIN location l ON "
                        "l.id = c.location_id WHERE c.mounting = 'mobile' AND c.status <> "
                        "'retired' ORDER BY c.id").fetchall()
    for cam in cams:
        plans.add_amendment(conn, year, cam["id"], actor=ACTOR, kind="junction", criteria="b",
                            motivation="Mobiele inzet op een doorgaande weg met intensieve "
                                       "verkeersstromen (demo).",
                            prosecutor=demo_prosecutor(cam["unit_code"]), effective_from=start, effective_to=end,
                            at=_local_midnight(start))
    return len(cams)


def publish_demo_plans(conn: psycopg.Connection, registry, year: int) -> dict[str, Any]:
    """Publish the plans of ``year - 1`` and ``year`` unless they exist; idempotent."""
    out: dict[str, Any] = {"prosecutors": seed_prosecutors(conn, registry),
                           "motivations": seed_motivations(conn, registry)}
    existing = {r["year"] for r in conn.execute("SELECT year FROM camera_plan").fetchall()}
    prev = year - 1
    if prev not in existing:
        regular = [loc.code for loc in registry.locations if loc.owner != "kmar"
                   and loc.kind == "fixed"]
        left_out = set(regular[::NEW_EVERY])
        plans.create_draft(conn, prev, actor=ACTOR)
        for code in sorted(left_out):
            plans.remove_location(conn, prev, code, actor=ACTOR)
        for loc in registry.locations[::CRITERIA_EVERY]:
            if loc.code in left_out or loc.kind != "fixed":
                continue
            other = "c" if loc.criterion != "c" else "b"
            conn.execute("UPDATE plan_location SET criteria = ARRAY[%s]::text[] WHERE plan_id = "
                         "(SELECT id FROM camera_plan WHERE year = %s) AND location_code = %s",
                         (other, prev, loc.code))
        plans.ratify(conn, prev, chief=CHIEF, actor=ACTOR, at=_local_midnight(date(prev, 1, 1)))
        plans.publish(conn, prev, actor=ACTOR, at=_local_midnight(date(prev, 1, 1)))
        _mobile_amendments(conn, prev, date(prev, 3, 1), date(prev, 10, 31))
        out[str(prev)] = plans.summary(conn, prev)
    if year not in existing:
        plans.create_draft(conn, year, actor=ACTOR)
        plans.ratify(conn, year, chief=CHIEF, actor=ACTOR, at=_local_midnight(date(year, 1, 1)))
        plans.publish(conn, year, actor=ACTOR, at=_local_midnight(date(year, 1, 1)))
        _mobile_amendments(conn, year, date(year, 1, 1), None)
        out[str(year)] = plans.summary(conn, year)
    log.info("demo camera plans: %s", {k: v for k, v in out.items()
                                       if k not in ("motivations", "prosecutors")})
    return out
