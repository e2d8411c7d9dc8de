"""Liveness: the app and its database answer."""

from __future__ import annotations

from flask import Blueprint, jsonify

from marketplace.errors import ServiceUnavailable
from marketplace.extensions import db, limiter

web = Blueprint("health", __name__)


@web.get("/healthz")
@limiter.exempt
def healthz():
    try:
        db.session.execute(db.text("SELECT 1"))
    except Exception as exc:
        raise ServiceUnavailable(
            "The database is not answering.", code="database_unavailable"
        ) from exc
    return jsonify(status="ok")
