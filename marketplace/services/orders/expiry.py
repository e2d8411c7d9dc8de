"""Expiry of card orders left unpaid: their stock goes back to the shelf."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from marketplace.extensions import db
from marketplace.models import Order
from marketplace.models.base import utcnow
from marketplace.services.orders import payments
from marketplace.services.orders.inventory import return_stock
from marketplace.services.orders.lifecycle import (
    InvalidTransition,
    move_order,
    stock_of,
    with_details,
)


def expire_unpaid_orders(now: datetime | None = None) -> list[str]:
    """Cancel card orders unpaid after PAYMENT_TIMEOUT_MINUTES and return their stock.

    Each checkout is its own transaction; the PaymentIntents are cancelled afterwards, outside
    it (a payment that still succeeds later is refunded when Stripe reports it).
    """
    cutoff = (now or utcnow()) - timedelta(minutes=current_app.config["PAYMENT_TIMEOUT_MINUTES"])
    checkout_ids = db.session.scalars(
        sa.select(Order.checkout_id)
        .where(Order.status == "pending_payment", Order.created_at < cutoff)
        .distinct()
    ).all()
    db.session.rollback()
    expired: list[str] = []
    for checkout_id in checkout_ids:
        orders = db.session.scalars(
            with_details(sa.select(Order)).where(
                Order.checkout_id == checkout_id,
                Order.status == "pending_payment",
                Order.created_at < cutoff,
            )
        ).all()
        order_ids = [order.id for order in orders]
        try:
            for order in orders:
                move_order(order, "cancel", None, "payment_timeout")
                return_stock(stock_of(order))
            payments.close_unpaid_checkout(checkout_id, "expired")
            db.session.commit()
        except InvalidTransition:
            # Paid (or cancelled) while we looked: leave this checkout to its new state.
            db.session.rollback()
            continue
        expired.extend(order_ids)
        payments.release_unneeded_intent(checkout_id)
    return expired
