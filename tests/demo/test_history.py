"""The demo world's past: accounts, shops and products come before the trade they made."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.demo.history import _first_orders
from marketplace.extensions import db
from marketplace.models import Order, OrderLine, Product, Shop, User
from marketplace.models.base import utcnow
from tests.factories.demo import row_dates


def test_the_world_is_older_than_its_trade_and_stays_so(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    now = utcnow()
    shops = {shop.id: shop for shop in db.session.scalars(sa.select(Shop))}
    products = list(db.session.scalars(sa.select(Product)))
    owners = {shop.owner_id: shop for shop in shops.values()}
    shop_first, product_first, buyer_first = (
        _first_orders(Order.shop_id),
        _first_orders(OrderLine.product_id),
        _first_orders(Order.buyer_id),
    )
    assert shop_first and product_first and buyer_first

    for shop in shops.values():
        assert shop.created_at < shop_first.get(shop.id, now), shop.name
        assert shop.created_at <= shop.updated_at <= now
    for product in products:
        assert shops[product.shop_id].created_at <= product.created_at, product.title
        assert product.created_at < product_first.get(product.id, now), product.title
        assert product.created_at <= product.updated_at <= now
    for user in db.session.scalars(sa.select(User)):
        assert user.created_at < now
        if user.id in owners:
            assert user.created_at < owners[user.id].created_at
        if user.id in buyer_first:
            assert user.created_at < buyer_first[user.id], user.name
    # Shops opened over months, products went up one after another: "newest" means something.
    opened_months = {shop.created_at.strftime("%Y-%m") for shop in shops.values()}
    assert len(opened_months) >= 4
    assert len({product.created_at.date() for product in products}) >= 30
    newest = db.session.scalars(
        sa.select(Product.created_at).order_by(Product.created_at.desc()).limit(1)
    ).one()
    assert newest < now

    before = row_dates(Shop, Product, User)
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    assert row_dates(Shop, Product, User) == before
