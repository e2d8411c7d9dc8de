"""Storefront pages through the test client: what they show, what they hide, their headers."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from urllib.parse import urlsplit

import pytest

from marketplace.extensions import db
from marketplace.models import User
from marketplace.models.base import utcnow
from marketplace.services.places import local_today
from tests.factories import PASSWORD, make_livestream, make_product, make_shop
from tests.factories.pages import build_market
from tests.factories.trade_office import certify
from tests.pages.conftest import sign_in

HOME_BUDGET = 60 * 1024


def html(response) -> str:
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def text(response) -> str:
    """The page's text without tags, entities decoded, spaces squeezed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html(response))).split())


def card_titles(response) -> list[str]:
    return [unescape(t) for t in re.findall(r'<span class="title">([^<]*)</span>', html(response))]


@pytest.fixture
def market():
    return build_market()


def test_home_is_a_small_vietnamese_page_for_phones(client, market):
    response = client.get("/")
    assert response.status_code == 200
    page = html(response)
    assert '<html lang="vi">' in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "<script" not in page and "style=" not in page and "<style" not in page
    with client.get("/static/pages.css") as stylesheet:
        assert "@font-face" not in stylesheet.get_data(as_text=True)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert len(response.data) < HOME_BUDGET


def test_home_lists_newest_products_with_price_shop_commune_and_ocop(client, market):
    response = client.get("/")
    assert card_titles(response) == [
        "Mật ong rừng",
        "Túi đeo chéo thổ cẩm",
        "Khăn thổ cẩm Mông nhuộm chàm",
    ]
    page = html(response)
    words = text(response)
    assert "150.000 ₫" in words and "200.000 ₫" in words
    assert "Thổ cẩm Cỏ Chàm · Xã Vân Hồ" in words
    assert f'href="/products/{market.scarf.id}"' in page
    assert 'href="/shops/tho-cam-co-cham"' in page
    assert 'title="OCOP 4 sao"' in page and "★★★★<" in page
    assert page.count('class="ocop"') == 1
    assert "nháp" not in words


def test_home_thumbs_are_sized_lazy_variants(client, market):
    page = html(client.get("/"))
    images = re.findall(r"<img [^>]+>", page)
    assert len(images) == 1
    (image,) = images
    # The 1200×900 photo's 320 px WebP thumb, its box reserved before it loads.
    assert 'width="320" height="240"' in image and 'loading="lazy"' in image
    src = urlsplit(re.search(r'src="([^"]+)"', image).group(1)).path
    assert src.startswith("/media/") and src.endswith("-thumb.webp")
    served = client.get(src)
    assert served.status_code == 200 and served.mimetype == "image/webp"
    served.close()


def test_home_shows_live_and_upcoming_livestreams_not_ended_ones(client, market):
    response = client.get("/")
    page, words = html(response), text(response)
    assert "Chốt đơn thổ cẩm tối nay" in words and "Đang live" in words
    assert "Xem dệt lanh" in words and "Sắp diễn ra" in words
    assert "Phiên tuần trước" not in words
    assert page.index(market.live.id) < page.index(market.upcoming.id)
    # Times are Vietnam's, whatever the server's zone.
    start = market.upcoming.scheduled_start + timedelta(hours=7)
    assert f"{start:%H:%M}" in words and f"{start:%d/%m/%Y}" in words
    assert f'datetime="{start:%Y-%m-%dT%H:%M}+07:00"' in page


@pytest.mark.parametrize("typed", ["tho cam", "THỔ CẨM", "thổ cẩm", "  tho   cam "])
def test_search_ignores_case_and_diacritics(client, market, typed):
    response = client.get("/search", query_string={"q": typed})
    assert response.status_code == 200
    assert set(card_titles(response)) == {"Khăn thổ cẩm Mông nhuộm chàm", "Túi đeo chéo thổ cẩm"}
    page = html(response)
    assert 'value="tho cam"' in page or 'value="thổ cẩm"' in page or 'value="THỔ CẨM"' in page
    assert "Đang live" not in page  # a search shows results, not the livestreams


def test_search_without_results_says_so(client, market):
    response = client.get("/search?q=khong+co+gi")
    assert card_titles(response) == []
    assert "Chưa tìm thấy sản phẩm nào cho “khong co gi”." in text(response)


def test_home_search_links_of_before_land_on_the_search_page(client, market):
    response = client.get("/?q=tho+cam")
    assert response.status_code == 302
    assert response.headers["Location"] == "/search?q=tho+cam"


def test_more_link_walks_keyset_pages_without_repeats(client):
    shop = make_shop()
    titles = {make_product(shop, title=f"Vải lanh {n:02d}").title for n in range(30)}
    first = client.get("/")
    seen = card_titles(first)
    assert len(seen) == 24
    more = re.search(r'<a rel="next" href="([^"]+)"', html(first)).group(1)
    second = client.get(unescape(more))
    assert second.status_code == 200
    seen += card_titles(second)
    assert len(seen) == 30 and set(seen) == titles
    assert 'rel="next"' not in html(second)


def test_a_forged_cursor_is_a_400_page_not_a_500(client, market):
    response = client.get("/?cursor=not-a-cursor")
    assert response.status_code == 400
    assert '<html lang="vi">' in html(response)


def test_home_queries_do_not_grow_with_products(client, count_queries, market):
    client.get("/")  # warm the category cache

    def queries() -> int:
        with count_queries() as counter:
            assert client.get("/").status_code == 200
        return counter.count

    few = queries()
    shop = make_shop()
    for n in range(12):
        product = make_product(shop, title=f"Chè {n}")
        certify(product, 3)
    make_livestream(shop, products=[(product, None)])
    assert queries() == few


def test_product_page(client, market):
    response = client.get(f"/products/{market.scarf.id}")
    assert response.status_code == 200
    page, words = html(response), text(response)
    assert "<h1>Khăn thổ cẩm Mông nhuộm chàm</h1>" in page
    assert "150.000 ₫" in words
    assert "OCOP 4 sao · Còn hiệu lực đến" in words
    assert "Gian hàng Thổ cẩm Cỏ Chàm · bản Cỏ Chàm, Xã Vân Hồ" in words
    assert 'href="/shops/tho-cam-co-cham"' in page
    # The description is text, not HTML.
    assert "<p>Dệt tay &lt;b&gt;từ lanh&lt;/b&gt;.<br>Nhuộm chàm.</p>" in page
    (image,) = re.findall(r"<img [^>]+>", page)
    assert 'width="960" height="720"' in image
    # The first picture is what a buyer came for: fetched at once, the size the screen needs.
    assert 'loading="lazy"' not in image and 'fetchpriority="high"' in image
    assert re.search(r'srcset="\S+-thumb\.webp 320w, \S+-medium\.webp 960w"', image)
    assert "Content-Security-Policy" in response.headers


def test_product_page_lists_variants_with_prices_and_stock(client, market):
    words = text(client.get(f"/products/{market.bag.id}"))
    assert "từ 200.000 ₫" in words
    assert "cỡ: nhỏ 200.000 ₫ 3" in words
    assert "cỡ: lớn 250.000 ₫ Hết hàng" in words


def test_expired_ocop_certificate_shows_as_expired(client, market):
    certify(market.honey, 5, expires_on=local_today() - timedelta(days=1))
    words = text(client.get(f"/products/{market.honey.id}"))
    assert "OCOP 5 sao · Đã hết hạn ngày" in words
    home = html(client.get("/"))
    assert 'title="OCOP 5 sao"' not in home  # the grid advertises valid certificates only


def test_hidden_products_are_404_pages(client, auth, market):
    officer = auth.user("officer")[1]
    suspended = make_product(market.shop, title="Tạm ngừng")
    client.post(f"/api/v1/products/{suspended.id}/suspend", json={"reason": "x"}, headers=officer)
    archived = make_product(market.shop, title="Đã ngừng", status="archived")
    hidden_shop = make_shop()
    in_hidden_shop = make_product(hidden_shop)
    client.post(f"/api/v1/shops/{hidden_shop.id}/suspend", json={"reason": "x"}, headers=officer)
    for product_id in (market.draft.id, suspended.id, archived.id, in_hidden_shop.id, "nope"):
        response = client.get(f"/products/{product_id}")
        assert response.status_code == 404, product_id
        page = html(response)
        assert '<html lang="vi">' in page and "Không tìm thấy trang" in page
        assert "Content-Security-Policy" in response.headers


def test_shop_page(client, market):
    for ref in ("tho-cam-co-cham", market.shop.id):
        response = client.get(f"/shops/{ref}")
        assert response.status_code == 200
        words = text(response)
        assert "Thổ cẩm Cỏ Chàm" in words
        assert "Bản Cỏ Chàm · Xã Vân Hồ, Sơn La · Người Mông" in words
        assert "Chị Sấu học dệt lanh từ năm mười tuổi." in words
        assert "Gọi 0912 345 678" in words
        assert set(card_titles(response)) == {
            "Khăn thổ cẩm Mông nhuộm chàm",
            "Túi đeo chéo thổ cẩm",
        }
        assert "Xem dệt lanh" in words and "Chốt đơn thổ cẩm tối nay" in words
        assert "Phiên tuần trước" not in words
        # One of them is live now: the heading does not call it upcoming.
        assert "Livestream đang và sắp diễn ra" in words and "Livestream sắp tới" not in words


def test_suspended_shop_is_a_404_page(client, auth, market):
    officer = auth.user("officer")[1]
    client.post(f"/api/v1/shops/{market.shop.id}/suspend", json={"reason": "x"}, headers=officer)
    assert client.get("/shops/tho-cam-co-cham").status_code == 404
    assert client.get(f"/livestreams/{market.live.id}").status_code == 404
    assert client.get("/shops/no-such-shop").status_code == 404


def test_livestream_page(client, market):
    response = client.get(f"/livestreams/{market.live.id}")
    assert response.status_code == 200
    page, words = html(response), text(response)
    assert "Chốt đơn thổ cẩm tối nay" in words and "Đang live" in words
    link = re.search(r'<a class="button watch" [^>]+>', page).group(0)
    assert 'href="https://www.facebook.com/cophien/videos/1"' in link
    assert 'rel="noopener"' in link
    # Codes with live prices; the pinned product is the example to comment.
    assert "A1 Khăn thổ cẩm Mông nhuộm chàm 129.000 ₫ 150.000 ₫ 7" in words
    assert "A2 Túi đeo chéo thổ cẩm (đang giới thiệu) 200.000 ₫ 3" in words
    assert "Chốt đơn: bình luận mã và số lượng trên buổi live, ví dụ A2 x3" in words
    english = text(client.get(f"/livestreams/{market.live.id}?lang=en"))
    assert "comment the code and the quantity during the livestream, e.g. A2 x3" in english
    assert "A2 Túi đeo chéo thổ cẩm (on show now) 200.000 ₫ 3" in english
    # A product the public may not see is not shown (its code stays unused).
    assert "nháp" not in words and "A3" not in words
    assert f'href="/products/{market.scarf.id}"' in page


def test_upcoming_livestream_page_says_when_in_vietnam_time(client, market):
    words = text(client.get(f"/livestreams/{market.upcoming.id}"))
    start = market.upcoming.scheduled_start + timedelta(hours=7)
    assert "Sắp diễn ra" in words and f"{start:%H:%M}" in words and "(giờ Việt Nam)" in words
    assert "Xem trên TikTok" in words
    assert client.get("/livestreams/nope").status_code == 404


def test_collection_page_keeps_order_and_hides_what_is_hidden(client, market):
    response = client.get("/collections/chon-loc-cho-postmart")
    assert response.status_code == 200
    assert "Chọn lọc cho Postmart" in text(response)
    assert card_titles(response) == [
        "Túi đeo chéo thổ cẩm",
        "Mật ong rừng",
        "Khăn thổ cẩm Mông nhuộm chàm",
    ]
    assert client.get("/collections/nope").status_code == 404


def test_export_product_url_is_the_product_page(client, auth, market):
    officer = auth.user("officer")[1]
    response = client.get(
        "/api/v1/collections/chon-loc-cho-postmart/export?format=json", headers=officer
    )
    urls = [row["product_url"] for row in response.get_json()["items"]]
    assert urls[0] == f"http://localhost/products/{market.bag.id}"
    for url in urls:
        page = client.get(url)
        assert page.status_code == 200 and page.mimetype == "text/html"


def test_unknown_paths_are_html_pages_and_the_api_keeps_json(client):
    page = client.get("/no/such/page")
    assert page.status_code == 404 and "Không tìm thấy trang" in html(page)
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.get_json()["error"]["code"] == "not_found"


def test_stylesheet_is_fingerprinted_and_cached_for_good(client, market):
    page = html(client.get("/"))
    href = re.search(r'<link rel="stylesheet" href="([^"]+)"', page).group(1)
    assert re.fullmatch(r"/static/pages\.css\?v=[0-9a-f]{12}", href)
    response = client.get(href)
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    response.close()
    stale = client.get("/static/pages.css?v=000000000000")
    assert "immutable" not in stale.headers.get("Cache-Control", "")
    stale.close()


def test_owner_signed_in_sees_own_draft(client, market):
    owner = db.session.get(User, market.shop.owner_id)
    sign_in(client, owner.email, PASSWORD)
    response = client.get(f"/products/{market.draft.id}")
    assert response.status_code == 200
    assert "Bản nháp: chỉ chủ gian hàng nhìn thấy." in text(response)


def test_home_without_livestreams_or_products(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Livestream" not in text(response).replace("Thêm lịch livestream", "")
    assert "Chưa có sản phẩm nào." in text(response)


def test_times_are_shown_on_vietnam_calendar_day(client):
    # 18:00 UTC is 01:00 of the next day in Vietnam.
    start = utcnow().replace(hour=18, minute=0, second=0, microsecond=0) + timedelta(days=3)
    make_livestream(make_shop(), title="Phiên khuya", scheduled_start=start)
    local_day = (start + timedelta(days=1)).strftime("%d/%m/%Y")
    assert "01:00 " in text(client.get("/"))
    assert local_day in text(client.get("/"))


def test_storefront_pages_in_english(client, market):
    home = text(client.get("/?lang=en"))
    assert "Livestreams now and coming up" in home and "Live now" in home and "New products" in home
    assert "Mật ong rừng" in home  # product text stays as the artisan wrote it
    shop = text(client.get("/shops/tho-cam-co-cham"))  # the choice is remembered
    assert "Cỏ Chàm village · Xã Vân Hồ, Sơn La · Mông people" in shop
    assert "Call 0912 345 678" in shop and "Our story" in shop
    product = text(client.get(f"/products/{market.bag.id}"))
    assert "from 200.000 ₫" in product and "cỡ: lớn 250.000 ₫ Sold out" in product
    trace = text(client.get(f"/t/{market.scarf.trace_code}"))
    assert "Made by" in trace and "4 stars · Valid until" in trace
    upcoming = text(client.get(f"/livestreams/{market.upcoming.id}"))
    assert "Coming up" in upcoming and "(Vietnam time)" in upcoming
    assert "Watch on TikTok" in upcoming
