"""The catalog: products and their variants, and the derived columns lists and search rely on.

Every write goes through here so that ``Product.price`` (the lowest active variant price),
``Product.title_search`` and ``Product.text_search`` (folded text for search) stay true.
"""

from __future__ import annotations

import functools

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from marketplace.database import written
from marketplace.errors import NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.messages import N_
from marketplace.models import Product, ProductVariant, Shop, User
from marketplace.models.base import utcnow
from marketplace.services.catalog import categories
from marketplace.services.catalog.trace import unused_trace_code
from marketplace.services.media import uploads as media
from marketplace.services.permissions import can_see_product, image_owners
from marketplace.services.text import fold

# Separates the parts of text_search: a folded query never holds a newline, so a match
# never straddles the end of the title and the start of the description.
_PART_SEPARATOR = "\n"
TITLE_SEARCH_MAX = 200


def visible_products_clause() -> sa.ColumnElement[bool]:
    """Products anyone may see: active, in an active shop.

    Self-contained: the shop's status is tested with an ``IN (SELECT …)`` subquery, so the
    caller needs no join to ``shops`` (and may add one of its own without clashing).
    """
    active_shops = sa.select(Shop.id).where(Shop.status == "active")
    return sa.and_(Product.status == "active", Product.shop_id.in_(active_shops))


@functools.cache  # immutable, and on every list's path
def visible_in_join_clause() -> sa.ColumnElement[bool]:
    """The same rule for a query that already joins ``shops`` (``.join(Product.shop)``):
    cheaper for PostgreSQL to plan than the subquery, which matters on every list page. The
    status is written into the SQL: bound, it left the lists' generic plans looking dearer than
    fresh ones, and PostgreSQL planned every execution anew (database.written)."""
    active = written("active", sa.String)
    return sa.and_(Product.status == active, Shop.status == active)


def search_text(title: str, description: str | None, shop_name: str) -> str:
    """The folded text ``q`` is matched against: title, description and shop name."""
    return _PART_SEPARATOR.join(fold(part) for part in (title, description, shop_name) if part)


def refresh_search_columns(product: Product, shop_name: str) -> None:
    product.title_search = fold(product.title)[:TITLE_SEARCH_MAX]
    product.text_search = search_text(product.title, product.description, shop_name)


def active_variants(product: Product) -> list[ProductVariant]:
    return [v for v in product.variants if v.status == "active"]


def _refresh_price(product: Product) -> None:
    prices = [v.price for v in active_variants(product)]
    if prices:
        product.price = min(prices)


def touch(product: Product) -> None:
    """Bump ``updated_at`` even when only variants or images changed."""
    product.updated_at = utcnow()


def category_id_for(slug: str | None) -> str | None:
    if slug is None:
        return None
    return categories.by_slug(slug).id


def _check_distinct(specs: list[dict]) -> None:
    """Option sets must tell variants apart; SKUs must not repeat within a product."""
    seen_options: set = set()
    seen_skus: set = set()
    for index, spec in enumerate(specs):
        options = tuple(sorted((spec.get("options") or {}).items()))
        if options in seen_options:
            raise ValidationFailed(
                N_("Two variants have the same options."),
                details={"variants": {str(index): {"options": [N_("Same options as another.")]}}},
            )
        seen_options.add(options)
        sku = spec.get("sku")
        if sku:
            if sku in seen_skus:
                raise ValidationFailed(
                    N_("Two variants have the same SKU."),
                    details={"variants": {str(index): {"sku": [N_("Same SKU as another.")]}}},
                )
            seen_skus.add(sku)
    if len(specs) > 1 and any(not spec.get("options") for spec in specs):
        raise ValidationFailed(
            N_("Each of several variants needs options that tell it apart."),
            details={"variants": [N_('Give options (e.g. {"size": "M"}) to every variant.')]},
        )


def product_for(user: User | None, product_id: str) -> Product:
    """The product if ``user`` may see it; 404 otherwise (whether or not it exists)."""
    product = db.session.get(Product, product_id, options=[joinedload(Product.shop)])
    if product is None or not can_see_product(user, product):
        raise NotFound(N_("No such product."), code="product_not_found")
    return product


def create_product(
    shop: Shop,
    *,
    title: str,
    description: str | None = None,
    price: int | None = None,
    stock: int | None = None,
    category: str | None = None,
    sku: str | None = None,
    weight_grams: int | None = None,
    status: str = "active",
    variants: list[dict] | None = None,
    image_ids: list[str] | None = None,
) -> Product:
    """A product with one variant per option set (or one default variant), all or nothing."""
    specs = variants or [{"options": {}, "price": price, "stock": stock, "sku": sku}]
    _check_distinct(specs)
    product = Product(
        shop_id=shop.id,
        shop=shop,
        title=title.strip(),
        description=description,
        category_id=category_id_for(category),
        weight_grams=weight_grams,
        status=status,
        trace_code=unused_trace_code(),
    )
    for position, spec in enumerate(specs):
        product.variants.append(
            ProductVariant(
                sku=spec.get("sku"),
                options=dict(spec.get("options") or {}),
                price=spec["price"],
                stock=spec["stock"],
                position=position,
                status="active",
            )
        )
    if image_ids:
        media.set_gallery(product, image_owners(shop), image_ids)
    _refresh_price(product)
    refresh_search_columns(product, shop.name)
    db.session.add(product)
    db.session.commit()
    return product


def update_product(product: Product, changes: dict) -> Product:
    """Apply a PATCH: every change or none; price, stock and search columns follow."""
    try:
        _apply_changes(product, changes)
    except Exception:
        db.session.rollback()
        raise
    _refresh_price(product)
    refresh_search_columns(product, product.shop.name)
    touch(product)
    db.session.commit()
    return product


def archive_product(product: Product) -> None:
    """Hidden from lists and from buyers; the row stays for the orders that name it."""
    _set_status(product, "archived")
    touch(product)
    db.session.commit()


def _set_status(product: Product, status: str) -> None:
    # A suspension is lifted by the trade office only: the owner's choice waits behind it
    # and takes effect on reinstatement.
    if product.status == "suspended":
        product.status_before_suspension = status
    else:
        product.status = status


def _apply_changes(product: Product, changes: dict) -> None:
    if "title" in changes:
        product.title = changes["title"].strip()
    if "description" in changes:
        product.description = changes["description"]
    if "category" in changes:
        product.category_id = category_id_for(changes["category"])
    if "weight_grams" in changes:
        product.weight_grams = changes["weight_grams"]
    if "status" in changes:
        _set_status(product, changes["status"])
    if "image_ids" in changes:
        media.set_gallery(product, image_owners(product.shop), changes["image_ids"])
    if "variants" in changes:
        _replace_variants(product, changes["variants"])
        return
    single = {name: changes[name] for name in ("price", "stock", "sku") if name in changes}
    if not single:
        return
    current = active_variants(product)
    if len(current) != 1:
        message = N_("This product has several variants: change them through variants.")
        raise ValidationFailed(message, details={name: [message] for name in single})
    for name, value in single.items():
        setattr(current[0], name, value)


def _replace_variants(product: Product, entries: list[dict]) -> None:
    """Entries with an id update that variant, entries without one are added, and the
    variants left out are archived (kept for the orders that name them)."""
    existing = {variant.id: variant for variant in product.variants}
    specs, seen = [], set()
    for index, entry in enumerate(entries):
        variant = existing.get(entry["id"]) if "id" in entry else None
        if "id" in entry and (variant is None or variant.id in seen):
            problem = (
                N_("Not a variant of this product.") if variant is None else N_("Listed twice.")
            )
            raise ValidationFailed(
                N_("A variant id is wrong."), details={"variants": {str(index): {"id": [problem]}}}
            )
        if variant is not None:
            seen.add(variant.id)
            base = {"sku": variant.sku, "options": variant.options, "price": variant.price}
            base["stock"] = variant.stock
        else:
            base = {"sku": None, "options": {}}
        specs.append((variant, {**base, **{k: v for k, v in entry.items() if k != "id"}}))
    _check_distinct([spec for _, spec in specs])
    for variant in existing.values():
        if variant.id not in seen:
            variant.status = "archived"
    for position, (variant, spec) in enumerate(specs):
        if variant is None:
            variant = ProductVariant()
            product.variants.append(variant)
        variant.sku = spec["sku"]
        variant.options = dict(spec["options"] or {})
        variant.price = spec["price"]
        variant.stock = spec["stock"]
        variant.status = "active"
        variant.position = position


LOW_STOCK = 3


def low_stock(shop_id: str, *, threshold: int = LOW_STOCK, limit: int = 10) -> list[tuple]:
    """The shop's active variants of active or draft products with at most ``threshold`` left,
    fewest first: ``(product, variant)`` pairs."""
    rows = db.session.execute(
        sa.select(Product, ProductVariant)
        .join(ProductVariant, ProductVariant.product_id == Product.id)
        .where(
            Product.shop_id == shop_id,
            Product.status.in_(("active", "draft")),
            ProductVariant.status == "active",
            ProductVariant.stock <= threshold,
        )
        .order_by(ProductVariant.stock, Product.title, ProductVariant.position)
        .limit(limit)
    )
    return [tuple(row) for row in rows]
