"""The ``anpr`` command: operations for the database, demo data, the web app and more.

The top of the house: it gathers every package's own commands (their ``cli`` modules) and
the demo and benchmarks beside its own (settings, database, demo, serve). Each subcommand
is a thin shell around domain functions; messages are for operators.
"""
from __future__ import annotations

import json
import logging
import sys

import click

from anpr import settings as settings_mod
from anpr.command import Context, guard, pass_ctx
from anpr.errors import AnprError
from bench.cli import bench
from camera_registry.cli import plan, registry_group
from casework.cli import accounts_group, audit_group, report_group
from detector.cli import detector
from ingest.cli import devices_group, import_group, retention_group

log = logging.getLogger("anpr")


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log more detail.")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """126jj ANPR: passage store, searches and map."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        ctx.obj = Context()
    except AnprError as exc:
        raise click.ClickException(exc.message) from exc


# -- settings -----------------------------------------------------------------------------

@main.command("settings")
@click.option("--markdown", is_flag=True, help="Print docs/settings.md (generated).")
def settings_cmd(markdown: bool) -> None:
    """List every setting with its variable, default and meaning."""
    if markdown:
        click.echo(settings_mod.markdown(), nl=False)
        return
    for spec in settings_mod.REGISTRY.values():
        click.echo(f"{spec.env}\n    default: {spec.default}\n    {spec.help}")


# -- database -----------------------------------------------------------------------------

@main.group()
def db() -> None:
    """Manage the database (the embedded cluster unless DATABASE_URL is set)."""


def _require_embedded(obj: Context) -> None:
    if not obj.settings.database.embedded:
        raise click.ClickException("DATABASE_URL is set: the embedded cluster is not used")


@db.command("start")
@pass_ctx
def db_start(obj: Context) -> None:
    """Initialise (first time) and start the embedded PostgreSQL + PostGIS cluster."""
    from anpr.embedded import cluster_for

    _require_embedded(obj)
    cluster = cluster_for(obj.settings.database)
    guard(cluster.start)
    click.echo(f"embedded PostgreSQL running on 127.0.0.1:{cluster.port()} "
               f"(socket in {cluster.socket_dir})")


@db.command("stop")
@pass_ctx
def db_stop(obj: Context) -> None:
    """Stop the embedded cluster."""
    from anpr.embedded import cluster_for

    _require_embedded(obj)
    guard(cluster_for(obj.settings.database).stop)
    click.echo("embedded PostgreSQL stopped")


@db.command("status")
@pass_ctx
def db_status(obj: Context) -> None:
    """Show where the database is and whether it runs."""
    from anpr.database import current_revisions
    from anpr.embedded import cluster_for

    if not obj.settings.database.embedded:
        info: dict[str, object] = {"mode": "external (DATABASE_URL)"}
        url = obj.settings.database.url
    else:
        info = {"mode": "embedded", **cluster_for(obj.settings.database).status()}
        url = obj.url(start=False) if info["running"] else None
    if url:
        info["schema_revisions"] = sorted(guard(current_revisions, url))
    click.echo(json.dumps(info, indent=2, default=str))


@db.command("url")
@click.option("--socket", is_flag=True, help="The Unix-socket form of the URL.")
@pass_ctx
def db_url(obj: Context, socket: bool) -> None:
    """Print the database URL (starts the embedded cluster if needed)."""
    from anpr.embedded import cluster_for

    url = obj.url()
    if socket and obj.settings.database.embedded:
        url = cluster_for(obj.settings.database).socket_url()
    click.echo(url)


@db.command("migrate")
@click.option("--revision", default="heads", show_default=True)
@pass_ctx
def db_migrate(obj: Context, revision: str) -> None:
    """Bring the schema to a revision with Alembic, and create the day partitions."""
    from anpr.database import connect, migrate
    from ingest.partitions import ensure_partitions

    url = obj.url(role="owner")
    guard(migrate, url, revision)
    with connect(url) as conn:
        days = ensure_partitions(conn, obj.settings.retention)
    click.echo(f"schema at {revision}; passage partitions present for {len(days)} days")


@db.command("prewarm")
@click.option("--wait/--no-wait", default=True, show_default=True,
              help="Read the pages before returning (else ask the kernel to prefetch them).")
@pass_ctx
def db_prewarm(obj: Context, wait: bool) -> None:
    """Load the plate-search indexes of every stored day into memory (fast plate
    searches: the plate index and the alternatives' index)."""
    from anpr.database import connect
    from ingest.partitions import existing_partitions
    from ingest.retention import prewarm

    with connect(obj.url()) as conn:
        days = existing_partitions(conn)
        total = 0
        with click.progressbar(days, label="plate-search indexes", file=sys.stderr) as bar:
            for day in bar:
                total += sum(prewarm(conn, [day], mode="read" if wait else "prefetch").values())
    click.echo(f"plate-search indexes of {len(days)} days: {total * 8192 / 2**20:,.0f} MiB "
               f"{'read into memory' if wait else 'queued for prefetch'}")


# -- demo ---------------------------------------------------------------------------------

@main.group()
def demo() -> None:
    """The demo region: road network, cameras and generated traffic."""


@demo.command("load")
@click.option("--hours", type=float, default=6.0, show_default=True,
              help="Span of traffic to generate, ending now.")
@click.option("--per-day", type=int, default=200_000, show_default=True,
              help="Passages per day (national rate is 4,300,000).")
@click.option("--seed", type=int, default=126, show_default=True)
@click.option("--no-traffic", is_flag=True, help="Load only the network and the registry.")
@click.option("--photos", type=click.IntRange(min=0), default=2000, show_default=True,
              help="Passages that get an overview photo and a plate crop (planted cases "
                   "first, then crime sites and busy locations), blurred by detector nodes; "
                   "0 for none.")
@click.option("--photo-workers", type=click.IntRange(1, 16), default=2, show_default=True,
              help="Detector nodes the loader runs beside its rendering.")
@pass_ctx
def demo_load(obj: Context, hours: float, per_day: int, seed: int, no_traffic: bool,
              photos: int, photo_workers: int) -> None:
    """Load the demo road network, camera registry and traffic with planted cases."""
    from sim import demo as demo_mod
    from anpr.database import connect, migrate

    url = obj.url(role="owner")
    guard(migrate, url)
    with connect(url) as conn:
        summary = guard(demo_mod.load_demo, conn, obj.settings, hours=hours, per_day=per_day,
                         seed=seed, traffic=not no_traffic, progress=True, photos=photos,
                         photo_workers=photo_workers, url=url)
    click.echo(json.dumps(summary, indent=2, default=str))


# -- web ----------------------------------------------------------------------------------

@main.command("serve")
@click.option("--host", default=None, help="Override ANPR_WEB_HOST.")
@click.option("--port", type=int, default=None, help="Override ANPR_WEB_PORT.")
@pass_ctx
def serve(obj: Context, host: str | None, port: int | None) -> None:
    """Serve the map and the JSON API (waitress, production-grade WSGI)."""
    from waitress import serve as waitress_serve

    from anpr.database import migrate
    from webmap.app import create_app

    guard(migrate, obj.url(role="owner"))
    url = obj.url()
    app = create_app({"DATABASE_URL": url})
    if obj.settings.intake.retention_interval_s:  # R1: retention runs beside the web app
        from ingest.cli import vault_for
        from ingest.retention import RetentionLoop

        retention_url = obj.url(role="retention")
        RetentionLoop(retention_url, obj.settings.retention.days,
                      obj.settings.intake.retention_interval_s,
                      vault_for(obj, retention_url)).start()
    if obj.settings.database.audit_checkpoint_interval_s:  # R6: the chain head signed
        from anpr.audit import CheckpointLoop
        from anpr.embedded import server_uid

        CheckpointLoop(obj.url(role="auditor"), obj.settings.database.home,
                       obj.settings.database.audit_checkpoint_interval_s,
                       server_uid(obj.settings.database)).start()
    host = host or obj.settings.web.host
    port = port or obj.settings.web.port
    click.echo(f"map ready at http://{host}:{port}/  (Ctrl-C stops)")
    demo = obj.settings.database.home / "demo_accounts.json"
    if demo.exists():
        click.echo(f"demo accounts and their passwords: {demo}")
    waitress_serve(app, host=host, port=port, threads=obj.settings.web.threads,
                   ident="anpr")


# -- units: their prosecutors (R9) --------------------------------------------------------

@main.group("units")
def units_group() -> None:
    """Units and the prosecutors who may sign their camera-plan motivations (R9)."""


@units_group.command("prosecutors")
@click.argument("unit", required=False)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def units_prosecutors(obj: Context, unit: str | None, as_json: bool) -> None:
    """List the prosecutors of UNIT (or of every unit)."""
    from anpr import units
    from anpr.database import connect

    with connect(obj.url()) as conn:
        rows = guard(units.prosecutors, conn, unit)
    if as_json:
        click.echo(json.dumps(rows, default=str, indent=2))
        return
    if not rows:
        click.echo("no prosecutor is listed" + (f" for unit {unit}" if unit else ""))
    for r in rows:
        period = f"{r['serves_from'] or '...'} to {r['serves_to'] or '...'}"
        click.echo(f"{r['unit_code']:4} {r['name']:40} serves {period}; listed by {r['added_by']}")


@units_group.command("prosecutor-add")
@click.argument("unit")
@click.argument("name")
@click.option("--from", "serves_from", default=None, help="First day served (YYYY-MM-DD).")
@click.option("--to", "serves_to", default=None, help="Last day served (YYYY-MM-DD).")
@click.option("--by", required=True, help="Who lists the prosecutor (recorded).")
@pass_ctx
def units_prosecutor_add(obj: Context, unit: str, name: str, serves_from, serves_to,
                         by: str) -> None:
    """List NAME (as they sign) as a prosecutor of UNIT: signatures of the unit's plan
    locations by NAME, dated within the period, are accepted."""
    from anpr import units
    from anpr.database import connect

    with connect(obj.url()) as conn:
        row = guard(units.add_prosecutor, conn, unit, name, actor=by, serves_from=serves_from,
                    serves_to=serves_to)
    click.echo(f"{row['name']} listed as a prosecutor of unit {row['unit_code']}")


@units_group.command("prosecutor-end")
@click.argument("unit")
@click.argument("name")
@click.option("--last-day", required=True, help="Last day served (YYYY-MM-DD).")
@click.option("--by", required=True, help="Who ends it (recorded).")
@pass_ctx
def units_prosecutor_end(obj: Context, unit: str, name: str, last_day: str, by: str) -> None:
    """NAME serves UNIT no longer after LAST_DAY: later signatures are refused, earlier
    ones stay valid (the entry is kept)."""
    from anpr import units
    from anpr.database import connect

    with connect(obj.url()) as conn:
        row = guard(units.end_prosecutor, conn, unit, name, actor=by, last_day=last_day)
    click.echo(f"{row['name']} serves unit {row['unit_code']} until {row['serves_to']}")


# -- commands owned by other packages -----------------------------------------------------
# Each package keeps its commands in its own ``cli`` module, a click command or group.

for _command in (bench, detector, accounts_group, audit_group, report_group, import_group,
                 retention_group, devices_group, plan, registry_group):
    main.add_command(_command)
