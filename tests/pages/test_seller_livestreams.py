"""The seller centre's livestream pages through the Flask client: scheduling, the live console
(start, end, pin, live prices) and orders taken from comments, with their failures."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import (
    Livestream,
    LivestreamClaim,
    LivestreamProduct,
    Notification,
    Order,
    ProductVariant,
    ShopFollow,
    User,
)
from marketplace.models.base import utcnow
from tests.factories import PASSWORD, make_product, make_shop, make_user
from tests.factories.pages import build_market
from tests.pages.conftest import csrf_token, sign_in

BUYER = {
    "buyer_name": "Lò Thị Mai",
    "buyer_phone": "0912 000 111",
    "line1": "Bản Cỏ Chàm",
    "province": "Sơn La",
    "commune": "Vân Hồ",
}


@pytest.fixture
def market():
    return build_market(photo=False)


@pytest.fixture
def seller(client, market):
    """The client signed in as the market's artisan."""
    artisan = db.session.get(User, market.shop.owner_id)
    assert sign_in(client, artisan.email, PASSWORD).status_code in (302, 303)
    return client


def token(client, livestream_id: str | None = None) -> str:
    path = f"/seller/livestreams/{livestream_id}" if livestream_id else "/seller/livestreams/new"
    return csrf_token(client, path)


def text(response) -> str:
    return response.get_data(as_text=True)


def error_beside(page: str, field: str) -> str:
    """The error message shown under ``field`` (its aria-describedby target)."""
    match = re.search(rf'<p class="field-error" id="{field}-error">.*?</svg> ([^<]*)</p>', page)
    assert match, f"no error beside {field}"
    return match.group(1)


def stock_of(product) -> int:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(sa.func.sum(ProductVariant.stock)).where(ProductVariant.product_id == product.id)
    )


def claims_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(LivestreamClaim))


def claim(client, livestream, **fields):
    form = {"csrf_token": token(client, livestream.id), **BUYER, **fields}
    return client.post(f"/seller/livestreams/{livestream.id}/claims", data=form)


# --- who may open them -----------------------------------------------------------------------


def test_anonymous_visitors_sign_in_first(client, market):
    for path in (
        "/seller/livestreams",
        "/seller/livestreams/new",
        f"/seller/livestreams/{market.live.id}",
    ):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/signin?next=")


def test_a_buyer_is_told_why_not(client, market):
    buyer = make_user("buyer", email="mai@example.test")
    sign_in(client, buyer.email, PASSWORD)
    response = client.get("/seller/livestreams")
    assert response.status_code == 403
    assert "Kênh người bán dành cho người bán hàng" in text(response)


def test_another_artisans_livestream_is_not_shown(client, market):
    other = make_user("artisan", email="other@example.test")
    make_shop(other)
    sign_in(client, other.email, PASSWORD)
    assert client.get(f"/seller/livestreams/{market.live.id}").status_code in (403, 404)
    assert client.get(f"/seller/livestreams/{market.live.id}/board").status_code in (403, 404)
    form = {"csrf_token": csrf_token(client, "/seller/livestreams"), **BUYER, "comment": "A1"}
    response = client.post(f"/seller/livestreams/{market.live.id}/claims", data=form)
    assert response.status_code in (403, 404)
    assert claims_count() == 0


def test_an_artisan_without_a_shop_goes_to_set_it_up(app, client):
    if "seller.shop" not in app.view_functions:
        pytest.skip("the shop set-up page (seller.shop) comes with centre.py, on branch h-seller")
    artisan = make_user("artisan", email="new@example.test")
    sign_in(client, artisan.email, PASSWORD)
    response = client.get("/seller/livestreams")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/seller/shop")


def test_a_post_without_csrf_token_is_refused(seller, market):
    response = seller.post(f"/seller/livestreams/{market.live.id}/end", data={})
    assert response.status_code == 400
    assert db.session.get(Livestream, market.live.id).status == "live"


# --- the list and scheduling -----------------------------------------------------------------


def test_the_list_shows_live_upcoming_and_past_sessions(seller, market):
    page = text(seller.get("/seller/livestreams"))
    live, upcoming, past = (page.index(t) for t in ("Đang live", "Sắp diễn ra", "Các phiên đã qua"))
    assert live < page.index(market.live.title) < upcoming
    assert upcoming < page.index(market.upcoming.title) < past < page.index(market.ended.title)
    assert f'href="/seller/livestreams/{market.live.id}"' in page


def test_the_schedule_form_offers_the_shops_products_with_a_numeric_price(seller, market):
    page = text(seller.get("/seller/livestreams/new"))
    assert f'name="product_ids" value="{market.scarf.id}"' in page
    assert f'name="live_price_{market.scarf.id}" type="text" inputmode="numeric"' in page
    assert market.honey.title not in page  # another shop's
    assert market.draft.title not in page  # not for sale
    assert 'type="datetime-local"' in page
    for platform in ("facebook", "tiktok", "youtube", "zalo"):
        assert f'name="platform" value="{platform}"' in page


def schedule_form(client, market, **changes):
    form = {
        "csrf_token": token(client),
        "title": "Chốt đơn khăn chàm",
        "platform": "facebook",
        "url": "https://www.facebook.com/cocham/videos/42",
        "scheduled_start": (utcnow() + timedelta(days=1))
        .astimezone(LOCAL)
        .strftime("%Y-%m-%dT19:30"),
        "product_ids": [market.scarf.id, market.bag.id],
        f"live_price_{market.scarf.id}": "129.000",
        f"live_price_{market.bag.id}": "",
    }
    form.update(changes)
    return form


from zoneinfo import ZoneInfo  # noqa: E402

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def test_scheduling_a_livestream_with_a_live_price(seller, market):
    form = schedule_form(seller, market)
    response = seller.post("/seller/livestreams", data=form)
    assert response.status_code == 303
    created = db.session.scalar(sa.select(Livestream).where(Livestream.title == form["title"]))
    assert response.headers["Location"] == f"/seller/livestreams/{created.id}"
    assert created.status == "scheduled" and created.platform == "facebook"
    # 19:30 in Vân Hồ is 12:30 UTC.
    start = created.scheduled_start.astimezone(UTC)
    assert (start.hour, start.minute) == (12, 30)
    features = {f.product_id: f for f in created.featured}
    assert features[market.scarf.id].live_price == 129000 and features[market.scarf.id].code == "A1"
    assert features[market.bag.id].live_price is None and features[market.bag.id].code == "A2"
    console = text(seller.get(response.headers["Location"]))
    assert "129.000 ₫" in console and "Bắt đầu live" in console


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"url": "https://evil.example/live"}, "url", "Dán đường link phiên live"),
        ({"platform": "tiktok"}, "url", "Dán đường link phiên live"),
        ({"title": "   "}, "title", "Hãy điền mục này."),
        ({"scheduled_start": ""}, "scheduled_start", "Chọn ngày và giờ."),
        ({"scheduled_start": "2020-01-01T19:30"}, "scheduled_start", "Giờ này đã qua"),
        ("scarf_price_abc", "scarf", "Gõ giá bằng đồng"),
        ("scarf_price_high", "scarf", "Phải thấp hơn giá thường."),
    ],
)
def test_a_bad_schedule_comes_back_with_its_values_and_the_error_beside_the_field(
    seller, market, changes, field, message
):
    price_field = f"live_price_{market.scarf.id}"
    if changes == "scarf_price_abc":
        changes = {price_field: "mười nghìn"}
    elif changes == "scarf_price_high":
        changes = {price_field: "150.000"}  # its normal price
    if field == "scarf":
        field = price_field
    form = schedule_form(seller, market, **changes)
    response = seller.post("/seller/livestreams", data=form)
    assert response.status_code == 422
    page = text(response)
    assert message in error_beside(page, field)
    assert 'value="Chốt đơn khăn chàm"' in page or form["title"].strip() == ""
    assert f'value="{form[price_field]}"' in page  # the typed price kept
    assert f'name="product_ids" value="{market.bag.id}" checked' in page
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(Livestream.title == "Chốt đơn khăn chàm")
        )
        == 0
    )


# --- the console: start, pin, prices, end ----------------------------------------------------


def test_starting_notifies_the_followers_and_ending_closes_the_console(seller, market):
    follower = make_user("buyer")
    db.session.add(ShopFollow(user_id=follower.id, shop_id=market.shop.id))
    db.session.commit()
    upcoming = market.upcoming
    form = {"csrf_token": token(seller, upcoming.id)}
    response = seller.post(f"/seller/livestreams/{upcoming.id}/start", data=form)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/seller/livestreams/{upcoming.id}"
    db.session.expire_all()
    assert db.session.get(Livestream, upcoming.id).status == "live"
    notice = db.session.scalar(sa.select(Notification).where(Notification.user_id == follower.id))
    assert notice.kind == "livestream_starting"
    page = text(seller.get(f"/seller/livestreams/{upcoming.id}"))
    assert "Chốt đơn từ bình luận" in page and "Kết thúc live" in page
    response = seller.post(f"/seller/livestreams/{upcoming.id}/end", data=form)
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Livestream, upcoming.id).status == "ended"
    page = text(seller.get(f"/seller/livestreams/{upcoming.id}"))
    assert "Chốt đơn từ bình luận" not in page and "Đã kết thúc" in page


def test_an_impossible_move_says_so(seller, market):
    form = {"csrf_token": token(seller, market.ended.id)}
    response = seller.post(f"/seller/livestreams/{market.ended.id}/start", data=form)
    assert response.status_code == 409
    assert "Phiên live không làm được việc này lúc này" in text(response)
    assert db.session.get(Livestream, market.ended.id).status == "ended"


def test_cancelling_an_upcoming_livestream(seller, market):
    form = {"csrf_token": token(seller, market.upcoming.id)}
    response = seller.post(f"/seller/livestreams/{market.upcoming.id}/cancel", data=form)
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Livestream, market.upcoming.id).status == "cancelled"


def test_pinning_the_product_being_shown(seller, market):
    live = market.live
    form = {"csrf_token": token(seller, live.id), "product_id": market.scarf.id}
    assert seller.post(f"/seller/livestreams/{live.id}/pin", data=form).status_code == 303
    db.session.expire_all()
    assert db.session.get(Livestream, live.id).pinned_product_id == market.scarf.id
    page = text(seller.get(f"/seller/livestreams/{live.id}"))
    assert 'aria-label="Bỏ ghim A1"' in page and 'aria-label="Ghim A2"' in page
    form["product_id"] = ""
    assert seller.post(f"/seller/livestreams/{live.id}/pin", data=form).status_code == 303
    db.session.expire_all()
    assert db.session.get(Livestream, live.id).pinned_product_id is None


def test_pinning_a_product_not_in_the_livestream_fails(seller, market):
    form = {"csrf_token": token(seller, market.live.id), "product_id": market.honey.id}
    response = seller.post(f"/seller/livestreams/{market.live.id}/pin", data=form)
    assert response.status_code == 422
    assert "Sản phẩm này không có trong phiên live." in text(response)


def test_changing_live_prices_while_live(seller, market):
    live = market.live
    form = {
        "csrf_token": token(seller, live.id),
        f"live_price_{market.scarf.id}": "120.000",
        f"live_price_{market.bag.id}": "180000",
    }
    assert seller.post(f"/seller/livestreams/{live.id}/prices", data=form).status_code == 303
    db.session.expire_all()
    prices = dict(
        db.session.execute(
            sa.select(LivestreamProduct.product_id, LivestreamProduct.live_price).where(
                LivestreamProduct.livestream_id == live.id
            )
        ).all()
    )
    assert prices[market.scarf.id] == 120000 and prices[market.bag.id] == 180000
    assert market.draft.id not in prices or prices[market.draft.id] is None


def test_a_live_price_above_the_normal_price_is_refused_beside_it(seller, market):
    live = market.live
    field = f"live_price_{market.bag.id}"
    form = {"csrf_token": token(seller, live.id), field: "990.000"}
    response = seller.post(f"/seller/livestreams/{live.id}/prices", data=form)
    assert response.status_code == 422
    page = text(response)
    assert error_beside(page, field) == "Phải thấp hơn giá thường."
    assert 'value="990.000"' in page and '<details class="prices" open>' in page
    db.session.expire_all()
    assert db.session.get(LivestreamProduct, (live.id, market.bag.id)).live_price is None


# --- orders from comments --------------------------------------------------------------------


@pytest.mark.parametrize(("comment", "quantity"), [("A1 x2", 2), ("chốt a1 2 cái", 2), ("a1", 1)])
def test_a_comment_becomes_an_order_at_the_live_price(seller, market, comment, quantity):
    live = market.live
    response = claim(seller, live, comment=comment, idempotency_key="tap-1")
    assert response.status_code == 303
    taken = db.session.scalar(sa.select(LivestreamClaim))
    assert (
        response.headers["Location"]
        == f"/seller/livestreams/{live.id}?claimed={taken.id}#claim-box"
    )
    assert (taken.code, taken.quantity) == ("A1", quantity)
    order = db.session.get(Order, taken.order_id)
    assert order.lines[0].unit_price == 129000 and order.lines[0].livestream_id == live.id
    assert order.buyer_contact["name"] == "Lò Thị Mai"
    assert order.shipping_address["commune"] == "Xã Vân Hồ"
    assert stock_of(market.scarf) == 7 - quantity
    page = text(seller.get(response.headers["Location"]))
    assert f"Đã chốt: A1 × {quantity} cho Lò Thị Mai" in page
    assert f"Còn {7 - quantity}" in page
    assert "“" + comment + "”" in page  # in the claims list


def test_two_taps_on_chot_make_one_order(seller, market):
    live = market.live
    form = {"csrf_token": token(seller, live.id), **BUYER, "comment": "A1 x2"}
    form["idempotency_key"] = "made-when-the-form-was-shown"
    first = seller.post(f"/seller/livestreams/{live.id}/claims", data=form)
    second = seller.post(f"/seller/livestreams/{live.id}/claims", data=form)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert claims_count() == 1
    assert stock_of(market.scarf) == 5
    # The next form gets a new key: another order for the same comment is one more.
    page = text(seller.get(f"/seller/livestreams/{live.id}"))
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    assert key != form["idempotency_key"]
    assert claim(seller, live, comment="A1 x2", idempotency_key=key).status_code == 303
    assert claims_count() == 2


def test_a_failed_claim_releases_its_key_for_the_corrected_form(seller, market):
    live = market.live
    response = claim(seller, live, comment="A9 x2", idempotency_key="k")
    assert response.status_code == 422
    assert claim(seller, live, comment="A1 x2", idempotency_key="k").status_code == 303
    assert claims_count() == 1


@pytest.mark.parametrize(
    ("fields", "status", "field", "message"),
    [
        ({"comment": "cho em xin giá"}, 422, "comment", "Bình luận không có mã sản phẩm (như A2)."),
        ({"comment": "A1 A2"}, 422, "comment", "Một bình luận có nhiều mã."),
        ({"comment": "A9 x1"}, 422, "comment", "Phiên live này không có mã đó."),
        ({"comment": "A1 x50"}, 409, "comment", "Không đủ hàng cho đơn này."),
        ({"comment": ""}, 422, "comment", "Hãy điền mục này."),
        ({"comment": "A2 x1"}, 422, "variant_id", "Sản phẩm này có nhiều loại."),
        ({"comment": "A1", "buyer_phone": "12"}, 422, "buyer_phone", "Số điện thoại chưa đúng."),
        ({"comment": "A1", "commune": "Hà Đông"}, 422, "commune", "Không có xã, phường này"),
        ({"comment": "A1", "buyer_name": ""}, 422, "buyer_name", "Hãy điền mục này."),
    ],
)
def test_a_bad_claim_keeps_the_form_and_says_why_beside_the_field(
    seller, market, fields, status, field, message
):
    response = claim(seller, market.live, idempotency_key="k1", **fields)
    assert response.status_code == status
    page = text(response)
    assert message in error_beside(page, field)
    assert f'value="{fields["comment"]}"' in page
    assert (
        'value="Bản Cỏ Chàm"' in page and 'value="0912 000 111"' in page or field == "buyer_phone"
    )
    assert 'name="idempotency_key" value="k1"' in page
    assert claims_count() == 0
    assert stock_of(market.scarf) == 7


def test_a_variant_is_chosen_for_a_product_sold_in_several_kinds(seller, market):
    small = next(v for v in market.bag.variants if v.options == {"cỡ": "nhỏ"})
    page = text(seller.get(f"/seller/livestreams/{market.live.id}"))
    assert f'<option value="{small.id}">A2 · cỡ: nhỏ' in page
    response = claim(seller, market.live, comment="A2", variant_id=small.id)
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(ProductVariant, small.id).stock == 2


def test_no_order_from_a_comment_when_not_live(seller, market):
    for livestream in (market.upcoming, market.ended):
        response = claim(seller, livestream, comment="A1 x1", idempotency_key=livestream.id)
        assert response.status_code == 409
        assert "Chỉ chốt đơn được khi đang live." in text(response)
    assert claims_count() == 0


def test_the_board_fragment_shows_the_stock_and_the_claims(seller, market):
    claim(seller, market.live, comment="A1 x3")
    response = seller.get(f"/seller/livestreams/{market.live.id}/board")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    board = text(response)
    assert "<html" not in board
    assert 'id="codes" data-status="live"' in board and "Còn 4" in board
    assert "“A1 x3”" in board


def test_a_sold_out_product_says_so(seller, market):
    product = make_product(market.shop, title="Gối thổ cẩm", price=90000, stock=0)
    db.session.add(
        LivestreamProduct(
            livestream_id=market.live.id, product_id=product.id, code="A4", position=4
        )
    )
    db.session.commit()
    page = text(seller.get(f"/seller/livestreams/{market.live.id}"))
    assert "Hết hàng" in page


def test_times_are_shown_in_vietnam(seller, market):
    market.upcoming.scheduled_start = datetime(2030, 5, 4, 12, 30, tzinfo=UTC)
    db.session.commit()
    page = text(seller.get("/seller/livestreams"))
    assert "19:30 T7 04/05/2030" in page


def test_a_tap_while_the_first_one_is_still_being_saved_waits_then_says_so(
    seller, market, monkeypatch
):
    """The first tap holds the key (its order not yet answered): the second waits a moment for
    its answer and, none coming, asks to reload instead of taking a second order."""
    from marketplace.blueprints.seller import live as live_pages
    from marketplace.models import IdempotencyKey
    from marketplace.services.orders import idempotency

    monkeypatch.setattr(live_pages, "DOUBLE_TAP_WAIT_SECONDS", 0.3)
    live = market.live
    values = {**{k: v.strip() for k, v in BUYER.items()}, "comment": "A1 x2", "variant_id": ""}
    path = f"/seller/livestreams/{live.id}/claims"
    body = json.dumps(live_pages._claim_request(values), sort_keys=True).encode()
    now = utcnow()
    db.session.add(
        IdempotencyKey(
            user_id=market.shop.owner_id,
            key="first-tap",
            fingerprint=idempotency.fingerprint("POST", path, body),
            created_at=now,
            expires_at=now + timedelta(hours=24),
        )
    )
    db.session.commit()
    response = claim(seller, live, comment="A1 x2", idempotency_key="first-tap")
    assert response.status_code == 409
    assert "Đang lưu lần bấm trước" in text(response)
    assert claims_count() == 0
