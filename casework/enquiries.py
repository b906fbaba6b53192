"""Searches inside a request (R5, R6, R7): scoped, previewed first, logged, secured.

A search runs only inside a confirmed request, handled by an authorised officer who is
not part of the investigation, and only within the order's scope: the request's scope
becomes a ``gis.search.scope.Scope`` and every search function checks against it. Each
search is first a count preview; the officer may stop there, which is recorded too.
Each preview and each run writes an audit record with the items of art. 8 AMvB. The
passages a run finds are kept as references with the enquiry and held for retention
(R1: results of an enquiry in progress are secured until it is completed), in the same
execution that finds them, so what is held is exactly what the search returned; every
answer afterwards (a later page, the map, the table, the package) reads those rows
(``casework.results``). This is the one pipeline of every door: the request flow
(``/requests/{id}/searches``, ``/searches/{id}/run``) and the search endpoints
(``/search/...``, ``casework.search_gate``) both preview and run here.
"""
from __future__ import annotations

import json
import logging
from typing import Any

import psycopg

from anpr import audit, clock
from anpr.accounts import Account
from anpr.errors import BadInput, Conflict, NotFound
from casework import access
from casework import requests as req_mod
from gis.search import block, common, convoy, partial, plate, route
from gis.search import params as sp
from gis.search.base import Where
from gis.search.scope import (Scope, Window, normalise_cameras, normalise_pattern,
                              normalise_plate, normalise_plates, parse_window)
from gis.selection import parse_selection, select_cameras

log = logging.getLogger(__name__)

KINDS = sp.KINDS
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


def _searchable(conn: psycopg.Connection, officer: Account, request_id: int,
                lock: str = "SHARE") -> dict[str, Any]:
    """The request if a search may run in it now; its row held (``requests.lock``) until
    the transaction ends, so no close slips between this check and what the search holds."""
    req_mod.lock(conn, request_id, lock)
    req = req_mod.get(conn, request_id)
    access.check_handler(conn, officer, req)
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
        sites.append(common.Site(name=sp.site_name(s, i), cameras=_cameras(conn, s, required=True),
                                 window=_window(s)))
    return sites


def _args(conn, kind: str, params: dict[str, Any], scope: Scope) -> dict[str, Any]:
    """The one reading of a search's parameters, for its preview and its run alike."""
    if kind == "plate":
        return {"plates": normalise_plates(params.get("plates")), "window": _window(params),
                "cameras": _cameras(conn, params) or scope.order_cameras(),
                "misreads": sp.misreads(params)}
    if kind == "partial":
        pattern, window = normalise_pattern(params.get("pattern")), _window(params)
        cams = _cameras(conn, params)
        if cams is None:
            if partial.literal_ends(pattern) == ("", ""):
                raise BadInput("a pattern with only wildcards needs a camera selection")
            cams = scope.order_cameras()
        return {"pattern": pattern, "window": window, "cameras": cams}
    if kind == "block":
        return {"window": _window(params), "cameras": _cameras(conn, params, required=True)}
    if kind in ("convoy", "route"):
        out = {"plate": normalise_plate(params.get("plate")), "window": _window(params),
               "misreads": sp.misreads(params)}
        if kind == "convoy":
            out.update(minutes=sp.convoy_minutes(params, scope), min_shared=sp.min_shared(params))
        else:
            out["detour_min_s"] = sp.detour_seconds(params)
        return out
    if kind == "common":
        return {"sites": _sites(conn, params), "k": sp.k(params), "misreads": sp.misreads(params)}
    raise BadInput(f"unknown search kind {kind!r}; one of {', '.join(KINDS)}")


def _preview(conn, kind: str, params: dict[str, Any], scope: Scope) -> dict[str, Any]:
    """The count preview: passages, plates and the verification work, no row listed."""
    a = _args(conn, kind, params, scope)
    if kind == "plate":
        return plate.plate_preview(conn, a["plates"], a["window"], cameras=a["cameras"],
                                   scope=scope, misreads=a["misreads"])
    if kind == "partial":
        return partial.partial_preview(conn, a["pattern"], a["window"], cameras=a["cameras"],
                                       scope=scope)
    if kind == "block":
        return block.block_preview(conn, a["cameras"], a["window"], scope=scope)
    if kind == "common":
        return common.common_preview(conn, a["sites"], a["k"], scope=scope,
                                     misreads=a["misreads"])
    # Convoy and route read the target's passages at the order's cameras: counted here.
    return plate.plate_preview(conn, (a["plate"],), a["window"], scope=scope,
                               cameras=scope.order_cameras(), misreads=a["misreads"])


#: Q1-Q3 hold what they find in the statement that finds it: the rows held are exactly
#: the rows any later page, table or package shows (R1), whatever intake adds meanwhile.
HOLD_SQL = """
INSERT INTO enquiry_result (enquiry_id, passage_id, captured_at, camera_id, verify, has_crop,
                            has_photo)
SELECT %(hold_enquiry)s, p.id, p.captured_at, p.camera_id, %(hold_verify)s,
       p.crop_key IS NOT NULL, p.overview_key IS NOT NULL
  FROM {source}
 WHERE {where}
ON CONFLICT DO NOTHING
RETURNING passage_id, captured_at"""

Held = list[tuple[int, Any]]


def _hold_where(conn, enquiry_id: int, where: Where, verify: bool) -> Held:
    from psycopg import sql
    from psycopg.rows import tuple_row

    q = sql.SQL(HOLD_SQL).format(source=where.source, where=where.sql())
    cur = conn.cursor(row_factory=tuple_row)
    return [(r[0], r[1]) for r in cur.execute(
        q, {**where.params, "hold_enquiry": enquiry_id, "hold_verify": verify}).fetchall()]


#: A plate search's held reads with their question (migration 0024a's trigger asked the
#: nearest ordered plate, '' for an exact read) and what the camera read.
_ASKED_SQL = """
SELECT er.passage_id, er.captured_at, er.camera_id, er.has_crop, er.has_photo,
       er.ordered_plate, p.plate, p.alternatives
  FROM enquiry_result er
  JOIN jj126.passage p ON p.camera_id = er.camera_id AND p.captured_at = er.captured_at
                      AND p.id = er.passage_id
 WHERE er.enquiry_id = %s AND er.verify"""


def _ask_each_ordered_plate(conn, enquiry_id: int, plates: tuple[str, ...]) -> None:
    """A plate search including probable misreads of look-alike ordered plates (a witness
    unsure whether it ended in G or 6): a read that may show another ordered plate than
    the one it is asked about (the read or an alternative read is that plate or one of
    its probable misreads, as the search's matcher finds them) is asked about that plate
    too, a row per question (R7). Each question is answered on its own; the passage is
    provided by the one confirmed, so rejecting "not X" no longer loses a passage of W."""
    plates = tuple(dict.fromkeys(plates))
    if len(plates) < 2:
        return
    from gis.search.misreads import Matcher, learned

    taught = learned(conn, plates)
    looks = {o: {o, *Matcher.of([o], taught).variants} for o in plates}
    more = []
    for r in conn.execute(_ASKED_SQL, (enquiry_id,)).fetchall():
        asked = r["ordered_plate"] or r["plate"]
        reads = [r["plate"], *(r["alternatives"] or ())]
        more += [(r["passage_id"], r["captured_at"], r["camera_id"], r["has_crop"],
                  r["has_photo"], o) for o in plates
                 if o != asked and any(c in looks[o] for c in reads)]
    if not more:
        return
    conn.execute("""
        INSERT INTO enquiry_result (enquiry_id, passage_id, captured_at, camera_id, verify,
                                    has_crop, has_photo, ordered_plate)
        SELECT %s, t.pid, t.at, t.camera_id, true, t.has_crop, t.has_photo, t.question
          FROM unnest(%s::bigint[], %s::timestamptz[], %s::text[], %s::boolean[],
                      %s::boolean[], %s::text[])
               AS t(pid, at, camera_id, has_crop, has_photo, question)
        ON CONFLICT DO NOTHING""", (enquiry_id, *map(list, zip(*more))))


def _at_most(found: int, kind: str) -> None:
    """A convoy or common-plate run holds every partner or plate it finds, up to the
    configured most (ANPR_SEARCH_MAX_RANKED); beyond, nothing is held (not a cut list)."""
    most = sp.held_limits().max_ranked
    if found <= most:
        return
    if kind == "convoy":
        raise Conflict(f"the convoy search found {found} partners, more than the {most} one "
                       "search may hold: nothing was held; narrow the window or the band, "
                       "or ask for more shared passages")
    raise Conflict(f"the common-plate search found {found} plates, more than the {most} one "
                   "search may hold: nothing was held; narrow the sites' windows or ask for "
                   "more sites (k)")


def _execute(conn, enquiry_id: int, kind: str, params: dict[str, Any], scope: Scope
             ) -> tuple[dict[str, Any] | None, Held, dict[str, Any]]:
    """Run the search once and hold what it found with the enquiry. Returns the search's
    own answer (None for Q1-Q3, whose answer is read from what they held), the held
    passages as (id, capture time), and what the run resolved and counted beyond its
    rows (``enquiry.run_info``: a selection's cameras, Q4's counts, Q5's sites)."""
    a = _args(conn, kind, params, scope)
    if kind in ("plate", "partial", "block"):
        if kind == "plate":
            where = plate.search_where(conn, a["plates"], a["window"], cameras=a["cameras"],
                                       scope=scope, misreads=a["misreads"])
        elif kind == "partial":
            where = partial.search_where(a["pattern"], a["window"], cameras=a["cameras"],
                                         scope=scope)
        else:
            where = block.search_where(a["cameras"], a["window"], scope=scope)
        held = _hold_where(conn, enquiry_id, where, kind in VERIFIED_KINDS)
        if kind == "plate" and a["misreads"]:
            _ask_each_ordered_plate(conn, enquiry_id, a["plates"])
        return None, held, {"cameras": list(a["cameras"]) if a["cameras"] else None}
    if kind == "convoy":
        out, facts = convoy.convoy_run(conn, a["plate"], a["window"], a["minutes"], scope=scope,
                                       min_shared=a["min_shared"], limit=None,
                                       misreads=a["misreads"])
        _at_most(out["partners_total"], kind)
        refs = [(t["id"], t["at"], t["camera_id"], True, "") for t in out["target_passages"]]
        refs += [(x["id"], x["captured_at"], x["camera_id"], False, "")
                 for p in out["partners"] for x in p["passages"]]
        return out, _keep(conn, enquiry_id, refs), facts
    if kind == "common":
        out = common.common_plates(conn, a["sites"], a["k"], scope=scope, limit=None,
                                   misreads=a["misreads"])
        _at_most(out["plates_total"], kind)
        # A read that matched its plate other than exactly is a probable misread inside a
        # location/time search: it is verified against its crop like a plate search's (R7),
        # the question being whether the crop shows the plate it was grouped under.
        # A read that is itself a common plate (seen at k sites as read) is held as found
        # too: a rejected comparison with its group's plate leaves it in (held_plain).
        # (With misreads every passage names its own read, ``plate``.)
        sites_of: dict[str, set[str]] = {}
        for p in out["plates"] if a["misreads"] else ():
            for x in p["passages"]:
                sites_of.setdefault(x["plate"], set()).add(x["site"])
        refs = []
        for p in out["plates"]:
            for x in p["passages"]:
                inexact = x.get("match", "exact") != "exact"
                refs.append((x["id"], x["captured_at"], x["camera_id"], inexact,
                             p["plate"] if inexact else ""))
                if inexact and len(sites_of[x["plate"]]) >= a["k"]:
                    refs.append((x["id"], x["captured_at"], x["camera_id"], False, ""))
        return out, _keep(conn, enquiry_id, refs), {"sites": out["params"]["sites"]}
    if kind == "route":
        out = route.route(conn, a["plate"], a["window"], scope=scope,
                          detour_min_s=a["detour_min_s"], misreads=a["misreads"])
        refs = [(p["id"], p["captured_at"], p["camera_id"], True, "") for p in out["passages"]]
        return out, _keep(conn, enquiry_id, refs), {}
    raise BadInput(f"unknown search kind {kind!r}; one of {', '.join(KINDS)}")


def needs_verification(kind: str, params: dict[str, Any]) -> bool:
    """Whether a search's reads are verified (R7): plate searches always; a common-plate
    search including probable misreads for the reads that matched other than exactly."""
    return kind in VERIFIED_KINDS or kind == "common" and params.get("misreads") is True


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
    # One preview at a time per request (a retry, two sessions, both doors): the second
    # waits here and then finds the first's (``identical``).
    req = _searchable(conn, officer, request_id, "NO KEY UPDATE")
    if kind not in KINDS:
        raise BadInput(f"unknown search kind {kind!r}; one of {', '.join(KINDS)}")
    if not isinstance(params, dict):
        raise BadInput("parameters must be an object")
    same = identical(conn, request_id, kind, params)
    if same is not None:
        return same
    out = _preview(conn, kind, params, scope_of(conn, req))
    row = conn.execute(
        "INSERT INTO enquiry (request_id, officer_id, kind, parameters, preview, previewed_at,"
        " needs_verification) VALUES (%s, %s, %s, %s::jsonb, %s::jsonb, now(), %s) RETURNING id",
        (request_id, officer.id, kind, json.dumps(params), json.dumps(out, default=str),
         needs_verification(kind, params))).fetchone()
    _log(conn, officer, req, row["id"], kind, params,
         {"preview": {k: out.get(k) for k in ("passages", "plates", "verification_minutes")}},
         "search.preview")
    return {"enquiry_id": row["id"], "kind": kind, "preview": out}


def identical(conn: psycopg.Connection, request_id: int, kind: str,
              params: dict[str, Any]) -> dict[str, Any] | None:
    """The request's search with the same kind and parameters, if one ran or waits to be
    run: the officer is shown it (and its held results) instead of a second search in
    the audit log. Parameters are compared as the search reads them
    (``gis.search.params.canonical``: 'ab-12-cd' is 'AB12CD', an instant is the same
    with any offset, defaults filled in). One stopped after its preview may be asked
    again."""
    want = sp.canonical(kind, params)  # a refusal here is the search's own (400)
    rows = conn.execute(
        "SELECT id, parameters, preview, run_at, result_count FROM enquiry "
        "WHERE request_id = %s AND kind = %s AND NOT stopped_after_preview "
        "ORDER BY run_at IS NULL, id", (request_id, kind)).fetchall()
    for row in rows:
        if sp.same(kind, row["parameters"], want):
            return {"enquiry_id": row["id"], "kind": kind, "preview": row["preview"],
                    "already": "run" if row["run_at"] is not None else "previewed",
                    "run_at": row["run_at"], "passages_kept": row["result_count"]}
    return None


def stop_after_preview(conn: psycopg.Connection, officer: Account, enquiry_id: int) -> None:
    enq = _enquiry(conn, enquiry_id)
    req = _searchable(conn, officer, enq["request_id"])
    enq = locked(conn, enquiry_id)
    if enq["run_at"] is not None:
        raise Conflict("this search has already been run")
    conn.execute("UPDATE enquiry SET stopped_after_preview = true WHERE id = %s", (enquiry_id,))
    _log(conn, officer, req, enquiry_id, enq["kind"], enq["parameters"],
         {"stopped_after_preview": True}, "search.stopped")


def run(conn: psycopg.Connection, officer: Account, enquiry_id: int, *,
        limit: Any = None, offset: Any = None) -> dict[str, Any]:
    """Run a previewed search once: what it finds is held with the enquiry (R1) in the
    same execution, and the answer is what it held: Q1-Q3 a first page of the held rows
    (``limit``, default the search's page), Q4-Q6 the search's own answer built from
    exactly the rows held (every convoy partner and common plate, or a page of them)."""
    from casework import results

    enq = _enquiry(conn, enquiry_id)
    req = _searchable(conn, officer, enq["request_id"])
    # Run once: a second run at the same moment waits here for the first and is refused
    # (it would hold nothing, the first's rows being taken, and say it kept none).
    enq = locked(conn, enquiry_id)
    if enq["stopped_after_preview"]:
        raise Conflict("the officer stopped this search after its preview")
    if enq["run_at"] is not None:
        raise Conflict("this search has already been run; its results are kept")
    page = results.page_of(enq["kind"], limit, offset) if limit is not None or offset else None
    out, held, info = _execute(conn, enquiry_id, enq["kind"], enq["parameters"],
                               scope_of(conn, req))
    from ingest.retention import hold_results

    hold_results(conn, req["reference"], held)
    conn.execute("UPDATE enquiry SET run_at = now(), result_count = %s, run_info = %s::jsonb "
                 "WHERE id = %s", (len(held), json.dumps(info, default=str), enquiry_id))
    _log(conn, officer, req, enquiry_id, enq["kind"], enq["parameters"],
         {"passages_found": len(held)}, "search.run")
    ran = {**enq, "run_info": info, "result_count": len(held)}
    if out is None:
        out = results.view(conn, ran, *(page or results.page_of(enq["kind"], None, None)))
    elif page is not None:
        out = results.cut(out, *page)
    return {"enquiry_id": enquiry_id, "kind": enq["kind"], "result": out,
            "passages_kept": len(held)}


def _keep(conn, enquiry_id: int, refs: list[tuple[int, Any, str, bool, str]]) -> Held:
    """Hold the passages a search found (by id, from its own statement) with their camera
    (the passage's key), whether each is to be verified and against which plate ('' for
    the read as read; a misread search of ordered plates has it set by the table's
    trigger), and whether it has a plate crop (a read without one cannot be verified, R7)
    and an overview photo; one statement, each passage one probe of its unique key in
    the day partition the search read (and still holds locked: the rows held are the
    rows found)."""
    if not refs:
        return []
    merged: dict[tuple[int, Any], tuple[str, bool, str]] = {}
    plain: set[tuple[int, Any]] = set()          # held without a question too
    for pid, at, cam, verify, question in refs:  # a passage in two bands or sites: once,
        seen = merged.get((pid, at))              # to be verified if any of them says so
        if seen is None or (verify and not seen[1]):
            merged[(pid, at)] = (cam, verify, question)
        if not verify:
            plain.add((pid, at))
    pids = [k[0] for k in merged]
    times = [k[1] for k in merged]
    cams = [v[0] for v in merged.values()]
    verify = [v[1] for v in merged.values()]
    questions = [v[2] for v in merged.values()]
    # a question asked of a passage the search also holds as found (a common plate's own
    # read, a convoy partner): rejected, it answers the question and leaves the passage in
    held_plain = [v[1] and k in plain for k, v in merged.items()]
    rows = conn.execute("""
        INSERT INTO enquiry_result (enquiry_id, passage_id, captured_at, camera_id, verify,
                                    has_crop, has_photo, ordered_plate, held_plain)
        SELECT %s, p.id, p.captured_at, p.camera_id, t.verify, p.crop_key IS NOT NULL,
               p.overview_key IS NOT NULL, t.question, t.held_plain
          FROM unnest(%s::bigint[], %s::timestamptz[], %s::text[], %s::boolean[], %s::text[],
                      %s::boolean[]) AS t(pid, at, camera_id, verify, question, held_plain)
          JOIN jj126.passage p ON p.camera_id = t.camera_id AND p.captured_at = t.at
                              AND p.id = t.pid
         WHERE p.captured_at >= %s AND p.captured_at <= %s
        ON CONFLICT DO NOTHING
        RETURNING passage_id, captured_at""",
                        (enquiry_id, pids, times, cams, verify, questions, held_plain,
                         min(times), max(times))).fetchall()
    return [(r["passage_id"], r["captured_at"]) for r in rows]


def _enquiry(conn, enquiry_id: int, *, lock: bool = False) -> dict[str, Any]:
    row = conn.execute("SELECT * FROM enquiry WHERE id = %s" + (" FOR UPDATE" if lock else ""),
                       (enquiry_id,)).fetchone()
    if row is None:
        raise NotFound(f"no search {enquiry_id}")
    return row


def locked(conn, enquiry_id: int) -> dict[str, Any]:
    """The search, its row locked until the transaction ends: a run, or a stop after the
    preview, made at the same moment waits for this one (one run per search)."""
    return _enquiry(conn, enquiry_id, lock=True)


def list_for(conn: psycopg.Connection, request_id: int) -> list[dict[str, Any]]:
    return list(conn.execute(
        "SELECT e.id, e.kind, e.parameters, e.preview, e.previewed_at, e.run_at,"
        " e.stopped_after_preview, e.result_count, e.needs_verification, a.username AS officer"
        " FROM enquiry e JOIN account a ON a.id = e.officer_id WHERE e.request_id = %s"
        " ORDER BY e.id", (request_id,)).fetchall())
