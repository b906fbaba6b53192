"""Route exports open in GDAL (pyogrio) with their times."""
from __future__ import annotations

import json

import pyogrio
import pytest

from gis.export import export_route
from gis.search.route import route
from gis.search.scope import Window


@pytest.fixture(scope="module")
def lead_route(database_url, demo_db):
    import psycopg
    from psycopg.rows import dict_row

    truth = json.loads((demo_db["home"] / "demo_ground_truth.json").read_text())
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        return route(conn, truth["convoy"]["lead"], Window(demo_db["start"], demo_db["end"]))


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "kml", "gpx"])
def test_exports_open_in_gdal(tmp_path, lead_route, fmt):
    payload, mimetype, suffix = export_route(lead_route, fmt)
    path = tmp_path / f"route.{suffix}"
    path.write_bytes(payload)
    layers = [name for name, _ in pyogrio.list_layers(path)]
    assert layers
    n_legs, n_pass = len(lead_route["legs"]), len(lead_route["passages"])
    if fmt == "gpkg":
        assert set(layers) == {"legs", "passages"}
        meta, _, geom, fields = pyogrio.raw.read(path, layer="legs")
        assert len(geom) == n_legs and "times" in meta["fields"] and "flag" in meta["fields"]
        assert meta["crs"] == "EPSG:4326"
        meta, _, geom, fields = pyogrio.raw.read(path, layer="passages")
        assert len(geom) == n_pass
    elif fmt == "kml":
        meta, _, geom, fields = pyogrio.raw.read(path)
        assert len(geom) == n_legs + n_pass
    elif fmt == "gpx":
        assert "track_points" in layers and "tracks" in layers
        meta, _, geom, fields = pyogrio.raw.read(path, layer="track_points")
        times = fields[list(meta["fields"]).index("time")]
        assert len(geom) > n_legs and all(t is not None for t in times)
        assert list(times) == sorted(times)
    else:
        data = json.loads(payload)
        assert data["features"][0]["properties"]["times"]
        meta, _, geom, _ = pyogrio.raw.read(path)
        assert len(geom) == 1 + n_legs + n_pass
