"""Alternative candidate reads at intake (issue 18): JSON Lines, CSV, HTTP; validated like
the read, stored beside it, the read unchanged; a bad list refuses the record, nothing stored."""
from __future__ import annotations

import csv
import json
import uuid

import psycopg
import pytest
from psycopg.rows import dict_row

from ingest.devices import add_device
from ingest.importer import import_passages
from intake_support import cams, count, iconn, intake_url, record  # noqa: F401  (fixtures)
from intake_support import intake_app as make_intake_app

URL = "/api/v1/intake/passages"


@pytest.fixture(scope="module")
def http(intake_url, cams, tmp_path_factory):
    app = make_intake_app(intake_url, tmp_path_factory.mktemp("alt-app"), max_batch=50)
    with psycopg.connect(intake_url, row_factory=dict_row) as c:
        _, key = add_device(c, "alternatives gantry", camera=cams["fixed"]["id"])
        c.commit()
    yield app.test_client(), key
    app.extensions["anpr_pool"].close()


def _stored(conn, capture_id):
    return conn.execute("SELECT plate, plate_raw, alternatives, alternative_confidences "
                        "FROM jj126.passage WHERE capture_id = %s", (capture_id,)).fetchone()


def test_http_alternatives_are_stored_beside_the_unchanged_read(http, cams, iconn):
    client, key = http
    cid = f"alt{uuid.uuid4().hex[:8]}"
    rec = record(cams["fixed"], 1, capture_id=cid, plate="12-BXT-4",
                 alternatives=[{"plate": "12-8XT-4", "confidence": 0.41},
                               {"plate": "I2-BXT-4", "confidence": 0.05}])
    r = client.post(URL, json={"records": [rec]}, headers={"X-Device-Key": key})
    assert r.status_code == 200, r.json
    row = _stored(iconn, cid)
    assert row["plate"] == "12BXT4" and row["plate_raw"] == "12-BXT-4"
    assert row["alternatives"] == ["128XT4", "I2BXT4"]
    assert row["alternative_confidences"] == pytest.approx([0.41, 0.05])
    plain = f"alt{uuid.uuid4().hex[:8]}"
    r = client.post(URL, json={"records": [record(cams["fixed"], 2, capture_id=plain)]},
                    headers={"X-Device-Key": key})
    assert r.status_code == 200 and _stored(iconn, plain)["alternatives"] is None


@pytest.mark.parametrize("alternatives, reason", [
    ([{"plate": f"12BXT{i}X", "confidence": 0.1} for i in range(11)], "too_many_alternatives"),
    ([{"plate": "128XT4", "confidence": 2}], "bad_alternatives"),
    ([{"plate": "128XT4", "confidence": "veel"}], "bad_alternatives"),
    ([{"plate": "12\u0000XT4", "confidence": 0.2}], None),
    ([{"plate": "12-BXT-4", "confidence": 0.2}], "bad_alternatives"),  # the read itself
    ([{"plate": "128XT4", "confidence": 0.2}, {"plate": "12-8XT-4", "confidence": 0.1}],
     "bad_alternatives"),  # a duplicate once normalised
    ([{"plate": "128XT4"}], "bad_alternatives"),
    ({"plate": "128XT4", "confidence": 0.2}, "bad_alternatives"),
    (["128XT4"], "bad_alternatives"),
])
def test_http_bad_alternatives_refuse_the_batch_and_store_nothing(http, cams, iconn,
                                                                  alternatives, reason):
    client, key = http
    tag = f"bad{uuid.uuid4().hex[:8]}"
    recs = [record(cams["fixed"], 3, capture_id=f"{tag}-ok"),
            record(cams["fixed"], 4, capture_id=f"{tag}-alt", plate="12-BXT-4",
                   alternatives=alternatives)]
    r = client.post(URL, json={"records": recs}, headers={"X-Device-Key": key})
    assert r.status_code in (400, 422), r.json
    assert r.json["message"], r.json
    if reason is not None:  # NUL is refused by the payload guard before any record is read
        assert r.status_code == 422
        results = r.json["details"]["results"]
        assert results[1]["reason"] == reason and results[1]["message"]
    else:
        assert r.status_code == 400
    assert count(iconn, capture_prefix=tag) == 0


def test_bulk_jsonl_and_csv_carry_alternatives(iconn, cams, settings, tmp_path):
    tag = f"blk{uuid.uuid4().hex[:8]}"
    jl = tmp_path / "alts.jsonl"
    jl.write_text(json.dumps(record(cams["fixed"], 5, capture_id=f"{tag}-j", plate="ZG-101-S",
                                    alternatives=[{"plate": "26-101-S", "confidence": 0.3}]))
                  + "\n")
    summary = import_passages(iconn, jl, settings)
    assert summary.accepted == 1
    assert _stored(iconn, f"{tag}-j")["alternatives"] == ["26101S"]
    path = tmp_path / "alts.csv"
    rows = [record(cams["fixed"], 6, capture_id=f"{tag}-c1", plate="ZG-101-S",
                   alternatives="26-101-S:0.3;ZG-1O1-S:0.12"),
            record(cams["fixed"], 7, capture_id=f"{tag}-c2", plate="ZG-101-S", alternatives=""),
            record(cams["fixed"], 8, capture_id=f"{tag}-c3", plate="ZG-101-S",
                   alternatives="26-101-S:1.7"),
            record(cams["fixed"], 9, capture_id=f"{tag}-c4", plate="ZG-101-S",
                   alternatives="26-101-S")]
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    summary = import_passages(iconn, path, settings)
    assert summary.accepted == 2 and summary.rejected == {"bad_alternatives": 2}
    one = _stored(iconn, f"{tag}-c1")
    assert one["plate"] == "ZG101S" and one["alternatives"] == ["26101S", "ZG1O1S"]
    assert one["alternative_confidences"] == pytest.approx([0.3, 0.12])
    assert _stored(iconn, f"{tag}-c2")["alternatives"] is None
    assert count(iconn, capture_prefix=f"{tag}-c3") == 0


def test_merge_path_keeps_alternatives(iconn, cams, settings, tmp_path):
    """A retried batch goes through the staging table: the new row keeps its candidates."""
    tag = f"mrg{uuid.uuid4().hex[:8]}"
    first = record(cams["fixed"], 10, capture_id=f"{tag}-1")
    second = record(cams["fixed"], 11, capture_id=f"{tag}-2", plate="ZG-101-S",
                    alternatives=[{"plate": "26-101-S", "confidence": 0.3}])
    path = tmp_path / "m.jsonl"
    path.write_text(json.dumps(first) + "\n")
    import_passages(iconn, path, settings)
    path.write_text(json.dumps(first) + "\n" + json.dumps(second) + "\n")
    summary = import_passages(iconn, path, settings)
    assert summary.accepted == 1 and summary.duplicates == 1
    assert _stored(iconn, f"{tag}-2")["alternatives"] == ["26101S"]
