"""Write a RoadNetwork into road_junction / road_segment, ready for pgRouting.

Segments carry ``source``/``target`` junction ids and free-flow ``cost``/``reverse_cost``
in seconds, which is the edge table pgRouting's ``pgr_dijkstra`` expects; no separate
topology build is needed because junctions are the vertices.

To use a real network instead (NWB or OpenStreetMap via osm2pgrouting), load it into the
same two tables with the same columns; see gis/data/README.md.
"""
from __future__ import annotations

import json
from typing import Any

import psycopg


def network_loaded(conn: psycopg.Connection) -> bool:
    return conn.execute("SELECT EXISTS (SELECT 1 FROM road_segment) AS x").fetchone()["x"]


def load_road_network(conn: psycopg.Connection, network) -> dict[str, Any]:
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO road_junction (id, name, border, geom) "
            "VALUES (%s, %s, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326))",
            [(j.id, j.name, j.border, j.lon, j.lat) for j in network.junctions.values()])
        cur.executemany(
            "INSERT INTO road_segment (id, road, source, target, speed_kmh, lanes, length_m, cost,"
            " reverse_cost, geom) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s,"
            " ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326))",
            [(s.id, s.road, s.source, s.target, s.speed_kmh, s.lanes, s.length_m, s.cost_s,
              s.cost_s, json.dumps({"type": "LineString", "coordinates": [list(c) for c in s.coords]}))
             for s in network.segments.values()])
    return {"junctions": len(network.junctions), "segments": len(network.segments)}


def route_cost(conn: psycopg.Connection, source: int, target: int) -> float | None:
    """Free-flow seconds between two junctions along the network (pgRouting)."""
    row = conn.execute(
        "SELECT max(agg_cost) AS cost FROM pgr_dijkstra("
        "'SELECT id, source, target, cost, reverse_cost FROM road_segment', %s, %s, true)",
        (source, target)).fetchone()
    return row["cost"]
