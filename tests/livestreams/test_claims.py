"""Comment orders: POST/GET /api/v1/livestreams/{id}/claims."""

from __future__ import annotations

import threading

import pytest
import requests
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Checkout, LivestreamClaim, Order, ProductVariant, User
from marketplace.models.base import utcnow
from tests.factories import (
    headers_for,
    make_livestream,
    make_product,
    make_shop,
    make_user,
)
from tests.factories.envelopes import assert_envelope

API = "/api/v1"
ADDRESS = {
    "line1": "Bản Cỏ Chàm",
    "commune": "Vân Hồ",
    "province": "Sơn La",
    "country": "VN",
}


@pytest.fixture
def session(auth):
    """A live session: A1 a scarf at a live price, A2 a skirt without one."""
    owner, headers = auth.user("artisan")
    shop = make_shop(owner, shipping_fee=30000, international_shipping_fee=None)
    scarf = make_product(shop, title="Khăn piêu", price=250000, stock=5)
    skirt = make_product(shop, title="Váy", price=400000, stock=5)
    livestream = make_livestream(shop, status="live", products=[(scarf, 199000), (skirt, None)])
    return {
        "headers": headers,
        "shop": shop,
        "livestream": livestream,
        "scarf": scarf,
        "skirt": skirt,
    }


def claim(client, session, comment="A1 x2", headers=None, **overrides):
    body = {
        "comment": comment,
        "buyer_name": "Giàng Thị Mai",
        "buyer_phone": "0912 345 678",
        "shipping_address": dict(ADDRESS),
    }
    body.update(overrides)
    return client.post(
        f"{API}/livestreams/{session['livestream'].id}/claims",
        headers=session["headers"] if headers is None else headers,
        json=body,
    )


def stock_of(product) -> int:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(ProductVariant.stock).where(ProductVariant.product_id == product.id)
    )


def test_a_comment_becomes_a_placed_cod_order_at_the_live_price(client, session):
    users_before = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    response = claim(client, session, "chốt A1 x2 nhé")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["comment"], body["code"], body["quantity"]) == ("chốt A1 x2 nhé", "A1", 2)
    assert body["livestream_id"] == session["livestream"].id
    order = body["order"]
    assert order["status"] == "placed"
    assert order["payment_method"] == "cod" and order["payment_status"] == "unpaid"
    assert order["buyer_id"] is None
    assert order["buyer_contact"] == {"name": "Giàng Thị Mai", "phone": "+84912345678"}
    assert order["shop"]["id"] == session["shop"].id
    [line] = order["lines"]
    assert line["product_id"] == session["scarf"].id
    assert (line["unit_price"], line["quantity"], line["line_total"]) == (199000, 2, 398000)
    assert line["livestream_id"] == session["livestream"].id
    assert (order["subtotal"], order["shipping_fee"], order["total"]) == (398000, 30000, 428000)
    assert order["currency"] == "VND"
    # The address's name and phone default to the buyer's.
    assert order["shipping_address"]["name"] == "Giàng Thị Mai"
    assert order["shipping_address"]["phone"] == "+84912345678"
    assert stock_of(session["scarf"]) == 3
    # No account is made for the buyer.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == users_before


def test_a_featured_product_without_live_price_is_sold_at_its_price(client, session):
    response = claim(client, session, "A2")
    assert response.status_code == 201
    [line] = response.get_json()["order"]["lines"]
    assert (line["unit_price"], line["quantity"]) == (400000, 1)


@pytest.mark.parametrize(
    ("comment", "quantity"),
    [("A1 x3", 3), ("a1 3", 3), ("A1*3", 3), ("A1 X 3", 3), ("A1", 1), ("Chốt đơn a1 sl 2 ạ", 2)],
)
def test_comment_formats(client, session, comment, quantity):
    response = claim(client, session, comment)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["quantity"] == quantity
    assert response.get_json()["order"]["lines"][0]["quantity"] == quantity


def test_the_order_is_linked_to_the_account_with_that_phone(client, session):
    buyer = make_user("buyer", phone="+84912345678", email=None)
    response = claim(client, session, "A1", buyer_phone="0912345678")
    assert response.status_code == 201
    order = response.get_json()["order"]
    assert order["buyer_id"] == buyer.id
    # The buyer sees it as their own order.
    seen = client.get(f"{API}/orders/{order['id']}", headers=headers_for(buyer))
    assert seen.status_code == 200
    assert seen.get_json()["lines"][0]["livestream_id"] == session["livestream"].id


@pytest.mark.parametrize("comment", ["hello shop", "A1 x3 A2 x1", "A1 x0", "A1 ba", ""])
def test_an_unreadable_comment_is_422(client, session, comment):
    error = assert_envelope(claim(client, session, comment), 422)
    assert "comment" in error["details"]
    if comment:
        assert error["code"] == "unparseable_comment"


def test_an_unknown_or_removed_code_is_422(client, session):
    assert_envelope(claim(client, session, "A9 x1"), 422, "unknown_code")
    session["livestream"].featured[1].removed_at = utcnow()
    db.session.commit()
    assert_envelope(claim(client, session, "A2 x1"), 422, "unknown_code")


def test_a_suspended_product_cannot_be_claimed(client, session):
    session["scarf"].status = "suspended"
    db.session.commit()
    assert_envelope(claim(client, session, "A1"), 422, "unknown_code")


def test_a_product_with_several_variants_needs_one(client, auth):
    owner, headers = auth.user("artisan")
    shop = make_shop(owner)
    product = make_product(
        shop,
        variants=[
            {"options": {"màu": "đỏ"}, "price": 300000, "stock": 2},
            {"options": {"màu": "chàm"}, "price": 350000, "stock": 2},
        ],
    )
    livestream = make_livestream(shop, status="live", products=[(product, 250000)])
    session = {"headers": headers, "livestream": livestream}
    error = assert_envelope(claim(client, session, "A1 x1"), 422, "variant_required")
    assert "variant_id" in error["details"]
    indigo = product.variants[1]
    response = claim(client, session, "A1 x2", variant_id=indigo.id)
    assert response.status_code == 201
    [line] = response.get_json()["order"]["lines"]
    assert (line["variant_id"], line["unit_price"]) == (indigo.id, 250000)
    assert "chàm" in line["title"]
    assert_envelope(claim(client, session, "A1", variant_id="0" * 32), 422)


def test_no_stock_is_409_and_nothing_is_written(client, session):
    orders_before = db.session.scalar(sa.select(sa.func.count()).select_from(Order))
    error = assert_envelope(claim(client, session, "A1 x6"), 409, "out_of_stock")
    assert error["details"]["items"][0]["available"] == 5
    assert stock_of(session["scarf"]) == 5
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == orders_before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Checkout)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LivestreamClaim)) == 0


@pytest.mark.parametrize("status", ["scheduled", "ended", "cancelled"])
def test_claims_are_taken_only_while_live(client, auth, status):
    owner, headers = auth.user("artisan")
    shop = make_shop(owner)
    product = make_product(shop)
    livestream = make_livestream(shop, status=status, products=[(product, None)])
    error = assert_envelope(
        claim(client, {"headers": headers, "livestream": livestream}, "A1"), 409, "not_live"
    )
    assert error["details"]["status"] == status


def test_only_the_owner_takes_claims(client, auth, session):
    _, stranger = auth.user("artisan")
    assert_envelope(claim(client, session, "A1", headers=stranger), 403)
    assert_envelope(claim(client, session, "A1", headers={}), 401)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"buyer_phone": "12"}, "buyer_phone"),
        ({"buyer_name": "   "}, "buyer_name"),
        ({"shipping_address": {"line1": "Bản Cỏ Chàm", "country": "VN"}}, "shipping_address"),
        ({"shipping_address": {**ADDRESS, "country": "XX"}}, "shipping_address"),
        ({"buyer_phone": "+33 6 12 34 56 78"}, "shipping_address"),  # COD in VN: a VN phone
        ({"shipping_address": "Sơn La"}, "shipping_address"),
        ({"comment": None}, "comment"),
    ],
)
def test_invalid_buyer_or_address_is_422(client, session, overrides, field):
    error = assert_envelope(claim(client, session, **{"comment": "A1"} | overrides), 422)
    assert field in error["details"]


def test_a_claim_is_cash_on_delivery_so_only_within_vietnam(client, session):
    address = {**ADDRESS, "country": "FR", "province": "Paris", "phone": "+33 6 12 34 56 78"}
    assert_envelope(
        claim(client, session, "A1", shipping_address=address), 422, "payment_method_unavailable"
    )


def test_a_claims_address_is_checked_and_stored_with_official_names(client, session):
    for address, code in (
        ({**ADDRESS, "province": "Narnia"}, "unknown_province"),
        ({**ADDRESS, "commune": "Lóng Luông"}, "unknown_commune"),  # merged into Vân Hồ
        ({**ADDRESS, "country": "XX"}, "invalid_country"),
    ):
        error = assert_envelope(claim(client, session, "A1", shipping_address=address), 422, code)
        assert set(error["details"]) == {"shipping_address"}
    address = {**ADDRESS, "commune": "xa van ho", "province": "14"}
    made = claim(client, session, "A1", shipping_address=address)
    assert made.status_code == 201, made.get_json()
    stored = made.get_json()["order"]["shipping_address"]
    assert (stored["commune"], stored["commune_code"]) == ("Xã Vân Hồ", "04048")
    assert (stored["province"], stored["province_code"]) == ("Sơn La", "14")


def test_the_shop_owners_own_phone_is_refused(client, session, auth):
    owner = db.session.get(User, session["shop"].owner_id)
    owner.phone = "+84987654321"
    db.session.commit()
    assert_envelope(claim(client, session, "A1", buyer_phone="0987 654 321"), 422, "own_shop")


def test_claims_are_listed_newest_first_and_counted_in_stats(client, auth, session, count_queries):
    url = f"{API}/livestreams/{session['livestream'].id}/claims"
    ids = [claim(client, session, f"A1 x{n}").get_json()["id"] for n in (1, 2)]
    ids.append(claim(client, session, "A2").get_json()["id"])
    with count_queries() as first:
        page = client.get(url, headers=session["headers"], query_string={"limit": 2}).get_json()
    assert [item["id"] for item in page["items"]] == ids[::-1][:2]
    assert page["items"][0]["order"]["lines"][0]["livestream_id"] == session["livestream"].id
    with count_queries() as second:
        rest = client.get(
            url,
            headers=session["headers"],
            query_string={"limit": 2, "cursor": page["next_cursor"]},
        ).get_json()
    assert [item["id"] for item in rest["items"]] == ids[:1]
    assert rest["next_cursor"] is None
    assert first.count == second.count
    _, stranger = auth.user("artisan")
    assert_envelope(client.get(url, headers=stranger), 403)
    stats = client.get(
        f"{API}/livestreams/{session['livestream'].id}/stats", headers=session["headers"]
    )
    assert stats.get_json() == {
        "orders": 3,
        "units": 4,
        "revenue": 3 * 199000 + 400000,
        "currency": "VND",
        "claims": 3,
    }


@pytest.mark.live
def test_racing_claims_never_oversell(live_server):
    owner = make_user("artisan")
    shop = make_shop(owner)
    product = make_product(shop, price=100000, stock=3)
    livestream = make_livestream(shop, status="live", products=[(product, 90000)])
    headers = headers_for(owner)
    url = f"{live_server}{API}/livestreams/{livestream.id}/claims"
    product_id = product.id
    # Reading those ids began a transaction; on SQLite it would hold the write lock.
    db.session.rollback()
    statuses: list[int] = []
    lock = threading.Lock()

    def one(n):
        body = {
            "comment": "A1 x1",
            "buyer_name": f"Buyer {n}",
            "buyer_phone": f"09123456{n:02d}",
            "shipping_address": dict(ADDRESS),
        }
        response = requests.post(url, json=body, headers=headers, timeout=30)
        with lock:
            statuses.append(response.status_code)
        response.close()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] * 3 + [409] * 5
    stock = sa.select(ProductVariant.stock).where(ProductVariant.product_id == product_id)
    assert db.session.scalar(stock) == 0
