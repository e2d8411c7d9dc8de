"""Bank transfers: the account a shop is paid into, and the transactions a bank feed reports."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.models.base import IdMixin, TimestampMixin, UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from marketplace.models.shop import Shop

BANK_TRANSACTION_STATUSES = ("applied", "unmatched")


class ShopBankAccount(TimestampMixin, db.Model):
    """The account a shop's buyers transfer to: one per shop, kept as the bank prints it."""

    __tablename__ = "shop_bank_accounts"

    shop_id: Mapped[str] = mapped_column(sa.ForeignKey("shops.id"), primary_key=True)
    # Napas's BIN of the bank (six digits), from the bank list of the VietQR adapter.
    bank_bin: Mapped[str] = mapped_column(sa.String(10))
    account_number: Mapped[str] = mapped_column(sa.String(32), index=True)
    # Upper case without diacritics, as banks print it: LO THI HOA.
    account_name: Mapped[str] = mapped_column(sa.String(70))

    shop: Mapped[Shop] = relationship(back_populates="bank_account")


class BankTransaction(IdMixin, db.Model):
    """A credit a bank feed reported, kept whether or not it paid an order.

    ``external_id`` is the feed's own id of the transaction: unique, so that a transaction
    delivered twice (or thirty times at once) is applied once.
    """

    __tablename__ = "bank_transactions"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("status IN ('applied', 'unmatched')", name="status"),
        sa.Index("ix_bank_transactions_status_received", "status", "received_at", "id"),
    )

    external_id: Mapped[str] = mapped_column(sa.String(100), unique=True)
    account_number: Mapped[str] = mapped_column(sa.String(40), index=True)
    amount: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    transferred_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[str] = mapped_column(sa.String(10))
    # Why an unmatched transaction paid nothing: no_reference, wrong_account, underpaid,
    # order_closed (cancelled or expired), already_paid.
    reason: Mapped[str | None] = mapped_column(sa.String(30))
    # The order it paid, or the one its reference named.
    order_id: Mapped[str | None] = mapped_column(sa.ForeignKey("orders.id"), index=True)
    # The shop it was meant for, when known (its order's shop).
    shop_id: Mapped[str | None] = mapped_column(sa.ForeignKey("shops.id"), index=True)
