"""Product lists and search: filters, sorts and keyset pages over the visible catalog.

What ``q`` matches and how well is catalog/matching.py's (on PostgreSQL pg_trgm GIN indexes
answer its ``LIKE '%…%'`` and similarity filters); ``sort=relevance`` puts title matches first.
"""

from __future__ import annotations

import dataclasses
import functools

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.database import OverBudget, statement_budget, written
from marketplace.extensions import db
from marketplace.models import Product, Shop
from marketplace.pagination import (
    SortKey,
    decode_cursor,
    invalid_cursor,
    is_cursor_of,
    keyset_page,
    page_and_cursor,
    window_after,
)
from marketplace.services import places
from marketplace.services.catalog import categories, listing, matching
from marketplace.services.catalog.listing import ListedProduct
from marketplace.services.catalog.products import visible_in_join_clause
from marketplace.services.text import fold
from marketplace.services.trade_office.ocop import min_stars_clause

# How long each statement of a typo-tolerant search may take before the words' own matches are
# answered instead (PostgreSQL; see _resembling_page).
TYPO_BUDGET_MS = 200

# How long each statement of a search may take before it is asked again with another plan
# (PostgreSQL; see _searched_page).
SEARCH_BUDGET_MS = 100


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
    within = None
    if shop:
        filters.append(sa.or_(Shop.id == shop, Shop.slug == shop))
    if commune:
        filters.append(Shop.commune_code.in_(places.commune_codes(commune)))
    if category:
        in_category = tuple(categories.with_descendants(category))
        filters.append(_in_category(in_category))
        within = frozenset(in_category)
    if ocop_min_stars is not None:
        filters.append(min_stars_clause(ocop_min_stars))
    # Prices and categories written into the SQL: the plan depends on them (database.written).
    if min_price is not None:
        filters.append(Product.price >= written(min_price, sa.Integer))
    if max_price is not None:
        filters.append(Product.price <= written(max_price, sa.Integer))
    if not folded:
        return _page(filters, sort, f"products:{sort}", None, limit=limit, cursor=cursor)
    # Titles that merely resemble the query are looked for only when the words themselves find
    # less than a page: judging every row's similarity costs ten times a substring match.
    # The cursors of such a list carry their own scope, so its later pages keep looking.
    typos_scope = f"products:{sort}:typos"
    searched = _Searched(folded, within=within)
    if cursor and is_cursor_of(typos_scope, cursor):
        later = _resembling_page(filters, sort, typos_scope, searched, limit=limit, cursor=cursor)
        return later or ([], None)
    found = _searched_page(filters, sort, f"products:{sort}", searched, limit=limit, cursor=cursor)
    if cursor or len(found[0]) >= limit or not matching.forgives_typos(folded):
        return found
    return _resembling_page(filters, sort, typos_scope, searched, limit=limit, cursor=None) or found


@dataclasses.dataclass(frozen=True)
class _Searched:
    """A query as matching.py takes it: folded, whether titles resembling it match too, and
    the categories the list is limited to (None: all); ``bitmaps``: its statements run with
    index scans off (see _searched_page)."""

    folded: str
    typos: bool = False
    within: frozenset[str] | None = None
    bitmaps: bool = False

    def listing(self, *filters) -> sa.Select:
        """The visible listing with ``filters``, as a statement of its own when ``bitmaps``:
        psycopg prepares a statement by its text and PostgreSQL keeps the plan it made first,
        so the same text would run the plan made with index scans on."""
        stmt = _visible_listing().where(*filters)
        return stmt.prefix_with("/* bitmaps */") if self.bitmaps else stmt

    def matches(self) -> sa.ColumnElement[bool]:
        return matching.matches(self.folded, typos=self.typos, within=self.within)

    def ranked(self) -> tuple[sa.ColumnElement[bool], ...]:
        return matching.ranked(self.folded, typos=self.typos, within=self.within)


def _searched_page(
    filters: list, sort: str, scope: str, searched: _Searched, *, limit: int, cursor: str | None
) -> tuple[list[ListedProduct], str | None]:
    """``_page`` for a query, asked again without reading an index in the list's order when
    one of its statements runs past SEARCH_BUDGET_MS.

    The planner takes what the words find and what the filters keep for independent. 'gao'
    (rice) within the honey category, estimated at 3,772 products of a million and found in
    none, read all million by price looking for a page (2 s); the bitmaps of the trigram and
    category indexes, the plan left once index scans are off, answer nothing in milliseconds.
    """
    try:
        with statement_budget(SEARCH_BUDGET_MS):
            return _page(filters, sort, scope, searched, limit=limit, cursor=cursor)
    except OverBudget:
        with statement_budget(None, {"enable_indexscan": "off"}):
            bitmaps = dataclasses.replace(searched, bitmaps=True)
            return _page(filters, sort, scope, bitmaps, limit=limit, cursor=cursor)


def _resembling_page(
    filters: list, sort: str, scope: str, searched: _Searched, *, limit: int, cursor: str | None
) -> tuple[list[ListedProduct], str | None] | None:
    """A page that titles resembling the query may join, or None when its statements would
    run past TYPO_BUDGET_MS: among a million titles, a query of short common syllables
    ('ta xua') has its trigrams in tens of thousands, each to be compared; the buyer gets
    what the words found instead of waiting seconds for it, and the database is spared."""
    try:
        with statement_budget(TYPO_BUDGET_MS, matching.typo_settings(searched.folded)):
            typos = dataclasses.replace(searched, typos=True)
            return _page(filters, sort, scope, typos, limit=limit, cursor=cursor)
    except OverBudget:
        return None


@functools.lru_cache(maxsize=256)
def _in_category(category_ids: tuple[str, ...]) -> sa.ColumnElement[bool]:
    # Built once per category (they change only with the migrations): a filtered list's
    # clauses cost more Python to build than its query takes to run.
    return Product.category_id.in_(written(category_ids))


def _page(
    filters: list,
    sort: str,
    scope: str,
    searched: _Searched | None,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[ListedProduct], str | None]:
    if searched and sort == "relevance":
        return _ranked_page(filters, searched, scope=scope, limit=limit, cursor=cursor)
    keys = _sort_keys(sort)
    if searched:
        stmt = searched.listing(*filters, searched.matches())
    else:
        stmt = _visible_listing().where(*filters)
    after = decode_cursor(scope, cursor, len(keys)) if cursor else None
    window = window_after(stmt, keys, after, rows=limit + 1)
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
    filters: list, searched: _Searched, *, scope: str, limit: int, cursor: str | None
) -> tuple[list[ListedProduct], str | None]:
    """One page of relevance: the matches rank by rank (matching.ranked), newest first within
    a rank; its cursor holds the rank, time and id of its last product.

    Each rank is a newest-first list of its own, read in turn until the page is full, so the
    first page of a common word reads its first ranks' newest rows off the listing index as a
    plain search does. Ranking every match in one query instead sorted thousands of rows for
    each page ('mat ong rung': 7.8 ms in PostgreSQL, against 0.3 for its first rank alone),
    and cutting that to the newest 1,000 matches left an older product whose title is the
    query out of its own search.
    """
    keys = _sort_keys("newest")
    ranked = searched.ranked()
    first_rank, after = 0, None
    if cursor:
        first_rank, *after = decode_cursor(scope, cursor, 1 + len(keys))
        if type(first_rank) is not int or not 0 <= first_rank < len(ranked):
            raise invalid_cursor()
    products, ranks = [], []
    for rank, in_rank in enumerate(ranked):
        if rank < first_rank:
            continue
        window = window_after(
            searched.listing(*filters, in_rank),
            keys,
            after if rank == first_rank else None,
            rows=limit + 1 - len(products),
        )
        found = listing.listed(db.session.execute(window))
        products += found
        ranks += [rank] * len(found)
        if len(products) > limit:
            break
    rank_of = dict(zip((product.id for product in products), ranks, strict=True))
    return page_and_cursor(
        products,
        scope=scope,
        limit=limit,
        key_values=lambda product: (rank_of[product.id], product.created_at, product.id),
    )


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
