"""Operator commands of the intake package: ``anpr import``, ``anpr retention``, ``anpr devices``."""
from __future__ import annotations

import json
import time
from pathlib import Path

import click

from anpr.command import Context, guard, pass_ctx


def vault_for(obj: Context, url: str):
    """The command's photo vault (``ingest.images.open_vault``, the one constructor)."""
    from ingest.images import open_vault

    return open_vault(obj.settings, url)


@click.group("import")
def import_group() -> None:
    """Bulk import of passages."""


@import_group.command("passages")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--images", "images_dir", type=click.Path(exists=True, file_okay=False,
                                                        path_type=Path),
              help="Folder the records' overview/crop paths are relative to.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON only.")
@pass_ctx
def import_passages_cmd(obj: Context, file: Path, images_dir: Path | None,
                        as_json: bool) -> None:
    """Import FILE (JSON Lines or CSV, optionally .gz) of intake records."""
    from anpr.database import connect
    from ingest.importer import import_passages

    url = obj.url()
    vault = vault_for(obj, url) if images_dir else None
    with connect(url) as conn:
        summary = guard(import_passages, conn, file, obj.settings, images_dir=images_dir,
                         vault=vault, progress=not as_json)
    out = summary.to_dict()
    if as_json:
        click.echo(json.dumps(out, default=str))
        return
    click.echo(f"read {out['read']:,}  accepted {out['accepted']:,}  duplicates "
               f"{out['duplicates']:,}  rejected {out['rejected']:,}  "
               f"({out['passages_per_second'] or 0:,} records/s)")
    for reason, n in sorted(out["rejected_by_reason"].items(), key=lambda kv: -kv[1]):
        click.echo(f"  rejected {reason}: {n:,}")
    for ex in out["examples"][:10]:
        click.echo(f"  line {ex['line']}: {ex['message']}")


@click.group("retention")
def retention_group() -> None:
    """Destroy expired days (R1, R13)."""


@retention_group.command("run")
@pass_ctx
def retention_run(obj: Context) -> None:
    """Secure held results, then drop every expired day's passages, photos and key."""
    from anpr.database import connect
    from ingest.retention import run_retention

    url = obj.url(role="retention")
    with connect(url) as conn:
        reports = guard(run_retention, conn, obj.settings.retention.days,
                         vault=vault_for(obj, url))
    if not reports:
        click.echo("nothing expired")
    for r in reports:
        click.echo(json.dumps(r.to_dict()))


@retention_group.command("worker")
@pass_ctx
def retention_worker(obj: Context) -> None:
    """Run retention every ANPR_RETENTION_INTERVAL_S seconds until stopped."""
    from ingest.retention import RetentionLoop

    interval = obj.settings.intake.retention_interval_s or 3600
    url = obj.url(role="retention")
    loop = RetentionLoop(url, obj.settings.retention.days, interval, vault_for(obj, url)).start()
    click.echo(f"retention every {interval} s (Ctrl-C stops)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        loop.stop()


@click.group("devices")
def devices_group() -> None:
    """Intake API keys of cameras and sites."""


@devices_group.command("add")
@click.argument("name")
@click.option("--camera", help="The camera id the key may report for.")
@click.option("--location", help="A location code: the key may report for all its cameras.")
@pass_ctx
def devices_add(obj: Context, name: str, camera: str | None, location: str | None) -> None:
    """Make a device key; it is shown once, only its hash is stored."""
    from anpr.database import connect
    from ingest.devices import add_device

    with connect(obj.url()) as conn:
        device_id, key = guard(add_device, conn, name, camera=camera, location=location)
    click.echo(f"device {device_id}: {key}")


@devices_group.command("revoke")
@click.argument("device_id", type=int)
@pass_ctx
def devices_revoke(obj: Context, device_id: int) -> None:
    from anpr.database import connect
    from ingest.devices import revoke_device

    with connect(obj.url()) as conn:
        guard(revoke_device, conn, device_id)
    click.echo(f"device {device_id} revoked")


@devices_group.command("list")
@pass_ctx
def devices_list(obj: Context) -> None:
    from anpr.database import connect
    from ingest.devices import list_devices

    with connect(obj.url()) as conn:
        for d in guard(list_devices, conn):
            click.echo(json.dumps(d, default=str))
