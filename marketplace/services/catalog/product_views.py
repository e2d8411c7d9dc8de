"""Products with what the API and the pages show of them, loaded for a whole page at once.

Every part of the marketplace that shows products (lists, search, collections, the trade
office, the storefront pages) passes them through ``product_views``: a constant number of
queries whatever the number of products, and objects the Product schema dumps as they are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app

from marketplace.extensions import db
from marketplace.models import Media, OcopCertificate, Product, ProductImage, ProductVariant, Shop
from marketplace.services.catalog import categories
from marketplace.services.catalog.categories import CategoryRef
from marketplace.services.trade_office.ocop import current_certificates


@dataclass(frozen=True, slots=True)
class ProductView:
    """A product and what it shows: its shop, category, active variants (rows of ``id, sku,
    options, price, stock``), gallery (rows of media columns), current OCOP certificate."""

    product: Product
    shop: Shop
    category: CategoryRef | None
    variants: Sequence[Any]
    images: Sequence[Any]
    certificate: OcopCertificate | None
    currency: str

    @property
    def price(self) -> int:
        """The lowest price of the active variants."""
        return min((v.price for v in self.variants), default=self.product.price)

    @property
    def stock(self) -> int:
        """The total stock of the active variants."""
        return sum(v.stock for v in self.variants)

    @property
    def suspension_reason(self) -> str | None:
        """Shown while the product is suspended only (a reinstated one keeps it, unseen)."""
        product = self.product
        return product.suspension_reason if product.status == "suspended" else None

    @property
    def sku(self) -> str | None:
        """The default (first) variant's SKU."""
        return self.variants[0].sku if self.variants else None


def _loaded(obj, relationship: str) -> bool:
    # A loaded attribute lives in the instance's __dict__ (much cheaper than inspect()).
    return relationship in obj.__dict__


def _load_many_to_one(products: list[Product], relationship: str, model, fk: str) -> dict:
    """Objects each product points to, in one query unless the caller already loaded them."""
    if all(_loaded(p, relationship) for p in products):
        return {}
    ids = {getattr(p, fk) for p in products} - {None}
    if not ids:
        return {}
    return {obj.id: obj for obj in db.session.scalars(sa.select(model).where(model.id.in_(ids)))}


# Plain rows, not entities, from one statement built once: a page holds a hundred variants or
# more and needs five of their fields, and its images need only the media columns. Both come
# in one round trip (UNION ALL, ``part`` 0 for variants, 1 for images; the columns one part
# has not are NULL): a query fewer for every page, the costliest part of a list's answer.
_variants = ProductVariant.__table__
_images, _media = ProductImage.__table__, Media.__table__
_MEDIA_COLUMNS = [column for column in _media.c if column.key != "id"]


def _nothing(column: sa.Column) -> sa.ColumnElement:
    # Typed, so that the first part gives the union its result types (JSON read as JSON).
    return sa.type_coerce(sa.null(), column.type).label(column.key)


_VARIANTS_AND_GALLERIES = sa.union_all(
    sa.select(
        sa.literal(0).label("part"),
        _variants.c.product_id,
        _variants.c.id,
        _variants.c.sku,
        _variants.c.options,
        _variants.c.price,
        _variants.c.stock,
        _variants.c.position,
        *(_nothing(column) for column in _MEDIA_COLUMNS),
    ).where(
        _variants.c.product_id.in_(sa.bindparam("ids", expanding=True)),
        _variants.c.status == "active",
    ),
    sa.select(
        sa.literal(1).label("part"),
        _images.c.product_id,
        _media.c.id,
        _nothing(_variants.c.sku),
        _nothing(_variants.c.options),
        _nothing(_variants.c.price),
        _nothing(_variants.c.stock),
        _images.c.position,
        *_MEDIA_COLUMNS,
    )
    .join_from(_images, _media, _media.c.id == _images.c.media_id)
    .where(_images.c.product_id.in_(sa.bindparam("ids", expanding=True))),
).order_by(sa.literal_column("part"), sa.literal_column("position"), sa.literal_column("id"))


def product_views(products: list[Product]) -> list[ProductView]:
    """Each product with what it shows, in a constant number of queries (none for none)."""
    if not products:
        return []
    ids = [p.id for p in products]
    variants: dict[str, list] = defaultdict(list)
    gallery: dict[str, list] = defaultdict(list)
    # .all(): the driver's fetchall, not a fetchone per row.
    for row in db.session.execute(_VARIANTS_AND_GALLERIES, {"ids": ids}).all():
        (gallery if row.part else variants)[row.product_id].append(row)
    shops = _load_many_to_one(products, "shop", Shop, "shop_id")
    names = categories.slug_and_name({p.category_id for p in products} - {None})
    if all(_loaded(p, "current_certificate") for p in products):
        certificates = {p.id: p.current_certificate for p in products}
    else:
        certificates = current_certificates(ids)
    currency = current_app.config["CURRENCY"]
    return [
        ProductView(
            product,
            shops.get(product.shop_id) or product.shop,
            names.get(product.category_id),
            variants.get(product.id, ()),
            gallery.get(product.id, ()),
            certificates.get(product.id),
            currency,
        )
        for product in products
    ]


def product_view(product: Product) -> ProductView:
    return product_views([product])[0]
