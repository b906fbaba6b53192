"""The parameters of Q1-Q6: one reading for every door (the request flow and the search
endpoints, both through ``casework.enquiries``).

Each search's numbers (convoy band and minimum shared passages, common-plate k, route
detour threshold), its default page size and the limits on what is held and read at once
are read here only, and a value out of range or of the wrong type is a 400 at the
preview, before anything is stored. ``canonical`` gives a search's parameters as one
comparable value, by which the same search asked again is recognised.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from anpr.errors import BadInput
from gis.search.scope import (OutsideScope, Scope, normalise_cameras, normalise_pattern,
                              normalise_plate, normalise_plates, parse_minutes, parse_window)

KINDS = ("plate", "partial", "block", "convoy", "common", "route")
CONVOY_MINUTES = 2.0
MIN_SHARED = 2
K = 2
DETOUR_MINUTES = 15.0
#: Default page sizes per search (the run of a request holds every row and plate found;
#: these are the rows or plates a first answer lists).
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


def no_misreads(params: dict[str, Any]) -> None:
    """Q2 and Q3 have no such option: asked with it, refused rather than run without it
    while the request, the audit log and the package say it was included."""
    if misreads(params):
        raise BadInput("misreads (including probable misreads) applies to plate, convoy, "
                       "common and route searches only")


def detour_seconds(params: dict[str, Any]) -> float:
    return parse_minutes(params.get("detour_minutes", DETOUR_MINUTES), "detour_minutes",
                         low=1, high=600) * 60


def _web_settings():
    """The web settings where a web request runs (anpr.settings, read once at start-up),
    None otherwise (the CLI, the bench): then the registry's defaults hold."""
    try:
        from flask import current_app, has_app_context

        if has_app_context() and "ANPR_SETTINGS" in current_app.config:
            return current_app.config["ANPR_SETTINGS"].web
    except ImportError:  # the engine without the web app
        pass
    return None


def selection_limits():
    """The limits on a drawn selection (vertices, area): the web settings' where a web
    request runs, the defaults otherwise; the same for both doors."""
    from gis.geometry import Limits

    web = _web_settings()
    if web is not None:
        return Limits(max_vertices=web.max_geometry_vertices,
                      max_area_km2=web.max_selection_km2)
    return Limits()


@dataclass(frozen=True)
class HeldLimits:
    """How much of a search is held and read at once (ANPR_RESULTS_MAX_PAGE,
    ANPR_SEARCH_MAX_RANKED)."""

    max_page: int
    max_ranked: int


def held_limits() -> HeldLimits:
    from anpr.settings import REGISTRY

    web = _web_settings()
    if web is not None:
        return HeldLimits(web.results_max_page, web.search_max_ranked)
    return HeldLimits(REGISTRY["ANPR_RESULTS_MAX_PAGE"].default,
                      REGISTRY["ANPR_SEARCH_MAX_RANKED"].default)


def site_name(site: dict[str, Any], i: int) -> str:
    """A Q5 site's name as the results show it: its own, or "site <n>"."""
    name = site.get("name")
    return (name if isinstance(name, str) and name else f"site {i + 1}")[:80]


def _window(w: Any, name: str = "window") -> dict[str, str]:
    if not isinstance(w, dict):
        raise BadInput(f"{name} must be an object with start and end (ISO 8601 with offset)")
    return parse_window(w.get("start"), w.get("end"), name=name).as_dict()


def _where(params: dict[str, Any]) -> dict[str, Any]:
    """A camera choice: a drawn or picked selection (as given) or camera ids (sorted)."""
    if params.get("selection") is not None:
        return {"selection": params["selection"]}
    cams = normalise_cameras(params.get("cameras"))
    return {"cameras": sorted(cams) if cams is not None else None}


def canonical(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    """A search's parameters as one comparable value, every value as the search reads it:
    plates normalised, once each and sorted ('ab-12-cd' is 'AB12CD'), times as UTC
    instants (the same instant with another offset is the same time), camera ids
    sorted, numbers and options with their defaults filled in, and only what the search
    of that kind reads. Two searches of a request with the same canonical parameters are
    the same search (``casework.enquiries.identical``). Refuses what the search would."""
    if not isinstance(params, dict):
        raise BadInput("parameters must be an object")
    if kind == "plate":
        raw = params.get("plates", params.get("plate"))
        return {"plates": sorted(normalise_plates(raw)), "window": _window(params.get("window")),
                "misreads": misreads(params), **_where(params)}
    if kind in ("partial", "block"):
        no_misreads(params)
    if kind == "partial":
        return {"pattern": normalise_pattern(params.get("pattern")),
                "window": _window(params.get("window")), **_where(params)}
    if kind == "block":
        return {"window": _window(params.get("window")), **_where(params)}
    if kind == "convoy":
        return {"plate": normalise_plate(params.get("plate")),
                "window": _window(params.get("window")),
                "minutes": parse_minutes(params.get("minutes", CONVOY_MINUTES), "minutes",
                                         low=0.1, high=60),
                "min_shared": min_shared(params), "misreads": misreads(params)}
    if kind == "route":
        return {"plate": normalise_plate(params.get("plate")),
                "window": _window(params.get("window")),
                "detour_minutes": detour_seconds(params) / 60, "misreads": misreads(params)}
    if kind == "common":
        sites = params.get("sites")
        if not isinstance(sites, list) or not sites:
            raise BadInput("common-plate search needs a list of sites")
        out = []
        for i, s in enumerate(sites):
            if not isinstance(s, dict):
                raise BadInput(f"site {i + 1} must be an object")
            out.append({"name": site_name(s, i), **_where(s),
                        "window": _window(s.get("window"))})
        return {"sites": out, "k": k(params), "misreads": misreads(params)}
    raise BadInput(f"unknown search kind {kind!r}; one of {', '.join(KINDS)}")


def same(kind: str, a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two parameter sets of ``kind`` are the same search (``canonical``); a
    set that no longer parses is no search's twin."""
    try:
        one, other = canonical(kind, a), canonical(kind, b)
    except BadInput:
        return False
    return json.dumps(one, sort_keys=True) == json.dumps(other, sort_keys=True)
