"""What the seller centre shows an artisan about her own livestreams: her sessions by stage, the
products she may feature, and the kinds (variants) a comment may have to name.

Reading only: every change goes through ``sessions`` and ``claims``, as the API's do.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from marketplace.extensions import db
from marketplace.models import Livestream, Product, ProductVariant, Shop, User
from marketplace.services.catalog.products import visible_products_clause
from marketplace.services.livestreams.featured import featured_products, loading_options
from marketplace.services.permissions import require_shop_owner

# The past sessions a shop's list shows (the newest first).
PAST_SHOWN = 30


@dataclass(frozen=True)
class ShopSessions:
    live: list[Livestream]
    upcoming: list[Livestream]
    past: list[Livestream]


@dataclass(frozen=True)
class Featurable:
    """A product the shop may feature: its cheapest active variant's price, its whole stock."""

    product_id: str
    title: str
    price: int
    stock: int


@dataclass(frozen=True)
class VariantChoice:
    code: str
    variant_id: str
    options: dict
    price: int
    stock: int


def shop_sessions(user: User, shop: Shop) -> ShopSessions:
    """The shop's sessions to its owner: live now, upcoming by start, the latest past ones."""
    require_shop_owner(user, shop)
    base = sa.select(Livestream).where(Livestream.shop_id == shop.id).options(*loading_options())
    live = db.session.scalars(
        base.where(Livestream.status == "live").order_by(Livestream.started_at.desc())
    ).all()
    upcoming = db.session.scalars(
        base.where(Livestream.status == "scheduled").order_by(
            Livestream.scheduled_start, Livestream.id
        )
    ).all()
    past = db.session.scalars(
        base.where(Livestream.status.in_(("ended", "cancelled")))
        .order_by(Livestream.scheduled_start.desc(), Livestream.id.desc())
        .limit(PAST_SHOWN)
    ).all()
    return ShopSessions(list(live), list(upcoming), list(past))


def featurable_products(user: User, shop: Shop) -> list[Featurable]:
    """The shop's products a session may feature (active, with an active variant), by title."""
    require_shop_owner(user, shop)
    rows = db.session.execute(
        sa.select(
            Product.id,
            Product.title,
            sa.func.min(ProductVariant.price),
            sa.func.sum(ProductVariant.stock),
        )
        .join(ProductVariant, ProductVariant.product_id == Product.id)
        .where(
            Product.shop_id == shop.id,
            ProductVariant.status == "active",
            visible_products_clause(),
        )
        .group_by(Product.id, Product.title)
        .order_by(Product.title, Product.id)
    ).all()
    return [
        Featurable(pid, title, int(price), int(stock or 0)) for pid, title, price, stock in rows
    ]


def variant_choices(livestream: Livestream) -> list[VariantChoice]:
    """The kinds of each featured product sold in several kinds, in code order: a comment on
    such a product needs one named (the claim's ``variant_id``)."""
    shown = featured_products([livestream])[livestream.id]
    if not shown:
        return []
    codes = {feature.product_id: feature.code for feature in shown}
    products = db.session.scalars(
        sa.select(Product).where(Product.id.in_(codes)).options(selectinload(Product.variants))
    ).all()
    by_id = {product.id: product for product in products}
    choices = []
    for feature in shown:
        product = by_id.get(feature.product_id)
        active = [v for v in product.variants if v.status == "active"] if product else []
        if len(active) < 2:
            continue
        for variant in sorted(active, key=lambda v: (v.position, v.id)):
            choices.append(
                VariantChoice(
                    feature.code, variant.id, variant.options, variant.price, variant.stock
                )
            )
    return choices
