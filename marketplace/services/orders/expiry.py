"""Expiry of orders left unpaid (card and bank transfer): their stock goes back to the shelf."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from marketplace.extensions import db
from marketplace.models import Order
from marketplace.models.base import utcnow
from marketplace.services.orders import bank_transfer, payments
from marketplace.services.orders.inventory import return_stock
from marketplace.services.orders.lifecycle import (
    InvalidTransition,
    move_order,
    stock_of,
    with_details,
)


def _overdue(now: datetime) -> sa.ColumnElement[bool]:
    """Unpaid past its time: a card order PAYMENT_TIMEOUT_MINUTES after checkout, a
    bank-transfer order at the ``payment_due_at`` its buyer was told."""
    card_cutoff = now - timedelta(minutes=current_app.config["PAYMENT_TIMEOUT_MINUTES"])
    return sa.and_(
        Order.status == "pending_payment",
        sa.or_(
            sa.and_(
                Order.payment_method == bank_transfer.METHOD,
                Order.payment_due_at < now,
            ),
            sa.and_(
                Order.payment_method != bank_transfer.METHOD,
                Order.created_at < card_cutoff,
            ),
        ),
    )


def expire_unpaid_orders(now: datetime | None = None) -> list[str]:
    """Cancel card orders unpaid after PAYMENT_TIMEOUT_MINUTES, and bank-transfer orders
    unpaid at their ``payment_due_at``, and return their stock.

    Each checkout is its own transaction; the PaymentIntents are cancelled afterwards, outside
    it (a payment that still succeeds later is refunded when Stripe reports it; a transfer that
    arrives later pays nothing and is kept as unmatched).
    """
    overdue = _overdue(now or utcnow())
    checkout_ids = db.session.scalars(sa.select(Order.checkout_id).where(overdue).distinct()).all()
    db.session.rollback()
    expired: list[str] = []
    for checkout_id in checkout_ids:
        orders = db.session.scalars(
            with_details(sa.select(Order)).where(Order.checkout_id == checkout_id, overdue)
        ).all()
        order_ids = [order.id for order in orders]
        try:
            for order in orders:
                move_order(order, "cancel", None, "payment_timeout")
                return_stock(stock_of(order))
            payments.close_unpaid_checkout(checkout_id, "expired")
            if any(order.payment_method == bank_transfer.METHOD for order in orders):
                bank_transfer.settle_checkouts([checkout_id])
            db.session.commit()
        except InvalidTransition:
            # Paid (or cancelled) while we looked: leave this checkout to its new state.
            db.session.rollback()
            continue
        expired.extend(order_ids)
        payments.release_unneeded_intent(checkout_id)
    return expired
