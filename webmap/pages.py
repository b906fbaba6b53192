"""HTML pages: the officers' map shell."""
from __future__ import annotations

from flask import current_app, Blueprint, render_template

from webmap.api import STAFF
from webmap.auth import requires

pages = Blueprint("pages", __name__)


@pages.get("/")
@requires(*STAFF)
def map_page():
    web = current_app.config["ANPR_SETTINGS"].web
    return render_template("map.html", tile_url=web.map_tile_url,
                           tile_attribution=web.map_tile_attribution)
