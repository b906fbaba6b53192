"""Q1-Q6 on the demo region's generated traffic, checked against the planted ground truth."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from psycopg import sql

from anpr.errors import BadInput
from gis.search.block import block_preview, block_query
from gis.search.common import Site, common_plates, common_preview
from gis.search.convoy import convoy
from gis.search.coverage import coverage
from gis.search.partial import literal_ends, partial_plate, partial_preview
from gis.search.plate import plate_history, plate_preview
from gis.search.route import route, route_geojson
from gis.search.scope import Window, normalise_pattern, normalise_plate, parse_window

UTC = timezone.utc


@pytest.fixture(scope="module")
def window(demo_db) -> Window:
    return Window(demo_db["start"], demo_db["end"])


def test_plate_history_finds_every_passage_of_the_lead_car(conn, truth, window):
    lead = truth["convoy"]["lead"]
    out = plate_history(conn, (lead,), window)
    assert out["passages_total"] == len(truth["convoy"]["passages"])
    assert [p["camera_id"] for p in out["passages"]] == \
        [x["lead_camera"] for x in truth["convoy"]["passages"]]
    assert out["verification_required"] is True
    assert sum(loc["passages"] for loc in out["by_location"]) == out["passages_total"]
    prev = plate_preview(conn, (lead,), window)
    assert prev["passages"] == out["passages_total"] and prev["plates"] == 1
    assert prev["verification_minutes"] > 0


def test_plate_history_pages(conn, truth, window):
    lead = truth["convoy"]["lead"]
    first = plate_history(conn, (lead,), window, limit=2)
    second = plate_history(conn, (lead,), window, limit=2, offset=2)
    assert len(first["passages"]) == 2 and first["page"]["next_offset"] == 2
    assert first["passages"][1]["captured_at"] <= second["passages"][0]["captured_at"]


def test_partial_plate_prefix_suffix_and_infix(conn, truth, window):
    lead = truth["convoy"]["lead"]
    pattern = lead[:2] + "?" * (len(lead) - 4) + lead[-2:]
    out = partial_plate(conn, pattern, window)
    assert out["access_path"] == "prefix"
    assert lead in {p["plate"] for p in out["passages"]}
    assert all(p["plate"].startswith(lead[:2]) and p["plate"].endswith(lead[-2:])
               for p in out["passages"])
    suffix = partial_plate(conn, "*" + lead[-3:], window)
    assert suffix["access_path"] == "suffix"
    assert lead in {p["plate"] for p in suffix["passages"]}
    assert partial_preview(conn, pattern, window)["passages"] == out["passages_total"]
    assert literal_ends("AB??12") == ("AB", "12") and literal_ends("*12") == ("", "12")


def test_wildcard_only_pattern_needs_cameras(conn, truth, window):
    with pytest.raises(BadInput, match="camera selection"):
        partial_plate(conn, "??????", window)
    cams = tuple(truth["crime_sites"]["sites"][0]["cameras"])
    out = partial_plate(conn, "*", window, cameras=cams)
    block = block_query(conn, cams, window)
    assert out["passages_total"] == block["passages_total"] > 0
    six = partial_plate(conn, "??????", window, cameras=cams)
    assert all(len(p["plate"]) == 6 for p in six["passages"])


def test_block_query_and_preview_agree(conn, truth, window):
    site = truth["crime_sites"]["sites"][0]
    w = parse_window(site["from"], site["to"])
    cams = tuple(site["cameras"])
    out = block_query(conn, cams, w, limit=10_000)
    prev = block_preview(conn, cams, w)
    assert out["passages_total"] == prev["passages"] == len(out["passages"])
    assert prev["verification_required"] is False
    assert {loc["location_code"] for loc in out["by_location"]} == {site["location_code"]}
    planted = {p for p, s in truth["crime_sites"]["plates"].items() if 1 in s}
    assert planted <= {p["plate"] for p in out["passages"]}


def test_convoy_follow_car_ranks_first(conn, truth, window):
    c = truth["convoy"]
    out = convoy(conn, c["lead"], window, 3.0)
    assert out["partners"], "no partners found"
    first = out["partners"][0]
    assert first["plate"] == c["follower"]
    assert first["shared_passages"] == len(c["passages"])
    assert first["after"] == first["shared_passages"]  # always behind the lead
    plates = [p["plate"] for p in out["partners"]]
    if c["commuter"] in plates:  # shares two passages by chance: ranked below the follower
        commuter = out["partners"][plates.index(c["commuter"])]
        assert commuter["score"] < first["score"]


def test_route_flags_the_detour(conn, truth, window):
    d = truth["detour"]
    out = route(conn, d["plate"], window)
    flagged = [leg for leg in out["legs"] if leg["flag"] == "detour_or_stop"]
    assert len(flagged) == 1, out["legs"]
    leg = flagged[0]
    assert leg["from_camera"] == d["from_camera"] and leg["to_camera"] == d["to_camera"]
    assert abs(leg["expected_s"] - d["expected_s"]) < 0.25 * d["expected_s"] + 120
    assert all(leg["flag"] == "ok" for leg in out["legs"] if leg is not flagged[0])


def test_route_flags_the_duplicated_plate(conn, truth, window):
    d = truth["duplicate"]
    out = route(conn, d["plate"], window)
    assert [leg["flag"] for leg in out["legs"]] == ["impossible"]
    assert out["legs"][0]["kmh_straight"] > 300


def test_route_geojson_has_times_per_vertex(conn, truth, window):
    out = route(conn, truth["convoy"]["lead"], window)
    assert out["flags"]["ok"] == len(out["legs"]) > 3
    gj = route_geojson(out)
    whole = gj["features"][0]
    assert whole["geometry"]["type"] == "LineString"
    assert len(whole["properties"]["times"]) == len(whole["geometry"]["coordinates"])
    assert whole["properties"]["times"] == sorted(whole["properties"]["times"])


def test_common_plates_k3_returns_exactly_the_planted(conn, truth):
    sites = [Site(f"site {s['site']}", tuple(s["cameras"]), parse_window(s["from"], s["to"]))
             for s in truth["crime_sites"]["sites"]]
    out = common_plates(conn, sites, 3)
    assert {p["plate"] for p in out["plates"]} == set(truth["crime_sites"]["at_3_sites"])
    two = common_plates(conn, sites, 2)
    expected2 = set(truth["crime_sites"]["at_3_sites"]) | set(truth["crime_sites"]["at_2_sites"])
    assert expected2 <= {p["plate"] for p in two["plates"]}
    assert common_preview(conn, sites, 3)["passages"] > 0
    with pytest.raises(BadInput, match="larger than the number of sites"):
        common_plates(conn, sites, 6)


def test_windows_across_midnight_and_partitions(conn):
    """A window over a UTC midnight reads both day partitions; DST is irrelevant in UTC."""
    conn.execute("SELECT jj126.ensure_partition(d::date) FROM generate_series("
                 "'2026-03-28'::date, '2026-03-30'::date, '1 day') d")
    cam = conn.execute("SELECT id FROM camera ORDER BY id LIMIT 1").fetchone()["id"]
    times = ["2026-03-28T23:59:30+00:00", "2026-03-29T00:00:30+00:00",  # across UTC midnight
             "2026-03-29T00:59:00+00:00", "2026-03-29T01:01:00+00:00"]  # 02:00 CET -> 03:00 CEST
    for i, t in enumerate(times):
        conn.execute("INSERT INTO jj126.passage (camera_id, captured_at, plate, plate_raw, geom, "
                     "capture_id) VALUES (%s, %s, 'ZZ999Z', 'ZZ-999-Z', "
                     "ST_SetSRID(ST_MakePoint(5, 52), 4326), %s)", (cam, t, f"mid{i}"))
    # Local Amsterdam window 28 March 23:00 CET .. 29 March 04:00 CEST (5 wall hours, 4 real)
    w = parse_window("2026-03-28T23:00:00+01:00", "2026-03-29T04:00:00+02:00")
    assert w.end - w.start == timedelta(hours=4)
    out = plate_history(conn, ("ZZ999Z",), w)
    assert out["passages_total"] == 4
    only_first_day = parse_window("2026-03-28T00:00:00Z", "2026-03-29T00:00:00Z")
    assert plate_history(conn, ("ZZ999Z",), only_first_day)["passages_total"] == 1


def test_empty_results_still_state_coverage(conn, window):
    conn.execute("UPDATE camera SET status = 'defect' WHERE id = (SELECT min(id) FROM camera)")
    cam = conn.execute("SELECT min(id) AS id FROM camera").fetchone()["id"]
    conn.execute("INSERT INTO camera_status_period (camera_id, status, during, note) VALUES "
                 "(%s, 'roadworks', tstzrange(%s, %s), 'A2 works')",
                 (cam, window.start, window.start + timedelta(hours=1)))
    out = plate_history(conn, ("ZZ000Z",), window, cameras=(cam,))
    assert out["passages_total"] == 0 and out["passages"] == []
    cov = out["coverage"]
    assert cov["complete"] is False
    assert {g["reason"] for g in cov["gaps"]} == {"status_defect", "period_roadworks"}
    full = coverage(conn, None, window)
    assert full["cameras_selected"] > 1000


def test_coverage_sees_a_status_change_at_once_through_the_cached_registry(conn, window):
    cam = conn.execute("SELECT min(id) AS id FROM camera").fetchone()["id"]
    before = coverage(conn, (cam,), window)  # fills the per-process camera cache
    assert "status_defect" not in {g["reason"] for g in before["gaps"]}
    stamp = conn.execute("SELECT version FROM registry_stamp").fetchone()["version"]
    conn.execute("UPDATE camera SET status = 'defect' WHERE id = %s", (cam,))
    assert conn.execute("SELECT version FROM registry_stamp").fetchone()["version"] > stamp
    after = coverage(conn, (cam,), window)
    assert "status_defect" in {g["reason"] for g in after["gaps"]}


def _planned(conn, window) -> list[str]:
    """Active cameras in the published plan of the window's year, fixed ones, by id."""
    return [r["camera_id"] for r in conn.execute(
        "SELECT pc.camera_id FROM plan_camera pc JOIN camera_plan p ON p.id = pc.plan_id "
        "JOIN camera c ON c.id = pc.camera_id WHERE p.state = 'published' AND p.year = %s "
        "AND p.published_at <= %s AND c.status = 'active' AND c.active_from <= %s "
        "AND c.active_to IS NULL ORDER BY pc.camera_id",
        (window.start.year, window.start, window.start.date())).fetchall()]


def test_coverage_of_all_cameras_sees_a_status_change_at_once(conn, window):
    """The gaps of every camera are kept per registry stamp and days, never stale."""
    cam = _planned(conn, window)[-1]
    mine = lambda cov: {g["reason"] for g in cov["gaps"] if g["camera_id"] == cam}  # noqa: E731
    first = coverage(conn, None, window)
    assert mine(first) == set() and mine(coverage(conn, None, window)) == set()
    first["gaps"].append({"camera_id": cam, "reason": "changed by a caller"})
    assert mine(coverage(conn, None, window)) == set()  # a result is the caller's own
    conn.execute("UPDATE camera SET status = 'defect' WHERE id = %s", (cam,))
    assert mine(coverage(conn, None, window)) == {"status_defect"}
    conn.execute("UPDATE camera SET status = 'active', active_from = %s WHERE id = %s",
                 ((window.end + timedelta(days=2)).date(), cam))
    assert mine(coverage(conn, None, window)) == {"not_yet_active"}
    later = Window(window.start + timedelta(days=3), window.end + timedelta(days=3))
    assert mine(coverage(conn, None, later)) == set()


@pytest.mark.parametrize("raw", ["AB-12-C$", "AB 12 É", "", "A" * 13])
def test_plates_outside_the_alphabet_are_refused(raw):
    with pytest.raises(BadInput):
        normalise_plate(raw)


@pytest.mark.parametrize("raw", ["AB%12", "AB_12", "AB[0-9]", "ÀB??", "?" * 13])
def test_patterns_outside_the_alphabet_are_refused(raw):
    with pytest.raises(BadInput):
        normalise_pattern(raw)


def test_plate_and_pattern_normalisation():
    assert normalise_plate("ab-12 c.d") == "AB12CD"
    assert normalise_pattern("yx**") == "YX*"


@pytest.mark.parametrize("start,end,message", [
    ("2026-03-02T00:00:00Z", "2026-03-01T00:00:00Z", "ends before"),
    ("2026-03-01T00:00:00Z", "2026-03-01T00:00:00Z", "ends before"),
    ("2026-01-01T00:00:00Z", "2026-03-01T00:00:00Z", "longer than 28 days"),
    ("2026-03-01T00:00:00", "2026-03-02T00:00:00Z", "no UTC offset"),
    ("yesterday", "2026-03-02T00:00:00Z", "ISO 8601"),
    (None, "2026-03-02T00:00:00Z", "ISO 8601"),
])
def test_bad_windows_are_refused(start, end, message):
    with pytest.raises(BadInput, match=message):
        parse_window(start, end)


def test_block_query_without_cameras_is_refused(conn, window):
    with pytest.raises(BadInput, match="no camera"):
        block_query(conn, (), window)


def test_common_plates_bad_k(conn, window):
    sites = [Site("a", ("X",), window), Site("b", ("Y",), window)]
    with pytest.raises(BadInput):
        common_plates(conn, sites, 1)
    with pytest.raises(BadInput):
        common_plates(conn, sites[:1], 1)
    with pytest.raises(BadInput, match="no camera"):
        common_plates(conn, [Site("a", (), window), sites[1]], 2)


def test_datetime_window_objects(window):
    assert window.start.tzinfo is not None
    w = parse_window(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC))
    assert w.end - w.start == timedelta(days=1)


def test_search_bench_keeps_prepared_plans_and_plans_its_baseline_afresh(conn, truth, window):
    """The bench times searches as the web app runs them (a commit per request keeps the
    pooled connection's generic plans); its sequential-scan baseline must not reuse them."""
    from bench import search as bench

    prepared = lambda: conn.execute(  # noqa: E731
        "SELECT count(*) AS n FROM pg_prepared_statements").fetchone()["n"]
    lead = truth["convoy"]["lead"]
    times = bench._timed(conn, lambda p: plate_history(conn, (p,), window), [lead, lead, lead])
    assert len(times) == 2 and prepared() >= 1
    seen: list[int] = []
    assert bench._baseline(conn, lambda _: seen.append(prepared()), None) is not None
    assert seen == [0]


def test_a_rolled_back_registry_change_leaves_no_stale_coverage(conn, window):
    """Migration 0016: the next change gets a stamp of its own, not the rolled-back one's."""
    cam, other = _planned(conn, window)[:2]
    conn.commit()
    reasons = lambda: {g["reason"] for g in coverage(conn, (cam,), window)["gaps"]}  # noqa: E731
    conn.execute("UPDATE camera SET status = 'defect' WHERE id = %s", (cam,))
    assert "status_defect" in reasons()
    conn.rollback()
    conn.execute("UPDATE camera SET lane = lane WHERE id = %s", (other,))
    assert "status_defect" not in reasons()
    conn.rollback()


def test_coverage_reports_when_a_camera_was_outside_the_published_plan(conn, window):
    """R9 in coverage: the plan's periods, as intake applies them, not a registry flag."""
    from zoneinfo import ZoneInfo

    from camera_registry.membership import cameras_in_plan

    amsterdam = ZoneInfo("Europe/Amsterdam")
    mobile = conn.execute(
        "SELECT a.camera_id, a.effective_to FROM plan_amendment a JOIN camera_plan p ON "
        "p.id = a.plan_id JOIN camera c ON c.id = a.camera_id WHERE p.state = 'published' "
        "AND a.effective_to IS NOT NULL AND c.status = 'active' "
        "AND c.active_from < a.effective_to AND c.active_to IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM plan_amendment b WHERE b.camera_id = a.camera_id "
        "AND b.effective_from BETWEEN a.effective_to AND a.effective_to + 3) "
        "ORDER BY a.effective_to DESC, a.camera_id "
        "LIMIT 1").fetchone()
    cam, last_day = mobile["camera_id"], mobile["effective_to"]
    ends = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), amsterdam)
    span = Window(ends - timedelta(hours=12), ends + timedelta(days=2))
    gaps = [g for g in coverage(conn, (cam,), span)["gaps"] if g["reason"] == "not_in_plan"]
    assert [(g["gap_start"], g["gap_end"]) for g in gaps] == [(ends, span.end)]
    assert cam in cameras_in_plan(conn, ends - timedelta(seconds=1))
    assert cam not in cameras_in_plan(conn, ends)
    # the same from the gaps of all cameras
    every = coverage(conn, None, span)["gaps"]
    assert [(g["gap_start"], g["gap_end"]) for g in every
            if g["camera_id"] == cam and g["reason"] == "not_in_plan"] == [(ends, span.end)]
    # a fixed camera of this year's plan: no plan gap; one registered but in no plan: all
    fixed = conn.execute("SELECT pc.camera_id FROM plan_camera pc JOIN camera_plan p ON "
                         "p.id = pc.plan_id WHERE p.state = 'published' ORDER BY p.year DESC, "
                         "pc.camera_id LIMIT 1").fetchone()["camera_id"]
    assert "not_in_plan" not in {g["reason"] for g in coverage(conn, (fixed,), window)["gaps"]}
    conn.execute("INSERT INTO camera (id, location_id, bearing, inout, lane, active_from) "
                 "SELECT 'T-UNPLANNED', location_id, bearing, inout, 7, active_from FROM camera "
                 "WHERE id = %s", (fixed,))
    gaps = coverage(conn, ("T-UNPLANNED",), window)["gaps"]
    assert [(g["reason"], g["gap_start"], g["gap_end"]) for g in gaps] == [
        ("not_in_plan", window.start, window.end)]
    conn.rollback()


def test_common_plates_read_each_site_from_an_index_alone(conn, truth):
    """Q5 scans every passage at every site: those scans must be index-only (the unique key
    carries camera, time, capture id and plate); the passage's id, which no index carries,
    is read afterwards for the rows of the plates kept. At national scale the id in the
    site scans made each site a heap read per passage (Q5 p50 2 s against 30 ms)."""
    from gis.search.common import _site_union

    sites = [Site(f"site {s['site']}", tuple(s["cameras"]), parse_window(s["from"], s["to"]))
             for s in truth["crime_sites"]["sites"]]
    union, params = _site_union(sites)
    for setting in ("enable_seqscan", "enable_bitmapscan"):
        conn.execute(f"SET LOCAL {setting} = off")
    plan = json.dumps(conn.execute(sql.SQL("EXPLAIN (FORMAT JSON) {}").format(union),
                                   params).fetchone()["QUERY PLAN"])
    assert "Index Only Scan" in plan and '"Index Scan"' not in plan, plan[:1500]
