"""Signed-in buyers' carts: what they mean to buy, kept in the database so that a cart filled
on the phone is still there on the computer. Anonymous visitors' carts live in their session
and join the account at sign-in (services/orders/cart)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.models.base import UTCDateTime, db, utcnow


class CartItem(db.Model):
    """One variant in a buyer's cart, and how many; prices are never kept (the quote prices)."""

    __tablename__ = "cart_items"
    __table_args__ = (sa.CheckConstraint("quantity >= 1 AND quantity <= 999", name="quantity"),)

    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    variant_id: Mapped[str] = mapped_column(
        sa.ForeignKey("product_variants.id"), primary_key=True, index=True
    )
    quantity: Mapped[int] = mapped_column(sa.Integer)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
