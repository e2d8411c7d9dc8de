"""Search as buyers type it: English words through the category tree, words in any order, and
on PostgreSQL words run together or slightly misspelt (SQLite keeps the substring match)."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from tests.catalog.test_search import ids, walk
from tests.factories import make_product, make_shop


def on_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


@pytest.fixture
def market():
    weaver = make_shop(name="Nhà Lò Thị Sấu")
    bees = make_shop(name="Ong rừng Vân Hồ")
    return {
        "scarf": make_product(weaver, title="Khăn thổ cẩm Mông", category_id="cat-brocade"),
        "bag": make_product(weaver, title="Túi đeo chéo hoa văn", category_id="cat-brocade"),
        "skirt": make_product(weaver, title="Váy lanh", category_id="cat-textile"),
        "honey": make_product(bees, title="Mật ong hoa ban", category_id="cat-honey"),
        "pollen": make_product(
            bees,
            title="Phấn hoa rừng",
            description="Phấn hoa ong nuôi, ăn kèm mật ong.",
            category_id="cat-food",
        ),
        "tea": make_product(
            make_shop(name="Chè Tân Xuân"), title="Chè Shan tuyết", category_id="cat-tea"
        ),
    }


def found(client, q: str, sort: str = "relevance") -> list[str]:
    return ids(client.get("/api/v1/products", query_string={"q": q, "sort": sort}))


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("honey", {"honey"}),
        ("Honey", {"honey"}),
        ("brocade", {"scarf", "bag"}),
        ("tea", {"tea"}),
        ("textiles", {"scarf", "bag", "skirt"}),  # a category and everything below it
    ],
)
def test_english_words_find_vietnamese_products_through_the_categories(client, market, q, expected):
    for sort in ("relevance", "newest"):
        assert set(found(client, q, sort)) == {market[name].id for name in expected}


def test_words_in_another_order_still_match(client, market):
    # Both words also name the Thổ cẩm category: its other product matches too.
    assert set(found(client, "cam tho")) == {market["scarf"].id, market["bag"].id}
    assert found(client, "mong khan") == [market["scarf"].id]


def test_an_english_and_a_vietnamese_word_together(client, market):
    # "brocade" names the category, "khan" is in the title: both words are found.
    assert found(client, "brocade khan") == [market["scarf"].id]


def test_relevance_puts_the_honey_before_the_pollen(client, market):
    assert found(client, "mat ong") == [market["honey"].id, market["pollen"].id]


def test_filler_words_of_category_names_match_nothing(client, market):
    assert found(client, "and") == []


def test_relevance_pages_through_category_matches_without_repeats(client, market):
    weaver = market["scarf"].shop
    for n in range(7):
        make_product(weaver, title=f"Khăn số {n}", category_id="cat-brocade")
    every = walk(client, "/api/v1/products?q=brocade&sort=relevance", limit=3)
    assert len(every) == len(set(every)) == 9


@pytest.mark.parametrize(
    ("q", "name"),
    [("thocam", "scarf"), ("matong", "honey"), ("tho cma", "scarf"), ("khan thocam", "scarf")],
)
def test_words_run_together_or_misspelt(client, market, q, name):
    # Typos are forgiven through pg_trgm's word similarity on PostgreSQL; SQLite keeps the
    # plain substring match, which cannot see them.
    if on_postgresql():
        assert market[name].id in found(client, q)
    else:
        assert found(client, q) == []


def test_a_typo_never_brings_unrelated_products(client, market):
    if on_postgresql():
        assert set(found(client, "thocam")) == {market["scarf"].id}


def test_typo_matches_page_on_with_their_own_cursors(client, market):
    weaver = market["scarf"].shop
    for n in range(4):
        make_product(weaver, title=f"Khăn thổ cẩm số {n}")
    every = walk(client, "/api/v1/products?q=thocam&sort=relevance", limit=2)
    if on_postgresql():
        assert len(every) == len(set(every)) == 5
    else:
        assert every == []


def test_exact_words_filling_a_page_are_not_mixed_with_lookalikes(client, market):
    # "mat ong" finds two products by its words: a page of two shows just them.
    response = client.get("/api/v1/products?q=mat ong&sort=relevance&limit=2")
    assert ids(response) == [market["honey"].id, market["pollen"].id]


@pytest.mark.parametrize("sort", ["newest", "price_asc", "relevance"])
def test_a_word_naming_a_category_within_a_category_filter(client, market, sort):
    """The filter decides what a category-naming word leaves: within Thổ cẩm, 'brocade' is
    every product there; within Mật ong, 'tea' is only what the text says; 'mat ong' in Thực
    phẩm (which holds Mật ong) is the honey by its category and the pollen by its text."""

    def within(q: str, category: str) -> set[str]:
        query = {"q": q, "category": category, "sort": sort}
        return set(ids(client.get("/api/v1/products", query_string=query)))

    assert within("brocade", "brocade") == {market["scarf"].id, market["bag"].id}
    assert within("brocade khan", "brocade") == {market["scarf"].id}
    assert within("textiles", "brocade") == {market["scarf"].id, market["bag"].id}
    assert within("tea", "honey") == set()
    assert within("honey", "tea") == set()
    assert within("mat ong", "food") == {market["honey"].id, market["pollen"].id}
    assert within("mat ong", "honey") == {market["honey"].id}
