"""Daily sales rollups for the trade office's reports, kept in step with orders by triggers.

``sales_daily`` holds, per local (Asia/Ho_Chi_Minh) day and shop, the counted orders, their
units and revenue; ``sales_daily_changes`` is where the database triggers of migration
reports_0001 append every change an order or order line makes to those figures, in the
transaction that makes it. Appending (rather than updating one row per day and shop) keeps
checkouts of one shop from queueing on a shared row and from deadlocking across shops. Reports
read the sum of both tables; ``reports.compact_sales_daily`` folds the changes into the
rollup now and then. Neither table is written by the application's code.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.models.base import db


class SalesDaily(db.Model):
    __tablename__ = "sales_daily"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    shop_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    orders: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    units: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    revenue: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class SalesDailyChange(db.Model):
    __tablename__ = "sales_daily_changes"

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    day: Mapped[date] = mapped_column(sa.Date)
    shop_id: Mapped[str] = mapped_column(sa.String(32))
    orders: Mapped[int] = mapped_column(sa.BigInteger)
    units: Mapped[int] = mapped_column(sa.BigInteger)
    revenue: Mapped[int] = mapped_column(sa.BigInteger)


class SalesLine(db.Model):
    """A line of a counted order, with its order's local day: what the reports by OCOP stars
    and by category read (no join with the orders), kept by the same triggers."""

    __tablename__ = "sales_lines"
    __table_args__ = (
        sa.Index("ix_sales_lines_day", "day"),
        sa.Index("ix_sales_lines_order_id", "order_id"),
    )

    line_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    order_id: Mapped[str] = mapped_column(sa.String(32))
    # One number per order (the same on all its lines): COUNT(DISTINCT) of eight-byte numbers
    # sorts in memory where 32-character ids spilled to disk.
    order_no: Mapped[int] = mapped_column(sa.BigInteger)
    product_id: Mapped[str] = mapped_column(sa.String(32))
    day: Mapped[date] = mapped_column(sa.Date)
    quantity: Mapped[int] = mapped_column(sa.Integer)
    line_total: Mapped[int] = mapped_column(sa.BigInteger)
