"""JSON in and out of the API handlers: one request body reader, one date parser, one
encoder of results, shared by the blueprints instead of a copy each."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import request

from anpr.errors import BadInput


def json_object() -> dict[str, Any]:
    """The request body, which must be a JSON object sent as application/json."""
    if not request.is_json:
        raise BadInput("send the body as application/json")
    body = request.get_json(silent=True)
    if body is None:
        raise BadInput("the body is not valid JSON")
    if not isinstance(body, dict):
        raise BadInput("the body must be a JSON object")
    return body


def iso_date(raw: Any, name: str) -> date | None:
    """A ``YYYY-MM-DD`` field; empty or absent is None."""
    if raw in (None, ""):
        return None
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise BadInput(f"{name} {raw!r} is not a date (YYYY-MM-DD)") from None


def jsonable(value: Any) -> Any:
    """Datetimes as ISO 8601 (Flask would write RFC 822 dates), sets as sorted lists."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(jsonable(v) for v in value)
    return value
