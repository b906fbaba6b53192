"""A database restart during HTTP intake loses no acknowledged passage and duplicates none.

The restart happens on a private embedded cluster made for this test (not the session's),
so no other test's connections are cut; the intake server is this test's own, with its
own pool, in a thread.
"""
from __future__ import annotations

import http.client
import json
import shutil
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

import psycopg
import pytest
from psycopg.rows import dict_row

UTC = timezone.utc
BATCHES_PER_CLIENT = 30
BATCH = 50


@pytest.fixture
def private_cluster(settings):
    if not settings.database.embedded:
        pytest.skip("DATABASE_URL is set: this test restarts a private embedded cluster, "
                    "which needs the local PostgreSQL server binaries and root or pg rights")
    from anpr.embedded import Cluster

    # Beside the session's cluster, not under pytest's shared temporary root, which
    # concurrent pytest sessions prune.
    home = settings.database.home / "test-clusters" / f"restart-{uuid.uuid4().hex[:8]}"
    home.mkdir(parents=True)
    cluster = Cluster(home=home, service_user=settings.database.service_user)
    cluster.start()
    yield cluster
    cluster.stop("immediate")
    shutil.rmtree(home, ignore_errors=True)


@pytest.mark.slow
def test_restart_during_http_intake_loses_and_duplicates_nothing(private_cluster, settings):
    from werkzeug.serving import make_server

    from anpr.database import migrate
    from sim.demo import load_demo
    from camera_registry.membership import cameras_in_plan
    from ingest.devices import add_device
    from webmap.app import create_app

    url = private_cluster.url()
    migrate(url)
    with psycopg.connect(url, row_factory=dict_row) as c:
        load_demo(c, settings, traffic=False)
        in_plan = cameras_in_plan(c, datetime.now(UTC))
        cam = c.execute("SELECT c.id, l.code, ST_X(l.geom) AS lon, ST_Y(l.geom) AS lat "
                        "FROM camera c JOIN location l ON l.id = c.location_id "
                        "WHERE c.mounting = 'fixed' ORDER BY c.id").fetchall()
        cam = next(r for r in cam if r["id"] in in_plan)
        _, key = add_device(c, "restart test", camera=cam["id"])
        c.commit()

    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "t"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_port
    tag = uuid.uuid4().hex[:8]
    t0 = datetime.now(UTC) - timedelta(hours=1)
    acked: set[str] = set()
    sent: set[str] = set()
    retries = [0]
    lock = threading.Lock()

    def batch(client: int, b: int) -> list[dict]:
        return [{"camera": cam["id"], "plate": f"RS{client}{b:02d}{i:02d}",
                 "captured_at": (t0 + timedelta(milliseconds=client * 10**6 + b * 1000 + i)
                                 ).isoformat(),
                 "lat": cam["lat"], "lon": cam["lon"], "confidence": 0.9,
                 "capture_id": f"{tag}-{client}-{b}-{i}"} for i in range(BATCH)]

    def client(n: int) -> None:
        conn = None
        for b in range(BATCHES_PER_CLIENT):
            records = batch(n, b)
            with lock:
                sent.update(r["capture_id"] for r in records)
            deadline = time.monotonic() + 120
            while True:
                try:
                    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    conn.request("POST", "/api/v1/intake/passages",
                                 json.dumps({"records": records}),
                                 {"Content-Type": "application/json",
                                  "Authorization": f"Bearer {key}"})
                    resp = conn.getresponse()
                    body = json.loads(resp.read())
                    if resp.status == 200:
                        with lock:
                            acked.update(r["capture_id"] for r in records)
                        break
                    assert resp.status == 503, body  # only the outage may refuse a batch
                except (OSError, http.client.HTTPException):
                    conn = None
                with lock:
                    retries[0] += 1
                assert time.monotonic() < deadline, "intake did not recover after the restart"
                time.sleep(0.1)
            time.sleep(0.02)

    clients = [threading.Thread(target=client, args=(n,)) for n in range(2)]
    try:
        for t in clients:
            t.start()
        while len(acked) < BATCH * BATCHES_PER_CLIENT // 2:  # restart mid-load
            time.sleep(0.05)
        private_cluster.restart("immediate")  # a crash: only WAL-durable commits survive
        for t in clients:
            t.join(180)
    finally:
        server.shutdown()
        thread.join(5)
        app.extensions["anpr_pool"].close()

    assert not any(t.is_alive() for t in clients)
    assert acked == sent and len(sent) == 2 * BATCHES_PER_CLIENT * BATCH
    with psycopg.connect(private_cluster.url(), row_factory=dict_row) as c:
        row = c.execute("SELECT count(*) AS n, count(DISTINCT capture_id) AS d "
                        "FROM jj126.passage WHERE capture_id LIKE %s", (tag + "-%",)).fetchone()
    assert row["n"] == row["d"] == len(acked)  # none lost, none twice
    assert retries[0] > 0  # the restart really hit the load
