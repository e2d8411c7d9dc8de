"""The search page with its filters, and the category pages, through the test client."""

from __future__ import annotations

import gzip
import re

import pytest

from marketplace.extensions import db
from marketplace.models import Category, Product
from tests.factories import make_product, make_shop
from tests.factories.pages import build_market
from tests.factories.trade_office import certify
from tests.pages.test_browse import card_titles, html, text


@pytest.fixture
def market():
    market = build_market(photo=False)
    brocade = db.session.scalar(db.select(Category).where(Category.slug == "brocade"))
    market.scarf.category_id = brocade.id
    db.session.commit()
    return market


def test_search_has_every_filter_as_a_control(client, market):
    response = client.get("/search?q=tho+cam")
    assert response.status_code == 200
    page = html(response)
    for name in ("category", "commune", "sort"):
        assert re.search(rf'<select id="f-\w+" name="{name}"', page), name
    assert page.count('name="ocop_min_stars"') == 4  # any, 3, 4, 5
    for name in ("min_price", "max_price"):
        field = re.search(rf'<input[^>]+name="{name}"[^>]*>', page).group(0)
        assert 'inputmode="numeric"' in field
    # Every control has its label.
    for control in re.findall(r'<(?:select|input) id="([^"]+)"', page):
        assert f'<label for="{control}"' in page, control
    # With words, the most relevant first.
    assert '<option value="relevance" selected>Phù hợp nhất</option>' in page
    assert "Xã Vân Hồ" in page  # the communes where shops are


def test_search_ranks_title_matches_first(client, market):
    other = make_shop(name="Tơ lanh")
    make_product(other, title="Vòng tay bạc", description="Gói trong túi thổ cẩm nhỏ")
    response = client.get("/search", query_string={"q": "thổ cẩm"})
    titles = card_titles(response)
    assert titles[-1] == "Vòng tay bạc"
    assert set(titles[:2]) == {"Khăn thổ cẩm Mông nhuộm chàm", "Túi đeo chéo thổ cẩm"}
    newest = card_titles(client.get("/search", query_string={"q": "thổ cẩm", "sort": "newest"}))
    assert newest[0] == "Vòng tay bạc"


def test_filters_narrow_the_results(client, market):
    assert card_titles(client.get("/search?q=tho+cam&ocop_min_stars=4")) == [
        "Khăn thổ cẩm Mông nhuộm chàm"
    ]
    assert card_titles(client.get("/search?max_price=160000")) == ["Khăn thổ cẩm Mông nhuộm chàm"]
    cheap_first = card_titles(client.get("/search?sort=price_asc"))
    assert cheap_first[0] == "Khăn thổ cẩm Mông nhuộm chàm" and cheap_first[-1] == "Mật ong rừng"
    honey_commune = market.honey.shop.commune_code
    assert card_titles(client.get(f"/search?commune={honey_commune}")) == ["Mật ong rừng"]
    # Empty controls are no filter at all (a form sends every field).
    empty = "/search?q=&category=&commune=&ocop_min_stars=&min_price=&max_price=&sort="
    assert len(card_titles(client.get(empty))) == 3


def test_category_filter_takes_sub_categories(client, market):
    for slug in ("brocade", "textile", "handicraft"):
        assert card_titles(client.get(f"/search?category={slug}")) == [
            "Khăn thổ cẩm Mông nhuộm chàm"
        ], slug
    assert card_titles(client.get("/search?category=food")) == []
    page = html(client.get("/search?category=brocade&lang=en"))
    assert '<option value="brocade" selected>— — Brocade</option>' in page


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("ocop_min_stars=2", "ocop_min_stars", "Hãy chọn 3, 4 hoặc 5 sao."),
        ("min_price=abc", "min_price", "Hãy ghi giá bằng đồng, chỉ gồm chữ số."),
        ("max_price=-5", "max_price", "Hãy ghi giá bằng đồng, chỉ gồm chữ số."),
        ("category=khong-co", "category", "Hãy chọn một danh mục trong danh sách."),
        ("sort=cheapest", "sort", "Hãy chọn cách sắp xếp trong danh sách."),
    ],
)
def test_bad_filters_are_422_with_the_values_kept(client, market, query, field, message):
    response = client.get(f"/search?q=tho+cam&{query}")
    assert response.status_code == 422
    page = html(response)
    assert f'<span class="field-error" id="{field}-error">{message}</span>' in page
    assert 'value="tho cam"' in page  # the words typed stay
    assert f'aria-describedby="{field}-error"' in page
    if field in ("min_price", "max_price"):
        assert f'value="{query.split("=")[1]}"' in page


def test_search_in_english(client, market):
    response = client.get("/search?q=tho+cam&ocop_min_stars=9&lang=en")
    assert response.status_code == 422
    words = text(response)
    assert '<html lang="en">' in html(response)
    assert "Choose 3, 4 or 5 stars." in words and "Filter and sort" in words
    english = text(client.get("/search?q=khong+co+gi"))  # remembered
    assert "No products found for “khong co gi”." in english


def test_search_walks_pages_keeping_the_filters(client):
    shop = make_shop()
    for n in range(30):
        certify(make_product(shop, title=f"Chè Shan tuyết gói {n}", price=100000 + n), 4)
    first = client.get("/search?q=che&ocop_min_stars=4&sort=price_asc")
    more = re.search(r'<a rel="next" href="([^"]+)"', html(first)).group(1).replace("&amp;", "&")
    assert "ocop_min_stars=4" in more and "sort=price_asc" in more and "q=che" in more
    second = client.get(more)
    seen = card_titles(first) + card_titles(second)
    assert len(seen) == len(set(seen)) == 30


def test_home_search_box_leads_to_the_search_page(client, market):
    page = html(client.get("/"))
    assert '<form class="search" action="/search" method="get" role="search">' in page


def test_category_page_lists_products_and_sub_categories(client, market):
    response = client.get("/categories/handicraft")
    assert response.status_code == 200
    page = html(response)
    assert "<h1>Thủ công mỹ nghệ, dệt may</h1>" in page
    assert 'href="/categories/textile">Dệt may</a>' in page
    assert 'href="/categories/bamboo-rattan">Mây tre đan</a>' in page
    assert card_titles(response) == ["Khăn thổ cẩm Mông nhuộm chàm"]
    brocade = html(client.get("/categories/brocade?lang=en"))
    assert "<h1>Brocade</h1>" in brocade
    assert '<a href="/categories/textile">Textiles and garments</a>' in brocade  # where it is


def test_product_page_names_its_category_in_the_page_language(client, market):
    scarf = db.session.get(Product, market.scarf.id)
    vietnamese = html(client.get(f"/products/{scarf.id}"))
    assert '<a href="/categories/brocade">Thổ cẩm</a>' in vietnamese
    english = html(client.get(f"/products/{scarf.id}?lang=en"))
    assert '<a href="/categories/brocade">Brocade</a>' in english
    assert "OCOP 4 stars · Valid until" in text(client.get(f"/products/{scarf.id}"))


def test_unknown_category_is_a_404_in_the_page_language(client):
    response = client.get("/categories/khong-co")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in text(response) and "Không có danh mục này." in text(response)
    english = client.get("/categories/khong-co?lang=en")
    assert english.status_code == 404 and "No category has this name." in text(english)


def test_pages_and_stylesheets_travel_gzipped(client, market):
    plain = client.get("/search?q=tho+cam")
    assert "Content-Encoding" not in plain.headers and "Accept-Encoding" in plain.headers["Vary"]
    packed = client.get("/search?q=tho+cam", headers={"Accept-Encoding": "gzip, br"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 2
    href = re.search(r'href="(/static/pages\.css\?v=[0-9a-f]+)"', html(plain)).group(1)
    css = client.get(href, headers={"Accept-Encoding": "gzip"})
    assert css.headers["Content-Encoding"] == "gzip" and css.headers["ETag"].startswith("W/")
    assert b"--indigo" in gzip.decompress(css.data)
    again = client.get(
        href, headers={"Accept-Encoding": "gzip", "If-None-Match": css.headers["ETag"]}
    )
    assert again.status_code == 304
    again.close()
    # What cannot shrink, or is not text, is left alone.
    assert (
        "Content-Encoding"
        not in client.get("/healthz", headers={"Accept-Encoding": "gzip"}).headers
    )


def test_new_words_keep_the_filters_chosen(client, market):
    page = html(client.get("/search?q=tho+cam&ocop_min_stars=4&category=brocade"))
    box = re.search(r'<form class="search".*?</form>', page, re.S).group(0)
    assert '<input type="hidden" name="ocop_min_stars" value="4">' in box
    assert '<input type="hidden" name="category" value="brocade">' in box
    assert 'name="sort"' not in box  # new words: the most relevant first again
