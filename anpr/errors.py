"""One exception hierarchy for the whole project.

Every class carries an HTTP status and a message that is safe to show a user; details
that are not (SQL, paths, stack traces) go to the log. The web layer maps these to
responses in one place, so a bad id is a 404 and bad input a 400, never a 500.
"""
from __future__ import annotations

from typing import Any


class AnprError(Exception):
    """Base class: ``status`` for HTTP, ``message`` safe for users, ``details`` for clients."""

    status: int = 500
    code: str = "internal_error"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


class BadInput(AnprError):
    """The caller sent something malformed or out of range (400)."""

    status = 400
    code = "bad_input"


class Unauthenticated(AnprError):
    status = 401
    code = "unauthenticated"


class Forbidden(AnprError):
    """The caller is known but their role or the law does not allow this (403)."""

    status = 403
    code = "forbidden"


class NotFound(AnprError):
    status = 404
    code = "not_found"


class Conflict(AnprError):
    """The request clashes with the current state (a published plan, a confirmed request)."""

    status = 409
    code = "conflict"


class ConcurrentChange(Conflict):
    """PostgreSQL aborted the transaction for another that took the same rows at the same
    moment (a deadlock, a serialization failure): nothing was changed; trying again works."""

    code = "concurrent_change"


class PayloadTooLarge(AnprError):
    status = 413
    code = "payload_too_large"


class TooManyAttempts(AnprError):
    """Too many refused attempts from one source in a while (R10: limited login attempts)."""

    status = 429
    code = "too_many_attempts"


class ConfigurationError(AnprError):
    """A setting is missing or wrong; raised at start-up so the operator sees it at once."""

    status = 500
    code = "configuration_error"


class DatabaseUnavailable(AnprError):
    status = 503
    code = "database_unavailable"
