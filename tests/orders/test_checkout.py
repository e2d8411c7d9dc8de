"""POST /api/v1/checkouts with cash on delivery: what API.md promises, on a real database."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.models import Checkout, Order, OrderLine, ProductVariant
from tests.factories import make_livestream, make_product, make_shop
from tests.factories.envelopes import assert_envelope
from tests.factories.orders import (
    ADDRESS,
    checkout_body,
    line,
    post_checkout,
    post_quote,
    stock_of,
)


def test_one_order_per_shop_with_prices_titles_and_address_copied(client, auth):
    _, headers = auth.user()
    honey_shop = make_shop(shipping_fee=30000)
    brocade_shop = make_shop(shipping_fee=25000)
    honey = make_product(honey_shop, price=80000, stock=5, title="Mật ong bạc hà")
    scarf = make_product(
        brocade_shop,
        title="Khăn piêu",
        variants=[
            {"options": {"màu": "đỏ"}, "price": 120000, "stock": 4},
            {"options": {"màu": "chàm"}, "price": 150000, "stock": 4},
        ],
    )
    indigo = next(v for v in scarf.variants if v.options == {"màu": "chàm"})
    response = post_checkout(
        client,
        headers,
        line(honey, 2),
        line(scarf, 1, variant_id=indigo.id),
        note="Gọi trước khi giao",
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "placed" and body["currency"] == "VND"
    assert body["payment"] == {"method": "cod"}
    orders = {order["shop"]["id"]: order for order in body["orders"]}
    assert set(orders) == {honey_shop.id, brocade_shop.id}
    honey_order = orders[honey_shop.id]
    assert honey_order["lines"] == [
        {
            "product_id": honey.id,
            "variant_id": honey.variants[0].id,
            "title": "Mật ong bạc hà",
            "unit_price": 80000,
            "quantity": 2,
            "livestream_id": None,
            "line_total": 160000,
        }
    ]
    assert (honey_order["subtotal"], honey_order["shipping_fee"], honey_order["total"]) == (
        160000,
        30000,
        190000,
    )
    scarf_order = orders[brocade_shop.id]
    assert scarf_order["lines"][0]["title"] == "Khăn piêu (chàm)"
    assert scarf_order["total"] == 150000 + 25000
    assert body["total"] == 190000 + 175000
    for order in body["orders"]:
        assert order["status"] == "placed"
        assert order["payment_method"] == "cod" and order["payment_status"] == "unpaid"
        assert order["history"] == [] and order["buyer_contact"] is None
        assert order["shipping_address"]["phone"] == "+84912345678"
        assert order["shipping_address"]["province"] == "Sơn La"
        assert order["note"] == "Gọi trước khi giao"
        assert order["checkout_id"] == body["id"]
        assert order["created_at"].endswith("+00:00")
    assert stock_of(honey) == 3
    assert db.session.get(ProductVariant, indigo.id).stock == 3

    # Prices are copied: a later price change does not touch the order.
    db.session.get(ProductVariant, honey.variants[0].id).price = 99000
    db.session.commit()
    again = client.get(f"/api/v1/orders/{honey_order['id']}", headers=headers).get_json()
    assert again["lines"][0]["unit_price"] == 80000 and again["total"] == 190000


def test_a_product_with_one_variant_needs_no_variant_id_and_defaults_to_cod(client, auth):
    _, headers = auth.user()
    product = make_product(price=50000, stock=2)
    body = checkout_body(line(product))
    del body["payment_method"]
    response = client.post("/api/v1/checkouts", json=body, headers=headers)
    assert response.status_code == 201
    assert response.get_json()["payment"] == {"method": "cod"}


def test_one_short_line_is_409_naming_it_and_no_stock_moves(client, auth):
    _, headers = auth.user()
    plenty = make_product(stock=10)
    scarce = make_product(stock=1)
    response = post_checkout(client, headers, line(plenty, 3), line(scarce, 2))
    error = assert_envelope(response, 409, "out_of_stock")
    assert error["details"]["items"] == [
        {
            "index": 1,
            "product_id": scarce.id,
            "variant_id": scarce.variants[0].id,
            "requested": 2,
            "available": 1,
        }
    ]
    assert stock_of(plenty) == 10 and stock_of(scarce) == 1
    assert db.session.scalar(db.select(db.func.count(Order.id))) == 0
    assert db.session.scalar(db.select(db.func.count(Checkout.id))) == 0


def test_lines_of_the_same_variant_are_added_up_against_the_stock(client, auth):
    _, headers = auth.user()
    product = make_product(stock=3)
    response = post_checkout(client, headers, line(product, 2), line(product, 2))
    error = assert_envelope(response, 409, "out_of_stock")
    assert [item["index"] for item in error["details"]["items"]] == [0, 1]
    assert stock_of(product) == 3
    assert post_checkout(client, headers, line(product, 2), line(product, 1)).status_code == 201
    assert stock_of(product) == 0


def test_expected_unit_price_that_differs_is_409_with_current_prices(client, auth):
    _, headers = auth.user()
    product = make_product(price=80000, stock=5)
    response = post_checkout(client, headers, line(product, 1, expected_unit_price=75000))
    error = assert_envelope(response, 409, "price_changed")
    assert error["details"]["items"] == [
        {
            "index": 0,
            "product_id": product.id,
            "variant_id": product.variants[0].id,
            "expected_unit_price": 75000,
            "unit_price": 80000,
        }
    ]
    assert stock_of(product) == 5
    ok = post_checkout(client, headers, line(product, 1, expected_unit_price=80000))
    assert ok.status_code == 201


def test_a_live_price_that_just_ended_is_409_price_changed(client, auth):
    _, headers = auth.user()
    shop = make_shop()
    product = make_product(shop, price=100000, stock=5)
    live = make_livestream(shop, status="live", products=[(product, 70000)])
    response = post_checkout(
        client, headers, line(product, 1, livestream_id=live.id, expected_unit_price=70000)
    )
    assert response.status_code == 201
    assert response.get_json()["orders"][0]["lines"][0]["livestream_id"] == live.id
    assert response.get_json()["orders"][0]["lines"][0]["unit_price"] == 70000
    live.status = "ended"
    db.session.commit()
    late = post_checkout(
        client, headers, line(product, 1, livestream_id=live.id, expected_unit_price=70000)
    )
    assert (
        assert_envelope(late, 409, "price_changed")["details"]["items"][0]["unit_price"] == 100000
    )
    assert stock_of(product) == 4


def test_a_livestream_of_another_shop_is_422_on_that_line(client, auth):
    _, headers = auth.user()
    product = make_product(stock=5)
    elsewhere = make_livestream(status="live")
    response = post_checkout(
        client, headers, line(product), line(product, livestream_id=elsewhere.id)
    )
    error = assert_envelope(response, 422, "livestream_of_another_shop")
    assert list(error["details"]["items"]) == ["1"]
    assert "livestream_id" in error["details"]["items"]["1"]
    assert stock_of(product) == 5


def test_shipping_fee_domestic_or_international_and_422_when_the_shop_has_none(client, auth):
    _, headers = auth.user()
    abroad_too = make_shop(shipping_fee=30000, international_shipping_fee=450000)
    home_only = make_shop(shipping_fee=30000)
    no_delivery = make_shop(shipping_fee=None, international_shipping_fee=400000)
    a = make_product(abroad_too, price=100000, stock=5)
    b = make_product(home_only, price=100000, stock=5)
    c = make_product(no_delivery, price=100000, stock=5)
    paris = {
        "name": "Claire Martin",
        "phone": "+33 6 12 34 56 78",
        "line1": "12 rue des Lilas",
        "province": "Île-de-France",
        "postal_code": "75011",
        "country": "fr",
    }
    # Cash on delivery goes no further than Vietnam (v1.1); the quote tells the fee abroad.
    cod = post_checkout(client, headers, line(a), address=paris, payment_method="cod")
    assert_envelope(cod, 422, "payment_method_unavailable")
    abroad = post_quote(client, line(a), address=paris)
    assert abroad.status_code == 200, abroad.get_json()
    order = abroad.get_json()["orders"][0]
    assert order["shipping_fee"] == 450000 and order["total"] == 550000
    assert abroad.get_json()["shipping_address"]["country"] == "FR"
    assert abroad.get_json()["shipping_address"]["phone"] == "+33612345678"
    assert abroad.get_json()["payment_methods"] == []  # no Stripe configured here

    refused = post_quote(client, line(b), address=paris)
    error = assert_envelope(refused, 422, "shipping_unavailable")
    assert "country" in error["details"]["shipping_address"]
    assert stock_of(b) == 5
    assert_envelope(post_checkout(client, headers, line(c)), 422, "shipping_unavailable")
    assert stock_of(c) == 5


def test_a_shops_owner_cannot_buy_from_it(client, auth):
    owner, headers = auth.user("artisan")
    product = make_product(make_shop(owner), stock=5)
    error = assert_envelope(post_checkout(client, headers, line(product)), 422, "own_shop")
    assert "product_id" in error["details"]["items"]["0"]
    assert stock_of(product) == 5


@pytest.mark.parametrize(
    "make_unbuyable, reason",
    [
        (lambda: make_product(status="archived", stock=5), "product_archived"),
        (lambda: make_product(status="suspended", stock=5), "product_suspended"),
        (lambda: make_product(make_shop(status="suspended"), stock=5), "shop_suspended"),
    ],
)
def test_archived_or_suspended_products_and_suspended_shops_are_409(
    client, auth, make_unbuyable, reason
):
    _, headers = auth.user()
    product = make_unbuyable()
    error = assert_envelope(
        post_checkout(client, headers, line(product)), 409, "product_unavailable"
    )
    assert error["details"]["items"] == [{"index": 0, "product_id": product.id, "reason": reason}]
    assert stock_of(product) == 5


def test_an_archived_variant_is_409_and_a_draft_is_unknown_422(client, auth):
    _, headers = auth.user()
    product = make_product(
        variants=[
            {"options": {"size": "S"}, "price": 100000, "stock": 3},
            {"options": {"size": "M"}, "price": 100000, "stock": 3},
        ]
    )
    gone = product.variants[0]
    gone.status = "archived"
    db.session.commit()
    error = assert_envelope(
        post_checkout(client, headers, line(product, variant_id=gone.id)),
        409,
        "product_unavailable",
    )
    assert error["details"]["items"][0]["reason"] == "variant_archived"
    # With the other variant archived, the one left is the default.
    assert post_checkout(client, headers, line(product)).status_code == 201

    draft = make_product(status="draft", stock=3)
    error = assert_envelope(post_checkout(client, headers, line(draft)), 422, "validation_error")
    assert error["details"]["items"]["0"] == {"product_id": ["Unknown product."]}


def test_variants_unknown_or_missing_are_422(client, auth):
    _, headers = auth.user()
    headers = {**headers, "Accept-Language": "en"}
    product = make_product(
        variants=[
            {"options": {"size": "S"}, "price": 100000, "stock": 3},
            {"options": {"size": "M"}, "price": 110000, "stock": 3},
        ]
    )
    other = make_product()
    assert_envelope(post_checkout(client, headers, line(product)), 422, "variant_required")
    error = assert_envelope(
        post_checkout(client, headers, line(product, variant_id=other.variants[0].id)),
        422,
        "validation_error",
    )
    assert error["details"]["items"]["0"] == {"variant_id": ["Not a variant of this product."]}
    error = assert_envelope(
        post_checkout(client, headers, line(product), {"product_id": "nope", "quantity": 1}),
        422,
        "validation_error",
    )
    assert set(error["details"]["items"]) == {"0", "1"}


@pytest.mark.parametrize(
    "change, field",
    [
        ({"name": "  "}, "name"),
        ({"phone": "12"}, "phone"),
        ({"line1": None}, "line1"),
        ({"province": ""}, "province"),
        ({"commune": None}, "commune"),
        ({"commune": " "}, "commune"),
        ({"country": ""}, "country"),
    ],
)
def test_addresses_must_be_complete_and_well_formed(client, auth, change, field):
    _, headers = auth.user()
    product = make_product(stock=2)
    address = {**ADDRESS, **change}
    response = post_checkout(client, headers, line(product), address=address)
    error = assert_envelope(response, 422, "validation_error")
    assert field in error["details"]["shipping_address"]
    assert stock_of(product) == 2


@pytest.mark.parametrize(
    "change, field, code",
    [
        ({"country": "XX"}, "country", "invalid_country"),
        ({"country": "VNM"}, "country", "invalid_country"),
        ({"country": "Vietnam"}, "country", "invalid_country"),
        ({"province": "Narnia"}, "province", "unknown_province"),
        ({"commune": "Sa Pa"}, "commune", "unknown_commune"),  # a ward of Lào Cai
        ({"commune": "Lóng Luông"}, "commune", "unknown_commune"),  # merged into Vân Hồ
    ],
)
def test_addresses_must_name_real_places(client, auth, change, field, code):
    _, headers = auth.user()
    product = make_product(stock=2)
    response = post_checkout(client, headers, line(product), address={**ADDRESS, **change})
    error = assert_envelope(response, 422, code)
    assert set(error["details"]["shipping_address"]) == {field}
    assert stock_of(product) == 2


def test_district_is_optional_and_kept_when_given(client, auth):
    _, headers = auth.user()
    product = make_product(stock=2)
    address = {**ADDRESS, "district": "Vân Hồ", "line2": "Nhà sàn thứ ba"}
    response = post_checkout(client, headers, line(product), address=address)
    assert response.status_code == 201
    assert response.get_json()["orders"][0]["shipping_address"]["district"] == "Vân Hồ"


def test_domestic_cash_on_delivery_needs_a_vietnamese_phone(client, auth):
    _, headers = auth.user()
    product = make_product(stock=2)
    address = {**ADDRESS, "phone": "+33 6 12 34 56 78"}
    error = assert_envelope(
        post_checkout(client, headers, line(product), address=address), 422, "validation_error"
    )
    assert "phone" in error["details"]["shipping_address"]
    assert stock_of(product) == 2


def test_bad_items_are_422_never_500(client, auth):
    _, headers = auth.user()
    product = make_product(stock=2)
    for items in ([], [line(product, 0)], [line(product, "2")], [{"quantity": 1}], "x"):
        body = checkout_body()
        body["items"] = items
        response = client.post("/api/v1/checkouts", json=body, headers=headers)
        assert_envelope(response, 422, "validation_error")
    body = checkout_body(line(product), payment_method="cash")
    assert_envelope(
        client.post("/api/v1/checkouts", json=body, headers=headers), 422, "validation_error"
    )
    assert stock_of(product) == 2


def test_card_payment_without_stripe_configured_is_422(client, auth, app_config):
    app_config(STRIPE_SECRET_KEY=None)
    _, headers = auth.user()
    product = make_product(stock=2)
    response = post_checkout(client, headers, line(product), payment_method="stripe")
    assert_envelope(response, 422, "payment_method_unavailable")
    assert stock_of(product) == 2


def test_checkout_needs_sign_in(client):
    product = make_product(stock=2)
    response = client.post("/api/v1/checkouts", json=checkout_body(line(product)))
    assert_envelope(response, 401, "unauthorized")


def test_the_buyer_can_read_the_checkout_back_and_nobody_else(client, auth):
    _, headers = auth.user()
    _, stranger = auth.user()
    product = make_product(stock=2)
    created = post_checkout(client, headers, line(product)).get_json()
    mine = client.get(f"/api/v1/checkouts/{created['id']}", headers=headers)
    assert mine.status_code == 200 and mine.get_json() == created
    assert client.get(f"/api/v1/checkouts/{created['id']}", headers=stranger).status_code == 404


def test_order_lines_record_the_livestream_they_came_through(client, auth):
    _, headers = auth.user()
    shop = make_shop()
    product = make_product(shop, price=90000, stock=5)
    scheduled = make_livestream(shop, status="scheduled", products=[(product, 60000)])
    response = post_checkout(client, headers, line(product, 2, livestream_id=scheduled.id))
    assert response.status_code == 201
    stored = db.session.scalars(db.select(OrderLine)).one()
    # Attributed whatever the status; the live price only while live.
    assert stored.livestream_id == scheduled.id and stored.unit_price == 90000
