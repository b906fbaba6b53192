"""The services a web process builds once and hands to every request that needs them:
the database pool (``webmap.db``) and the photo vault (:func:`photo_vault`: the configured
store and the keys of each capture day and enquiry, R13). Handlers ask here; none
assembles a service itself."""
from __future__ import annotations

from pathlib import Path

from flask import current_app

from ingest.images import PhotoVault, open_vault


def photo_vault() -> PhotoVault:
    """The app's photo vault, made on first use (nothing at import or app creation), from
    the settings and, where the app is given one, its own ``ANPR_HOME``."""
    vault = current_app.extensions.get("anpr_vault")
    if vault is None:
        home = current_app.config.get("ANPR_HOME")
        vault = open_vault(current_app.config["ANPR_SETTINGS"], current_app.config["DATABASE_URL"],
                           Path(home) if home else None)
        current_app.extensions["anpr_vault"] = vault
    return vault
