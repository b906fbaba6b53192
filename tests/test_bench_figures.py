"""The figures every benchmark prints: beside a baseline of the same run, as plain text,
JSON, or the run's section of docs/performance.md (``anpr bench --markdown ...``), which
names the command, the time and the machine with its load."""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import click
from click.testing import CliRunner

from bench.figures import MARKDOWN, Figure, markdown, report


def _figures() -> list[Figure]:
    return [Figure("Q1 plate, 28 d p95", 8.5, "ms", 900.0, "<= 10"),
            Figure("bulk intake", 30_000.0, "/s", 60_000.0, ">= 0.5 x baseline"),
            Figure("Q1 plate, 28 d p50", 5.0, "ms", 900.0)]


def test_a_run_as_its_section_of_the_performance_document():
    figures = [f.check() for f in _figures()]
    text = markdown(figures, "anpr bench search --runs 20",
                    datetime(2026, 12, 7, 3, 30, tzinfo=timezone.utc))
    lines = text.splitlines()
    assert lines[0] == "### `anpr bench search --runs 20`"
    assert re.match(r"Measured 2026-12-07 03:30 UTC on .+, \d+ cores, \d+ GiB; "
                    r"load average [\d.]+, [\d.]+, [\d.]+\.$", lines[2]), lines[2]
    rows = [line for line in lines if line.startswith("| Q1") or line.startswith("| bulk")]
    assert rows[0] == "| Q1 plate, 28 d p95 | 8.50 | ms | 900.00 | 0.01 | <= 10 | yes |"
    assert rows[1] == ("| bulk intake | 30,000.00 | /s | 60,000.00 | 0.50 | >= 0.5 x baseline"
                       " | yes |")
    assert rows[2].endswith("| 900.00 | 0.01 |  |  |")  # no target: nothing claimed


def test_report_prints_json_text_or_markdown_as_asked():
    @click.command()
    @click.option("--json", "as_json", is_flag=True)
    @click.option("--md", is_flag=True)
    @click.pass_context
    def cmd(ctx, as_json, md):
        ctx.meta[MARKDOWN] = md
        report(_figures(), as_json)

    runner = CliRunner()
    out = json.loads(runner.invoke(cmd, ["--json"]).output)
    assert [f["met"] for f in out["figures"]] == [True, True, None]
    assert "NOT met" not in runner.invoke(cmd, []).output
    assert runner.invoke(cmd, ["--md"]).output.startswith("### `anpr ")


def test_anpr_bench_offers_the_markdown_form():
    from cli.main import main

    assert "--markdown" in CliRunner().invoke(main, ["bench", "--help"]).output
