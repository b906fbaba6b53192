"""The offline basemap's data (webmap/static/basemap, made by make_basemap.py): the land
is drawn from GSHHG's full-resolution shorelines, so inland water is water and the places
lie on Dutch land, and the file stays small enough for every map to load."""
from __future__ import annotations

import json
from pathlib import Path

from shapely.geometry import Point, shape

BASEMAP = Path(__file__).resolve().parent.parent / "webmap" / "static" / "basemap"


def _land():
    fc = json.loads((BASEMAP / "land.geojson").read_text())
    return {f["properties"]["iso_a3"]: shape(f["geometry"]) for f in fc["features"]}


def test_inland_water_is_water_and_the_coast_is_where_the_towns_are():
    land = _land()
    assert list(land)[0] == "NLD" and {"BEL", "DEU"} <= set(land)
    for water in [(5.30, 52.80), (5.25, 52.50),   # IJsselmeer, Markermeer
                  (4.20, 51.78), (3.70, 51.42),   # Haringvliet, Westerschelde
                  (5.30, 53.20)]:                  # Waddenzee
        assert not any(g.contains(Point(water)) for g in land.values()), water
    towns = {"NLD": [(4.893, 52.373), (5.471, 52.518), (3.573, 51.443), (5.869, 51.0),
                     (3.828, 51.336), (5.69, 50.85), (6.93, 53.33), (4.8, 53.08)],
             "BEL": [(4.40, 51.22), (5.70, 50.74), (3.29, 51.35)],
             "DEU": [(6.08, 50.776), (6.14, 51.79), (7.2, 53.37)]}
    for country, points in towns.items():
        for pt in points:
            assert land[country].contains(Point(pt)), (country, pt)
    assert all(g.is_valid for g in land.values())


def test_the_places_lie_on_dutch_land():
    nld = _land()["NLD"]
    places = json.loads((BASEMAP / "places.geojson").read_text())["features"]
    assert len(places) == 677
    outside = [f["properties"]["name"] for f in places
               if not nld.contains(Point(f["geometry"]["coordinates"]))]
    # GeoNames puts Aalsmeer and Kortenhoef in their lakes, Vaals and Berg on the border.
    assert len(outside) <= 4, outside


def test_the_land_file_stays_small():
    assert (BASEMAP / "land.geojson").stat().st_size < 400_000


def test_a_wmts_template_is_taken_as_the_maps_tiles():
    """ANPR_MAP_TILE_URL may be a WMTS template (KVP or REST, EPSG:3857 matrix set): its
    TileMatrix/TileCol/TileRow become the maps' z/x/y; without them it is refused."""
    import pytest

    from anpr import settings as settings_mod
    from anpr.errors import ConfigurationError

    kvp = ("https://brt.politie.local/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
           "&LAYER=standaard&STYLE=default&TILEMATRIXSET=EPSG:3857&TILEMATRIX={TileMatrix}"
           "&TILEROW={TileRow}&TILECOL={TileCol}&FORMAT=image/png")
    web = settings_mod.load({"ANPR_MAP_TILE_URL": kvp}).web
    assert web.map_tile_url.endswith("TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&FORMAT=image/png")
    rest = "https://brt.politie.local/wmts/standaard/EPSG:3857/{TileMatrix}/{TileCol}/{TileRow}.png"
    assert settings_mod.load({"ANPR_MAP_TILE_URL": rest}).web.map_tile_url.endswith(
        "/EPSG:3857/{z}/{x}/{y}.png")
    with pytest.raises(ConfigurationError, match="TileMatrix"):
        settings_mod.load({"ANPR_MAP_TILE_URL": "https://t/wmts?TILEMATRIX={TileMatrix}"})


def test_every_page_names_the_tiles_to_its_maps(app, client, demo_db):
    """The setting reaches every page through base.html (basemap.js reads it), the public
    plan map included; unset, no page names tiles."""
    from dataclasses import replace

    assert 'name="anpr-map-tiles"' not in client.get("/plans/map").get_data(as_text=True)
    settings = app.config["ANPR_SETTINGS"]
    app.config["ANPR_SETTINGS"] = replace(settings, web=replace(
        settings.web, map_tile_url="https://brt.politie.local/{z}/{x}/{y}.png",
        map_tile_attribution="BRT-A (spiegel)"))
    try:
        html = client.get("/plans/map").get_data(as_text=True)
    finally:
        app.config["ANPR_SETTINGS"] = settings
    assert ('<meta name="anpr-map-tiles" content="https://brt.politie.local/{z}/{x}/{y}.png" '
            'data-attribution="BRT-A (spiegel)">') in html
