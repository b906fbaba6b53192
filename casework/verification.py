"""Read-by-read verification of plate-search results (R7).

Each read found by a plate search is shown beside its plate crop and gets a verdict:
confirmed, or rejected as a misread. Reads are never edited. A verdict holds for the
passage's 28 days across enquiries: the same read is not verified twice. Reads of
location/time searches need no verification and are marked "not verified" in packages.
A read whose passage has no plate crop cannot be verified: no verdict is accepted for it,
it is listed and provided as "niet te verifiëren", and it does not hold up provision.

A second opinion on every read: the detector's plate reader reads each passage's crop
(``detector_plate_opinion``, :mod:`detector.opinions`). Reads it disagrees with come
first, then reads it agrees with at low confidence, each marked; the officer's verdict
stays the decision, and the machine's opinion is recorded beside it in the audit log.
"""
from __future__ import annotations

import base64
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any, Callable

import psycopg
from psycopg import sql

from anpr import audit
from anpr.accounts import Account
from anpr.errors import BadInput, Conflict
from casework import access
from casework import requests as req_mod
from detector.opinions import LOW_CONFIDENCE, for_passages

PAGE_SIZES = (10, 50, 100, 500)


class NotVerifiable(Conflict):
    """A verdict for a read whose passage has no plate crop (409): refused (R7)."""

    code = "not_verifiable"


class PageRequired(Conflict):
    """Verdicts that name no page of reads handed out to this officer for this request,
    one that expired or was used, or reads that are not on it (409, #15)."""

    code = "verification_page"


class SpotCheckUnanswered(Conflict):
    """A page's verdicts without the officer's own answer on its spot-check read (409)."""

    code = "spot_check"


#: How long a page of reads handed out stays open for its verdicts.
PAGE_TTL = timedelta(hours=12)


#: The request's reads, one per passage and question (several searches may find the same
#: one), with their verdicts and the plate reader's opinion: from the results' own index,
#: the verdicts' key and the opinions' key, no passage read. A read's question is the plate
#: its crop is compared with (``ordered_plate``: '' the read as read; for a row that a
#: search including probable misreads found other than exactly, the ordered plate), and
#: its verdict is the one given for that question only: a verdict for one ordered plate
#: never counts for another (issue 18). ``machine_rank``: 0 the reader disagrees with
#: the camera, 1 it agrees with low confidence, 2 it agrees, NULL no opinion.
#: ``page_rank`` orders the page: the reads that need a verdict of their own first
#: (disagreeing, unsure, probable misreads, no opinion), then those the reader agrees with
#: (4), which may be confirmed with the page.
JUDGED_SQL = """
SELECT j.*, CASE WHEN j.machine_rank = 0 THEN 0 WHEN j.machine_rank = 1 THEN 1
                 WHEN j.ordered_plate <> '' THEN 2 WHEN j.machine_rank IS NULL THEN 3
                 ELSE 4 END AS page_rank
  FROM (
SELECT DISTINCT ON (er.captured_at, er.passage_id, er.ordered_plate)
       er.passage_id, er.captured_at, er.camera_id, er.has_crop, er.ordered_plate,
       v.verdict::text AS verdict, v.verified_at, v.officer_id AS verified_by_id,
       o.text AS machine_read, o.confidence AS machine_confidence,
       CASE WHEN o.frame_id IS NULL THEN NULL WHEN o.agrees IS NOT TRUE THEN 0
            WHEN o.confidence < %(low)s THEN 1 ELSE 2 END AS machine_rank
  FROM enquiry e
  JOIN enquiry_result er ON er.enquiry_id = e.id AND er.verify
  LEFT JOIN verification v ON v.passage_id = er.passage_id AND v.captured_at = er.captured_at
                          AND v.ordered_plate = er.ordered_plate
  LEFT JOIN detector_plate_opinion o ON o.passage_id = er.passage_id
                                    AND o.captured_at = er.captured_at
 WHERE e.request_id = %(request)s
 ORDER BY er.captured_at, er.passage_id, er.ordered_plate, o.read_at DESC NULLS LAST) j
"""

#: How a page is ordered: the reads that need a verdict of their own first (the plate
#: reader disagrees, is unsure, a probable misread, no opinion), then by time.
PAGE_ORDER = ("page_rank", "captured_at", "passage_id", "ordered_plate")
#: What the officer sees of the machine's opinion, by ``machine_rank``.
MACHINE_FLAGS = {0: "disagrees", 1: "unsure", 2: "agrees"}
MACHINE_MARKS = {0: "uitlezing wijkt af van de camera", 1: "uitlezing onzeker"}
#: ``page_rank`` of the reads the plate reader agrees with (an exact read, sure).
AGREEING = 4

#: One statement per call: the counts and one page, each passage of the page found by
#: its unique key in its day partition or as its secured copy (R1, photo_tables).
#: A page with no rows still answers one row, with the counts.
READS_SQL = f"""
WITH judged AS MATERIALIZED ({JUDGED_SQL}),
counts AS (
  SELECT count(*) AS total, count(verdict) AS verified,
         count(*) FILTER (WHERE verdict IS NULL AND NOT has_crop) AS not_verifiable,
         count(*) FILTER (WHERE verdict IS NULL AND has_crop AND page_rank <> {AGREEING})
             AS own_remaining
    FROM judged),
page AS (
  SELECT * FROM judged WHERE %(all)s OR (verdict IS NULL AND has_crop)
   ORDER BY {{order}} LIMIT %(limit)s OFFSET %(offset)s)
SELECT c.total, c.verified, c.not_verifiable, c.own_remaining, r.*
  FROM counts c LEFT JOIN LATERAL (
    SELECT pg.passage_id, pg.captured_at, pg.camera_id, pg.has_crop, pg.verdict,
           pg.verified_at, pg.machine_read, pg.machine_confidence, pg.machine_rank,
           pg.page_rank, pg.ordered_plate,
           va.username AS verified_by, p.plate, p.plate_raw, p.country,
           p.confidence, p.crop_key, p.alternatives, p.alternative_confidences,
           l.code AS location_code
      FROM page pg
      JOIN request rq ON rq.id = %(request)s
      CROSS JOIN LATERAL jj126.case_passage_at(pg.camera_id, pg.captured_at, pg.passage_id,
                                               rq.reference) p
      JOIN camera c ON c.id = p.camera_id JOIN location l ON l.id = c.location_id
      LEFT JOIN account va ON va.id = pg.verified_by_id) r ON true
 ORDER BY {{order}}
"""


class Matches:
    """How a read matched the plate it is compared with (issue 18): ``exact`` for a read
    verified as read, else how the search including probable misreads found it
    (``alternative_read`` or ``equivalent_characters``, ``gis.search.misreads``)."""

    def __init__(self) -> None:
        self._matchers: dict[str, Any] = {}

    def __call__(self, question: str, read: str, alternatives=None, confidences=None) -> str:
        from gis.search.misreads import EXACT, Matcher

        if not question:
            return EXACT
        matcher = self._matchers.get(question)
        if matcher is None:
            matcher = self._matchers[question] = Matcher.of([question])
        return matcher.mark(read, alternatives, confidences)["match"]


#: Shown and provided for a read whose passage has no plate crop: nothing to verify
#: against, so no verdict may be given (R7).
NOT_VERIFIABLE = "niet te verifiëren (geen uitsnede)"

#: A held row ``{er}`` (``enquiry_result``) with its verdict ``{v}`` that stands as found,
#: without a question (R7): a location/time search's row, or a row whose question was
#: rejected while its search also holds the passage as found (``held_plain``: a common
#: plate's own read, a convoy partner). The package (``casework.provision``), the photo
#: pages (through ``PROVIDED_SQL``) and a search's results (``casework.results``) read it.
AS_FOUND_SQL = ("(NOT {er}.verify OR {er}.held_plain "
                "AND {v}.verdict IS NOT DISTINCT FROM 'rejected')")

#: Whether a passage held by the request is provided (R7): unless every row that holds it
#: asks a question (a plate search's read as read, or an ordered plate for a probable
#: misread) and each such question was answered "rejected". A rejection answers its own
#: question only, never another's; a row as found (``AS_FOUND_SQL``) provides the passage.
#: ``{request}``, ``{passage}`` and ``{captured_at}`` name the request and the passage's
#: key in the enclosing query.
PROVIDED_SQL = """EXISTS (
  SELECT 1 FROM enquiry_result er_ JOIN enquiry e_ ON e_.id = er_.enquiry_id
    LEFT JOIN verification v_ ON er_.verify AND v_.passage_id = er_.passage_id
                             AND v_.captured_at = er_.captured_at
                             AND v_.ordered_plate = er_.ordered_plate
   WHERE er_.passage_id = {passage} AND er_.captured_at = {captured_at}
     AND e_.request_id = {request} AND e_.run_at IS NOT NULL
     AND (""" + AS_FOUND_SQL.format(er="er_", v="v_") + """
          OR v_.verdict IS DISTINCT FROM 'rejected'))"""


def reads(conn: psycopg.Connection, officer: Account, request_id: int, *, page_size: int = 50,
          offset: int = 0, include_verified: bool = False,
          crop_reader: Callable[[str], bytes] | None = None) -> dict[str, Any]:
    """One page of reads to verify, with the request's counts. Reads already verified,
    and reads without a crop (not verifiable), are listed only when ``include_verified``.
    With ``crop_reader`` (the photo vault's ``get``) each read carries its plate crop
    inline as a data URL: a page and its evidence in one answer."""
    req = req_mod.get(conn, request_id)
    access.check_handler(conn, officer, req)
    if req["status"] == "rejected":  # as its searches' results (casework.results)
        raise Conflict(f"request {req['reference']} is rejected: the results of its searches "
                       "are no longer shown")
    if page_size not in PAGE_SIZES:
        raise BadInput(f"page size must be one of {', '.join(map(str, PAGE_SIZES))}")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise BadInput("offset must be a non-negative whole number")
    order = sql.SQL(", ").join(sql.Identifier(k) for k in PAGE_ORDER)
    rows = conn.execute(sql.SQL(READS_SQL).format(order=order),
                        {"request": request_id, "all": include_verified, "limit": page_size,
                         "offset": offset, "low": LOW_CONFIDENCE}).fetchall()
    counts = rows[0]
    page = [{k: v for k, v in r.items()
             if k not in ("total", "verified", "not_verifiable", "own_remaining")}
            for r in rows if r["passage_id"] is not None]
    match = Matches()
    for r in page:
        r["verifiable"] = r["has_crop"] or r["verdict"] is not None
        if not r["verifiable"]:
            r["status"] = NOT_VERIFIABLE
        # The question: the plate the crop must show (the ordered plate of a probable
        # misread, else the read itself), and how the read matched it.
        question = r["question"] = r.pop("ordered_plate")
        r["match"] = match(question, r["plate"], r.pop("alternatives"),
                           r.pop("alternative_confidences"))
        r["ordered_plate"] = question or r["plate"]
        # A read needs a verdict of its own unless the plate reader agrees with it.
        r["individual"] = r.pop("page_rank") != AGREEING
        rank = r.pop("machine_rank")
        r["machine"] = None if rank is None else {
            "read": r["machine_read"], "confidence": round(float(r["machine_confidence"]), 3),
            "flag": MACHINE_FLAGS[rank], "mark": MACHINE_MARKS.get(rank)}
        del r["machine_read"], r["machine_confidence"]
        key = r.pop("crop_key")
        if crop_reader is not None and key:
            try:
                r["crop"] = "data:image/jpeg;base64," + base64.b64encode(
                    crop_reader(key)).decode()
            except Exception:  # noqa: BLE001 - a destroyed key or a missing object
                r["crop"] = None
    issued = _issue(conn, officer, request_id, page)
    for r in page:
        del r["question"]
    total, verified, nv = counts["total"], counts["verified"], counts["not_verifiable"]
    return {"reads": page, "page_size": page_size, "offset": offset,
            "total": total, "verified": verified, "not_verifiable": nv,
            "remaining": total - verified - nv, "own_remaining": counts["own_remaining"],
            "page": issued}


def _issue(conn: psycopg.Connection, officer: Account, request_id: int,
           shown: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Hand out the page of reads just listed (#15): the reads still to verify on it,
    which of them may be confirmed with the page (the plate reader agrees with an exact
    read), and one of those, chosen here at random, as the spot-check the officer must
    answer on its own. Kept on the server until its verdicts are given."""
    conn.execute("DELETE FROM verification_page WHERE issued_at < now() - %s", (PAGE_TTL,))
    todo = [r for r in shown if r["verdict"] is None and r["verifiable"]]
    for r in shown:
        r["spot_check"] = False
    if not todo:
        return None
    confirmable = [not r["individual"] for r in todo]
    spot = (secrets.choice([i for i, c in enumerate(confirmable) if c])
            if any(confirmable) else None)
    row = conn.execute(
        "INSERT INTO verification_page (request_id, officer_id, passage_ids, captured_ats,"
        " ordered_plates, confirmable, challenge) VALUES (%s, %s, %s, %s, %s, %s, %s)"
        " RETURNING id, issued_at",
        (request_id, officer.id, [r["passage_id"] for r in todo],
         [r["captured_at"] for r in todo], [r["question"] for r in todo], confirmable,
         None if spot is None else spot + 1)).fetchone()
    out = {"id": str(row["id"]), "reads": len(todo), "confirmable": sum(confirmable),
           "expires_at": row["issued_at"] + PAGE_TTL, "spot_check": None}
    if spot is not None:
        r = todo[spot]
        r["spot_check"] = True
        out["spot_check"] = {"passage_id": r["passage_id"], "captured_at": r["captured_at"],
                             "ordered_plate": r["ordered_plate"]}
    return out


def _parse(verdicts: Any, *, empty: bool = False
           ) -> list[tuple[int, datetime, str, str | None]]:
    """The verdicts as (passage id, capture time, verdict, plate named or None)."""
    if not isinstance(verdicts, list) or len(verdicts) > 500 or not (verdicts or empty):
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
        named = v.get("ordered_plate")
        if named is not None and (not isinstance(named, str) or len(named) > 20):
            raise BadInput("ordered_plate must be the plate the crop was compared with")
        parsed.append((pid, at, v["verdict"], named or None))
    return parsed


#: Each named read's questions in the request (the plates its crop is compared with:
#: '' the read as read, or an ordered plate), whether it has a crop, and for the
#: question '' the read (live or the request's secured copy), which the reads list names.
QUESTIONS_SQL = """
SELECT q.*, CASE WHEN q.ordered_plate = '' THEN (
         SELECT c.plate FROM jj126.case_passage_at(q.camera_id, q.at, q.pid, %s) c) END AS read
  FROM (SELECT t.pid, t.at, er.ordered_plate, bool_or(er.has_crop) AS has_crop,
               min(er.camera_id) AS camera_id
          FROM unnest(%s::bigint[], %s::timestamptz[]) AS t(pid, at)
          JOIN enquiry_result er ON er.passage_id = t.pid AND er.captured_at = t.at
                                AND er.verify
          JOIN enquiry e ON e.id = er.enquiry_id AND e.request_id = %s
         GROUP BY t.pid, t.at, er.ordered_plate) q"""


def _questions(conn: psycopg.Connection, request: dict[str, Any],
               parsed: list[tuple[int, datetime, str, str | None]]
               ) -> dict[tuple[int, datetime, str], str]:
    """Each verdict's question, as ``{(passage id, capture time, question): verdict}``: the
    one its read is asked in this request, or, where it is asked against two plates, the
    one it names. A verdict on a probable misread is a verdict on whether the crop shows
    that ordered plate (issue 18)."""
    rows = conn.execute(QUESTIONS_SQL, (request["reference"], [p[0] for p in parsed],
                                        [p[1] for p in parsed], request["id"])).fetchall()
    asked: dict[tuple[int, datetime], dict[str, dict]] = {}
    for r in rows:
        asked.setdefault((r["pid"], r["at"]), {})[r["ordered_plate"]] = r
    if len(asked) != len({(p[0], p[1]) for p in parsed}):
        raise BadInput("some reads are not results of this request's plate searches")
    out: dict[tuple[int, datetime, str], str] = {}
    for pid, at, verdict, named in parsed:
        questions = asked[(pid, at)]
        # A named plate must be the read's question (the read itself for the question
        # ''): a verdict naming another plate answers nothing asked, and is never taken
        # as a verdict on the question that is.
        if named is not None and named in questions:
            question = named
        elif named is not None and "" in questions and named == questions[""]["read"]:
            question = ""
        elif named is None and len(questions) == 1:
            question = next(iter(questions))
        else:
            raise BadInput(f"passage {pid} is compared with another plate in this request: "
                           "name its ordered_plate as the reads list gives it")
        if out.setdefault((pid, at, question), verdict) != verdict:
            raise BadInput(f"passage {pid} has two different verdicts")
    blind = sorted({pid for pid, at, q in out if not asked[(pid, at)][q]["has_crop"]})
    if blind:
        # R7: a verdict is given against the crop; without one there is nothing to judge.
        raise NotVerifiable(
            f"{len(blind)} lezing(en) zonder uitsnede: niet te verifiëren, er kan geen oordeel "
            "over worden gegeven (passage " + ", ".join(map(str, blind[:10])) + ")",
            details={"not_verifiable": blind})
    return out


def record(conn: psycopg.Connection, officer: Account, request_id: int,
           body: dict[str, Any]) -> dict[str, Any]:
    """Store the verdicts of a page of reads handed out by :func:`reads` (#15).

    ``body``: ``page`` (its id), ``verdicts`` (the officer's own, read by read),
    ``spot_check`` (the officer's own verdict on the page's spot-check read, required
    when the page has one) and ``confirm_rest`` (confirm the page's reads that the plate
    reader agrees with and that got no verdict of their own; the others never are). An
    existing verdict on the same question stands (no second one). The plate reader's
    opinion goes with each verdict."""
    req = req_mod.get(conn, request_id)
    access.check_handler(conn, officer, req)
    own = _parse(body.get("verdicts", []), empty=True)
    spot = body.get("spot_check")
    if spot is not None:
        spot = _parse([spot])[0]
    confirm_rest = body.get("confirm_rest", False)
    if not isinstance(confirm_rest, bool):
        raise BadInput("confirm_rest must be true or false")
    page_id = body.get("page")
    if page_id is not None:
        try:
            page_id = uuid.UUID(str(page_id))
        except ValueError as exc:
            raise BadInput("page must be the id of a page of reads (from the reads list)") \
                from exc
    given = _questions(conn, req, own + ([spot] if spot else [])) if own or spot else {}
    if page_id is None:
        raise PageRequired("verdicts are given on a page of reads: load the reads and send "
                           "the page's id with its verdicts")
    page = conn.execute(
        "SELECT * FROM verification_page WHERE id = %s AND request_id = %s AND officer_id = %s"
        " AND issued_at > now() - %s FOR UPDATE",
        (page_id, request_id, officer.id, PAGE_TTL)).fetchone()
    if page is None:
        raise PageRequired("this page of reads is unknown, expired or already used: load the "
                           "reads again")
    on_page = {(pid, at, q): c for pid, at, q, c in zip(
        page["passage_ids"], page["captured_ats"], page["ordered_plates"], page["confirmable"])}
    if any(k not in on_page for k in given):
        raise PageRequired("some verdicts name reads that are not on this page: load the reads "
                           "again")
    spot_key = None
    if page["challenge"] is not None:
        i = page["challenge"] - 1
        spot_key = (page["passage_ids"][i], page["captured_ats"][i], page["ordered_plates"][i])
        named = spot and next((k for k in given if (k[0], k[1]) == (spot[0], spot[1])), None)
        if named != spot_key:
            raise SpotCheckUnanswered(
                f"answer the spot-check first: read {spot_key[0]} of this page needs its own "
                "verdict before the page's verdicts are accepted")
    rest = [k for k, c in on_page.items() if c and k not in given] if confirm_rest else []
    verdicts = {**given, **{k: "confirmed" for k in rest}}
    stored = _store(conn, officer, request_id, verdicts,
                    spot=None if spot_key is None else
                    {"passage_id": spot_key[0], "verdict": given[spot_key]},
                    with_page=len(rest))
    conn.execute("DELETE FROM verification_page WHERE id = %s", (page_id,))
    left = sum(1 for k, c in on_page.items() if not c and k not in given)
    return {"stored": stored, "already_verified": len(verdicts) - stored,
            "confirmed_with_page": len(rest), "left_for_own_verdict": left}


def _store(conn: psycopg.Connection, officer: Account, request_id: int,
           given: dict[tuple[int, datetime, str], str], *, spot: dict | None,
           with_page: int) -> int:
    """Insert the verdicts in one statement, each with the plate reader's opinion, and
    audit-log them; returns how many were new."""
    # The machine's opinion beside the officer's verdict (the verdict decides): kept with
    # the verdict, and the verdicts that go against it are named in the audit record.
    opinions = for_passages(conn, [(k[0], k[1]) for k in given])
    # Named by passage id only, never the reader's text (docs/audit.md, what a record keeps).
    against = [{"passage_id": pid, "verdict": verdict,
                "machine_confidence": round(o.confidence, 3),
                "machine_agrees_with_camera": o.agrees_with_camera}
               for (pid, at, _q), verdict in given.items()
               if (o := opinions.get((pid, at))) is not None
               and (o.agrees_with_camera is not True) == (verdict == "confirmed")]
    keys = list(given)
    machine = [opinions.get((k[0], k[1])) for k in keys]
    # One statement for the page; an existing verdict stands (no second verification).
    stored = conn.execute(
        "INSERT INTO verification (passage_id, captured_at, ordered_plate, verdict, officer_id,"
        " machine_read, machine_confidence, machine_flag)"
        " SELECT t.pid, t.at, t.question, t.verdict::read_verdict, %s, t.mread, t.mconf, t.mflag"
        " FROM unnest(%s::bigint[], %s::timestamptz[], %s::text[], %s::text[], %s::text[],"
        "             %s::real[], %s::text[]) AS t(pid, at, question, verdict, mread, mconf, mflag)"
        " ON CONFLICT DO NOTHING",
        (officer.id, [k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys],
         [given[k] for k in keys], [o.text if o else None for o in machine],
         [o.confidence if o else None for o in machine],
         [_flag(o) for o in machine])).rowcount
    audit.record(conn, officer.username, "verify", f"request:{request_id}",
                 confirmed=sum(1 for v in given.values() if v == "confirmed"),
                 rejected=sum(1 for v in given.values() if v == "rejected"),
                 already_verified=len(given) - stored,
                 spot_check=spot, confirmed_with_page=with_page,
                 machine_opinions=len(opinions), against_machine=against[:100])
    return stored


def _flag(o) -> str | None:
    """The opinion's flag as the reads page showed it (``machine_rank``), from the row's
    own record of whether the reader agreed with the camera."""
    if o is None:
        return None
    if o.agrees_with_camera is not True:
        return "disagrees"
    return "unsure" if o.confidence < LOW_CONFIDENCE else "agrees"


def unverified_count(conn: psycopg.Connection, request_id: int) -> int:
    """Reads that still need a verdict (a read without a crop cannot have one)."""
    return conn.execute(f"SELECT count(*) AS n FROM ({JUDGED_SQL}) r"
                        " WHERE verdict IS NULL AND has_crop",
                        {"request": request_id, "low": LOW_CONFIDENCE}).fetchone()["n"]
