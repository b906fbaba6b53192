"""Q1 plate history: every passage of one or more full plates in a window.

Served by the ``(plate, captured_at)`` index on each day partition the window touches.
Plate reads must be verified before provision (R7), so previews count that work. With
``misreads`` (the option "including probable misreads", ``gis.search.misreads``) the
passages whose read or a candidate read equals an ordered plate up to OCR confusions
are found too, exact reads first, each row marked with how it matched; the order's
scope is checked against the ordered plates only (R5).
"""
from __future__ import annotations

from typing import Any

import psycopg

from gis.search import base
from gis.search.coverage import coverage
from gis.search.misreads import Matcher, learned
from gis.search.scope import Scope, Window


def plate_where(conn: psycopg.Connection, plates: tuple[str, ...], window: Window,
                cameras: tuple[str, ...] | None, *, misreads: bool = False,
                matcher: Matcher | None = None) -> base.Where:
    """The condition of Q1; with ``misreads`` the passages its matcher looks up (learned
    from the officers' verdicts on ``conn``, so held results are what the search found)."""
    if misreads:
        matcher = matcher or Matcher.of(plates, learned(conn, plates))
        return (base.Where().from_source(matcher.source_sql(), **matcher.params(conn))
                .window(window).cameras(cameras))
    return (base.Where().add("p.plate = ANY(%(plates)s::text[])", plates=list(plates))
            .window(window).cameras(cameras))


def search_where(conn: psycopg.Connection, plates: tuple[str, ...], window: Window, *,
                 cameras: tuple[str, ...] | None = None, scope: Scope | None = None,
                 misreads: bool = False) -> base.Where:
    """The condition of a Q1 run, checked against the order's scope (R5) first: what a
    request's run holds (``casework.enquiries``) in one statement."""
    if scope is not None:
        scope.check(windows=[window], cameras=cameras, plates=plates,
                    cameras_given=cameras is not None or scope.cameras is not None)
    return plate_where(conn, plates, window, cameras, misreads=misreads)


def plate_history(conn: psycopg.Connection, plates: tuple[str, ...], window: Window, *,
                  cameras: tuple[str, ...] | None = None, scope: Scope | None = None,
                  limit: int = base.DEFAULT_PAGE, offset: int = 0,
                  misreads: bool = False) -> dict[str, Any]:
    """Passages of ``plates`` (normalised) in ``window``, optionally at ``cameras`` only."""
    if scope is not None:
        scope.check(windows=[window], cameras=cameras, plates=plates,
                    cameras_given=cameras is not None or scope.cameras is not None)
    # The plates looked up use what officers' verdicts taught (gis.search.misreads).
    matcher = Matcher.of(plates, learned(conn, plates)) if misreads else None
    where = plate_where(conn, plates, window, cameras, misreads=misreads, matcher=matcher)
    params = {"plates": list(plates), "window": window.as_dict(),
              "cameras": list(cameras) if cameras else None}
    if matcher is not None:
        params["misreads"] = True
        out = base.result(conn, where, search="plate", params=params, limit=limit,
                          offset=offset, verification=True, page="misread", order="misread",
                          matcher=matcher)
        out["misread_plates"] = len(matcher.variants)
    else:
        out = base.result(conn, where, search="plate", params=params, limit=limit,
                          offset=offset, verification=True, page="hits")
    out["coverage"] = coverage(conn, cameras, window)
    return out


def plate_preview(conn: psycopg.Connection, plates: tuple[str, ...], window: Window, *,
                  cameras: tuple[str, ...] | None = None, scope: Scope | None = None,
                  misreads: bool = False) -> dict[str, Any]:
    if scope is not None:
        scope.check(windows=[window], cameras=cameras, plates=plates,
                    cameras_given=cameras is not None or scope.cameras is not None)
    matcher = Matcher.of(plates, learned(conn, plates)) if misreads else None
    return base.preview(conn, plate_where(conn, plates, window, cameras, misreads=misreads,
                                          matcher=matcher), verification=True)
