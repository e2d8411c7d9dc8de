"""What a livestream shows now: its visible featured products with prices and stock, and the
pinned one when it is among them. Loaded for any number of sessions in one query."""

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


@dataclass(frozen=True)
class LivestreamView:
    """A session with what it shows: a suspended product or shop has vanished from
    ``products``, and a pin on it shows as none."""

    livestream: Livestream
    products: list[FeaturedProduct]
    pinned_product_id: str | None


def featured_products(livestreams: list[Livestream]) -> dict[str, list[FeaturedProduct]]:
    """Each session's visible featured products in their order, in one query for all."""
    currency = current_app.config["CURRENCY"]
    ids = [livestream.id for livestream in livestreams]
    on_show: dict[str, list[FeaturedProduct]] = {livestream_id: [] for livestream_id in ids}
    if not ids:
        return on_show
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
    return on_show


def livestream_views(livestreams: list[Livestream]) -> list[LivestreamView]:
    """The sessions with what they show (one query, whatever their number)."""
    on_show = featured_products(livestreams)
    views = []
    for livestream in livestreams:
        products = on_show[livestream.id]
        pinned = livestream.pinned_product_id
        shown = pinned if any(p.product_id == pinned for p in products) else None
        views.append(LivestreamView(livestream, products, shown))
    return views


def livestream_view(livestream: Livestream) -> LivestreamView:
    return livestream_views([livestream])[0]


def loading_options() -> list:
    """What showing a livestream needs besides its products, in a constant number of queries."""
    return [selectinload(Livestream.shop), selectinload(Livestream.history)]
