"""Sessions, roles and CSRF for every route (R10).

Every view declares who may use it: ``@public`` (the published camera plan, the login
page), ``@device`` (cameras posting passages with their own key; no cookie, no CSRF), or
``@requires("officer", ...)``. With default-deny on, a view without a declaration
answers 403, so a new route cannot be exposed by forgetting. State-changing requests
carry the session's CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``);
a missing or forged token is refused and logged.
"""
from __future__ import annotations

import hmac
import logging
import secrets
from functools import wraps
from typing import Callable

from flask import Flask, current_app, g, request, session

from anpr import accounts, audit
from anpr.accounts import Account
from anpr.errors import Forbidden, Unauthenticated

log = logging.getLogger(__name__)

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
PUBLIC = "public"
DEVICE = "device"


def public(view: Callable) -> Callable:
    view.anpr_access = PUBLIC
    return view


def device(view: Callable) -> Callable:
    """Authenticated by a device key inside the view; exempt from cookies and CSRF."""
    view.anpr_access = DEVICE
    return view


def requires(*roles: str) -> Callable[[Callable], Callable]:
    unknown = set(roles) - set(accounts.ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def deco(view: Callable) -> Callable:
        view.anpr_access = tuple(roles)

        @wraps(view)
        def wrapper(*args, **kwargs):
            return view(*args, **kwargs)

        wrapper.anpr_access = tuple(roles)
        return wrapper

    return deco


def current_account() -> Account | None:
    return g.get("account")


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def login(account: Account) -> None:
    session.clear()
    session["account_id"] = account.id
    session["csrf"] = secrets.token_urlsafe(32)
    session.permanent = False


def logout() -> None:
    session.clear()


def _load_account() -> Account | None:
    account_id = session.get("account_id")
    if account_id is None:
        return None
    from webmap.db import get_conn

    row = get_conn().execute("SELECT * FROM account WHERE id = %s", (account_id,)).fetchone()
    if row is None or not row["active"]:
        session.clear()
        return None
    return Account.from_row(row)


def _refuse(kind: str, message: str, status_exc) -> None:
    from webmap.db import get_conn

    account = g.get("account")
    audit.record(get_conn(), account.username if account else "anonymous", kind,
                 request.path[:200], method=request.method,
                 source=request.remote_addr or "unknown")
    get_conn().commit()
    raise status_exc(message)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["current_account"] = current_account

    @app.before_request
    def authorise():
        if request.endpoint is None or request.endpoint == "static":
            return None
        view = current_app.view_functions.get(request.endpoint)
        access = getattr(view, "anpr_access", None)
        if access == DEVICE:
            return None
        g.account = _load_account()
        if access is None:
            if current_app.config.get("ANPR_DEFAULT_DENY", True):
                log.error("route %s declares no access rule: refused", request.endpoint)
                raise Forbidden("this page is not available")
            return None
        if request.method not in SAFE_METHODS:
            sent = request.headers.get("X-CSRF-Token") or (
                request.form.get("csrf_token") if request.mimetype in (
                    "application/x-www-form-urlencoded", "multipart/form-data") else None)
            expected = session.get("csrf")
            if not sent or not expected or not hmac.compare_digest(sent, expected):
                _refuse("csrf.refused", "missing or wrong CSRF token; reload the page",
                        Forbidden)
        if access == PUBLIC:
            return None
        if g.account is None:
            raise Unauthenticated("log in first")
        if g.account.role not in access:
            _refuse("access.refused", f"your role ({accounts.ROLE_LABELS[g.account.role]}) "
                                      "may not do this", Forbidden)
        return None
