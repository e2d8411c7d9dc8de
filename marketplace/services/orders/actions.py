"""The moves people make on an order: confirm, ship, deliver, cancel, return.

Each commits one move of ``lifecycle.MOVES`` with what it carries: stock back on the shelf, a
card payment refunded or an unpaid one released. Built on ``lifecycle`` and ``payments`` (which
never import this module), so the imports go one way.
"""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Order, User
from marketplace.services.orders import bank_transfer, payments
from marketplace.services.orders.inventory import return_stock
from marketplace.services.orders.lifecycle import get_order, move_order, stock_of, with_details


def _reloaded(order_id: str) -> Order:
    db.session.expire_all()
    return db.session.scalar(with_details(sa.select(Order).where(Order.id == order_id)))


def confirm_order(order_id: str, user: User) -> Order:
    """The shop's owner accepts a placed order."""
    order = get_order(order_id, user)
    move_order(order, "confirm", user)
    db.session.commit()
    return _reloaded(order_id)


def ship_order(
    order_id: str, user: User, *, carrier: str | None = None, tracking_number: str | None = None
) -> Order:
    """The shop's owner hands a confirmed order to a carrier (``carrier`` None: the shop takes
    it to the buyer itself; ``tracking_number`` None: the carrier gave none, as a post office
    counter may not); the buyer is told which."""
    order = get_order(order_id, user)
    # Set before the move, which tells the buyer about them.
    order.carrier = carrier
    order.tracking_number = tracking_number
    move_order(order, "ship", user)
    db.session.commit()
    return _reloaded(order_id)


def deliver_order(order_id: str, user: User) -> Order:
    """A shipped order arrived; cash on delivery was collected, so it is paid."""
    order = get_order(order_id, user)
    move_order(order, "deliver", user)
    if order.payment_method == "cod":
        order.payment_status = "paid"
    db.session.commit()
    return _reloaded(order_id)


def cancel_order(order_id: str, user: User, *, reason: str | None = None) -> Order:
    """Cancel before shipping: every line's stock returns; a paid card order is refunded."""
    order = get_order(order_id, user)
    move_order(order, "cancel", user, reason)
    return_stock(stock_of(order))
    refunds = payments.owe_refund(order) if order.payment_status == "paid" else []
    checkout_id = order.checkout_id
    unpaid_card = order.payment_method == "stripe" and order.payment_status == "unpaid"
    if unpaid_card:
        payments.close_unpaid_checkout(checkout_id, "cancelled before payment")
    elif order.payment_method == bank_transfer.METHOD:
        bank_transfer.settle_checkouts([checkout_id])
    db.session.commit()
    payments.settle_refunds(refunds)
    if unpaid_card:
        payments.release_unneeded_intent(checkout_id)
    return _reloaded(order_id)


def return_order(order_id: str, user: User, *, reason: str, restock: bool) -> Order:
    """A shipped or delivered order came back: stock returns when ``restock``; money goes back."""
    order = get_order(order_id, user)
    move_order(order, "return", user, reason)
    if restock:
        return_stock(stock_of(order))
    refunds: list[str] = []
    if order.payment_status == "paid":
        if order.payment_method == "cod":
            # The courier hands the cash back; no provider to call.
            order.payment_status = "refunded"
        else:
            refunds = payments.owe_refund(order)
    db.session.commit()
    payments.settle_refunds(refunds)
    return _reloaded(order_id)
