"""Product lists and search: filters, sorts and keyset pages over the visible catalog.

``q`` is matched as a substring of the folded ``text_search`` column (title, description and
shop name without case or diacritics), kept by the catalog service; on PostgreSQL a pg_trgm
GIN index answers these ``LIKE '%…%'`` filters. ``sort=relevance`` puts title matches first.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.extensions import db
from marketplace.models import Product, Shop
from marketplace.pagination import SortKey, keyset_page
from marketplace.services import categories
from marketplace.services.catalog import visible_products_clause
from marketplace.services.ocop import min_stars_clause
from marketplace.services.places import canonical_commune
from marketplace.services.text import fold


def like_pattern(folded: str, *, prefix: bool = False) -> str:
    """A LIKE pattern matching ``folded`` literally (``%`` and ``_`` escaped with ``\\``)."""
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%" if prefix else f"%{escaped}%"


def _relevance(folded: str) -> sa.ColumnElement[int]:
    """0: the title starts with the query; 1: the title holds it; 2: description or shop."""
    return sa.case(
        (Product.title_search.like(like_pattern(folded, prefix=True), escape="\\"), 0),
        (Product.title_search.like(like_pattern(folded), escape="\\"), 1),
        else_=2,
    )


def _sort_keys(sort: str, folded: str) -> list[SortKey]:
    if sort == "price_asc":
        return [SortKey(Product.price), SortKey(Product.id)]
    if sort == "price_desc":
        return [SortKey(Product.price, descending=True), SortKey(Product.id, descending=True)]
    newest = [SortKey(Product.created_at, descending=True), SortKey(Product.id, descending=True)]
    if sort == "relevance" and folded:
        return [SortKey(_relevance(folded)), *newest]
    return newest


def search_products(
    *,
    q: str | None = None,
    shop: str | None = None,
    commune: str | None = None,
    category: str | None = None,
    ocop_min_stars: int | None = None,
    min_price: int | None = None,
    max_price: int | None = None,
    sort: str | None = None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Product], str | None]:
    """One keyset page of the active products of active shops that pass every filter.

    Without ``sort``, a search is ranked by relevance and anything else is newest first.
    """
    folded = fold(q)
    sort = sort or ("relevance" if folded else "newest")
    # Shop and category come in the same query: the page is rendered from them.
    stmt = (
        sa.select(Product)
        .join(Product.shop)
        .options(contains_eager(Product.shop), joinedload(Product.category))
        .where(visible_products_clause())
    )
    if folded:
        stmt = stmt.where(Product.text_search.like(like_pattern(folded), escape="\\"))
    if shop:
        stmt = stmt.where(sa.or_(Shop.id == shop, Shop.slug == shop))
    if commune:
        stmt = stmt.where(Shop.commune == canonical_commune(commune))
    if category:
        stmt = stmt.where(Product.category_id.in_(categories.with_descendants(category)))
    if ocop_min_stars is not None:
        stmt = stmt.where(min_stars_clause(ocop_min_stars))
    if min_price is not None:
        stmt = stmt.where(Product.price >= min_price)
    if max_price is not None:
        stmt = stmt.where(Product.price <= max_price)
    keys = _sort_keys(sort, folded)
    items, next_cursor = keyset_page(
        db.session,
        stmt,
        keys,
        scope=f"products:{sort}",
        limit=limit,
        cursor=cursor,
        key_values=lambda product: _key_values(product, sort, folded),
    )
    return items, next_cursor


def _key_values(product: Product, sort: str, folded: str) -> tuple:
    if sort == "price_asc" or sort == "price_desc":
        return (product.price, product.id)
    newest = (product.created_at, product.id)
    if sort == "relevance" and folded:
        title = product.title_search
        rank = 0 if title.startswith(folded) else 1 if folded in title else 2
        return (rank, *newest)
    return newest


def shop_products(
    shop: Shop, *, status: str, limit: int, cursor: str | None
) -> tuple[list[Product], str | None]:
    """A shop's own products in any status (for its owner), newest first."""
    stmt = (
        sa.select(Product).where(Product.shop_id == shop.id).options(joinedload(Product.category))
    )
    if status != "all":
        stmt = stmt.where(Product.status == status)
    keys = [SortKey(Product.created_at, descending=True), SortKey(Product.id, descending=True)]
    items, next_cursor = keyset_page(
        db.session,
        stmt,
        keys,
        scope=f"shop-products:{shop.id}:{status}",
        limit=limit,
        cursor=cursor,
        key_values=lambda product: (product.created_at, product.id),
    )
    for product in items:
        set_committed_value(product, "shop", shop)  # already loaded: spares a query
    return items, next_cursor
