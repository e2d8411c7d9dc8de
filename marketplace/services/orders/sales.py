"""A shop's own figures for its seller centre: sales by local day, and what waits for it.

Orders count as sales when ``placed``, ``confirmed``, ``shipped`` or ``delivered`` (as in the
trade office's reports), on the day they were made in Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Order
from marketplace.services.places import LOCAL_TZ, local_today

SOLD_STATUSES = ("placed", "confirmed", "shipped", "delivered")
# What the shop has to act on: a transfer to check, an order to confirm, a parcel to send.
WAITING_STATUSES = ("pending_payment", "placed", "confirmed")


@dataclass(frozen=True)
class DaySales:
    day: date
    orders: int
    revenue: int


def daily_sales(shop_id: str, days: int = 30, today: date | None = None) -> list[DaySales]:
    """One entry per local day of the last ``days`` (today last), days without sales included."""
    last = today or local_today()
    first = last - timedelta(days=days - 1)
    start = datetime.combine(first, time.min, LOCAL_TZ).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time.min, LOCAL_TZ).astimezone(UTC)
    rows = db.session.execute(
        sa.select(Order.created_at, Order.total).where(
            Order.shop_id == shop_id,
            Order.status.in_(SOLD_STATUSES),
            Order.created_at >= start,
            Order.created_at < end,
        )
    )
    totals: dict[date, list[int]] = {}
    for created_at, total in rows:
        entry = totals.setdefault(created_at.astimezone(LOCAL_TZ).date(), [0, 0])
        entry[0] += 1
        entry[1] += total
    return [
        DaySales(day, *totals.get(day, (0, 0)))
        for day in (first + timedelta(days=n) for n in range(days))
    ]


def waiting_counts(shop_id: str) -> dict[str, int]:
    """How many of the shop's orders wait in each of ``WAITING_STATUSES`` (zero included)."""
    rows = db.session.execute(
        sa.select(Order.status, sa.func.count())
        .where(Order.shop_id == shop_id, Order.status.in_(WAITING_STATUSES))
        .group_by(Order.status)
    )
    counts = dict.fromkeys(WAITING_STATUSES, 0)
    counts.update({status: count for status, count in rows})
    return counts
