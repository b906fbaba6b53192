"""The analysts' pages (R10's viewing levels): what was provided, on a map, with its exports.

An analyst works on what an authorised officer provided, never on the store: the page lists
the requests whose provided results the analyst may see, shows one request's provided
passages and routes on the map, and offers them as files (``gis.export``): the package's
passages as CSV (with its ``.csvt`` and ``.prj``) and GeoJSON, each route search as
GeoJSON (one file per layer: passages, legs, the route line), GeoPackage, KML and GPX.

Who may see what is decided by ``casework.access`` alone (level ``PROVIDED``: grant
holders, members of the investigation, the requester of record); this module only asks it.
A request the analyst has no relation to is "not found", as one that does not exist.

What is shown is what the package held: the passages of the searches the manifest lists as
run less the rejected misreads (``casework.provision.PACKAGED_ROWS_SQL``; a search the
officer ran after provision was never provided), and the route searches the manifest
lists, built as the package built them (through the passages each search held, the
rejected misreads left out). Each file is compared with the SHA-256 the manifest recorded, so the page says whether it is still the provided file
(retention destroys passages 28 days after capture once the enquiry is completed, R1).
Every file an analyst reads is audit-logged (``provided.read``).
"""
from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Any

import psycopg
from flask import Blueprint, Response, render_template, request

from anpr import audit, clock
from anpr.accounts import Account
from anpr.errors import BadInput, Conflict, Forbidden, NotFound
from casework import access
from casework import requests as req_mod
from webmap.auth import current_account, requires
from webmap.db import get_conn
from webmap.messages_nl import bericht

analyst_pages = Blueprint("analyst_pages", __name__)

ANALYST = "analyst"
#: Who may look for provided results here: analysts (grants), officers (members of an
#: investigation, grant holders, the handling officer) and requesters of record; what
#: each sees is decided per request by casework.access.
VIEWERS = ("analyst", "officer", "requester")
#: A route's files (``gis.export.ROUTE_FILES``) and how the page names them.
ROUTE_FILES = {"passages.geojson": "GeoJSON passages", "legs.geojson": "GeoJSON trajecten",
               "route.geojson": "GeoJSON routelijn", "gpkg": "GeoPackage", "kml": "KML",
               "gpx": "GPX"}
PASSAGE_FILES = {"passages.csv": "text/csv; charset=utf-8",
                 "passages.csvt": "text/plain; charset=utf-8",
                 "passages.prj": "text/plain; charset=utf-8",
                 "passages.geojson": "application/geo+json"}
#: Matched whole (``fullmatch``): ``$`` would also match before a final line break. The id
#: as the package writes it, without leading zeros (one name per file, the manifest's).
_ROUTE_FILE = re.compile(r"route-(?P<id>[1-9][0-9]{0,11})(?:-(?P<layer>passages|legs|route)"
                         r"\.geojson|\.(?P<fmt>gpkg|kml|gpx))")
#: Dutch names of the search kinds, as the officers' pages name them.
KINDS = {"plate": "Q1 kenteken(s)", "partial": "Q2 deel van kenteken",
         "block": "Q3 blokbevraging", "convoy": "Q4 konvooi",
         "common": "Q5 gemeenschappelijke kentekens", "route": "Q6 route"}


# -- domain: plain values and a connection in, plain values out ------------------------------

def viewable(conn: psycopg.Connection, account: Account) -> list[dict[str, Any]]:
    """The requests whose provided results ``account`` may see, newest first.

    The SQL only gathers candidates (a grant, a membership, the requester of record, the
    handling officer's own provided requests); each
    is then put to ``casework.access.level``, the one rule, so nothing is listed that the
    request's own page would refuse."""
    rows = conn.execute("""
        SELECT r.id FROM request r
         WHERE r.id IN (SELECT request_id FROM access_grant WHERE account_id = %(a)s)
            OR r.investigation_id IN (SELECT investigation_id FROM investigation_member
                                       WHERE account_id = %(a)s)
            OR r.requester_account_id = %(a)s
            OR (r.officer_id = %(a)s AND EXISTS (SELECT 1 FROM provision p
                                                  WHERE p.request_id = r.id))
         ORDER BY r.id DESC""", {"a": account.id}).fetchall()
    out = []
    for row in rows:
        req = req_mod.get(conn, row["id"])
        if access.level(conn, account, req) < access.Level.PROVIDED:
            continue
        prov = _provision(conn, req["id"])
        out.append({"id": req["id"], "reference": req["reference"],
                    "investigation": f"{req['investigation_system']} "
                                     f"{req['investigation_number']} {req['investigation_name']}",
                    "unit": req["unit_code"], "status": req["status"],
                    "provided_at": prov["manifest"]["provided_at"] if prov else None,
                    "passages": prov["manifest"]["counts"]["passages_provided"] if prov else None,
                    "searches": [KINDS.get(s["kind"], s["kind"])
                                 for s in (prov["manifest"]["searches"] if prov else [])]})
    return out


def _provision(conn: psycopg.Connection, request_id: int) -> dict[str, Any] | None:
    return conn.execute("SELECT manifest, sha256, downloaded_at FROM provision "
                        "WHERE request_id = %s", (request_id,)).fetchone()


def provided(conn: psycopg.Connection, account: Account, request_id: int) -> dict[str, Any]:
    """The request (if ``account`` may see what was provided) and its manifest; 404 for a
    request without a relation (the access rule's answer), 409 when nothing was provided."""
    req = access.require(conn, account, request_id, access.Level.PROVIDED)
    prov = _provision(conn, request_id)
    if prov is None:
        raise Conflict("nothing has been provided for this request yet")
    return {"request": req, "manifest": prov["manifest"], "sha256": prov["sha256"]}


def route_searches(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in manifest["searches"] if s["kind"] == "route" and s["run_at"]]


def provided_file(conn: psycopg.Connection, account: Account, request_id: int,
                  name: str) -> tuple[bytes, str, bool | None, str]:
    """One file of what was provided: (bytes, media type, still the provided file?, the
    request's reference).

    The third is True when the file's SHA-256 is the one in the manifest, False when it
    differs (passages destroyed by retention since), None for a file the package did not
    hold (a package made before the route came in every format, or as GeoJSON per layer)."""
    from casework import provision
    from gis import export

    got = provided(conn, account, request_id)
    req, manifest = got["request"], got["manifest"]
    if name in PASSAGE_FILES:
        # The passages of the searches the package held: one the officer ran after
        # provision was never provided (R10).
        held = [s["id"] for s in manifest["searches"] if s["run_at"]]
        rows = provision.provided_rows(conn.execute(provision.PACKAGED_ROWS_SQL,
                                                    (request_id, held)).fetchall())
        data, media = provision.passage_files(rows)[name], PASSAGE_FILES[name]
    else:
        m = _ROUTE_FILE.fullmatch(name)
        search = next((s for s in route_searches(manifest) if m and s["id"] == int(m["id"])),
                      None)
        if search is None:
            raise BadInput(f"{name!r} is not a file of this provision; the files are "
                           f"{', '.join(file_names(manifest))}")
        # The route as the package built it: through the passages the search held, the
        # rejected misreads left out (casework.provision.held_route).
        result = provision.held_route(conn, search)
        data, media = export.route_file(result, f"{m['layer']}.geojson" if m["layer"]
                                        else m["fmt"])
    recorded = manifest["files"].get(name)
    same = None if recorded is None else hashlib.sha256(data).hexdigest() == recorded
    audit.record(conn, account.username, "provided.read", f"request:{request_id}",
                 file=name, same_as_provided=same)
    return data, media, same, req["reference"]


def file_names(manifest: dict[str, Any]) -> list[str]:
    from gis import export

    return [*PASSAGE_FILES, *(export.route_file_name(s["id"], part)
                              for s in route_searches(manifest) for part in export.ROUTE_FILES)]


# -- web ---------------------------------------------------------------------------------------

def _route_file_name(search_id: int, part: str) -> str:
    from gis import export

    return export.route_file_name(search_id, part)


def clock_parse(value: str | None) -> datetime | None:
    """A manifest's ISO time for the templates (shown in Europe/Amsterdam)."""
    return datetime.fromisoformat(value) if value else None


@analyst_pages.errorhandler(NotFound)
def _not_found(exc: NotFound):
    # The access rule's 404: the same words whether the request does not exist or the
    # analyst has no relation to it.
    return render_template("analyst/error.html",
                           message="Niet gevonden: dit verzoek bestaat niet of u heeft er geen "
                                   "toegang toe."), 404


@analyst_pages.errorhandler(Forbidden)
def _forbidden(exc: Forbidden):
    # On these GET-only pages the one refusal is the role at the door (webmap.auth): an
    # analyst's relation to a request is at most PROVIDED, which the 404 above answers.
    return render_template("analyst/error.html",
                           message="Deze pagina's zijn voor analisten, opsporingsambtenaren "
                                   "en aanvragers: geleverde resultaten waartoe u toegang heeft "
                                   "gekregen.", detail=bericht(exc.message, 403)), 403


@analyst_pages.get("/analyse")
@requires(*VIEWERS)
def index():
    acc = current_account()
    rows = viewable(get_conn(), acc) if acc.unit_code else []
    return render_template("analyst/index.html", rows=rows, tz=clock.AMSTERDAM,
                           parse=clock_parse)


@analyst_pages.get("/analyse/<int:request_id>")
@requires(*VIEWERS)
def results_page(request_id: int):
    conn = get_conn()
    try:
        got = provided(conn, current_account(), request_id)
    except Conflict as exc:
        return render_template("analyst/error.html", message="Voor dit verzoek is nog niets "
                               "geleverd; zodra de geautoriseerde opsporingsambtenaar levert, "
                               "staan de resultaten hier.", detail=bericht(exc.message, 409)), 409
    manifest = got["manifest"]
    return render_template("analyst/results.html", req=got["request"], manifest=manifest,
                           routes=route_searches(manifest), kinds=KINDS,
                           route_files=ROUTE_FILES, file_name=_route_file_name,
                           tz=clock.AMSTERDAM, parse=clock_parse)


@analyst_pages.get("/analyse/<int:request_id>/download")
@requires(*VIEWERS)
def download(request_id: int):
    """``?file=passages.csv`` (or ``.csvt``, ``.prj``, ``.geojson``) or a route's file:
    ``route-<search id>-<passages|legs|route>.geojson`` or ``route-<search id>.<gpkg|kml|gpx>``;
    names in the manifest's files."""
    name = request.args.get("file", "")
    data, media, same, ref = provided_file(get_conn(), current_account(), request_id, name[:80])
    ref = re.sub(r"[^A-Za-z0-9-]", "_", ref)
    headers = {"Content-Disposition": f'attachment; filename="{ref}-{name}"',
               "Cache-Control": "no-store"}
    if same is not None:
        headers["X-Same-As-Provided"] = "yes" if same else "no"
    return Response(data, content_type=media, headers=headers)
