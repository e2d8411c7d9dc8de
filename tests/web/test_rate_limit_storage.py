"""The ``database://`` rate-limit storage: fixed windows counted atomically in our database."""

from __future__ import annotations

import threading

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from marketplace import config as configuration
from marketplace.extensions import db
from marketplace.models import RateLimitCounter
from marketplace.web.rate_limit_storage import CLEAN_EVERY_WRITES, DatabaseStorage

pytestmark = pytest.mark.live


class Clock:
    """Seconds since the epoch, moved by the test."""

    def __init__(self, now: float = 1_767_225_600.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def storage(app, clock):
    return DatabaseStorage("database://", clock=clock)


def stored(statement):
    """Read on a short connection of its own: a session left open would hold SQLite's lock."""
    with db.engine.connect() as connection:
        return connection.scalar(statement)


def rows() -> int:
    return stored(db.select(db.func.count()).select_from(RateLimitCounter))


def test_the_scheme_is_registered_and_is_the_default_without_redis(monkeypatch, tmp_path):
    assert isinstance(storage_from_string("database://"), DatabaseStorage)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    settings = configuration.from_environment(str(tmp_path), "x")
    assert settings["RATELIMIT_STORAGE_URI"] == "database://"
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    settings = configuration.from_environment(str(tmp_path), "x")
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"


def test_a_window_counts_until_it_ends_then_starts_again(storage, clock):
    assert storage.get("k") == 0
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.incr("k", 60, amount=2) == 5
    assert storage.get("k") == 5
    assert storage.get_expiry("k") == clock.now + 60
    clock.now += 59
    assert storage.get("k") == 5
    clock.now += 1
    assert storage.get("k") == 0
    assert storage.incr("k", 60) == 1
    assert storage.get_expiry("k") == clock.now + 60
    assert rows() == 1


def test_the_fixed_window_strategy_runs_on_it(storage, clock):
    limiter = FixedWindowRateLimiter(storage)
    limit = parse("2 per minute")
    assert [limiter.hit(limit, "address", "register") for _ in range(3)] == [True, True, False]
    assert not limiter.test(limit, "address", "register")
    assert limiter.hit(limit, "other", "register")
    clock.now += 60
    assert limiter.hit(limit, "address", "register")


def test_keys_are_independent_and_can_be_cleared(storage):
    storage.incr("a", 60)
    storage.incr("b", 60)
    storage.incr("b", 60)
    storage.clear("b")
    assert (storage.get("a"), storage.get("b")) == (1, 0)
    assert storage.reset() == 1
    assert storage.get("a") == 0
    assert storage.check()


def test_a_key_longer_than_the_column_is_kept_by_its_digest(storage):
    login = "login:other:" + "x" * 5000
    assert storage.incr(login, 60) == 1
    assert storage.incr(login, 60) == 2
    assert storage.get(login) == 2
    key = stored(db.select(RateLimitCounter.key))
    assert key.startswith("sha256:") and len(key) <= 255


def test_expired_windows_are_deleted_every_so_many_writes(storage, clock):
    for n in range(5):
        storage.incr(f"gone-{n}", 10)
    clock.now += 10
    storage.incr("kept", 60)
    assert rows() == 6
    assert storage.clean_expired() == 5
    assert rows() == 1
    for n in range(5):
        storage.incr(f"gone-{n}", 10)
    clock.now += 10
    # Writes go on until the next clean-up comes round: the ended windows go then.
    for _ in range(CLEAN_EVERY_WRITES):
        storage.incr("kept", 60)
    assert rows() == 1


def test_concurrent_increments_are_never_lost(app, storage):
    """Each increment is one atomic upsert: eight writers racing count to eight."""
    start = threading.Barrier(8)
    counts: list[int] = []
    errors: list[BaseException] = []

    def hit():
        try:
            with app.app_context():
                start.wait()
                counts.append(storage.incr("raced", 60))
        except BaseException as exc:  # reported by the test below
            errors.append(exc)

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(counts) == list(range(1, 9))
    assert storage.get("raced") == 8
