"""``anpr bench intake``: bulk and HTTP intake and retention, each beside raw COPY.

Runs in its own database (``anpr_bench_intake``, dropped afterwards) on the same server,
with the demo registry and plans and traffic from the demo generator at the national
rate (4.3 million passages a day). Baseline: the same rows, already rendered, loaded with
one raw ``COPY`` into the same table; then the table is emptied and the intake file goes
through ``import_passages`` (parse, validate, R9 plan check, COPY). HTTP intake posts
batches from a second process on loopback to ``anpr serve``. Retention destroys a day
just past retention holding ``--retention-passages`` rows (generated in SQL, which is
much faster than the demo generator), beside everything else stored; its baseline is a
plain count of that day. The same file with three alternative candidate reads on every
record (issue 18, the camera's top-N) is imported again into the emptied table, beside
the import without them: the cost of storing alternatives as a ratio.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import click
import psycopg
from psycopg.rows import dict_row

from bench.figures import Figure, report

log = logging.getLogger(__name__)
NATIONAL_PER_DAY = 4_300_000
BENCH_DB = "anpr_bench_intake"


def _generate(url: str, settings, workdir: Path, n: int, http_n: int) -> dict:
    """Write the intake file (JSON Lines), the baseline COPY text and the HTTP records."""
    from anpr import clock
    from sim.demo import load_demo
    from sim.registry import generate_registry
    from gis.roadnet import load_network
    from sim.traffic import TrafficGenerator
    from ingest.records import _EWKB_POINT
    from anpr.plates import as_stored

    with psycopg.connect(url, row_factory=dict_row) as conn:
        load_demo(conn, settings, traffic=False)
        conn.commit()
    network = load_network()
    gen = TrafficGenerator(network, generate_registry(network, seed=126), seed=126)
    end = clock.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    start = end - timedelta(seconds=n / NATIONAL_PER_DAY * 86400 * 1.5)
    jsonl, copytxt = workdir / "passages.jsonl", workdir / "passages.copy"
    written = 0
    dumps = json.dumps
    with open(jsonl, "w") as fj, open(copytxt, "w") as fc:
        for batch in gen.generate(start, end, NATIONAL_PER_DAY):
            out_j, out_c = [], []
            for r in batch.to_records():
                if written >= n:
                    break
                out_j.append(dumps(r))
                geom = _EWKB_POINT.pack(1, 0x20000001, 4326, r["lon"], r["lat"]).hex()
                out_c.append(f"{r['camera']}\t{r['captured_at']}\t{as_stored(r['plate'])}"
                             f"\t{r['plate']}\t{r['country']}\t{r['confidence']}\t{geom}\t"
                             f"{r['capture_id']}")
                written += 1
            fj.write("\n".join(out_j) + "\n")
            fc.write("\n".join(out_c) + "\n")
            if written >= n:
                break
    # HTTP records: the hour after the bulk window, about ten times what is needed, so
    # the busiest sites can send full batches.
    http_records = []
    for batch in gen.generate(end, end + timedelta(hours=1.5), NATIONAL_PER_DAY):
        for r in batch.to_records():
            r["capture_id"] = "h" + r["capture_id"]
            http_records.append(r)
        if len(http_records) >= 10 * http_n:
            break
    (workdir / "http.json").write_text(json.dumps(http_records))
    return {"rows": written, "start": start, "end": end}


def _with_alternatives(src: Path, dst: Path) -> None:
    """The intake file again, each record with three of its plate's OCR look-alikes as
    alternative reads (the worst case: every camera sends candidates)."""
    from gis.search.misreads import equivalents
    from anpr.plates import as_stored

    with open(src) as fi, open(dst, "w") as fo:
        for line in fi:
            if not line.strip():
                continue
            r = json.loads(line)
            plate = as_stored(r["plate"])
            alts = [p for p in equivalents(plate, max_plates=3)][:3] or [plate[::-1] + "X"]
            r["alternatives"] = [{"plate": a, "confidence": round(0.3 / (i + 1), 3)}
                                 for i, a in enumerate(alts) if a != plate]
            fo.write(json.dumps(r) + "\n")


def _raw_copy(url: str, path: Path, days) -> float:
    from ingest.partitions import ensure_partition

    with psycopg.connect(url) as conn:
        for d in days:
            ensure_partition(conn, d)
        conn.commit()
        t0 = time.perf_counter()
        with conn.cursor() as cur, cur.copy(
                "COPY jj126.passage (camera_id, captured_at, plate, plate_raw, country, "
                "confidence, geom, capture_id) FROM STDIN") as copy, open(path, "rb") as fh:
            while chunk := fh.read(8 << 20):
                copy.write(chunk)
        conn.commit()
        return time.perf_counter() - t0


def _http(url: str, workdir: Path, batch: int, wanted: int) -> tuple[float, int]:
    """Each site posts its own cameras' passages with its own device key."""
    import socket
    import urllib.request
    from collections import defaultdict

    from ingest.devices import add_device
    from ingest.records import load_cameras
    from camera_registry.membership import cameras_in_plan
    from anpr import clock

    records = json.loads((workdir / "http.json").read_text())
    by_site: dict[str, list] = defaultdict(list)
    with psycopg.connect(url, row_factory=dict_row) as conn:
        cams = load_cameras(conn)
        allowed = cameras_in_plan(conn, clock.now())
        codes = {r["id"]: r["code"] for r in conn.execute(
            "SELECT l.id, l.code FROM location l").fetchall()}
        for r in records:
            if r["camera"] in allowed:
                by_site[codes[cams[r["camera"]].location_id]].append(r)
        chunks = []
        taken = 0
        for code, recs in sorted(by_site.items(), key=lambda kv: -len(kv[1])):
            if taken >= wanted:
                break
            recs = recs[:wanted - taken]
            taken += len(recs)
            _, key = add_device(conn, f"bench {code}", location=code)
            chunks += [(key, recs[i:i + batch]) for i in range(0, len(recs), batch)]
        conn.commit()
    path = workdir / "http_chunks.json"
    path.write_text(json.dumps(chunks))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, DATABASE_URL=url, ANPR_RETENTION_INTERVAL_S="0")
    server = subprocess.Popen([str(Path(sys.executable).parent / "anpr"), "serve", "--port",
                               str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/api/v1/health", timeout=1)
                break
            except Exception:
                time.sleep(0.2)
        out = subprocess.run(
            [sys.executable, "-c", "import sys; from bench.intake_client import http_client; "
             "http_client(sys.argv[1], sys.argv[2], int(sys.argv[3]))", base, str(path), "2"],
            capture_output=True, text=True)
        if out.returncode:
            raise click.ClickException(f"HTTP client failed: {out.stderr[-800:]}")
        result = json.loads(out.stdout.strip().splitlines()[-1])
        return result["seconds"], result["stored"]
    finally:
        server.terminate()
        server.wait(30)


def _expired_day(conn: psycopg.Connection, retention_days: int, n: int):
    """A day just past retention filled with ``n`` passages generated in SQL (fast),
    with the same indexes as every day, so retention is measured at national size."""
    from anpr import clock
    from ingest.partitions import ensure_partition

    day = (clock.now() - timedelta(days=retention_days + 1)).date()
    ensure_partition(conn, day)
    conn.execute(
        "INSERT INTO jj126.passage (camera_id, captured_at, plate, plate_raw, geom, capture_id) "
        "SELECT 'C' || (g %% 1324), %s::timestamptz + (g %% 86400000) * interval '1 ms', "
        "'P' || (g %% 2150000), 'P' || (g %% 2150000), "
        "ST_SetSRID(ST_MakePoint(5 + (g %% 1000) / 1e4, 52), 4326), 'r' || g "
        "FROM generate_series(1, %s) g", (clock.utc_day_start(day), n))
    conn.commit()
    return day, n


@click.command("intake")
@click.option("--passages", type=int, default=10_000_000, show_default=True)
@click.option("--http-passages", type=int, default=50_000, show_default=True)
@click.option("--http-batch", type=int, default=500, show_default=True)
@click.option("--retention-passages", type=int, default=NATIONAL_PER_DAY, show_default=True,
              help="Passages in the expired day that retention destroys.")
@click.option("--keep", is_flag=True, help="Keep the bench database and files.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def intake_bench(obj, passages: int, http_passages: int, http_batch: int,
                 retention_passages: int, keep: bool, as_json: bool) -> None:
    """Bulk intake vs raw COPY, HTTP intake, and retention of an expired national-size day."""
    from anpr.database import migrate, with_database
    from sim.demo import load_demo  # noqa: F401  (import cost outside the timings)
    from ingest.importer import import_passages
    from ingest.partitions import partition_name
    from ingest.retention import destroy_day, seal_day
    from anpr import clock

    server = obj.url(role="admin")  # benchmarks create their own database
    admin = with_database(server, "postgres")
    url = with_database(server, BENCH_DB)
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{BENCH_DB}"')
    workdir = Path(tempfile.mkdtemp(prefix="anpr-bench-intake-"))
    figures: list[Figure] = []
    try:
        migrate(url)
        info = _generate(url, obj.settings, workdir, passages, http_passages)
        log.info("generated %d rows in %s", info["rows"], workdir)
        days = clock.utc_days(info["start"], info["end"] + timedelta(hours=2))
        copy_s = _raw_copy(url, workdir / "passages.copy", days)
        copy_rate = info["rows"] / copy_s
        with psycopg.connect(url, autocommit=True) as c:
            c.execute("TRUNCATE jj126.passage")
            c.execute("CHECKPOINT")
        with psycopg.connect(url, row_factory=dict_row) as conn:
            summary = import_passages(conn, workdir / "passages.jsonl", obj.settings)
        bulk_rate = summary.read / summary.seconds
        figures.append(Figure("raw COPY of the same rows", copy_rate, "/s"))
        figures.append(Figure(f"bulk import {summary.read:,} passages "
                              f"({summary.accepted:,} stored)", bulk_rate, "/s",
                              baseline=copy_rate, target=">= 50000"))
        figures.append(Figure("bulk import vs raw COPY", bulk_rate, "/s", baseline=copy_rate,
                              target=">= 0.5 x baseline"))
        _with_alternatives(workdir / "passages.jsonl", workdir / "passages-alt.jsonl")
        with psycopg.connect(url, autocommit=True) as c:
            c.execute("TRUNCATE jj126.passage")
            c.execute("CHECKPOINT")
        with psycopg.connect(url, row_factory=dict_row) as conn:
            alt = import_passages(conn, workdir / "passages-alt.jsonl", obj.settings)
        # The plain file once more after it (the first import of a run pays the warm-up),
        # so the HTTP and retention runs see the plain import's table too; the baseline is
        # the faster of the two plain imports.
        with psycopg.connect(url, autocommit=True) as c:
            c.execute("TRUNCATE jj126.passage")
            c.execute("CHECKPOINT")
        with psycopg.connect(url, row_factory=dict_row) as conn:
            again = import_passages(conn, workdir / "passages.jsonl", obj.settings)
        figures.append(Figure("bulk import, 3 alternative reads on every passage",
                              alt.read / alt.seconds, "/s",
                              baseline=max(bulk_rate, again.read / again.seconds),
                              target=">= 0.8 x baseline"))

        http_s, stored = _http(url, workdir, http_batch, http_passages)
        figures.append(Figure(f"HTTP intake, batches of {http_batch}, 2 clients",
                              stored / http_s, "/s", baseline=copy_rate, target=">= 1000"))

        with psycopg.connect(url, row_factory=dict_row) as conn:
            day, n_day = _expired_day(conn, obj.settings.retention.days, retention_passages)
            # The steady state: every retention run seals the days that ended, so the day
            # that expires now was sealed (vacuumed and counted) 27 days ago.
            seal_day(conn, day)
            total = conn.execute("SELECT count(*) AS n FROM jj126.passage").fetchone()["n"]
            t0 = time.perf_counter()
            conn.execute(psycopg.sql.SQL("SELECT count(*) FROM {}").format(
                psycopg.sql.Identifier("jj126", partition_name(day)))).fetchone()
            scan_s = time.perf_counter() - t0
            rep = destroy_day(conn, day, None)
        figures.append(Figure(f"retention of a sealed day of {n_day:,} (of {total:,} stored)",
                              rep.seconds * 1000, "ms", baseline=scan_s * 1000,
                              target="<= 1000"))
        figures.append(Figure("  of which destruction (drop, key, log)",
                              rep.destroy_seconds * 1000, "ms", baseline=scan_s * 1000,
                              target="<= 1000"))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if not keep:
            with psycopg.connect(admin, autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
    report(figures, as_json)
