"""Pooled PostgreSQL connections are pinged only after sitting idle: a connection the server
dropped while it waited in the pool is replaced before a request sees it, and a busy pool pays
no ping (database.ping_after_idle)."""

from __future__ import annotations

import time
import uuid

import psycopg
import pytest
from sqlalchemy.engine import make_url

from marketplace.database import PING_AFTER_IDLE_SECONDS, engine_options
from marketplace.extensions import db
from tests.test_database_timeouts import app_on, get, serving

pytestmark = [pytest.mark.usefixtures("restore_limiter"), pytest.mark.live]


@pytest.fixture
def named_app(database_url, tmp_path):
    """An app on the test database whose connections carry a name of their own."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to drop a connection")
    name = f"ping-{uuid.uuid4().hex[:8]}"
    options = engine_options(database_url)
    options["connect_args"] = {**options["connect_args"], "application_name": name}
    app = app_on(database_url, tmp_path, SQLALCHEMY_ENGINE_OPTIONS=options)
    admin = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    return app, name, admin


def _pings(app) -> list[float]:
    """Spy on the dialect's ping (it still pings): the times it was called."""
    with app.app_context():
        dialect = db.engine.dialect
    calls: list[float] = []
    real_ping = dialect.do_ping

    def counted(dbapi_connection):
        calls.append(time.monotonic())
        return real_ping(dbapi_connection)

    dialect.do_ping = counted
    return calls


def _terminate(admin: str, name: str) -> int:
    with psycopg.connect(admin, autocommit=True) as conn:
        return len(
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s",
                (name,),
            ).fetchall()
        )


def test_a_connection_dropped_while_idle_in_the_pool_is_replaced_unseen(named_app):
    app, name, admin = named_app
    with serving(app) as base:
        assert get(base, "/api/v1/categories").status_code == 200
        assert _terminate(admin, name) >= 1
        time.sleep(PING_AFTER_IDLE_SECONDS + 0.2)
        answer = get(base, "/api/v1/categories")
        assert answer.status_code == 200, answer.text[:300]
        assert get(base, "/api/v1/products").status_code == 200


def test_a_busy_pool_pays_no_ping_and_an_idle_one_pings_once(named_app):
    app, _name, _admin = named_app
    pings = _pings(app)
    with serving(app) as base:
        for _ in range(20):
            assert get(base, "/api/v1/categories").status_code == 200
        assert pings == []  # one connection, back in the pool a moment before each request
        time.sleep(PING_AFTER_IDLE_SECONDS + 0.2)
        assert get(base, "/api/v1/categories").status_code == 200
        assert len(pings) == 1
