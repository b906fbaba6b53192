"""Shared shape of every benchmark: figures next to a baseline measured in the same run.

These machines are shared and absolute times drift, so each figure carries the baseline
it is compared with (raw COPY, a sequential scan, OpenCV's HOG detector) and the ratio.
``anpr bench <what> --json`` prints one object ``{"figures": [...]}`` so runs can be
compared over time. The benchmarks themselves are this package's other modules, and
``bench.cli`` makes them ``anpr bench <what>``.
"""
from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

import click


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    baseline: float | None = None
    target: str | None = None  # e.g. ">= 50000" or "<= 15"
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline

    def check(self) -> "Figure":
        """Set ``met`` from ``target`` (``>= x``, ``<= x``, or ``>= x * baseline``)."""
        if self.target:
            op, _, rest = self.target.partition(" ")
            if rest.endswith("x baseline") and self.baseline:
                threshold = float(rest.split()[0]) * self.baseline
            else:
                threshold = float(rest.split()[0])
            self.met = self.value >= threshold if op == ">=" else self.value <= threshold
        return self

    def to_dict(self) -> dict:
        d = asdict(self)
        d["ratio"] = self.ratio
        return {k: d[k] for k in ("name", "value", "unit", "baseline", "ratio", "target", "met")}


#: ``anpr bench --markdown <what>``: the run's section of docs/performance.md.
MARKDOWN = "anpr.bench.markdown"


def machine() -> str:
    """The machine a run measured: CPU model, cores, memory, and the load when it ran."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
        memory = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        memory = "unknown memory"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{model}, {os.cpu_count()} cores, {memory}; load average {load}"


def markdown(figures: list[Figure], command: str, when: datetime) -> str:
    """One run as a section of docs/performance.md: the command, when, on what, and each
    figure beside its baseline and target. docs/performance.md is made of these sections,
    each replaced by the next run's (``anpr bench --markdown ...``), never edited by hand."""
    lines = [f"### `{command}`", "",
             f"Measured {when.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC on {machine()}.", "",
             "| figure | value | unit | baseline | ratio | target | met |",
             "| --- | ---: | --- | ---: | ---: | --- | --- |"]
    for f in figures:
        base = f"{f.baseline:,.2f}" if f.baseline is not None else ""
        ratio = f"{f.ratio:.2f}" if f.ratio is not None else ""
        met = "" if f.met is None else ("yes" if f.met else "**no**")
        lines.append(f"| {f.name} | {f.value:,.2f} | {f.unit} | {base} | {ratio} | "
                     f"{(f.target or '').replace('|', '/')} | {met} |")
    return "\n".join(lines) + "\n"


def report(figures: Iterable[Figure], as_json: bool) -> None:
    figures = [f.check() for f in figures]
    if as_json:
        click.echo(json.dumps({"figures": [f.to_dict() for f in figures]}))
        return
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.meta.get(MARKDOWN):
        command = "anpr " + " ".join(a for a in sys.argv[1:] if a != "--markdown")
        click.echo(markdown(figures, command, datetime.now(timezone.utc)), nl=False)
        return
    click.echo(f"{'figure':44} {'value':>14} {'baseline':>14} {'ratio':>7}  target")
    for f in figures:
        base = f"{f.baseline:,.2f}" if f.baseline is not None else "-"
        ratio = f"{f.ratio:.2f}" if f.ratio is not None else "-"
        met = "" if f.met is None else ("  met" if f.met else "  NOT met")
        click.echo(f"{f.name:44} {f.value:>12,.2f} {f.unit:<3} {base:>12} {ratio:>7}  "
                   f"{f.target or ''}{met}")


def bench_database(obj, name: str) -> str:
    """A benchmark's own database on the project's server (``obj``: the command's
    context), created when missing (a loaded one is kept for the next run) and migrated;
    returns its URL."""
    import psycopg
    from psycopg import sql

    from anpr.database import migrate, with_database

    server = obj.url(role="admin")  # the embedded cluster's bootstrap role
    with psycopg.connect(with_database(server, "postgres"), autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                             (name,)).fetchone():
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = with_database(server, name)
    migrate(url)
    return url
