"""Artisans' shops."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.models.bank import ShopBankAccount
from marketplace.models.base import IdMixin, TimestampMixin, UTCDateTime, db
from marketplace.models.media import Media
from marketplace.models.user import User


class Shop(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "shops"
    __table_args__ = (
        sa.CheckConstraint("status IN ('active', 'suspended')", name="status"),
        sa.CheckConstraint("shipping_fee IS NULL OR shipping_fee >= 0", name="shipping_fee"),
        sa.CheckConstraint(
            "international_shipping_fee IS NULL OR international_shipping_fee >= 0",
            name="international_shipping_fee",
        ),
        sa.CheckConstraint(
            "local_shipping_fee IS NULL OR local_shipping_fee >= 0", name="local_shipping_fee"
        ),
        sa.CheckConstraint(
            "free_shipping_over IS NULL OR free_shipping_over >= 0", name="free_shipping_over"
        ),
    )

    slug: Mapped[str] = mapped_column(sa.String(140), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    # Lower-case, diacritics folded: what search compares against.
    name_search: Mapped[str] = mapped_column(sa.String(120), default="")
    description: Mapped[str | None] = mapped_column(sa.Text)
    story: Mapped[str | None] = mapped_column(sa.Text)
    # Official names and codes of the 2025 units (services/places). A shop whose commune the
    # 2025 migration could not map keeps its old name, without a code, until it is edited.
    province: Mapped[str] = mapped_column(sa.String(80))
    province_code: Mapped[str] = mapped_column(sa.String(2))
    commune: Mapped[str] = mapped_column(sa.String(80), index=True)
    commune_code: Mapped[str | None] = mapped_column(sa.String(5), index=True)
    village: Mapped[str | None] = mapped_column(sa.String(80))
    ethnic_group: Mapped[str | None] = mapped_column(sa.String(40))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    facebook_url: Mapped[str | None] = mapped_column(sa.String(500))
    zalo_phone: Mapped[str | None] = mapped_column(sa.String(20))
    owner_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(12), default="active", index=True)
    suspension_reason: Mapped[str | None] = mapped_column(sa.Text)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    logo_id: Mapped[str | None] = mapped_column(sa.ForeignKey("media.id"))
    cover_id: Mapped[str | None] = mapped_column(sa.ForeignKey("media.id"))
    # Domestic fee (null: no delivery in Vietnam); inside the shop's own province
    # local_shipping_fee when set; free in Vietnam once an order's subtotal reaches
    # free_shipping_over; international_shipping_fee abroad (null: not abroad).
    shipping_fee: Mapped[int | None] = mapped_column(sa.Integer)
    local_shipping_fee: Mapped[int | None] = mapped_column(sa.Integer)
    free_shipping_over: Mapped[int | None] = mapped_column(sa.Integer)
    international_shipping_fee: Mapped[int | None] = mapped_column(sa.Integer)

    owner: Mapped[User] = relationship()
    logo: Mapped[Media | None] = relationship(foreign_keys=[logo_id])
    cover: Mapped[Media | None] = relationship(foreign_keys=[cover_id])
    # Shown to its owner and the trade office only (services/orders/bank_accounts).
    bank_account: Mapped[ShopBankAccount | None] = relationship(
        back_populates="shop", cascade="all, delete-orphan"
    )

    @property
    def verified(self) -> bool:
        return self.verified_at is not None
