"""Searches inside a request (R5, R6, R7): scoped, previewed first, logged, secured.

A search runs only inside a confirmed request, handled by an authorised officer who is
not part of the investigation, and only within the order's scope: the request's scope
becomes a ``gis.search.scope.Scope`` and every search function checks against it. Each
search is first a count preview; the officer may stop there, which is recorded too.
Each preview and each run writes an audit record with the items of art. 8 AMvB. The
passages a run finds are kept as references with the enquiry and held for retention
(R1: results of an enquiry in progress are secured until it is completed).
"""
from __future__ import annotations

import json
import logging
from typing import Any, Callable

import psycopg

from anpr import audit, clock
from anpr.accounts import Account
from anpr.errors import BadInput, Conflict, NotFound
from casework import requests as req_mod
from gis.search import block, common, convoy, partial, plate, route
from gis.search import params as sp
from gis.search.base import Where
from gis.search.scope import (Scope, Window, normalise_cameras, normalise_pattern,
                              normalise_plate, normalise_plates, parse_window)
from gis.selection import parse_selection, select_cameras

log = logging.getLogger(__name__)

KINDS = ("plate", "partial", "block", "convoy", "common", "route")
#: Plate searches are verified read by read (R7); location/time searches are not.
VERIFIED_KINDS = {"plate", "partial", "route", "convoy"}
SEARCHABLE = ("confirmed", "provided")


def resolve_scope_cameras(conn: psycopg.Connection, scope: dict[str, Any]) -> list[str]:
    """The order's locations as camera ids: picked cameras, locations and drawn areas."""
    ids: set[str] = set(scope.get("cameras") or [])
    if scope.get("locations"):
        ids |= {c["id"] for c in select_cameras(conn, parse_selection(
            {"kind": "pick", "locations": scope["locations"]}))}
    for area in scope.get("areas") or []:
        ids |= {c["id"] for c in select_cameras(conn, parse_selection(area))}
    return sorted(ids)


def scope_of(conn: psycopg.Connection, request: dict[str, Any]) -> Scope:
    raw = request["scope"]
    cameras = raw.get("resolved_cameras")
    if cameras is None:
        cameras = resolve_scope_cameras(conn, raw)
    return Scope.from_dict({
        "windows": raw["windows"], "cameras": cameras,
        "plates": raw.get("plates") or None,
        "patterns": raw.get("patterns") or [], "reference": request["order_reference"],
        "convoy_minutes": request.get("convoy_minutes")})


def freeze_scope(conn: psycopg.Connection, request_id: int) -> None:
    """At confirmation the order's areas are resolved to cameras once and kept, so a later
    registry edit cannot widen or narrow what the order covered."""
    req = req_mod.get(conn, request_id)
    scope = dict(req["scope"])
    scope["resolved_cameras"] = resolve_scope_cameras(conn, scope)
    if not scope["resolved_cameras"]:
        raise BadInput("the order's locations resolve to no camera")
    conn.execute("UPDATE request SET scope = %s::jsonb WHERE id = %s",
                 (json.dumps(scope), request_id))


def _searchable(conn: psycopg.Connection, officer: Account, request_id: int) -> dict[str, Any]:
    req = req_mod.get(conn, request_id)
    req_mod.check_handler(conn, officer, req)
    if req["status"] not in SEARCHABLE:
        raise Conflict(f"request {req['reference']} is {req['status']}: searches run only "
                       "inside a confirmed request")
    return req


def _window(params: dict[str, Any]) -> Window:
    w = params.get("window")
    if not isinstance(w, dict):
        raise BadInput("window must be an object with start and end (ISO 8601 with offset)")
    return parse_window(w.get("start"), w.get("end"))


def _cameras(conn, params: dict[str, Any], *, required: bool = False) -> tuple[str, ...] | None:
    if params.get("selection") is not None:
        sel = parse_selection(params["selection"], sp.selection_limits())
        ids = tuple(c["id"] for c in select_cameras(conn, sel))
        if not ids:
            raise BadInput("the selection resolves to no camera")
        return ids
    if params.get("cameras") is not None:
        return normalise_cameras(params["cameras"])
    if required:
        raise BadInput("select cameras: give a drawn or picked selection or camera ids")
    return None


def _sites(conn, params: dict[str, Any]) -> list[common.Site]:
    raw = params.get("sites")
    if not isinstance(raw, list) or not raw:
        raise BadInput("common-plate search needs a list of sites")
    if len(raw) > common.MAX_SITES:
        raise BadInput(f"at most {common.MAX_SITES} sites")
    sites = []
    for i, s in enumerate(raw):
        if not isinstance(s, dict):
            raise BadInput(f"site {i + 1} must be an object")
        sites.append(common.Site(name=str(s.get("name") or f"site {i + 1}")[:80],
                                 cameras=_cameras(conn, s, required=True),
                                 window=_window(s)))
    return sites


def _dispatch(conn, kind: str, params: dict[str, Any], scope: Scope, preview: bool
              ) -> tuple[dict[str, Any], Callable[[], list[tuple[int, Any, str, bool]]]]:
    """Run one search; return its output and a function listing the passages it found,
    as (passage id, capture time, camera, verify)."""
    if kind == "plate":
        plates, window, cams = (normalise_plates(params.get("plates")), _window(params),
                                _cameras(conn, params) or scope.order_cameras())
        misreads = sp.misreads(params)
        if preview:
            return plate.plate_preview(conn, plates, window, cameras=cams, scope=scope,
                                       misreads=misreads), list
        out = plate.plate_history(conn, plates, window, cameras=cams, scope=scope,
                                 limit=sp.PAGE["plate"], misreads=misreads)
        return out, lambda: _refs(conn, plate.plate_where(plates, window, cams,
                                                          misreads=misreads, conn=conn), True)
    if kind == "partial":
        pattern, window = normalise_pattern(params.get("pattern")), _window(params)
        cams = _cameras(conn, params)
        if cams is None:
            if partial.literal_ends(pattern) == ("", ""):
                raise BadInput("a pattern with only wildcards needs a camera selection")
            cams = scope.order_cameras()
        if preview:
            return partial.partial_preview(conn, pattern, window, cameras=cams, scope=scope), list
        out = partial.partial_plate(conn, pattern, window, cameras=cams, scope=scope,
                                    limit=sp.PAGE["partial"])
        return out, lambda: _refs(conn, partial.pattern_where(pattern, window, cams)[0], True)
    if kind == "block":
        window, cams = _window(params), _cameras(conn, params, required=True)
        if preview:
            return block.block_preview(conn, cams, window, scope=scope), list
        out = block.block_query(conn, cams, window, scope=scope, limit=sp.PAGE["block"])
        return out, lambda: _refs(conn, block.block_where(cams, window), False)
    if kind == "convoy":
        target, window = normalise_plate(params.get("plate")), _window(params)
        minutes, shared = sp.convoy_minutes(params, scope), sp.min_shared(params)
        misreads = sp.misreads(params)
        if preview:
            return plate.plate_preview(conn, (target,), window, scope=scope,
                                       cameras=scope.order_cameras(), misreads=misreads), list
        out = convoy.convoy(conn, target, window, minutes, scope=scope, min_shared=shared,
                            limit=sp.PAGE["convoy"], misreads=misreads)

        def refs() -> list[tuple[int, Any, str, bool]]:
            found = [(t["id"], t["at"], t["camera_id"], True) for t in out["target_passages"]]
            triples = [(x["camera_id"], x["captured_at"], p["plate"])
                       for p in out["partners"] for x in p["passages"]]
            return found + [(i, at, cam, False) for i, at, cam in _ids_for(conn, triples)]
        return out, refs
    if kind == "common":
        sites, k, misreads = _sites(conn, params), sp.k(params), sp.misreads(params)
        if preview:
            return common.common_preview(conn, sites, k, scope=scope), list
        out = common.common_plates(conn, sites, k, scope=scope, limit=sp.PAGE["common"],
                                   misreads=misreads)

        def refs() -> list[tuple[int, Any, str, bool]]:
            triples = [(x["camera_id"], x["captured_at"], x.get("plate", p["plate"]))
                       for p in out["plates"] for x in p["passages"]]
            return [(i, at, cam, False) for i, at, cam in _ids_for(conn, triples)]
        return out, refs
    if kind == "route":
        target, window = normalise_plate(params.get("plate")), _window(params)
        detour_s, misreads = sp.detour_seconds(params), sp.misreads(params)
        if preview:
            return plate.plate_preview(conn, (target,), window, scope=scope,
                                       cameras=scope.order_cameras(), misreads=misreads), list
        out = route.route(conn, target, window, scope=scope, detour_min_s=detour_s,
                          misreads=misreads)
        return out, lambda: [(p["id"], p["captured_at"], p["camera_id"], True)
                             for p in out["passages"]]
    raise BadInput(f"unknown search kind {kind!r}; one of {', '.join(KINDS)}")


def _refs(conn, where: Where, verify: bool) -> list[tuple[int, Any, str, bool]]:
    from psycopg import sql

    q = sql.SQL("SELECT p.id, p.captured_at, p.camera_id FROM jj126.passage p"
                " WHERE {}").format(where.sql())
    return [(r["id"], r["captured_at"], r["camera_id"], verify)
            for r in conn.execute(q, where.params)]


def _ids_for(conn, triples: list[tuple[str, Any, str]]) -> list[tuple[int, Any, str]]:
    if not triples:
        return []
    cams, times, plates = zip(*triples)
    rows = conn.execute("""
        SELECT DISTINCT p.id, p.captured_at, p.camera_id FROM jj126.passage p
          JOIN unnest(%s::text[], %s::timestamptz[], %s::text[]) AS t(camera_id, at, plate)
            ON p.camera_id = t.camera_id AND p.captured_at = t.at AND p.plate = t.plate
         WHERE p.captured_at >= %s AND p.captured_at <= %s""",
                        (list(cams), list(times), list(plates), min(times), max(times))).fetchall()
    return [(r["id"], r["captured_at"], r["camera_id"]) for r in rows]


def _log(conn, officer: Account, req: dict[str, Any], enquiry_id: int, kind: str,
         params: dict[str, Any], outcome: dict[str, Any], action: str) -> None:
    """The art. 8 AMvB record: (a)-(g) now; (h) and (i) when the results are provided."""
    audit.record(conn, officer.username, action, f"request:{req['id']}",
                 enquiry=enquiry_id,
                 officer=officer.username,                                   # (a)
                 requester=f"{req['requester_name']} ({req['requester_function']})",  # (b)
                 order_reference=req["order_reference"],                      # (c)
                 investigation=f"{req['investigation_system']} {req['investigation_number']}",  # (d)
                 request_received_at=req["received_at"],                    # (e)
                 queried_at=clock.now(),                                      # (f)
                 request_data={"crime": req["crime_code"], "fugitive": req["fugitive"],  # (g)
                               "suspect": req["suspect"], "scope": req["scope"],
                               "foreign": req["foreign_request"]},
                 query={"kind": kind, "parameters": params},
                 outcome=outcome)


def preview(conn: psycopg.Connection, officer: Account, request_id: int, kind: str,
            params: dict[str, Any]) -> dict[str, Any]:
    """The count preview: how many passages and plates, how much verification work."""
    req = _searchable(conn, officer, request_id)
    if kind not in KINDS:
        raise BadInput(f"unknown search kind {kind!r}; one of {', '.join(KINDS)}")
    same = identical(conn, request_id, kind, params)
    if same is not None:
        return same
    out, _ = _dispatch(conn, kind, params, scope_of(conn, req), preview=True)
    row = conn.execute(
        "INSERT INTO enquiry (request_id, officer_id, kind, parameters, preview, previewed_at,"
        " needs_verification) VALUES (%s, %s, %s, %s::jsonb, %s::jsonb, now(), %s) RETURNING id",
        (request_id, officer.id, kind, json.dumps(params), json.dumps(out, default=str),
         kind in VERIFIED_KINDS)).fetchone()
    _log(conn, officer, req, row["id"], kind, params,
         {"preview": {k: out.get(k) for k in ("passages", "plates", "verification_minutes")}},
         "search.preview")
    return {"enquiry_id": row["id"], "kind": kind, "preview": out}


def identical(conn: psycopg.Connection, request_id: int, kind: str,
              params: dict[str, Any]) -> dict[str, Any] | None:
    """The request's search with the same kind and parameters, if one ran or waits to be
    run: the officer is shown it (and its held results) instead of a second search in
    the audit log. One stopped after its preview may be asked again."""
    row = conn.execute(
        "SELECT id, preview, run_at, result_count FROM enquiry WHERE request_id = %s "
        "AND kind = %s AND parameters = %s::jsonb AND NOT stopped_after_preview "
        "ORDER BY run_at IS NULL, id LIMIT 1",
        (request_id, kind, json.dumps(params))).fetchone()
    if row is None:
        return None
    return {"enquiry_id": row["id"], "kind": kind, "preview": row["preview"],
            "already": "run" if row["run_at"] is not None else "previewed",
            "run_at": row["run_at"], "passages_kept": row["result_count"]}


def stop_after_preview(conn: psycopg.Connection, officer: Account, enquiry_id: int) -> None:
    enq = _enquiry(conn, enquiry_id)
    req = _searchable(conn, officer, enq["request_id"])
    if enq["run_at"] is not None:
        raise Conflict("this search has already been run")
    conn.execute("UPDATE enquiry SET stopped_after_preview = true WHERE id = %s", (enquiry_id,))
    _log(conn, officer, req, enquiry_id, enq["kind"], enq["parameters"],
         {"stopped_after_preview": True}, "search.stopped")


def run(conn: psycopg.Connection, officer: Account, enquiry_id: int) -> dict[str, Any]:
    """Run a previewed search: fetch results, keep their references, hold them (R1)."""
    enq = _enquiry(conn, enquiry_id)
    req = _searchable(conn, officer, enq["request_id"])
    if enq["stopped_after_preview"]:
        raise Conflict("the officer stopped this search after its preview")
    if enq["run_at"] is not None:
        raise Conflict("this search has already been run; its results are kept")
    out, refs_fn = _dispatch(conn, enq["kind"], enq["parameters"], scope_of(conn, req),
                             preview=False)
    refs = refs_fn()
    _keep(conn, enquiry_id, refs)
    from ingest.retention import hold_results

    hold_results(conn, req["reference"], [(pid, at) for pid, at, _, _ in refs])
    conn.execute("UPDATE enquiry SET run_at = now(), result_count = %s WHERE id = %s",
                 (len(refs), enquiry_id))
    _log(conn, officer, req, enquiry_id, enq["kind"], enq["parameters"],
         {"passages_found": len(refs)}, "search.run")
    return {"enquiry_id": enquiry_id, "kind": enq["kind"], "result": out,
            "passages_kept": len(refs)}


def _keep(conn, enquiry_id: int, refs: list[tuple[int, Any, str, bool]]) -> None:
    """Keep a run's passages as references with their camera (the passage's key) and
    whether the passage has a plate crop (a read without one cannot be verified, R7) and
    an overview photo;
    one statement, each passage one probe of its unique key."""
    if not refs:
        return
    pids, times, cams, verify = (list(x) for x in zip(*refs))
    conn.execute("""
        INSERT INTO enquiry_result (enquiry_id, passage_id, captured_at, camera_id, verify,
                                    has_crop, has_photo)
        SELECT %s, p.id, p.captured_at, p.camera_id, t.verify, p.crop_key IS NOT NULL,
               p.overview_key IS NOT NULL
          FROM unnest(%s::bigint[], %s::timestamptz[], %s::text[], %s::boolean[])
               AS t(pid, at, camera_id, verify)
          JOIN jj126.passage p ON p.camera_id = t.camera_id AND p.captured_at = t.at
                              AND p.id = t.pid
         WHERE p.captured_at >= %s AND p.captured_at <= %s
        ON CONFLICT DO NOTHING""",
                 (enquiry_id, pids, times, cams, verify, min(times), max(times)))


def _enquiry(conn, enquiry_id: int) -> dict[str, Any]:
    row = conn.execute("SELECT * FROM enquiry WHERE id = %s", (enquiry_id,)).fetchone()
    if row is None:
        raise NotFound(f"no search {enquiry_id}")
    return row


def list_for(conn: psycopg.Connection, request_id: int) -> list[dict[str, Any]]:
    return list(conn.execute(
        "SELECT e.id, e.kind, e.parameters, e.preview, e.previewed_at, e.run_at,"
        " e.stopped_after_preview, e.result_count, e.needs_verification, a.username AS officer"
        " FROM enquiry e JOIN account a ON a.id = e.officer_id WHERE e.request_id = %s"
        " ORDER BY e.id", (request_id,)).fetchall())
