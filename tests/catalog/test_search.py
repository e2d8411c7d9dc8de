"""Product lists: diacritic-free search, filters, sorts, keyset cursors, constant queries."""

from __future__ import annotations

import dataclasses
import functools

import pytest

from marketplace.extensions import db
from marketplace.models import Product, ProductVariant
from marketplace.services.catalog import search
from marketplace.services.catalog.products import search_text
from marketplace.services.text import fold
from tests.factories import make_product, make_shop
from tests.factories.envelopes import assert_envelope


def ids(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def walk(client, url: str, limit: int) -> list[str]:
    """Every id of a list, page by page through its cursors."""
    seen, cursor = [], None
    sep = "&" if "?" in url else "?"
    for _ in range(1000):
        page_url = f"{url}{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(page_url).get_json()
        assert len(body["items"]) <= limit
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            return seen
    raise AssertionError("the cursors never ended")


@pytest.fixture
def village():
    """A small world: brocade from Cỏ Chàm, tea from Xuân Nha, honey from Vân Hồ."""
    co_cham = make_shop(name="Thổ cẩm Cỏ Chàm", commune="Vân Hồ", village="Cỏ Chàm")
    tea_shop = make_shop(name="Chè Tân Xuân", commune="Xuân Nha")
    return {
        "co_cham": co_cham,
        "tea_shop": tea_shop,
        "scarf": make_product(
            co_cham, title="Khăn piêu đỏ", price=150000, category_id="cat-brocade"
        ),
        "skirt": make_product(
            co_cham,
            title="Váy thổ cẩm Mông",
            description="Nền chàm, hoa văn đỏ",
            category_id="cat-textile",
            variants=[
                {"options": {"size": "S"}, "price": 900000, "stock": 1},
                {"options": {"size": "M"}, "price": 80000, "stock": 1},
            ],
        ),
        "tea": make_product(
            tea_shop,
            title="Chè Shan tuyết",
            description="Búp chè cổ thụ, đóng gói ĐỎ",
            price=250000,
            category_id="cat-tea",
        ),
        "honey": make_product(
            make_shop(name="Ong mật Vân Hồ", commune="Vân Hồ"),
            title="Mật ong bạc hà",
            price=400000,
            category_id="cat-honey",
        ),
    }


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("tho cam", {"skirt", "scarf"}),  # skirt by title, scarf by its shop's name
        ("THỔ CẨM", {"skirt", "scarf"}),
        ("do", {"scarf", "skirt", "tea"}),  # đỏ in a title, two descriptions
        ("khan pieu", {"scarf"}),
        ("Khăn piêu", {"scarf"}),
        ("  shan   TUYET ", {"tea"}),
        ("tan xuan", {"tea"}),
        ("mat ong", {"honey"}),
        ("bạc hà", {"honey"}),
        ("nothing like it", set()),
        ("%", set()),
        ("_", set()),
    ],
)
def test_q_ignores_case_and_diacritics(client, village, q, expected):
    found = ids(client.get("/api/v1/products", query_string={"q": q}))
    assert set(found) == {village[name].id for name in expected}


@pytest.mark.parametrize(
    ("q", "found"),
    [("'ngô'", True), ("ngo' men", True), ("\\ bac", True), ("'; DROP TABLE products; --", False)],
)
def test_quotes_and_backslashes_in_q_are_only_text(client, q, found):
    # The pattern is written into the SQL (so that the planner sees it): escaped, never code.
    product = make_product(make_shop(), title="Rượu 'ngô' men lá \\ Bắc Hà")
    for sort in ("newest", "relevance"):
        response = client.get("/api/v1/products", query_string={"q": q, "sort": sort})
        assert ids(response) == ([product.id] if found else [])
    assert db.session.get(Product, product.id) is not None


def test_every_word_must_be_found_but_not_side_by_side(client):
    shop = make_shop(name="Nhà Lò")
    both = make_product(shop, title="Khăn Mông", description="Nền chàm, hoa văn sáp ong")
    only_one = make_product(shop, title="Váy Mông", description="Vải lanh")
    found = ids(client.get("/api/v1/products?q=nen mong"))
    assert found == [both.id]
    assert only_one.id not in found


def test_relevance_puts_title_matches_first(client):
    shop = make_shop(name="Nhà Lò")
    by_title_start = make_product(shop, title="Thổ cẩm khăn")
    by_title_inside = make_product(shop, title="Túi thổ cẩm")
    by_description = make_product(shop, title="Túi đeo", description="Thêu hoa văn thổ cẩm")
    expected = [by_title_start.id, by_title_inside.id, by_description.id]
    assert ids(client.get("/api/v1/products?q=tho cam&sort=relevance")) == expected
    assert walk(client, "/api/v1/products?q=tho cam&sort=relevance", 1) == expected
    newest = ids(client.get("/api/v1/products?q=tho cam&sort=newest"))
    assert newest == list(reversed(expected))
    assert ids(client.get("/api/v1/products?q=tho cam")) == newest  # the default sort
    # Without a query there is nothing to rank by: newest first.
    assert ids(client.get("/api/v1/products?sort=relevance")) == newest


def test_filters(client, village):
    v = {name: obj.id for name, obj in village.items()}

    def found(**params):
        return set(ids(client.get("/api/v1/products", query_string=params)))

    assert found(shop=village["co_cham"].slug) == {v["scarf"], v["skirt"]}
    assert found(shop=village["tea_shop"].id) == {v["tea"]}
    assert found(shop="no-such-shop") == set()
    assert found(commune="Xã Vân Hồ") == {v["scarf"], v["skirt"], v["honey"]}
    assert found(commune="van ho", q="mat") == {v["honey"]}
    assert found(commune="04048") == found(commune="VÂN HỒ") == found(commune="Xã Vân Hồ")
    assert found(commune="04057") == {v["tea"]}
    assert found(commune="Lóng Luông") == found(commune="99999") == set()
    assert found(category="handicraft") == {v["scarf"], v["skirt"]}  # brocade is under textile
    assert found(category="brocade") == {v["scarf"]}
    assert found(category="beverages") == {v["tea"]}
    assert found(min_price=150000) == {v["scarf"], v["tea"], v["honey"]}
    assert found(max_price=150000) == {v["scarf"], v["skirt"]}  # the skirt's M is 80,000
    assert found(min_price=200000, max_price=300000) == {v["tea"]}
    for stars in (3, 4, 5):  # no certificates yet: nothing qualifies
        assert found(ocop_min_stars=stars) == set()


@pytest.mark.parametrize(
    "params",
    [
        {"category": "spaceships"},
        {"ocop_min_stars": 2},
        {"ocop_min_stars": 6},
        {"ocop_min_stars": "many"},
        {"min_price": -1},
        {"sort": "cheapest"},
        {"limit": 0},
        {"q": "x" * 201},
    ],
)
def test_bad_list_parameters_are_422(client, params):
    response = client.get("/api/v1/products", query_string=params)
    error = assert_envelope(response, 422)
    assert set(error["details"]) == set(params)


def test_sorts_by_price_use_the_lowest_variant_price(client, village):
    by_price = ids(client.get("/api/v1/products?sort=price_asc"))
    expected = ["skirt", "scarf", "tea", "honey"]
    assert by_price == [village[name].id for name in expected]
    assert ids(client.get("/api/v1/products?sort=price_desc")) == list(reversed(by_price))


def test_newest_first_by_default(client, village):
    assert ids(client.get("/api/v1/products")) == [
        village[name].id for name in ("honey", "tea", "skirt", "scarf")
    ]


def test_hidden_products_are_not_listed_or_found(client):
    shop = make_shop(name="Cửa hàng")
    shown = make_product(shop, title="Khăn 1")
    for status in ("draft", "archived", "suspended"):
        make_product(shop, title=f"Khăn {status}", status=status)
    make_product(make_shop(status="suspended"), title="Khăn của shop bị khóa")
    assert ids(client.get("/api/v1/products")) == [shown.id]
    assert ids(client.get("/api/v1/products?q=khan")) == [shown.id]


def _bulk_products(count: int) -> list[str]:
    """``count`` products (some with ties on price and time), written in one transaction."""
    shops = [make_shop(name=f"Bản {n}") for n in range(3)]
    made = []
    for n in range(count):
        shop = shops[n % 3]
        title = f"Sản phẩm {n:03d}"
        product = Product(
            shop_id=shop.id,
            title=title,
            title_search=fold(title),
            text_search=search_text(title, None, shop.name),
            price=1000 * (1 + n % 7),
            status="active",
        )
        product.variants.append(ProductVariant(price=product.price, stock=n % 5, options={}))
        if n % 4 == 0:
            product.variants.append(ProductVariant(price=99999, stock=1, options={"c": "đỏ"}))
            product.variants[0].options = {"c": "chàm"}
        db.session.add(product)
        made.append(product)
    db.session.commit()
    return [p.id for p in made]


@pytest.mark.parametrize("sort", ["newest", "price_asc", "price_desc", "relevance"])
def test_cursors_walk_every_product_once(client, sort):
    made = _bulk_products(30)
    url = f"/api/v1/products?sort={sort}" + ("&q=san pham" if sort == "relevance" else "")
    seen = walk(client, url, 7)
    assert len(seen) == len(set(seen)) == 30
    assert set(seen) == set(made)
    assert seen == ids(client.get(url + "&limit=100"))


def test_limit_is_clamped_to_100(client):
    _bulk_products(101)
    body = client.get("/api/v1/products?limit=500").get_json()
    assert len(body["items"]) == 100 and body["next_cursor"]
    assert len(client.get("/api/v1/products").get_json()["items"]) == 24


def test_forged_or_foreign_cursors_are_400(client):
    _bulk_products(3)
    cursor = client.get("/api/v1/products?limit=1").get_json()["next_cursor"]
    assert_envelope(client.get(f"/api/v1/products?cursor={cursor}x"), 400, "invalid_cursor")
    assert_envelope(client.get("/api/v1/products?cursor=eyJ9"), 400, "invalid_cursor")
    other_sort = client.get(f"/api/v1/products?sort=price_asc&cursor={cursor}")
    assert_envelope(other_sort, 400, "invalid_cursor")
    shop_cursor = client.get("/api/v1/shops?limit=1").get_json()["next_cursor"]
    assert_envelope(client.get(f"/api/v1/products?cursor={shop_cursor}"), 400, "invalid_cursor")


def test_a_relevance_cursor_must_name_a_rank(client, app):
    """Signed with our secret but holding no rank we give (say, from an older release)."""
    from datetime import UTC, datetime

    from marketplace.pagination import encode_cursor

    _bulk_products(3)
    url = "/api/v1/products?q=san pham&sort=relevance&cursor="
    with app.test_request_context():
        made = [
            encode_cursor("products:relevance", [r, datetime.now(UTC), "x"]) for r in (0, 4, "0")
        ]
    assert client.get(url + made[0]).status_code == 200
    assert_envelope(client.get(url + made[1]), 400, "invalid_cursor")
    assert_envelope(client.get(url + made[2]), 400, "invalid_cursor")


@pytest.mark.parametrize(
    "params",
    [
        "",
        "?q=san pham",
        "?sort=price_asc&category=food&commune=Tô Múa&min_price=1&ocop_min_stars=3",
        "?shop=ban",
    ],
)
def test_a_page_costs_the_same_queries_for_1_24_and_100_items(client, count_queries, params):
    _bulk_products(100)
    counts = {}
    for limit in (1, 24, 100):
        sep = "&" if params else "?"
        with count_queries() as counter:
            response = client.get(f"/api/v1/products{params}{sep}limit={limit}")
        assert response.status_code == 200
        counts[limit] = counter.count
    assert counts[1] == counts[24] == counts[100], counts
    assert counts[1] <= 6


def test_the_owners_list_costs_the_same_queries_whatever_its_size(client, auth, count_queries):
    owner, headers = auth.user("artisan")
    shop = make_shop(owner)
    for n in range(30):
        make_product(shop, title=f"Khăn {n}", status="draft" if n % 2 else "active")
    counts = set()
    for limit in (1, 24, 100):
        with count_queries() as counter:
            response = client.get(
                f"/api/v1/shops/{shop.id}/products?limit={limit}", headers=headers
            )
        assert response.status_code == 200
        counts.add(counter.count)
    assert len(counts) == 1


def test_relevance_ranks_every_match_not_only_the_newest(client):
    """Ranks span all the matches, past the first 1,000: the oldest product whose title starts
    with the query comes before newer ones that hold it further in, and the cursors reach every
    match once."""
    shop = make_shop(name="Nhà Lò")
    oldest_title_start = make_product(shop, title="Sản phẩm cũ nhất")
    title_inside = make_product(shop, title="Túi sản phẩm mới")
    described = make_product(shop, title="Túi đeo", description="Một sản phẩm của bản")
    _bulk_products(1005)
    seen = walk(client, "/api/v1/products?q=san pham&sort=relevance", 100)
    newest = walk(client, "/api/v1/products?q=san pham", 100)
    assert len(seen) == len(set(seen)) == len(newest) == 1008
    starts = [i for i in newest if i not in (title_inside.id, described.id)]
    assert starts[-1] == oldest_title_start.id
    assert seen == [*starts, title_inside.id, described.id]


@pytest.mark.parametrize("sort", ["newest", "price_asc", "relevance"])
def test_a_search_asked_again_with_bitmaps_answers_the_same(app, count_queries, sort):
    """search._searched_page's second try (index scans off) runs statements of their own text,
    so that PostgreSQL plans them afresh instead of reusing the first try's cached plan, and
    answers the same page."""
    _bulk_products(30)
    plain = search._Searched(fold("san pham"))
    page = functools.partial(search._page, [], sort, f"products:{sort}", limit=10, cursor=None)
    expected, _ = page(plain)
    with count_queries() as counter:
        found, _ = page(dataclasses.replace(plain, bitmaps=True))
    assert [p.id for p in found] == [p.id for p in expected] and len(found) == 10
    assert counter.statements and all("/* bitmaps */" in s for s in counter.statements)
