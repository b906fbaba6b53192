"""Which cameras may store 126jj passages at a given moment (R9).

Only cameras in the published camera plan of the capture date's year may store
passages: the plan's fixed cameras from its publication on, and mobile cameras added by
an amendment during their amendment's period. The year and the day are taken in
Europe/Amsterdam, the plan's legal calendar. A camera retired or outside its active
period in the registry stores nothing either. Intake asks this module, never the tables
directly, so the rule lives in one place.

A camera stores only where the plan put it: at the location the plan names for it, no
further than :data:`gis.geometry.SAME_PLACE_M` from where the plan recorded that location. A camera
moved to another location in the registry, or a location moved elsewhere, is not the
published plan's camera any more (the plan never changes): it stores nothing until next
year's plan or an amendment names it there.
"""
from __future__ import annotations

from datetime import datetime

import psycopg

from anpr import clock
from gis.geometry import SAME_PLACE_M

MEMBERSHIP_SQL = """
SELECT pc.camera_id AS id
  FROM camera_plan p
  JOIN plan_camera pc ON pc.plan_id = p.id
  JOIN plan_location pl ON pl.plan_id = p.id AND pl.location_code = pc.location_code
  JOIN camera c ON c.id = pc.camera_id
  JOIN location l ON l.id = c.location_id
 WHERE p.year = %(year)s AND p.state = 'published' AND p.published_at <= %(at)s
   AND c.status <> 'retired' AND c.active_from <= %(day)s
   AND (c.active_to IS NULL OR c.active_to >= %(day)s)
   AND l.code = pc.location_code
   AND ST_DWithin(l.geom::geography, pl.geom::geography, %(moved)s)
UNION
SELECT a.camera_id
  FROM camera_plan p
  JOIN plan_amendment a ON a.plan_id = p.id
  JOIN camera c ON c.id = a.camera_id
  JOIN location l ON l.id = c.location_id
 WHERE p.year = %(year)s AND p.state = 'published'
   AND a.effective_from <= %(day)s AND (a.effective_to IS NULL OR a.effective_to >= %(day)s)
   AND a.recorded_at <= %(at)s
   AND c.status <> 'retired' AND c.active_from <= %(day)s
   AND (c.active_to IS NULL OR c.active_to >= %(day)s)
   AND l.code = a.location_code
   AND ST_DWithin(l.geom::geography, a.geom::geography, %(moved)s)
"""


def cameras_in_plan(conn: psycopg.Connection, at: datetime) -> set[str]:
    """Ids of the cameras allowed to store a passage captured at ``at`` (timezone-aware)."""
    if at.tzinfo is None:
        raise ValueError("naive datetimes are not allowed; give an explicit UTC offset")
    day = clock.local(at).date()
    rows = conn.execute(MEMBERSHIP_SQL, {"year": day.year, "day": day, "at": at,
                                         "moved": SAME_PLACE_M}).fetchall()
    return {r["id"] if isinstance(r, dict) else r[0] for r in rows}
