"""The payments ledger and the provider events already applied."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.models.base import IdMixin, UTCDateTime, db, utcnow


class PaymentTransaction(IdMixin, db.Model):
    """A charge or a refund. A refund is recorded (pending) before the provider is called."""

    __tablename__ = "payment_transactions"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("kind IN ('charge', 'refund')", name="kind"),
        sa.CheckConstraint("status IN ('pending', 'succeeded', 'failed')", name="status"),
    )

    checkout_id: Mapped[str] = mapped_column(sa.ForeignKey("checkouts.id"), index=True)
    order_id: Mapped[str | None] = mapped_column(sa.ForeignKey("orders.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    provider: Mapped[str] = mapped_column(sa.String(20), default="stripe")
    provider_ref: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    failure: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ProcessedEvent(db.Model):
    """A provider webhook event already applied: the same event id is applied once."""

    __tablename__ = "processed_events"

    id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(100))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
