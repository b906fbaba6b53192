"""CSV files the system writes are opened in spreadsheets (the requester's package, the
public camera plan, the auditors' tables). A text cell that begins with =, +, -, @, a tab
or a carriage return is a formula there (CSV injection: a camera's raw read, a location's
name or a plan's motivation typed by an insider could run in the reader's spreadsheet).
Such a cell is written with a leading apostrophe, which a spreadsheet shows as text; the
GeoJSON beside it keeps the value as it is. Numbers stay numbers."""
from __future__ import annotations

import csv
import io
import json

import pytest

from anpr import clock
from camera_registry import publication
from casework import reports
from gis import export

FORMULAS = ["=HYPERLINK(\"http://x.example\",\"klik\")", "+31 6 1234", "-2+3", "@SUM(A1)",
            "\tTAB", "\rCR"]


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _row(**kw) -> dict:
    from datetime import UTC, datetime
    return {"lon": 5.1, "lat": 52.1, "id": 7, "captured_at": datetime(2026, 12, 7, 10, tzinfo=UTC),
            "plate": "AB12CD", "plate_raw": "AB-12-CD", "country": "NL", "confidence": 0.9,
            "camera_id": "UT-A2-001-L1", "location_code": "UT-A2-001", "location_name": "A2 hm 12",
            "inout": "in", "lane": 1, **kw}


@pytest.mark.parametrize("text", FORMULAS)
def test_the_package_csv_writes_no_formula(text):
    files = export.provision_passages([_row(plate_raw=text, location_name=text)],
                                      lambda r: "not verified")
    header, cells = _cells(files["passages.csv"].decode())
    row = dict(zip(header, cells))
    assert row["plate_as_read"] == row["location_name"] == "'" + text
    props = json.loads(files["passages.geojson"])["features"][0]["properties"]
    assert props["plate_as_read"] == props["location_name"] == text   # exact in GeoJSON
    assert row["lon"] == "5.1" and row["lane"] == "1"                  # numbers as numbers


def test_the_public_camera_plan_csv_writes_no_formula(demo_db, conn):
    """An editor names a location and motivates it in a draft, the plan is published: the
    public's CSV shows both as text (the test's connection is rolled back)."""
    from datetime import UTC, datetime

    from camera_registry import plans

    from sim.plans import demo_prosecutor

    loc = conn.execute("SELECT code, unit_code FROM location WHERE owner = 'police'"
                       " ORDER BY code LIMIT 1").fetchone()
    code = loc["code"]
    conn.execute("UPDATE location SET name = %s WHERE code = %s", (FORMULAS[0], code))
    plans.create_draft(conn, 2034, actor="editor-1")
    # a new motivation needs its own signature (the old one was for another text)
    plans.set_motivation(conn, 2034, code, actor="editor-1", motivation=FORMULAS[2],
                         prosecutor=demo_prosecutor(loc["unit_code"]),
                         signed_on=clock.local(clock.now()).date().isoformat())
    plans.ratify(conn, 2034, chief="korpschef", actor="editor-1")
    plans.publish(conn, 2034, actor="editor-1", at=datetime(2034, 1, 1, tzinfo=UTC))
    body, _, _ = publication.export_plan(conn, 2034, "csv")
    header, *rows = _cells(body.decode())
    row = next(dict(zip(header, r)) for r in rows if dict(zip(header, r))["code"] == code)
    assert row["name"] == "'" + FORMULAS[0] and row["motivation"] == "'" + FORMULAS[2]
    assert not [c for r in rows for c in r if c[:1] in ("=", "+", "@", "\t", "\r")]


def test_the_auditors_tables_write_no_formula():
    table = reports.Table("t", "t", ["a", "b"], [[FORMULAS[0], -3], ["@x", 12.5]])
    rows = list(csv.reader(io.StringIO(table.to_csv()), delimiter=";"))
    assert rows[1] == ["'" + FORMULAS[0], "-3"] and rows[2] == ["'@x", "12,5"]
