"""The business counters, counted where the outcome is decided (services) and read at
``GET /metrics`` (marketplace/web/metrics.py, which also counts requests).

prometheus_client keeps them in this process; under gunicorn, with ``PROMETHEUS_MULTIPROC_DIR``
set before the first import (deploy/gunicorn.conf.py sees to it), each worker writes its values
to files there and ``/metrics`` adds every worker's up, so whichever worker answers the scrape
reports the server's counts. Nothing here knows of HTTP: services import it freely.
"""

from __future__ import annotations

import os

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

PREFIX = "chophien"
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # Each value below opens its file there as it is made.
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
# No ``*_created`` series beside each counter: they double the scrape for nothing we read.
disable_created_metrics()

CHECKOUTS = Counter(
    f"{PREFIX}_checkouts_total",
    "Checkouts tried, by outcome: placed, or the error code that refused them.",
    ["outcome"],
)
STOCK_CONFLICTS = Counter(
    f"{PREFIX}_stock_conflicts_total",
    "Checkouts refused because a line's stock was short when it was taken.",
)
PAYMENTS = Counter(
    f"{PREFIX}_payments_total",
    "Payment events by method (stripe, bank_transfer) and outcome.",
    ["method", "outcome"],
)
HTTP_REQUESTS = Counter(
    f"{PREFIX}_http_requests_total",
    "Requests answered, by endpoint (the route's rule), method and status.",
    ["endpoint", "method", "status"],
)
HTTP_LATENCY = Histogram(
    f"{PREFIX}_http_request_duration_seconds",
    "Time from the first request hook to the answer, by endpoint and method.",
    ["endpoint", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
# Gauges of every live worker, added up (dead workers' files are dropped by gunicorn's
# child_exit hook).
DB_POOL_IN_USE = Gauge(
    f"{PREFIX}_db_pool_connections_in_use",
    "Database connections checked out of the pools now.",
    multiprocess_mode="livesum",
)
DB_POOL_CAPACITY = Gauge(
    f"{PREFIX}_db_pool_connections_capacity",
    "Connections the pools may open (size plus overflow).",
    multiprocess_mode="livesum",
)


def checkout_outcome(outcome: str) -> None:
    CHECKOUTS.labels(outcome=outcome).inc()


def stock_conflict() -> None:
    STOCK_CONFLICTS.inc()


def payment(method: str, outcome: str) -> None:
    PAYMENTS.labels(method=method, outcome=outcome).inc()
