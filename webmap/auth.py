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

Refusals at the door are audit-logged (R10: detection of unauthorised access attempts):
a protected route without a valid session (``auth.refused``), a missing or wrong CSRF
token (``csrf.refused``), a missing, wrong or revoked device key (``device.refused``).
Anyone can send those without an account, so they go through ``RefusalLog``, which
bounds what a flood of them can write to the chain.
"""
from __future__ import annotations

import hmac
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
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
        g.stale_session = True
    return account


# -- refusals at the door, logged without letting a flood of them flood the log ---------------

@dataclass
class _Window:
    opened: float
    first_at: str
    repeated: int = 0
    paths: set[str] = field(default_factory=set)


class RefusalLog:
    """Audit records of refusals that need no account, at a bounded rate.

    Per kind of refusal, actor and source address, the first refusal of a window of
    ``window_s`` seconds is written at once (path, method, reason); the ones after it in
    the same window are only counted, and written as ONE more record of the same kind
    (``count``: how many more, ``since``, ``until``, up to five of the paths) at the first
    request after the window has ended. At most ``max_sources`` such windows are open at a time; refusals
    beyond them are counted together in one more per kind (source "many sources"). So
    whatever its rate and however many addresses it comes from, a flood writes at most
    2 x (``max_sources`` + 3) records per window and web process (with the defaults, 60 s
    and 100 sources: under 4 a second), and each attempt is still counted.
    Behind a proxy the source is the proxy's address: all refusals then share one window.
    """

    def __init__(self, window_s: float = 60.0, max_sources: int = 100,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.window_s, self.max_sources, self.clock = window_s, max_sources, clock
        self._open: dict[tuple[str, str, str], _Window] = {}
        self._lock = threading.Lock()

    def note(self, conn, kind: str, actor: str, source: str, **details) -> None:
        """Count one refusal; write what is due (this one, or ended windows) and commit."""
        now = self.clock()
        with self._lock:
            due = self._ended(now)
            key = (kind, actor, source)
            if key not in self._open and len(self._open) >= self.max_sources:
                key = (kind, "anonymous", "many sources")
                actor, source = key[1], key[2]
            window = self._open.get(key)
            if window is None:
                self._open[key] = _Window(now, _utc())
                first = True
            else:
                window.repeated += 1
                if len(window.paths) < 5:
                    window.paths.add(str(details.get("path", ""))[:200])
                first = False
        self._write(conn, due)
        if first:
            audit.record(conn, actor, kind, str(details.pop("path", ""))[:200] or None,
                         source=source, **details)
        conn.commit()

    def flush(self, conn) -> None:
        """Write the records of windows that have ended (called on every request)."""
        if not self._open:
            return
        now = self.clock()
        with self._lock:
            due = self._ended(now)
        if due:
            self._write(conn, due)
            conn.commit()

    def _ended(self, now: float) -> list[tuple[tuple[str, str, str], _Window]]:
        ended = [(k, w) for k, w in self._open.items() if now - w.opened >= self.window_s]
        for k, _ in ended:
            del self._open[k]
        return ended

    def _write(self, conn, due) -> None:
        for (kind, actor, source), w in due:
            if w.repeated:
                audit.record(conn, actor, kind, None, source=source,
                             count=w.repeated, since=w.first_at, until=_utc(),
                             window_s=self.window_s, paths=sorted(w.paths))


class LoginThrottle:
    """Limited login attempts by source (R10), beside the lockout by account (anpr.accounts):
    a source that tries one password on many accounts never locks one of them (five
    failures each), so it could go on for ever. A source with ``max_failures`` refused logins
    in the last ``window_s`` seconds is refused before its password is checked (429, the
    same words whoever it names, the right password included) until its oldest failure in
    the window is older than the window. Kept per web process, like RefusalLog; behind a
    proxy every client shares the proxy's address, so set the limit for that."""

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 max_sources: int = 10_000) -> None:
        self.clock, self.max_sources = clock, max_sources
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, source: str, now: float, window_s: float) -> list[float]:
        kept = [t for t in self._failures.get(source, ()) if now - t < window_s]
        if kept:
            self._failures[source] = kept
        else:
            self._failures.pop(source, None)
        return kept

    def blocked(self, source: str, max_failures: int, window_s: float) -> bool:
        with self._lock:
            return len(self._recent(source, self.clock(), window_s)) >= max_failures

    def failed(self, source: str, window_s: float) -> None:
        now = self.clock()
        with self._lock:
            if source not in self._failures and len(self._failures) >= self.max_sources:
                for key in list(self._failures):  # forget the sources quiet for a window
                    self._recent(key, now, window_s)
            self._failures.setdefault(source, []).append(now)


TOO_MANY = "too many failed logins from this address; try again later"


def authenticate(username: str, password: str) -> Account:
    """A login through either door (the form, the JSON API): refused at once for a source
    over its limit of failures (logged, rate-bounded), else anpr.accounts.authenticate,
    whose refusals count against the source."""
    from anpr.errors import TooManyAttempts
    from webmap.db import get_conn

    cfg = current_app.config
    max_failures = int(cfg.get("ANPR_LOGIN_SOURCE_MAX_FAILURES", 50))
    window_s = float(cfg.get("ANPR_LOGIN_SOURCE_WINDOW_S", 900))
    source = request.remote_addr or "unknown"
    throttle: LoginThrottle = current_app.extensions["anpr_login_throttle"]
    if throttle.blocked(source, max_failures, window_s):
        _refusals().note(get_conn(), "login.throttled", "anonymous", source,
                         path=request.path, method=request.method,
                         username=ascii(username)[:64], reason=TOO_MANY)
        raise TooManyAttempts(TOO_MANY)
    try:
        return accounts.authenticate(get_conn(), username, password, source=source)
    except Unauthenticated:
        throttle.failed(source, window_s)
        raise


def _utc() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _refusals() -> RefusalLog:
    return current_app.extensions["anpr_refusals"]


def note_refusal(kind: str, reason: str) -> None:
    """Log a refusal at the door (rate-bounded, see RefusalLog), in its own commit."""
    from webmap.db import get_conn

    account = g.get("account")
    conn = get_conn()
    conn.rollback()  # only the record: nothing the refused request did is kept
    _refusals().note(conn, kind, account.username if account else "anonymous",
                     request.remote_addr or "unknown", path=request.path,
                     method=request.method, reason=reason)


def _refuse(kind: str, message: str, status_exc) -> None:
    note_refusal(kind, message)
    raise status_exc(message)


def _refuse_account(message: str) -> None:
    """A logged-in account at a door its role may not pass: every attempt is its own
    record (an account answers for what it tries; the bound is for the anonymous)."""
    from webmap.db import get_conn

    conn = get_conn()
    audit.record(conn, g.account.username, "access.refused", request.path[:200],
                 method=request.method, source=request.remote_addr or "unknown")
    conn.commit()
    raise Forbidden(message)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["current_account"] = current_account
    app.extensions["anpr_refusals"] = RefusalLog(
        app.config.get("ANPR_REFUSAL_WINDOW_S", 60.0),
        app.config.get("ANPR_REFUSAL_SOURCES", 100))
    app.extensions["anpr_login_throttle"] = LoginThrottle()

    @app.after_request
    def device_refused(response):
        """A device route answers 401 for a missing, wrong or revoked key (ingest.devices):
        logged like the other refusals at the door."""
        if response.status_code == 401 and request.endpoint is not None and getattr(
                current_app.view_functions.get(request.endpoint), "anpr_access", None) == DEVICE:
            body = response.get_json(silent=True) or {}
            try:
                note_refusal("device.refused", str(body.get("message", "device key refused")))
            except Exception:  # the answer still goes out; the failure is in the log
                log.exception("could not log the refused device key")
        return response

    @app.before_request
    def authorise():
        if request.endpoint is None or request.endpoint == "static":
            return None
        view = current_app.view_functions.get(request.endpoint)
        access = getattr(view, "anpr_access", None)
        if access == DEVICE:
            return None
        g.account = _load_account()
        if _refusals()._open:  # summaries of ended windows of refusals
            from webmap.db import get_conn

            _refusals().flush(get_conn())
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
            note_refusal("auth.refused", "session ended or expired" if g.get("stale_session")
                         else "no session")
            raise Unauthenticated("log in first")
        if g.account.role not in access:
            _refuse_account(f"your role ({accounts.ROLE_LABELS[g.account.role]}) "
                            "may not do this")
        return None
