"""``anpr bench``: each benchmark of this package as a subcommand.

A benchmark is imported when the command line asks for the list or for it, not when this
module is: the detector's imports torch, the casework's a browser driver, and ``anpr
bench search`` should not wait for either.
"""
from __future__ import annotations

import importlib

import click

from bench.figures import MARKDOWN

#: (module, attribute) of the click command of each benchmark.
BENCHES: list[tuple[str, str]] = [
    ("bench.intake", "intake_bench"),
    ("bench.detector", "bench_detector"),
    ("bench.search", "search_bench"),
    ("bench.casework", "casework_bench"),
]


class _Benches(click.Group):
    def _load(self) -> None:
        for module, attr in BENCHES:
            command = getattr(importlib.import_module(module), attr)
            self.commands.setdefault(command.name, command)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        self._load()
        return super().get_command(ctx, name)


@click.group(cls=_Benches)
@click.option("--markdown", is_flag=True,
              help="Print the run as its section of docs/performance.md (command, date, "
                   "machine, figures).")
@click.pass_context
def bench(ctx: click.Context, markdown: bool) -> None:
    """Benchmarks: each figure beside a baseline measured in the same run."""
    ctx.meta[MARKDOWN] = markdown
