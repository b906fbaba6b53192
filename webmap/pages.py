"""HTML pages: the officers' map shell."""
from __future__ import annotations

from flask import Blueprint, render_template

pages = Blueprint("pages", __name__)


@pages.get("/")
def map_page():
    return render_template("map.html")
