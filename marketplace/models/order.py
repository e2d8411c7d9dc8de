"""Checkouts, the per-shop orders they create, order lines and order history."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.models.base import IdMixin, TimestampMixin, UTCDateTime, db, utcnow
from marketplace.models.shop import Shop

ORDER_STATUSES = (
    "pending_payment",
    "placed",
    "confirmed",
    "shipped",
    "delivered",
    "cancelled",
    "returned",
)
PAYMENT_STATUSES = ("unpaid", "paid", "refunded", "partially_refunded")


class Checkout(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "checkouts"
    __table_args__ = (
        sa.CheckConstraint("total >= 0", name="total"),
        sa.CheckConstraint(
            "payment_method IN ('cod', 'stripe', 'bank_transfer')", name="payment_method"
        ),
    )

    buyer_id: Mapped[str | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(20))
    payment_method: Mapped[str] = mapped_column(sa.String(20))
    total: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    payment_intent_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    client_secret: Mapped[str | None] = mapped_column(sa.String(255))
    payment_failure: Mapped[str | None] = mapped_column(sa.Text)

    orders: Mapped[list[Order]] = relationship(
        back_populates="checkout", order_by="(Order.created_at, Order.id)"
    )


class Order(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "orders"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('pending_payment', 'placed', 'confirmed', 'shipped', 'delivered', "
            "'cancelled', 'returned')",
            name="status",
        ),
        sa.CheckConstraint(
            "payment_status IN ('unpaid', 'paid', 'refunded', 'partially_refunded')",
            name="payment_status",
        ),
        sa.CheckConstraint("subtotal >= 0 AND shipping_fee >= 0 AND total >= 0", name="amounts"),
        sa.Index("ix_orders_shop_listing", "shop_id", "created_at", "id"),
        sa.Index("ix_orders_buyer_listing", "buyer_id", "created_at", "id"),
        sa.Index("ix_orders_status_created", "status", "created_at"),
    )

    checkout_id: Mapped[str] = mapped_column(sa.ForeignKey("checkouts.id"), index=True)
    shop_id: Mapped[str] = mapped_column(sa.ForeignKey("shops.id"))
    # Null for an order taken from a livestream comment by a buyer with no account.
    buyer_id: Mapped[str | None] = mapped_column(sa.ForeignKey("users.id"))
    buyer_contact: Mapped[dict | None] = mapped_column(sa.JSON)
    status: Mapped[str] = mapped_column(sa.String(20))
    payment_method: Mapped[str] = mapped_column(sa.String(20))
    payment_status: Mapped[str] = mapped_column(sa.String(20), default="unpaid")
    subtotal: Mapped[int] = mapped_column(sa.BigInteger)
    shipping_fee: Mapped[int] = mapped_column(sa.BigInteger)
    total: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    shipping_address: Mapped[dict] = mapped_column(sa.JSON)
    note: Mapped[str | None] = mapped_column(sa.Text)
    carrier: Mapped[str | None] = mapped_column(sa.String(80))
    tracking_number: Mapped[str | None] = mapped_column(sa.String(120))
    # Bank transfer: the code the buyer writes in the transfer's note, the instructions the
    # buyer was given (the shop's account as it was then, the amount, the VietQR payload) and
    # the moment the order stops holding its stock.
    payment_reference: Mapped[str | None] = mapped_column(sa.String(12), unique=True)
    payment_instructions: Mapped[dict | None] = mapped_column(sa.JSON)
    payment_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    checkout: Mapped[Checkout] = relationship(back_populates="orders")
    shop: Mapped[Shop] = relationship()
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.position"
    )
    history: Mapped[list[OrderEvent]] = relationship(
        order_by="(OrderEvent.created_at, OrderEvent.id)"
    )


class OrderLine(IdMixin, db.Model):
    __tablename__ = "order_lines"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("unit_price > 0", name="unit_price_positive"),
    )

    order_id: Mapped[str] = mapped_column(sa.ForeignKey("orders.id"), index=True)
    position: Mapped[int] = mapped_column(sa.Integer, default=0)
    product_id: Mapped[str] = mapped_column(sa.ForeignKey("products.id"), index=True)
    variant_id: Mapped[str] = mapped_column(sa.ForeignKey("product_variants.id"))
    title: Mapped[str] = mapped_column(sa.String(300))
    unit_price: Mapped[int] = mapped_column(sa.BigInteger)
    quantity: Mapped[int] = mapped_column(sa.Integer)
    line_total: Mapped[int] = mapped_column(sa.BigInteger)
    livestream_id: Mapped[str | None] = mapped_column(sa.ForeignKey("livestreams.id"), index=True)

    order: Mapped[Order] = relationship(back_populates="lines")


class OrderEvent(IdMixin, db.Model):
    """One move of an order's status: who, when, from, to and why."""

    __tablename__ = "order_events"

    order_id: Mapped[str] = mapped_column(sa.ForeignKey("orders.id"), index=True)
    from_status: Mapped[str] = mapped_column(sa.String(20))
    to_status: Mapped[str] = mapped_column(sa.String(20))
    # Null when the system made the move (payments, expiry).
    actor_id: Mapped[str | None] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IdempotencyKey(IdMixin, db.Model):
    """A client's Idempotency-Key with the fingerprint of its request and the first answer."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (sa.UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_key"),)

    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(sa.String(255))
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    response_status: Mapped[int | None] = mapped_column(sa.Integer)
    response_body: Mapped[dict | None] = mapped_column(sa.JSON)
    # What the request made ("checkout", "livestream_claim" and its id), written in the work's
    # own transaction: a retry that finds it without an answer (the worker died before storing
    # one) rebuilds the answer from it instead of doing the work again.
    resource_type: Mapped[str | None] = mapped_column(sa.String(40))
    resource_id: Mapped[str | None] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
