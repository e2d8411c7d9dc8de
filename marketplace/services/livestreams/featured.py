"""Livestreams as clients see them: featured products with prices and stock, the pin."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from marketplace.extensions import db
from marketplace.models import Livestream, LivestreamProduct, Product, ProductVariant
from marketplace.services.catalog.products import visible_products_clause


@dataclass(frozen=True)
class FeaturedProduct:
    product_id: str
    code: str
    title: str
    price: int
    live_price: int | None
    stock: int
    currency: str


def present(livestreams: list[Livestream]) -> list[Livestream]:
    """Give each livestream ``on_show`` (its visible featured products) and ``pinned_on_show``.

    One query for any number of livestreams: a suspended product or shop vanishes from them.
    """
    currency = current_app.config["CURRENCY"]
    ids = [livestream.id for livestream in livestreams]
    on_show: dict[str, list[FeaturedProduct]] = {livestream_id: [] for livestream_id in ids}
    if ids:
        active = ProductVariant.status == "active", ProductVariant.product_id == Product.id
        lowest = sa.select(sa.func.min(ProductVariant.price)).where(*active).scalar_subquery()
        stock = sa.select(sa.func.sum(ProductVariant.stock)).where(*active).scalar_subquery()
        rows = db.session.execute(
            sa.select(
                LivestreamProduct.livestream_id,
                LivestreamProduct.product_id,
                LivestreamProduct.code,
                LivestreamProduct.live_price,
                Product.title,
                sa.func.coalesce(lowest, Product.price),
                sa.func.coalesce(stock, 0),
            )
            .join(Product, Product.id == LivestreamProduct.product_id)
            .where(
                LivestreamProduct.livestream_id.in_(ids),
                LivestreamProduct.removed_at.is_(None),
                visible_products_clause(),
            )
            .order_by(LivestreamProduct.livestream_id, LivestreamProduct.position)
        )
        for livestream_id, product_id, code, live_price, title, price, units in rows:
            on_show[livestream_id].append(
                FeaturedProduct(product_id, code, title, price, live_price, units, currency)
            )
    for livestream in livestreams:
        livestream.on_show = on_show[livestream.id]
        shown = {feature.product_id for feature in livestream.on_show}
        pinned = livestream.pinned_product_id
        livestream.pinned_on_show = pinned if pinned in shown else None
    return livestreams


def loading_options() -> list:
    """What serializing a livestream needs, loaded with a constant number of queries."""
    return [selectinload(Livestream.shop), selectinload(Livestream.history)]
