"""The second process of ``anpr bench intake``: posts HTTP intake batches on loopback.

Kept apart from ``bench.intake`` so the client process imports nothing of the server.
"""
from __future__ import annotations

import json
import time
from pathlib import Path


def http_client(base: str, work_path: str, threads: int) -> None:
    """Runs in the second process: post batches, retry on 503, print the wall time."""
    import http.client
    import threading
    from urllib.parse import urlsplit

    chunks = json.loads(Path(work_path).read_text())
    host = urlsplit(base)
    lock = threading.Lock()
    stored = [0]

    def work():
        c = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
        while True:
            with lock:
                if not chunks:
                    return
                key, chunk = chunks.pop()
            body = json.dumps({"records": chunk})
            while True:
                c.request("POST", "/api/v1/intake/passages", body,
                          {"Content-Type": "application/json", "Authorization": f"Bearer {key}"})
                resp = c.getresponse()
                data = json.loads(resp.read())
                if resp.status == 200:
                    with lock:
                        stored[0] += data["accepted"] + data["duplicates"]
                    break
                if resp.status != 503:
                    raise SystemExit(f"HTTP {resp.status}: {str(data)[:300]}")
                time.sleep(0.2)

    t0 = time.perf_counter()
    ts = [threading.Thread(target=work) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print(json.dumps({"seconds": time.perf_counter() - t0, "stored": stored[0]}))
