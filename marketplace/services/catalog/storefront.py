"""What the storefront pages show, gathered in a constant number of queries per page.

Read-only compositions of the catalog, search and livestream services: every visibility rule
comes from them (a hidden product, a suspended shop or product is 404 or absent here exactly as
in the API), so the pages never hold a rule of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.messages import N_
from marketplace.models import Livestream, Product, Shop, User
from marketplace.services.catalog import categories, search, shops
from marketplace.services.livestreams import feeds as livestream_feeds

# A phone screen shows two columns: 24 cards are twelve rows, enough for one visit on 4G.
PRODUCTS_PER_PAGE = 24
LIVESTREAMS_ON_HOME = 6
LIVESTREAMS_ON_SHOP = 5


@dataclass
class HomePage:
    query: str
    products: list[Product]
    next_cursor: str | None
    livestreams: list[Livestream] = field(default_factory=list)


@dataclass
class ShopPage:
    shop: Shop
    products: list[Product]
    next_cursor: str | None
    livestreams: list[Livestream] = field(default_factory=list)


def home_page(*, q: str | None, cursor: str | None) -> HomePage:
    """The newest visible products (or those matching ``q``, title matches first) as one keyset
    page; on the first page of the plain listing, the live and upcoming livestreams too."""
    query = " ".join((q or "").split())
    products, next_cursor = search.search_products(
        q=query or None,
        sort="relevance" if query else "newest",
        limit=PRODUCTS_PER_PAGE,
        cursor=cursor,
    )
    page = HomePage(query, products, next_cursor)
    if not query and not cursor:
        page.livestreams, _ = livestream_feeds.list_livestreams(
            statuses=None, shop=None, commune=None, limit=LIVESTREAMS_ON_HOME, cursor=None
        )
    return page


def shop_page(user: User | None, ref: str, *, cursor: str | None) -> ShopPage:
    """A shop ``user`` may see (404 otherwise), one keyset page of its visible products and,
    on the first page, its live and upcoming livestreams."""
    shop = shops.shop_for(user, ref)
    products, next_cursor = search.search_products(
        shop=shop.id, limit=PRODUCTS_PER_PAGE, cursor=cursor
    )
    page = ShopPage(shop, products, next_cursor)
    if not cursor:
        page.livestreams, _ = livestream_feeds.list_livestreams(
            statuses=None, shop=shop.id, commune=None, limit=LIVESTREAMS_ON_SHOP, cursor=None
        )
    return page


@dataclass
class SearchPage:
    query: str
    sort: str
    products: list[Product]
    next_cursor: str | None


@dataclass
class CategoryPage:
    category: dict  # {slug, name, name_en, children: [...]} of the tree
    parents: list[dict]  # from the root down to its parent
    products: list[Product]
    next_cursor: str | None


def search_page(*, q: str | None, sort: str | None, cursor: str | None, **filters) -> SearchPage:
    """One keyset page of the search the API answers (``filters`` as ``GET /products`` takes
    them); with words to look for, the most relevant first unless ``sort`` says otherwise."""
    query = " ".join((q or "").split())
    sort = sort or ("relevance" if query else "newest")
    if sort == "relevance" and not query:
        sort = "newest"
    products, next_cursor = search.search_products(
        q=query or None, sort=sort, limit=PRODUCTS_PER_PAGE, cursor=cursor, **filters
    )
    return SearchPage(query, sort, products, next_cursor)


def category_page(slug: str, *, cursor: str | None) -> CategoryPage:
    """A category's visible products (its sub-categories' too), newest first; 404 when no
    category has this slug."""
    path = _path_to(categories.tree(), slug)
    if path is None:
        raise NotFound(N_("No such category."), code="category_not_found")
    products, next_cursor = search.search_products(
        category=slug, limit=PRODUCTS_PER_PAGE, cursor=cursor
    )
    return CategoryPage(path[-1], path[:-1], products, next_cursor)


def _path_to(nodes: list[dict], slug: str) -> list[dict] | None:
    for node in nodes:
        if node["slug"] == slug:
            return [node]
        below = _path_to(node["children"], slug)
        if below is not None:
            return [node, *below]
    return None


def shop_communes() -> list[tuple[str, str]]:
    """``(code, name)`` of the communes where active shops are, by name: the choices of the
    search's commune filter."""
    rows = db.session.execute(
        sa.select(Shop.commune_code, Shop.commune)
        .where(Shop.status == "active", Shop.commune_code.is_not(None))
        .distinct()
        .order_by(Shop.commune)
    )
    return [(row.commune_code, row.commune) for row in rows]


def category_choices() -> list[tuple[str, dict, int]]:
    """``(slug, node, depth)`` of the whole tree in its order: the search's category choices."""
    flat: list[tuple[str, dict, int]] = []

    def walk(nodes: list[dict], depth: int) -> None:
        for node in nodes:
            flat.append((node["slug"], node, depth))
            walk(node["children"], depth + 1)

    walk(categories.tree(), 0)
    return flat
