"""Monitoring statistics from the system's own records: a constructed 2019 whose totals
equal the report's Tables 2, 3 and 4 must give those tables back, number for number."""
from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, datetime, time, timedelta

import psycopg
import pytest
from psycopg.rows import dict_row

from anpr import clock
from casework import reports

# Report Table 2 (2019): month -> total, rejected, handled, written, verbal (with percentages)
TABLE2 = """
Januari 7 1 (14,3%) 6 (85,7%) 5 (71,4%) 1 (14,3%)
Februari 72 6 (8,3%) 66 (91,7%) 60 (83,3%) 6 (8,3%)
Maart 65 9 (13,8%) 56 (86,2%) 49 (75,4%) 7 (10,8%)
April 58 6 (10,3%) 52 (89,7%) 44 (75,9%) 8 (13,8%)
Mei 108 11 (10,2%) 97 (89,8%) 61 (56,5%) 36 (33,3%)
Juni 113 19 (16,8%) 94 (83,2%) 39 (34,5%) 55 (48,7%)
Juli 146 17 (11,6%) 129 (88,4%) 105 (71,9%) 24 (16,4%)
Augustus 88 13 (14,8%) 75 (85,2%) 65 (73,9%) 10 (11,4%)
September 85 3 (3,5%) 82 (96,5%) 54 (63,5%) 28 (32,9%)
Oktober 101 13 (12,9%) 88 (87,1%) 67 (66,3%) 21 (20,8%)
November 138 17 (12,3%) 121 (87,7%) 81 (58,7%) 40 (29,0%)
December 138 13 (9,4%) 125 (90,6%) 69 (50,0%) 56 (40,6%)
Totaal 1119 128 (11,4%) 991 (88,6%) 699 (62,5%) 292 (26,1%)
"""
# Report Table 4: verbal orders, written order late / on time
TABLE4 = """
Januari 1 0 (0%) 1 (100%)
Februari 6 1 (16,7%) 3 (50%)
Maart 7 1 (14,3%) 3 (42,9%)
April 8 3 (37,5%) 5 (62,5%)
Mei 36 3 (8,3%) 10 (27,8%)
Juni 55 5 (9,1%) 12 (21,8%)
Juli 24 3 (12,5%) 13 (54,2%)
Augustus 10 6 (60%) 4 (40%)
September 28 13 (46,4%) 11 (39,3%)
Oktober 21 6 (28,6%) 13 (61,9%)
November 40 4 (10,0%) 29 (72,5%)
December 56 11 (19,6%) 32 (57,1%)
Totaal 292 56 (19,2%) 136 (46,6%)
"""
# Report Table 3: requests per investigation
TABLE3 = [("1", 404, 72.8), ("2", 84, 15.1), ("3", 27, 4.9), ("4", 14, 2.5), ("5", 5, 0.9),
          ("6+", 21, 3.8), ("Totaal", 555, 100.0)]


def _numbers(line: str) -> list[float]:
    """All numbers of a row, with Dutch decimal commas, in order."""
    return [float(x.replace(",", ".")) for x in re.findall(r"\d+(?:,\d+)?", line)]


def _parse(text: str) -> dict[str, list[float]]:
    return {line.split()[0]: _numbers(line) for line in text.strip().splitlines()}


@pytest.fixture(scope="module")
def year_2019(database_url, people):
    """1,119 requests in 2019 built to the report's totals, in 555 investigations."""
    t2, t4 = _parse(TABLE2), _parse(TABLE4)
    sizes = [1] * 404 + [2] * 84 + [3] * 27 + [4] * 14 + [5] * 5 + [19] * 7 + [18] * 14
    assert sum(sizes) == 1119 and len(sizes) == 555
    officer = people["officer.mn"].id
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        inv_ids = [conn.execute(
            "INSERT INTO investigation (system, number, name, unit_code) VALUES ('BVH', %s, %s,"
            " 'MN') RETURNING id", (f"R2019-{i:04d}", f"onderzoek {i}")).fetchone()["id"]
            for i in range(len(sizes))]
        slots = [inv for inv, n in zip(inv_ids, sizes) for _ in range(n)]
        rows, k = [], 0
        for m, name in enumerate(reports.MONTHS, start=1):
            total, rej, _, hand, _, written, _, verbal, _ = t2[name]
            _, late, _, ontime, _ = t4[name]
            received = datetime.combine(date(2019, m, 15), time(12), clock.AMSTERDAM)
            kinds = ([("rejected", "written", None)] * int(rej)
                     + [("provided", "written", None)] * int(written)
                     + [("provided", "verbal", timedelta(hours=80))] * int(late)
                     + [("provided", "verbal", timedelta(hours=24))] * int(ontime)
                     + [("provided", "verbal", None)] * int(verbal - late - ontime))
            assert len(kinds) == total and hand == written + verbal
            for status, kind, delay in kinds:
                order_at = received - timedelta(hours=1)
                rows.append((f"T2019-{k:05d}", status, received, slots[k], order_at, kind,
                             order_at + delay if delay else None, officer))
                k += 1
        with conn.cursor() as cur:
            cur.executemany("""
                INSERT INTO request (reference, unit_code, status, received_at, requester_name,
                    requester_function, investigation_id, order_reference, prosecutor,
                    prosecutor_office, order_at, order_kind, written_order_at, crime_code,
                    purpose, facts, suspect, scope, created_by)
                VALUES (%s, 'MN', %s, %s, 'x', 'x', %s, 'x', 'x', 'Parket MN', %s, %s, %s, '312',
                        'x', 'x', 'x', '{}'::jsonb, %s)""", rows)
    return date(2019, 1, 1), date(2019, 12, 31)


def _row(table, label):
    return next(r for r in table.rows if r[0] == label)


def _flat(row) -> list[float]:
    out = []
    for v in row[1:]:
        if isinstance(v, reports.Count):
            out += [v.n, v.pct]
        elif isinstance(v, str):
            out += _numbers(v)
        else:
            out.append(v)
    return out


def test_table2_reproduces_the_report(conn, year_2019):
    table = reports.table2(conn, *year_2019)
    for label, expected in _parse(TABLE2).items():
        assert _flat(_row(table, label)) == expected, label


def test_table4_reproduces_the_report(conn, year_2019):
    table = reports.table4(conn, *year_2019)
    for label, expected in _parse(TABLE4).items():
        assert _flat(_row(table, label)) == expected, label


def test_table3_reproduces_the_report(conn, year_2019):
    table = reports.table3(conn, *year_2019)
    for label, n, pct in TABLE3:
        assert _flat(_row(table, label)) == [n, pct], label


def test_percentages_print_the_dutch_way(conn, year_2019):
    row = _row(reports.table2(conn, *year_2019), "Januari")
    assert str(row[2]) == "1 (14,3%)" and "14,3%" in reports.Table("t", "t", ["a"], [row]).to_csv()


def test_daily_counts_survive_retention(conn):
    """The rollup holds counts for a day whose partition is gone; never plates."""
    from ingest.partitions import ensure_partition
    from ingest.rollup import refresh

    day = date(2026, 2, 3)
    ensure_partition(conn, day)
    conn.execute("""
        INSERT INTO jj126.passage (camera_id, captured_at, plate, plate_raw, geom, capture_id)
        SELECT 'X', %s::timestamptz + (i || ' minutes')::interval, 'PL' || (i %% 7), 'PL',
               ST_SetSRID(ST_MakePoint(5, 52), 4326), 'r' || i FROM generate_series(1, 50) i""",
                 (datetime.combine(day, time(1), clock.UTC),))
    counted = conn.execute("SELECT passages FROM passage_day_stat WHERE day = %s", (day,)).fetchone()
    assert counted["passages"] == 50  # kept up to date as passages are stored
    refresh(conn, [day], final=True)
    conn.execute(f"DROP TABLE jj126.passage_p{day:%Y%m%d}")
    row = conn.execute("SELECT * FROM passage_day_stat WHERE day = %s", (day,)).fetchone()
    assert row["passages"] == 50 and row["unique_plates"] == 7 and row["final"]
    table = reports.table1(conn, date(2026, 2, 1), date(2026, 2, 28))
    assert _row(table, "Februari")[1] == 50
    cols = {r["column_name"] for r in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'passage_day_stat'")}
    assert not any("plate" == c or c.startswith("plate_") for c in cols)


def test_no_personal_data_in_any_statistic(conn, year_2019, demo_db):
    text = "".join(t.to_csv() for t in reports.monitor(conn, *year_2019))
    text += "".join(t.to_csv() for t in reports.privacy_audit(conn, 2019))
    assert "R2019-" not in text and "onderzoek 1" not in text and "T2019-" not in text
    assert not re.search(r"\b[A-Z]{2}\d{3}[A-Z]\b|\bZ\d{3}[A-Z]{2}\b", text)


def test_privacy_audit_lists_chain_and_counts(conn, year_2019):
    general = reports.privacy_audit(conn, 2019)[0]
    values = {r[0]: r[1] for r in general.rows}
    assert values["Verzoeken (bevelen) ontvangen"] == 1119
    assert values["Auditketen"].startswith("intact")


def test_report_command_writes_html_and_csv(tmp_path, database_url, year_2019):
    env = {"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "cli", "report", "monitor", "--from",
                          "2019-01-01", "--to", "2019-12-31", "--format", "csv", "--out",
                          str(tmp_path)], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert "Totaal;1119;128 (11,4%)" in (tmp_path / "tabel2.csv").read_text()
    assert (tmp_path / "figuur5.svg").read_text().lstrip().startswith("<?xml")
    html_out = tmp_path / "monitor.html"
    out = subprocess.run([sys.executable, "-m", "cli", "report", "monitor", "--from",
                          "2019-01-01", "--to", "2019-12-31", "--out", str(html_out)],
                         capture_output=True, text=True, env=env)
    assert out.returncode == 0 and "<svg" in html_out.read_text()


def test_report_pages_are_for_auditors_only(login, year_2019):
    assert login("auditor").get("/reports/monitor?from=2019-01-01&to=2019-12-31").status_code == 200
    assert login("officer.mn").get("/reports/monitor").status_code == 403
    csv_text = login("admin").get("/reports/monitor/tabel3.csv?from=2019-01-01&to=2019-12-31"
                                  ).get_data(as_text=True)
    assert "6+;21;3,8%" in csv_text
