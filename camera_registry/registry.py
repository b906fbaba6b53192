"""Editing the camera registry, every change versioned (who, when, before, after).

Why a history table and not only ``updated_at``: a search result names cameras and
locations; an officer (or a court) may need to know where a camera stood and which way it
looked on the day of a passage, and who changed that. ``registry_change`` is append-only
(a trigger refuses UPDATE and DELETE).

One naming scheme everywhere (the report's officers met different names in Argus and
Falcon-i): a location code is ``UNIT-ROAD-SEQ`` (``AM-A10-003``) whose unit prefix is the
location's unit; a camera id is ``LOCATION-R|L<lane>`` (``AM-A10-003-R2``), R for the
carriageway in segment direction. Anything else is refused.

Domain code: a connection and plain values in, plain dicts out; the caller commits.
"""
from __future__ import annotations

import json
import math
import re
from datetime import date, datetime
from typing import Any

import psycopg
import shapely
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg.types.range import Range
from shapely.geometry import LineString, Polygon

from anpr import clock
from anpr.errors import BadInput, Conflict, NotFound
from gis.geometry import Limits, _check_coordinates

# '\Z', not '$': '$' also matches before a final newline
LOCATION_CODE = re.compile(r"^(?P<unit>[A-Z]{2})-(?P<road>[A-Z]{1,3}[0-9]{1,4}[a-z]?)-(?P<seq>[0-9]{3})\Z")
CAMERA_ID = re.compile(r"^(?P<loc>.+)-(?P<side>[RL])(?P<lane>[0-9]{1,2})\Z")
OWNERS = ("police", "kmar", "cjib", "municipality", "commercial")
STATUSES = ("active", "defect", "roadworks", "retired")
MAX_FRAME = 8192

LOCATION_FIELDS = ("code", "name", "unit_code", "road", "hectometre", "owner", "mounting")
CAMERA_FIELDS = ("id", "location_code", "bearing", "inout", "segment_direction", "lane",
                 "mounting", "facing", "status", "active_from", "active_to")


def _rows(conn: psycopg.Connection, sql: str, params: Any = None) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(sql, params)
        return cur.fetchall() if cur.description else []


def _actor(actor: str | None) -> str:
    if not actor or not str(actor).strip():
        raise BadInput("the acting user is required for every registry change")
    return str(actor).strip()


def record(conn: psycopg.Connection, actor: str, entity: str, key: str, action: str,
           before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    """Append one change to the history."""
    dumps = lambda v: json.dumps(v, default=str, sort_keys=True)  # noqa: E731
    conn.execute("INSERT INTO registry_change (at, actor, entity, entity_key, action, before, after)"
                 " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                 (clock.now(), actor, entity, key, action,
                  None if before is None else Jsonb(before, dumps=dumps),
                  None if after is None else Jsonb(after, dumps=dumps)))


def history(conn: psycopg.Connection, entity: str | None = None, key: str | None = None,
            limit: int = 200) -> list[dict[str, Any]]:
    """Changes, newest first; for a location its cameras' and masks' changes too."""
    return _rows(conn, """
        SELECT id, at, actor, entity, entity_key, action, before, after FROM registry_change
         WHERE (%(entity)s::text IS NULL OR entity = %(entity)s)
           AND (%(key)s::text IS NULL OR entity_key = %(key)s OR entity_key LIKE %(prefix)s)
         ORDER BY id DESC LIMIT %(limit)s""",
                 {"entity": entity, "key": key, "prefix": f"{key}-%" if key else None,
                  "limit": max(1, min(int(limit), 5000))})


# -- locations -----------------------------------------------------------------------------

def location_state(conn: psycopg.Connection, code: str) -> dict[str, Any]:
    rows = _rows(conn, "SELECT id, code, name, unit_code, road, hectometre::float AS hectometre, "
                       "owner::text AS owner, mounting::text AS mounting, "
                       "round(ST_X(geom)::numeric, 7)::float AS lon, "
                       "round(ST_Y(geom)::numeric, 7)::float AS lat FROM location WHERE code = %s",
                 (code,))
    if not rows:
        raise NotFound(f"there is no location {code}")
    return rows[0]


def check_point(lon: Any, lat: Any) -> tuple[float, float]:
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        raise BadInput("lon and lat must be numbers (WGS84 degrees)") from None
    _check_coordinates(shapely.Point(x, y), Limits())
    return x, y


def check_location_code(code: Any, unit_code: str) -> str:
    m = LOCATION_CODE.match(str(code or ""))
    if not m:
        raise BadInput(f"location code {code!r} does not follow the naming scheme UNIT-ROAD-SEQ "
                       "(e.g. AM-A10-003)")
    if m["unit"] != unit_code:
        raise BadInput(f"location code {code} does not start with its unit {unit_code}")
    return str(code)


def check_hectometre(value: Any) -> None:
    """A hectometre post as the road signs number them (the column holds 0-99999.9)."""
    if value is not None and not 0 <= float(value) < 100000:
        raise BadInput("hectometre is the road's hectometre post, from 0 to 99999.9")


def _unit(conn: psycopg.Connection, unit_code: Any) -> str:
    if not _rows(conn, "SELECT 1 FROM unit WHERE code = %s", (str(unit_code or ""),)):
        raise BadInput(f"unknown unit {unit_code!r}")
    return str(unit_code)


def create_location(conn: psycopg.Connection, *, actor: str, code: str, name: str, unit_code: str,
                    lon: float, lat: float, road: str | None = None,
                    hectometre: float | None = None, owner: str = "police",
                    mounting: str = "fixed") -> dict[str, Any]:
    actor = _actor(actor)
    unit_code = _unit(conn, unit_code)
    code = check_location_code(code, unit_code)
    x, y = check_point(lon, lat)
    check_hectometre(hectometre)
    if owner not in OWNERS:
        raise BadInput(f"unknown owner {owner!r}; one of {', '.join(OWNERS)}")
    if mounting not in ("fixed", "mobile"):
        raise BadInput("mounting is fixed or mobile")
    if not (name or "").strip():
        raise BadInput("a location needs a name")
    added = conn.execute(
        "INSERT INTO location (code, name, unit_code, road, hectometre, owner, mounting, geom) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) "
        "ON CONFLICT (code) DO NOTHING", (code, name.strip(), unit_code, road, hectometre, owner,
                                          mounting, x, y)).rowcount
    if not added:
        raise Conflict(f"location {code} already exists")
    after = location_state(conn, code)
    record(conn, actor, "location", code, "create", None, after)
    return after


def update_location(conn: psycopg.Connection, code: str, *, actor: str, move_lanes: bool = False,
                    **changes: Any) -> dict[str, Any]:
    """Change a location's name, road, hectometre, owner or place (lon/lat: a move).

    With ``move_lanes`` a move carries the cameras' lane lines along by the same shift (in
    degrees: a location moves metres, not kilometres), each recorded as a camera change;
    moving back with ``move_lanes`` puts them back where they were (the editor's undo)."""
    actor = _actor(actor)
    allowed = {"name", "road", "hectometre", "owner", "lon", "lat"}
    unknown = set(changes) - allowed
    if unknown:
        raise BadInput(f"cannot change {', '.join(sorted(unknown))} of a location")
    before = location_state(conn, code)
    new = {**before, **{k: v for k, v in changes.items() if v is not None}}
    x, y = check_point(new["lon"], new["lat"])
    check_hectometre(new["hectometre"])
    if new["owner"] not in OWNERS:
        raise BadInput(f"unknown owner {new['owner']!r}; one of {', '.join(OWNERS)}")
    if not str(new["name"] or "").strip():
        raise BadInput("a location needs a name")
    conn.execute("UPDATE location SET name = %s, road = %s, hectometre = %s, owner = %s, "
                 "geom = ST_SetSRID(ST_MakePoint(%s, %s), 4326) WHERE code = %s",
                 (str(new["name"]).strip(), new["road"], new["hectometre"], new["owner"], x, y, code))
    after = location_state(conn, code)
    record(conn, actor, "location", code, "update", before, after)
    dx, dy = after["lon"] - before["lon"], after["lat"] - before["lat"]
    if move_lanes and (dx or dy):
        after["lanes_moved"] = _shift_lanes(conn, actor, before["id"], dx, dy)
    if dx or dy:
        outside = _outside_published_plans(conn, code)
        if outside:
            after["outside_published_plans"] = outside
    return after


def _outside_published_plans(conn: psycopg.Connection, code: str) -> list[int]:
    """The published plans of this year and later that name this location at a place it
    has now moved away from (further than ``gis.geometry.SAME_PLACE_M``): there its cameras
    are no longer the plan's and store nothing (R9). The editor is told at once."""
    from anpr import clock
    from gis.geometry import SAME_PLACE_M

    return [r["year"] for r in _rows(conn, """
        SELECT p.year FROM camera_plan p
          JOIN plan_location pl ON pl.plan_id = p.id AND pl.location_code = %(code)s
          JOIN location l ON l.code = %(code)s
         WHERE p.state = 'published' AND p.year >= %(year)s
           AND NOT ST_DWithin(l.geom::geography, pl.geom::geography, %(moved)s)
         ORDER BY p.year""", {"code": code, "year": clock.local(clock.now()).year,
                              "moved": SAME_PLACE_M})]


def _shift_lanes(conn: psycopg.Connection, actor: str, location_id: int, dx: float,
                 dy: float) -> list[str]:
    """Shift the lane lines of a location's cameras by (dx, dy) degrees; who and when kept."""
    ids = [r["id"] for r in _rows(conn, "SELECT id FROM camera WHERE location_id = %s AND "
                                        "lane_geom IS NOT NULL ORDER BY id", (location_id,))]
    for cid in ids:
        before = camera_state(conn, cid)
        moved = json.loads(_rows(conn, "SELECT ST_AsGeoJSON(ST_Translate(lane_geom, %s, %s)) AS g "
                                       "FROM camera WHERE id = %s", (dx, dy, cid))[0]["g"])
        lane = check_lane(moved)  # a shifted lane must still lie inside the Netherlands
        conn.execute("UPDATE camera SET lane_geom = ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326) "
                     "WHERE id = %s", (lane, cid))
        record(conn, actor, "camera", cid, "update", before, camera_state(conn, cid))
    return ids


# -- cameras ---------------------------------------------------------------------------------

def camera_state(conn: psycopg.Connection, camera_id: str) -> dict[str, Any]:
    rows = _rows(conn, """
        SELECT c.id, l.code AS location_code, c.bearing::float AS bearing, c.inout::text AS inout,
               c.segment_direction, c.lane, c.mounting::text AS mounting, c.facing::text AS facing,
               c.status::text AS status, c.active_from, c.active_to,
               ST_AsGeoJSON(c.lane_geom, 7)::json AS lane_geom
          FROM camera c JOIN location l ON l.id = c.location_id WHERE c.id = %s""", (camera_id,))
    if not rows:
        raise NotFound(f"there is no camera {camera_id}")
    return rows[0]


def check_lane(coords: Any) -> str | None:
    """A lane drawn on the map: a WGS84 LineString inside the Netherlands, as GeoJSON text."""
    if coords is None:
        return None
    try:
        line = LineString(coords["coordinates"] if isinstance(coords, dict) else coords)
    except (TypeError, ValueError, KeyError, shapely.errors.ShapelyError):
        raise BadInput("a lane is a line of at least two [lon, lat] points") from None
    _check_coordinates(line, Limits(max_vertices=500))
    if line.length == 0:
        raise BadInput("a lane must have length")
    return shapely.to_geojson(line)


def bearing_of(lane_geojson: str) -> float:
    """Initial great-circle bearing from a lane's first to its last point: the direction of
    travel (the same formula as the editor's, so a drawn lane gives the same number)."""
    coords = json.loads(lane_geojson)["coordinates"]
    (lon1, lat1), (lon2, lat2) = coords[0][:2], coords[-1][:2]
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return round(math.degrees(math.atan2(y, x)) % 360.0, 1) % 360.0


#: How far a drawn lane's direction may differ from the camera's bearing (degrees): a lane
#: follows the road's curve, the bearing is the direction at the camera.
BEARING_TOLERANCE = 45.0
#: How far a camera's lane may lie from its location (metres): a gantry's lanes lie metres
#: from its point; a lane hundreds of metres away stayed behind when the location moved.
LANE_REACH_M = 250.0


def angle_between(a: float, b: float) -> float:
    """The smaller angle between two bearings, 0-180 degrees."""
    return abs((float(a) - float(b) + 180.0) % 360.0 - 180.0)


def activation_problems(conn: psycopg.Connection, camera_id: str) -> list[str]:
    """Why ``camera_id`` cannot become active (empty when it can), in words for the editor.

    An active camera's passages are read by their direction of travel and shown on its
    lane, so the two must agree: the bearing is required (the schema holds one), and a
    drawn lane must run the way the bearing says and lie at the camera's location."""
    rows = _rows(conn, """
        SELECT c.id, c.bearing::float AS bearing, l.code,
               ST_AsGeoJSON(c.lane_geom) AS lane,
               ST_Distance(c.lane_geom::geography, l.geom::geography) AS distance_m
          FROM camera c JOIN location l ON l.id = c.location_id WHERE c.id = %s""",
                 (camera_id,))
    if not rows:
        raise NotFound(f"there is no camera {camera_id}")
    cam, problems = rows[0], []
    if cam["lane"] is None:
        if cam["bearing"] is None:
            problems.append("it has neither a lane nor a bearing: draw its lane in the "
                            "direction of travel or state its bearing")
        return problems
    drawn = bearing_of(cam["lane"])
    if angle_between(drawn, cam["bearing"]) > BEARING_TOLERANCE:
        problems.append(f"its lane is drawn towards {drawn:.0f} degrees but its bearing is "
                        f"{cam['bearing']:.0f} degrees: redraw the lane in the direction of "
                        "travel or correct the bearing")
    if cam["distance_m"] > LANE_REACH_M:
        problems.append(f"its lane lies {cam['distance_m']:.0f} m from location {cam['code']} "
                        f"(at most {LANE_REACH_M:.0f} m): move the lanes with the location or "
                        "redraw the lane")
    return problems


def check_can_be_active(conn: psycopg.Connection, camera_id: str, error: type = Conflict) -> None:
    problems = activation_problems(conn, camera_id)
    if problems:
        raise error(f"camera {camera_id} cannot become active: " + "; ".join(problems))


def create_camera(conn: psycopg.Connection, *, actor: str, id: str, location_code: str,
                  bearing: float | None, inout: str, lane: int, active_from: date,
                  lane_geom: Any = None, mounting: str = "fixed", facing: str = "front",
                  segment_direction: int | None = None) -> dict[str, Any]:
    """A new camera, active from ``active_from``.

    An active camera's passages are read by their direction of travel, so a camera needs a
    drawn lane or a stated bearing before it exists at all: with neither it is refused
    rather than started at an invented bearing of 0. A lane without a bearing gives the
    bearing from its drawing."""
    actor = _actor(actor)
    lane_text = check_lane(lane_geom)
    if bearing is None:
        if lane_text is None:
            raise BadInput("a camera needs a lane (lane_geom) or a bearing before it can become "
                           "active")
        bearing = bearing_of(lane_text)
    loc = location_state(conn, location_code)
    m = CAMERA_ID.match(str(id or ""))
    if not m or m["loc"] != location_code or int(m["lane"]) != lane:
        raise BadInput(f"camera id {id!r} does not follow the naming scheme "
                       f"{location_code}-R{lane} or {location_code}-L{lane}")
    direction = 1 if m["side"] == "R" else -1
    if segment_direction is not None and segment_direction != direction:
        raise BadInput("R cameras watch the segment direction (+1), L cameras the other (-1)")
    _check_camera_values(bearing, inout, lane, mounting, facing)
    added = conn.execute(
        "INSERT INTO camera (id, location_id, bearing, inout, segment_direction, lane, lane_geom, "
        "mounting, facing, status, active_from) VALUES (%s, %s, %s, %s, %s, %s, "
        "ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326), %s, %s, 'active', %s) ON CONFLICT (id) DO NOTHING",
        (id, loc["id"], float(bearing) % 360.0, inout, direction, lane, lane_text,
         mounting, facing, active_from)).rowcount
    if not added:
        raise Conflict(f"camera {id} already exists")
    check_can_be_active(conn, id, BadInput)  # it starts active: lane and bearing must agree
    after = camera_state(conn, id)
    record(conn, actor, "camera", id, "create", None, after)
    return after


def _check_camera_values(bearing: Any, inout: Any, lane: Any, mounting: Any, facing: Any) -> None:
    try:
        b = float(bearing)
    except (TypeError, ValueError):
        raise BadInput("bearing is the direction of travel in degrees (0-360)") from None
    if not 0 <= b < 360:
        raise BadInput("bearing is the direction of travel in degrees (0-360)")
    if inout not in ("in", "out"):
        raise BadInput("inout is 'in' or 'out'")
    if not isinstance(lane, int) or not 1 <= lane <= 12:
        raise BadInput("lane is a whole number from 1 to 12")
    if mounting not in ("fixed", "mobile") or facing not in ("front", "rear"):
        raise BadInput("mounting is fixed or mobile; facing is front or rear")


def update_camera(conn: psycopg.Connection, camera_id: str, *, actor: str,
                  **changes: Any) -> dict[str, Any]:
    """Set a camera's direction (bearing, inout), facing, lane line or active period.

    A lane drawn anew without a bearing gives the bearing from its drawing (as at
    creation), so a redrawn lane cannot leave the old direction behind."""
    actor = _actor(actor)
    allowed = {"bearing", "inout", "facing", "lane_geom", "active_from", "active_to"}
    unknown = set(changes) - allowed
    if unknown:
        raise BadInput(f"cannot change {', '.join(sorted(unknown))} of a camera")
    before = camera_state(conn, camera_id)
    lane = check_lane(changes["lane_geom"]) if changes.get("lane_geom") is not None else None
    if lane is not None and changes.get("bearing") is None:
        changes["bearing"] = bearing_of(lane)
    new = {**before, **{k: v for k, v in changes.items() if v is not None}}
    _check_camera_values(new["bearing"], new["inout"], new["lane"], new["mounting"], new["facing"])
    if new["active_to"] is not None and new["active_to"] < new["active_from"]:
        raise BadInput("active_to lies before active_from")
    conn.execute("UPDATE camera SET bearing = %s, inout = %s, facing = %s, active_from = %s, "
                 "active_to = %s, lane_geom = COALESCE(ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326), "
                 "lane_geom) WHERE id = %s",
                 (float(new["bearing"]) % 360.0, new["inout"], new["facing"], new["active_from"],
                  new["active_to"], lane, camera_id))
    after = camera_state(conn, camera_id)
    record(conn, actor, "camera", camera_id, "update", before, after)
    return after


def set_status(conn: psycopg.Connection, camera_id: str, *, actor: str, status: str,
               start: datetime, end: datetime | None = None, note: str | None = None) -> dict[str, Any]:
    """Record a status period (defect, roadworks, ...); the current status follows it.

    A period of "active" is refused (409) while the camera's lane and bearing disagree or
    its lane lies away from its location (:func:`activation_problems`)."""
    actor = _actor(actor)
    if status not in STATUSES:
        raise BadInput(f"unknown status {status!r}; one of {', '.join(STATUSES)}")
    if start.tzinfo is None or (end is not None and end.tzinfo is None):
        raise BadInput("give status times with an explicit UTC offset")
    if end is not None and end <= start:
        raise BadInput("a status period must end after it starts")
    before = camera_state(conn, camera_id)
    if status == "active":
        check_can_be_active(conn, camera_id)
    pid = _rows(conn, "INSERT INTO camera_status_period (camera_id, status, during, note) "
                      "VALUES (%s, %s, %s, %s) RETURNING id",
                (camera_id, status, Range(start, end, "[)"), note))[0]["id"]
    now = clock.now()
    if start <= now and (end is None or now < end):
        conn.execute("UPDATE camera SET status = %s WHERE id = %s", (status, camera_id))
    after = {**camera_state(conn, camera_id), "period": {"id": pid, "status": status,
                                                         "start": start, "end": end, "note": note}}
    record(conn, actor, "camera", camera_id, "status", before, after)
    return after


def status_periods(conn: psycopg.Connection, camera_id: str) -> list[dict[str, Any]]:
    camera_state(conn, camera_id)
    return _rows(conn, "SELECT id, status::text AS status, lower(during) AS start, "
                       "upper(during) AS \"end\", note FROM camera_status_period "
                       "WHERE camera_id = %s ORDER BY lower(during)", (camera_id,))


# -- privacy masks ---------------------------------------------------------------------------

def add_privacy_mask(conn: psycopg.Connection, camera_id: str, *, actor: str, polygon: Any,
                     frame_width: int, frame_height: int, label: str | None = None) -> dict[str, Any]:
    """A mask drawn on the camera's reference frame, in pixel coordinates (x right, y down).

    R8: homes and other non-public places are masked before any photo is kept, so a mask
    must be a valid polygon lying wholly inside the frame; anything else is refused."""
    actor = _actor(actor)
    camera_state(conn, camera_id)
    if not all(isinstance(v, int) and 0 < v <= MAX_FRAME for v in (frame_width, frame_height)):
        raise BadInput(f"frame width and height are whole pixels from 1 to {MAX_FRAME}")
    try:
        ring = polygon["coordinates"][0] if isinstance(polygon, dict) else polygon
        poly = Polygon(ring)
    except (TypeError, ValueError, KeyError, IndexError, shapely.errors.ShapelyError):
        raise BadInput("a privacy mask is a polygon of at least three [x, y] pixel points") from None
    if poly.is_empty or not poly.is_valid or poly.area == 0:
        raise BadInput("the privacy mask is not a valid polygon (does it cross itself?)")
    if not Polygon([(0, 0), (frame_width, 0), (frame_width, frame_height), (0, frame_height)]
                   ).covers(poly):
        raise BadInput(f"the privacy mask lies (partly) outside the {frame_width}x{frame_height} "
                       "frame")
    mid = _rows(conn, "INSERT INTO privacy_mask (camera_id, label, frame_width, frame_height, geom) "
                      "VALUES (%s, %s, %s, %s, ST_GeomFromText(%s)) RETURNING id",
                (camera_id, label, frame_width, frame_height, poly.wkt))[0]["id"]
    after = {"id": mid, "camera_id": camera_id, "label": label, "frame_width": frame_width,
             "frame_height": frame_height, "polygon": [list(c) for c in poly.exterior.coords]}
    record(conn, actor, "privacy_mask", f"{camera_id}-mask{mid}", "create", None, after)
    return after


def privacy_masks(conn: psycopg.Connection, camera_id: str) -> list[dict[str, Any]]:
    camera_state(conn, camera_id)
    rows = _rows(conn, "SELECT id, label, frame_width, frame_height, "
                       "ST_AsGeoJSON(geom)::json AS geom FROM privacy_mask WHERE camera_id = %s "
                       "ORDER BY id", (camera_id,))
    return [{**{k: v for k, v in r.items() if k != "geom"},
             "polygon": r["geom"]["coordinates"][0]} for r in rows]


def delete_privacy_mask(conn: psycopg.Connection, camera_id: str, mask_id: int, *,
                        actor: str) -> dict[str, Any]:
    actor = _actor(actor)
    before = [m for m in privacy_masks(conn, camera_id) if m["id"] == mask_id]
    if not before:
        raise NotFound(f"camera {camera_id} has no privacy mask {mask_id}")
    conn.execute("DELETE FROM privacy_mask WHERE id = %s", (mask_id,))
    record(conn, actor, "privacy_mask", f"{camera_id}-mask{mask_id}", "delete", before[0], None)
    return {"deleted": mask_id}
