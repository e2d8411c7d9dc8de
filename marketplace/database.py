"""Engine set-up per database: SQLite made safe for concurrent writers, PostgreSQL pinged."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event

from marketplace.extensions import db

SQLITE_BUSY_TIMEOUT_MS = 30_000


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
        # A transaction that reads then writes would fail at once with "database is locked"
        # when it tries to upgrade its lock; taking the write lock up front makes it wait.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def configure_engines(app: Flask) -> None:
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                _configure_sqlite(engine)


def engine_options(uri: str) -> dict:
    if uri.startswith("sqlite"):
        return {}
    return {"pool_pre_ping": True}
