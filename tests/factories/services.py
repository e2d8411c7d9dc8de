"""The real services the tests share with other runs on the same machine."""

from __future__ import annotations

import os


def redis_url_of_this_run() -> str:
    """A Redis database of this run's own (TEST_REDIS_DB, default 15): the tests flush it, so
    two runs at once (CI runs SQLite and PostgreSQL side by side) must not share one."""
    return f"redis://127.0.0.1:6379/{int(os.environ.get('TEST_REDIS_DB', '15'))}"
