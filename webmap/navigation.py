"""Where each role can go: one table for the navigation bar of every page and for the page
a login lands on (issue 13: never a page without a way out).

Each entry is (key, Dutch label, endpoint); a role sees only the pages its door lets it in
(tests/test_navigation.py follows every link of every role and expects no refusal).
"""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import Flask, url_for

NAV: dict[str, tuple[tuple[str, str, str], ...]] = {
    "officer": (("dashboard", "Overzicht", "casework_pages.dashboard"),
                ("new", "Nieuw verzoek", "casework_pages.new_request"),
                ("provided", "Geleverde resultaten", "analyst_pages.index"),
                ("map", "Kaart", "pages.map_page"),
                ("plans", "Cameraplannen", "plan_pages.index")),
    "analyst": (("provided", "Geleverde resultaten", "analyst_pages.index"),
                ("map", "Kaart", "pages.map_page"),
                ("plans", "Cameraplannen", "plan_pages.index")),
    "requester": (("provided", "Geleverde resultaten", "analyst_pages.index"),
                  ("plans", "Cameraplannen", "plan_pages.index")),
    "plan_editor": (("registry", "Cameraregister", "registry_api.editor_page"),
                    ("plans", "Cameraplannen", "plan_pages.index"),
                    ("map", "Kaart", "pages.map_page")),
    "auditor": (("monitor", "Rapportages", "reports_pages.monitor_page"),
                ("privacy", "Privacy-audit", "reports_pages.privacy_audit_page"),
                ("map", "Kaart", "pages.map_page"),
                ("plans", "Cameraplannen", "plan_pages.index")),
    "admin": (("map", "Kaart", "pages.map_page"),
              ("monitor", "Rapportages", "reports_pages.monitor_page"),
              ("privacy", "Privacy-audit", "reports_pages.privacy_audit_page"),
              ("plans", "Cameraplannen", "plan_pages.index")),
}
#: Every logged-in role reaches its own account page (who, sessions, password).
ACCOUNT = ("account", "Account", "account_pages.account_page")
NAV = {role: (*entries, ACCOUNT) for role, entries in NAV.items()}
PUBLIC_NAV = (("plans", "Cameraplannen", "plan_pages.index"),
              ("public-map", "Openbare kaart", "plan_pages.public_map"))
ROLE_NAMES = {"officer": "opsporingsambtenaar", "analyst": "analist", "requester": "aanvrager",
              "plan_editor": "cameraplanbeheer", "auditor": "privacy-auditor",
              "admin": "beheerder"}


def _url(endpoint: str) -> str:
    if endpoint == "reports_pages.privacy_audit_page":
        return url_for(endpoint, year=date.today().year)
    return url_for(endpoint)


def links(account: Any) -> list[dict[str, str]]:
    entries = NAV.get(account.role, ()) if account is not None else PUBLIC_NAV
    return [{"key": k, "label": label, "href": _url(e)} for k, label, e in entries]


def start_page(account: Any) -> str:
    """The page a login lands on: the first of the role's navigation."""
    entries = NAV.get(account.role)
    return _url(entries[0][2]) if entries else url_for("plan_pages.index")


def init_app(app: Flask) -> None:
    @app.context_processor
    def _nav() -> dict[str, Any]:
        return {"site_nav": links, "role_name": ROLE_NAMES.get}
