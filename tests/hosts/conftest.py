"""The several-hosts test runs only where it can: on PostgreSQL (the shared database of real
hosts) and where network namespaces can be made (root, iproute2, socat). Elsewhere it is
skipped, saying which is missing; with HOSTS_TEST_REQUIRED=1 (.ci/run's step of its own) a
missing piece fails it instead."""

from __future__ import annotations

import os

import pytest
from sqlalchemy.engine import make_url

from tests.deploy.test_deploy_files import nginx_binary
from tests.hosts import network


def _missing(message: str) -> None:
    if os.environ.get("HOSTS_TEST_REQUIRED"):
        pytest.fail(f"several-hosts test cannot run: {message}")
    pytest.skip(f"several-hosts test skipped: {message}")


@pytest.fixture
def hosts_possible(database_url):
    if not make_url(database_url).drivername.startswith("postgresql"):
        _missing("it needs PostgreSQL (TEST_DATABASE_URL), as the hosts share one database")
    try:
        network.probe()
    except network.NamespacesUnavailable as exc:
        _missing(f"network namespaces cannot be made here: {exc}")
    try:
        return nginx_binary()
    except pytest.skip.Exception:
        _missing("nginx is not installed (apt-get install nginx-light)")
