"""Verdicts on probable misreads are tied to the ordered plate (R7, issue 18).

Confirming a read that a search including probable misreads found other than exactly
means "the crop shows the ordered plate X", not "the read is right". So a verdict given
in one request never stands for another question about the same passage: a read
confirmed as read in an exact search is still to be verified when a later misread
search for another ordered plate finds it, and a verdict for one ordered plate never
counts for another. The package says per row how it matched, the ordered plate, and
that the camera misread a confirmed inexact row (the read itself stays unedited).

Passages of the test's own on a capture day of their own, through the officer's path:
real logins, the JSON API, PostGIS.
"""
from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from datetime import datetime, timedelta, timezone

import psycopg
import pytest
from psycopg.rows import dict_row

from casework_support import crop_jpeg, give_verdicts, on_page
from conftest import photo_vault

UTC = timezone.utc
DAYS_AGO = 23          # a day of its own: no other test file writes passages there


@pytest.fixture
def reads_of_one_car(app, people, demo_db, database_url):
    """One car, plate X, seen four times at one camera: read right, read with B as 8,
    read as another plate whose alternative read is X; and the plate W that the B-as-8
    read is also a probable misread of (its G read for W's 6)."""
    from ingest.partitions import ensure_partition

    vault = photo_vault(app)
    at = (datetime.now(UTC) - timedelta(days=DAYS_AGO)).replace(hour=9, minute=0, second=0,
                                                                microsecond=0)
    tag = uuid.uuid4().hex
    digits = "".join(str(int(c, 16) % 10) for c in tag[:2])
    letter = "DFHJKLNPRTVX"[int(tag[2], 16) % 12]
    x = f"BR{digits}{letter}G"                 # side-code 4 (LLDDLL), the ordered plate
    y = "8" + x[1:]                           # B read as 8
    w = y[:-1] + "6"                           # another plate: y is its G-for-6 misread
    reads = {"exact": (x, None, None), "eight": (y, None, None),
             "alt": (f"KX{digits}{letter}N", [x], [0.6])}
    out = {"x": x, "y": y, "w": w, "day": at.date(), "start": at - timedelta(hours=1),
           "end": at + timedelta(hours=1), "passages": {}}
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        ensure_partition(conn, at.date())
        src = conn.execute("SELECT p.camera_id, p.geom, p.segment_id, l.code "
                           "FROM jj126.passage p JOIN camera c ON c.id = p.camera_id "
                           "JOIN location l ON l.id = c.location_id "
                           "ORDER BY p.captured_at LIMIT 1 OFFSET 11").fetchone()
        out["location"], out["camera"] = src["code"], src["camera_id"]
        for n, (name, (read, alts, confs)) in enumerate(reads.items()):
            row = conn.execute(
                "INSERT INTO jj126.passage (camera_id, captured_at, plate, plate_raw, country,"
                " confidence, geom, crop_key, capture_id, segment_id, alternatives,"
                " alternative_confidences)"
                " VALUES (%s, %s, %s, %s, 'NL', 0.7, %s, %s, %s, %s, %s, %s)"
                " RETURNING id, captured_at",
                (src["camera_id"], at + timedelta(minutes=n), read, read, src["geom"],
                 vault.put(at.date(), crop_jpeg()), f"question-{tag[:8]}-{n}",
                 src["segment_id"], alts, confs)).fetchone()
            out["passages"][name] = {"id": row["id"], "at": row["captured_at"], "read": read}
        conn.commit()
    return out


def _request(officer, d, plate: str, *, misreads: bool,
             plates: list[str] | None = None) -> tuple[int, int]:
    now = datetime.now(UTC)
    body = {
        "received_at": now.isoformat(), "requester_name": "K. Mulder",
        "requester_function": "tactisch rechercheur", "order_reference": f"OvJ-Q-{plate}",
        "prosecutor": "mr. B. de Boer", "prosecutor_office": "Parket Den Haag",
        "order_at": (now - timedelta(minutes=30)).isoformat(), "order_kind": "written",
        "crime_code": "OW2", "purpose": "voertuig in beeld", "facts": "overval",
        "suspect": "bestuurder", "photos": False,
        "investigation": {"system": "Summ-IT", "number": f"SIT-Q-{uuid.uuid4().hex[:8]}",
                          "name": "Jade"},
        "scope": {"windows": [{"start": d["start"].isoformat(), "end": d["end"].isoformat()}],
                  "plates": plates or [plate], "locations": [d["location"]]}}
    resp = officer.post("/api/v1/requests", json=body)
    assert resp.status_code == 201, resp.get_json()
    rid = resp.get_json()["id"]
    assert officer.post(f"/api/v1/requests/{rid}/confirm").status_code == 200
    params = {"plates": plates or [plate], "window": {"start": d["start"].isoformat(),
                                            "end": d["end"].isoformat()}}
    if misreads:
        params["misreads"] = True
    pre = officer.post(f"/api/v1/requests/{rid}/searches",
                       json={"kind": "plate", "parameters": params})
    assert pre.status_code == 201, pre.get_json()
    run = officer.post(f"/api/v1/searches/{pre.get_json()['enquiry_id']}/run")
    assert run.status_code == 200, run.get_json()
    return rid, pre.get_json()["enquiry_id"]


def _open(officer, rid) -> dict[int, dict]:
    """The request's reads still to verify, by passage."""
    page = officer.get(f"/api/v1/requests/{rid}/reads?page_size=500").get_json()
    return {r["passage_id"]: r for r in page["reads"]}


def _counts(conn, camera, day) -> dict[tuple[str, str], tuple[int, int]]:
    return {(r["read_char"], r["true_char"]): (r["confirmed"], r["rejected"])
            for r in conn.execute("SELECT read_char, true_char, confirmed, rejected FROM "
                                  "misread_confusion WHERE camera_id = %s AND day = %s",
                                  (camera, day)).fetchall()}


def _package(officer, rid) -> tuple[list[dict], dict]:
    resp = officer.post(f"/api/v1/requests/{rid}/package")
    assert resp.status_code == 200, resp.get_json()
    z = zipfile.ZipFile(io.BytesIO(resp.data))
    rows = list(csv.DictReader(io.StringIO(z.read("passages.csv").decode())))
    features = json.loads(z.read("passages.geojson"))["features"]
    return rows, {f["properties"]["passage_id"]: f["properties"] for f in features}


def test_a_verdict_answers_one_question_the_crop_against_one_plate(
        reads_of_one_car, login, database_url):
    d = reads_of_one_car
    p = d["passages"]
    eight, exact, alt = p["eight"]["id"], p["exact"]["id"], p["alt"]["id"]
    officer = login("officer.mn")

    # An exact search for the read as read: the officer confirms it (wrongly, say).
    as_read, _ = _request(officer, d, d["y"], misreads=False)
    shown = _open(officer, as_read)
    assert set(shown) == {eight}
    assert shown[eight]["match"] == "exact" and shown[eight]["ordered_plate"] == d["y"]
    assert give_verdicts(officer, as_read, {eight: "confirmed"}).status_code == 200
    assert _open(officer, as_read) == {}

    # A later search including probable misreads for the ordered plate X: that verdict
    # said nothing about X, so the B-as-8 read is still to be compared with X's crop.
    rid, _ = _request(officer, d, d["x"], misreads=True)
    shown = _open(officer, rid)
    assert set(shown) == {exact, eight, alt}
    assert shown[eight]["verdict"] is None
    assert (shown[eight]["match"], shown[eight]["ordered_plate"]) == (
        "equivalent_characters", d["x"])
    assert (shown[alt]["match"], shown[alt]["ordered_plate"]) == ("alternative_read", d["x"])
    assert (shown[exact]["match"], shown[exact]["ordered_plate"]) == ("exact", d["x"])
    assert shown[eight]["plate"] == d["y"]      # the read is shown as read, never edited
    resp = officer.post(f"/api/v1/requests/{rid}/package")
    assert resp.status_code == 409 and "not verified" in resp.get_json()["message"]
    assert give_verdicts(officer, rid, {exact: "confirmed", eight: "confirmed",
                                        alt: "confirmed"}).status_code == 200
    assert _open(officer, rid) == {}

    # The verdicts "the crop shows X" do not count for the other ordered plate W that the
    # same reads are probable misreads of (B read for W's 8, G for its 6): there they are
    # still to be verified, each against W.
    other, _ = _request(officer, d, d["w"], misreads=True)
    shown = _open(officer, other)
    assert set(shown) == {exact, eight, alt}
    assert {r["ordered_plate"] for r in shown.values()} == {d["w"]}
    assert all(r["verdict"] is None for r in shown.values())
    assert give_verdicts(officer, other, {exact: "rejected", eight: "rejected",
                                          alt: "rejected"}).status_code == 200

    # Each verdict taught its own pairs: the as-read verdict none, X's B-as-8 confirmed,
    # W's B-for-8 and G-for-6 rejected; every verdict counts at the camera.
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        assert _counts(conn, d["camera"], d["day"]) == {
            ("", ""): (4, 3), ("8", "B"): (1, 0), ("B", "8"): (0, 1), ("G", "6"): (0, 2)}
        stored = conn.execute("SELECT ordered_plate, verdict::text AS verdict FROM verification"
                              " WHERE passage_id = %s", (eight,)).fetchall()
    assert sorted((r["ordered_plate"], r["verdict"]) for r in stored) == sorted(
        [("", "confirmed"), (d["x"], "confirmed"), (d["w"], "rejected")])

    # The package of X's request: per row how it matched, the ordered plate, and that the
    # camera misread the confirmed inexact rows; the read stays as read. CSV and GeoJSON.
    rows, props = _package(officer, rid)
    by_id = {int(r["passage_id"]): r for r in rows}
    assert set(by_id) == {exact, eight, alt}
    for pid, match, misread in ((exact, "exact", "no"),
                                (eight, "equivalent characters", "yes"),
                                (alt, "alternative read", "yes")):
        for row in (by_id[pid], props[pid]):
            assert row["match"] == match, (pid, row)
            assert row["ordered_plate"] == d["x"]
            assert row["camera_misread"] == misread
            assert row["verification"].startswith("verified: confirmed")
        assert by_id[pid]["plate"] == next(v["read"] for v in p.values() if v["id"] == pid)
    assert d["x"] in by_id[eight]["verification"] and "misread" in by_id[eight]["verification"]

    # The package of W's request holds no row: each read was rejected for W.
    rows, props = _package(officer, other)
    assert rows == [] and props == {}


def test_a_read_that_looks_like_two_ordered_plates_is_asked_about_each(
        reads_of_one_car, login):
    """An order naming two look-alike plates (a witness unsure whether the plate ended in G
    or 6, began with B or 8): a read that is a probable misread of both is asked about
    each, and a rejection answers its own question only. It was asked about one (the
    nearest, then the first named): rejected there ("the crop does not show X") it was
    left out, although the crop showed the other ordered plate W, which nobody asked."""
    d = reads_of_one_car
    p = d["passages"]
    eight, exact, alt = p["eight"]["id"], p["exact"]["id"], p["alt"]["id"]
    officer = login("officer.mn")
    rid, sid = _request(officer, d, d["x"], misreads=True, plates=[d["x"], d["w"]])
    # before any verdict, the search's results hold each passage once
    assert officer.get(f"/api/v1/searches/{sid}/results").get_json()["total"] == 3
    page = officer.get(f"/api/v1/requests/{rid}/reads?page_size=500").get_json()
    asked: dict[int, set[str]] = {}
    for r in page["reads"]:
        asked.setdefault(r["passage_id"], set()).add(r["ordered_plate"])
    # each read against both ordered plates: the B-as-8 read is one character from X (8
    # for B) and one from W (G for 6); X's own read and X as an alternative read are two
    # look-alike characters from W
    assert asked == {eight: {d["x"], d["w"]}, exact: {d["x"], d["w"]},
                     alt: {d["x"], d["w"]}}, asked
    # the crop of the B-as-8 read shows W: not X, but W; the other two show X
    verdicts = [(eight, d["x"], "rejected"), (eight, d["w"], "confirmed"),
                (exact, d["x"], "confirmed"), (exact, d["w"], "rejected"),
                (alt, d["x"], "confirmed"), (alt, d["w"], "rejected")]
    at = {r["passage_id"]: r["captured_at"] for r in page["reads"]}
    resp = officer.post(f"/api/v1/requests/{rid}/verdicts", json=on_page(page, [
        {"passage_id": pid, "captured_at": at[pid], "ordered_plate": plate, "verdict": v}
        for pid, plate, v in verdicts]))
    assert resp.status_code == 200, resp.get_json()
    assert _open(officer, rid) == {}
    rows, props = _package(officer, rid)
    by_id = {int(r["passage_id"]): r for r in rows}
    assert set(by_id) == {eight, exact, alt}, by_id
    assert by_id[eight]["ordered_plate"] == d["w"] and by_id[eight]["camera_misread"] == "yes"
    assert d["w"] in by_id[eight]["verification"]
    assert by_id[exact]["ordered_plate"] == d["x"] and by_id[exact]["camera_misread"] == "no"
    assert by_id[alt]["ordered_plate"] == d["x"] and by_id[alt]["camera_misread"] == "yes"
    assert {props[pid]["ordered_plate"] for pid in (eight, exact, alt)} == {d["x"], d["w"]}
    # the search's results list each passage once, by the question it is provided by;
    # its timeline and map count each once too
    got = officer.get(f"/api/v1/searches/{sid}/results?limit=100").get_json()
    assert got["total"] == 3 and sorted(r["passage_id"] for r in got["passages"]) == sorted(
        [eight, exact, alt]), got
    assert {r["state"] for r in got["passages"]} == {"confirmed"}
    hist = officer.get(f"/api/v1/searches/{sid}/results/histogram").get_json()
    assert hist["total"] == 3
    where = officer.get(f"/api/v1/searches/{sid}/results/locations").get_json()
    assert sum(f["properties"]["passages"] for f in where["features"]) == 3
