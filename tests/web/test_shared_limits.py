"""Rate limits hold for the whole server, not per worker: two real gunicorn servers on one
database (and, when REDIS_URL is set, one Redis) count the same registrations and failures.

Each server is a separate process serving ``wsgi:app`` as ``make run`` does, configured only by
the environment; requests alternate between them, so a counter kept in one process's memory
would let every other request through.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import requests

from tests.factories.services import redis_url_of_this_run
from tests.factories.storage import free_port

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = redis_url_of_this_run()
READY_DEADLINE_SECONDS = 90

pytestmark = pytest.mark.live


def _environment(database_url: str, media_root: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("RATELIMIT_", "REDIS_URL", "DATABASE_URL", "MEDIA_"))
    }
    env.update(
        {
            # This worktree's code first, whatever the venv has installed.
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": database_url,
            "SECRET_KEY": "shared-limits",
            "MEDIA_ROOT": str(media_root),
            "RATELIMIT_REGISTER": "3 per hour",
            "RATELIMIT_LOGIN_FAILURES": "3 per 15 minutes",
            **extra,
        }
    )
    return env


def _wait_until_ready(process: subprocess.Popen, base_url: str) -> None:
    """Poll /healthz until the server answers; fail when the process dies or never answers."""
    import time

    deadline = time.monotonic() + READY_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited: {process.stderr.read()[-3000:]}")
        try:
            if requests.get(f"{base_url}/healthz", timeout=10).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.2)
    raise AssertionError(f"gunicorn did not answer at {base_url}")


def _serve(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(  # noqa: S603 (our venv's gunicorn, fixed arguments)
        [str(gunicorn), "--workers", "1", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, f"http://127.0.0.1:{port}"


@pytest.fixture
def start_servers(app, database_url, tmp_path) -> Iterator:
    """``start_servers(**env)``: two gunicorn servers sharing the test database (and whatever
    ``env`` adds), ready to answer; their base URLs. Stopped after the test."""
    started: list[subprocess.Popen] = []

    def start(**extra: str) -> list[str]:
        env = _environment(database_url, tmp_path / "media", extra)
        servers = [_serve(env) for _ in range(2)]
        started.extend(process for process, _ in servers)
        for process, url in servers:
            _wait_until_ready(process, url)
        return [url for _, url in servers]

    yield start
    for process in started:
        process.terminate()
    for process in started:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stderr.close()


@pytest.fixture
def redis_store() -> Iterator[dict[str, str]]:
    """A Redis database and a key prefix of this test's own; the keys are removed after."""
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()  # fails loudly when the Redis server the test needs is missing
    prefix = f"shared-limits-{uuid.uuid4().hex[:8]}"
    yield {"REDIS_URL": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix}
    for key in client.scan_iter(match=f"*{prefix}*"):
        client.delete(key)
    client.close()


def _alternating(urls: list[str], count: int, path: str, body: dict) -> list[int]:
    return [
        requests.post(urls[n % 2] + path, json=body, timeout=30).status_code for n in range(count)
    ]


def _limits_hold(urls: list[str]) -> None:
    # An invalid body creates no account, but the attempt still counts.
    assert _alternating(urls, 4, "/api/v1/auth/register", {"name": "x"}) == [422, 422, 422, 429]
    failures = _alternating(
        urls, 5, "/api/v1/auth/token", {"login": "nobody@example.test", "password": "guess"}
    )
    assert failures == [401, 401, 401, 429, 429]


def test_limits_hold_across_servers_without_redis(start_servers):
    _limits_hold(start_servers())


def test_limits_hold_across_servers_with_redis(start_servers, redis_store):
    _limits_hold(start_servers(**redis_store))
