"""``anpr accounts ...`` and ``anpr audit ...``: account administration and the log check."""
from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path

import click

from anpr.command import Context, guard, pass_ctx


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
    from anpr.database import connect

    password = sys.stdin.readline().rstrip("\n") if password_stdin else getpass.getpass()
    with connect(obj.url()) as conn:
        acc = guard(accounts.create, conn, username, full_name, role, password, unit_code=unit,
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


@accounts_group.command("password")
@click.argument("username")
@click.option("--by", required=True, help="Who sets it (recorded).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_ctx
def password(obj: Context, username: str, by: str, password_stdin: bool) -> None:
    """Set a new password; every session of the account ends (R10)."""
    from anpr import accounts
    from anpr.database import connect

    secret = sys.stdin.readline().rstrip("\n") if password_stdin else getpass.getpass()
    with connect(obj.url()) as conn:
        acc = guard(accounts.by_username, conn, username)
        guard(accounts.set_password, conn, acc.id, secret, by)
    click.echo(f"password of {acc.username} set; its sessions have ended")


@accounts_group.command("suspend")
@click.argument("username")
@click.option("--by", required=True, help="Who suspends it (recorded).")
@click.option("--reason", required=True, help="Why (recorded).")
@pass_ctx
def suspend(obj: Context, username: str, by: str, reason: str) -> None:
    """Suspend an account: authorisations revoked, every session ended at once (R10)."""
    from anpr import accounts
    from anpr.database import connect

    with connect(obj.url()) as conn:
        acc = guard(accounts.by_username, conn, username)
        accounts.deactivate(conn, acc.id, by, reason)
    click.echo(f"account {acc.username} suspended; its sessions have ended")


def _relation(obj: Context, by: str, fn, *args) -> None:
    """Run one of casework.access's recorders as the handling officer named by ``--by``."""
    from anpr.database import connect
    from casework import access

    with connect(obj.url()) as conn:
        officer = guard(access.account_named, conn, by)
        guard(fn, conn, officer, *args)


def _who(value: str) -> int | str:
    return int(value) if value.isdigit() else value


@accounts_group.command("member")
@click.argument("request_id", type=int)
@click.argument("account")
@click.option("--by", required=True, help="The handling officer who records it (username).")
@click.option("--remove", is_flag=True, help="End the membership instead.")
@pass_ctx
def member(obj: Context, request_id: int, account: str, by: str, remove: bool) -> None:
    """Record ACCOUNT as a member of the investigation of request REQUEST_ID (R2, R10)."""
    from casework import access

    _relation(obj, by, access.remove_member if remove else access.add_member, request_id,
              _who(account))
    click.echo(f"{account} {'is no longer' if remove else 'recorded as'} a member of the "
               f"investigation of request {request_id}")


@accounts_group.command("grant")
@click.argument("request_id", type=int)
@click.argument("account")
@click.option("--by", required=True, help="The handling officer who grants it (username).")
@click.option("--revoke", is_flag=True, help="Withdraw the grant instead.")
@pass_ctx
def grant(obj: Context, request_id: int, account: str, by: str, revoke: bool) -> None:
    """Grant ACCOUNT sight of what was provided for REQUEST_ID (viewing level 2, R10)."""
    from casework import access, provision

    _relation(obj, by, access.revoke_grant if revoke else provision.grant, request_id,
              _who(account))
    may = "may no longer" if revoke else "may"
    click.echo(f"{account} {may} see what was provided for request {request_id}")


@accounts_group.command("requester")
@click.argument("request_id", type=int)
@click.argument("account", required=False)
@click.option("--by", required=True, help="The handling officer who records it (username).")
@pass_ctx
def requester(obj: Context, request_id: int, account: str | None, by: str) -> None:
    """Record ACCOUNT as the requester of record of REQUEST_ID, who sees what was provided
    (R10); without ACCOUNT the record is cleared."""
    from casework import access

    _relation(obj, by, access.set_requester, request_id, _who(account) if account else None)
    click.echo(f"requester of record of request {request_id}: {account or 'none'}")


@accounts_group.command("handover")
@click.argument("request_id", type=int)
@click.argument("to")
@click.option("--by", required=True, help="The handling officer who hands over (username).")
@click.option("--reason", required=True, help="Why (recorded).")
@pass_ctx
def handover(obj: Context, request_id: int, to: str, by: str, reason: str) -> None:
    """Hand REQUEST_ID over to the authorised officer TO (R2); recorded and audited."""
    from casework import access

    _relation(obj, by, access.handover, request_id, _who(to), reason)
    click.echo(f"request {request_id} handed over to {to}")


@click.group("audit")
def audit_group() -> None:
    """The tamper-evident audit log (R6)."""


@audit_group.command("verify")
@click.option("--public-key", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The auditor's own copy of checkpoint.pub: the checkpoints must be signed "
                   "by it (nothing in ANPR_HOME is trusted for the signature); implies "
                   "checkpoints are required.")
@click.option("--checkpoints", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A checkpoint file held elsewhere (the auditor's copy) instead of "
                   "ANPR_HOME/audit/checkpoints.jsonl; implies checkpoints are required.")
@click.option("--require-checkpoints", is_flag=True,
              help="Fail when there is no signed checkpoint of this database, also where "
                   "ANPR_HOME holds no signing key.")
@pass_ctx
def verify(obj: Context, public_key, checkpoints, require_checkpoints) -> None:
    """Recompute the hash chain and hold it against the signed checkpoints; exit 1 and say
    what is wrong if it fails. Checkpoints are expected once the first was written (the
    signing key exists) or when a key, file or --require-checkpoints is given: missing or
    emptied, verification fails. A fresh installation that never wrote one passes with a
    note."""
    from anpr import audit
    from anpr.database import connect

    with connect(obj.url(role="auditor")) as conn:
        report = audit.verify(conn, obj.settings.database.home, public_key=public_key,
                              checkpoints=checkpoints, require=require_checkpoints)
    if report.ok:
        anchored = (f", {report.checkpoints} signed checkpoints hold (the last at record "
                    f"{report.anchored_seq})" if report.checkpoints else "")
        click.echo(f"audit chain intact: {report.records} records{anchored}")
        if report.warning:
            click.echo(f"note: {report.warning}", err=True)
        return
    where = (f" at record {report.first_broken_id}" if report.first_broken_id is not None
             else "")
    click.echo(f"audit chain BROKEN{where}: {report.reason} "
               f"({report.records} records checked)", err=True)
    sys.exit(1)


@audit_group.command("checkpoint")
@pass_ctx
def checkpoint(obj: Context) -> None:
    """Verify the chain, then sign its head into ANPR_HOME/audit/checkpoints.jsonl (a folder
    the database server's OS user cannot reach)."""
    from anpr import audit
    from anpr.database import connect
    from anpr.embedded import server_uid

    with connect(obj.url(role="auditor")) as conn:
        mark = guard(audit.checkpoint, conn, obj.settings.database.home,
                      server_uid=server_uid(obj.settings.database))
    click.echo(f"audit checkpoint written: record {mark['seq']}, hash {mark['hash'][:16]}..."
               f" ({mark['file']})")
    if mark["warning"]:
        click.echo(f"warning: {mark['warning']}", err=True)


@click.group("report")
def report_group() -> None:
    """Monitoring statistics and the yearly privacy audit (counts only)."""


def _write(tables, svgs, title: str, fmt: str, out: str | None) -> None:
    from pathlib import Path

    from casework.reports import render_html

    if fmt == "csv":
        if out:
            folder = Path(out)
            folder.mkdir(parents=True, exist_ok=True)
            for t in tables:
                (folder / f"{t.key}.csv").write_text(t.to_csv(), encoding="utf-8")
            for name, svg in svgs.items():
                (folder / name).write_text(svg, encoding="utf-8")
            click.echo(f"wrote {len(tables)} tables and {len(svgs)} charts to {folder}")
            return
        for t in tables:
            click.echo(f"# {t.title}")
            click.echo(t.to_csv())
        return
    page = render_html(tables, svgs, title)
    if out:
        Path(out).write_text(page, encoding="utf-8")
        click.echo(f"wrote {out}")
    else:
        click.echo(page)


@report_group.command("monitor")
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--format", "fmt", type=click.Choice(["html", "csv"]), default="html",
              show_default=True)
@click.option("--out", default=None, help="File (html) or folder (csv); default stdout.")
@pass_ctx
def monitor(obj: Context, start, end, fmt, out) -> None:
    """The monitor report's tables for a period (local calendar days, inclusive)."""
    from anpr.database import connect
    from casework import reports
    from ingest.rollup import refresh, stored_days

    if end < start:
        raise click.BadParameter("--to lies before --from")
    with connect(obj.url()) as conn:
        refresh(conn, [d for d in stored_days(conn) if start.date() <= d <= end.date()])
        tables = reports.monitor(conn, start.date(), end.date())
        svgs = reports.charts(conn, start.date(), end.date()) if fmt == "html" or out else {}
    _write(tables, svgs, f"Monitor 126jj {start:%d-%m-%Y} t/m {end:%d-%m-%Y}", fmt, out)


@report_group.command("privacy-audit")
@click.option("--year", required=True, type=click.IntRange(2019, 2100))
@click.option("--format", "fmt", type=click.Choice(["html", "csv"]), default="html",
              show_default=True)
@click.option("--out", default=None)
@pass_ctx
def privacy_audit(obj: Context, year, fmt, out) -> None:
    """The yearly privacy-audit figures (searches per unit and office, log completeness)."""
    from anpr.database import connect
    from casework import reports

    with connect(obj.url()) as conn:
        tables = reports.privacy_audit(conn, year, obj.settings.database.home)
    _write(tables, {}, f"Privacy-audit 126jj {year}", fmt, out)
