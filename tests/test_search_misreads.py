"""Searches including probable misreads (issue 18), through the request flow on PostGIS.

A planted misread of the ordered plate (B read as 8) and a passage whose alternative
read is the plate are found with ``misreads: true`` and not without, each marked with how
it matched, exact reads first; the order's scope still names the plate searched for (R5).
"""
from __future__ import annotations

import uuid
import psycopg
import pytest
from psycopg.rows import dict_row

from gis.search.misreads import Matcher, equivalents, side_code
from conftest import NL_NORTH, NL_SOUTH
from test_casework_enquiries import _confirmed, _order, _window

NL = [{"kind": "polygon", "geometry": NL_NORTH}, {"kind": "polygon", "geometry": NL_SOUTH}]


def test_equivalents_follow_the_side_code_positions():
    assert side_code("BR12KS") == 4 and side_code("12BXT4") == 7 and side_code("AB") is None
    eq = equivalents("BR12KS")
    assert eq["8R12KS"] == 0.5 and eq["BR12K5"] == 0.5 and eq["8RI2KS"] == 0.25
    assert "BR12KS" not in eq and len(eq) <= 64
    assert all(sum(a != b for a, b in zip(p, "BR12KS")) <= 2 for p in eq)
    # a digit position's 1 reads as I, a letter position's never as 8
    assert "BRI2KS" in eq and not any(p[2] == "B" for p in eq)
    m = Matcher.of(["BR12KS"])
    assert m.mark("BR12KS")["match"] == "exact"
    assert m.mark("8R12KS") == {"match": "equivalent_characters", "likelihood": 0.5,
                                "matched_plate": "8R12KS"}
    assert m.mark("XX99XX", ["ZZ11ZZ", "BR12KS"], [0.6, 0.35])["match"] == "alternative_read"


@pytest.fixture(scope="module")
def planted(database_url, demo_db):
    """A plate of its own: two exact reads, one read with B as 8, one passage read as
    something else whose alternative read is the plate, and one of another plate."""
    tail = uuid.uuid4().hex[:4].upper()
    digits = "".join(str(int(c, 16) % 10) for c in tail[:2])
    letters = "".join("BDFGHJKLNPRSTVXZ"[int(c, 16)] for c in tail[2:])
    plate = "BR" + digits + letters
    misread = "8R" + digits + letters
    other = "ZX" + digits + letters
    rows = {}
    with psycopg.connect(database_url, row_factory=dict_row) as c:
        src = c.execute(
            # at cameras where no verdict taught a confusion yet, so the likelihoods are
            # the table's priors (which camera that is depends on the demo's hours)
            "SELECT id, captured_at FROM jj126.passage WHERE captured_at >= %s AND "
            "captured_at < %s AND camera_id NOT IN (SELECT camera_id FROM misread_confusion)"
            " ORDER BY captured_at, id LIMIT 5 OFFSET 50",
            (demo_db["start"], demo_db["end"])).fetchall()
        assert len(src) == 5
        plan = [("exact1", plate, None, None), ("exact2", plate, None, None),
                ("eightb", misread, None, None),
                ("alt", other[::-1], [plate, "QQ" + digits + letters], [0.35, 0.1]),
                ("other", other, None, None)]
        for s, (name, read, alts, confs) in zip(src, plan):
            rows[name] = c.execute(
                "INSERT INTO jj126.passage (camera_id, captured_at, plate, plate_raw, country,"
                " confidence, geom, capture_id, segment_id, alternatives,"
                " alternative_confidences)"
                " SELECT camera_id, captured_at + interval '3 seconds', %s, %s, 'NL', 0.8,"
                " geom, %s, segment_id, %s, %s FROM jj126.passage"
                " WHERE id = %s AND captured_at = %s RETURNING id, captured_at, camera_id",
                (read, read, f"misread-{name}-{tail}", alts, confs, s["id"], s["captured_at"])
            ).fetchone()
        c.commit()
    return {"plate": plate, "misread": misread, "other": other, "rows": rows}


def _search(officer, rid, kind, parameters):
    resp = officer.post(f"/api/v1/requests/{rid}/searches",
                        json={"kind": kind, "parameters": parameters})
    return resp


def _run(officer, rid, kind, parameters):
    resp = _search(officer, rid, kind, parameters)
    assert resp.status_code == 201, resp.get_json()
    run = officer.post(f"/api/v1/searches/{resp.get_json()['enquiry_id']}/run")
    assert run.status_code == 200, run.get_json()
    return resp.get_json()["preview"], run.get_json()


def test_plate_history_finds_probable_misreads_only_with_the_option(login, demo_db, planted):
    officer = login("officer.mn")
    plate, ids = planted["plate"], {k: v["id"] for k, v in planted["rows"].items()}
    rid = _confirmed(officer, _order(demo_db, plates=[plate], areas=NL))
    window = _window(demo_db)
    _, plain = _run(officer, rid, "plate", {"plates": [plate], "window": window})
    found = {p["id"] for p in plain["result"]["passages"]}
    assert found == {ids["exact1"], ids["exact2"]}
    assert plain["passages_kept"] == 2 and "match" not in plain["result"]["passages"][0]

    pre, run = _run(officer, rid, "plate",
                    {"plates": [plate], "window": window, "misreads": True})
    assert pre["passages"] == 4 and run["passages_kept"] == 4
    rows = run["result"]["passages"]
    marks = {p["id"]: p for p in rows}
    assert set(marks) == {ids["exact1"], ids["exact2"], ids["eightb"], ids["alt"]}
    assert ids["other"] not in marks
    assert [p["match"] for p in rows[:2]] == ["exact", "exact"]  # exact reads first
    assert marks[ids["eightb"]]["match"] == "equivalent_characters"
    assert marks[ids["eightb"]]["plate"] == planted["misread"]  # the read stays as read
    assert marks[ids["eightb"]]["likelihood"] == 0.5
    assert marks[ids["alt"]]["match"] == "alternative_read"
    assert marks[ids["alt"]]["likelihood"] == pytest.approx(0.35)
    assert marks[ids["alt"]]["matched_plate"] == plate
    assert all(p["likelihood"] == 1.0 for p in rows if p["match"] == "exact")
    # The held results, read back later, say the same of each row.
    held = officer.get(f"/api/v1/searches/{run['enquiry_id']}/results?limit=50").get_json()
    assert {r["passage_id"]: r["match"] for r in held["passages"]} == {
        i: marks[i]["match"] for i in marks}
    plain_held = officer.get(f"/api/v1/searches/{plain['enquiry_id']}/results").get_json()
    assert "match" not in plain_held["passages"][0]


def test_route_and_convoy_take_the_option(login, demo_db, planted):
    officer = login("officer.mn")
    plate, ids = planted["plate"], {k: v["id"] for k, v in planted["rows"].items()}
    rid = _confirmed(officer, _order(demo_db, plates=[plate], areas=NL))
    window = _window(demo_db)
    _, route = _run(officer, rid, "route", {"plate": plate, "window": window, "misreads": True})
    marks = {p["id"]: p["match"] for p in route["result"]["passages"]}
    assert marks == {ids["exact1"]: "exact", ids["exact2"]: "exact",
                     ids["eightb"]: "equivalent_characters", ids["alt"]: "alternative_read"}
    _, exact_route = _run(officer, rid, "route", {"plate": plate, "window": window})
    assert {p["id"] for p in exact_route["result"]["passages"]} == {ids["exact1"], ids["exact2"]}
    _, convoy = _run(officer, rid, "convoy", {"plate": plate, "window": window,
                                               "misreads": True})
    targets = convoy["result"]["target_passages"]
    assert [t["match"] for t in targets][:2] == ["exact", "exact"]
    assert {t["id"]: t["match"] for t in targets}[ids["eightb"]] == "equivalent_characters"
    assert planted["misread"] not in {p["plate"] for p in convoy["result"]["partners"]}


def test_the_scope_still_names_the_plate_and_bad_options_are_refused(login, demo_db, planted,
                                                                     conn):
    officer = login("officer.mn")
    rid = _confirmed(officer, _order(demo_db, plates=[planted["plate"]], areas=NL))
    window = _window(demo_db)
    before = conn.execute("SELECT count(*) AS n FROM enquiry WHERE request_id = %s",
                          (rid,)).fetchone()["n"]
    for asked in (planted["misread"], planted["other"]):
        resp = _search(officer, rid, "plate", {"plates": [asked], "window": window,
                                               "misreads": True})
        assert resp.status_code == 403, resp.get_json()
        assert resp.get_json()["error"] == "outside_scope"
    resp = _search(officer, rid, "plate", {"plates": [planted["plate"]], "window": window,
                                           "misreads": "ja"})
    assert resp.status_code == 400 and "misreads" in resp.get_json()["message"]
    assert "verkeerd gelezen" in resp.get_json()["bericht"]
    assert conn.execute("SELECT count(*) AS n FROM enquiry WHERE request_id = %s",
                        (rid,)).fetchone()["n"] == before


def _site(rows: dict, name: str, keys: list[str]) -> dict:
    """A Q5 site around some of the planted passages: their cameras, their times."""
    from datetime import timedelta

    times = [rows[k]["captured_at"] for k in keys]
    return {"name": name, "cameras": sorted({rows[k]["camera_id"] for k in keys}),
            "window": {"start": (min(times) - timedelta(seconds=1)).isoformat(),
                       "end": (max(times) + timedelta(seconds=1)).isoformat()}}


def test_common_plates_group_look_alike_reads_with_the_option(login, demo_db, planted,
                                                              database_url):
    """Q5 has no ordered plate: reads that differ only by look-alike characters count as
    one plate at k sites, its most frequent read shown, each passage marked."""
    officer = login("officer.mn")
    rid = _confirmed(officer, _order(demo_db, areas=NL))
    rows = planted["rows"]


    sites = [_site(rows, "A", ["exact1", "exact2"]), _site(rows, "B", ["eightb"])]
    plain_pre, plain = _run(officer, rid, "common", {"sites": sites, "k": 2})
    assert planted["plate"] not in {p["plate"] for p in plain["result"]["plates"]}
    assert plain_pre["verification_required"] is False
    pre, run = _run(officer, rid, "common", {"sites": sites, "k": 2, "misreads": True})
    found = {p["plate"]: p for p in run["result"]["plates"]}
    assert planted["plate"] in found, found.keys()
    marks = [(x["plate"], x["match"]) for x in found[planted["plate"]]["passages"]]
    assert marks == [(planted["plate"], "exact")] * 2 + [(planted["misread"],
                                                          "equivalent_characters")]
    # R7: a probable misread inside a location/time search is verified against its crop
    # (the question: does it show the plate it was grouped under); the exact reads and
    # every row of the search without the option are not. The preview counts the work.
    assert pre["verification_required"] is True and pre["to_verify"] >= 1
    assert pre["verification_minutes"] > 0
    ids = {k: v["id"] for k, v in planted["rows"].items()}
    held = {r["passage_id"]: r for r in officer.get(
        f"/api/v1/searches/{run['enquiry_id']}/results?limit=1000").get_json()["passages"]}
    to_verify = {i for i, r in held.items() if r["needs_verification"]}
    assert ids["eightb"] in to_verify and not {ids["exact1"], ids["exact2"]} & to_verify
    assert to_verify == {x["id"] for p in run["result"]["plates"] for x in p["passages"]
                         if x["match"] != "exact"}
    assert len(to_verify) == pre["to_verify"]
    assert held[ids["eightb"]]["state"] in ("unverified", "not_verifiable")
    searches = {e["id"]: e for e in officer.get(f"/api/v1/requests/{rid}/searches").get_json()}
    assert searches[run["enquiry_id"]]["needs_verification"] is True
    assert searches[plain["enquiry_id"]]["needs_verification"] is False
    with psycopg.connect(database_url) as c:
        question = c.execute("SELECT ordered_plate FROM enquiry_result WHERE enquiry_id = %s "
                             "AND passage_id = %s", (run["enquiry_id"], ids["eightb"])
                             ).fetchone()[0]
    assert question == planted["plate"]


def test_common_plates_count_a_site_that_saw_the_plate_only_as_a_candidate_read(
        login, demo_db, planted):
    """Q5 with the option: a passage counts for the group of each of its camera's
    candidate reads too, so a vehicle read as something else at one site, whose camera
    offered the right read as a candidate, is seen at that site; the passage is marked
    as an alternative read and held to be verified against the group's plate (R7)."""
    officer = login("officer.mn")
    rid = _confirmed(officer, _order(demo_db, areas=NL))
    rows, ids = planted["rows"], {k: v["id"] for k, v in planted["rows"].items()}
    sites = [_site(rows, "A", ["exact1", "exact2"]), _site(rows, "B", ["alt"])]
    _, plain = _run(officer, rid, "common", {"sites": sites, "k": 2})
    assert planted["plate"] not in {p["plate"] for p in plain["result"]["plates"]}
    pre, run = _run(officer, rid, "common", {"sites": sites, "k": 2, "misreads": True})
    found = {p["plate"]: p for p in run["result"]["plates"]}
    assert planted["plate"] in found, found.keys()
    group = found[planted["plate"]]
    assert group["sites"] == ["A", "B"]
    marks = {x["id"]: x for x in group["passages"]}
    assert {i: x["match"] for i, x in marks.items()} == {
        ids["exact1"]: "exact", ids["exact2"]: "exact", ids["alt"]: "alternative_read"}
    assert marks[ids["alt"]]["plate"] == planted["other"][::-1]   # the read stays as read
    assert marks[ids["alt"]]["matched_plate"] == planted["plate"]
    assert marks[ids["alt"]]["likelihood"] == pytest.approx(0.35)
    assert pre["to_verify"] == 1
    held = {r["passage_id"]: r for r in officer.get(
        f"/api/v1/searches/{run['enquiry_id']}/results?limit=1000").get_json()["passages"]}
    assert held[ids["alt"]]["needs_verification"] is True
    assert not held[ids["exact1"]]["needs_verification"]
    # read back from what the run held, the group is the same
    answer = officer.get(f"/api/v1/searches/{run['enquiry_id']}/results/answer").get_json()
    again = next(p for p in answer["plates"] if p["plate"] == planted["plate"])
    assert {x["id"]: x["match"] for x in again["passages"]} == {
        i: x["match"] for i, x in marks.items()}


def test_docs_print_the_confusion_table_of_the_code():
    from pathlib import Path

    from gis.search.misreads import CLASSES, DIGIT_POSITION, LETTER_POSITION, SIDE_CODES

    doc = (Path(__file__).parent.parent / "docs" / "misreads.md").read_text()
    lines = [f"| {n} | `{c}` |" for n, c in SIDE_CODES.items()]
    for table in (LETTER_POSITION, DIGIT_POSITION):
        lines += ["| `{}` | {} |".format(ch, ", ".join(f"`{c}` ({f:g})" for c, f in opts))
                  for ch, opts in table.items()]
    missing = [line for line in lines if line not in doc]
    assert not missing, missing
    assert ", ".join(f"`{c}`" for c in CLASSES) in doc


def _generic_plan(conn, query: str, params: dict) -> list:
    """EXPLAIN of ``query``'s generic plan (PostgreSQL 15 has no EXPLAIN (GENERIC_PLAN)):
    prepared with ``$n`` parameters, executed once under force_generic_plan."""
    import re

    from psycopg import sql

    names: list[str] = []

    def number(m: re.Match) -> str:
        if m.group(1) not in names:
            names.append(m.group(1))
        return f"${names.index(m.group(1)) + 1}"

    conn.execute(sql.SQL("PREPARE misread_plan AS {}").format(
        sql.SQL(re.sub(r"%\((\w+)\)s", number, query))))
    conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")
    try:
        return conn.execute(sql.SQL("EXPLAIN (FORMAT JSON) EXECUTE misread_plan ({})").format(
            sql.SQL(", ").join(sql.Literal(params[n]) for n in names))).fetchone()["QUERY PLAN"]
    finally:
        conn.execute("DEALLOCATE misread_plan")


def test_the_misread_lookup_is_index_probes_not_a_scan(conn, demo_db, planted):
    """The equivalent plates go to the plate index (the class index on sealed days,
    tests/test_seal.py), the candidates to the partial GIN index on the alternatives. The
    demo's partitions are small, so their window's time index is as cheap as any probe;
    with that path closed (a partition's unique key leads with the camera) the plan must
    be the probes, never a scan of a partition."""
    import json as _json

    from gis.search.plate import plate_where
    from gis.search.scope import Window

    where = plate_where(conn, (planted["plate"],), Window(demo_db["start"], demo_db["end"]),
                        None, misreads=True)
    assert len(where.params["misread_plates"]) > 10
    assert len(where.params["misread_keys"]) == len(where.params["misread_plates"])
    # The plan the search runs: generic (gis.search.base.generic), which cannot see that
    # the demo's small partitions would be cheaper to read whole through their time index.
    for setting in ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan"):
        conn.execute(f"SET LOCAL {setting} = off")
    # The window as a filter the time-led indexes cannot take (an expression on it).
    cond = where.sql().as_string(conn).replace("p.captured_at", "(p.captured_at + '0 s')")
    plan = _json.dumps(_generic_plan(conn, "SELECT p.id FROM " + where.source.as_string(conn)
                                     + " WHERE " + cond, where.params))
    assert "$1" in plan and "Seq Scan" not in plan   # generic: the parameters stay
    assert "BitmapOr" in plan, plan[:1500]
    assert "_alternatives_idx" in plan, plan[:1500]
    assert "_plate_captured_at_" in plan or "_plate_class" in plan, plan[:1500]


def test_every_plate_looked_up_shares_the_ordered_plate_s_class_key():
    """The class index finds the plates of a search including probable misreads side by
    side only if each has the ordered plate's class: every confusion of the tables (and
    of the look-alike classes of Q5) stays inside a class, and each key names its plate."""
    from anpr.plates import CLASS_GROUPS, class_key, plate_class
    from gis.search.misreads import CLASSES, DIGIT_POSITION, LETTER_POSITION

    chars = "".join(CLASS_GROUPS)
    assert len(set(chars)) == len(chars)               # the classes do not overlap
    for table in (LETTER_POSITION, DIGIT_POSITION):
        for true, reads in table.items():
            for read, _factor in reads:
                assert plate_class(true) == plate_class(read), (true, read)
    for group in CLASSES:
        assert len({plate_class(ch) for ch in group}) == 1, group
    for plate in ("GB128X", "1VD089", "SZF35L", "7SZ776", "O9SZXP", "ZZ0000", "DUITS1"):
        m = Matcher.of([plate])
        assert {plate_class(p) for p in m.plates} == {plate_class(plate)}, plate
        keys = [class_key(p) for p in m.plates]
        assert len(set(keys)) == len(m.plates)            # the key names the plate
        assert all(k == plate_class(plate) + p for k, p in zip(keys, m.plates))


def test_the_raw_search_api_reads_the_same_option(search_client, demo_db, planted):
    ids = {k: v["id"] for k, v in planted["rows"].items()}
    body = {"plates": [planted["plate"]], "window": _window(demo_db)}
    plain = search_client.post("/api/v1/search/plate", json=body)
    assert plain.status_code == 200, plain.get_json()
    assert {p["id"] for p in plain.get_json()["passages"]} == {ids["exact1"], ids["exact2"]}
    found = search_client.post("/api/v1/search/plate", json={**body, "misreads": True})
    assert found.status_code == 200, found.get_json()
    marks = {p["id"]: p["match"] for p in found.get_json()["passages"]}
    assert marks == {ids["exact1"]: "exact", ids["exact2"]: "exact",
                     ids["eightb"]: "equivalent_characters", ids["alt"]: "alternative_read"}
    later = search_client.post("/api/v1/search/plate",
                               json={**body, "misreads": True, "limit": 2, "offset": 2})
    assert later.status_code == 200, later.get_json()
    assert {p["match"] for p in later.get_json()["passages"]} == {"equivalent_characters",
                                                                  "alternative_read"}


def test_plate_probes_run_as_a_generic_plan_without_parallel_workers(conn):
    """gis.search.base.generic: the plate probes (Q1, its misread lookup, the convoy's
    target) run from a plan made once per connection and never gather parallel workers,
    whose start cost several times the probes at national scale; the transaction's own
    settings are back afterwards."""
    from psycopg.rows import tuple_row

    from gis.search.base import generic

    conn.execute("SET LOCAL max_parallel_workers_per_gather = 2")
    cur = conn.cursor(row_factory=tuple_row, binary=True)
    q = ("SELECT current_setting('plan_cache_mode') AS cache,"
         " current_setting('max_parallel_workers_per_gather') AS workers")
    assert generic(cur, q, {}) == [("force_generic_plan", "0")]
    assert list(conn.execute(q).fetchone().values()) == ["auto", "2"]


def test_common_plates_likelihoods_learn_from_the_camera_s_verdicts(login, demo_db, planted,
                                                                    database_url):
    """Q5's marks weigh a look-alike read as the plate searches do: with the confusions that
    officers confirmed at that read's camera (gis.search.misreads.learned), read again
    from the held results (the likelihood follows today's counts, as Q1's does)."""
    officer = login("officer.mn")
    rid = _confirmed(officer, _order(demo_db, areas=NL))
    rows = planted["rows"]


    _, run = _run(officer, rid, "common", {"sites": [_site(rows, "A", ["exact1", "exact2"]),
                                                     _site(rows, "B", ["eightb"])],
                                           "k": 2, "misreads": True})

    def eightb() -> dict:
        answer = officer.get(f"/api/v1/searches/{run['enquiry_id']}/results/answer")
        assert answer.status_code == 200, answer.get_json()
        group = next(p for p in answer.get_json()["plates"] if p["plate"] == planted["plate"])
        return next(x for x in group["passages"] if x["id"] == rows["eightb"]["id"])

    before = eightb()["likelihood"]
    assert 0 < before < 1
    with psycopg.connect(database_url) as c:  # six confirmed 8-for-B misreads at the camera
        c.execute("INSERT INTO misread_confusion (camera_id, day, read_char, true_char,"
                  " confirmed, rejected) VALUES (%s, '2000-01-01', '8', 'B', 6, 0)",
                  (rows["eightb"]["camera_id"],))
    try:
        after = eightb()["likelihood"]
    finally:
        with psycopg.connect(database_url) as c:
            c.execute("DELETE FROM misread_confusion WHERE day = '2000-01-01'")
    assert after == pytest.approx((before * 4 + 6) / (4 + 6), abs=1e-3)
