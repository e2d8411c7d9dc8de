"""The demo world's past: accounts, shops and products dated before the trade they made.

The other steps make everything through the services, so it is all stamped at load time,
while the demo's orders go back five months (trade.backdate_checkout). This last step
dates the world before its trade: buyers joined a little before their first order, each shop
opened in its turn over the year before (its artisan's account a couple of days earlier), and
its products went up one by one between its opening and a few days ago, never after their
first order. The catalog's "newest" order then means something, and mixes the shops.

Dates are offsets from the day of loading, in Vietnam's time, as the orders' are. A row is
moved only when it is younger than its date, so a second run moves nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from marketplace.demo.catalogue_data import PRODUCTS, SHOPS
from marketplace.demo.world import DemoWorld
from marketplace.extensions import db
from marketplace.models import Order, OrderLine, Product, Shop, User
from marketplace.services import places

# The first shop opened this many days before the day of loading; each next one later.
FIRST_SHOP_DAYS_AGO = 330
DAYS_BETWEEN_SHOPS = 12
# A shop's products went up evenly spaced between its opening and this many days ago.
LAST_LISTING_DAYS_AGO = 4
# Accounts: artisans a little before their shop opened; buyers before their first order.
ACCOUNT_LEAD_DAYS = 2
OFFICER_DAYS_AGO = 365
BUYER_LEAD_DAYS = 9


def _local(days_ago: float, minutes_into_day: int = 8 * 60 + 30) -> datetime:
    """A moment ``days_ago`` days before today in Vietnam, at a working hour."""
    day = places.local_today() - timedelta(days=int(days_ago))
    hour, minute = divmod(minutes_into_day % (10 * 60) + 7 * 60, 60)
    return datetime.combine(day, time(hour, minute), places.LOCAL_TZ).astimezone(UTC)


def _first_orders(column) -> dict[str, datetime]:
    """When each shop, product or buyer (``column`` of an order or its lines) first sold or
    bought anything."""
    stmt = sa.select(column, sa.func.min(Order.created_at)).group_by(column)
    if column.class_ is OrderLine:
        stmt = stmt.join(Order, Order.id == OrderLine.order_id)
    return {key: first for key, first in db.session.execute(stmt) if key is not None}


def _no_later_than(target: datetime, first_order: datetime | None) -> datetime:
    """``target``, or a day before the first order when that came earlier."""
    if first_order is not None and first_order - timedelta(days=1) < target:
        return first_order - timedelta(days=1)
    return target


# Rows whose last change came this soon after their creation were never changed since.
UNCHANGED_WITHIN = timedelta(seconds=5)


def _move_back(model, dates: dict[str, datetime]) -> None:
    """Move each row's creation back to its date (never forward), in one read and one write.
    Its ``updated_at`` follows when it was never changed since; a later change keeps its date."""
    has_updated_at = hasattr(model, "updated_at")
    columns = [model.id, model.created_at, *([model.updated_at] if has_updated_at else [])]
    changes = []
    for row in db.session.execute(sa.select(*columns).where(model.id.in_(list(dates)))):
        when = dates[row.id]
        if row.created_at <= when:
            continue
        change = {"id": row.id, "created_at": when}
        if has_updated_at:
            # Written out even when kept: the column's onupdate would stamp it now otherwise.
            unchanged = row.updated_at - row.created_at <= UNCHANGED_WITHIN
            change["updated_at"] = when if unchanged else row.updated_at
        changes.append(change)
    if changes:
        db.session.execute(sa.update(model), changes)


def date_the_world(world: DemoWorld) -> None:
    """Accounts, shops and products dated before the orders they took part in."""
    shop_first = _first_orders(Order.shop_id)
    product_first = _first_orders(OrderLine.product_id)
    buyer_first = _first_orders(Order.buyer_id)
    dates: dict = {Shop: {}, Product: {}, User: {}}
    for index, (shop_key, owner_key, _) in enumerate(SHOPS):
        shop = world.shops[shop_key]
        opened = _no_later_than(
            _local(FIRST_SHOP_DAYS_AGO - index * DAYS_BETWEEN_SHOPS, index * 47),
            shop_first.get(shop.id),
        )
        dates[Shop][shop.id] = opened
        dates[User][world.users[owner_key].id] = opened - timedelta(days=ACCOUNT_LEAD_DAYS)
        specs = PRODUCTS.get(shop_key, [])
        span = _local(LAST_LISTING_DAYS_AGO) - opened
        for position, spec in enumerate(specs):
            product = world.products[spec["key"]]
            # Never before the shop opened: the shop opened before its first order, the product's
            # first order came no earlier, and the span runs forward.
            dates[Product][product.id] = _no_later_than(
                opened + span * (position + 1) / len(specs) + timedelta(minutes=index * 31),
                product_first.get(product.id),
            )
    owners = {owner_key for _, owner_key, _ in SHOPS}
    for key, user in world.users.items():
        if key in owners:
            continue
        if user.role == "buyer":
            first = buyer_first.get(user.id)
            joined = (first or _local(FIRST_SHOP_DAYS_AGO / 2)) - timedelta(days=BUYER_LEAD_DAYS)
        else:
            joined = _local(OFFICER_DAYS_AGO)
        dates[User][user.id] = joined
    for model, moved in dates.items():
        _move_back(model, moved)
    db.session.commit()
