"""What the storefront pages show, gathered in a constant number of queries per page.

Read-only compositions of the catalog, search and livestream services: every visibility rule
comes from them (a hidden product, a suspended shop or product is 404 or absent here exactly as
in the API), so the pages never hold a rule of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from marketplace.models import Livestream, Product, Shop, User
from marketplace.services.catalog import search, shops
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
