"""Card payments: one PaymentIntent per checkout, Stripe's events applied once, refunds owed
until made.

The provider is never called inside a database transaction: what must survive a crash (a refund
we owe) is recorded and committed first, the call is made, and its outcome committed after.
``reconcile`` finishes whatever a crash or an unreachable provider left undone.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from marketplace.adapters.payments.base import (
    InvalidWebhook,
    PaymentGateway,
    PaymentProviderError,
    ProviderEvent,
    ProviderUnavailable,
)
from marketplace.errors import BadRequest, ServiceUnavailable, ValidationFailed
from marketplace.extensions import db
from marketplace.models import (
    Checkout,
    Order,
    OrderEvent,
    OrderLine,
    PaymentTransaction,
    ProcessedEvent,
)
from marketplace.models.base import new_id, utcnow
from marketplace.services.inventory import return_stock
from marketplace.services.orders import InvalidTransition, move_order, stock_of, with_details

log = logging.getLogger(__name__)
_gateway_lock = threading.Lock()


class PaymentProviderUnavailable(ServiceUnavailable):
    code = "payment_provider_unavailable"
    message = "The payment provider cannot be reached; nothing was charged. Try again shortly."


# ---------------------------------------------------------------- configuration


def card_payments_enabled() -> bool:
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def require_card_payments() -> None:
    """422 ``payment_method_unavailable`` unless Stripe is configured."""
    if not card_payments_enabled():
        raise ValidationFailed(
            "Card payments are not available.",
            code="payment_method_unavailable",
            details={"payment_method": ["Card payments are not available; choose cod."]},
        )


def gateway() -> PaymentGateway:
    """The configured provider, built once per configuration (tests change it per test)."""
    from marketplace.adapters.payments.stripe import StripeGateway

    config = current_app.config
    settings = (
        config.get("STRIPE_SECRET_KEY"),
        config.get("STRIPE_WEBHOOK_SECRET"),
        config.get("STRIPE_API_BASE"),
        config.get("STRIPE_MAX_NETWORK_RETRIES", 2),
        config.get("STRIPE_TIMEOUT_SECONDS", 20),
    )
    cache = current_app.extensions.setdefault("payment_gateway", {})
    with _gateway_lock:
        if cache.get("settings") != settings:
            if cache.get("gateway") is not None:
                cache["gateway"].close()
            cache["gateway"] = StripeGateway(
                settings[0],
                webhook_secret=settings[1],
                api_base=settings[2],
                max_network_retries=settings[3],
                timeout=settings[4],
            )
            cache["settings"] = settings
        return cache["gateway"]


# ---------------------------------------------------------------- starting a card payment


def start_card_payment(checkout_id: str, amount: int, currency: str) -> None:
    """Give a committed card checkout its one PaymentIntent (idempotency key from the checkout).

    If the provider cannot be reached or refuses, the checkout is undone and its stock
    returned before answering 503 ``payment_provider_unavailable`` (or 422 when refused).
    """
    try:
        intent = gateway().create_intent(
            amount=amount,
            currency=currency,
            metadata={"checkout_id": checkout_id},
            idempotency_key=f"checkout-{checkout_id}-intent",
        )
    except PaymentProviderError as exc:
        log.warning("PaymentIntent for checkout %s not created: %s", checkout_id, exc)
        _undo_checkout(checkout_id)
        if isinstance(exc, ProviderUnavailable):
            raise PaymentProviderUnavailable() from exc
        raise ValidationFailed(
            f"The payment provider refused this payment: {exc}",
            code="payment_rejected",
            details={"payment_method": [str(exc)]},
        ) from exc
    db.session.execute(
        sa.update(Checkout)
        .where(Checkout.id == checkout_id)
        .values(payment_intent_id=intent.id, client_secret=intent.client_secret)
    )
    db.session.add(
        PaymentTransaction(
            checkout_id=checkout_id,
            kind="charge",
            status="pending",
            amount=amount,
            currency=currency,
            provider_ref=intent.id,
            idempotency_key=f"checkout-{checkout_id}-intent",
        )
    )
    db.session.commit()


def _undo_checkout(checkout_id: str) -> None:
    """Remove a card checkout the buyer never got to pay, giving its stock back."""
    orders = db.session.scalars(
        with_details(sa.select(Order)).where(Order.checkout_id == checkout_id)
    )
    order_ids = []
    for order in orders:
        order_ids.append(order.id)
        try:
            move_order(order, "cancel", None, "payment_provider_unavailable")
        except InvalidTransition:
            continue  # someone cancelled it meanwhile, and that returned its stock
        return_stock(stock_of(order))
    db.session.execute(sa.delete(OrderEvent).where(OrderEvent.order_id.in_(order_ids)))
    db.session.execute(sa.delete(OrderLine).where(OrderLine.order_id.in_(order_ids)))
    db.session.execute(sa.delete(Order).where(Order.id.in_(order_ids)))
    db.session.execute(sa.delete(Checkout).where(Checkout.id == checkout_id))
    db.session.commit()


# ---------------------------------------------------------------- refunds


def owe_refund(order: Order) -> list[str]:
    """Record, pending, the refund of exactly this paid card order's total. Flushes only:
    committed with the move that caused it, then made by ``settle_refunds``."""
    if order.payment_method != "stripe":
        return []
    refund = PaymentTransaction(
        id=new_id(),
        checkout_id=order.checkout_id,
        order_id=order.id,
        kind="refund",
        status="pending",
        amount=order.total,
        currency=order.currency,
        idempotency_key=f"order-{order.id}-refund",
    )
    db.session.add(refund)
    return [refund.id]


def settle_refunds(refund_ids: list[str]) -> dict[str, int]:
    """Make owed refunds through the provider; those it cannot reach stay owed (pending)."""
    outcome = {"succeeded": 0, "failed": 0, "pending": 0}
    for refund_id in refund_ids:
        outcome[_settle_refund(refund_id)] += 1
    return outcome


def _settle_refund(refund_id: str) -> str:
    refund = db.session.get(PaymentTransaction, refund_id)
    if refund is None or refund.status != "pending" or refund.kind != "refund":
        db.session.rollback()
        return refund.status if refund is not None else "failed"
    intent_id = db.session.scalar(
        sa.select(Checkout.payment_intent_id).where(Checkout.id == refund.checkout_id)
    )
    amount, currency, key, order_id = (
        refund.amount,
        refund.currency,
        refund.idempotency_key,
        refund.order_id,
    )
    db.session.rollback()  # the provider is called outside any transaction
    try:
        made = gateway().refund(
            intent_id=intent_id, amount=amount, currency=currency, idempotency_key=key
        )
    except ProviderUnavailable as exc:
        log.warning("refund %s still owed: %s", refund_id, exc)
        return "pending"
    except PaymentProviderError as exc:
        log.error("refund %s refused by the provider: %s", refund_id, exc)
        db.session.execute(
            sa.update(PaymentTransaction)
            .where(PaymentTransaction.id == refund_id, PaymentTransaction.status == "pending")
            .values(status="failed", failure=str(exc)[:2000], completed_at=utcnow())
        )
        db.session.commit()
        return "failed"
    db.session.execute(
        sa.update(PaymentTransaction)
        .where(PaymentTransaction.id == refund_id, PaymentTransaction.status == "pending")
        .values(status="succeeded", provider_ref=made.id, completed_at=utcnow())
    )
    if order_id:
        db.session.execute(
            sa.update(Order)
            .where(Order.id == order_id)
            .values(payment_status="refunded", updated_at=utcnow())
        )
    db.session.commit()
    return "succeeded"


# ---------------------------------------------------------------- unpaid checkouts


def close_unpaid_checkout(checkout_id: str, reason: str) -> None:
    """When every order of an unpaid card checkout is cancelled, so is the checkout and its
    pending charge. Flushes only."""
    statuses = set(
        db.session.scalars(sa.select(Order.status).where(Order.checkout_id == checkout_id))
    )
    if statuses != {"cancelled"}:
        return
    db.session.execute(
        sa.update(Checkout)
        .where(Checkout.id == checkout_id, Checkout.status == "pending_payment")
        .values(status="cancelled")
    )
    db.session.execute(
        sa.update(PaymentTransaction)
        .where(
            PaymentTransaction.checkout_id == checkout_id,
            PaymentTransaction.kind == "charge",
            PaymentTransaction.status == "pending",
        )
        .values(status="failed", failure=reason, completed_at=utcnow())
    )


def release_unneeded_intent(checkout_id: str) -> None:
    """Cancel the PaymentIntent of a card checkout whose orders were all cancelled unpaid.

    Best effort, outside any transaction: if it fails and the buyer still pays, the payment is
    refunded when Stripe reports it.
    """
    checkout = db.session.get(Checkout, checkout_id)
    if checkout is None or checkout.status != "cancelled" or not checkout.payment_intent_id:
        db.session.rollback()
        return
    intent_id = checkout.payment_intent_id
    db.session.rollback()
    try:
        gateway().cancel_intent(intent_id, idempotency_key=f"checkout-{checkout_id}-cancel")
    except PaymentProviderError as exc:
        log.warning("PaymentIntent %s not cancelled: %s", intent_id, exc)


# ---------------------------------------------------------------- webhooks


def handle_stripe_webhook(payload: bytes, signature: str | None) -> str:
    """Apply a verified Stripe event once; returns ``applied``, ``duplicate`` or ``ignored``.

    A bad, missing or stale signature is 400 ``invalid_signature`` and changes nothing.
    """
    from marketplace.adapters.payments.stripe import verify_webhook

    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise ServiceUnavailable(
            "Stripe webhooks are not configured.", code="payments_not_configured"
        )
    try:
        event = verify_webhook(payload, signature, secret)
    except InvalidWebhook as exc:
        raise BadRequest(
            "The webhook signature is missing, wrong or too old.", code="invalid_signature"
        ) from exc
    outcome, refunds = _apply_once(event)
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


def apply_payment(checkout: Checkout) -> list[str]:
    """The checkout's money arrived: waiting orders become placed and paid; orders cancelled
    meanwhile (expired) are refunded. Returns the refunds now owed. Flushes only."""
    charge = db.session.scalar(
        sa.select(PaymentTransaction).where(
            PaymentTransaction.checkout_id == checkout.id,
            PaymentTransaction.kind == "charge",
        )
    )
    if charge is not None and charge.status == "succeeded":
        return []  # already applied (a webhook and reconcile both saw it)
    if charge is None:
        charge = PaymentTransaction(
            checkout_id=checkout.id,
            kind="charge",
            amount=checkout.total,
            currency=checkout.currency,
            provider_ref=checkout.payment_intent_id,
        )
        db.session.add(charge)
    charge.status, charge.failure, charge.completed_at = "succeeded", None, utcnow()
    refunds: list[str] = []
    placed = False
    for order in db.session.scalars(
        with_details(sa.select(Order)).where(Order.checkout_id == checkout.id)
    ):
        if order.status == "pending_payment":
            move_order(order, "pay", None, "payment_received")
            order.payment_status = "paid"
            placed = True
        elif order.payment_status == "unpaid":
            # Cancelled (or expired) before the money came: it goes back at once.
            order.payment_status = "paid"
            refunds += owe_refund(order)
    checkout.status = "paid" if placed else "cancelled"
    checkout.payment_failure = None
    return refunds


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


EVENT_HANDLERS = {
    "payment_intent.succeeded": _on_intent_succeeded,
    "payment_intent.payment_failed": _on_intent_failed,
    "charge.refunded": _on_charge_refunded,
}


# ---------------------------------------------------------------- reconciling


def reconcile(min_age: timedelta = timedelta(minutes=1)) -> dict[str, int]:
    """Finish what was left undone: owed refunds, and payments whose webhook never came.

    Refunds younger than ``min_age`` are left alone: their request may still be making them.
    """
    cutoff = utcnow() - min_age
    owed = db.session.scalars(
        sa.select(PaymentTransaction.id).where(
            PaymentTransaction.kind == "refund",
            PaymentTransaction.status == "pending",
            PaymentTransaction.created_at < cutoff,
        )
    ).all()
    waiting = db.session.execute(
        sa.select(Checkout.id, Checkout.payment_intent_id).where(
            Checkout.status == "pending_payment",
            Checkout.payment_intent_id.is_not(None),
            Checkout.created_at < cutoff,
        )
    ).all()
    db.session.rollback()
    outcome = settle_refunds(list(owed))
    report = {f"refunds_{status}": count for status, count in outcome.items()}
    report["payments_applied"] = 0
    for checkout_id, intent_id in waiting:
        try:
            intent = gateway().retrieve_intent(intent_id)
        except PaymentProviderError as exc:
            log.warning("PaymentIntent %s not checked: %s", intent_id, exc)
            continue
        if intent.status != "succeeded":
            continue
        checkout = db.session.get(Checkout, checkout_id)
        if checkout is None or checkout.status != "pending_payment":
            db.session.rollback()
            continue
        if intent.amount != checkout.total or intent.currency != checkout.currency:
            log.error("PaymentIntent %s does not match checkout %s", intent_id, checkout_id)
            db.session.rollback()
            continue
        refunds = apply_payment(checkout)
        db.session.commit()
        settle_refunds(refunds)
        report["payments_applied"] += 1
    return report
