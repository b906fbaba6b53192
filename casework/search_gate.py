"""The raw search API (/api/v1/search/...) runs only inside a confirmed request (R5).

The map's search panel calls the search endpoints directly; this gate makes each call a
search of a request like any other: the caller must be an authorised officer handling
the request (R2), the request must be confirmed, the scope is the order's (a scope sent
by the client is ignored), a result call must name the preview it follows (same kind
and parameters), and every call is an enquiry with its audit record (R6). A run keeps
the passages found with the enquiry and holds them for retention, like the casework API.
"""
from __future__ import annotations

import json
from typing import Any

import psycopg

from anpr import audit
from anpr.accounts import Account, require_role
from anpr.errors import BadInput, Conflict
from casework import enquiries
from casework import requests as req_mod
from gis.search.scope import Scope

PAGING = {"request_id", "enquiry_id", "limit", "offset", "scope", "format", "order"}


def search_params(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    params = {k: v for k, v in data.items() if k not in PAGING}
    if kind == "plate" and "plates" not in params and "plate" in params:
        params["plates"] = [params.pop("plate")]
    return params


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def api_scope(conn: psycopg.Connection, account: Account | None, data: dict[str, Any],
              kind: str, stage: str) -> tuple[Scope, int, dict[str, Any] | None]:
    """Check the call and record it; returns the order's scope and the enquiry id.

    ``stage`` is ``preview``, ``run`` (results, first page or later pages) or ``export``.
    The third value is the first run's result (its first page), which the caller answers
    with instead of running the search a second time; None for a preview or a later call.
    """
    account = require_role(account, "officer")
    rid = data.get("request_id")
    if isinstance(rid, bool) or not isinstance(rid, int):
        raise BadInput("searches run inside a request: give the request_id of a confirmed "
                       "request (R5: no search without a concrete request)")
    from casework.access import Level, require

    req = require(conn, account, rid, Level.ACT)  # R2/R10: the handling officer only
    params = search_params(kind, data)
    if stage == "preview":
        out = enquiries.preview(conn, account, rid, kind, params)
        return enquiries.scope_of(conn, req), out["enquiry_id"], None
    eid = data.get("enquiry_id")
    if isinstance(eid, bool) or not isinstance(eid, int):
        raise BadInput("results follow a count preview: give the enquiry_id the preview returned")
    enq = conn.execute("SELECT * FROM enquiry WHERE id = %s AND request_id = %s",
                       (eid, rid)).fetchone()
    if enq is None or enq["kind"] != kind or not _same(enq["parameters"], params):
        raise Conflict("these results do not follow a preview of the same search in this "
                       "request; preview it first")
    ran = None
    if enq["run_at"] is None:
        ran = enquiries.run(conn, account, eid)["result"]
    else:
        req = enquiries._searchable(conn, account, rid)
        audit.record(conn, account.username, f"search.{'export' if stage == 'export' else 'page'}",
                     f"request:{rid}", enquiry=eid, order_reference=req["order_reference"],
                     query={"kind": kind, "limit": data.get("limit"),
                            "offset": data.get("offset"), "format": data.get("format")})
    return enquiries.scope_of(conn, req_mod.get(conn, rid)), eid, ran
