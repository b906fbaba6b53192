"""Shared shape of every benchmark: figures next to a baseline measured in the same run.

These machines are shared and absolute times drift, so each figure carries the baseline
it is compared with (raw COPY, a sequential scan, OpenCV's HOG detector) and the ratio.
``anpr bench <what> --json`` prints one object ``{"figures": [...]}`` so runs can be
compared over time. The benchmarks themselves are this package's other modules, and
``bench.cli`` makes them ``anpr bench <what>``.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
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


def report(figures: Iterable[Figure], as_json: bool) -> None:
    figures = [f.check() for f in figures]
    if as_json:
        click.echo(json.dumps({"figures": [f.to_dict() for f in figures]}))
        return
    click.echo(f"{'figure':44} {'value':>14} {'baseline':>14} {'ratio':>7}  target")
    for f in figures:
        base = f"{f.baseline:,.2f}" if f.baseline is not None else "-"
        ratio = f"{f.ratio:.2f}" if f.ratio is not None else "-"
        met = "" if f.met is None else ("  met" if f.met else "  NOT met")
        click.echo(f"{f.name:44} {f.value:>12,.2f} {f.unit:<3} {base:>12} {ratio:>7}  "
                   f"{f.target or ''}{met}")
