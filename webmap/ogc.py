"""OGC API - Features (Part 1: Core, Part 2: CRS by reference) for the published camera
plans, at ``/ogc``.

Why: the Staatscourant layer must be readable by GIS tools (QGIS, GDAL's OAPIF driver)
without downloads or accounts, so every published plan is one collection
(``cameraplan-YYYY``). Public, read-only, no login ever: only published plans appear.
Handlers parse and render; the features come from camera_registry.publication and are
projected by gis.crs (CRS84 as stored; RD New, ETRS89 and LAEA Europe on request with
``crs``; a ``bbox`` in any of them with ``bbox-crs``; the answer's CRS in ``Content-Crs``).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request, url_for

from anpr.errors import BadInput, NotFound
from camera_registry import plans, publication
from gis import crs as crs_mod
from gis.registry_queries import parse_bbox
from webmap.db import get_conn

ogc = Blueprint("ogc", __name__)

DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
]
CRS84 = crs_mod.CRS84
#: Dutch column headers of the HTML item tables, in the layer's field order.
FIELD_LABELS = {
    "feature_id": "Object", "year": "Jaar", "code": "Locatiecode", "name": "Naam",
    "unit": "Eenheid", "unit_name": "Naam eenheid", "road": "Weg", "hectometre": "Hectometer",
    "owner": "Eigenaar", "mounting": "Opstelling", "criteria": "Criteria (art. 3 lid 2)",
    "motivation": "Motivering", "prosecutor": "Officier van justitie",
    "signed_on": "Ondertekend op", "cameras": "Aantal camera's", "camera_ids": "Camera's",
    "valid_from": "Geldig vanaf", "valid_to": "Geldig tot",
}
MOUNTING_LABELS = {"fixed": "vast", "mobile": "mobiel"}
PREFIX = "cameraplan-"
GEOJSON, JSON, HTML = "application/geo+json", "application/json", "text/html"


def _wants_html() -> bool:
    f = request.args.get("f")
    if f:
        if f not in ("json", "html"):
            raise BadInput("f is json or html")
        return f == "html"
    best = request.accept_mimetypes.best_match([JSON, GEOJSON, HTML], default=JSON)
    return best == HTML


def _link(endpoint: str, rel: str, type_: str, title: str | None = None, **values: Any) -> dict:
    link = {"href": url_for(endpoint, _external=True, **values), "rel": rel, "type": type_}
    if title:
        link["title"] = title
    return link


def _respond(body: dict[str, Any], template: str, media: str = JSON,
             crs: crs_mod.Crs | None = None, **ctx: Any):
    if _wants_html():
        resp = Response(render_template(template, body=body, crs=crs, labels=FIELD_LABELS,
                                        mountings=MOUNTING_LABELS, criteria=plans.CRITERIA,
                                        **ctx), mimetype=HTML)
    else:
        resp = jsonify(body)
        resp.mimetype = media
    if crs is not None:
        resp.headers["Content-Crs"] = crs.header
    return resp


def _year(collection_id: str) -> int:
    if not collection_id.startswith(PREFIX) or not collection_id[len(PREFIX):].isdigit():
        raise NotFound(f"no collection {collection_id!r}")
    return int(collection_id[len(PREFIX):])


def _collection(conn, year: int) -> dict[str, Any]:
    cid = f"{PREFIX}{year}"
    bbox = publication.plan_extent(conn, year) or [3.2, 50.7, 7.3, 53.6]
    return {
        "id": cid, "title": f"Cameraplan ANPR 126jj {year}",
        "description": f"Vaste 126jj-cameralocaties met criteria (art. 3 lid 2) en motivering, "
                       f"en mobiele camera's toegevoegd in {year}.",
        "itemType": "feature", "crs": list(crs_mod.OFFERED), "storageCrs": CRS84,
        "extent": {"spatial": {"bbox": [bbox], "crs": CRS84},
                   "temporal": {"interval": [[f"{year}-01-01T00:00:00Z", f"{year}-12-31T23:59:59Z"]],
                                "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}},
        "links": [
            _link("ogc.collection", "self", JSON, collection_id=cid),
            _link("ogc.collection", "alternate", HTML, collection_id=cid, f="html"),
            _link("ogc.items", "items", GEOJSON, "Features", collection_id=cid),
            _link("ogc.items", "items", HTML, "Features (HTML)", collection_id=cid, f="html"),
            _link("ogc.queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                  "application/schema+json", collection_id=cid),
        ],
    }


@ogc.get("", strict_slashes=False)
def landing():
    body = {
        "title": "Cameraplan ANPR 126jj (OGC API - Features)",
        "description": "De gepubliceerde cameraplannen van art. 126jj Sv, per jaar een collectie.",
        "links": [
            _link("ogc.landing", "self", JSON),
            _link("ogc.landing", "alternate", HTML, f="html"),
            _link("ogc.api", "service-desc", "application/vnd.oai.openapi+json;version=3.0"),
            _link("ogc.conformance", "conformance", JSON),
            _link("ogc.collections", "data", JSON),
        ],
    }
    return _respond(body, "plan_ogc.html", page="landing")


@ogc.get("/conformance")
def conformance():
    return _respond({"conformsTo": CONFORMANCE}, "plan_ogc.html", page="conformance")


@ogc.get("/collections")
def collections():
    conn = get_conn()
    years = [p["year"] for p in plans.list_plans(conn, published_only=True)]
    body = {"links": [_link("ogc.collections", "self", JSON),
                      _link("ogc.collections", "alternate", HTML, f="html")],
            "collections": [_collection(conn, y) for y in years]}
    return _respond(body, "plan_ogc.html", page="collections")


@ogc.get("/collections/<collection_id>")
def collection(collection_id: str):
    conn = get_conn()
    year = _year(collection_id)
    publication.published_plan(conn, year)
    return _respond(_collection(conn, year), "plan_ogc.html", page="collection")


@ogc.get("/collections/<collection_id>/queryables")
def queryables(collection_id: str):
    conn = get_conn()
    year = _year(collection_id)
    publication.published_plan(conn, year)
    props = {q: {"type": "string", "title": q} for q in publication.QUERYABLES}
    props["criteria"]["description"] = "one criterion letter (a, b or c) the feature rests on"
    body = {"$schema": "https://json-schema.org/draft/2019-09/schema",
            "$id": url_for("ogc.queryables", collection_id=collection_id, _external=True),
            "type": "object", "title": f"Cameraplan {year}", "properties": props}
    resp = jsonify(body)
    resp.mimetype = "application/schema+json"
    return resp


def _limit() -> int:
    raw = request.args.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    try:
        value = int(raw)
    except ValueError:
        raise BadInput("limit must be a whole number") from None
    if value < 1:
        raise BadInput("limit must be at least 1")
    return min(value, MAX_LIMIT)


def _offset() -> int:
    try:
        value = int(request.args.get("offset", "0"))
    except ValueError:
        raise BadInput("offset must be a whole number") from None
    if value < 0:
        raise BadInput("offset must not be negative")
    return value


@ogc.get("/collections/<collection_id>/items")
def items(collection_id: str):
    conn = get_conn()
    year = _year(collection_id)
    limit, offset = _limit(), _offset()
    out_crs = crs_mod.parse(request.args.get("crs"), "crs")
    bbox_crs = crs_mod.parse(request.args.get("bbox-crs"), "bbox-crs")
    dt_from, dt_to = publication.parse_datetime_param(request.args.get("datetime"))
    filters = {q: request.args[q] for q in publication.QUERYABLES if q in request.args}
    query = {"dt_from": dt_from, "dt_to": dt_to, "filters": filters}
    raw_bbox = request.args.get("bbox")
    if raw_bbox and bbox_crs is not crs_mod.STORAGE:
        # The box's lon/lat envelope narrows the query; the exact test is made in the
        # box's own CRS, so paging counts only features really inside it.
        box = crs_mod.parse_bbox(raw_bbox, bbox_crs)
        wide, _ = publication.plan_features(
            conn, year, bbox=crs_mod.enclosing_wgs84(conn, box, bbox_crs), **query)
        ids = {f["id"] for f in crs_mod.project(conn, wide, bbox_crs)
               if crs_mod.inside(f, box, bbox_crs)}
        hits = [f for f in wide if f["id"] in ids]
        feats, matched = hits[offset:offset + limit], len(hits)
    else:
        feats, matched = publication.plan_features(conn, year, bbox=parse_bbox(raw_bbox),
                                                   limit=limit, offset=offset, **query)
    feats = crs_mod.project(conn, feats, out_crs)
    args = {k: v for k, v in request.args.items() if k not in ("offset", "f")}
    links = [_link("ogc.items", "self", GEOJSON, collection_id=collection_id, **args,
                   offset=offset),
             _link("ogc.items", "alternate", HTML, collection_id=collection_id, **args,
                   offset=offset, f="html"),
             _link("ogc.collection", "collection", JSON, collection_id=collection_id)]
    if offset + len(feats) < matched:
        links.append(_link("ogc.items", "next", GEOJSON, collection_id=collection_id, **args,
                           offset=offset + limit))
    if offset > 0:
        links.append(_link("ogc.items", "prev", GEOJSON, collection_id=collection_id, **args,
                           offset=max(0, offset - limit)))
    body = {"type": "FeatureCollection", "features": feats, "numberMatched": matched,
            "numberReturned": len(feats),
            "timeStamp": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "links": links}
    return _respond(body, "plan_ogc.html", GEOJSON, crs=out_crs, page="items", year=year,
                    fields=list(publication.FIELDS))


@ogc.get("/collections/<collection_id>/items/<feature_id>")
def item(collection_id: str, feature_id: str):
    conn = get_conn()
    year = _year(collection_id)
    out_crs = crs_mod.parse(request.args.get("crs"), "crs")
    feats, _ = publication.plan_features(conn, year, feature_id=feature_id, limit=1)
    if not feats:
        raise NotFound(f"no feature {feature_id!r} in {collection_id}")
    feats = crs_mod.project(conn, feats, out_crs)
    body = {**feats[0], "links": [
        _link("ogc.item", "self", GEOJSON, collection_id=collection_id, feature_id=feature_id),
        _link("ogc.collection", "collection", JSON, collection_id=collection_id)]}
    return _respond(body, "plan_ogc.html", GEOJSON, crs=out_crs, page="item", year=year,
                    fields=list(publication.FIELDS))


@ogc.get("/api")
def api():
    """A small OpenAPI 3.0 description of these endpoints (the landing's service-desc)."""
    params = [{"name": n, "in": "query", "required": False, "schema": {"type": "string"}}
              for n in ("bbox", "bbox-crs", "crs", "limit", "offset", "datetime",
                        *publication.QUERYABLES)]
    cid = {"name": "collectionId", "in": "path", "required": True, "schema": {"type": "string"}}
    ok = {"200": {"description": "ok"}}
    doc = {"openapi": "3.0.3",
           "info": {"title": "Cameraplan ANPR 126jj - OGC API Features", "version": "1.0"},
           "servers": [{"url": url_for("ogc.landing", _external=True).rstrip("/")}],
           "paths": {
               "/": {"get": {"operationId": "landing", "responses": ok}},
               "/conformance": {"get": {"operationId": "conformance", "responses": ok}},
               "/collections": {"get": {"operationId": "collections", "responses": ok}},
               "/collections/{collectionId}": {"get": {"parameters": [cid], "responses": ok}},
               "/collections/{collectionId}/items": {"get": {
                   "parameters": [cid, *params], "responses": ok}},
               "/collections/{collectionId}/items/{featureId}": {"get": {
                   "parameters": [cid, {"name": "featureId", "in": "path", "required": True,
                                        "schema": {"type": "string"}},
                                  {"name": "crs", "in": "query", "required": False,
                                   "schema": {"type": "string", "format": "uri"}}],
                   "responses": ok}}}}
    return Response(__import__("json").dumps(doc), mimetype="application/vnd.oai.openapi+json;version=3.0")


# Public for ever (R9 publication): declared so a default-deny access layer lets them by.
for _view in (landing, conformance, collections, collection, queryables, items, item, api):
    _view.anpr_access = "public"
