"""Public HTML pages of the camera plans: the Staatscourant listing, downloads, the
public map and the diff between years. No login, ever: only published plans show."""
from __future__ import annotations

from flask import Blueprint, Response, render_template

from camera_registry import plans, publication
from webmap.db import get_conn

plan_pages = Blueprint("plan_pages", __name__)


@plan_pages.get("/plans")
def index():
    return render_template("plan_index.html",
                           plans=plans.list_plans(get_conn(), published_only=True))


@plan_pages.get("/plans/<int:year>", endpoint="publication")
def publication_page(year: int):
    return render_template("plan_publication.html", data=publication.listing(get_conn(), year),
                           formats=list(publication.FORMATS))



@plan_pages.get("/plans/<int:year>/cameraplan.<fmt>")
def download(year: int, fmt: str):
    body, media, name = publication.export_plan(get_conn(), year, fmt)
    return Response(body, mimetype=media.split(";")[0], headers={
        "Content-Disposition": f'attachment; filename="{name}"'})


@plan_pages.get("/plans/map")
@plan_pages.get("/plans/<int:year>/map")
def public_map(year: int | None = None):
    # The criteria of art. 3 lid 2 in words, for the legend and the popups.
    return render_template("public_map.html", year=year, criteria=plans.CRITERIA)


@plan_pages.get("/plans/diff/<int:year_a>/<int:year_b>")
def diff_page(year_a: int, year_b: int):
    conn = get_conn()
    for y in (year_a, year_b):
        publication.published_plan(conn, y)  # a draft answers as no plan at all
    return render_template("plan_diff.html", d=plans.diff(conn, year_a, year_b))

# Public for ever: declared so a default-deny access layer lets them by.
for _view in (index, publication_page, download, public_map, diff_page):
    _view.anpr_access = "public"
