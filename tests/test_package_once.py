"""The one-time package under concurrency (R6 items h and i): two downloads of the same
request at the same moment, from two sessions of its handling officer, give one package
and one refusal, one provision row and one audit record."""
from __future__ import annotations

import json
import threading
import uuid
from datetime import datetime, timedelta, timezone

from casework_support import confirm_every_read, cropped_copies
from conftest import SessionClient, confirmed_request

UTC = timezone.utc


def test_two_downloads_at_once_give_one_package(app, database_url, people, demo_db, conn):
    truth = json.loads((demo_db["home"] / "demo_ground_truth.json").read_text())
    plate = "PO" + uuid.uuid4().hex[:6].upper()
    cropped_copies(app, database_url, truth["convoy"]["lead"], plate)
    first, second = SessionClient(app, "officer.mn"), SessionClient(app, "officer.mn")
    rid = confirmed_request(first, plates=[plate], days=2)
    now = datetime.now(UTC)
    pre = first.post(f"/api/v1/requests/{rid}/searches", json={"kind": "plate", "parameters": {
        "plates": [plate], "window": {"start": (now - timedelta(days=1)).isoformat(),
                                      "end": now.isoformat()}}})
    assert pre.status_code in (200, 201), pre.get_json()
    run = first.post(f"/api/v1/searches/{pre.get_json()['enquiry_id']}/run")
    assert run.status_code == 200 and run.get_json()["passages_kept"] > 0, run.get_json()
    confirm_every_read(first, rid)

    barrier = threading.Barrier(2)
    answers: list[int] = []

    def download(client):
        barrier.wait()
        answers.append(client.post(f"/api/v1/requests/{rid}/package").status_code)

    threads = [threading.Thread(target=download, args=(c,)) for c in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(answers) == [200, 409], answers
    assert conn.execute("SELECT count(*) AS n FROM provision WHERE request_id = %s",
                        (rid,)).fetchone()["n"] == 1
    assert conn.execute("SELECT count(*) AS n FROM audit_log WHERE action = 'provide' AND "
                        "subject = %s", (f"request:{rid}",)).fetchone()["n"] == 1
    # And afterwards a third try is refused too: the package was made once.
    assert first.post(f"/api/v1/requests/{rid}/package").status_code == 409
