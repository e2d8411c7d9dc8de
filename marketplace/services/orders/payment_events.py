"""Stripe's webhook events: verified with the library's own check, each applied once.

``payment_intent.succeeded`` pays the checkout when amount and currency match (else it is
logged and left); ``payment_intent.payment_failed`` is recorded on the checkout;
``charge.refunded`` spreads refunds made outside the marketplace over the checkout's orders;
a refund of ours that fails later (``refund.failed`` and its older names) makes its order
``paid`` again.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

import marketplace.metrics as metrics
from marketplace.adapters.payments.base import InvalidWebhook, ProviderEvent
from marketplace.errors import BadRequest, ServiceUnavailable
from marketplace.extensions import db
from marketplace.messages import N_
from marketplace.models import Checkout, Order, PaymentTransaction, ProcessedEvent
from marketplace.models.base import utcnow
from marketplace.services.orders.payments import REFUND_FAILURES, apply_payment, settle_refunds

log = logging.getLogger(__name__)


def handle_stripe_webhook(payload: bytes, signature: str | None) -> str:
    """Apply a verified Stripe event once; returns ``applied``, ``duplicate`` or ``ignored``.

    A bad, missing or stale signature is 400 ``invalid_signature`` and changes nothing.
    """
    from marketplace.adapters.payments.stripe import verify_webhook

    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise ServiceUnavailable(
            N_("Stripe webhooks are not configured."), code="payments_not_configured"
        )
    try:
        event = verify_webhook(payload, signature, secret)
    except InvalidWebhook as exc:
        raise BadRequest(
            N_("The webhook signature is missing, wrong or too old."), code="invalid_signature"
        ) from exc
    outcome, refunds = _apply_once(event)
    metrics.payment(
        "stripe", STRIPE_OUTCOMES.get(event.type, "other") if outcome == "applied" else outcome
    )
    settle_refunds(refunds)
    return outcome


def _apply_once(event: ProviderEvent) -> tuple[str, list[str]]:
    db.session.rollback()
    if db.session.get(ProcessedEvent, event.id) is not None:
        return "duplicate", []
    db.session.add(ProcessedEvent(id=event.id, type=event.type))
    try:
        # Inserted first: a concurrent delivery of the same event waits on it, then fails.
        db.session.flush()
        handler = EVENT_HANDLERS.get(event.type)
        refunds = handler(event) if handler else []
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return "duplicate", []
    return ("applied" if handler else "ignored"), refunds


def _checkout_for(event: ProviderEvent) -> Checkout | None:
    checkout = None
    if event.intent_id:
        checkout = db.session.scalar(
            sa.select(Checkout).where(Checkout.payment_intent_id == event.intent_id)
        )
    if checkout is None and event.intent_id and event.metadata.get("checkout_id"):
        # The intent was made but its id never recorded (a crash right after creating it):
        # the checkout named in its metadata, if it has no other intent, is the one.
        checkout = db.session.get(Checkout, event.metadata["checkout_id"])
        if checkout is not None and checkout.payment_intent_id is None:
            checkout.payment_intent_id = event.intent_id
        elif checkout is not None and checkout.payment_intent_id != event.intent_id:
            checkout = None
    if checkout is None:
        log.warning("Stripe event %s (%s) names no checkout of ours", event.id, event.type)
    return checkout


def _on_intent_succeeded(event: ProviderEvent) -> list[str]:
    checkout = _checkout_for(event)
    if checkout is None:
        return []
    if event.amount != checkout.total or event.currency != checkout.currency:
        log.error(
            "Stripe event %s not applied: paid %s %s for checkout %s of %s %s",
            event.id,
            event.amount,
            event.currency,
            checkout.id,
            checkout.total,
            checkout.currency,
        )
        return []
    return apply_payment(checkout)


def _on_intent_failed(event: ProviderEvent) -> list[str]:
    checkout = _checkout_for(event)
    if checkout is None:
        return []
    failure = (event.failure_message or "The payment failed.")[:2000]
    checkout.payment_failure = failure
    db.session.execute(
        sa.update(PaymentTransaction)
        .where(
            PaymentTransaction.checkout_id == checkout.id,
            PaymentTransaction.kind == "charge",
            PaymentTransaction.status == "pending",
        )
        .values(failure=failure)
    )
    return []


def _on_charge_refunded(event: ProviderEvent) -> list[str]:
    """Stripe reports our refunds too: only what goes beyond every refund we know of is an
    outside refund (from Stripe's dashboard); it is recorded and spread over the orders."""
    checkout = _checkout_for(event)
    if checkout is None or event.amount_refunded is None:
        return []
    known = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(PaymentTransaction.amount), 0)).where(
            PaymentTransaction.checkout_id == checkout.id,
            PaymentTransaction.kind == "refund",
            PaymentTransaction.status.in_(("pending", "succeeded")),
        )
    )
    outside = event.amount_refunded - known
    if outside > 0:
        db.session.add(
            PaymentTransaction(
                checkout_id=checkout.id,
                kind="refund",
                status="succeeded",
                amount=outside,
                currency=checkout.currency,
                completed_at=utcnow(),
            )
        )
    whole = event.fully_refunded or (
        event.amount is not None and event.amount_refunded >= event.amount
    )
    if not whole and outside <= 0:
        return []
    for order in db.session.scalars(sa.select(Order).where(Order.checkout_id == checkout.id)):
        if whole:
            order.payment_status = "refunded"
        elif order.payment_status != "refunded":
            order.payment_status = "partially_refunded"
    return []


def _on_refund_updated(event: ProviderEvent) -> list[str]:
    """A refund Stripe accepted can still fail days later (a closed card account): the money
    did not go back, so the order is ``paid`` again and the refund recorded as failed, for the
    shop or the office to return the money another way."""
    if event.refund_status not in REFUND_FAILURES or not event.refund_id:
        return []
    refund = db.session.scalar(
        sa.select(PaymentTransaction).where(
            PaymentTransaction.kind == "refund",
            PaymentTransaction.provider_ref == event.refund_id,
        )
    )
    if refund is None or refund.status == "failed":
        return []  # not one of ours, or already recorded
    refund.status, refund.completed_at = "failed", utcnow()
    refund.failure = (event.failure_message or f"Stripe: refund {event.refund_status}")[:2000]
    order = db.session.get(Order, refund.order_id) if refund.order_id else None
    if order is not None and order.payment_status == "refunded":
        order.payment_status = "paid"
    log.error(
        "Stripe refund %s of %s %s for order %s %s: %s",
        event.refund_id,
        refund.amount,
        refund.currency,
        refund.order_id,
        event.refund_status,
        refund.failure,
    )
    return []


EVENT_HANDLERS = {
    "payment_intent.succeeded": _on_intent_succeeded,
    "payment_intent.payment_failed": _on_intent_failed,
    "charge.refunded": _on_charge_refunded,
    # Stripe names a refund's later changes in three ways, depending on the API version.
    "refund.failed": _on_refund_updated,
    "refund.updated": _on_refund_updated,
    "charge.refund.updated": _on_refund_updated,
}

# The outcome an applied event stands for, for the payments counter (marketplace/metrics).
STRIPE_OUTCOMES = {
    "payment_intent.succeeded": "succeeded",
    "payment_intent.payment_failed": "failed",
    "charge.refunded": "refunded",
    "refund.failed": "refund_updated",
    "refund.updated": "refund_updated",
    "charge.refund.updated": "refund_updated",
}
