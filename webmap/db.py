"""A connection pool per app and one connection per request (Flask tutorial style)."""
from __future__ import annotations

from flask import Flask, current_app, g
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool


def init_app(app: Flask) -> None:
    pool = ConnectionPool(
        app.config["DATABASE_URL"],
        min_size=1,
        max_size=app.config["ANPR_SETTINGS"].database.pool_size,
        kwargs={"row_factory": dict_row},
        open=True,
        name="anpr-web",
    )
    app.extensions["anpr_pool"] = pool

    @app.teardown_appcontext
    def release(exc):
        ctx = g.pop("conn_ctx", None)
        if ctx is not None:
            ctx.__exit__(type(exc) if exc else None, exc, None)


def get_conn():
    """The request's connection; committed at teardown unless the request failed."""
    if "conn" not in g:
        ctx = current_app.extensions["anpr_pool"].connection()
        g.conn_ctx = ctx
        g.conn = ctx.__enter__()
    return g.conn
