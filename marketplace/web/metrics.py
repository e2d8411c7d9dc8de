"""``GET /metrics`` plumbing: requests counted by endpoint and status with their latency,
database pool use, the notification queue read at each scrape, and the rendering of it all in
Prometheus' text format, added up over every gunicorn worker.

Multiprocess mode: with ``PROMETHEUS_MULTIPROC_DIR`` set before prometheus_client is imported,
every worker writes its values to files in that folder and a scrape reads them all; gunicorn's
config (deploy/gunicorn.conf.py) empties it at start and drops a dead worker's gauges. Without
it (tests, ``flask run``) the process's own values are served.
"""

from __future__ import annotations

import hmac
import os
import time

from flask import Flask, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import event

import marketplace.metrics as metrics
from marketplace.extensions import db
from marketplace.services.notifications.delivery import queue_counts

UNMATCHED = "<unmatched>"


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def _endpoint() -> str:
    """The route's rule (``/api/v1/products/<product_ref>``), never the raw path: one series per
    route, whatever ids are asked for."""
    rule = request.url_rule
    return rule.rule if rule is not None else UNMATCHED


def register_metrics(app: Flask) -> None:
    @app.after_request
    def count(response):
        started = g.get("request_started")
        endpoint = _endpoint()
        metrics.HTTP_REQUESTS.labels(
            endpoint=endpoint, method=request.method, status=str(response.status_code)
        ).inc()
        if started is not None:
            metrics.HTTP_LATENCY.labels(endpoint=endpoint, method=request.method).observe(
                time.perf_counter() - started
            )
        return response


def watch_pools(app: Flask) -> None:
    """Count the connections each of the app's pools lends (once its engines exist)."""
    with app.app_context():
        for engine in db.engines.values():
            _watch_pool(engine)


def _watch_pool(engine) -> None:
    pool = engine.pool
    if hasattr(pool, "size") and hasattr(pool, "_max_overflow"):
        metrics.DB_POOL_CAPACITY.inc(pool.size() + max(pool._max_overflow, 0))

    @event.listens_for(pool, "checkout")
    def on_checkout(dbapi_connection, record, proxy):
        metrics.DB_POOL_IN_USE.inc()

    @event.listens_for(pool, "checkin")
    def on_checkin(dbapi_connection, record):
        metrics.DB_POOL_IN_USE.dec()


class QueueCollector:
    """The notification queue as gauges, counted in the database at each scrape (the worker
    runs beside gunicorn, not in it: the database is where every process's work shows)."""

    def collect(self):
        counts = queue_counts()
        due = GaugeMetricFamily(
            f"{metrics.PREFIX}_notifications_due",
            "Notification deliveries due now and not yet sent.",
            value=counts["due"],
        )
        failed = GaugeMetricFamily(
            f"{metrics.PREFIX}_notifications_failed",
            "Notification deliveries given up on (failed for good).",
            value=counts["failed"],
        )
        undispatched = GaugeMetricFamily(
            f"{metrics.PREFIX}_notifications_undispatched",
            "Notifications not yet given their deliveries by the worker.",
            value=counts["undispatched"],
        )
        return [due, failed, undispatched]


def authorized(token: str | None) -> bool:
    """Whether the request carries ``Authorization: Bearer <METRICS_TOKEN>``."""
    if not token:
        return False
    scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        offered.strip().encode(), token.encode()
    )


def exposition() -> tuple[bytes, str]:
    """Every worker's counters (or this process's) and the queue's gauges, as Prometheus text."""
    path = multiprocess_dir()
    if path:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=path)
        counters = generate_latest(registry)
    else:
        counters = generate_latest(REGISTRY)
    queue = CollectorRegistry()
    queue.register(QueueCollector())
    return counters + generate_latest(queue), CONTENT_TYPE_LATEST
