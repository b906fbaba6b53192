"""``anpr bench casework`` at a small size: the whole request through the API, every
figure in the JSON shape of the developers' guide, beside its baseline where it has one;
the reads carry the shipped plate reader's opinion, so pages are confirmed with their
spot-check; and the officer's own part worked by keyboard in Chromium (a verification
page and a photo page), its key presses counted and the officer time extrapolated."""
from __future__ import annotations

import json
import uuid

import psycopg
import pytest
from click.testing import CliRunner

from cli.main import main
from conftest import _with_database


@pytest.mark.browser
def test_bench_casework_small_runs_from_preview_to_package(server_url):
    name = f"anpr_bench_cw_test_{uuid.uuid4().hex[:6]}"
    try:
        result = CliRunner().invoke(main, ["bench", "casework", "--passages", "60",
                                           "--baseline-pages", "1", "--database", name,
                                           "--officer", "--json"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        line = [ln for ln in result.stdout.splitlines() if ln.startswith("{")][-1]
        figures = json.loads(line)["figures"]
        with psycopg.connect(_with_database(server_url, name)) as c:
            opinions = c.execute("SELECT count(*) FROM detector_plate_opinion").fetchone()[0]
            flags = dict(c.execute("SELECT coalesce(machine_flag, 'none'), count(*) FROM "
                                   "verification GROUP BY 1").fetchall())
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
    # Every crop read by the plate reader; its opinion kept with each verdict.
    assert opinions == 60 and sum(flags.values()) == 60 and "none" not in flags
    # The officer's part, in the browser: one page of the 60 reads, one of 48 photos.
    own = by["officer: reads needing a verdict of their own (%)"]
    assert 0 <= own["value"] <= 100 and own["baseline"] == 100
    keys = by["officer: key presses per 500 reads verified"]
    assert keys["baseline"] == 550 and 0 < keys["value"] <= 550
    assert by["officer: key presses per 48 photos approved"]["value"] == 1
    assert by["officer: wait for the next verification page, browser (ms)"]["value"] > 0
    officer = by["officer time for 30,000 passages with photos, extrapolated (min)"]
    assert officer["target"] == "<= 60" and officer["met"] is not None
    assert 0 < officer["value"] < officer["baseline"]
    # The photos' part alone (a location/time search, whose reads need no verification):
    # at least the look at every photo, less than the whole, less than the report's way.
    photos_only = by["officer time for the photos of 30,000 passages alone (a location/time "
                     "search: its reads need no verification), extrapolated (min)"]
    assert 30_000 * 0.25 / 60 <= photos_only["value"] < officer["value"]
    assert photos_only["value"] < photos_only["baseline"] < officer["baseline"]
