"""The account's own page and its JSON API, for every role: who you are, your live
sessions (end any other one) and your own password (R10). Thin handlers over
anpr.accounts; a session of another account answers exactly as one that does not exist.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, jsonify, render_template, session

from anpr import accounts, clock
from webmap.auth import csrf_token, current_account, requires
from webmap.db import get_conn
from webmap.navigation import ROLE_NAMES
from webmap.openapi import ERROR, register_paths
from webmap.payload import json_object
from webmap.schemas import DATE_TIME, ref

account_api = Blueprint("account_api", __name__)
account_pages = Blueprint("account_pages", __name__)

EVERY_ROLE = accounts.ROLES


def _me() -> dict:
    acc = current_account()
    row = get_conn().execute("SELECT last_login_at FROM account WHERE id = %s",
                             (acc.id,)).fetchone()
    return {"username": acc.username, "full_name": acc.full_name, "role": acc.role,
            "role_nl": ROLE_NAMES.get(acc.role, acc.role), "unit": acc.unit_code,
            "last_login_at": row["last_login_at"] if row else None}


def _sessions() -> list[dict]:
    web = current_app.config["ANPR_SETTINGS"].web
    mine = accounts.session_id_of(session.get("sid"))
    rows = accounts.live_sessions(get_conn(), current_account().id,
                                  idle=timedelta(minutes=web.session_idle_minutes),
                                  max_age=timedelta(hours=web.session_max_hours))
    return [{"id": r["id"], "started_at": r["created_at"], "last_seen": r["last_seen"],
             "source": r["source"], "current": r["id"] == mine} for r in rows]


@account_api.get("/account")
@requires(*EVERY_ROLE)
def get_account():
    return jsonify(_me())


@account_api.get("/account/sessions")
@requires(*EVERY_ROLE)
def list_sessions():
    return jsonify(_sessions())


@account_api.delete("/account/sessions/<session_id>")
@requires(*EVERY_ROLE)
def end_session(session_id: str):
    accounts.end_own_session(get_conn(), current_account(), session_id[:128],
                             session.get("sid"))
    return jsonify(_sessions())


@account_api.post("/account/password")
@requires(*EVERY_ROLE)
def change_password():
    body = json_object()
    ended = accounts.change_own_password(get_conn(), current_account(), session.get("sid"),
                                         body["current"], body["new"], body["repeat"])
    return jsonify({"changed": True, "sessions_ended": ended, "csrf_token": csrf_token()})


@account_pages.get("/account")
@requires(*EVERY_ROLE)
def account_page():
    return render_template("account.html", me=_me(), sessions=_sessions(), tz=clock.AMSTERDAM)


_ME = {"type": "object", "required": ["username", "role", "role_nl"], "properties": {
    "username": {"type": "string"}, "full_name": {"type": "string"},
    "role": {"enum": list(EVERY_ROLE)}, "role_nl": {"type": "string",
                                                   "description": "the role in Dutch"},
    "unit": {"type": ["string", "null"]},
    "last_login_at": {"anyOf": [DATE_TIME, {"type": "null"}]}}}
_SESSIONS = {"type": "array", "items": {
    "type": "object", "required": ["id", "started_at", "last_seen", "current"], "properties": {
        "id": {"type": "string", "description": "the session's id (the SHA-256 the server "
                                                "keeps of the cookie's token)"},
        "started_at": DATE_TIME, "last_seen": DATE_TIME,
        "source": {"type": ["string", "null"], "description": "address it started from"},
        "current": {"type": "boolean", "description": "the session of this call"}}}}
_SID = {"name": "session_id", "in": "path", "required": True,
        "schema": {"type": "string", "minLength": 1, "maxLength": 128}}
register_paths({
    "/api/v1/account": {"get": {
        "summary": "Who is logged in: name, role (also in Dutch), unit, last login",
        "responses": {"200": {"description": "ok", "content": {
            "application/json": {"schema": _ME}}}}}},
    "/api/v1/account/sessions": {"get": {
        "summary": "The caller's own live sessions, newest first; this one is marked current",
        "responses": {"200": {"description": "ok", "content": {
            "application/json": {"schema": _SESSIONS}}}}}},
    "/api/v1/account/sessions/{session_id}": {"delete": {
        "summary": "End one of the caller's other sessions; answers the sessions left",
        "description": "A session of another account answers 404, as an unknown id does; "
                       "the current session is ended by logging out (409).",
        "parameters": [_SID],
        "responses": {"200": {"description": "the sessions left", "content": {
            "application/json": {"schema": _SESSIONS}}}, "404": ERROR, "409": ERROR}}},
    "/api/v1/account/password": {"post": {
        "summary": "Change the caller's own password; the account's other sessions end",
        "description": "The current password must be right (a wrong one is refused with "
                       "403, audit-logged and counted as a failed login: five lock the "
                       "account and end its sessions); the new one, given twice, needs at "
                       f"least {accounts.MIN_PASSWORD} characters.",
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": ref("PasswordChange")}}},
        "responses": {"200": {"description": "changed", "content": {"application/json": {
            "schema": {"type": "object", "required": ["changed", "sessions_ended"],
                       "properties": {"changed": {"type": "boolean"},
                                      "sessions_ended": {"type": "integer", "minimum": 0},
                                      "csrf_token": {"type": "string"}}}}}}}}},
})
