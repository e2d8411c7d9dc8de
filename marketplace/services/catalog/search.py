"""Product lists and search: filters, sorts and keyset pages over the visible catalog.

What ``q`` matches and how well is catalog/matching.py's (on PostgreSQL pg_trgm GIN indexes
answer its ``LIKE '%…%'`` and similarity filters); ``sort=relevance`` puts title matches first.
"""

from __future__ import annotations

import functools

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.database import written
from marketplace.extensions import db
from marketplace.models import Product, Shop
from marketplace.pagination import (
    SortKey,
    decode_cursor,
    is_cursor_of,
    keyset_page,
    keyset_window,
    page_and_cursor,
)
from marketplace.services import places
from marketplace.services.catalog import categories, listing, matching
from marketplace.services.catalog.listing import ListedProduct
from marketplace.services.catalog.products import visible_in_join_clause
from marketplace.services.text import fold
from marketplace.services.trade_office.ocop import min_stars_clause

RELEVANCE_LIMIT = 1000


def _sort_keys(sort: str) -> list[SortKey]:
    if sort == "price_asc":
        return [SortKey(Product.price), SortKey(Product.id)]
    if sort == "price_desc":
        return [SortKey(Product.price, descending=True), SortKey(Product.id, descending=True)]
    return [SortKey(Product.created_at, descending=True), SortKey(Product.id, descending=True)]


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
) -> tuple[list[ListedProduct], str | None]:
    """One keyset page of the active products of active shops that pass every filter.

    Newest first unless ``sort`` says otherwise; ``relevance`` ranks title matches first.
    """
    folded = fold(q)
    sort = sort or "newest"
    filters = []
    if shop:
        filters.append(sa.or_(Shop.id == shop, Shop.slug == shop))
    if commune:
        filters.append(Shop.commune_code.in_(places.commune_codes(commune)))
    if category:
        filters.append(_in_category(tuple(categories.with_descendants(category))))
    if ocop_min_stars is not None:
        filters.append(min_stars_clause(ocop_min_stars))
    # Prices and categories written into the SQL: the plan depends on them (database.written).
    if min_price is not None:
        filters.append(Product.price >= written(min_price, sa.Integer))
    if max_price is not None:
        filters.append(Product.price <= written(max_price, sa.Integer))
    if not folded:
        return _page(filters, sort, f"products:{sort}", limit=limit, cursor=cursor)
    # Titles that merely resemble the query are looked for only when the words themselves find
    # less than a page: judging every row's similarity costs ten times a substring match.
    # The cursors of such a list carry their own scope, so its later pages keep looking.
    typos_scope = f"products:{sort}:typos"
    typos = bool(cursor) and is_cursor_of(typos_scope, cursor)
    scope = typos_scope if typos else f"products:{sort}"
    found = _page(
        [*filters, matching.matches(folded, typos=typos)],
        sort,
        scope,
        folded=folded,
        limit=limit,
        cursor=cursor,
    )
    if cursor or typos or len(found[0]) >= limit or not matching.forgives_typos(folded):
        return found
    return _page(
        [*filters, matching.matches(folded, typos=True)],
        sort,
        typos_scope,
        folded=folded,
        limit=limit,
        cursor=None,
    )


@functools.lru_cache(maxsize=256)
def _in_category(category_ids: tuple[str, ...]) -> sa.ColumnElement[bool]:
    # Built once per category (they change only with the migrations): a filtered list's
    # clauses cost more Python to build than its query takes to run.
    return Product.category_id.in_(written(category_ids))


def _page(
    filters: list,
    sort: str,
    scope: str,
    *,
    folded: str = "",
    limit: int,
    cursor: str | None,
) -> tuple[list[ListedProduct], str | None]:
    if sort == "relevance" and folded:
        return _ranked_page(filters, folded, scope=scope, limit=limit, cursor=cursor)
    keys = _sort_keys(sort)
    if cursor:
        filters.append(_leading_bound(keys, scope, cursor))
    window = keyset_window(
        _visible_listing().where(*filters), keys, scope=scope, limit=limit, cursor=cursor
    )
    return page_and_cursor(
        listing.listed(db.session.execute(window)),
        scope=scope,
        limit=limit,
        key_values=lambda product: _key_values(product, sort),
    )


@functools.cache
def _visible_listing() -> sa.Select:
    """Visible products with their shops and certificates, as a list shows them (built once)."""
    return listing.listing_select().where(visible_in_join_clause())


def _ranked_page(
    filters: list, folded: str, *, scope: str, limit: int, cursor: str | None
) -> tuple[list[ListedProduct], str | None]:
    """One page of relevance over the newest RELEVANCE_LIMIT matches (the contract lets
    relevance results stop after the first 1,000): ranking every match of a common word would
    sort thousands of rows for each page, while the newest matches come off the listing index.

    The candidates carry only their sort keys, and the page is cut among them before the join
    to what a page shows: joining shops and certificates to all 1,000 and carrying whole rows
    through both sorts cost a fifth of the query's time.
    """
    candidates = (
        sa.select(Product.id, Product.created_at, matching.rank(folded).label("rank"))
        .join(Product.shop)
        .where(visible_in_join_clause(), *filters)
        .order_by(Product.created_at.desc(), Product.id.desc())
        # Written into the SQL like the patterns: the plan for 1,000 rows is not one for "some".
        .limit(written(RELEVANCE_LIMIT, sa.Integer))
        .subquery("candidates")
    )
    keys = [
        SortKey(candidates.c.rank),
        SortKey(candidates.c.created_at, descending=True),
        SortKey(candidates.c.id, descending=True),
    ]
    page = keyset_window(
        sa.select(candidates), keys, scope=scope, limit=limit, cursor=cursor
    ).subquery("page")
    stmt = (
        _visible_listing()
        .add_columns(page.c.rank)
        .join(page, page.c.id == Product.id)
        .order_by(page.c.rank, page.c.created_at.desc(), page.c.id.desc())
    )
    rows = db.session.execute(stmt).all()
    products = listing.listed(rows)
    ranks = {product.id: row[-1] for product, row in zip(products, rows, strict=True)}
    return page_and_cursor(
        products,
        scope=scope,
        limit=limit,
        key_values=lambda product: (ranks[product.id], product.created_at, product.id),
    )


def _leading_bound(keys: list[SortKey], scope: str, cursor: str) -> sa.ColumnElement[bool]:
    """``created_at <= :last`` (or ``price >= :last`` …): implied by the keyset condition but,
    unlike its OR form, usable as an index range, so page 200 starts where page 199 ended."""
    first = keys[0]
    value = decode_cursor(scope, cursor, len(keys))[0]
    return first.column <= value if first.descending else first.column >= value


def _key_values(product: Product, sort: str) -> tuple:
    if sort == "price_asc" or sort == "price_desc":
        return (product.price, product.id)
    return (product.created_at, product.id)


def shop_products(
    shop: Shop, *, status: str, limit: int, cursor: str | None
) -> tuple[list[Product], str | None]:
    """A shop's own products in any status (for its owner), newest first."""
    stmt = sa.select(Product).where(Product.shop_id == shop.id)
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
