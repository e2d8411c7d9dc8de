"""Rate limits: shared through Redis when REDIS_URL is set, and the optional default limit."""

from __future__ import annotations

import uuid

import pytest
import redis

from marketplace import create_app
from tests.factories.services import redis_url_of_this_run

REDIS_URL = redis_url_of_this_run()


pytestmark = pytest.mark.usefixtures("restore_limiter")


@pytest.fixture
def redis_prefix():
    """Database 15 of the local Redis is this test's own: emptied before and after."""
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()  # fails loudly when the Redis server the test needs is missing
    client.flushdb()
    yield f"test-{uuid.uuid4().hex[:8]}"
    client.flushdb()
    client.close()


def make_worker(monkeypatch, database_url, prefix):
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    return create_app(
        {
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_KEY_PREFIX": prefix,
            "RATELIMIT_REGISTER": "3 per hour",
        }
    )


def test_two_workers_share_limits_through_redis(monkeypatch, database_url, redis_prefix):
    first = make_worker(monkeypatch, database_url, redis_prefix)
    second = make_worker(monkeypatch, database_url, redis_prefix)
    assert first.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
    statuses = []
    for n in range(4):
        worker = (first, second)[n % 2]
        # An invalid body: no account is created, but the attempt still counts.
        response = worker.test_client().post("/api/v1/auth/register", json={"n": n})
        statuses.append(response.status_code)
    assert statuses == [422, 422, 422, 429]


def test_default_limit_applies_to_api_calls(monkeypatch, database_url):
    monkeypatch.setenv("RATELIMIT_DEFAULT", "2 per minute")
    app = create_app(
        {
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    client = app.test_client()
    statuses = [client.get("/api/v1/me").status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
    body = client.get("/api/v1/me").get_json()
    assert body["error"]["code"] == "rate_limited"
    assert client.get("/healthz").status_code == 200
