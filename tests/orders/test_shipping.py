"""What a shop charges to deliver (API.md v1.1): its fee, its fee inside its own province, free
over an amount, abroad; and where it does not deliver, 422 before anything is taken."""

from __future__ import annotations

import pytest

from tests.factories import make_product, make_shop
from tests.factories.orders import ADDRESS, line, post_checkout, post_quote, stock_of

LAO_CAI = {**ADDRESS, "commune": "sa pa", "province": "lao cai"}
PARIS = {
    "name": "Claire Martin",
    "phone": "+33 6 12 34 56 78",
    "line1": "12 rue des Lilas",
    "province": "Île-de-France",
    "country": "FR",
}


def fee(client, product, quantity=1, address=ADDRESS) -> int:
    response = post_quote(client, line(product, quantity), address=address)
    assert response.status_code == 200, response.get_json()
    (order,) = response.get_json()["orders"]
    return order["shipping_fee"]


def test_a_new_shop_sells_at_once_at_the_default_fee(client, auth):
    artisan, artisan_headers = auth.user("artisan")
    opened = client.post(
        "/api/v1/shops",
        json={"name": "Mật ong Tô Múa", "commune": "Tô Múa"},
        headers=artisan_headers,
    )
    assert opened.status_code == 201, opened.get_json()
    made = client.post(
        f"/api/v1/shops/{opened.get_json()['id']}/products",
        json={"title": "Mật ong", "price": 200000, "stock": 3},
        headers=artisan_headers,
    ).get_json()
    _, headers = auth.user()
    response = client.post(
        "/api/v1/checkouts",
        json={
            "items": [{"product_id": made["id"], "quantity": 1}],
            "shipping_address": LAO_CAI,
            "payment_method": "cod",
        },
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    (order,) = response.get_json()["orders"]
    assert (order["shipping_fee"], order["total"]) == (30000, 230000)


def test_inside_its_own_province_a_shop_may_charge_less(client):
    shop = make_shop(shipping_fee=40000, local_shipping_fee=15000)  # in Sơn La
    product = make_product(shop, price=100000)
    assert fee(client, product) == 15000
    assert fee(client, product, address=LAO_CAI) == 40000
    same = make_product(make_shop(shipping_fee=40000), price=100000)  # no local fee
    assert fee(client, same) == fee(client, same, address=LAO_CAI) == 40000


def test_an_order_reaching_free_shipping_over_ships_free_in_vietnam(client):
    shop = make_shop(
        shipping_fee=40000,
        local_shipping_fee=15000,
        free_shipping_over=300000,
        international_shipping_fee=450000,
    )
    product = make_product(shop, price=100000, stock=10)
    assert fee(client, product, 2) == 15000
    assert fee(client, product, 3) == 0  # reaches it exactly
    assert fee(client, product, 3, address=LAO_CAI) == 0
    assert fee(client, product, 2, address=LAO_CAI) == 40000
    assert fee(client, product, 5, address=PARIS) == 450000  # free in Vietnam only


@pytest.mark.parametrize(
    ("fees", "address", "field"),
    [
        ({"shipping_fee": None}, ADDRESS, "country"),
        ({"shipping_fee": None, "free_shipping_over": 1}, ADDRESS, "country"),
        ({"shipping_fee": None, "local_shipping_fee": 10000}, LAO_CAI, "province"),
        ({"international_shipping_fee": None}, PARIS, "country"),
    ],
)
def test_where_a_shop_does_not_deliver_is_422_and_nothing_is_taken(
    client, auth, fees, address, field
):
    _, headers = auth.user()
    product = make_product(make_shop(**fees), stock=3)
    answers = [post_quote(client, line(product), address=address)]
    if address["country"] == "VN":  # abroad, a checkout needs a card (no Stripe here)
        answers.append(post_checkout(client, headers, line(product), address=address))
    for response in answers:
        assert response.status_code == 422, response.get_json()
        error = response.get_json()["error"]
        assert error["code"] == "shipping_unavailable"
        assert set(error["details"]["shipping_address"]) == {field}
    assert stock_of(product) == 3


def test_a_shop_delivering_only_in_its_province_delivers_there(client):
    product = make_product(make_shop(shipping_fee=None, local_shipping_fee=10000))
    assert fee(client, product) == 10000
