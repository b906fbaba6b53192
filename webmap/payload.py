"""JSON in and out of the API handlers: one request body reader, one date parser, one
encoder of results, shared by the blueprints instead of a copy each.

Every JSON body the app reads goes through :func:`loads` (``SafeRequest`` routes Flask's
``request.get_json`` here too), so hostile input is refused at the door with a 400 and
never reaches SQL: NUL characters and lone surrogates in any key or string (PostgreSQL
text cannot hold them), nesting deeper than :data:`MAX_DEPTH` (checked on the raw text
before parsing, so 100,000 brackets never recurse), integers outside signed 64 bits and
non-finite or absurdly large numbers.
"""
from __future__ import annotations

import json
import math
import re
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from flask import Request, request
from flask.json.provider import DefaultJSONProvider

from anpr.errors import BadInput

MAX_DEPTH = 32
INT64_MIN, INT64_MAX = -2**63, 2**63 - 1
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.S)
_BRACKET = re.compile(rb"[\[\]{}]")
_BAD_CHAR = re.compile("[\x00\ud800-\udfff]")


def bad_text(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None: a NUL or a lone surrogate."""
    m = _BAD_CHAR.search(value)
    if m is None:
        return None
    return "a NUL character" if m.group() == "\x00" else "a lone surrogate (invalid Unicode)"


def check_depth(raw: bytes | str, what: str = "the body") -> None:
    """Refuse JSON text nested deeper than MAX_DEPTH, without parsing it."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if data.count(b"[") + data.count(b"{") <= MAX_DEPTH:
        return
    depth = 0
    for m in _BRACKET.finditer(_STRING.sub(b'""', data)):
        if m.group() in (b"[", b"{"):
            depth += 1
            if depth > MAX_DEPTH:
                raise BadInput(f"{what} is nested more than {MAX_DEPTH} levels deep")
        else:
            depth -= 1


def _int(text: str) -> int:
    value = int(text)
    if not INT64_MIN <= value <= INT64_MAX:
        raise BadInput("a number in the body is outside the 64-bit integer range")
    return value


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or abs(value) > INT64_MAX:
        raise BadInput(f"the number {text[:40]} in the body is out of range")
    return value


def _constant(text: str) -> Any:
    raise BadInput(f"{text} is not a number JSON allows")


def check_value(value: Any, what: str = "the body") -> Any:
    """Walk a parsed JSON value (iteratively) for bad text and depth; return it."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BadInput(f"{what} is nested more than {MAX_DEPTH} levels deep")
        if isinstance(item, str):
            why = bad_text(item)
            if why:
                raise BadInput(f"{what} contains {why}")
        elif isinstance(item, dict):
            for k, v in item.items():
                stack.append((k, depth))
                stack.append((v, depth + 1))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
        elif isinstance(item, int) and not isinstance(item, bool):
            if not INT64_MIN <= item <= INT64_MAX:
                raise BadInput(f"{what} holds a number outside the 64-bit integer range")
    return value


def loads(raw: bytes | str, what: str = "the body") -> Any:
    """Parse JSON text with the guards above; syntax errors stay ValueError (Flask's
    get_json answers them)."""
    check_depth(raw, what)
    try:
        value = json.loads(raw, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except RecursionError:
        raise BadInput(f"{what} is nested too deeply") from None
    return check_value(value, what)


class SafeRequest(Request):
    """Flask's request whose ``get_json`` parses with :func:`loads`."""
    json_module = SimpleNamespace(loads=loads, dumps=json.dumps)


def json_object() -> dict[str, Any]:
    """The request body, which must be a JSON object sent as application/json and valid
    against its operation's schema in the OpenAPI document (webmap.openapi.check_body)."""
    if not request.is_json:
        raise BadInput("send the body as application/json")
    try:
        body = loads(request.get_data(cache=True))
    except ValueError:
        raise BadInput("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise BadInput("the body must be a JSON object")
    from webmap.openapi import check_body

    return check_body(body)  # against the schema the OpenAPI document gives (one source)


def int_arg(name: str, default: int, lo: int, hi: int) -> int:
    """A whole-number query argument within [lo, hi]; anything else is a 400."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"[+-]?\d{1,19}", raw.strip()):
        raise BadInput(f"{name} must be a whole number from {lo} to {hi}")
    value = int(raw)
    if not lo <= value <= hi:
        raise BadInput(f"{name} must be a whole number from {lo} to {hi}")
    return value


def iso_date(raw: Any, name: str) -> date | None:
    """A ``YYYY-MM-DD`` field; empty or absent is None."""
    if raw in (None, ""):
        return None
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise BadInput(f"{name} {raw!r} is not a date (YYYY-MM-DD)") from None


class IsoJSONProvider(DefaultJSONProvider):
    """Flask's JSON with dates and times as ISO 8601 (with the offset a timestamptz
    carries) instead of RFC 822 ("Tue, 01 Dec 2026 20:09:57 GMT"), and sets as sorted
    lists: every answer of the API writes times one way, whatever the handler passed."""

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, (datetime, date)):
            return o.isoformat()
        if isinstance(o, (set, frozenset)):
            return sorted(o)
        return DefaultJSONProvider.default(o)
