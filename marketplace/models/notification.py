"""Notifications (the in-app list and the outbox), their deliveries by channel, shop follows."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.models.base import IdMixin, UTCDateTime, db, utcnow

CHANNELS = ("sms", "email")
DELIVERY_STATUSES = ("pending", "sent", "failed", "cancelled")


class Notification(IdMixin, db.Model):
    """Something that happened, told to one user: one row, written in the transaction of the
    event (the outbox).

    ``params`` is what its words are made from: the title and body are written when the list
    is read, the text message and the e-mail when they are sent, each in the user's language
    of that moment (services/notifications/messages). ``link`` is a path of the site, made
    absolute with PUBLIC_BASE_URL. Until ``dispatched_at`` the worker has not yet given it its
    deliveries, one per channel the user chose.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        # An event told once per user, when it says so (a certificate's 60-day reminder).
        sa.UniqueConstraint("user_id", "dedupe_key", name="uq_notifications_user_dedupe_key"),
        sa.Index("ix_notifications_user_listing", "user_id", "created_at", "id"),
        # The worker's first queue: notifications still without their deliveries.
        sa.Index(
            "ix_notifications_undispatched",
            "created_at",
            sqlite_where=sa.text("dispatched_at IS NULL"),
            postgresql_where=sa.text("dispatched_at IS NULL"),
        ),
    )

    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    link: Mapped[str | None] = mapped_column(sa.String(500))
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(120))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class NotificationDelivery(IdMixin, db.Model):
    """One message to send over one channel, worked by the worker.

    ``pending`` rows are due at ``next_attempt_at``; a worker that takes one moves that time
    past the end of its lease (``claimed_by``), so a worker that dies mid-send leaves the row to
    be taken again when the lease ends. ``sent`` is final: nothing sends a sent row again.
    """

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        sa.CheckConstraint("channel IN ('sms', 'email')", name="channel"),
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed', 'cancelled')", name="status"),
        sa.CheckConstraint("attempts >= 0", name="attempts"),
        sa.CheckConstraint(
            "(notification_id IS NULL) <> (password_reset_id IS NULL)", name="one_source"
        ),
        # The worker's queue: only pending rows, by due time.
        sa.Index(
            "ix_notification_deliveries_due",
            "next_attempt_at",
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
    )

    notification_id: Mapped[str | None] = mapped_column(
        sa.ForeignKey("notifications.id"), index=True
    )
    password_reset_id: Mapped[str | None] = mapped_column(
        sa.ForeignKey("password_resets.id"), index=True
    )
    channel: Mapped[str] = mapped_column(sa.String(8))
    # The phone number (E.164) or e-mail address, as the user had it when it was dispatched.
    address: Mapped[str] = mapped_column(sa.String(254))
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(32))
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ShopFollow(db.Model):
    """A user following a shop: told when its livestreams start."""

    __tablename__ = "shop_follows"

    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    shop_id: Mapped[str] = mapped_column(sa.ForeignKey("shops.id"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
