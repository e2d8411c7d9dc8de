"""Assisted listing: an officer's time-boxed grant to act for a shop's owner (API.md v1.1)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.models.base import IdMixin, UTCDateTime, db, utcnow
from marketplace.models.shop import Shop
from marketplace.models.user import User


class AssistanceGrant(IdMixin, db.Model):
    """Open from ``starts_at`` until ``expires_at`` or ``ended_at``, whichever comes first."""

    __tablename__ = "assistance_grants"
    __table_args__ = (
        sa.Index("ix_assistance_grants_shop", "shop_id", "expires_at"),
        sa.Index("ix_assistance_grants_officer", "officer_id", "expires_at"),
    )

    shop_id: Mapped[str] = mapped_column(sa.ForeignKey("shops.id"))
    officer_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id"))
    consent_note: Mapped[str] = mapped_column(sa.Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_by_id: Mapped[str | None] = mapped_column(sa.ForeignKey("users.id"))

    shop: Mapped[Shop] = relationship()
    officer: Mapped[User] = relationship(foreign_keys=[officer_id])

    def is_open(self, now: datetime) -> bool:
        return self.ended_at is None and self.starts_at <= now < self.expires_at
