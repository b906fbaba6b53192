"""The order's scope (R5): every search refuses what lies outside it."""
from __future__ import annotations


import pytest

from anpr.errors import BadInput
from gis.search.block import block_query
from gis.search.common import Site, common_plates
from gis.search.convoy import convoy
from gis.search.partial import partial_plate
from gis.search.plate import plate_history
from gis.search.route import route
from gis.search.scope import OutsideScope, Scope, Window, parse_window


@pytest.fixture(scope="module")
def window(demo_db) -> Window:
    return Window(demo_db["start"], demo_db["end"])


def test_scope_from_dict_and_refusals(conn, truth, window):
    lead = truth["convoy"]["lead"]
    scope = Scope.from_dict({"windows": [window.as_dict()], "plates": [lead]})
    assert plate_history(conn, (lead,), window, scope=scope)["passages_total"] > 0
    with pytest.raises(OutsideScope, match="not named in the order"):
        plate_history(conn, ("ZZ000Z",), window, scope=scope)
    wider = Window(window.start - (window.end - window.start), window.end)
    with pytest.raises(OutsideScope, match="outside the order's time"):
        plate_history(conn, (lead,), wider, scope=scope)
    with pytest.raises(OutsideScope, match="names plates"):
        block_query(conn, ("X",), window, scope=scope)
    with pytest.raises(OutsideScope, match="not in the order"):
        partial_plate(conn, lead[:3] + "*", window, scope=scope)
    assert convoy(conn, lead, window, 2, scope=scope)["target_passages"]
    assert route(conn, lead, window, scope=scope)["legs"]
    with pytest.raises(OutsideScope):
        route(conn, truth["detour"]["plate"], window, scope=scope)
    assert OutsideScope.status == 403


def test_scope_cameras(conn, truth):
    site = truth["crime_sites"]["sites"][0]
    w = parse_window(site["from"], site["to"])
    scope = Scope.from_dict({"windows": [w.as_dict()], "cameras": site["cameras"]})
    assert block_query(conn, tuple(site["cameras"]), w, scope=scope)["passages_total"] > 0
    with pytest.raises(OutsideScope, match="outside the order"):
        block_query(conn, tuple(site["cameras"]) + ("OTHER-CAM",), w, scope=scope)
    with pytest.raises(OutsideScope, match="own cameras"):
        plate_history(conn, ("ZZ000Z",), w, scope=scope)
    other = truth["crime_sites"]["sites"][1]
    sites = [Site("a", tuple(site["cameras"]), w),
             Site("b", tuple(other["cameras"]), parse_window(other["from"], other["to"]))]
    with pytest.raises(OutsideScope):
        common_plates(conn, sites, 2, scope=scope)


def test_scope_patterns_allow_matching_plates(window):
    scope = Scope.from_dict({"windows": [window.as_dict()], "patterns": ["AB??12"]})
    scope.check(plates=["AB3412"], windows=[window], cameras_given=False)
    with pytest.raises(OutsideScope):
        scope.check(plates=["AB341X"], cameras_given=False)


@pytest.mark.parametrize("data", [None, {}, {"windows": []}, {"windows": ["x"]},
                                  {"windows": [{"start": "2026-01-02T00:00Z",
                                                "end": "2026-01-01T00:00Z"}]},
                                  {"windows": [{"start": "2026-01-01T00:00Z",
                                                "end": "2026-01-02T00:00Z"}], "plates": ["A$"]}])
def test_bad_scopes(data):
    with pytest.raises(BadInput):
        Scope.from_dict(data)
