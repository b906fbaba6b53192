"""Read-by-read verification of plate-search results (R7).

Each read found by a plate search is shown beside its plate crop and gets a verdict:
confirmed, or rejected as a misread. Reads are never edited. A verdict holds for the
passage's 28 days across enquiries: the same read is not verified twice. Reads of
location/time searches need no verification and are marked "not verified" in packages.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

from anpr import audit
from anpr.accounts import Account
from anpr.errors import BadInput
from casework import requests as req_mod
from casework.photo_tables import CASE_PASSAGE_JOIN

PAGE_SIZES = (10, 50, 100, 500)

READS_SQL = f"""
SELECT DISTINCT ON (er.passage_id, er.captured_at)
       er.passage_id, er.captured_at, p.camera_id, p.plate, p.plate_raw, p.country,
       p.confidence, p.crop_key, p.overview_key, l.code AS location_code,
       v.verdict::text AS verdict, v.verified_at, va.username AS verified_by
  FROM enquiry e
  JOIN enquiry_result er ON er.enquiry_id = e.id AND er.verify
  {CASE_PASSAGE_JOIN}
  JOIN camera c ON c.id = p.camera_id JOIN location l ON l.id = c.location_id
  LEFT JOIN verification v ON v.passage_id = er.passage_id AND v.captured_at = er.captured_at
  LEFT JOIN account va ON va.id = v.officer_id
 WHERE e.request_id = %(request)s
   AND (%(all)s OR v.verdict IS NULL)
 ORDER BY er.passage_id, er.captured_at
"""


def reads(conn: psycopg.Connection, officer: Account, request_id: int, *, page_size: int = 50,
          offset: int = 0, include_verified: bool = False) -> dict[str, Any]:
    """One page of reads to verify (already verified reads hidden unless asked)."""
    req = req_mod.get(conn, request_id)
    req_mod.check_handler(conn, officer, req)
    if page_size not in PAGE_SIZES:
        raise BadInput(f"page size must be one of {', '.join(map(str, PAGE_SIZES))}")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise BadInput("offset must be a non-negative whole number")
    rows = conn.execute(f"SELECT * FROM ({READS_SQL}) r ORDER BY captured_at, passage_id"
                        " LIMIT %(limit)s OFFSET %(offset)s",
                        {"request": request_id, "all": include_verified, "limit": page_size,
                         "offset": offset}).fetchall()
    counts = conn.execute(f"SELECT count(*) AS total, count(verdict) AS verified FROM ({READS_SQL}) r",
                          {"request": request_id, "all": True}).fetchone()
    return {"reads": rows, "page_size": page_size, "offset": offset,
            "total": counts["total"], "verified": counts["verified"],
            "remaining": counts["total"] - counts["verified"]}


def record(conn: psycopg.Connection, officer: Account, request_id: int,
           verdicts: list[dict[str, Any]]) -> dict[str, int]:
    """Store verdicts for reads of this request; an existing verdict stands (no second one)."""
    req = req_mod.get(conn, request_id)
    req_mod.check_handler(conn, officer, req)
    if not isinstance(verdicts, list) or not verdicts or len(verdicts) > 500:
        raise BadInput("send 1 to 500 verdicts")
    parsed = []
    for v in verdicts:
        if not isinstance(v, dict) or v.get("verdict") not in ("confirmed", "rejected"):
            raise BadInput("each verdict needs passage_id, captured_at and verdict "
                           "(confirmed or rejected)")
        try:
            at = datetime.fromisoformat(str(v["captured_at"]).replace("Z", "+00:00"))
            pid = int(v["passage_id"])
        except (KeyError, ValueError, TypeError) as exc:
            raise BadInput("each verdict needs passage_id and captured_at") from exc
        if at.tzinfo is None:
            raise BadInput("captured_at needs its UTC offset")
        parsed.append((pid, at, v["verdict"]))
    mine = conn.execute("""
        SELECT count(*) AS n FROM unnest(%s::bigint[], %s::timestamptz[]) AS t(pid, at)
         WHERE EXISTS (SELECT 1 FROM enquiry e JOIN enquiry_result er ON er.enquiry_id = e.id
                        WHERE e.request_id = %s AND er.passage_id = t.pid
                          AND er.captured_at = t.at AND er.verify)""",
                        ([p[0] for p in parsed], [p[1] for p in parsed], request_id)).fetchone()
    if mine["n"] != len(parsed):
        raise BadInput("some reads are not results of this request's plate searches")
    stored = 0
    with conn.cursor() as cur:
        for pid, at, verdict in parsed:
            cur.execute("INSERT INTO verification (passage_id, captured_at, verdict, officer_id)"
                        " VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                        (pid, at, verdict, officer.id))
            stored += cur.rowcount
    audit.record(conn, officer.username, "verify", f"request:{request_id}",
                 confirmed=sum(1 for p in parsed if p[2] == "confirmed"),
                 rejected=sum(1 for p in parsed if p[2] == "rejected"),
                 already_verified=len(parsed) - stored)
    return {"stored": stored, "already_verified": len(parsed) - stored}


def unverified_count(conn: psycopg.Connection, request_id: int) -> int:
    return conn.execute(f"SELECT count(*) AS n FROM ({READS_SQL}) r",
                        {"request": request_id, "all": False}).fetchone()["n"]
