"""A database that does not answer costs a 503 within the configured timeouts, never a hung
worker: a peer that accepts connections and stays silent, a statement past the statement
timeout, a lock held too long, a pool with no free connection."""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import threading

import psycopg
import pytest
import requests
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from marketplace import create_app
from marketplace.database import engine_options
from marketplace.extensions import db

# Live: the apps below use their own engines, not the test's rolled-back connection.
pytestmark = [pytest.mark.usefixtures("restore_limiter"), pytest.mark.live]

# Only a guard against a hung test: far beyond the timeouts the apps below are given.
HANG_GUARD_SECONDS = 30


@pytest.fixture
def silent_peer():
    """A TCP server on 127.0.0.1 that accepts every connection and never sends a byte."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    held: list[socket.socket] = []
    stopping = threading.Event()

    def accept() -> None:
        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                connection, _ = listener.accept()
                held.append(connection)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stopping.set()
        thread.join(timeout=10)
        listener.close()
        for connection in held:
            connection.close()


@contextlib.contextmanager
def serving(app):
    """``app`` served by a threaded WSGI server on 127.0.0.1; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()


def app_on(url: str, tmp_path, **config):
    return create_app(
        {
            "SECRET_KEY": "timeouts",
            "SQLALCHEMY_DATABASE_URI": url,
            "MEDIA_ROOT": str(tmp_path / "media"),
            "RATELIMIT_STORAGE_URI": "memory://",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            **config,
        }
    )


def get(base: str, path: str, **kwargs):
    return requests.get(f"{base}{path}", timeout=HANG_GUARD_SECONDS, **kwargs)


def post(base: str, path: str, **kwargs):
    return requests.post(f"{base}{path}", timeout=HANG_GUARD_SECONDS, **kwargs)


def assert_unavailable(response, code="database_unavailable") -> None:
    assert response.status_code == 503, (response.status_code, response.text[:300])
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == code
    assert set(response.json()["error"]) == {"code", "message", "details"}


REGISTRATION = {"name": "Lò Thị Hoa", "password": "vai-lanh-2026", "email": "hoa@example.test"}


def test_a_database_that_accepts_and_never_answers_is_a_503_within_the_connect_timeout(
    silent_peer, tmp_path
):
    url = f"postgresql+psycopg://postgres@127.0.0.1:{silent_peer}/marketplace"
    app = app_on(url, tmp_path, DATABASE_CONNECT_TIMEOUT=2)
    with serving(app) as base:
        assert_unavailable(get(base, "/api/v1/products"))
        assert_unavailable(post(base, "/api/v1/auth/register", json=REGISTRATION))
        assert_unavailable(get(base, "/api/v1/me", headers={"Authorization": "Bearer x"}))


def test_a_statement_past_the_statement_timeout_is_a_503(database_url, tmp_path):
    if not database_url.startswith("postgresql"):
        pytest.skip("a statement timeout is PostgreSQL's; SQLite's lock wait is tested below")
    app = app_on(database_url, tmp_path, DATABASE_STATEMENT_TIMEOUT=1)

    @app.get("/api/v1/test-only/sleep")
    def sleep():
        db.session.execute(sa.text("SELECT pg_sleep(5)"))
        return {"slept": True}

    with serving(app) as base:
        assert_unavailable(get(base, "/api/v1/test-only/sleep"))
        # The connection that was cancelled serves the next request.
        assert get(base, "/api/v1/categories").status_code == 200


def test_a_table_locked_past_the_statement_timeout_is_a_503(database_url, tmp_path):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's lock wait; SQLite's is tested below")
    app = app_on(database_url, tmp_path, DATABASE_STATEMENT_TIMEOUT=1)
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    with serving(app) as base, psycopg.connect(dsn) as locker:
        locker.execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        assert_unavailable(post(base, "/api/v1/auth/register", json=REGISTRATION))
        locker.rollback()


def test_sqlite_locked_past_the_timeout_is_a_503_database_busy(tmp_path):
    path = tmp_path / "locked.db"
    app = app_on(f"sqlite:///{path}", tmp_path, DATABASE_STATEMENT_TIMEOUT=1)
    with app.app_context():
        db.create_all()
    with serving(app) as base:
        locker = sqlite3.connect(path, isolation_level=None)
        try:
            locker.execute("BEGIN IMMEDIATE")
            assert_unavailable(
                post(base, "/api/v1/auth/register", json=REGISTRATION), "database_busy"
            )
            locker.execute("ROLLBACK")
        finally:
            locker.close()
        assert post(base, "/api/v1/auth/register", json=REGISTRATION).status_code == 201


def test_no_free_connection_in_the_pool_is_a_503(database_url, tmp_path):
    options = engine_options(database_url, connect_timeout=1)
    app = app_on(
        database_url,
        tmp_path,
        SQLALCHEMY_ENGINE_OPTIONS={**options, "pool_size": 1, "max_overflow": 0},
    )
    with serving(app) as base:
        with app.app_context():
            held = db.engine.connect()
        try:
            assert_unavailable(get(base, "/api/v1/categories"))
        finally:
            held.close()
        assert get(base, "/api/v1/categories").status_code == 200


def test_postgresql_connections_carry_the_timeouts():
    options = engine_options(
        "postgresql+psycopg://u@db.internal/x", connect_timeout=3, statement_timeout=7
    )
    assert options["connect_args"]["connect_timeout"] == 3
    assert "-c statement_timeout=7000" in options["connect_args"]["options"]
    assert options["pool_timeout"] == 3
