"""Hot reads across workers: two apps (as two gunicorn workers are two processes, each with
its own memory) on one database. With a shared Redis, a write through one worker empties the
other's cached answers at once; with memory only, the other's copy lives HOT_CACHE_TTL at most.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest

from marketplace import create_app
from marketplace.extensions import db
from tests.factories import headers_for, make_product, make_shop, make_user

pytestmark = pytest.mark.live


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_url():
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    port = _free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        import redis

        client = redis.Redis(port=port)
        for _ in range(50):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(10)


def worker(app, **config):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "RATELIMIT_STORAGE_URI": "memory://",
            **config,
        }
    )


def scene():
    product = make_product(make_shop(), price=50000)
    officer = make_user("officer")
    return product.id, headers_for(officer)


def suspend(client, product_id, headers):
    response = client.post(
        f"/api/v1/products/{product_id}/suspend", json={"reason": "Hàng giả"}, headers=headers
    )
    assert response.status_code == 200, response.get_json()


def test_a_write_on_one_worker_reaches_the_others_cache_at_once_through_redis(app, redis_url):
    product_id, officer = scene()
    one, two = worker(app, REDIS_URL=redis_url), worker(app, REDIS_URL=redis_url)
    reader, writer = one.test_client(), two.test_client()
    try:
        assert reader.get(f"/api/v1/products/{product_id}").status_code == 200
        cached = reader.get(f"/api/v1/products/{product_id}")
        assert cached.headers["X-Cache"] == "hit"
        suspend(writer, product_id, officer)
        assert reader.get(f"/api/v1/products/{product_id}").status_code == 404
    finally:
        for one_app in (one, two):
            with one_app.app_context():
                db.session.remove()
                for engine in db.engines.values():
                    engine.dispose()


def test_without_redis_the_other_workers_copy_lives_the_ttl_at_most(app):
    product_id, officer = scene()
    one, two = worker(app, HOT_CACHE_TTL=0.5), worker(app, HOT_CACHE_TTL=0.5)
    reader, writer = one.test_client(), two.test_client()
    try:
        assert reader.get(f"/api/v1/products/{product_id}").status_code == 200
        suspend(writer, product_id, officer)
        # The writer's own worker knows at once.
        assert writer.get(f"/api/v1/products/{product_id}").status_code == 404
        time.sleep(0.6)
        assert reader.get(f"/api/v1/products/{product_id}").status_code == 404
    finally:
        for one_app in (one, two):
            with one_app.app_context():
                db.session.remove()
                for engine in db.engines.values():
                    engine.dispose()
