"""The yearly camera plan (art. 126jj Sv, art. 2-3 Besluit; DESIGN R9).

Why a snapshot: the plan published in the Staatscourant is a legal document. It must
show the locations and cameras as they were designated that year even when the
registry is edited later, so a draft copies them from the registry and publishing
freezes the copy (the database refuses any later change, see migration 0004).

What the report taught (section 6.2): the first plan missed border cameras because
neither police nor KMar claimed them, and the motivations were not part of the plan.
So every location carries its art. 3 lid 2 criteria, a written motivation and the
signing prosecutor of its unit; validation lists every problem, and publishing is
refused while an error remains. Mobile cameras appear as a number per unit and kind of
location plus last year's mobile locations; during the year a mobile camera is added as
a recorded amendment, never by editing the plan.

Domain code: a psycopg connection and plain values in, plain dicts out. The caller owns
the transaction; ``actor`` is the account that acts and is recorded.
"""
from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any, Iterable

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from anpr import clock, units
from anpr.errors import BadInput, Conflict, NotFound

log = logging.getLogger(__name__)

#: art. 3 lid 2 Besluit: the three grounds a location may rest on.
CRITERIA: dict[str, str] = {
    "a": "locatie die vanwege de specifieke aard daarvan een bepaald risico in zich heeft",
    "b": "locatie gekenmerkt door intensieve verkeersstromen of een specifieke functie",
    "c": "locatie waarvan bekend is dat bepaalde strafbare feiten daar worden gepleegd",
}
#: Kinds of location where mobile cameras may be deployed (the plan lists a number per kind).
MOBILE_KINDS: dict[str, str] = {
    "border": "grensovergang of grensweg",
    "junction": "verkeersknooppunt of doorgaande weg",
    "parking": "(verzorgings)plaats of parkeerterrein met bekende criminaliteit",
    "industrial": "bedrijventerrein of haven",
    "event": "evenement of tijdelijke hotspot",
}
#: A location within this distance of a border crossing is a border location (R9 check).
BORDER_DISTANCE_M = 3000.0
#: A plan location that moved more than this between two years is reported as moved.
MOVED_M = 1.0

ERROR, WARNING = "error", "warning"


# -- small helpers ---------------------------------------------------------------------------

def _rows(conn: psycopg.Connection, sql: str, params: Any = None) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(sql, params)
        return cur.fetchall() if cur.description else []


def _one(conn: psycopg.Connection, sql: str, params: Any = None) -> dict[str, Any] | None:
    rows = _rows(conn, sql, params)
    return rows[0] if rows else None


def _actor(actor: str | None) -> str:
    if not actor or not str(actor).strip():
        raise BadInput("the acting user is required for every change to a plan")
    return str(actor).strip()


def _year(year: Any) -> int:
    try:
        value = int(year)
    except (TypeError, ValueError):
        raise BadInput(f"year {year!r} is not a number") from None
    if not 2019 <= value <= 2100:
        raise BadInput(f"year {value} is out of range (126jj applies from 2019)")
    return value


def parse_criteria(raw: Iterable[str] | str | None) -> list[str]:
    """Criteria as a sorted list of 'a', 'b', 'c'; anything else is refused by name."""
    if raw is None:
        return []
    items = [p.strip().lower() for p in (raw.replace(";", ",").split(",") if isinstance(raw, str)
                                          else raw) if str(p).strip()]
    unknown = sorted({i for i in items if i not in CRITERIA})
    if unknown:
        raise BadInput(f"unknown criteria {', '.join(map(repr, unknown))}: art. 3 lid 2 knows "
                       "only a, b and c", details={"unknown_criteria": unknown})
    return sorted(set(items))


def get_plan(conn: psycopg.Connection, year: int) -> dict[str, Any]:
    plan = _one(conn, "SELECT id, year, state::text AS state, created_at, created_by, "
                      "published_at, published_by, ratified_by, ratified_at, details "
                      "FROM camera_plan WHERE year = %s", (_year(year),))
    if plan is None:
        raise NotFound(f"there is no camera plan for {year}")
    return plan


def _draft(conn: psycopg.Connection, year: int) -> dict[str, Any]:
    plan = get_plan(conn, year)
    if plan["state"] == "published":
        raise Conflict(f"the camera plan {year} is published and can never change; add mobile "
                       "cameras as an amendment or prepare next year's plan")
    # Lock the row so two editors cannot publish and edit at the same moment.
    conn.execute("SELECT 1 FROM camera_plan WHERE id = %s FOR UPDATE", (plan["id"],))
    return plan


def list_plans(conn: psycopg.Connection, *, published_only: bool = False) -> list[dict[str, Any]]:
    return _rows(conn, """
        SELECT p.year, p.state::text AS state, p.published_at, p.ratified_by,
               (SELECT count(*) FROM plan_location l WHERE l.plan_id = p.id) AS locations,
               (SELECT count(*) FROM plan_camera c WHERE c.plan_id = p.id) AS cameras,
               (SELECT count(*) FROM plan_amendment a WHERE a.plan_id = p.id) AS amendments
          FROM camera_plan p
         WHERE NOT %(pub)s OR p.state = 'published'
         ORDER BY p.year""", {"pub": published_only})


# -- drafting ----------------------------------------------------------------------------------

_ELIGIBLE = """c.status <> 'retired' AND c.active_from <= make_date(%(year)s, 12, 31)
   AND (c.active_to IS NULL OR c.active_to >= make_date(%(year)s, 1, 1))"""

_BORDER = f"""(l.owner = 'kmar' OR EXISTS (
    SELECT 1 FROM road_junction j WHERE j.border IS NOT NULL
       AND ST_DWithin(j.geom::geography, l.geom::geography, {BORDER_DISTANCE_M})))"""


def create_draft(conn: psycopg.Connection, year: int, *, actor: str,
                 locations: Iterable[str] | None = None) -> dict[str, Any]:
    """A new draft for ``year`` from the registry: every location with fixed cameras
    eligible that year (or only ``locations``), with its standing motivation, the
    mobile cameras counted per unit and last year's mobile deployments."""
    year, actor = _year(year), _actor(actor)
    only = sorted(set(locations)) if locations is not None else None
    # ON CONFLICT, not a savepoint: the caller's transaction must stay intact (and a
    # savepoint on an idle connection would commit on its own).
    row = _one(conn, "INSERT INTO camera_plan (year, state, created_by, details) VALUES "
                     "(%s, 'draft', %s, %s) ON CONFLICT (year) DO NOTHING RETURNING id",
               (year, actor, Jsonb({"criteria": CRITERIA, "mobile_kinds": MOBILE_KINDS})))
    if row is None:
        raise Conflict(f"a camera plan for {year} already exists")
    plan_id = row["id"]
    params = {"plan": plan_id, "year": year, "only": only}
    conn.execute(f"""
        INSERT INTO plan_location (plan_id, location_code, name, unit_code, road, hectometre,
               owner, border, criteria, motivation, prosecutor, signed_on, claimed_by, geom)
        SELECT %(plan)s, l.code, l.name, l.unit_code, l.road, l.hectometre, l.owner,
               {_BORDER}, COALESCE(m.criteria, '{{}}'), m.motivation, m.prosecutor,
               m.signed_on, m.claimed_by, l.geom
          FROM location l LEFT JOIN location_motivation m ON m.location_id = l.id
         WHERE l.mounting = 'fixed'
           AND (%(only)s::text[] IS NULL OR l.code = ANY(%(only)s::text[]))
           AND EXISTS (SELECT 1 FROM camera c WHERE c.location_id = l.id
                        AND c.mounting = 'fixed' AND {_ELIGIBLE})""", params)
    conn.execute(f"""
        INSERT INTO plan_camera (plan_id, camera_id, location_code, bearing, inout, lane,
               mounting, lane_geom)
        SELECT %(plan)s, c.id, l.code, c.bearing, c.inout, c.lane, c.mounting, c.lane_geom
          FROM camera c JOIN location l ON l.id = c.location_id
          JOIN plan_location pl ON pl.plan_id = %(plan)s AND pl.location_code = l.code
         WHERE c.mounting = 'fixed' AND {_ELIGIBLE}""", params)
    conn.execute(f"""
        INSERT INTO plan_mobile (plan_id, unit_code, kind, count)
        SELECT %(plan)s, l.unit_code, 'junction', count(*)
          FROM camera c JOIN location l ON l.id = c.location_id
         WHERE c.mounting = 'mobile' AND {_ELIGIBLE}
         GROUP BY l.unit_code""", params)
    conn.execute("""
        INSERT INTO plan_prior_mobile (plan_id, location_code, camera_id, unit_code, kind,
               deployed_from, deployed_to, geom)
        SELECT %(plan)s, a.location_code, a.camera_id, a.unit_code, a.kind, a.effective_from,
               a.effective_to, a.geom
          FROM plan_amendment a JOIN camera_plan p ON p.id = a.plan_id
         WHERE p.year = %(year)s - 1 ORDER BY a.id""", params)
    log.info("camera plan %s drafted by %s", year, actor)
    return summary(conn, year)


def summary(conn: psycopg.Connection, year: int) -> dict[str, Any]:
    plan = get_plan(conn, year)
    counts = _one(conn, """
        SELECT (SELECT count(*) FROM plan_location WHERE plan_id = %(p)s) AS locations,
               (SELECT count(*) FROM plan_camera WHERE plan_id = %(p)s) AS cameras,
               (SELECT COALESCE(sum(count), 0) FROM plan_mobile WHERE plan_id = %(p)s) AS mobile,
               (SELECT count(*) FROM plan_prior_mobile WHERE plan_id = %(p)s) AS prior_mobile,
               (SELECT count(*) FROM plan_amendment WHERE plan_id = %(p)s) AS amendments""",
                  {"p": plan["id"]})
    return {**{k: v for k, v in plan.items() if k != "details"}, **counts}


def set_motivation(conn: psycopg.Connection, year: int, code: str, *, actor: str,
                   criteria: Iterable[str] | str | None = None, motivation: str | None = None,
                   prosecutor: str | None = None, signed_on: date | str | None = None,
                   claimed_by: str | None = None) -> dict[str, Any]:
    """Set the art. 3 lid 2 criteria, motivation and signature of a location in a draft.

    A signature covers the text it was given for: a change of the criteria or the
    motivation that leaves a complete text (criteria and motivation both there) voids the
    prosecutor's signature, unless the same change carries the new signature's date
    (``signed_on``). An incomplete text blocks publication on its own; the signature goes
    when a complete text replaces it. A signature dated after today blocks publication
    (:func:`validate`)."""
    actor = _actor(actor)
    plan = _draft(conn, year)
    current = _one(conn, "SELECT criteria, motivation, prosecutor, signed_on, claimed_by "
                         "FROM plan_location WHERE plan_id = %s AND location_code = %s",
                   (plan["id"], code))
    if current is None:
        raise NotFound(f"location {code} is not in the {year} plan")
    new = dict(current)
    if criteria is not None:
        new["criteria"] = parse_criteria(criteria)
    if motivation is not None:
        new["motivation"] = motivation.strip() or None
    if prosecutor is not None:
        new["prosecutor"] = prosecutor.strip() or None
    if signed_on is not None:
        try:
            new["signed_on"] = date.fromisoformat(signed_on) if isinstance(signed_on, str) else signed_on
        except ValueError:
            raise BadInput(f"signed_on {signed_on!r} is not a date (YYYY-MM-DD)") from None
    text_changed = (sorted(new["criteria"] or []) != sorted(current["criteria"] or [])
                    or (new["motivation"] or None) != (current["motivation"] or None))
    if text_changed and new["criteria"] and new["motivation"] and signed_on is None:
        # the old signature does not cover the new text (R9: signed by the prosecutor)
        new["signed_on"] = None
        if prosecutor is None:
            new["prosecutor"] = None
    if claimed_by is not None:
        if claimed_by not in ("police", "kmar"):
            raise BadInput("claimed_by is 'police' or 'kmar'")
        new["claimed_by"] = claimed_by
    conn.execute("""UPDATE plan_location SET criteria = %(criteria)s, motivation = %(motivation)s,
                        prosecutor = %(prosecutor)s, signed_on = %(signed_on)s,
                        claimed_by = %(claimed_by)s
                     WHERE plan_id = %(plan)s AND location_code = %(code)s""",
                 {**new, "plan": plan["id"], "code": code})
    # Keep the standing motivation in the registry, so next year's draft starts from it.
    conn.execute("""
        INSERT INTO location_motivation (location_id, criteria, motivation, prosecutor,
               signed_on, claimed_by, updated_at, updated_by)
        SELECT id, %(criteria)s, %(motivation)s, %(prosecutor)s, %(signed_on)s, %(claimed_by)s,
               %(now)s, %(actor)s FROM location WHERE code = %(code)s
        ON CONFLICT (location_id) DO UPDATE SET criteria = EXCLUDED.criteria,
               motivation = EXCLUDED.motivation, prosecutor = EXCLUDED.prosecutor,
               signed_on = EXCLUDED.signed_on, claimed_by = EXCLUDED.claimed_by,
               updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by""",
                 {**new, "code": code, "now": clock.now(), "actor": actor})
    _record(conn, actor, "plan_location", f"{year}/{code}", "update", current, new)
    return {"year": year, "location": code, **new}


def add_location(conn: psycopg.Connection, year: int, code: str, *, actor: str) -> dict[str, Any]:
    """Put a registry location (and its fixed cameras) into a draft."""
    actor = _actor(actor)
    plan = _draft(conn, year)
    if _one(conn, "SELECT 1 FROM location WHERE code = %s", (code,)) is None:
        raise NotFound(f"there is no location {code} in the registry")
    params = {"plan": plan["id"], "year": plan["year"], "code": code}
    added = conn.execute(f"""
        INSERT INTO plan_location (plan_id, location_code, name, unit_code, road,
               hectometre, owner, border, criteria, motivation, prosecutor, signed_on,
               claimed_by, geom)
        SELECT %(plan)s, l.code, l.name, l.unit_code, l.road, l.hectometre, l.owner,
               {_BORDER}, COALESCE(m.criteria, '{{}}'), m.motivation, m.prosecutor,
               m.signed_on, m.claimed_by, l.geom
          FROM location l LEFT JOIN location_motivation m ON m.location_id = l.id
         WHERE l.code = %(code)s
        ON CONFLICT (plan_id, location_code) DO NOTHING""", params).rowcount
    if not added:
        raise Conflict(f"location {code} is already in the {year} plan")
    conn.execute(f"""
        INSERT INTO plan_camera (plan_id, camera_id, location_code, bearing, inout, lane,
               mounting, lane_geom)
        SELECT %(plan)s, c.id, l.code, c.bearing, c.inout, c.lane, c.mounting, c.lane_geom
          FROM camera c JOIN location l ON l.id = c.location_id
         WHERE l.code = %(code)s AND c.mounting = 'fixed' AND {_ELIGIBLE}
        ON CONFLICT DO NOTHING""", params)
    _record(conn, actor, "plan_location", f"{year}/{code}", "create", None, {"location": code})
    return {"year": year, "location": code, "added": True}


def remove_location(conn: psycopg.Connection, year: int, code: str, *, actor: str) -> dict[str, Any]:
    """Take a location and its cameras out of a draft."""
    actor = _actor(actor)
    plan = _draft(conn, year)
    gone = conn.execute("DELETE FROM plan_location WHERE plan_id = %s AND location_code = %s",
                        (plan["id"], code)).rowcount
    if not gone:
        raise NotFound(f"location {code} is not in the {year} plan")
    cams = conn.execute("DELETE FROM plan_camera WHERE plan_id = %s AND location_code = %s",
                        (plan["id"], code)).rowcount
    _record(conn, actor, "plan_location", f"{year}/{code}", "delete", {"location": code}, None)
    return {"year": year, "location": code, "removed": True, "cameras_removed": cams}


def remove_camera(conn: psycopg.Connection, year: int, camera_id: str, *, actor: str) -> dict[str, Any]:
    actor = _actor(actor)
    plan = _draft(conn, year)
    if not conn.execute("DELETE FROM plan_camera WHERE plan_id = %s AND camera_id = %s",
                        (plan["id"], camera_id)).rowcount:
        raise NotFound(f"camera {camera_id} is not in the {year} plan")
    _record(conn, actor, "plan_camera", f"{year}/{camera_id}", "delete", {"camera": camera_id}, None)
    return {"year": year, "camera": camera_id, "removed": True}


def set_mobile(conn: psycopg.Connection, year: int, unit_code: str, kind: str, count: int, *,
               actor: str) -> dict[str, Any]:
    """Declare how many mobile cameras a unit may deploy at a kind of location."""
    actor = _actor(actor)
    plan = _draft(conn, year)
    if kind not in MOBILE_KINDS:
        raise BadInput(f"unknown kind of location {kind!r}; one of {', '.join(MOBILE_KINDS)}")
    if _one(conn, "SELECT 1 FROM unit WHERE code = %s", (unit_code,)) is None:
        raise BadInput(f"unknown unit {unit_code!r}")
    if not isinstance(count, int) or not 0 <= count <= 500:
        raise BadInput("count is a whole number from 0 to 500")
    conn.execute("""INSERT INTO plan_mobile (plan_id, unit_code, kind, count) VALUES (%s, %s, %s, %s)
                    ON CONFLICT (plan_id, unit_code, kind) DO UPDATE SET count = EXCLUDED.count""",
                 (plan["id"], unit_code, kind, count))
    _record(conn, actor, "plan_mobile", f"{year}/{unit_code}/{kind}", "update", None, {"count": count})
    return {"year": year, "unit": unit_code, "kind": kind, "count": count}


def ratify(conn: psycopg.Connection, year: int, *, chief: str, actor: str,
           at: datetime | None = None) -> dict[str, Any]:
    """Record the chief of police's ratification (bekrachtiging) of the draft."""
    actor = _actor(actor)
    if not chief or not chief.strip():
        raise BadInput("the ratifying chief of police (korpschef) is required")
    plan = _draft(conn, year)
    conn.execute("UPDATE camera_plan SET ratified_by = %s, ratified_at = %s WHERE id = %s",
                 (chief.strip(), at or clock.now(), plan["id"]))
    _record(conn, actor, "camera_plan", str(year), "ratify", None, {"ratified_by": chief.strip()})
    return summary(conn, year)


# -- validation and publication -----------------------------------------------------------------

def validate(conn: psycopg.Connection, year: int) -> list[dict[str, Any]]:
    """Every problem of the plan, errors first. Errors block publication; warnings do not."""
    plan = get_plan(conn, year)
    p = {"plan": plan["id"], "year": plan["year"]}
    problems: list[dict[str, Any]] = []

    def add(kind: str, severity: str, message: str, **where: Any) -> None:
        problems.append({"kind": kind, "severity": severity, "message": message, **where})

    if not plan["ratified_by"]:
        add("not_ratified", ERROR, "the plan is not ratified by the chief of police")
    # The signer must be listed among the prosecutors of the location's unit on the day
    # they signed (anpr.units): the name alone was free text, anyone's.
    locs = _rows(conn, f"""
        SELECT pl.location_code, pl.unit_code, pl.criteria, pl.motivation, pl.prosecutor,
               pl.signed_on, pl.border, pl.claimed_by,
               EXISTS (SELECT 1 FROM unit_prosecutor up
                        WHERE up.unit_code = pl.unit_code
                          AND {units.NORMALISE_SQL.format('up.name')}
                              = {units.NORMALISE_SQL.format('pl.prosecutor')}
                          AND (up.serves_from IS NULL OR up.serves_from <= pl.signed_on)
                          AND (up.serves_to IS NULL OR pl.signed_on <= up.serves_to)) AS listed
          FROM plan_location pl WHERE pl.plan_id = %(plan)s
         ORDER BY pl.location_code""", p)
    if not locs:
        add("empty_plan", ERROR, "the plan lists no locations")
    today = clock.local(clock.now()).date()
    for loc in locs:
        code = loc["location_code"]
        if not loc["criteria"]:
            add("missing_criteria", ERROR, f"{code}: no criterion of art. 3 lid 2 (a, b, c)",
                location=code)
        if not (loc["motivation"] or "").strip():
            add("missing_motivation", ERROR, f"{code}: no written motivation", location=code)
        if not (loc["prosecutor"] or "").strip() or loc["signed_on"] is None:
            add("missing_signature", ERROR, f"{code}: not signed by the unit's prosecutor",
                location=code)
        elif loc["signed_on"] > today:
            add("signature_in_future", ERROR, f"{code}: signed on {loc['signed_on']}, a day "
                "still to come: not signed yet", location=code)
        elif not loc["listed"]:
            add("wrong_prosecutor", ERROR, f"{code}: signed by {loc['prosecutor'].strip()}, who "
                f"is not listed as a prosecutor of unit {loc['unit_code']} on "
                f"{loc['signed_on']}", location=code, unit=loc["unit_code"])
        if loc["border"] and loc["claimed_by"] not in ("police", "kmar"):
            add("border_unclaimed", ERROR, f"{code}: border location claimed by neither police "
                "nor KMar", location=code)
    for row in _rows(conn, """
            SELECT pc.camera_id, pc.location_code, (c.id IS NULL) AS unknown
              FROM plan_camera pc
              LEFT JOIN plan_location pl ON pl.plan_id = pc.plan_id
                   AND pl.location_code = pc.location_code
              LEFT JOIN camera c ON c.id = pc.camera_id
             WHERE pc.plan_id = %(plan)s AND (pl.location_code IS NULL OR c.id IS NULL)
             ORDER BY pc.camera_id""", p):
        if row["unknown"]:
            add("unknown_camera", ERROR, f"camera {row['camera_id']} is not in the registry",
                camera=row["camera_id"])
        else:
            add("camera_without_location", ERROR, f"camera {row['camera_id']} has no location "
                "in the plan", camera=row["camera_id"])
    for row in _rows(conn, f"""
            SELECT l.code, array_agg(c.id ORDER BY c.id) AS cameras
              FROM location l JOIN camera c ON c.location_id = l.id
             WHERE {_BORDER} AND c.mounting = 'fixed' AND {_ELIGIBLE}
               AND NOT EXISTS (SELECT 1 FROM plan_camera pc WHERE pc.plan_id = %(plan)s
                                  AND pc.camera_id = c.id)
             GROUP BY l.code ORDER BY l.code""", p):
        add("border_unclaimed", ERROR, f"{row['code']}: border cameras in no claim of police or "
            f"KMar ({len(row['cameras'])} cameras not in the plan)", location=row["code"],
            cameras=row["cameras"])
    for row in _rows(conn, f"""
            SELECT c.id, l.code FROM camera c JOIN location l ON l.id = c.location_id
             WHERE c.mounting = 'fixed' AND {_ELIGIBLE} AND NOT {_BORDER}
               AND NOT EXISTS (SELECT 1 FROM plan_camera pc WHERE pc.plan_id = %(plan)s
                                  AND pc.camera_id = c.id)
             ORDER BY c.id""", p):
        add("camera_not_in_plan", WARNING, f"registry camera {row['id']} is in no plan for "
            f"{plan['year']}: it will not store passages", camera=row["id"], location=row["code"])
    for row in _rows(conn, f"""
            SELECT l.unit_code, count(*) AS n FROM camera c JOIN location l ON l.id = c.location_id
             WHERE c.mounting = 'mobile' AND {_ELIGIBLE}
             GROUP BY l.unit_code
            HAVING count(*) > COALESCE((SELECT sum(m.count) FROM plan_mobile m
                    WHERE m.plan_id = %(plan)s AND m.unit_code = l.unit_code), 0)
             ORDER BY l.unit_code""", p):
        add("mobile_not_declared", WARNING, f"unit {row['unit_code']} has {row['n']} mobile "
            "cameras but declares fewer in the plan", unit=row["unit_code"])
    problems.sort(key=lambda x: (x["severity"] != ERROR, x["kind"], x.get("location") or "",
                                 x.get("camera") or ""))
    return problems


def publish(conn: psycopg.Connection, year: int, *, actor: str,
            at: datetime | None = None) -> dict[str, Any]:
    """Publish the draft: refused while validation finds an error; frozen ever after."""
    actor = _actor(actor)
    plan = _draft(conn, year)
    errors = [p for p in validate(conn, year) if p["severity"] == ERROR]
    if errors:
        raise Conflict(f"the camera plan {year} has {len(errors)} problem(s) and cannot be "
                       "published", details={"problems": errors[:200], "count": len(errors)})
    conn.execute("UPDATE camera_plan SET state = 'published', published_at = %s, "
                 "published_by = %s WHERE id = %s", (at or clock.now(), actor, plan["id"]))
    _record(conn, actor, "camera_plan", str(year), "publish", None, {"state": "published"})
    log.info("camera plan %s published by %s", year, actor)
    return summary(conn, year)


# -- amendments --------------------------------------------------------------------------------

def add_amendment(conn: psycopg.Connection, year: int, camera_id: str, *, actor: str, kind: str,
                  criteria: Iterable[str] | str, motivation: str, prosecutor: str,
                  effective_from: date, effective_to: date | None = None,
                  at: datetime | None = None) -> dict[str, Any]:
    """Add a mobile camera to a published plan during the year (a recorded amendment).

    The plan itself does not change: the amendment is a new, append-only record that
    states who added which camera where, from when, on which ground and signature, and it
    must fit the number of mobile cameras the plan declared for that unit and kind. It
    cannot reach back before the day it is recorded (``at``, now unless loading history),
    so no passage refused earlier becomes lawful afterwards."""
    actor = _actor(actor)
    recorded_at = at or clock.now()
    plan = get_plan(conn, year)
    if plan["state"] != "published":
        raise Conflict(f"the {year} plan is still a draft: add the camera to the draft instead")
    crit = parse_criteria(criteria)
    if not crit:
        raise BadInput("an amendment needs at least one criterion (a, b or c)")
    if not (motivation or "").strip() or not (prosecutor or "").strip():
        raise BadInput("an amendment needs a written motivation and the signing prosecutor")
    if kind not in MOBILE_KINDS:
        raise BadInput(f"unknown kind of location {kind!r}; one of {', '.join(MOBILE_KINDS)}")
    if not (date(plan["year"], 1, 1) <= effective_from <= date(plan["year"], 12, 31)) or (
            effective_to is not None and not effective_from <= effective_to <= date(plan["year"], 12, 31)):
        raise BadInput(f"the amendment's period must lie within {year}")
    if effective_from < clock.local(recorded_at).date():
        raise BadInput("an amendment cannot take effect before the day it is recorded")
    cam = _one(conn, "SELECT c.id, c.mounting::text AS mounting, l.code, l.unit_code, l.geom, "
                     "l.name, l.road, l.hectometre, l.owner::text AS owner "
                     "FROM camera c JOIN location l ON l.id = c.location_id WHERE c.id = %s",
               (camera_id,))
    if cam is None:
        raise NotFound(f"there is no camera {camera_id} in the registry")
    if cam["mounting"] != "mobile":
        raise Conflict(f"camera {camera_id} is fixed: fixed cameras enter through next year's plan")
    # The amendment is signed the day it is recorded (the public layer dates it so), by a
    # prosecutor of the camera's unit, as a plan's locations are (anpr.units).
    signed_on = clock.local(recorded_at).date()
    if not units.serves(conn, cam["unit_code"], prosecutor, signed_on):
        raise BadInput(f"{prosecutor.strip()} is not listed as a prosecutor of unit "
                       f"{cam['unit_code']} on {signed_on}: an amendment is signed by the "
                       "unit's prosecutor")
    conn.execute("SELECT 1 FROM camera_plan WHERE id = %s FOR UPDATE", (plan["id"],))
    declared = _one(conn, "SELECT count FROM plan_mobile WHERE plan_id = %s AND unit_code = %s "
                          "AND kind = %s", (plan["id"], cam["unit_code"], kind))
    used = _one(conn, "SELECT count(*) AS n FROM plan_amendment WHERE plan_id = %s AND "
                      "unit_code = %s AND kind = %s", (plan["id"], cam["unit_code"], kind))["n"]
    if declared is None or used >= declared["count"]:
        raise Conflict(f"the {year} plan declares {declared['count'] if declared else 0} mobile "
                       f"camera(s) for unit {cam['unit_code']} at '{MOBILE_KINDS[kind]}'; "
                       f"{used} already deployed")
    # What the amendment publishes of its location is kept with it (as a plan's locations
    # are): renaming the location in the registry later does not change a published plan.
    row = _one(conn, """
        INSERT INTO plan_amendment (plan_id, camera_id, location_code, unit_code, kind, criteria,
               motivation, prosecutor, effective_from, effective_to, recorded_by, recorded_at, geom,
               name, road, hectometre, owner)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
        RETURNING id, recorded_at""",
               (plan["id"], camera_id, cam["code"], cam["unit_code"], kind, crit,
                motivation.strip(), prosecutor.strip(), effective_from, effective_to, actor,
                recorded_at, cam["geom"], cam["name"], cam["road"], cam["hectometre"],
                cam["owner"]))
    log.info("camera plan %s amended by %s: mobile camera %s", year, actor, camera_id)
    return {"id": row["id"], "year": plan["year"], "camera": camera_id, "location": cam["code"],
            "unit": cam["unit_code"], "kind": kind, "criteria": crit,
            "effective_from": effective_from, "effective_to": effective_to,
            "recorded_by": actor, "recorded_at": row["recorded_at"]}


def amendments(conn: psycopg.Connection, year: int) -> list[dict[str, Any]]:
    plan = get_plan(conn, year)
    return _rows(conn, "SELECT id, camera_id, location_code, unit_code, kind, criteria, motivation, "
                       "prosecutor, effective_from, effective_to, recorded_by, recorded_at, "
                       "ST_X(geom) AS lon, ST_Y(geom) AS lat FROM plan_amendment "
                       "WHERE plan_id = %s ORDER BY id", (plan["id"],))


# -- diff between years -------------------------------------------------------------------------

def diff(conn: psycopg.Connection, year_a: int, year_b: int) -> dict[str, Any]:
    """What changed from plan ``year_a`` to plan ``year_b``: locations and cameras added,
    removed, moved, and locations whose criteria or motivation changed."""
    a, b = get_plan(conn, year_a), get_plan(conn, year_b)
    p = {"a": a["id"], "b": b["id"], "moved": MOVED_M}
    loc_rows = _rows(conn, """
        SELECT COALESCE(x.location_code, y.location_code) AS code,
               COALESCE(y.unit_code, x.unit_code) AS unit_code, COALESCE(y.name, x.name) AS name,
               x.location_code IS NOT NULL AS in_a, y.location_code IS NOT NULL AS in_b,
               x.criteria AS criteria_a, y.criteria AS criteria_b,
               x.motivation AS motivation_a, y.motivation AS motivation_b,
               ST_Distance(x.geom::geography, y.geom::geography) AS moved_m,
               ST_X(COALESCE(y.geom, x.geom)) AS lon, ST_Y(COALESCE(y.geom, x.geom)) AS lat,
               ST_X(x.geom) AS lon_a, ST_Y(x.geom) AS lat_a
          FROM (SELECT * FROM plan_location WHERE plan_id = %(a)s) x
          FULL JOIN (SELECT * FROM plan_location WHERE plan_id = %(b)s) y
            ON x.location_code = y.location_code
         ORDER BY 1""", p)
    out: dict[str, Any] = {"from": a["year"], "to": b["year"], "locations_added": [],
                           "locations_removed": [], "locations_moved": [],
                           "criteria_changed": [], "cameras_added": [], "cameras_removed": [],
                           "cameras_moved": []}
    for r in loc_rows:
        base = {"code": r["code"], "unit": r["unit_code"], "name": r["name"],
                "lon": r["lon"], "lat": r["lat"]}
        if not r["in_a"]:
            out["locations_added"].append({**base, "criteria": r["criteria_b"]})
        elif not r["in_b"]:
            out["locations_removed"].append({**base, "criteria": r["criteria_a"]})
        else:
            if r["moved_m"] is not None and r["moved_m"] > MOVED_M:
                out["locations_moved"].append({**base, "moved_m": round(r["moved_m"], 1),
                                               "lon_from": r["lon_a"], "lat_from": r["lat_a"]})
            if sorted(r["criteria_a"]) != sorted(r["criteria_b"]) or \
                    (r["motivation_a"] or "") != (r["motivation_b"] or ""):
                out["criteria_changed"].append({**base, "criteria_from": r["criteria_a"],
                                                "criteria_to": r["criteria_b"],
                                                "motivation_from": r["motivation_a"],
                                                "motivation_to": r["motivation_b"]})
    for r in _rows(conn, """
        SELECT COALESCE(x.camera_id, y.camera_id) AS camera,
               COALESCE(y.location_code, x.location_code) AS location,
               x.camera_id IS NOT NULL AS in_a, y.camera_id IS NOT NULL AS in_b,
               CASE WHEN x.lane_geom IS NOT NULL AND y.lane_geom IS NOT NULL
                    THEN ST_HausdorffDistance(ST_Transform(x.lane_geom, 28992),
                                              ST_Transform(y.lane_geom, 28992)) END AS moved_m,
               x.location_code IS DISTINCT FROM y.location_code AS relocated
          FROM (SELECT * FROM plan_camera WHERE plan_id = %(a)s) x
          FULL JOIN (SELECT * FROM plan_camera WHERE plan_id = %(b)s) y ON x.camera_id = y.camera_id
         ORDER BY 1""", p):
        base = {"camera": r["camera"], "location": r["location"]}
        if not r["in_a"]:
            out["cameras_added"].append(base)
        elif not r["in_b"]:
            out["cameras_removed"].append(base)
        elif r["relocated"] or (r["moved_m"] is not None and r["moved_m"] > MOVED_M):
            out["cameras_moved"].append({**base, "moved_m": round(r["moved_m"] or 0.0, 1)})
    out["counts"] = {k: len(v) for k, v in out.items() if isinstance(v, list)}
    return out


# -- history -------------------------------------------------------------------------------------

def _record(conn: psycopg.Connection, actor: str, entity: str, key: str, action: str,
            before: Any, after: Any) -> None:
    """Append to the registry's change history (the plan workflow's edits are there too)."""
    conn.execute("INSERT INTO registry_change (at, actor, entity, entity_key, action, before, after) "
                 "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                 (clock.now(), actor, entity, key, action,
                  Jsonb(before, dumps=_dumps) if before is not None else None,
                  Jsonb(after, dumps=_dumps) if after is not None else None))


def _dumps(value: Any) -> str:
    import json

    return json.dumps(value, default=str, sort_keys=True)
