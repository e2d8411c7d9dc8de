"""Readiness: whether this process can serve requests now, that is whether what it needs
answers: its database, its media storage and, when configured, Redis."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app

from marketplace.adapters.redis_client import RedisUnavailable, ping
from marketplace.adapters.storage import StorageError, get_storage
from marketplace.extensions import db

log = logging.getLogger(__name__)

# Seconds a probe of storage or Redis may take; the database has its own timeouts
# (DATABASE_CONNECT_TIMEOUT, DATABASE_STATEMENT_TIMEOUT).
PROBE_TIMEOUT = 2


def check_readiness() -> dict[str, bool]:
    """Each dependency by name → whether it answered; ``redis`` only when REDIS_URL is set.

    Never raises: a dependency that fails is reported (and logged), not propagated.
    """
    checks = {"database": _database_answers(), "storage": _storage_answers()}
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        checks["redis"] = _redis_answers(redis_url)
    return checks


def _database_answers() -> bool:
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        log.warning("readiness: the database does not answer: %s", exc)
        return False
    return True


def _storage_answers() -> bool:
    try:
        get_storage().check(PROBE_TIMEOUT)
    except StorageError as exc:
        log.warning("readiness: media storage does not answer: %s", exc)
        return False
    return True


def _redis_answers(url: str) -> bool:
    try:
        ping(url, PROBE_TIMEOUT)
    except RedisUnavailable as exc:
        log.warning("readiness: Redis does not answer: %s", exc)
        return False
    return True
