"""The answer to POST /checkouts is CheckoutSchema's compiled dump of the checkout as written:
it must be what marshmallow itself dumps of the checkout reloaded, field for field and in the
same order (as a later GET answers)."""

from __future__ import annotations

import json

from marketplace.schemas.orders import CheckoutSchema
from marketplace.services.orders.checkout import load_checkout
from tests.factories import make_product, make_shop
from tests.factories.orders import line, post_checkout


def same_as_the_schema(checkout) -> None:
    schema = CheckoutSchema()
    compiled = json.dumps(schema.dump(checkout), ensure_ascii=False)
    by_marshmallow = json.dumps(schema.marshmallow_dump(checkout), ensure_ascii=False)
    assert compiled == by_marshmallow


def test_the_answer_is_the_schemas_dump(client, auth):
    _, headers = auth.user()
    owner, owner_headers = auth.user("artisan")
    honey = make_product(make_shop(owner, shipping_fee=30000), price=80000, stock=5)
    scarf = make_product(
        make_shop(shipping_fee=25000),
        title="Khăn piêu",
        variants=[
            {"options": {"màu": "đỏ"}, "price": 120000, "stock": 4},
            {"options": {"màu": "chàm"}, "price": 150000, "stock": 4},
        ],
    )
    response = post_checkout(
        client,
        headers,
        line(honey, 2),
        line(scarf, 1, variant_id=scarf.variants[1].id),
        note="Gọi trước khi giao",
    )
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    checkout = load_checkout(answer["id"])
    same_as_the_schema(checkout)
    assert answer == CheckoutSchema().marshmallow_dump(checkout)

    # With a history: the honey shop's owner confirms its order.
    honey_order = next(o for o in answer["orders"] if o["shop"]["id"] == honey.shop_id)
    moved = client.post(f"/api/v1/orders/{honey_order['id']}/confirm", headers=owner_headers)
    assert moved.status_code == 200, moved.get_json()
    checkout = load_checkout(answer["id"])
    assert any(order.history for order in checkout.orders)
    same_as_the_schema(checkout)


def test_a_one_line_answer_is_the_schemas_dump(client, auth):
    _, headers = auth.user()
    product = make_product(price=150000, stock=3)
    response = post_checkout(client, headers, line(product))
    assert response.status_code == 201, response.get_json()
    reloaded = load_checkout(response.get_json()["id"])
    assert response.get_json() == CheckoutSchema().marshmallow_dump(reloaded)
