"""The officers' casework pages: login, dashboard, request form, request, verification
and photo approval (issue 5). Thin: pages render a shell with the data the server
already has; the actions go through the JSON API (webmap/casework_api.py), so the rules
are enforced in one place and the pages cannot bypass them.
"""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, url_for

from anpr import clock
from anpr.errors import Forbidden, NotFound, TooManyAttempts, Unauthenticated
from casework import overview
from casework import requests as req_mod
from webmap.auth import authenticate, current_account, login, logout, public, requires
from webmap.db import get_conn
from webmap.messages_nl import bericht

casework_pages = Blueprint("casework_pages", __name__)

# The domain speaks English to the API; the login page answers officers in Dutch. Every
# refused login reads the same (R10): the page does not tell a locked or suspended
# account from an unknown one, it only says what happens after repeated failures.
LOGIN_MESSAGES = {
    "unknown user or wrong password":
        "Onbekende gebruikersnaam of verkeerd wachtwoord. Na vijf mislukte pogingen wordt "
        "een account een kwartier geblokkeerd; neem bij twijfel contact op met de beheerder.",
}


@casework_pages.errorhandler(Unauthenticated)
def _to_login(exc: Unauthenticated):
    """A page asked without a session goes to the login form, and back after it."""
    return redirect(url_for("casework_pages.login_page", next=request.full_path.rstrip("?")))


@casework_pages.errorhandler(Forbidden)
def _forbidden(exc: Forbidden):
    return render_template("casework/error.html", message=bericht(exc.message, 403)), 403


@casework_pages.errorhandler(NotFound)
def _not_found(exc: NotFound):
    # The same words for a request that does not exist and one the officer has no
    # relation to (casework.access): guessing ids reveals nothing.
    return render_template("casework/error.html",
                           message="Niet gevonden: dit verzoek bestaat niet of u heeft er "
                                   "geen toegang toe."), 404


def _safe_next(target: str | None) -> str:
    """Only a local path: a login form must not become an open redirect."""
    if not target:
        return url_for("casework_pages.dashboard")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("casework_pages.dashboard")
    return target


@casework_pages.route("/login", methods=["GET", "POST"])
@public
def login_page():
    error = None
    status = 200
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "")[:64]
        try:
            acc = authenticate(username, request.form.get("password", "")[:256])
        except (Unauthenticated, Forbidden, TooManyAttempts) as exc:
            error = LOGIN_MESSAGES.get(exc.message) or bericht(exc.message, exc.status)
            status = exc.status
        else:
            login(acc)
            # Back where a page sent the person to log in, else the role's start page
            # (webmap/navigation.py): the dashboard for officers.
            from webmap.navigation import start_page

            return redirect(_safe_next(request.args.get("next") or start_page(acc)))
    return render_template("casework/login.html", error=error, username=username), status


@casework_pages.post("/logout")
@public
def logout_page():
    logout()
    return redirect(url_for("casework_pages.login_page"))


@casework_pages.get("/dashboard")
@requires("officer")
def dashboard():
    conn = get_conn()
    acc = current_account()
    status = request.args.get("status") or None
    if status not in (None, "registered", "confirmed", "rejected", "cancelled", "provided",
                      "completed"):
        status = None
    mine = request.args.get("mine") == "1"
    if not acc.unit_code:
        raise Forbidden("Uw account hoort niet bij een eenheid: er zijn geen verzoeken te zien.")
    data = req_mod.dashboard(conn, acc, status=status, mine=mine)
    rows = data["requests"]
    if request.args.get("overdue") == "1":
        rows = [r for r in rows if r["overdue"]]
    text = (request.args.get("q") or "").strip().lower()
    if text:
        rows = [r for r in rows if text in " ".join(str(r[k] or "") for k in (
            "reference", "investigation_number", "investigation_name", "officer")).lower()]
    processed = overview.processed_by_officer(conn, acc.unit_code)
    filters = {"status": status or "", "mine": mine,
               "overdue": request.args.get("overdue") == "1", "q": text}
    return render_template("casework/dashboard.html", data=data, rows=rows, tz=clock.AMSTERDAM,
                           processed=processed, filters=filters)


@casework_pages.get("/requests/new")
@requires("officer")
def new_request():
    return render_template("casework/request_new.html")


def _parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _unit_request(request_id: int) -> dict:
    """The request if the officer handles it (casework.access, as the API asks it); the
    rest is refused and logged, and a request without a relation is "not found"."""
    from casework.access import Level, require

    return require(get_conn(), current_account(), request_id, Level.VIEW)


@casework_pages.get("/requests/<int:request_id>")
@requires("officer")
def request_page(request_id: int):
    req = _unit_request(request_id)
    from casework import access

    versions = overview.versions(get_conn(), request_id)
    requester = None
    if req.get("requester_account_id") is not None:
        requester = get_conn().execute("SELECT username, full_name FROM account WHERE id = %s",
                                       (req["requester_account_id"],)).fetchone()
    return render_template("casework/request.html", req=req, versions=versions,
                           handovers=access.handovers(get_conn(), request_id),
                           requester_account=requester, tz=clock.AMSTERDAM, parse=_parse_iso)


@casework_pages.get("/requests/<int:request_id>/verify")
@requires("officer")
def verify_page(request_id: int):
    req = _unit_request(request_id)
    return render_template("casework/verify.html", req=req)


@casework_pages.get("/requests/<int:request_id>/photos")
@requires("officer")
def photos_page(request_id: int):
    req = _unit_request(request_id)
    if not req["photos"]:
        return render_template("casework/error.html",
                               message="Het bevel vraagt niet om foto's: er is niets goed te "
                                       "keuren."), 409
    return render_template("casework/photos.html", req=req)

