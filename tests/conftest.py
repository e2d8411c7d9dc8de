"""Fixtures: one app per run on a real database, each test inside a rolled-back transaction.

SQLite by default; set TEST_DATABASE_URL to a PostgreSQL server URL
(``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``) to run the same suite there:
a fresh database is created for the run and dropped afterwards. Tests marked ``live``
serve the app for real (threads, peers) on committed data and clean up by truncating.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import threading
import uuid
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from marketplace import create_app
from marketplace.extensions import db, limiter
from tests import factories

# Media storage on both backends: local folder and a moto S3 server (s3_server, media_backend…);
# the notification channels' peers: an SMS gateway and an SMTP server (sms_gateway, smtp_server…).
pytest_plugins = [
    "tests.factories.storage",
    "tests.factories.messaging",
    "tests.factories.browser",
]

# Tables whose rows come from the migrations, kept when live tests clean up.
SEEDED_TABLES = {"categories", "alembic_version"}


def pytest_configure(config):
    config.addinivalue_line("markers", "live: serves the app for real on committed data")
    config.addinivalue_line(
        "markers", "hosts: two app hosts in network namespaces behind nginx (tests/hosts/)"
    )
    # `make install` compiles the catalogues; a catalogue edited since then is compiled here.
    from marketplace.i18n import compile_catalogues

    compile_catalogues()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    server_url = os.environ.get("TEST_DATABASE_URL")
    if not server_url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    url = make_url(server_url)
    if not url.drivername.startswith("postgresql"):
        raise pytest.UsageError("TEST_DATABASE_URL must be a PostgreSQL URL")
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin_dsn = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    # No skip: a missing PostgreSQL server fails the run loudly.
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "MEDIA_ROOT": str(tmp_path_factory.mktemp("media")),
            "RATELIMIT_STORAGE_URI": "memory://",
            # Fast hashing keeps the suite quick; production uses scrypt.
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade(
            directory=str(Path(__file__).resolve().parent.parent / "migrations"), revision="heads"
        )
    yield app
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


class IsolatedClient(FlaskClient):
    """Runs each request in its own app context, as a real server does.

    Without this, a request would reuse the test's app context and share ``g`` and the
    session with it. After the request, the test's session forgets what it had loaded.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        with contextlib.suppress(RuntimeError):
            db.session.expire_all()
        return response


@pytest.fixture(autouse=True)
def _isolation(request, app):
    limiter.reset()
    if request.node.get_closest_marker("live"):
        with app.app_context():
            yield
            db.session.remove()
            _truncate_all()
        return
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original_session = db.session
        # A plain Session: Flask-SQLAlchemy's own would route to the engine, not this
        # connection, and so escape the outer transaction.
        db.session = sa.orm.scoped_session(
            sa.orm.sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=_app_ctx_id,
        )
        try:
            yield
        finally:
            db.session.remove()
            db.session = original_session
            outer.rollback()
            connection.close()


def _truncate_all():
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in SEEDED_TABLES]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.exec_driver_sql(f"TRUNCATE {names} CASCADE")
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def restore_limiter(app):
    """For tests that build other apps: the limiter is one object, re-bound by each init_app."""
    yield
    limiter.limit_manager.set_default_limits([])
    limiter.init_app(app)
    limiter.reset()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def live_server(app):
    """The app served by a threaded WSGI server on 127.0.0.1; yields its base URL.

    Use only in tests marked ``live`` (data must be committed to be seen by the server).
    """
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """``with count_queries() as counter: …`` counts the SQL statements run inside (with the
    hot-read cache off: what is counted is the work of a fresh answer)."""

    @contextlib.contextmanager
    def counting():
        counter = QueryCounter()
        hot_cache = app.extensions["hot_cache"]
        hot_cache.enabled = False

        def record(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
                counter.statements.append(statement)

        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            yield counter
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
            hot_cache.enabled = True

    return counting


@pytest.fixture
def app_config(app):
    """``app_config(KEY=value, …)`` changes the (session-wide) app's configuration for one
    test; every key is put back as it was afterwards, absent keys removed again."""
    missing = object()
    saved: dict = {}

    def change(**values):
        for key, value in values.items():
            saved.setdefault(key, app.config.get(key, missing))
            app.config[key] = value

    yield change
    for key, value in saved.items():
        if value is missing:
            app.config.pop(key, None)
        else:
            app.config[key] = value


@pytest.fixture
def auth(app):
    """Builders for signed-in users: ``auth.user("artisan")`` → (user, headers)."""
    return factories.AuthHelper()
