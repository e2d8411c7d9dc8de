"""Card payments: one PaymentIntent per checkout, payments applied, refunds owed until made.

The provider is never called inside a database transaction: what must survive a crash (a refund
we owe) is recorded and committed first, the call is made, and its outcome committed after.
``reconcile`` finishes whatever a crash or an unreachable provider left undone. Stripe's
webhook events are in orders/payment_events.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from marketplace.adapters.payments.base import (
    PaymentGateway,
    PaymentProviderError,
    ProviderUnavailable,
)
from marketplace.errors import ServiceUnavailable, ValidationFailed
from marketplace.extensions import db
from marketplace.messages import N_, Msg
from marketplace.models import Checkout, Order, OrderEvent, OrderLine, PaymentTransaction
from marketplace.models.base import new_id, utcnow
from marketplace.services.orders.inventory import return_stock
from marketplace.services.orders.lifecycle import (
    InvalidTransition,
    move_order,
    stock_of,
    with_details,
)

log = logging.getLogger(__name__)

# What a refund's status says when its money did not go back.
REFUND_FAILURES = frozenset({"failed", "canceled"})
_gateway_lock = threading.Lock()


class PaymentProviderUnavailable(ServiceUnavailable):
    code = "payment_provider_unavailable"
    message = N_("The payment provider cannot be reached; nothing was charged. Try again shortly.")


# ---------------------------------------------------------------- configuration


def card_payments_enabled() -> bool:
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


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
            Msg("The payment provider refused this payment: %(reason)s", reason=str(exc)),
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
    if made.status in REFUND_FAILURES:
        # Accepted as a request, refused at once (Stripe says why in the dashboard).
        log.error("refund %s (%s) %s at once", refund_id, made.id, made.status)
        db.session.execute(
            sa.update(PaymentTransaction)
            .where(PaymentTransaction.id == refund_id, PaymentTransaction.status == "pending")
            .values(
                status="failed",
                provider_ref=made.id,
                failure=f"Stripe: refund {made.status}",
                completed_at=utcnow(),
            )
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


# ---------------------------------------------------------------- payments arriving


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
