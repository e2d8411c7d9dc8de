"""Livestream sessions, the products they feature and the orders taken from comments."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.models.base import IdMixin, TimestampMixin, UTCDateTime, db, utcnow
from marketplace.models.order import Order
from marketplace.models.product import Product
from marketplace.models.shop import Shop


class Livestream(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "livestreams"
    __table_args__ = (
        sa.CheckConstraint("status IN ('scheduled', 'live', 'ended', 'cancelled')", name="status"),
        sa.CheckConstraint(
            "platform IN ('facebook', 'tiktok', 'youtube', 'zalo', 'other')", name="platform"
        ),
        sa.Index("ix_livestreams_status_start", "status", "scheduled_start"),
    )

    shop_id: Mapped[str] = mapped_column(sa.ForeignKey("shops.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    platform: Mapped[str] = mapped_column(sa.String(10))
    url: Mapped[str] = mapped_column(sa.String(1000))
    status: Mapped[str] = mapped_column(sa.String(10), default="scheduled")
    scheduled_start: Mapped[datetime] = mapped_column(UTCDateTime())
    scheduled_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)
    pinned_product_id: Mapped[str | None] = mapped_column(sa.ForeignKey("products.id"))

    shop: Mapped[Shop] = relationship()
    # Every product ever featured, removed ones included: a code is never given to another
    # product, and a product featured again gets its old code back.
    featured: Mapped[list[LivestreamProduct]] = relationship(
        order_by="LivestreamProduct.position", cascade="all, delete-orphan"
    )
    history: Mapped[list[LivestreamEvent]] = relationship(
        order_by="(LivestreamEvent.created_at, LivestreamEvent.id)", cascade="all, delete-orphan"
    )


class LivestreamProduct(db.Model):
    """A product featured in a livestream, with its short code (A1, A2, …) and live price."""

    __tablename__ = "livestream_products"
    __table_args__ = (
        sa.UniqueConstraint("livestream_id", "code", name="uq_livestream_products_code"),
        sa.CheckConstraint("live_price IS NULL OR live_price > 0", name="live_price_positive"),
    )

    livestream_id: Mapped[str] = mapped_column(sa.ForeignKey("livestreams.id"), primary_key=True)
    product_id: Mapped[str] = mapped_column(sa.ForeignKey("products.id"), primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(8))
    live_price: Mapped[int | None] = mapped_column(sa.Integer)
    position: Mapped[int] = mapped_column(sa.Integer, default=0)
    # Set when the seller takes the product off the session; the row keeps its code.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    product: Mapped[Product] = relationship()


class LivestreamEvent(IdMixin, db.Model):
    """One move of a livestream's status: who (null for the system), when, from, to and why."""

    __tablename__ = "livestream_events"

    livestream_id: Mapped[str] = mapped_column(sa.ForeignKey("livestreams.id"), index=True)
    from_status: Mapped[str] = mapped_column(sa.String(10))
    to_status: Mapped[str] = mapped_column(sa.String(10))
    actor_id: Mapped[str | None] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LivestreamClaim(IdMixin, db.Model):
    """An order the seller took from a buyer's comment ("A2 x3") during a livestream."""

    __tablename__ = "livestream_claims"

    livestream_id: Mapped[str] = mapped_column(sa.ForeignKey("livestreams.id"), index=True)
    comment: Mapped[str] = mapped_column(sa.String(500))
    code: Mapped[str] = mapped_column(sa.String(8))
    quantity: Mapped[int] = mapped_column(sa.Integer)
    order_id: Mapped[str] = mapped_column(sa.ForeignKey("orders.id"))
    created_by: Mapped[str] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    order: Mapped[Order] = relationship()
