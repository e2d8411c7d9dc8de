"""Checkout lines naming a livestream: attribution whatever the status, live prices only live."""

from __future__ import annotations

import pytest

from tests.factories import make_livestream, make_product, make_shop

API = "/api/v1"
ADDRESS = {
    "name": "Lò Văn Pọm",
    "phone": "0912 345 678",
    "line1": "Bản Cỏ Chàm",
    "commune": "Vân Hồ",
    "province": "Sơn La",
    "country": "VN",
}


def checkout(client, headers, product, livestream_id, **item):
    return client.post(
        f"{API}/checkouts",
        headers=headers,
        json={
            "items": [
                {"product_id": product.id, "quantity": 2, "livestream_id": livestream_id, **item}
            ],
            "shipping_address": ADDRESS,
            "payment_method": "cod",
        },
    )


@pytest.fixture
def buyer_headers(auth):
    return auth.user("buyer")[1]


def test_a_live_session_charges_its_live_price_and_attributes_the_line(client, buyer_headers):
    shop = make_shop()
    product = make_product(shop, price=250000)
    livestream = make_livestream(shop, status="live", products=[(product, 199000)])
    response = checkout(client, buyer_headers, product, livestream.id)
    assert response.status_code == 201, response.get_json()
    [line] = response.get_json()["orders"][0]["lines"]
    assert line["livestream_id"] == livestream.id
    assert (line["unit_price"], line["line_total"]) == (199000, 398000)


@pytest.mark.parametrize("status", ["scheduled", "ended", "cancelled"])
def test_other_statuses_attribute_at_the_normal_price(client, buyer_headers, status):
    shop = make_shop()
    product = make_product(shop, price=250000)
    livestream = make_livestream(shop, status=status, products=[(product, 199000)])
    response = checkout(client, buyer_headers, product, livestream.id)
    assert response.status_code == 201, response.get_json()
    [line] = response.get_json()["orders"][0]["lines"]
    assert (line["livestream_id"], line["unit_price"]) == (livestream.id, 250000)


def test_a_live_price_that_just_ended_is_a_price_change(client, auth, buyer_headers):
    owner, owner_headers = auth.user("artisan")
    shop = make_shop(owner)
    product = make_product(shop, price=250000)
    livestream = make_livestream(shop, status="live", products=[(product, 199000)])
    assert (
        client.post(f"{API}/livestreams/{livestream.id}/end", headers=owner_headers).status_code
        == 200
    )
    response = checkout(client, buyer_headers, product, livestream.id, expected_unit_price=199000)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "price_changed"


def test_another_shops_livestream_is_422(client, buyer_headers):
    product = make_product(make_shop())
    foreign = make_livestream(make_shop(), status="live")
    response = checkout(client, buyer_headers, product, foreign.id)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "livestream_of_another_shop"


def test_an_unknown_livestream_is_422(client, buyer_headers):
    product = make_product(make_shop())
    response = checkout(client, buyer_headers, product, "0" * 32)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "unknown_livestream"
