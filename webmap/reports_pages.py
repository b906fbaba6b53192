"""Monitoring and privacy-audit pages for auditors and administrators."""
from __future__ import annotations

from datetime import date, timedelta

from flask import render_template, Blueprint, Response, current_app, request

from anpr import clock
from anpr.errors import BadInput, NotFound
from webmap.auth import requires
from webmap.db import get_conn

reports_pages = Blueprint("reports_pages", __name__)


def _period() -> tuple[date, date]:
    today = clock.now().astimezone(clock.AMSTERDAM).date()
    try:
        start = date.fromisoformat(request.args.get("from") or str(today.replace(day=1)))
        end = date.fromisoformat(request.args.get("to") or str(today))
    except ValueError as exc:
        raise BadInput("from and to must be dates (YYYY-MM-DD)") from exc
    if end < start or end - start > timedelta(days=3660):
        raise BadInput("the period must run forward and span at most ten years")
    return start, end


@reports_pages.get("/reports/monitor")
@requires("auditor", "admin")
def monitor_page():
    from casework import reports
    from ingest.rollup import refresh, stored_days

    start, end = _period()
    conn = get_conn()
    refresh(conn, [d for d in stored_days(conn) if start <= d <= end])
    tables = reports.monitor(conn, start, end)
    return _page(reports.render_html(tables, reports.charts(conn, start, end),
                                     f"Monitor 126jj {start:%d-%m-%Y} t/m {end:%d-%m-%Y}",
                                     stylesheets=_stylesheets()))


def _stylesheets() -> list[str]:
    from flask import url_for

    return [url_for("static", filename="css/app.css")]


def _page(html: str) -> Response:
    """A report with the site's navigation bar (templates/_nav.html) at its top."""
    nav = render_template("_nav.html")
    html = html.replace('<body class="report">', '<body class="report">' + nav, 1)
    return Response(html, mimetype="text/html")


@reports_pages.get("/reports/monitor/<key>.csv")
@requires("auditor", "admin")
def monitor_csv(key: str):
    from casework import reports

    start, end = _period()
    for t in reports.monitor(get_conn(), start, end):
        if t.key == key:
            return Response(t.to_csv(), mimetype="text/csv", headers={
                "Content-Disposition": f'attachment; filename="{key}.csv"'})
    raise NotFound(f"no table {key!r}")


@reports_pages.get("/reports/privacy-audit/<int:year>")
@requires("auditor", "admin")
def privacy_audit_page(year: int):
    from casework import reports

    if not 2019 <= year <= 2100:
        raise BadInput("year out of range")
    home = current_app.config["ANPR_SETTINGS"].database.home  # the signed checkpoints (R6)
    return _page(reports.render_html(reports.privacy_audit(get_conn(), year, home), {},
                                     f"Privacy-audit 126jj {year}", stylesheets=_stylesheets()))
