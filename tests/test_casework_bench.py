"""``anpr bench casework`` at a small size: the whole request through the API, every
figure in the JSON shape of the developers' guide, beside its baseline where it has one."""
from __future__ import annotations

import json
import uuid

import psycopg
from click.testing import CliRunner

from anpr.cli import main
from conftest import _with_database


def test_bench_casework_small_runs_from_preview_to_package(server_url):
    name = f"anpr_bench_cw_test_{uuid.uuid4().hex[:6]}"
    try:
        result = CliRunner().invoke(main, ["bench", "casework", "--passages", "60",
                                           "--baseline-pages", "1", "--database", name,
                                           "--json"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        line = [ln for ln in result.stdout.splitlines() if ln.startswith("{")][-1]
        figures = json.loads(line)["figures"]
    finally:
        with psycopg.connect(_with_database(server_url, "postgres"), autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert all(set(f) == {"name", "value", "unit", "baseline", "ratio", "target", "met"}
               for f in figures)
    by = {f["name"]: f for f in figures}
    for step in ("block preview (ms)", "block run (ms)", "partial preview (ms)",
                 "partial run (ms)"):
        assert by[step]["value"] > 0
    page = by["verification page of 500: read + verdicts, p95 (ms)"]
    assert page["baseline"] > 0 and page["target"] == "<= 300" and page["met"] is not None
    assert by["verification pages (500 vs 10 a page)"]["value"] == 1
    assert by["verification pages (500 vs 10 a page)"]["baseline"] == 6
    photos = by["photo page of 48: list + approve all, p95 (ms)"]
    assert photos["baseline"] > 0 and photos["target"] == "<= 300"
    assert by["photo pages (48 vs 12 a page)"]["value"] == 2
    package = by["package of 60 passages with photos (s)"]
    assert 0 < package["value"] and package["target"] == "<= 30"
