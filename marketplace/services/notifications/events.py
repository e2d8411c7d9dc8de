"""The events people are told about: one call each, made by the service where the event
happens, inside its transaction (nothing here commits, except the daily certificate sweep).
Each writes its notifications with one INSERT and looks nothing up beyond what the event holds
(a checkout's are returned instead, and written with its orders).

Nobody is told about what they did themselves: the seller who marks their own order paid or
cancels it, the buyer who confirms a delivery.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from marketplace.extensions import db
from marketplace.models import (
    Livestream,
    Notification,
    OcopApplication,
    OcopCertificate,
    Order,
    Product,
    Shop,
    User,
)
from marketplace.services.notifications import links, outbox
from marketplace.services.notifications.outbox import Notice

# Days before a certificate lapses when its owner is reminded (ocop_expiring).
EXPIRY_REMINDER_DAYS = (60, 14)

# Which move of an order tells whom: target status → (kind, who is told).
_ORDER_MOVES = {
    "confirmed": ("order_confirmed", "buyer"),
    "shipped": ("order_shipped", "buyer"),
    "delivered": ("order_delivered", "buyer"),
    "cancelled": ("order_cancelled", "buyer"),
    "returned": ("order_returned", "buyer"),
}


def order_ref(order_id: str) -> str:
    """The short reference people read an order by: ``#3F2A9C1B``."""
    return order_id[:8].upper()


def _order_params(order: Order) -> dict:
    lines = list(order.lines)
    contact = order.buyer_contact or order.shipping_address or {}
    return {
        "order_id": order.id,
        "ref": order_ref(order.id),
        "total": order.total,
        "currency": order.currency,
        "first_item": lines[0].title if lines else "",
        "first_quantity": lines[0].quantity if lines else 0,
        "more_items": max(len(lines) - 1, 0),
        "buyer": contact.get("name") or "",
        "shop": order.shop.name,
    }


def placed_notices(orders: Iterable[Order]) -> list[Notice]:
    """``order_placed`` to each shop's owner for the orders that start ``placed`` (cash on
    delivery); those waiting for a payment are told when it arrives (``payment_received``).
    Returned, not written: the checkout writes them with its orders (lifecycle.write_checkout)."""
    return [
        Notice(
            order.shop.owner_id,
            "order_placed",
            _order_params(order),
            links.order_for_seller(order.id),
        )
        for order in orders
        if order.status == "placed" and order.shop.owner_id != order.buyer_id
    ]


def order_moved(
    order: Order, source: str, target: str, actor: User | None, reason: str | None = None
) -> None:
    """Tell the other party of an order's move (see ``_ORDER_MOVES``).

    A payment (``pending_payment`` → ``placed``) is ``payment_received`` to the shop's owner:
    one message for a new paid order. A cancellation before payment tells nobody (the buyer
    never paid; the seller never had the order to fulfil). A cancellation by the buyer, and a
    delivery the buyer confirms, go to the shop's owner instead.
    """
    actor_id = actor.id if actor is not None else None
    owner_id = order.shop.owner_id
    if source == "pending_payment":
        if target != "placed":
            return
        kind, audience = "payment_received", "owner"
    elif target in _ORDER_MOVES:
        kind, audience = _ORDER_MOVES[target]
        if actor_id is not None and actor_id == order.buyer_id and actor_id != owner_id:
            audience = "owner"
    else:
        return
    recipient_id = owner_id if audience == "owner" else order.buyer_id
    if recipient_id is None or recipient_id == actor_id:
        return
    params = _order_params(order) | {"variant": audience}
    if target == "shipped":
        params |= {"carrier": order.carrier or "", "tracking_number": order.tracking_number or ""}
        if not order.carrier:
            params["variant"] = "by_shop"
        elif not order.tracking_number:
            params["variant"] = "untracked"
    if reason and target in ("cancelled", "returned"):
        params["reason"] = reason
    link = links.order_for_seller(order.id) if audience == "owner" else None
    outbox.write([Notice(recipient_id, kind, params, link or links.order_for_buyer(order.id))])


def livestream_started(livestream: Livestream) -> None:
    """``livestream_starting`` to everyone following the shop (its owner aside)."""
    shop = livestream.shop
    params = {
        "livestream_id": livestream.id,
        "title": livestream.title,
        "shop": shop.name,
        "platform": livestream.platform,
    }
    outbox.write(
        Notice(
            follower_id,
            "livestream_starting",
            params,
            links.livestream(livestream.id),
            dedupe_key=f"livestream-started:{livestream.id}",
        )
        for follower_id in outbox.followers_of(shop.id, besides=shop.owner_id)
    )


def ocop_decided(application: OcopApplication) -> None:
    """``ocop_decided`` to the owner of the product, once the application is approved (with
    the stars granted) or rejected (with the reason)."""
    product = application.product
    params = {
        "variant": application.status,
        "application_id": application.id,
        "product_id": product.id,
        "product": product.title,
        "stars": application.stars,
        "certificate_number": application.certificate_number,
        "reason": application.reason,
        "note": application.note,
    }
    outbox.write([Notice(product.shop.owner_id, "ocop_decided", params, links.seller_ocop())])


def notify_expiring_certificates(today: date) -> int:
    """``ocop_expiring`` to the owners of current certificates lapsing within 60 days, once
    per certificate and reminder (60 days before, then 14): a day missed by cron is caught up
    the next day, and a run repeated tells nobody twice. Commits; returns how many were told."""
    horizon = today + timedelta(days=max(EXPIRY_REMINDER_DAYS))
    rows = db.session.execute(
        sa.select(
            OcopCertificate.id,
            OcopCertificate.stars,
            OcopCertificate.certificate_number,
            OcopCertificate.expires_on,
            Product.id.label("product_id"),
            Product.title,
            Shop.owner_id,
        )
        .join(Product, Product.id == OcopCertificate.product_id)
        .join(Shop, Shop.id == Product.shop_id)
        .where(
            OcopCertificate.is_current.is_(True),
            OcopCertificate.expires_on >= today,
            OcopCertificate.expires_on <= horizon,
            Product.status != "archived",
        )
        .order_by(OcopCertificate.expires_on, OcopCertificate.id)
    ).all()
    due: dict[str, tuple] = {}
    for row in rows:
        days_left = (row.expires_on - today).days
        reminder = min(d for d in EXPIRY_REMINDER_DAYS if days_left <= d)
        due[f"ocop-expiring:{row.id}:{reminder}"] = (row, days_left)
    if not due:
        return 0
    told = set(
        db.session.scalars(
            sa.select(Notification.dedupe_key).where(Notification.dedupe_key.in_(list(due)))
        )
    )
    notices = [
        Notice(
            row.owner_id,
            "ocop_expiring",
            {
                "certificate_id": row.id,
                "product_id": row.product_id,
                "product": row.title,
                "stars": row.stars,
                "certificate_number": row.certificate_number,
                "expires_on": row.expires_on.isoformat(),
                "days": days_left,
            },
            links.seller_ocop(),
            dedupe_key=key,
        )
        for key, (row, days_left) in due.items()
        if key not in told
    ]
    try:
        outbox.write(notices)
        db.session.commit()
    except IntegrityError:
        # Another run told them meanwhile (the dedupe key is unique per user).
        db.session.rollback()
        return 0
    return len(notices)
