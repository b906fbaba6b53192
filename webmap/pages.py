"""HTML pages: the officers' map shell."""
from __future__ import annotations

from flask import Blueprint, render_template

from webmap.api import STAFF
from webmap.auth import requires

pages = Blueprint("pages", __name__)


@pages.get("/")
@requires(*STAFF)
def map_page():
    return render_template("map.html")
