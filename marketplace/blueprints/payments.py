"""Payments — POST /api/v1/payments/stripe/webhook: Stripe's signed events."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from marshmallow import Schema, fields

from marketplace.services.orders import payment_events
from marketplace.web.api import Blueprint, may_answer
from marketplace.web.request_rules import ANY_MEDIA_TYPE, accepts_body

blp = Blueprint("payments", __name__, url_prefix="/api/v1", description="Payments")


class WebhookReceiptSchema(Schema):
    received = fields.Boolean()
    outcome = fields.String()


@blp.route("/payments/stripe/webhook")
class StripeWebhook(MethodView):
    # The signature vouches for the bytes, whatever Content-Type a relay or a test sends.
    @accepts_body(ANY_MEDIA_TYPE)
    @may_answer(400)
    @blp.response(200, WebhookReceiptSchema)
    @blp.doc(
        parameters=[
            {
                "in": "header",
                "name": "Stripe-Signature",
                "required": True,
                "schema": {"type": "string"},
                "description": "Stripe's signature of the raw body (400 when bad or stale).",
            }
        ]
    )
    def post(self):
        """Stripe's events, verified with `STRIPE_WEBHOOK_SECRET`; each event applied once."""
        # The raw bytes: the signature covers them exactly as sent.
        outcome = payment_events.handle_stripe_webhook(
            request.get_data(), request.headers.get("Stripe-Signature")
        )
        return {"received": True, "outcome": outcome}
