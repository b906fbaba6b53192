"""The Flask application factory. Nothing connects or reads the environment at import."""
from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Any, Mapping

import psycopg
from flask import Flask, jsonify, redirect, request, url_for
from werkzeug.exceptions import HTTPException

from anpr import settings as settings_mod
from anpr.errors import AnprError, ConcurrentChange, Unauthenticated
from webmap.messages_nl import bericht, dutch

log = logging.getLogger(__name__)


# Every package's web layer is a blueprint; list it here as (module, attribute, prefix).
# JSON APIs live under /api/v1 and describe themselves with webmap.openapi.register_paths.
BLUEPRINTS: list[tuple[str, str, str | None]] = [
    ("webmap.pages", "pages", None),
    ("webmap.api", "api", "/api/v1"),
    ("webmap.intake_api", "intake_api", "/api/v1"),
    ("webmap.search_api", "search_api", "/api/v1/search"),
    ("webmap.plans_api", "plans_api", "/api/v1"),
    ("webmap.plan_pages", "plan_pages", None),
    ("webmap.ogc", "ogc", "/ogc"),
    ("webmap.casework_api", "casework_api", "/api/v1"),
    ("webmap.casework_pages", "casework_pages", None),
    ("webmap.photos_api", "photos_api", "/api/v1"),
    ("webmap.results_api", "results_api", "/api/v1"),
    ("webmap.reports_pages", "reports_pages", None),
    ("webmap.registry_api", "registry_api", None),
    ("webmap.analyst_pages", "analyst_pages", None),
    ("webmap.account_api", "account_api", "/api/v1"),
    ("webmap.account_api", "account_pages", None),
]


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. ``test_config`` may set DATABASE_URL, SECRET_KEY and Flask options."""
    from webmap.payload import SafeRequest

    app = Flask(__name__, static_folder="static", template_folder="templates")
    # Every JSON body read through request.get_json goes through webmap.payload.loads.
    app.request_class = SafeRequest
    from webmap.payload import IsoJSONProvider

    app.json = IsoJSONProvider(app)  # dates as ISO 8601, never Flask's RFC 822
    settings = settings_mod.load()
    app.config.update(
        ANPR_SETTINGS=settings,
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=settings.web.secure_cookies,
        JSON_SORT_KEYS=False,
    )
    if test_config:
        app.config.update(test_config)
    if not app.config.get("DATABASE_URL"):
        from anpr.embedded import database_url

        app.config["DATABASE_URL"] = database_url(settings.database)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.web.secret_key or _local_secret(settings.database.home)

    from webmap import auth, db

    app.before_request(_refuse_bad_text)
    db.init_app(app)
    # A route that declares no access rule (webmap/auth.py) is refused: forgetting one
    # cannot expose a page.
    app.config.setdefault("ANPR_DEFAULT_DENY", True)
    auth.init_app(app)
    from webmap import navigation

    navigation.init_app(app)

    import importlib

    for module, attr, prefix in BLUEPRINTS:
        app.register_blueprint(getattr(importlib.import_module(module), attr), url_prefix=prefix)
    _register_errors(app)
    app.after_request(_security_headers)
    if app.config.get("ANPR_CHECK_RESPONSES"):
        from webmap.openapi import check_response

        app.after_request(check_response)
    app.jinja_env.filters["nl"] = dutch  # a stored refusal's reason, shown in Dutch
    return app


#: What a page may load and run (R10): only the app's own scripts (no inline script, no
#: eval), style sheets of its own (no <style> block, no style attribute: classes in
#: static/css, values that vary set from script), images of
#: its own, inline crops (data:) and photos fetched ahead into memory (blob:); no frame
#: may hold a page (clickjacking), no form may post elsewhere, no plug-in runs.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; "
                           "style-src 'self'; img-src 'self' data: blob:; "
                           "connect-src 'self'; font-src 'self'; object-src 'none'; "
                           "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def _security_headers(resp):
    """Every answer: its type is what it says (no sniffing), the address it came from
    is not sent to another site, it is shown in no frame, nothing keeps it (unless its
    route says so); a page also with the policy."""
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("Referrer-Policy", "same-origin")
    resp.headers.setdefault("X-Frame-Options", "DENY")
    if resp.mimetype == "text/html":
        resp.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    # Kept by no browser or proxy (R1, R10): plates, times, places and photos must not
    # outlive their 28 days on a disk. A route that means to be cached says so itself
    # (the register's camera list); the app's own files (scripts, styles, the basemap) may.
    if "Cache-Control" not in resp.headers and request.endpoint != "static":
        resp.headers["Cache-Control"] = "no-store"
    return resp


def _local_secret(home: Path) -> str:
    """A per-installation secret for development; production sets ANPR_SECRET_KEY."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _refuse_bad_text() -> None:
    """A NUL or a lone surrogate in the path, a query argument or a form field is refused
    at the door (PostgreSQL text cannot hold a NUL; such input is never a real value)."""
    from anpr.errors import BadInput
    from webmap.payload import bad_text

    fields = [("the path", request.path)]
    fields += [(f"query argument {k[:40]!r}", v) for k, v in request.args.items(multi=True)]
    fields += [("a query argument name", k) for k in request.args]
    if request.mimetype == "application/x-www-form-urlencoded":
        fields += [(f"form field {k[:40]!r}", v) for k, v in request.form.items(multi=True)]
    for what, value in fields:
        why = bad_text(value)
        if why:
            raise BadInput(f"{what} contains {why}")


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _wants_html() -> bool:
    """A browser asking for a page (Accept prefers text/html) outside the JSON API: it gets
    the Dutch error page with the navigation bar; every other caller keeps JSON."""
    if request.path.startswith("/api/"):
        return False
    return request.accept_mimetypes.best_match(("application/json", "text/html")) == "text/html"


#: The heading of the error page per status (the message below it is messages_nl's Dutch).
ERROR_TITLES = {400: "Onjuiste invoer", 401: "Niet aangemeld", 403: "Geen toegang",
                404: "Niet gevonden", 405: "Niet toegestaan", 409: "Niet mogelijk",
                413: "Te groot", 429: "Te veel verzoeken", 503: "Tijdelijk niet beschikbaar"}


def _error_page(status: int, message: str, headers: Any = ()):
    """The Dutch error page for every role (templates/error.html): the navigation bar, what
    went wrong in words, the way back to the role's start page. Should the page itself fail
    (the error may be the database's), a bare Dutch page still goes out."""
    from flask import g, make_response, render_template

    from webmap import navigation
    from webmap.auth import _load_account

    title = ERROR_TITLES.get(status, "Er ging iets mis" if status >= 500 else "Niet mogelijk")
    try:
        if "account" not in g:  # an address no route matched: who is asking is not read yet
            g.account = _load_account()
        account = g.account
        html = render_template("error.html", status=status, title=title,
                               message=bericht(message, status),
                               start=navigation.start_page(account) if account else
                               url_for("plan_pages.index"))
    except Exception:  # noqa: BLE001 - the answer must still go out
        log.exception("could not render the error page")
        html = (f"<!doctype html><html lang=\"nl\"><title>{title}</title><h1>{title}</h1>"
                f"<p>{bericht('', status)}</p><p><a href=\"/\">Naar de startpagina</a></p></html>")
    resp = make_response(html, status)
    resp.mimetype = "text/html"
    for name, value in headers:
        if name.lower() != "content-type":
            resp.headers[name] = value
    return resp


def _register_errors(app: Flask) -> None:
    @app.errorhandler(AnprError)
    def anpr_error(exc: AnprError):
        if (isinstance(exc, Unauthenticated) and request.method == "GET"
                and not request.path.startswith(("/api/", "/ogc"))):
            return redirect(url_for("casework_pages.login_page",
                                    next=request.full_path.rstrip("?")))
        _undo_and_record(exc.status, exc.code, exc.message)
        if exc.status >= 500:
            log.error("%s: %s", type(exc).__name__, exc.message)
        else:
            log.info("refused %s %s: %s", request.method, request.path, exc.message)
        if _wants_html():
            return _error_page(exc.status, exc.message)
        body = exc.to_dict()
        body["bericht"] = bericht(exc.message, exc.status)  # the pages show the Dutch
        return jsonify(body), exc.status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        description = exc.description or ""
        if exc.code == 413 and request.max_content_length:
            description = (f"the request is larger than the "
                           f"{request.max_content_length // (1024 * 1024)} MB this address takes")
        _undo_and_record(exc.code or 500, "http", description)
        if _wants_json():
            resp = jsonify({"error": exc.name.lower().replace(" ", "_"),
                            "message": description,
                            "bericht": bericht(description, exc.code or 500)})
            for name, value in exc.get_headers():  # a 405 keeps its Allow header
                if name.lower() != "content-type":
                    resp.headers[name] = value
            return resp, exc.code
        if _wants_html():
            return _error_page(exc.code or 500, description, exc.get_headers())
        return exc

    @app.errorhandler(psycopg.errors.DeadlockDetected)
    @app.errorhandler(psycopg.errors.SerializationFailure)
    def concurrent(exc: Exception):
        # SQLSTATE 40P01 and 40001: PostgreSQL rolled this transaction back for another
        # that took the same rows; a refusal to retry, not a failure of the server
        log.warning("%s on %s %s: %s", type(exc).__name__, request.method, request.path,
                    str(exc).splitlines()[0] if str(exc) else "")
        return anpr_error(ConcurrentChange(
            "another change to the same data came in at the same moment; nothing was "
            "changed: try again"))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        _undo_and_record(500, "internal_error", "internal error")
        if _wants_html():
            return _error_page(500, "")
        return jsonify({"error": "internal_error",
                        "message": "an internal error occurred; it has been logged",
                        "bericht": bericht("", 500)}), 500


def _undo_and_record(status: int, code: str, message: str) -> None:
    """A refused or failed request changes nothing: roll back its transaction. A refused
    write by a logged-in user is then recorded in the audit log (attempts are visible)."""
    from flask import g

    conn = g.get("conn")
    if conn is None:
        return
    try:
        conn.rollback()
        account = g.get("account")
        if (400 <= status < 500 and request.method not in ("GET", "HEAD", "OPTIONS")
                and account is not None and code not in ("csrf", "access")):
            from anpr import audit

            audit.record(conn, account.username, "request.refused", request.path[:200],
                         method=request.method, status=status, error=code,
                         message=message[:300])
            conn.commit()
    except Exception:  # the database itself may be what failed; the response still goes out
        log.exception("could not roll back or record the refused request")
