"""``anpr bench casework``: an officer's request at volume, step by step, through the API.

A block query of ``--passages`` passages (30,000 by default) with photos ordered, and a
partial-plate search over the same passages so that every one of them is a read to
verify (R7): from the count preview to the downloaded package, each system step is
timed through the JSON API (the Flask app in process, as a browser's request reaches
it, without the socket), next to a baseline in the same run: the same steps the way the
report describes Argus, 10 reads and 12 photos per page, each photo approved on its
own. The baseline pages are a sample (``--baseline-pages``) and its total is that
sample's mean times the pages it would take.

The passages come in through intake (``ingest.intake.intake_batch``), each with an
overview photo and a plate crop rendered by ``detector/render.py``, stored encrypted
as intake stores them; a detector worker then processes every frame. The worker runs
without a detection model here: the detector has its own benchmark (``anpr bench
detector``), this one measures the officer's pages. The shipped plate reader then reads
every crop (``detector_plate_opinion``, as a worker with the reader records it), so the
reads are listed with the machine's opinion beside them and ordered by it, and a page
of agreeing reads is confirmed with its spot-check, as an officer works them (#15).

With Chromium at hand, the officer's own part is measured too (``bench.officer``):
one verification page of 500 and one photo page of 48 worked by keyboard in a browser,
the key presses counted, and the officer time for 30,000 passages with photos
extrapolated beside the report's way. The data lives in its own database
(``anpr_bench_casework`` by default) and is loaded once per size; a request is made
afresh each run, after the previous run's verdicts on those passages are deleted (a
verdict holds across requests, so there would be nothing left to verify).
"""
from __future__ import annotations

import hashlib
import io
import json
import statistics
import time
import uuid
import zipfile
from datetime import timedelta
from typing import Any, Callable

import click
import cv2
import numpy as np
import psycopg
from psycopg.rows import dict_row

from bench.figures import Figure, bench_database, report

UNIT = "MN"
PREFIX = "BK"              # every bench plate starts so: one partial-plate pattern finds all
PASSWORD = "bench-password-126jj"
PAGE_TARGET_MS = 300.0
PACKAGE_TARGET_S = 30.0
READS_PAGE, PHOTOS_PAGE = 500, 48
BASE_READS_PAGE, BASE_PHOTOS_PAGE = 10, 12


# -- the data: passages with photos, through intake and a detector worker -----------------

def _pool(n: int, seed: int) -> list[np.ndarray]:
    """Rendered overview scenes; each passage gets one of them with a few pixels of its
    own, so every stored photo is a different object. (A passage's plate crop is rendered
    for its own plate: the crop shows the plate the camera read, as verification and the
    plate reader need it.)"""
    from detector.render import plate_text, printed_plate, render_scene

    rng = np.random.default_rng(seed)
    scenes = []
    for i in range(n):
        plate = PREFIX + plate_text(rng)[2:]
        scenes.append(render_scene(seed, "bench", i, width=320, height=180,
                                   plate=printed_plate(plate)).image)
    return scenes


def _jpeg(img: np.ndarray, salt: str, n: int) -> bytes:
    """The image with a corner of its own: the object store is shared by every database
    on this home and keys objects by content, so no two loads may send the same bytes."""
    img = img.copy()
    mark = hashlib.sha256(f"{salt}-{n}".encode()).digest()[:24]
    img[0, :8] = np.frombuffer(mark, np.uint8).reshape(8, 3)
    ok, enc = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    return enc.tobytes()


def load(conn: psycopg.Connection, settings, url: str, vault, n: int, *,
         echo: Callable[[str], None]) -> dict[str, Any]:
    """``n`` passages of one location in the last hours, photo and crop each; loaded once
    per size (the capture ids say which), then blurred by a worker."""
    from anpr import clock
    from sim.demo import load_demo
    from detector.worker import Worker
    from ingest.intake import intake_batch

    tag = f"bench-cw2-{n}-"      # cw2: each crop shows its passage's own plate
    if not conn.execute("SELECT 1 FROM location LIMIT 1").fetchone():
        load_demo(conn, settings, traffic=False)
        conn.commit()
    loc = conn.execute("""
        SELECT l.code, array_agg(c.id ORDER BY c.id) AS cameras, ST_X(l.geom) AS lon,
               ST_Y(l.geom) AS lat
          FROM location l JOIN camera c ON c.location_id = l.id
         WHERE l.unit_code = %s
         GROUP BY l.id ORDER BY count(*) DESC, l.code LIMIT 1""", (UNIT,)).fetchone()
    have = conn.execute("SELECT min(captured_at) AS start, max(captured_at) AS end, count(*) AS n"
                        " FROM jj126.passage WHERE capture_id LIKE %s",
                        (tag + "%",)).fetchone()
    if have["n"] < n:
        end = clock.now().replace(second=0, microsecond=0) - timedelta(minutes=5)
        start = end - timedelta(hours=2)
        step = (end - start) / n
        scenes = _pool(24, 126)
        rng = np.random.default_rng(126)
        salt = uuid.uuid4().hex
        from detector.render import plate_text, printed_plate, render_plate_crop

        t0 = time.perf_counter()
        batch = 2000
        for b in range(have["n"], n, batch):
            records, images = [], {}
            for i in range(b, min(n, b + batch)):
                cam = loc["cameras"][i % len(loc["cameras"])]
                plate = PREFIX + plate_text(rng)[2:]
                images[f"o{i}"] = _jpeg(scenes[i % len(scenes)], salt, i)
                images[f"c{i}"] = _jpeg(render_plate_crop(printed_plate(plate), 126, "bench", i),
                                        salt, -1 - i)
                records.append({"camera": cam, "captured_at": (start + step * i).isoformat(),
                                "plate": plate, "country": "NL", "confidence": 0.95,
                                "lat": loc["lat"], "lon": loc["lon"],
                                "capture_id": f"{tag}{i}", "overview": f"o{i}",
                                "crop": f"c{i}"})
            intake_batch(conn, records, images, settings, allowed=None, vault=vault)
            conn.commit()
            echo(f"intake: {min(n, b + batch):,} of {n:,} passages")
        echo(f"intake took {time.perf_counter() - t0:.0f} s")
    frames = conn.execute("SELECT count(*) AS n FROM detector_frame WHERE state <> 'done'"
                          ).fetchone()["n"]
    if frames:
        t0 = time.perf_counter()
        from detector.blur import BlurConfig
        from detector.worker import WorkerConfig

        # No model, no face source: with nothing detected the whole frame is blurred (the
        # surroundings rule), which is all the officer's pages need of the detector.
        config = WorkerConfig(batch=32, blur=BlurConfig(faces=False, read_plates=False))
        Worker(url, vault, lambda images: [[] for _ in images], model_version="bench@0",
               config=config, discard=vault.supersede).run(drain=True)
        echo(f"detector worker (no model): {frames:,} frames in "
             f"{time.perf_counter() - t0:.0f} s")
    _opinions(conn, vault, tag, echo)
    have = conn.execute("SELECT min(captured_at) AS start, max(captured_at) AS end, count(*) AS n"
                        " FROM jj126.passage WHERE capture_id LIKE %s",
                        (tag + "%",)).fetchone()
    forget_verdicts(conn, tag)
    return {"location": loc["code"], "cameras": list(loc["cameras"]), "start": have["start"],
            "end": have["end"], "passages": have["n"], "tag": tag}


def forget_verdicts(conn: psycopg.Connection, tag: str) -> None:
    """A verdict holds for the passage across requests (R7): a later request on the same
    passages would find nothing to verify, so the bench's earlier verdicts go first."""
    conn.execute("DELETE FROM verification v USING jj126.passage p WHERE p.capture_id LIKE %s"
                 " AND v.passage_id = p.id AND v.captured_at = p.captured_at", (tag + "%",))
    conn.commit()


def _opinions(conn: psycopg.Connection, vault, tag: str, echo: Callable[[str], None],
              batch: int = 256) -> None:
    """The shipped plate reader's opinion of each bench passage's crop that has none yet
    (or one by another version of the reader: a bench database outlives a retrained
    reader), recorded under its frame as a worker with the reader records it
    (``detector.queue``)."""
    from detector.frames import decode
    from detector.ocr import default_reader, weights_version

    version = weights_version()
    todo = conn.execute("""
        SELECT f.id AS frame_id, p.id, p.captured_at, p.crop_key, p.plate
          FROM jj126.passage p
          JOIN detector_frame f ON f.camera_id = p.camera_id AND f.capture_id = p.capture_id
                               AND f.captured_at = p.captured_at
         WHERE p.capture_id LIKE %s AND p.crop_key IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM detector_plate_opinion o
                            WHERE o.passage_id = p.id AND o.captured_at = p.captured_at
                              AND o.model = %s)
         ORDER BY p.captured_at""", (tag + "%", version)).fetchall()
    if not todo:
        return
    reader = default_reader()
    t0 = time.perf_counter()
    for b in range(0, len(todo), batch):
        rows = todo[b:b + batch]
        got = reader.read_many([decode(vault.get(r["crop_key"])) for r in rows])
        conn.execute(
            "INSERT INTO detector_plate_opinion (frame_id, passage_id, captured_at, text,"
            " confidence, side_code, crop, model, agrees)"
            " SELECT t.frame, t.pid, t.at, t.text, t.conf, t.code, 'camera', %s,"
            " t.text = t.plate FROM unnest(%s::bigint[], %s::bigint[], %s::timestamptz[],"
            " %s::text[], %s::real[], %s::smallint[], %s::text[])"
            " AS t(frame, pid, at, text, conf, code, plate) ON CONFLICT (frame_id) DO UPDATE"
            " SET text = excluded.text, confidence = excluded.confidence,"
            " side_code = excluded.side_code, model = excluded.model,"
            " agrees = excluded.agrees, read_at = now()",
            (reader.version, [r["frame_id"] for r in rows], [r["id"] for r in rows],
             [r["captured_at"] for r in rows], [g.text for g in got],
             [min(1.0, max(0.0, g.confidence)) for g in got], [g.side_code for g in got],
             [r["plate"] for r in rows]))
        conn.commit()
    agree = conn.execute("SELECT count(*) FILTER (WHERE o.agrees AND o.confidence >= 0.8) AS n,"
                         " count(*) AS total FROM jj126.passage p JOIN detector_plate_opinion o"
                         " ON o.passage_id = p.id AND o.captured_at = p.captured_at"
                         " WHERE p.capture_id LIKE %s", (tag + "%",)).fetchone()
    echo(f"plate reader: {len(todo):,} crops read in {time.perf_counter() - t0:.0f} s; "
         f"it agrees surely with {agree['n']:,} of {agree['total']:,} camera reads")


# -- the officer's steps, through the API --------------------------------------------------

class _Api:
    """A logged-in session on the app; every call timed, failures loud."""

    def __init__(self, app, username: str) -> None:
        self.client = app.test_client()
        token = self.client.get("/api/v1/session").get_json()["csrf_token"]
        resp = self.client.post("/api/v1/session", json={"username": username,
                                                          "password": PASSWORD},
                                headers={"X-CSRF-Token": token})
        assert resp.status_code == 200, resp.get_json()
        self.csrf = resp.get_json()["csrf_token"]

    def call(self, method: str, path: str, body: Any = None, *, ok=(200, 201)):
        t0 = time.perf_counter()
        if method == "GET":
            resp = self.client.get(path)
        else:
            resp = getattr(self.client, method.lower())(path, json=body,
                                                         headers={"X-CSRF-Token": self.csrf})
        data = resp.data  # the whole answer, as a browser reads it
        ms = (time.perf_counter() - t0) * 1000
        if resp.status_code not in ok:
            raise click.ClickException(f"{method} {path}: {resp.status_code} {data[:300]!r}")
        return resp, ms


def _order(data: dict[str, Any]) -> dict[str, Any]:
    from anpr import clock

    now = clock.now()
    return {
        "received_at": now.isoformat(), "requester_name": "B. Enchmark",
        "requester_function": "tactisch rechercheur", "order_reference": "OvJ-BENCH",
        "prosecutor": "mr. B. de Boer", "prosecutor_office": "Parket Den Haag",
        "order_at": (now - timedelta(minutes=5)).isoformat(), "order_kind": "written",
        "crime_code": "OW2", "purpose": "alle voertuigen bij de overval",
        "facts": "overval, voertuig onbekend", "suspect": "onbekend", "photos": True,
        "investigation": {"system": "BVH", "number": f"BENCH-{uuid.uuid4().hex[:8]}",
                          "name": "Benchmark"},
        "scope": {"windows": [{"start": (data["start"] - timedelta(minutes=1)).isoformat(),
                               "end": (data["end"] + timedelta(minutes=1)).isoformat()}],
                  "locations": [data["location"]]},
    }


def _window(data):
    return {"start": (data["start"] - timedelta(minutes=1)).isoformat(),
            "end": (data["end"] + timedelta(minutes=1)).isoformat()}


def _p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def searched_request(api: _Api, data: dict[str, Any]) -> tuple[int, dict[str, float]]:
    """A confirmed request with photos ordered, its block query and partial-plate search
    previewed and run over the bench passages; returns its id and each step's time."""
    n = data["passages"]
    resp, ms_register = api.call("POST", "/api/v1/requests", _order(data))
    rid = resp.get_json()["id"]
    _, ms_confirm = api.call("POST", f"/api/v1/requests/{rid}/confirm")
    base = f"/api/v1/requests/{rid}"

    steps: dict[str, float] = {"register": ms_register, "confirm": ms_confirm}
    for kind, params in (("block", {"selection": {"kind": "pick",
                                                  "locations": [data["location"]]}}),
                         ("partial", {"pattern": PREFIX + "*",
                                      "cameras": data["cameras"]})):
        resp, ms = api.call("POST", f"{base}/searches",
                            {"kind": kind, "parameters": {**params, "window": _window(data)}})
        steps[f"{kind} preview"] = ms
        eid = resp.get_json()["enquiry_id"]
        resp, ms = api.call("POST", f"/api/v1/searches/{eid}/run")
        steps[f"{kind} run"] = ms
        kept = resp.get_json()["passages_kept"]
        if kept != n:
            raise click.ClickException(f"the {kind} search kept {kept} passages, not {n}")
    return rid, steps


def own_reads_verified(api: _Api, rid: int) -> None:
    """Each read of the request that needs a verdict of its own gets one (confirmed: the
    bench's reads are right), page by page as the verify page sends them, until a page
    holds reads the plate reader agrees with (those come after)."""
    base = f"/api/v1/requests/{rid}"
    while True:
        page = api.call("GET", f"{base}/reads?page_size={READS_PAGE}")[0].get_json()
        if not page["page"] or page["page"]["confirmable"]:
            return
        api.call("POST", f"{base}/verdicts", {"page": page["page"]["id"], "verdicts": [
            {"passage_id": r["passage_id"], "captured_at": r["captured_at"],
             "verdict": "confirmed"} for r in page["reads"]]})


def measure(app, officer: str, data: dict[str, Any], baseline_pages: int,
            echo: Callable[[str], None]) -> tuple[list[Figure], dict[str, Any]]:
    api = _Api(app, officer)
    figures: list[Figure] = []
    n = data["passages"]
    rid, steps = searched_request(api, data)
    base = f"/api/v1/requests/{rid}"
    for name, ms in steps.items():
        figures.append(Figure(f"{name} (ms)", ms, "ms", target=f"<= {PAGE_TARGET_MS:g}"
                              if "preview" in name else None))

    parts: dict[str, list[float]] = {"reads": [], "verdicts": [], "list": [], "approve": []}

    def verify_pages(size: int, pages: int | None, *, each_own: bool) -> list[float]:
        """Pages as the verify page sends them (#15): the reads that need a verdict of
        their own confirmed one by one, the spot-check answered, the rest confirmed with
        the page; ``each_own``: every read its own verdict (the report's way)."""
        times = []
        while pages is None or len(times) < pages:
            resp, ms_get = api.call("GET", f"{base}/reads?page_size={size}&crops=1")
            page = resp.get_json()
            if not page["reads"]:
                break
            spot = page["page"]["spot_check"]
            body = {"page": page["page"]["id"], "confirm_rest": True, "verdicts": [
                {"passage_id": r["passage_id"], "captured_at": r["captured_at"],
                 "verdict": "confirmed"} for r in page["reads"]
                if (each_own or r["individual"]) and not r["spot_check"]]}
            if spot:
                body["spot_check"] = {"passage_id": spot["passage_id"],
                                      "captured_at": spot["captured_at"], "verdict": "confirmed"}
            _, ms_post = api.call("POST", f"{base}/verdicts", body)
            times.append(ms_get + ms_post)
            if size == READS_PAGE:
                parts["reads"].append(ms_get)
                parts["verdicts"].append(ms_post)
        return times

    def photo_pages_one_by_one(size: int, pages: int) -> list[float]:
        """Argus: twelve photos a page, each approved on its own, the grid reloaded."""
        times = []
        for _ in range(pages):
            resp, ms = api.call("GET", f"{base}/photos?page_size={size}")
            photos = resp.get_json()["photos"]
            if not photos:
                break
            for p in photos:
                _, ms_one = api.call("POST", f"{base}/photos/{p['passage_id']}/approve",
                                     {"boxes": []})
                _, ms_reload = api.call("GET", f"{base}/photos?page_size={size}")
                ms += ms_one + ms_reload
            times.append(ms)
        return times

    def photo_pages(size: int) -> list[float]:
        times = []
        while True:
            resp, ms_get = api.call("GET", f"{base}/photos?page_size={size}")
            photos = resp.get_json()["photos"]
            if not photos:
                break
            _, ms_post = api.call("POST", f"{base}/photos/approve", {"photos": [
                {"passage_id": p["passage_id"], "captured_at": p["captured_at"], "boxes": []}
                for p in photos]})
            times.append(ms_get + ms_post)
            parts["list"].append(ms_get)
            parts["approve"].append(ms_post)
        return times

    echo(f"verification: {baseline_pages} baseline pages of {BASE_READS_PAGE}, then pages of "
         f"{READS_PAGE}")
    base_v = verify_pages(BASE_READS_PAGE, baseline_pages, each_own=True)
    done_by_base = len(base_v) * BASE_READS_PAGE
    bench_v = verify_pages(READS_PAGE, None, each_own=False)
    echo(f"photos: {baseline_pages} baseline pages of {BASE_PHOTOS_PAGE}, then pages of "
         f"{PHOTOS_PAGE}")
    base_p = photo_pages_one_by_one(BASE_PHOTOS_PAGE, baseline_pages)
    bench_p = photo_pages(PHOTOS_PAGE)
    t0 = time.perf_counter()
    resp = api.client.post(f"{base}/package", headers={"X-CSRF-Token": api.csrf})
    package_bytes = resp.data
    package_s = time.perf_counter() - t0
    if resp.status_code != 200:
        raise click.ClickException(f"package: {resp.status_code} {package_bytes[:300]!r}")
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(package_bytes)).read("manifest.json"))

    v_pages, p_pages = -(-n // READS_PAGE), -(-n // PHOTOS_PAGE)
    base_v_pages, base_p_pages = -(-n // BASE_READS_PAGE), -(-n // BASE_PHOTOS_PAGE)
    mean = (lambda xs: statistics.fmean(xs) if xs else 0.0)
    figures += [
        Figure(f"verification page of {READS_PAGE}: read + verdicts, p95 (ms)", _p95(bench_v),
               "ms", _p95(base_v), target=f"<= {PAGE_TARGET_MS:g}"),
        Figure(f"verification page of {READS_PAGE}: worst (ms)", max(bench_v, default=0), "ms",
               max(base_v, default=0), target=f"<= {PAGE_TARGET_MS:g}"),
        Figure(f"reads API, page of {READS_PAGE} with crops inline, p95 (ms)",
               _p95(parts["reads"]), "ms", target=f"<= {PAGE_TARGET_MS:g}"),
        Figure(f"verdicts API, {READS_PAGE} verdicts, p95 (ms)", _p95(parts["verdicts"]), "ms",
               target=f"<= {PAGE_TARGET_MS:g}"),
        Figure(f"verification of {n:,} reads, system time (s)",
               (sum(bench_v) + mean(base_v) * done_by_base / BASE_READS_PAGE) / 1000, "s",
               mean(base_v) * base_v_pages / 1000),
        Figure(f"verification pages ({READS_PAGE} vs {BASE_READS_PAGE} a page)",
               v_pages, "n", base_v_pages),
        Figure(f"photo page of {PHOTOS_PAGE}: list + approve all, p95 (ms)", _p95(bench_p),
               "ms", _p95(base_p), target=f"<= {PAGE_TARGET_MS:g}"),
        Figure(f"photo page of {PHOTOS_PAGE}: worst (ms)", max(bench_p, default=0), "ms",
               max(base_p, default=0), target=f"<= {PAGE_TARGET_MS:g}"),
        Figure(f"photos API, page of {PHOTOS_PAGE} listed, p95 (ms)", _p95(parts["list"]),
               "ms", target=f"<= {PAGE_TARGET_MS:g}"),
        Figure(f"photos API, {PHOTOS_PAGE} approved in one call, p95 (ms)",
               _p95(parts["approve"]), "ms", target=f"<= {PAGE_TARGET_MS:g}"),
        Figure(f"photo review of {n:,} photos, system time (s)",
               (sum(bench_p) + mean(base_p) * len(base_p)) / 1000, "s",
               mean(base_p) * base_p_pages / 1000),
        Figure(f"photo pages ({PHOTOS_PAGE} vs {BASE_PHOTOS_PAGE} a page)", p_pages, "n",
               base_p_pages),
        Figure(f"package of {n:,} passages with photos (s)", package_s, "s",
               target=f"<= {PACKAGE_TARGET_S:g}"),
    ]
    info = {"request": rid, "package_mib": len(package_bytes) / 2**20,
            "read_page_s": mean(base_v) / 1000, "photo_page_s": mean(base_p) / 1000,
            "photos_in_package": manifest["counts"]["photos"],
            "crops_in_package": manifest["counts"]["crops"]}
    return figures, info


@click.command("casework")
@click.option("--passages", type=int, default=30_000, show_default=True,
              help="Passages in the block query (each a read to verify and a photo).")
@click.option("--baseline-pages", type=int, default=10, show_default=True,
              help="Baseline pages measured (10 reads, 12 photos each); the total is "
                   "extrapolated from them.")
@click.option("--database", default="anpr_bench_casework", show_default=True,
              help="Benchmark database on the same server (created and loaded if missing).")
@click.option("--officer/--no-officer", default=None,
              help="Work one verification page and one photo page by keyboard in Chromium "
                   "and extrapolate the officer's time (default: where Chromium is found).")
@click.option("--json", "as_json", is_flag=True, help="Print {\"figures\": [...]}.")
@click.pass_obj
def casework_bench(obj, passages: int, baseline_pages: int, database: str,
                   officer: bool | None, as_json: bool) -> None:
    """A block query with photos from preview to package through the API, beside the
    report's 10 reads and 12 photos a page."""
    from anpr import accounts
    from ingest.images import open_vault
    from webmap.app import create_app

    if passages < 1 or baseline_pages < 1:
        raise click.BadParameter("give at least one passage and one baseline page")
    from bench.officer import chromium

    if officer and chromium() is None:
        raise click.ClickException("--officer needs Chromium and Playwright")
    browser = chromium() is not None if officer is None else officer
    url = bench_database(obj, database)
    echo = (lambda m: click.echo(m, err=True))
    vault = open_vault(obj.settings, url)
    username = f"bench.{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, row_factory=dict_row) as conn:
        data = load(conn, obj.settings, url, vault, passages, echo=echo)
        accounts.create(conn, username, "B. Enchmark", "officer", PASSWORD, unit_code=UNIT,
                        granted_by="anpr bench casework")
        conn.commit()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": uuid.uuid4().hex})
    try:
        figures, info = measure(app, username, data, baseline_pages, echo)
        info["effort"] = None
        if browser:
            from bench import officer as bench_officer

            # A request of its own for the browser, on the same passages afresh: the
            # officer's first verification page of 500 and photo page of 48.
            with psycopg.connect(url) as conn:
                forget_verdicts(conn, data["tag"])
            api = _Api(app, username)
            rid, _ = searched_request(api, data)
            echo(f"officer: request {rid}, verification pages of 500 and a photo page of 48 "
                 "by keyboard in Chromium")
            info["effort"] = bench_officer.drive(app, username, PASSWORD, rid,
                                                 lambda: own_reads_verified(api, rid))
            figures += bench_officer.figures(info["effort"], info["read_page_s"],
                                             info["photo_page_s"])
    finally:
        app.extensions["anpr_pool"].close()
    echo(f"data: {data['passages']:,} passages at {data['location']} "
         f"({len(data['cameras'])} cameras) in {database}; request {info['request']}; "
         f"package {info['package_mib']:.0f} MiB with {info['photos_in_package']:,} photos and "
         f"{info['crops_in_package']:,} crops")
    if info["effort"] is not None:
        from bench.officer import ATTENTION

        e = info["effort"]
        echo(f"officer (browser): {e.own:,} of {e.reads:,} reads need a verdict of their own; "
             + "; ".join(f"verification page of {p.reads} reads, {p.own} of their own, "
                         f"spot-check {'asked' if p.spot_check else 'none'}: {p.keys} keys, "
                         f"next page after {p.wait_s * 1000:.0f} ms" for p in e.pages)
             + f"; photo page of {e.photos}: {e.photo_keys} key, next page after "
             f"{e.photo_wait_s * 1000:.0f} ms; attention assumed (s): {ATTENTION}")
        echo("officer minutes for 30,000 passages with photos: " + ", ".join(
            f"{k} {v / 60:,.0f}" for k, v in e.parts(30_000).items()))
    report(figures, as_json)
