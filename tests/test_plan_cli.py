"""The operators' commands: anpr plan ... and anpr registry ... on the test database."""
from __future__ import annotations

import json

from click.testing import CliRunner

from cli.main import main
from camera_registry.plans import clock


def test_plan_and_registry_commands(demo_db, database_url, tmp_path):
    year = demo_db["end"].astimezone(clock.AMSTERDAM).year
    runner = CliRunner()
    env = {"DATABASE_URL": database_url}
    r = runner.invoke(main, ["plan", "validate", str(year)], env=env)
    assert r.exit_code == 0, r.output
    out = tmp_path / "plan.geojson"
    r = runner.invoke(main, ["plan", "export", str(year), "--format", "geojson", "-o", str(out)], env=env)
    assert r.exit_code == 0, r.output
    assert len(json.loads(out.read_text())["features"]) > 250
    csv_out = tmp_path / "plan.csv"  # with its .csvt and .prj, GDAL reads types and CRS
    r = runner.invoke(main, ["plan", "export", str(year), "--format", "csv", "-o", str(csv_out)],
                      env=env)
    assert r.exit_code == 0, r.output
    import pyogrio

    info = pyogrio.read_info(csv_out)
    assert info["crs"] == "EPSG:4326" and info["features"] > 250
    assert dict(zip(info["fields"], info["dtypes"]))["valid_from"].startswith("datetime64")
    r = runner.invoke(main, ["plan", "diff", str(year - 1), str(year)], env=env)
    assert r.exit_code == 0 and json.loads(r.output)["counts"]["locations_added"] > 0
    r = runner.invoke(main, ["plan", "publish", str(year), "--actor", "x"], env=env)
    assert r.exit_code != 0 and "published" in r.output
    reg = tmp_path / "reg.gpkg"
    r = runner.invoke(main, ["registry", "export", "-o", str(reg)], env=env)
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["registry", "import", str(reg), "--actor", "x"], env=env)
    assert r.exit_code == 0 and json.loads(r.output)["applied"] is False
