"""What the trade office console's pages list: the review queue with each product and shop,
shops and products to moderate, products to pick for a collection, and the month against the
last. Reads only; every change goes through the other trade-office services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from marketplace.extensions import db
from marketplace.models import OcopApplication, Product, Shop, User
from marketplace.services.catalog.products import visible_products_clause
from marketplace.services.places import local_today
from marketplace.services.text import fold
from marketplace.services.trade_office import reports

SHOP_STATUSES = ("active", "suspended")
PRODUCT_STATUSES = ("active", "draft", "suspended", "archived")


def applications(status: str = "pending", limit: int = 100) -> list[OcopApplication]:
    """Applications oldest first (pending: the queue), each with product, shop and evidence."""
    stmt = (
        sa.select(OcopApplication)
        .options(
            selectinload(OcopApplication.evidence),
            selectinload(OcopApplication.product).selectinload(Product.shop),
        )
        .order_by(OcopApplication.created_at, OcopApplication.id)
        .limit(limit)
    )
    if status:
        stmt = stmt.where(OcopApplication.status == status)
    if status != "pending":
        stmt = stmt.order_by(None).order_by(
            OcopApplication.reviewed_at.desc(), OcopApplication.id.desc()
        )
    return list(db.session.scalars(stmt))


def count_pending() -> int:
    return db.session.scalar(
        sa.select(sa.func.count(OcopApplication.id)).where(OcopApplication.status == "pending")
    )


@dataclass(frozen=True)
class ShopRow:
    shop: Shop
    owner: User
    products: int


def shops(status: str | None = None, q: str | None = None, limit: int = 200) -> list[ShopRow]:
    """Shops by name, any status unless asked, with their owner and number of products."""
    counts = (
        sa.select(Product.shop_id, sa.func.count(Product.id).label("n"))
        .where(Product.status != "archived")
        .group_by(Product.shop_id)
        .subquery()
    )
    stmt = (
        sa.select(Shop, User, sa.func.coalesce(counts.c.n, 0))
        .join(User, User.id == Shop.owner_id)
        .outerjoin(counts, counts.c.shop_id == Shop.id)
        .order_by(Shop.name_search, Shop.id)
        .limit(limit)
    )
    if status in SHOP_STATUSES:
        stmt = stmt.where(Shop.status == status)
    folded = fold(q)
    if folded:
        stmt = stmt.where(Shop.name_search.contains(folded, autoescape=True))
    return [ShopRow(shop, owner, count) for shop, owner, count in db.session.execute(stmt)]


def products(status: str | None = None, q: str | None = None, limit: int = 200) -> list[Product]:
    """Products newest first, with their shop; drafts and archived ones only when asked."""
    stmt = (
        sa.select(Product)
        .options(selectinload(Product.shop))
        .order_by(Product.created_at.desc(), Product.id.desc())
        .limit(limit)
    )
    if status in PRODUCT_STATUSES:
        stmt = stmt.where(Product.status == status)
    else:
        stmt = stmt.where(Product.status.in_(("active", "suspended")))
    folded = fold(q)
    if folded:
        stmt = stmt.where(Product.text_search.contains(folded, autoescape=True))
    return list(db.session.scalars(stmt))


def pickable_products(q: str | None, limit: int = 20, besides: list[str] = ()) -> list[Product]:
    """Products a collection may hold (visible ones), matching ``q`` without diacritics."""
    stmt = (
        sa.select(Product)
        .join(Shop, Shop.id == Product.shop_id)
        .options(selectinload(Product.shop))
        .where(visible_products_clause())
        .order_by(Product.title, Product.id)
        .limit(limit)
    )
    folded = fold(q)
    if folded:
        stmt = stmt.where(Product.text_search.contains(folded, autoescape=True))
    if besides:
        stmt = stmt.where(Product.id.not_in(list(besides)))
    return list(db.session.scalars(stmt))


def products_by_id(ids: list[str]) -> dict[str, Product]:
    if not ids:
        return {}
    stmt = sa.select(Product).options(selectinload(Product.shop)).where(Product.id.in_(ids))
    return {product.id: product for product in db.session.scalars(stmt)}


@dataclass(frozen=True)
class MonthAgainstLast:
    """This month so far against the same days of last month (orders and revenue)."""

    this_first: date
    this_last: date
    last_first: date
    last_last: date
    this_orders: int
    this_revenue: int
    last_orders: int
    last_revenue: int

    @property
    def change(self) -> float | None:
        """The revenue's change in per cent, None when last month sold nothing."""
        if not self.last_revenue:
            return None
        return round((self.this_revenue - self.last_revenue) * 100 / self.last_revenue, 1)


def month_against_last(today: date | None = None) -> MonthAgainstLast:
    today = today or local_today()
    this_first = today.replace(day=1)
    last_last_of_month = this_first - timedelta(days=1)
    last_first = last_last_of_month.replace(day=1)
    # The same number of days into last month (or all of it, when it was shorter).
    last_last = min(last_first + (today - this_first), last_last_of_month)
    now = reports.overview(this_first, today)
    before = reports.overview(last_first, last_last)
    return MonthAgainstLast(
        this_first,
        today,
        last_first,
        last_last,
        now["orders"],
        now["revenue"],
        before["orders"],
        before["revenue"],
    )


def last_months(count: int, today: date | None = None) -> tuple[date, date]:
    """The first day of the month ``count - 1`` months ago, and today: ``count`` months."""
    today = today or local_today()
    first = today.replace(day=1)
    for _ in range(count - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    return first, today
