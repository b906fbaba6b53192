"""The search endpoints (/api/v1/search/...) as views of the one pipeline (R5, R6, R1).

The map's search panel and integrators may call a search by its kind with its parameters
in the body; each call is the request flow's search, nothing of its own: the caller must
be an authorised officer handling the request (R2), a preview is the request's count
preview (``casework.enquiries.preview``: recorded once, the same search asked again is
recognised and answered with the one already previewed or run), a result call names the
preview it follows (same kind and parameters as the search reads them), the first result
call runs it once (``casework.enquiries.run``: what it finds is held, R1), and every
later call (another page, the map again, a route file) reads what the run held
(``casework.results.view``), never the live store. The scope is always the order's; a
scope sent by the client is ignored.
"""
from __future__ import annotations

from typing import Any

import psycopg

from anpr import audit
from anpr.accounts import Account, require_role
from anpr.errors import BadInput, Conflict
from casework import enquiries, results
from gis.search import params as sp

#: Body fields of a call that are not parameters of the search.
PAGING = {"request_id", "enquiry_id", "limit", "offset", "scope", "format", "layer", "order"}


def search_params(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    params = {k: v for k, v in data.items() if k not in PAGING}
    if kind == "plate" and "plates" not in params and "plate" in params:
        params["plates"] = [params.pop("plate")]
    return params


def _request(conn: psycopg.Connection, account: Account | None, data: dict[str, Any]
             ) -> tuple[Account, int]:
    account = require_role(account, "officer")
    rid = data.get("request_id")
    if isinstance(rid, bool) or not isinstance(rid, int):
        raise BadInput("searches run inside a request: give the request_id of a confirmed "
                       "request (R5: no search without a concrete request)")
    from casework.access import Level, require

    require(conn, account, rid, Level.ACT)  # R2/R10: the handling officer only
    return account, rid


def preview(conn: psycopg.Connection, account: Account | None, kind: str,
            data: dict[str, Any]) -> dict[str, Any]:
    """The request's count preview of the search; with ``enquiry_id`` (which the result
    call names) and, for a search already previewed or run, ``already``."""
    account, rid = _request(conn, account, data)
    out = enquiries.preview(conn, account, rid, kind, search_params(kind, data))
    body = {**(out["preview"] or {}), "enquiry_id": out["enquiry_id"]}
    if out.get("already"):
        body.update(already=out["already"], passages_kept=out["passages_kept"])
    return body


def _enquiry(conn: psycopg.Connection, account: Account | None, kind: str,
             data: dict[str, Any]) -> tuple[Account, dict[str, Any]]:
    account, rid = _request(conn, account, data)
    eid = data.get("enquiry_id")
    if isinstance(eid, bool) or not isinstance(eid, int):
        raise BadInput("results follow a count preview: give the enquiry_id the preview returned")
    enq = conn.execute("SELECT * FROM enquiry WHERE id = %s AND request_id = %s",
                       (eid, rid)).fetchone()
    if enq is None or enq["kind"] != kind or not sp.same(kind, enq["parameters"],
                                                         search_params(kind, data)):
        raise Conflict("these results do not follow a preview of the same search in this "
                       "request; preview it first")
    if enq["run_at"] is None:
        # Two first result calls at once: the second waits for the first's run and then
        # reads what it held, the same rows (``enquiries.run`` runs it once). The request's
        # row first, as every door takes them (``casework.requests.lock``).
        from casework.requests import lock

        lock(conn, rid, "SHARE")
        enq = enquiries.locked(conn, enq["id"])
    return account, enq


def results_page(conn: psycopg.Connection, account: Account | None, kind: str,
                 data: dict[str, Any]) -> dict[str, Any]:
    """A page of the search's results (``limit``, ``offset``): the first call runs the
    previewed search (once; what it finds is held), every call after reads the held
    rows."""
    account, enq = _enquiry(conn, account, kind, data)
    limit, offset = results.page_of(kind, data.get("limit"), data.get("offset"))
    if enq["run_at"] is None:
        out = enquiries.run(conn, account, enq["id"], limit=limit, offset=offset)["result"]
    else:
        out = results.held_view(conn, account, enq["id"], limit=limit, offset=offset)
    return {**out, "enquiry_id": enq["id"]}


def route_export(conn: psycopg.Connection, account: Account | None,
                 data: dict[str, Any]) -> dict[str, Any]:
    """The route of a route search as a file leaves the system: run once if it has not
    run, else the held route; recorded (R6)."""
    account, enq = _enquiry(conn, account, "route", data)
    if enq["run_at"] is None:
        out = enquiries.run(conn, account, enq["id"])["result"]
    else:
        out = results.held_view(conn, account, enq["id"])
    audit.record(conn, account.username, "search.export", f"request:{enq['request_id']}",
                 enquiry=enq["id"], query={"kind": "route", "format": data.get("format")})
    return out
