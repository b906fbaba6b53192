"""Sessions, roles and CSRF for every route (R10).

Every view declares who may use it: ``@public`` (the published camera plan, the login
page), ``@device`` (cameras posting passages with their own key; no cookie, no CSRF), or
``@requires("officer", ...)``. With default-deny on, a view without a declaration
answers 403, so a new route cannot be exposed by forgetting. State-changing requests
carry the session's CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``);
a missing or forged token is refused and logged.

The signed cookie holds only a random session token and the CSRF token; who is logged in
is decided by the server-side record of that token (``web_session``, see
anpr.accounts), checked on every request: logout, a password change, a suspension and
the idle and absolute timeouts (ANPR_SESSION_IDLE_MINUTES, ANPR_SESSION_MAX_HOURS) end
it, and a copy of the cookie replayed afterwards is anonymous.
"""
from __future__ import annotations

import hmac
import logging
import secrets
from datetime import timedelta
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
    """Start a server-side session; the cookie gets its token and a fresh CSRF token."""
    from webmap.db import get_conn

    token = accounts.start_session(get_conn(), account, source=request.remote_addr or "unknown",
                                   replaces=session.get("sid"))
    session.clear()
    session["sid"] = token
    session["csrf"] = secrets.token_urlsafe(32)
    session.permanent = False


def logout() -> None:
    """End this session server-side (the account's other sessions go on)."""
    token = session.get("sid")
    if token:
        from webmap.db import get_conn

        accounts.end_session(get_conn(), token, "logout")
    session.clear()
    g.account = None


def _load_account() -> Account | None:
    token = session.get("sid")
    if not token:
        if "account_id" in session:  # a cookie from before server-side sessions
            session.clear()
        return None
    from webmap.db import get_conn

    web = current_app.config["ANPR_SETTINGS"].web
    conn = get_conn()
    account = accounts.session_account(conn, token,
                                       idle=timedelta(minutes=web.session_idle_minutes),
                                       max_age=timedelta(hours=web.session_max_hours))
    conn.commit()  # an ended session or a new last_seen holds, whatever the request does
    if account is None:
        session.pop("sid", None)  # anonymous from now on; the CSRF token stays
    return account


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
