"""POST /api/v1/checkouts/quote: what the checkout would make and charge, taking nothing."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.models import Checkout, IdempotencyKey, Order
from tests.factories import make_livestream, make_product, make_shop
from tests.factories.orders import ADDRESS, line, post_checkout, post_quote, stock_of

ORDER_PARTS = ("shop", "lines", "subtotal", "shipping_fee", "total")


def answer(response, status):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def nothing_written() -> bool:
    counts = [
        db.session.scalar(db.select(db.func.count()).select_from(model))
        for model in (Checkout, Order, IdempotencyKey)
    ]
    return counts == [0, 0, 0]


def test_the_quote_equals_the_checkout_that_follows_it(client, auth):
    _, headers = auth.user()
    honey_shop = make_shop(shipping_fee=30000, local_shipping_fee=15000)
    brocade_shop = make_shop(province="Lào Cai", commune="Sa Pa", shipping_fee=40000)
    honey = make_product(honey_shop, price=80000, stock=5, title="Mật ong")
    scarf = make_product(
        brocade_shop,
        title="Khăn piêu",
        variants=[
            {"options": {"màu": "đỏ"}, "price": 120000, "stock": 4},
            {"options": {"màu": "chàm"}, "price": 150000, "stock": 4},
        ],
    )
    indigo = next(v for v in scarf.variants if v.options == {"màu": "chàm"})
    live = make_livestream(honey_shop, status="live", products=[(honey, 70000)])
    lines = (
        line(honey, 2, livestream_id=live.id),
        line(scarf, 1, variant_id=indigo.id, expected_unit_price=150000),
    )
    address = {**ADDRESS, "commune": "xa van ho", "province": "son la"}

    quote = answer(post_quote(client, *lines, address=address), 200)
    assert nothing_written() and stock_of(honey) == 5 and stock_of(scarf) == 8
    checkout = answer(post_checkout(client, headers, *lines, address=address), 201)

    def parts(order):
        return {name: order[name] for name in ORDER_PARTS}

    by_shop = {order["shop"]["id"]: parts(order) for order in checkout["orders"]}
    assert {order["shop"]["id"]: order for order in quote["orders"]} == by_shop
    assert quote["total"] == checkout["total"] == 2 * 70000 + 15000 + 150000 + 40000
    assert quote["currency"] == checkout["currency"] == "VND"
    # Honey ships inside its own province (Sơn La) at the local fee; the scarf from Lào Cai.
    assert by_shop[honey_shop.id]["shipping_fee"] == 15000
    assert by_shop[brocade_shop.id]["shipping_fee"] == 40000
    assert [order["shop"]["id"] for order in quote["orders"]] == [honey_shop.id, brocade_shop.id]
    stored = checkout["orders"][0]["shipping_address"]
    assert quote["shipping_address"] == stored
    assert (stored["commune"], stored["province"]) == ("Xã Vân Hồ", "Sơn La")
    assert quote["payment_methods"] == ["cod"]


def test_anyone_may_ask_and_a_signed_in_owner_is_told_as_the_checkout_would(client, auth):
    owner, headers = auth.user("artisan")
    product = make_product(make_shop(owner), stock=3)
    assert answer(post_quote(client, line(product)), 200)["total"] == 100000 + 30000
    error = answer(post_quote(client, line(product), headers=headers), 422)["error"]
    assert error["code"] == "own_shop"
    bad_token = {"Authorization": "Bearer nonsense"}
    assert answer(post_quote(client, line(product), headers=bad_token), 200)["total"] == 130000


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"address": {**ADDRESS, "province": "Narnia"}}, 422, "unknown_province"),
        ({"address": {**ADDRESS, "commune": "Sa Pa"}}, 422, "unknown_commune"),
        ({"address": {**ADDRESS, "country": "XX"}}, 422, "invalid_country"),
        ({"quantity": 4}, 409, "out_of_stock"),
        ({"expected_unit_price": 90000}, 409, "price_changed"),
        ({"payment_method": "stripe"}, 422, "payment_method_unavailable"),
        ({"address": {**ADDRESS, "commune": None}}, 422, "validation_error"),
    ],
)
def test_errors_are_the_checkouts_own_and_nothing_is_taken(client, auth, change, status, code):
    _, headers = auth.user()
    # The quote is anonymous (English): the checkout asks for English too, as its user's
    # locale (Vietnamese) would otherwise choose the language of the messages.
    headers = {**headers, "Accept-Language": "en"}
    change = dict(change)
    product = make_product(stock=3)
    item = line(product, change.pop("quantity", 1))
    if "expected_unit_price" in change:
        item["expected_unit_price"] = change.pop("expected_unit_price")
    quoted = answer(post_quote(client, item, **change), status)
    checked_out = answer(post_checkout(client, headers, item, **change), status)
    assert quoted == checked_out
    assert quoted["error"]["code"] == code
    assert stock_of(product) == 3 and nothing_written()


def test_payment_methods_are_those_the_basket_may_use(client, app_config):
    product = make_product(make_shop(international_shipping_fee=450000), stock=3)
    paris = {
        "name": "Claire Martin",
        "phone": "+33 6 12 34 56 78",
        "line1": "12 rue des Lilas",
        "province": "Île-de-France",
        "country": "FR",
    }
    app_config(STRIPE_SECRET_KEY=None)
    assert answer(post_quote(client, line(product)), 200)["payment_methods"] == ["cod"]
    abroad = answer(post_quote(client, line(product), address=paris), 200)
    assert abroad["payment_methods"] == [] and abroad["orders"][0]["shipping_fee"] == 450000
    refused = answer(post_quote(client, line(product), address=paris, payment_method="cod"), 422)
    assert refused["error"]["code"] == "payment_method_unavailable"
    # Cash on delivery: the courier calls a Vietnamese number.
    foreign_phone = {**ADDRESS, "phone": "+33 6 12 34 56 78"}
    assert (
        answer(post_quote(client, line(product), address=foreign_phone), 200)["payment_methods"]
        == []
    )
    app_config(STRIPE_SECRET_KEY="sk_test_quote")  # no call is made: configured is enough
    assert answer(post_quote(client, line(product)), 200)["payment_methods"] == ["cod", "stripe"]
    assert answer(post_quote(client, line(product), address=paris), 200)["payment_methods"] == [
        "stripe"
    ]


def test_a_quote_costs_a_few_queries_whatever_the_basket(client, count_queries):
    def measure(shops: int) -> int:
        lines = [line(make_product(make_shop(), stock=5)) for _ in range(shops)]
        with count_queries() as counter:
            answer(post_quote(client, *lines), 200)
        return counter.count

    # The lines with their products, shops and variants; the shops' bank accounts (is bank
    # transfer offered?); then their stock.
    assert measure(1) == measure(6) == 3
