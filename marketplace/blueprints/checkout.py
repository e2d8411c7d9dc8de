"""Checkouts — POST /api/v1/checkouts (Idempotency-Key), GET /api/v1/checkouts/{id}."""

from __future__ import annotations

import functools

from flask import current_app, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.exceptions import HTTPException

from marketplace.authn import require_user
from marketplace.errors import (
    DomainError,
    ValidationFailed,
    error_response,
    http_exception_response,
)
from marketplace.extensions import db
from marketplace.schemas.orders import CheckoutRequestSchema, CheckoutSchema
from marketplace.services import checkout, idempotency

blp = Blueprint("checkout", __name__, url_prefix="/api/v1", description="Checkout")

IDEMPOTENCY_HEADER = "Idempotency-Key"


def idempotent(view):
    """Honour ``Idempotency-Key`` on POST: one user's retries get the first answer back.

    Wraps the whole view so it sees the final answer, errors included (kept unless 5xx).
    """

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if request.method != "POST":
            return view(*args, **kwargs)
        # Signed in first: a stranger gets 401, whatever their body looks like.
        user = require_user()
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is None:
            return view(*args, **kwargs)
        key = key.strip()
        if not key or len(key) > idempotency.MAX_KEY_LENGTH:
            raise ValidationFailed.field(
                IDEMPOTENCY_HEADER, "Give 1 to 255 characters (a UUID is a good key)."
            )
        claim = idempotency.claim(
            user.id, key, idempotency.fingerprint(request.method, request.path, request.get_data())
        )
        if claim.replay is not None:
            status, body = claim.replay
            response = jsonify(body)
            response.status_code = status
            response.headers["Idempotent-Replayed"] = "true"
            return response
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except DomainError as exc:
            response = current_app.make_response(
                error_response(exc.status, exc.code, exc.message, exc.details)
            )
        except HTTPException as exc:
            response = current_app.make_response(http_exception_response(exc))
        except Exception:
            # Our failure (a 5xx is coming): the key is released so that a retry runs anew.
            db.session.rollback()
            idempotency.release(claim)
            raise
        idempotency.record(claim, response.status_code, response.get_json(silent=True))
        return response

    return wrapper


@blp.route("/checkouts")
class Checkouts(MethodView):
    decorators = [idempotent]

    @blp.arguments(CheckoutRequestSchema)
    @blp.response(201, CheckoutSchema)
    @blp.doc(
        parameters=[
            {
                "in": "header",
                "name": IDEMPOTENCY_HEADER,
                "required": False,
                "schema": {"type": "string", "maxLength": 255},
                "description": "Retries with the same key within 24 h get the first answer.",
            }
        ]
    )
    def post(self, data):
        """Check out: one order per shop; stock is taken for every line or none.

        Send an `Idempotency-Key` header to make retries safe: the same key from the same user
        within 24 h gives back the first answer.
        """
        buyer = require_user()
        return checkout.place_checkout(buyer, **data)


@blp.route("/checkouts/<checkout_id>")
class CheckoutById(MethodView):
    @blp.response(200, CheckoutSchema)
    def get(self, checkout_id):
        """A checkout and its orders, to its buyer (to follow a card payment)."""
        return checkout.get_checkout(checkout_id, require_user())
