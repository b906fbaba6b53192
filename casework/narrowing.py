"""A confirmed request's scope narrowed to its written order (R4 with R5).

In urgency the order is verbal; the written order follows within 72 hours and may cover
less (one hour of the two, one location of three, one plate of two). The officer records
it as a correction of the scope. After confirmation a scope correction may only narrow:
every window inside one the order had, no location, camera or plate it did not name
(an area may be drawn anew: only the cameras the order already covered count), and an
order that named plates still names some. What the request's searches already hold
outside the narrowed scope is no longer held: its rows go, and with them what a page, a
package, a photo grid or an analyst's file would show of it; retention's hold on those
passages ends (R1), unless another row of the request still holds them.
"""
from __future__ import annotations

from typing import Any

import psycopg

from anpr.errors import Conflict
from gis.search.scope import OutsideScope, Scope, covered as within_windows, normalise_plate


def narrowed(conn: psycopg.Connection, request: dict[str, Any], new: dict[str, Any]
             ) -> dict[str, Any]:
    """``new`` (a cleaned scope) with its resolved cameras, if it narrows the request's
    frozen scope; else Conflict, naming what it would widen."""
    from casework.enquiries import resolve_scope_cameras

    old_raw = request["scope"]
    old = _scope(old_raw)
    covered = set(old_raw.get("resolved_cameras") or [])
    cams = set(resolve_scope_cameras(conn, new)) & covered
    wide = Scope.from_dict({**new, "cameras": sorted(cams),
                            "plates": new.get("plates") or None})
    problems = []
    for w in wide.windows:
        if not within_windows(w, old.windows):
            problems.append(f"the window {w.start.isoformat()} .. {w.end.isoformat()} "
                            "lies outside the order's windows")
    added = sorted(set(new.get("locations") or []) - set(old_raw.get("locations") or []))
    if added:
        problems.append("location(s) not in the order: " + ", ".join(added[:5]))
    outside = sorted(set(new.get("cameras") or []) - covered)
    if outside:
        problems.append("camera(s) not in the order: " + ", ".join(outside[:5]))
    if old.restricts_plates and not wide.restricts_plates:
        problems.append("every plate, where the order named plates")
    try:
        old.check_plates(sorted(wide.plates or ()))
        for p in wide.patterns:
            old.check_pattern(p)
    except OutsideScope as exc:
        problems.append(str(exc))
    if problems:
        raise Conflict("after confirmation the order's scope can only be narrowed (a "
                       "written order covering less than the verbal one); this correction "
                       "widens it: " + "; ".join(problems))
    if not cams:
        raise Conflict("the narrowed order covers none of the cameras the order covered; "
                       "reject the request if the written order covers nothing of the "
                       "verbal one")
    return {**new, "resolved_cameras": sorted(cams)}


def _scope(raw: dict[str, Any]) -> Scope:
    return Scope.from_dict({"windows": raw["windows"],
                            "cameras": raw.get("resolved_cameras") or [],
                            "plates": raw.get("plates") or None,
                            "patterns": raw.get("patterns") or []})


#: Every row the request's searches hold, with what decides whether the narrowed scope
#: still covers it: the camera, the time, and the plate the row is about (its question,
#: else its read, live or the request's secured copy; a convoy's or route's own plate).
_HELD_SQL = """
SELECT er.enquiry_id, er.passage_id, er.captured_at, er.camera_id, er.ordered_plate,
       e.kind, e.parameters->>'plate' AS target, c.plate AS read
  FROM enquiry e
  JOIN request r ON r.id = e.request_id
  JOIN enquiry_result er ON er.enquiry_id = e.id
  CROSS JOIN LATERAL jj126.case_passage_at(er.camera_id, er.captured_at, er.passage_id,
                                           r.reference) c
 WHERE e.request_id = %s"""


def drop_outside(conn: psycopg.Connection, request: dict[str, Any], scope: dict[str, Any]
                 ) -> int:
    """Drop the request's held rows that ``scope`` (narrowed) no longer covers; end
    retention's hold on passages no row of the request holds any more. Returns how many
    passages are no longer held."""
    new = _scope(scope)
    rows = conn.execute(_HELD_SQL, (request["id"],)).fetchall()
    drop, keep = [], set()
    for r in rows:
        key = (r["passage_id"], r["captured_at"])
        if _covers(new, r):
            keep.add(key)
        else:
            drop.append((r["enquiry_id"], *key, r["ordered_plate"]))
    if not drop:
        return 0
    conn.execute("""
        DELETE FROM enquiry_result er
         USING unnest(%s::int[], %s::bigint[], %s::timestamptz[], %s::text[])
               AS d(enquiry_id, passage_id, captured_at, ordered_plate)
         WHERE er.enquiry_id = d.enquiry_id AND er.passage_id = d.passage_id
           AND er.captured_at = d.captured_at AND er.ordered_plate = d.ordered_plate""",
                 [list(c) for c in zip(*drop)])
    gone = sorted({(pid, at) for _, pid, at, _ in drop} - keep)
    if gone:
        from ingest.retention import release_passages

        release_passages(conn, request["reference"], gone)
    return len(gone)


def _covers(scope: Scope, row: dict[str, Any]) -> bool:
    at = row["captured_at"]
    if scope.cameras is not None and row["camera_id"] not in scope.cameras:
        return False
    if not any(w.start <= at < w.end for w in scope.windows):  # as the searches read them
        return False
    if not scope.restricts_plates:
        return True
    if row["kind"] in ("convoy", "route"):
        plate = normalise_plate(row["target"]) if row["target"] else None
    else:
        plate = row["ordered_plate"] or row["read"]
    try:
        scope.check_plates([plate] if plate else [""])
    except OutsideScope:
        return False
    return True
