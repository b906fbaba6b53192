"""The scalar parameters of Q1-Q6: one parser for every door (request flow and raw API).

Each search's numbers (convoy band and minimum shared passages, common-plate k, route
detour threshold) and its default page size are read here only, so the request flow
(``casework.enquiries``) and the raw endpoints (``webmap.search_api``) give the same
result for the same parameters, and a value out of range or of the wrong type is a 400
at the preview, before anything is stored.
"""
from __future__ import annotations

from typing import Any

from anpr.errors import BadInput
from gis.search.scope import OutsideScope, Scope, parse_minutes

CONVOY_MINUTES = 2.0
MIN_SHARED = 2
K = 2
DETOUR_MINUTES = 15.0
#: Default page sizes per search (the run of a request keeps every row found).
PAGE = {"plate": 500, "partial": 500, "block": 500, "convoy": 50, "common": 500}


def _whole(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadInput(f"{name} moet een geheel getal van {low} tot {high} zijn")
    return value


def convoy_minutes(params: dict[str, Any], scope: Scope | None = None) -> float:
    """The convoy band (+/- minutes), within the order's band when it names one (R5)."""
    minutes = parse_minutes(params.get("minutes", CONVOY_MINUTES), "minutes", low=0.1, high=60)
    band = scope.convoy_minutes if scope is not None else None
    if band is not None and minutes > band:
        raise OutsideScope(f"het bevel staat een konvooizoekvraag toe van ten hoogste "
                           f"+/- {band} minuten; gevraagd is +/- {minutes:g} minuten")
    return minutes


def min_shared(params: dict[str, Any]) -> int:
    return _whole(params.get("min_shared", MIN_SHARED), "min_shared", 1, 1000)


def k(params: dict[str, Any]) -> int:
    value = params.get("k", K)
    return _whole(K if value is None else value, "k", 2, 25)


def misreads(params: dict[str, Any]) -> bool:
    """The option "including probable misreads" (``gis.search.misreads``): off unless
    ``misreads`` is ``true``; anything but a boolean is refused, not taken as true."""
    value = params.get("misreads", False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise BadInput("misreads (including probable misreads) must be true or false")
    return value


def detour_seconds(params: dict[str, Any]) -> float:
    return parse_minutes(params.get("detour_minutes", DETOUR_MINUTES), "detour_minutes",
                         low=1, high=600) * 60


def selection_limits():
    """The limits on a drawn selection (vertices, area): the web settings' where a web
    request runs, the defaults otherwise; the same for both doors."""
    from gis.geometry import Limits

    try:
        from flask import current_app, has_app_context

        if has_app_context() and "ANPR_SETTINGS" in current_app.config:
            web = current_app.config["ANPR_SETTINGS"].web
            return Limits(max_vertices=web.max_geometry_vertices,
                          max_area_km2=web.max_selection_km2)
    except ImportError:  # the engine without the web app
        pass
    return Limits()
