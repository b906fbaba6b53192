"""The OpenAPI 3.1 document of the JSON API, kept beside the handlers it describes."""
from __future__ import annotations

from typing import Any

from flask import Flask

ERROR = {"$ref": "#/components/responses/Error"}
FC = {"description": "GeoJSON FeatureCollection",
      "content": {"application/geo+json": {"schema": {"$ref": "#/components/schemas/FeatureCollection"}}}}
BBOX = {"name": "bbox", "in": "query", "required": False,
        "description": "minlon,minlat,maxlon,maxlat in WGS84",
        "schema": {"type": "string", "example": "4.7,52.2,5.1,52.5"}}

PATHS: dict[str, dict[str, Any]] = {
    "/api/v1/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI"}}}},
    "/api/v1/health": {"get": {"summary": "Liveness and database check",
                               "responses": {"200": {"description": "ok"}, "503": ERROR}}},
    "/api/v1/locations": {"get": {
        "summary": "Camera locations with camera counts",
        "parameters": [BBOX, {"name": "unit", "in": "query", "schema": {"type": "string"},
                              "description": "unit code, e.g. MN"}],
        "responses": {"200": FC, "400": ERROR}}},
    "/api/v1/locations/{code}": {"get": {
        "summary": "One location with its cameras",
        "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "GeoJSON Feature"}, "404": ERROR}}},
    "/api/v1/cameras": {"get": {
        "summary": "Cameras (lane geometry where known)",
        "parameters": [BBOX, {"name": "location", "in": "query", "schema": {"type": "string"}}],
        "responses": {"200": FC, "400": ERROR}}},
    "/api/v1/cameras/{camera_id}": {"get": {
        "summary": "One camera",
        "parameters": [{"name": "camera_id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "GeoJSON Feature"}, "404": ERROR}}},
    "/api/v1/roads": {"get": {"summary": "The road network", "responses": {"200": FC}}},
    "/api/v1/selection": {"post": {
        "summary": "Resolve a drawn or picked selection to cameras",
        "description": "Polygon or rectangle (`geometry` Polygon), circle (`geometry` Point "
                       "plus `radius_m`), corridor (`geometry` LineString plus `buffer_m`, "
                       "buffered in RD New), or picks by location code, group or camera id; "
                       "optionally narrowed by `inout` and `lanes`.",
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Selection"}}}},
        "responses": {"200": FC, "400": ERROR}}},
}


# Each API module adds its own paths here (``register_paths``) next to its handlers.
_EXTRA_PATHS: dict[str, dict[str, Any]] = {}
_EXTRA_SCHEMAS: dict[str, dict[str, Any]] = {}


def register_paths(paths: dict[str, dict[str, Any]],
                   schemas: dict[str, dict[str, Any]] | None = None) -> None:
    _EXTRA_PATHS.update(paths)
    _EXTRA_SCHEMAS.update(schemas or {})


def openapi_document(app: Flask) -> dict[str, Any]:
    doc = _base_document()
    doc["paths"] = {**PATHS, **_EXTRA_PATHS}
    doc["components"]["schemas"].update(_EXTRA_SCHEMAS)
    return doc


def _base_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "126jj ANPR API", "version": "1",
                 "description": "Passage store, searches and camera registry for art. 126jj Sv."},
        "paths": PATHS,
        "components": {
            "responses": {"Error": {"description": "Error with a user-safe message", "content": {
                "application/json": {"schema": {"type": "object", "required": ["error", "message"],
                                                "properties": {"error": {"type": "string"},
                                                               "message": {"type": "string"},
                                                               "details": {"type": "object"}}}}}}},
            "schemas": {
                "FeatureCollection": {"type": "object", "required": ["type", "features"],
                                      "properties": {"type": {"const": "FeatureCollection"},
                                                     "features": {"type": "array"}}},
                "Selection": {"type": "object", "properties": {
                    "kind": {"enum": ["polygon", "rectangle", "circle", "corridor", "pick"]},
                    "geometry": {"type": "object", "description": "GeoJSON geometry, WGS84"},
                    "radius_m": {"type": "number", "minimum": 1, "maximum": 50000},
                    "buffer_m": {"type": "number", "minimum": 1, "maximum": 5000},
                    "inout": {"enum": ["in", "out"]},
                    "lanes": {"type": "array", "items": {"type": "integer"}},
                    "locations": {"type": "array", "items": {"type": "string"}},
                    "groups": {"type": "array", "items": {"type": "string"}},
                    "cameras": {"type": "array", "items": {"type": "string"}}}},
            },
        },
    }
