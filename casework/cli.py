"""``anpr accounts ...`` and ``anpr audit ...``: account administration and the log check."""
from __future__ import annotations

import getpass
import json
import sys

import click

from anpr.cli import Context, pass_ctx


@click.group("accounts")
def accounts_group() -> None:
    """Personal accounts and authorisations (R2)."""


@accounts_group.command("add")
@click.argument("username")
@click.option("--name", "full_name", required=True, help="Full name.")
@click.option("--role", type=click.Choice(["officer", "requester", "analyst", "plan_editor",
                                           "auditor", "admin"]), required=True)
@click.option("--unit", default=None, help="Unit code, e.g. MN.")
@click.option("--granted-by", required=True, help="Who grants this authorisation.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_ctx
def add(obj: Context, username, full_name, role, unit, granted_by, password_stdin) -> None:
    """Create a personal account; the grant is recorded with who and when."""
    from anpr import accounts
    from anpr.cli import _guard
    from anpr.database import connect

    password = sys.stdin.readline().rstrip("\n") if password_stdin else getpass.getpass()
    with connect(obj.url()) as conn:
        acc = _guard(accounts.create, conn, username, full_name, role, password, unit_code=unit,
                     granted_by=granted_by)
    click.echo(f"account {acc.username} ({acc.role}) created")


@accounts_group.command("review")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def review(obj: Context, as_json: bool) -> None:
    """Authorised officers with no login for three months: review their authorisation."""
    from anpr import accounts
    from anpr.database import connect

    with connect(obj.url()) as conn:
        rows = accounts.review(conn)
    if as_json:
        click.echo(json.dumps(rows, default=str, indent=2))
        return
    if not rows:
        click.echo("no authorised officer is overdue for review")
    for r in rows:
        last = r["last_login_at"].strftime("%Y-%m-%d") if r["last_login_at"] else "never"
        click.echo(f"{r['username']:20} {r['full_name']:28} {r['unit_code'] or '-':4} "
                   f"last login {last}; granted by {r['granted_by']}")


@click.group("audit")
def audit_group() -> None:
    """The tamper-evident audit log (R6)."""


@audit_group.command("verify")
@pass_ctx
def verify(obj: Context) -> None:
    """Recompute the hash chain; exit 1 and name the first broken record if it fails."""
    from anpr import audit
    from anpr.database import connect

    with connect(obj.url()) as conn:
        report = audit.verify(conn)
    if report.ok:
        click.echo(f"audit chain intact: {report.records} records")
        return
    click.echo(f"audit chain BROKEN at record {report.first_broken_id}: {report.reason} "
               f"({report.records} records checked)", err=True)
    sys.exit(1)
