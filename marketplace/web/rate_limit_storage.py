"""Rate-limit counters in our own database: a `limits` storage for the ``database://`` URI.

The `limits` library keeps counters in memory (one count per worker: with two gunicorn workers
every limit was doubled), Redis, memcached or MongoDB. A laptop install has none of those but
has a database that every worker shares, so without ``REDIS_URL`` the counters live there, in
``rate_limit_counters``: one row per fixed window, taken with one atomic upsert on SQLite and on
PostgreSQL alike. Only the fixed-window strategy is supported (Flask-Limiter's default).

Counters are written on a connection of their own, outside the request's transaction: a failed
sign-in still counts when the request's own work is rolled back.
"""

from __future__ import annotations

import hashlib
import itertools
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from limits.storage import Storage
from sqlalchemy.dialects import postgresql, sqlite

from marketplace.models.base import UTCDateTime, db
from marketplace.models.rate_limit import RateLimitCounter

SCHEME = "database"
# Expired windows are deleted by one indexed DELETE every so many writes of a worker: rows of
# keys seen again are reused by the upsert; only keys never seen again pile up until then.
CLEAN_EVERY_WRITES = 200
MAX_KEY_LENGTH = 255

_counters = RateLimitCounter.__table__
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def _stored_key(key: str) -> str:
    """The key as stored: a key too long for the column (a login typed at length) or holding
    what PostgreSQL cannot store is replaced by its digest."""
    if len(key) <= MAX_KEY_LENGTH and "\x00" not in key:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class DatabaseStorage(Storage):
    """Fixed-window counters in ``rate_limit_counters``, on the current app's database."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(
        self,
        uri: str | None = None,
        wrap_exceptions: bool = False,
        clock: Callable[[], float] = time.time,
        **options,
    ) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        # Seconds since the epoch; tests give a clock of their own to step over windows.
        self.clock = clock
        self._writes = itertools.count(1)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sa.exc.SQLAlchemyError

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to the key's window, starting a new window of ``expiry`` seconds when
        there is none or it has ended; the count after the increment."""
        now = self._now()
        ends = now + timedelta(seconds=expiry)
        # In the update, the columns are the stored row's: both cases see its old window.
        ended = _counters.c.expires_at <= sa.literal(now, UTCDateTime())
        engine = db.engine
        insert = _INSERTS[engine.dialect.name](_counters).values(
            key=_stored_key(key), count=amount, expires_at=ends
        )
        statement = insert.on_conflict_do_update(
            index_elements=[_counters.c.key],
            set_={
                "count": sa.case((ended, amount), else_=_counters.c.count + amount),
                "expires_at": sa.case(
                    (ended, sa.literal(ends, UTCDateTime())), else_=_counters.c.expires_at
                ),
            },
        ).returning(_counters.c.count)
        with engine.begin() as connection:
            count = connection.execute(statement).scalar_one()
        if next(self._writes) % CLEAN_EVERY_WRITES == 0:
            self.clean_expired()
        return count

    def get(self, key: str) -> int:
        statement = sa.select(_counters.c.count).where(
            _counters.c.key == _stored_key(key), _counters.c.expires_at > self._now()
        )
        with db.engine.connect() as connection:
            return connection.execute(statement).scalar() or 0

    def get_expiry(self, key: str) -> float:
        """When the key's window ends (seconds since the epoch); now when it has none."""
        statement = sa.select(_counters.c.expires_at).where(_counters.c.key == _stored_key(key))
        with db.engine.connect() as connection:
            expires_at = connection.execute(statement).scalar()
        now = self.clock()
        if expires_at is None:
            return now
        return max(expires_at.timestamp(), now)

    def check(self) -> bool:
        try:
            with db.engine.connect() as connection:
                connection.execute(sa.select(1))
        except sa.exc.SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with db.engine.begin() as connection:
            return connection.execute(sa.delete(_counters)).rowcount

    def clear(self, key: str) -> None:
        with db.engine.begin() as connection:
            connection.execute(sa.delete(_counters).where(_counters.c.key == _stored_key(key)))

    def clean_expired(self) -> int:
        """Delete the windows that have ended; how many."""
        with db.engine.begin() as connection:
            return connection.execute(
                sa.delete(_counters).where(_counters.c.expires_at <= self._now())
            ).rowcount
