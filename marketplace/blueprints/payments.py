"""Payments — the providers' webhooks and the bank transfers that paid nothing.

POST /payments/stripe/webhook    Stripe           signed events
POST /payments/bank/webhook      a bank feed      signed credits to shops' accounts
GET  /payments/bank/unmatched    owner, officer   credits that paid no order (?shop=)
"""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from marshmallow import Schema, fields

from marketplace.pagination import page_body
from marketplace.schemas.payments import (
    BankTransactionPageSchema,
    BankWebhookOutcomeSchema,
    UnmatchedListArgs,
    bank_credits,
)
from marketplace.services.orders import bank_feed, payment_events
from marketplace.web.api import Blueprint, may_answer
from marketplace.web.authentication import require_user
from marketplace.web.request_rules import ANY_MEDIA_TYPE, accepts_body, sign_in_first

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


@blp.route("/payments/bank/webhook")
class BankWebhook(MethodView):
    @accepts_body(ANY_MEDIA_TYPE)
    @may_answer(400)
    @blp.response(200, BankWebhookOutcomeSchema)
    @blp.doc(
        parameters=[
            {
                "in": "header",
                "name": "X-Signature",
                "required": True,
                "schema": {"type": "string"},
                "description": "`sha256=<hex HMAC-SHA256 of the raw body with "
                "BANK_WEBHOOK_SECRET>` (400 invalid_signature when wrong)",
            }
        ]
    )
    def post(self):
        """A bank feed's credits `{"transactions": [{id, account_number, amount, description,
        when}]}`: each transaction id applied once; one that pays no order is kept unmatched."""
        payload = request.get_data()
        bank_feed.verify_signature(payload, request.headers.get("X-Signature"))
        return bank_feed.apply_credits(bank_credits(payload))


@blp.route("/payments/bank/unmatched")
class UnmatchedBankTransactions(MethodView):
    @sign_in_first()
    @may_answer(403, 404)
    @blp.arguments(UnmatchedListArgs, location="query")
    @blp.response(200, BankTransactionPageSchema)
    def get(self, args):
        """Bank transactions that paid nothing, newest first: a shop's (`?shop=`, its owner
        or the trade office), or all of them (the trade office)."""
        items, next_cursor = bank_feed.list_unmatched(require_user(), **args)
        return page_body(items, next_cursor)
