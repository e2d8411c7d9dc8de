"""Redis, as far as the app itself talks to it (Flask-Limiter keeps its own connection)."""

from __future__ import annotations

import redis


class RedisUnavailable(Exception):
    """Redis did not answer, or refused the connection."""


def ping(url: str, timeout: float) -> None:
    """Raise RedisUnavailable unless the server at ``url`` answers a PING within ``timeout``."""
    client = redis.Redis.from_url(
        url, socket_connect_timeout=timeout, socket_timeout=timeout, retry=None
    )
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        raise RedisUnavailable(str(exc)) from exc
    finally:
        client.close()
