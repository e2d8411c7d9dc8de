"""Health: ``/healthz`` the process answers (liveness), ``/readyz`` so does what it needs
(readiness: database, storage, Redis when configured). Both answer JSON, whatever is asked."""

from __future__ import annotations

from flask import Blueprint, jsonify

from marketplace.extensions import limiter
from marketplace.web import readiness

web = Blueprint("health", __name__)


@web.after_request
def never_cached(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@web.get("/healthz")
@limiter.exempt
def healthz():
    """200 while the process answers; touches nothing else, so a database outage does not
    make a supervisor restart healthy workers."""
    return jsonify(status="ok")


@web.get("/readyz")
@limiter.exempt
def readyz():
    """200 when every dependency answers, else 503 naming the ones that do not."""
    checks = readiness.check_readiness()
    ready = all(checks.values())
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": {name: "ok" if up else "unavailable" for name, up in checks.items()},
    }
    return jsonify(body), 200 if ready else 503
