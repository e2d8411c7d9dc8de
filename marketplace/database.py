"""Engine set-up per database: SQLite made safe for concurrent writers with its readers left
free, PostgreSQL pinged; ``read_only`` views that run their queries outside a transaction."""

from __future__ import annotations

import functools

import sqlalchemy as sa
from flask import Flask, g, has_request_context, request
from sqlalchemy import event

from marketplace.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 30_000
# HTTP's safe methods: they read and never write (RFC 9110, 9.2.1).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _configure_sqlite(engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        # Let SQLAlchemy, not the driver, decide when transactions begin (see on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql(_sqlite_begin())


def _sqlite_begin() -> str:
    """How a SQLite transaction starts: writers take the write lock up front, readers don't.

    A transaction that reads then writes would fail at once with "database is locked" when it
    tries to upgrade its lock; taking the write lock up front (IMMEDIATE) makes it wait its turn
    instead. A GET never writes, and under WAL a reader needs no lock at all: starting its
    transaction IMMEDIATE too would make every page and list wait behind every checkout, and
    behind each other, across all the workers of a laptop install. A view marked ``read_only``
    never writes either, whatever its method (a checkout's quote is a POST).
    """
    if has_request_context() and (request.method in SAFE_METHODS or g.get("read_only")):
        return "BEGIN"
    return "BEGIN IMMEDIATE"


def configure_engines(app: Flask) -> None:
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                _configure_sqlite(engine)


def engine_options(uri: str) -> dict:
    if uri.startswith("sqlite"):
        return {}
    return {"pool_pre_ping": True}


def read_only(view):
    """Run the view's queries in autocommit on PostgreSQL: for views that never write.

    A read otherwise opens a transaction and rolls it back at teardown: two round trips, and
    psycopg 3 forgets its prepared statements on every ROLLBACK (``Connection.rollback`` clears
    its cache and deallocates them on the server), so a list's queries were parsed and planned
    anew on every request. Outside a transaction they are prepared after five runs on a pooled
    connection and reused. Under READ COMMITTED each statement takes its own snapshot anyway:
    the answer is the same.
    A view marked so must not write, since each write would commit on its own. On SQLite its
    transactions begin without taking the write lock.
    """

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        g.read_only = True
        session = db.session()
        bind = session.get_bind()
        # Only a session of its own on an engine: not one joined to a caller's connection
        # (tests), nor one already in a transaction.
        if (
            isinstance(bind, sa.Engine)
            and bind.dialect.name == "postgresql"
            and not session.in_transaction()
        ):
            session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        return view(*args, **kwargs)

    return wrapper
