"""Camera intake under attack: what a camera, a misconfigured camera and an attacker on
the camera network can send to ``POST /api/v1/intake/passages``, through the real HTTP
path (the web app, the device key, multipart and JSON bodies) into the real database
and photo store. Each refusal is a clear 4xx that stores nothing (no passage, no frame,
no photo object) and reveals nothing beyond the device's own cameras; each acceptance
stores exactly what was acknowledged."""
from __future__ import annotations

import io
import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
import pytest
from PIL import Image
from psycopg.rows import dict_row

from ingest.devices import add_device
from intake_support import cams, count, iconn, intake_url, record  # noqa: F401  (fixtures)
from intake_support import intake_app as make_intake_app
from test_retention import jpeg

UTC = timezone.utc
URL = "/api/v1/intake/passages"


@pytest.fixture(scope="module")
def app(intake_url, tmp_path_factory):
    app = make_intake_app(intake_url, tmp_path_factory.mktemp("attack-intake"), max_batch=50,
                          max_image_kb=512, max_request_mb=4)
    yield app
    app.extensions["anpr_pool"].close()


@pytest.fixture(scope="module")
def keys(intake_url, cams):
    with psycopg.connect(intake_url, row_factory=dict_row) as c:
        _, mine = add_device(c, "attack gantry", camera=cams["fixed"]["id"])
        _, other = add_device(c, "attack gantry 2", camera=cams["fixed2"]["id"])
        _, noplan = add_device(c, "attack unplanned", camera=cams["noplan"])
        c.commit()
    return {"mine": mine, "other": other, "noplan": noplan}


@pytest.fixture
def http(app):
    return app.test_client()


def _multipart(parts: dict[str, bytes]) -> bytes:
    """A multipart body as bytes (the test client spools a large one to a temporary file
    that it leaves open)."""
    out = b""
    for name, blob in parts.items():
        out += (b"--BB\r\nContent-Disposition: form-data; name=\"" + name.encode()
                + b"\"; filename=\"" + name.encode() + b"\"\r\n\r\n" + blob + b"\r\n")
    return out + b"--BB--\r\n"


def _post(http, key, records, images=None, raw_records=None):
    raw = raw_records if raw_records is not None else json.dumps(records)
    data = _multipart({"records": raw.encode("utf-8", "surrogatepass")} | (images or {}))
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return http.post(URL, data=data, headers=headers,
                     content_type="multipart/form-data; boundary=BB")


def _objects(app) -> set[str]:
    root = Path(app.config["ANPR_SETTINGS"].intake.image_dir)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def _count(conn, *args, **kw) -> int:
    """``count``, then the transaction ends: a day's first passage makes the day's
    partition, which waits for every open transaction that read the passages."""
    n = count(conn, *args, **kw)
    conn.rollback()
    return n


def _frames(conn, tag: str) -> int:
    n = conn.execute("SELECT count(*) AS n FROM detector_frame WHERE capture_id LIKE %s",
                     (tag + "%",)).fetchone()["n"]
    conn.rollback()
    return n


def _tag(letter: str) -> str:
    return f"{letter}{uuid.uuid4().hex[:8]}"


# -- defects found -------------------------------------------------------------------------

@pytest.mark.parametrize("at, reason", [
    ("9999-12-31T23:59:59-01:00", "future_timestamp"),  # past year 9999 once in UTC
    ("0001-01-01T00:00:00+01:00", "expired_timestamp"),  # before year 1 once in UTC
])
def test_a_timestamp_beyond_the_calendar_in_utc_is_refused_not_a_500(http, keys, cams,
                                                                      iconn, at, reason):
    """A camera whose clock is reset (year 1) or an attacker sending year 9999 with an
    offset: the conversion to UTC overflowed Python's calendar and answered 500."""
    tag = _tag("o")
    r = _post(http, keys["mine"], [record(cams["fixed"], 0, capture_id=f"{tag}-0",
                                          captured_at=at)])
    assert r.status_code == 422, r.get_data(as_text=True)[:300]
    assert r.json["details"]["results"][0]["reason"] == reason
    assert _count(iconn, capture_prefix=tag) == 0


def test_a_retry_with_other_photo_bytes_stores_no_photo(http, keys, cams, iconn, app):
    """A retried record is a duplicate; its photo, re-encoded or swapped on the way, must
    not land in the store: nothing refers to it, no frame is queued for it, so the
    unblurred photo would lie there for 28 days (R8)."""
    tag = _tag("d")
    rec = record(cams["fixed"], 0, capture_id=f"{tag}-0", overview="o.jpg", crop="c.jpg")
    r = _post(http, keys["mine"], [rec], {"o.jpg": jpeg(301), "c.jpg": jpeg(303, (20, 10))})
    assert r.status_code == 200 and r.json["accepted"] == 1
    before = _objects(app)
    r = _post(http, keys["mine"], [rec], {"o.jpg": jpeg(302), "c.jpg": jpeg(304, (20, 10))})
    assert r.status_code == 200 and r.json["duplicates"] == 1
    assert _objects(app) == before
    # and within one batch: the second copy of a record is a duplicate too
    tag = _tag("d")
    rec = record(cams["fixed"], 1, capture_id=f"{tag}-0", overview="a.jpg")
    r = _post(http, keys["mine"], [rec, {**rec, "overview": "b.jpg"}],
              {"a.jpg": jpeg(305), "b.jpg": jpeg(306)})
    assert [x["status"] for x in r.json["results"]] == ["accepted", "duplicate"]
    new = _objects(app) - before
    assert len(new) == 1 and new.pop().endswith(__import__("hashlib").sha256(jpeg(305)).hexdigest())


@pytest.mark.parametrize("same_batch", [False, True])
def test_a_capture_id_used_again_at_another_time_is_another_passage_and_blurred(
        http, keys, cams, iconn, app, same_batch):
    """A camera whose capture counter restarted (after a reboot, or per day) sends a
    capture id it used before, at another time. The passage is another one (its key is
    camera, capture id and time), and so is its frame: the detector's queue once knew a
    frame by camera and capture id alone, so the second photo was stored and acknowledged
    without a frame, never blurred, never shown and never providable (R8); then intake
    refused such a passage (``capture_id_reused``), losing a lawful passage. Now both are
    stored, each with its own frame, and a worker blurs both; a retry of either record is a
    duplicate and queues nothing."""
    tag = _tag("r")
    now = datetime.now(UTC)
    a = record(cams["fixed"], 0, capture_id=f"{tag}-0", overview="a.jpg",
               at=now - timedelta(hours=3))
    b = record(cams["fixed"], 1, capture_id=f"{tag}-0", overview="b.jpg",
               at=now - timedelta(hours=2))
    images = {"a.jpg": jpeg(311), "b.jpg": jpeg(312)}
    if not same_batch:
        assert _post(http, keys["mine"], [a], images).status_code == 200
    r = _post(http, keys["mine"], [b] if not same_batch else [a, b], images)
    assert r.status_code == 200, r.json
    assert [x["status"] for x in r.json["results"]] == ["accepted"] * (1 + same_batch)
    assert _count(iconn, capture_prefix=tag) == 2
    assert _frames(iconn, tag) == 2
    for rec in (a, b):      # retries: duplicates, no frame more
        r = _post(http, keys["mine"], [rec], images)
        assert r.status_code == 200 and r.json["results"][0]["status"] == "duplicate", r.json
    assert _count(iconn, capture_prefix=tag) == _frames(iconn, tag) == 2
    # each passage's frame is the one with its own time and its own photo
    rows = iconn.execute(
        """SELECT p.captured_at, p.overview_key, f.image_key
             FROM jj126.passage p JOIN detector_frame f ON f.camera_id = p.camera_id
                  AND f.capture_id = p.capture_id AND f.captured_at = p.captured_at
            WHERE p.capture_id = %s ORDER BY p.captured_at""", (f"{tag}-0",)).fetchall()
    iconn.rollback()
    assert len(rows) == 2 and all(x["overview_key"] == x["image_key"] for x in rows), rows
    assert rows[0]["image_key"] != rows[1]["image_key"]
    # both are claimable by a worker (queued, due): none is left without its blur
    queued = iconn.execute(
        "SELECT count(*) AS n FROM detector_frame WHERE capture_id = %s AND state = 'queued'",
        (f"{tag}-0",)).fetchone()["n"]
    iconn.rollback()
    assert queued == 2


def test_a_key_does_not_tell_which_other_cameras_are_registered(http, keys, cams, iconn):
    """A key for one camera, asked about another camera, got 'camera_not_allowed' for a
    registered one and 'unknown_camera' for an unregistered one: an attacker with one
    gantry's key could enumerate the registry. Both answer alike now."""
    tag = _tag("u")
    real = _post(http, keys["mine"], [record(cams["fixed2"], 0, capture_id=f"{tag}-0")])
    ghost = _post(http, keys["mine"], [record({**cams["fixed2"], "id": "GHOST-9"}, 0,
                                              capture_id=f"{tag}-1")])
    noplan = _post(http, keys["mine"], [record({**cams["fixed"], "id": cams["noplan"]}, 0,
                                               capture_id=f"{tag}-2")])
    answers = [x.json["details"]["results"][0] for x in (real, ghost, noplan)]
    assert {a["reason"] for a in answers} == {"camera_not_allowed"}
    assert [a["message"].replace(n, "X") for a, n in
            zip(answers, (cams["fixed2"]["id"], "GHOST-9", cams["noplan"]))] == \
        [answers[0]["message"].replace(cams["fixed2"]["id"], "X")] * 3
    assert _count(iconn, capture_prefix=tag) == 0


# -- attacks that hold ---------------------------------------------------------------------

def test_keys_and_cameras_refused(http, keys, cams, iconn, app):
    """No key, a malformed key, a forged key with a real prefix, another camera's key, and
    a key of a registered camera outside the published plan (R9): 401 or 422, nothing
    stored, no photo written; the key's own camera in the plan is stored."""
    tag = _tag("k")
    before = _objects(app)
    rec = record(cams["fixed"], 0, capture_id=f"{tag}-0", overview="o.jpg")
    photo = {"o.jpg": jpeg(401)}
    forged = keys["mine"].rsplit("_", 1)[0] + "_" + "A" * 43
    for key in (None, "", "anprdev_", "anprdev_x_y", "Basic abc", forged, "x" * 10_000):
        r = _post(http, key, [rec], photo)
        assert r.status_code == 401 and r.json["error"] == "unauthenticated", key
        assert tag not in r.get_data(as_text=True)
    r = http.post(URL, json={"records": [rec]}, headers={"X-Device-Key": forged})
    assert r.status_code == 401
    r = _post(http, keys["other"], [rec], photo)
    assert r.status_code == 422
    assert r.json["details"]["results"][0]["reason"] == "camera_not_allowed"
    r = _post(http, keys["noplan"], [{**rec, "camera": cams["noplan"]}], photo)
    assert r.status_code == 422 and r.json["details"]["results"][0]["reason"] == "not_in_plan"
    assert _count(iconn, capture_prefix=tag) == 0 and _objects(app) == before
    r = _post(http, keys["mine"], [rec], photo)
    assert r.status_code == 200 and r.json["accepted"] == 1


@pytest.mark.parametrize("change", ["retired", "ended"])
def test_a_retired_or_ended_camera_stores_nothing(http, intake_url, cams, iconn, app, change):
    """R9: a camera of the published plan that the registry retired, or whose active
    period ended yesterday, is refused with its own valid key."""
    with psycopg.connect(intake_url, row_factory=dict_row) as c:
        from camera_registry.membership import cameras_in_plan

        in_plan = cameras_in_plan(c, datetime.now(UTC))
        cam = c.execute(
            "SELECT c.id, ST_X(l.geom) AS lon, ST_Y(l.geom) AS lat, c.status::text AS status,"
            " c.active_to FROM camera c JOIN location l ON l.id = c.location_id"
            " WHERE c.mounting = 'fixed' AND c.id <> ALL(%s) AND c.location_id <> ALL(%s)"
            " AND c.id = ANY(%s) ORDER BY c.id DESC LIMIT 1",
            ([cams["fixed"]["id"], cams["fixed2"]["id"]],
             [cams["fixed"]["location_id"], cams["fixed2"]["location_id"]],
             sorted(in_plan))).fetchone()
        _, key = add_device(c, f"attack {change}", camera=cam["id"])
        if change == "retired":
            c.execute("UPDATE camera SET status = 'retired' WHERE id = %s", (cam["id"],))
        else:
            c.execute("UPDATE camera SET active_to = current_date - 1 WHERE id = %s",
                      (cam["id"],))
        c.commit()
    try:
        tag = _tag("t")
        before = _objects(app)
        r = _post(http, key, [record(cam, 0, capture_id=f"{tag}-0", overview="o.jpg")],
                  {"o.jpg": jpeg(402)})
        assert r.status_code == 422, r.json
        assert r.json["details"]["results"][0]["reason"] == "not_in_plan"
        assert _count(iconn, capture_prefix=tag) == 0 and _objects(app) == before
    finally:
        with psycopg.connect(intake_url) as c:
            c.execute("UPDATE camera SET status = %s, active_to = %s WHERE id = %s",
                      (cam["status"], cam["active_to"], cam["id"]))


def test_time_edges(http, keys, cams, iconn, settings):
    """Offsets decide, not the wall-clock text: the last microsecond of the expired UTC day
    written at +14:00 (the next day's date) is refused, its first successor accepted; a
    time within the clock skew is accepted, beyond it refused; the same moment written
    with two offsets is one passage; out-of-order times in one batch are all stored."""
    from datetime import time as dtime

    now = datetime.now(UTC)
    expired = (now - timedelta(days=settings.retention.days)).date()
    last = datetime.combine(expired, dtime.max, tzinfo=UTC)
    plus14 = timezone(timedelta(hours=14))
    tag = _tag("e")
    cases = [(last.astimezone(plus14).isoformat(), "expired_timestamp"),
             ((now + timedelta(seconds=settings.intake.clock_skew_s + 5)).isoformat(),
              "future_timestamp"),
             ("2026-05-01T10:00:00", "naive_timestamp"),
             ("2026-05-01 10:00", "naive_timestamp"),
             ("1770000000", "bad_timestamp"), ("", "missing_field"),
             ("2026-13-01T10:00:00Z", "bad_timestamp"), ("2026-05-01T10:00:00+25:00", "bad_timestamp")]
    for i, (at, reason) in enumerate(cases):
        r = _post(http, keys["mine"], [record(cams["fixed"], i, capture_id=f"{tag}-{i}",
                                              captured_at=at)])
        assert r.status_code == 422 and r.json["details"]["results"][0]["reason"] == reason, at
    for raw in (1770000000, 2**63 - 1, None, ["2026-05-01T10:00:00Z"]):
        r = _post(http, keys["mine"], [record(cams["fixed"], 0, capture_id=f"{tag}-x",
                                              captured_at=raw)])
        assert r.status_code == 422, raw
    assert _count(iconn, capture_prefix=tag) == 0
    first = (last + timedelta(microseconds=1)).astimezone(plus14)
    moment = (now - timedelta(hours=1)).replace(microsecond=0)
    recs = [record(cams["fixed"], 0, capture_id=f"{tag}-a", captured_at=first.isoformat()),
            record(cams["fixed"], 1, capture_id=f"{tag}-b", at=moment),
            record(cams["fixed"], 2, capture_id=f"{tag}-b",
                   captured_at=moment.astimezone(timezone(timedelta(hours=-9, minutes=-30))
                                                 ).isoformat()),
            record(cams["fixed"], 3, capture_id=f"{tag}-c", at=moment - timedelta(hours=5)),
            record(cams["fixed"], 4, capture_id=f"{tag}-d",
                   at=now + timedelta(seconds=settings.intake.clock_skew_s - 30))]
    r = _post(http, keys["mine"], recs)
    assert r.status_code == 200, r.json
    assert [x["status"] for x in r.json["results"]] == ["accepted", "accepted", "duplicate",
                                                        "accepted", "accepted"]
    assert _count(iconn, capture_prefix=tag) == 4


def test_photos_that_are_not_photos_store_nothing(http, keys, cams, iconn, app):
    """Decompression bombs (a PNG of 30,000 x 30,000 in a few kB; a JPEG whose header
    claims 65,000 x 65,000; a PNG just over the pixel limit), text with an image name,
    an empty part, a truncated JPEG, a GIF, an oversized part and a photo part that is
    missing: 422 each, no passage, no photo object; an unreferenced part is not stored."""
    def png(w, h):
        buf = io.BytesIO()
        Image.new("1", (w, h)).save(buf, "PNG", optimize=True)
        return buf.getvalue()

    def jpeg_claiming(w, h):
        data = bytearray(jpeg(5, (16, 16)))
        i = data.index(b"\xff\xc0")
        data[i + 5:i + 9] = h.to_bytes(2, "big") + w.to_bytes(2, "big")
        return bytes(data)

    gif = io.BytesIO()
    Image.new("RGB", (8, 8)).save(gif, "GIF")
    blobs = {"bomb.png": (png(30000, 30000), "image_too_large"),
             "over.png": (png(7000, 6000), "image_too_large"),
             "bomb.jpg": (jpeg_claiming(65000, 65000), "image_too_large"),
             "html.jpg": (b"<html><script>alert(1)</script></html>", "bad_image"),
             "empty.jpg": (b"", "bad_image"),
             "cut.jpg": (jpeg(9, (640, 480))[:-400], "bad_image"),
             "anim.gif": (gif.getvalue(), "bad_image"),
             "big.jpg": (b"\xff\xd8" + b"\x00" * 600 * 1024, "image_too_large")}
    before = _objects(app)
    tag = _tag("i")
    for name, (blob, reason) in blobs.items():
        r = _post(http, keys["mine"], [record(cams["fixed"], 0, capture_id=f"{tag}-{name}",
                                              crop=name)], {name: blob})
        assert r.status_code == 422, name
        assert r.json["details"]["results"][0]["reason"] == reason, name
    r = _post(http, keys["mine"], [record(cams["fixed"], 0, capture_id=f"{tag}-m",
                                          overview="absent.jpg")], {"other.jpg": jpeg(1)})
    assert r.json["details"]["results"][0]["reason"] == "missing_image"
    for ref in ("../x.jpg", "/etc/passwd", "a/../../b", "a\\b.jpg", "x" * 300):
        r = _post(http, keys["mine"], [record(cams["fixed"], 0, capture_id=f"{tag}-r",
                                              overview=ref)], {ref: jpeg(1)})
        assert r.json["details"]["results"][0]["reason"] == "bad_image", ref
    assert _count(iconn, capture_prefix=tag) == 0 and _objects(app) == before
    # a stored passage with a part nobody refers to: the part is not stored
    r = _post(http, keys["mine"], [record(cams["fixed"], 0, capture_id=f"{tag}-ok")],
              {"stray.jpg": jpeg(403)})
    assert r.status_code == 200 and _objects(app) == before


def test_one_photo_for_two_passages_is_stored_once_and_queued_for_each(http, keys, cams,
                                                                      iconn, app):
    tag = _tag("s")
    before = _objects(app)
    recs = [record(cams["fixed"], i, capture_id=f"{tag}-{i}", overview="same.jpg")
            for i in range(2)]
    r = _post(http, keys["mine"], recs, {"same.jpg": jpeg(404)})
    assert r.status_code == 200 and r.json["accepted"] == 2
    assert len(_objects(app) - before) == 1 and _frames(iconn, tag) == 2


def test_oversized_bodies_are_413_and_store_nothing(http, keys, cams, iconn, app):
    """Over the request limit (4 MiB here) in one photo part, in the records or in a JSON
    body, and more parts than a batch may hold: 413 with a JSON error, nothing stored."""
    tag = _tag("b")
    before = _objects(app)
    rec = json.dumps([record(cams["fixed"], 0, capture_id=f"{tag}-0", overview="o.jpg")])
    h = {"X-Device-Key": keys["mine"]}
    for body in (_multipart({"records": rec.encode(), "o.jpg": b"\xff\xd8" + b"\0" * (5 << 20)}),
                 _multipart({"records": rec.encode() + b" " * (5 << 20)})):
        r = http.post(URL, data=body, content_type="multipart/form-data; boundary=BB", headers=h)
        assert r.status_code == 413 and r.json["message"], r.status_code
    r = http.post(URL, data='{"records": ' + rec + "}" + " " * (5 << 20),
                  content_type="application/json", headers=h)
    assert r.status_code == 413
    assert _count(iconn, capture_prefix=tag) == 0 and _objects(app) == before


# Werkzeug's form parser leaves the parts it read open when it stops at max_form_parts
# (small in-memory spooled files, closed by the garbage collector): its leak, not ours.
@pytest.mark.filterwarnings("ignore:Exception ignored in. <function SpooledTemporaryFile"
                            ":pytest.PytestUnraisableExceptionWarning")
def test_more_parts_than_a_batch_may_hold_is_413(http, keys, cams, iconn, app):
    tag = _tag("b")
    before = _objects(app)
    rec = json.dumps([record(cams["fixed"], 0, capture_id=f"{tag}-0", overview="o.jpg")])
    body = _multipart({"records": rec.encode(), "o.jpg": jpeg(1)}
                      | {f"p{i}.jpg": b"x" for i in range(200)})
    r = http.post(URL, data=body, content_type="multipart/form-data; boundary=BB",
                  headers={"X-Device-Key": keys["mine"]})
    assert r.status_code == 413 and r.json["message"]
    assert _count(iconn, capture_prefix=tag) == 0 and _objects(app) == before


DEEP = "[" * 50_000 + "]" * 50_000


@pytest.mark.parametrize("raw, status", [
    ("", 400), ("   ", 400), ("[]", 400), ("null", 422), ("5", 422), ('"text"', 422),
    ("[[[]]]", 422), ('{"records": []}', 422), ("[1, true, null]", 422),
    ("{not json", 400), ('[{"camera": "a\\u0000b"}]', 400), ('[{"plate": "\\ud800"}]', 400),
    ('[{"capture_id": 18446744073709551616}]', 400), (DEEP, 400),
    ('[{"alternatives": ' + "[" * 40 + "]" * 40 + "}]", 400),
    ('[{"lat": NaN, "lon": Infinity}]', 422), ("[" + "{}," * 60 + "{}]", 413),
])
def test_malformed_record_parts(http, keys, iconn, raw, status):
    """The records part as every wrong JSON shape: 400 for what is not JSON (or holds NUL,
    a lone surrogate, an integer beyond 64 bits, nesting deeper than 32), 422 with a
    reason per record for JSON that is not records, 413 beyond the batch; never a 500."""
    n = _count(iconn)
    r = _post(http, keys["mine"], None, raw_records=raw)
    assert r.status_code == status, (raw[:60], r.status_code, r.get_data(as_text=True)[:200])
    assert r.json["message"]
    assert _count(iconn) == n


def test_bodies_of_other_shapes(http, keys, iconn):
    n = _count(iconn)
    h = {"X-Device-Key": keys["mine"]}
    for body, ctype in ((b"\xff\xfe[{}]", "application/json"), (b"[{}]", "text/plain"),
                        (b"records=[]", "application/x-www-form-urlencoded"),
                        (b"--x\r\n", "multipart/form-data"),
                        (b"--x--\r\n", "multipart/form-data; boundary=x"),
                        (b'{"records": {"a": 1}}', "application/json"),
                        (b'{"records": [{}]} trailing', "application/json"),
                        (DEEP.encode(), "application/x-ndjson")):
        r = http.post(URL, data=body, content_type=ctype, headers=h)
        assert r.status_code in (400, 415, 422), (body[:30], ctype, r.status_code)
        assert r.is_json and r.json["message"]
    assert _count(iconn) == n


@pytest.mark.parametrize("plate, reason", [
    ("ＡＢ１２３", "bad_plate"), ("AB\u00a0123", "bad_plate"), ("İST-12", "bad_plate"),
    ("AB-12-C\n", "bad_plate"), ("-AB12", "bad_plate"), ("A" * 21, "bad_plate"),
    ("A1234567890BC", "bad_plate"), ("AB'; DROP TABLE x;--", "bad_plate"),
    ("=HYPERLINK(1)", "bad_plate"), (12345, "bad_plate"), (["AB12"], "bad_plate"),
    ("AB\u0301-12", "bad_plate"), ("AB\u200b12", "bad_plate"), ("\\N", "bad_plate"),
])
def test_odd_plates_are_refused(http, keys, cams, iconn, plate, reason):
    tag = _tag("q")
    r = _post(http, keys["mine"], [record(cams["fixed"], 0, capture_id=f"{tag}-0",
                                          plate=plate)])
    assert r.status_code == 422 and r.json["details"]["results"][0]["reason"] == reason
    assert _count(iconn, capture_prefix=tag) == 0


def test_a_plate_as_read_is_stored_as_read_and_normalised(http, keys, cams, iconn):
    tag = _tag("n")
    r = _post(http, keys["mine"], [record(cams["fixed"], 0, capture_id=f"{tag}-0",
                                          plate="ab.12 - c", country="nl")])
    assert r.status_code == 200
    row = iconn.execute("SELECT plate, plate_raw, country FROM jj126.passage "
                        "WHERE capture_id = %s", (f"{tag}-0",)).fetchone()
    assert dict(row) == {"plate": "AB12C", "plate_raw": "ab.12 - c", "country": "NL"}
