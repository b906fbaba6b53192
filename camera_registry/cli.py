"""``anpr plan ...`` and ``anpr registry ...``: the camera plan and registry for operators."""
from __future__ import annotations

import getpass
import json
from pathlib import Path

import click

from anpr.errors import AnprError


def _run(fn):
    """Run ``fn(conn)`` in one transaction (committed on success) and show user errors."""
    from anpr.database import connect

    url = click.get_current_context().find_root().obj.url()
    try:
        with connect(url) as conn:
            return fn(conn)
    except AnprError as exc:
        detail = json.dumps(exc.details, indent=1, default=str) if exc.details else ""
        raise click.ClickException(f"{exc.message}\n{detail}".strip()) from exc


def _echo(value) -> None:
    click.echo(json.dumps(value, indent=2, default=str, ensure_ascii=False))


ACTOR = click.option("--actor", default=lambda: getpass.getuser(), show_default="OS user",
                     help="Who is acting (recorded in the history).")


@click.group("plan")
def plan() -> None:
    """Yearly camera plans (R9): draft, validate, publish, diff, export."""


@plan.command("draft")
@click.argument("year", type=int)
@ACTOR
def draft_cmd(year: int, actor: str) -> None:
    """Draft the plan for YEAR from the registry."""
    from camera_registry import plans

    _echo(_run(lambda c: plans.create_draft(c, year, actor=actor)))


@plan.command("validate")
@click.argument("year", type=int)
def validate_cmd(year: int) -> None:
    """List every problem of the plan for YEAR (exit 1 when an error blocks publication)."""
    from camera_registry import plans

    problems = _run(lambda c: plans.validate(c, year))
    for p in problems:
        click.echo(f"{p['severity']:7} {p['kind']:24} {p['message']}")
    errors = sum(p["severity"] == "error" for p in problems)
    click.echo(f"{errors} error(s), {len(problems) - errors} warning(s)")
    if errors:
        raise SystemExit(1)


@plan.command("ratify")
@click.argument("year", type=int)
@click.option("--chief", required=True, help="The ratifying chief of police.")
@ACTOR
def ratify_cmd(year: int, chief: str, actor: str) -> None:
    from camera_registry import plans

    _echo(_run(lambda c: plans.ratify(c, year, chief=chief, actor=actor)))


@plan.command("publish")
@click.argument("year", type=int)
@ACTOR
def publish_cmd(year: int, actor: str) -> None:
    """Publish the plan for YEAR; refused while validation finds an error. Final."""
    from camera_registry import plans

    _echo(_run(lambda c: plans.publish(c, year, actor=actor)))


@plan.command("diff")
@click.argument("year_a", type=int)
@click.argument("year_b", type=int)
def diff_cmd(year_a: int, year_b: int) -> None:
    from camera_registry import plans

    _echo(_run(lambda c: plans.diff(c, year_a, year_b)))


@plan.command("export")
@click.argument("year", type=int)
@click.option("--format", "fmt", type=click.Choice(["geojson", "gpkg", "kml", "csv"]),
              default="geojson")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
def export_cmd(year: int, fmt: str, output: Path | None) -> None:
    """Write the published plan of YEAR (the Staatscourant layer); a CSV gets its .csvt
    (field types) and .prj (CRS) beside it, as GDAL and QGIS read them."""
    from camera_registry import publication

    body, _, name = _run(lambda c: publication.export_plan(c, year, fmt))
    target = output or Path(name)
    target.write_bytes(body)
    click.echo(f"wrote {target}")
    for side in (("csvt", "prj") if fmt == "csv" else ()):
        body = _run(lambda c, side=side: publication.export_plan(c, year, side))[0]
        target.with_suffix(f".{side}").write_bytes(body)
        click.echo(f"wrote {target.with_suffix(f'.{side}')}")


@click.group("registry")
def registry_group() -> None:
    """Camera registry import and export (GeoPackage, GeoJSON)."""


@registry_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["gpkg", "geojson"]), default="gpkg")
@click.option("--layer", type=click.Choice(["locations", "cameras"]), default="locations",
              help="GeoJSON holds one layer; a GeoPackage both.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def registry_export(fmt: str, layer: str, output: Path) -> None:
    from camera_registry import exchange

    output.write_bytes(_run(lambda c: exchange.export_registry(c, fmt, layer)))
    click.echo(f"wrote {output}")


@registry_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--apply", is_flag=True, help="Write the changes (default: dry run only).")
@ACTOR
def registry_import(path: Path, apply: bool, actor: str) -> None:
    """Report what importing PATH would change; with --apply, change it."""
    from camera_registry import exchange

    _echo(_run(lambda c: exchange.import_registry(c, path, actor=actor, apply=apply)))
