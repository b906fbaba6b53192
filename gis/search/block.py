"""Q3 block query (blokbevraging): every passage at the selected cameras in a window.

Served by the ``(camera_id, captured_at)`` index. A location/time search needs no
read-by-read verification (R7), so the preview reports none; it may return every plate,
so an order that names plates does not allow it.
"""
from __future__ import annotations

from typing import Any

import psycopg

from anpr.errors import BadInput
from gis.search import base
from gis.search.coverage import coverage
from gis.search.scope import Scope, Window


def block_where(cameras: tuple[str, ...], window: Window) -> base.Where:
    if not cameras:
        raise BadInput("a block query needs a camera selection; it resolves to no camera")
    return base.Where().cameras(cameras).window(window)


def _check(scope: Scope | None, cameras: tuple[str, ...], window: Window) -> None:
    if scope is not None:
        scope.check(windows=[window], cameras=cameras, all_plates="block query")


def search_where(cameras: tuple[str, ...], window: Window, *, scope: Scope | None = None
                 ) -> base.Where:
    """The condition of a Q3 run, checked against the order's scope (R5) first."""
    _check(scope, cameras, window)
    return block_where(cameras, window)


def block_query(conn: psycopg.Connection, cameras: tuple[str, ...], window: Window, *,
                scope: Scope | None = None, limit: int = base.DEFAULT_PAGE, offset: int = 0
                ) -> dict[str, Any]:
    _check(scope, cameras, window)
    where = block_where(cameras, window)
    out = base.result(conn, where, search="block",
                      params={"cameras": list(cameras), "window": window.as_dict()},
                      limit=limit, offset=offset, verification=False)
    out["coverage"] = coverage(conn, cameras, window)
    return out


def block_preview(conn: psycopg.Connection, cameras: tuple[str, ...], window: Window, *,
                  scope: Scope | None = None) -> dict[str, Any]:
    _check(scope, cameras, window)
    return base.preview(conn, block_where(cameras, window), verification=False)
