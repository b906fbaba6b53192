"""Searches including probable misreads on the demo traffic with planted misreads (issue 18).

The demo reads a few per cent of its passages with a confusable character, and plants
vehicles of their own whose misread passages the ground truth names (some with the true
plate among the camera's alternative reads, some without). Through the request flow:
Q1 without the option misses exactly the misread passages, with it finds every passage
of the vehicle; no inexact match comes before an exact one; every inexact match is a
read to verify against its crop (R7).
"""
from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from test_casework_enquiries import _confirmed, _order, _window
from test_search_misreads import NL, _run


def _key(camera: str, at) -> tuple[str, datetime]:
    return camera, at if isinstance(at, datetime) else datetime.fromisoformat(at)


def test_the_ground_truth_names_the_planted_misreads(truth, conn, demo_db):
    from gis.search.misreads import equivalents

    m = truth["misreads"]
    assert len(m["vehicles"]) == 4 and m["other_cases_misread"] is False
    kinds = set()
    for plate, v in m["vehicles"].items():
        assert plate.startswith("Z") and v["passages"] >= 6 and len(v["misread"]) == 2
        for x in v["misread"]:
            assert x["read"] in equivalents(plate)            # a confusion of the table
            kinds.add(x["alternatives_hold_plate"])
            row = conn.execute(
                "SELECT plate, alternatives FROM jj126.passage WHERE camera_id = %s AND "
                "captured_at = %s AND capture_id = %s",
                (x["camera"], datetime.fromisoformat(x["at"]), x["capture_id"])).fetchone()
            assert row["plate"] == x["read"] and (row["alternatives"] or []) == x["alternatives"]
    assert kinds == {True, False}  # the true plate among the candidates for some only
    # The background: a few per cent misread, every one with a confusable character.
    share = conn.execute(
        "SELECT avg((alternatives IS NOT NULL)::int)::float AS s FROM jj126.passage "
        "WHERE captured_at >= %s AND captured_at < %s AND capture_id NOT LIKE '%%-p%%'",
        (demo_db["start"], demo_db["end"])).fetchone()["s"]
    assert 0.01 < share < 0.04, share
    # No passage of the other planted cases is misread: their plates read exactly.
    convoy = truth["convoy"]
    for p in convoy["passages"]:
        assert conn.execute("SELECT plate FROM jj126.passage WHERE camera_id = %s AND "
                            "captured_at = %s", (p["lead_camera"],
                                                 datetime.fromisoformat(p["lead_at"]))
                            ).fetchone()["plate"] == convoy["lead"]


def test_plate_history_recall_with_and_without_the_option(login, demo_db, truth):
    officer = login("officer.mn")
    window = _window(demo_db)
    recall_off, recall_on = [], []
    for plate, v in truth["misreads"]["vehicles"].items():
        misread = {_key(x["camera"], x["at"]) for x in v["misread"]}
        rid = _confirmed(officer, _order(demo_db, plates=[plate], areas=NL))
        _, plain = _run(officer, rid, "plate", {"plates": [plate], "window": window})
        found = {_key(p["camera_id"], p["captured_at"]) for p in plain["result"]["passages"]}
        assert not found & misread and len(found) == v["passages"] - len(misread)
        recall_off.append(len(found) / v["passages"])

        _, run = _run(officer, rid, "plate", {"plates": [plate], "window": window,
                                              "misreads": True})
        rows = run["result"]["passages"]
        got = {_key(p["camera_id"], p["captured_at"]): p for p in rows}
        assert misread <= set(got) and found <= set(got)  # every passage of the vehicle
        recall_on.append(len((found | misread) & set(got)) / v["passages"])
        for key in misread:
            assert got[key]["match"] in ("equivalent_characters", "alternative_read")
            assert 0 < got[key]["likelihood"] < 1
        for key in found:
            assert got[key]["match"] == "exact" and got[key]["likelihood"] == 1.0
        # No inexact match before an exact one.
        matches = [p["match"] for p in rows]
        exact = [i for i, m in enumerate(matches) if m == "exact"]
        inexact = [i for i, m in enumerate(matches) if m != "exact"]
        assert max(exact) < min(inexact), matches
        # Every inexact match is a read to verify (R7): the search says so, and each is
        # listed among the request's reads awaiting a verdict.
        assert run["result"]["verification_required"] is True
        held = officer.get(f"/api/v1/searches/{run['enquiry_id']}/results?limit=500"
                           ).get_json()["passages"]
        marks = {_key(r["camera_id"], r["captured_at"]): r for r in held}
        for key in misread:
            assert marks[key]["needs_verification"] is True
            assert marks[key]["state"] in ("unverified", "not_verifiable")
    assert np.mean(recall_off) < 1.0 and np.mean(recall_on) == 1.0


def test_route_and_convoy_target_recall_with_and_without_the_option(login, demo_db, truth):
    """Q6 (the route's passages) and Q4 (the target's passages, whose bands find the
    partners) lose the vehicle's misread passages without the option and find every one
    with it, each marked and held for verification (R7)."""
    officer = login("officer.mn")
    window = _window(demo_db)
    counts = {"route": [0, 0], "convoy": [0, 0]}
    for plate, v in truth["misreads"]["vehicles"].items():
        misread = {_key(x["camera"], x["at"]) for x in v["misread"]}
        rid = _confirmed(officer, _order(demo_db, plates=[plate], areas=NL))
        for kind, params, rows_of, key_of in (
                ("route", {"plate": plate, "window": window},
                 lambda r: r["passages"], lambda p: _key(p["camera_id"], p["captured_at"])),
                ("convoy", {"plate": plate, "window": window, "minutes": 2},
                 lambda r: r["target_passages"], lambda t: _key(t["camera_id"], t["at"]))):
            _, plain = _run(officer, rid, kind, params)
            off = {key_of(p) for p in rows_of(plain["result"])}
            assert not off & misread and len(off) == v["passages"] - len(misread), kind
            _, run = _run(officer, rid, kind, {**params, "misreads": True})
            got = {key_of(p): p for p in rows_of(run["result"])}
            assert off | misread <= set(got), kind
            for key in misread:
                assert got[key]["match"] in ("equivalent_characters", "alternative_read"), kind
            held = officer.get(f"/api/v1/searches/{run['enquiry_id']}/results?limit=500"
                               ).get_json()["passages"]
            marks = {_key(r["camera_id"], r["captured_at"]): r for r in held}
            assert all(marks[key]["needs_verification"] for key in misread), kind
            counts[kind][0] += len(off)
            counts[kind][1] += len((off | misread) & set(got))
    total = sum(v["passages"] for v in truth["misreads"]["vehicles"].values())
    for kind, (off, on) in counts.items():
        assert off < total and on == total, (kind, off, on, total)
