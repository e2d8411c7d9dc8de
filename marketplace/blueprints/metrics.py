"""``GET /metrics`` for Prometheus: not public. It answers only a bearer token equal to
``METRICS_TOKEN`` (404 to anyone else, and to everyone while the token is unset), and the
nginx site of deploy/ does not pass it on: scrape each app host directly."""

from __future__ import annotations

from flask import Blueprint, current_app

from marketplace.errors import NotFound
from marketplace.extensions import limiter
from marketplace.web import metrics

web = Blueprint("metrics", __name__)


@web.get("/metrics")
@limiter.exempt
def scrape():
    if not metrics.authorized(current_app.config.get("METRICS_TOKEN")):
        raise NotFound()
    body, content_type = metrics.exposition()
    return body, 200, {"Content-Type": content_type, "Cache-Control": "no-store"}
