"""The JSON API under /api/v1: thin handlers that parse, call a domain function, render.

Every route here is described in the OpenAPI document (webmap/openapi.py); a test fails
when one is not.
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from gis import registry_queries as rq
from gis.search.params import selection_limits
from gis.selection import as_feature_collection, parse_selection, select_cameras
from webmap.auth import public, requires
from webmap.db import get_conn
from webmap.openapi import openapi_document
from webmap.payload import json_object

api = Blueprint("api", __name__)

#: Everyone with a staff account sees the camera registry on the map (the plan itself is
#: public); requesters never use the store or the map.
STAFF = ("officer", "analyst", "plan_editor", "auditor", "admin")


def _geojson(data):
    """GeoJSON as application/geo+json, as the OpenAPI document says."""
    resp = jsonify(data)
    resp.mimetype = "application/geo+json"
    return resp


@api.get("/openapi.json")
@public
def openapi():
    return jsonify(openapi_document(current_app))


@api.get("/health")
@public
def health():
    row = get_conn().execute("SELECT postgis_lib_version() AS postgis").fetchone()
    return jsonify({"status": "ok", "postgis": row["postgis"]})


@api.get("/locations")
@requires(*STAFF)
def list_locations():
    return _geojson(rq.locations(get_conn(), bbox=rq.parse_bbox(request.args.get("bbox")),
                                unit=request.args.get("unit") or None))


@api.get("/locations/<code>")
@requires(*STAFF)
def get_location(code: str):
    return _geojson(rq.location(get_conn(), code))


@api.get("/cameras")
@requires(*STAFF)
def list_cameras():
    return _geojson(rq.cameras(get_conn(), bbox=rq.parse_bbox(request.args.get("bbox")),
                              location=request.args.get("location") or None))


@api.get("/cameras/<camera_id>")
@requires(*STAFF)
def get_camera(camera_id: str):
    return _geojson(rq.camera(get_conn(), camera_id))


@api.get("/roads")
@requires(*STAFF)
def list_roads():
    return _geojson(rq.roads(get_conn()))


@api.post("/selection")
@requires("officer", "analyst", "plan_editor")
def selection():
    sel = parse_selection(json_object(), selection_limits())
    return _geojson(as_feature_collection(select_cameras(get_conn(), sel), sel))
