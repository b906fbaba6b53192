"""Q2 partial plate: ``?`` is one character, ``*`` any run (``AB??12``, ``YX*``, ``*12``).

Why no trigram index: a pattern with a fixed beginning is a range scan on the existing
``(plate, captured_at)`` btree (the plate column has collation C); a pattern with only
a fixed end is the same range scan on ``reverse(plate)`` (migration 0003). Both cost
intake about one btree each, far less than a GIN trigram index. Patterns with neither a
fixed beginning nor end (``*B12*``, ``??????``) would scan the whole store, which is
data mining rather than a search (R5): they need a camera selection, and then run on the
camera index.
"""
from __future__ import annotations

from typing import Any

import psycopg

from anpr.errors import BadInput
from gis.search import base
from gis.search.coverage import coverage
from gis.search.scope import Scope, Window


def _upper_bound(prefix: str) -> str:
    """The smallest string above every string starting with ``prefix`` (collation C)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def literal_ends(pattern: str) -> tuple[str, str]:
    """The fixed beginning and the fixed end of a pattern."""
    head = ""
    for ch in pattern:
        if ch in "?*":
            break
        head += ch
    tail = ""
    for ch in reversed(pattern):
        if ch in "?*":
            break
        tail = ch + tail
    return head, tail


def pattern_where(pattern: str, window: Window, cameras: tuple[str, ...] | None
                  ) -> tuple[base.Where, str]:
    """The conditions for a pattern and which access path they were built for."""
    like = pattern.replace("?", "_").replace("*", "%")
    where = base.Where()
    head, tail = literal_ends(pattern)
    if "?" not in pattern and "*" not in pattern:
        where.add("p.plate = %(plate)s", plate=pattern)
        path = "plate"
    elif head and len(head) >= len(tail):
        where.add("p.plate >= %(lo)s AND p.plate < %(hi)s AND p.plate LIKE %(like)s",
                  lo=head, hi=_upper_bound(head), like=like)
        path = "prefix"
    elif tail:
        rev = tail[::-1]
        where.add("reverse(p.plate) >= %(lo)s AND reverse(p.plate) < %(hi)s "
                  "AND p.plate LIKE %(like)s", lo=rev, hi=_upper_bound(rev), like=like)
        path = "suffix"
    else:
        if cameras is None:
            raise BadInput(f"pattern {pattern} has no fixed first or last character; it would "
                           "search every passage, so it needs a camera selection")
        if pattern != "*":
            where.add("p.plate LIKE %(like)s", like=like)
        path = "camera"
    return where.window(window).cameras(cameras), path


def _check(scope: Scope | None, pattern: str, window: Window,
           cameras: tuple[str, ...] | None) -> None:
    if scope is not None:
        scope.check(windows=[window], cameras=cameras, pattern=pattern,
                    cameras_given=cameras is not None or scope.cameras is not None)


def search_where(pattern: str, window: Window, *, cameras: tuple[str, ...] | None = None,
                 scope: Scope | None = None) -> base.Where:
    """The condition of a Q2 run, checked against the order's scope (R5) first."""
    _check(scope, pattern, window, cameras)
    return pattern_where(pattern, window, cameras)[0]


def partial_plate(conn: psycopg.Connection, pattern: str, window: Window, *,
                  cameras: tuple[str, ...] | None = None, scope: Scope | None = None,
                  limit: int = base.DEFAULT_PAGE, offset: int = 0) -> dict[str, Any]:
    _check(scope, pattern, window, cameras)
    where, path = pattern_where(pattern, window, cameras)
    out = base.result(conn, where, search="partial",
                      params={"pattern": pattern, "window": window.as_dict(),
                              "cameras": list(cameras) if cameras else None},
                      limit=limit, offset=offset, verification=True, order="plate",
                      page="hits" if path == "plate" else "key")
    out["access_path"] = path
    out["coverage"] = coverage(conn, cameras, window)
    return out


def partial_preview(conn: psycopg.Connection, pattern: str, window: Window, *,
                    cameras: tuple[str, ...] | None = None, scope: Scope | None = None
                    ) -> dict[str, Any]:
    _check(scope, pattern, window, cameras)
    where, path = pattern_where(pattern, window, cameras)
    return {**base.preview(conn, where, verification=True), "access_path": path}
