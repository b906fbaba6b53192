"""What every package's commands share (``anpr ...``): the invocation's settings and
database URLs (:class:`Context`, handed to a command by :data:`pass_ctx`), and
:func:`guard`, which turns a refusal of the domain into an operator's message and exit
status 1. Each package keeps its commands in its own ``cli`` module; the ``cli`` package
at the top of the house gathers them into the ``anpr`` command."""
from __future__ import annotations

import sys

import click

from anpr import settings as settings_mod
from anpr.errors import AnprError


class Context:
    """Settings loaded once per invocation; database URLs resolved on first use.

    Each command connects with the least role its work needs (anpr/privileges.py): the
    application's by default, the owner's to migrate and load the demo, retention's to
    destroy expired days, the auditor's to verify the log."""

    def __init__(self) -> None:
        self.settings = settings_mod.load()
        self._urls: dict[str, str] = {}

    def url(self, *, start: bool = True, role: str = "app") -> str:
        if role not in self._urls:
            from anpr.embedded import database_url

            self._urls[role] = database_url(self.settings.database, start=start, role=role)
        return self._urls[role]


pass_ctx = click.make_pass_decorator(Context)


def guard(fn, *args, **kwargs):
    """Run a domain call; turn our errors into a clean message and exit status."""
    try:
        return fn(*args, **kwargs)
    except AnprError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)
