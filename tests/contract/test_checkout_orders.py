"""API.md § Checkout and orders."""

from __future__ import annotations

import pytest

from tests.contract.conftest import ADDRESS, assert_error, assert_page, assert_timestamp

ORDER_KEYS = {
    "id",
    "checkout_id",
    "shop",
    "buyer_id",
    "buyer_contact",
    "status",
    "payment_method",
    "payment_status",
    "history",
    "lines",
    "subtotal",
    "shipping_fee",
    "total",
    "currency",
    "shipping_address",
    "carrier",
    "tracking_number",
    "created_at",
    "updated_at",
}
LINE_KEYS = {
    "product_id",
    "variant_id",
    "title",
    "unit_price",
    "quantity",
    "livestream_id",
    "line_total",
}


def line(product, quantity=1, **extra):
    return {"product_id": product["id"], "quantity": quantity, **extra}


def stock(api, product) -> int:
    return api.get(f"/api/v1/products/{product['id']}").get_json()["stock"]


@pytest.fixture
def two_shops(api):
    first_owner, first_shop = api.shop(shipping_fee=30000)
    second_owner, second_shop = api.shop(shipping_fee=20000)
    honey = api.product(first_owner, first_shop, price=100000, stock=5)
    tea = api.product(second_owner, second_shop, price=50000, stock=5)
    return (first_owner, first_shop, honey), (second_owner, second_shop, tea)


def test_checkout_makes_one_order_per_shop(api, two_shops):
    (first_owner, first_shop, honey), (_, second_shop, tea) = two_shops
    buyer = api.register()
    body = api.checkout(buyer, line(honey, 2), line(tea, 1), note="Gọi trước khi giao")
    assert {"id", "status", "total", "currency", "payment", "orders"} <= set(body)
    assert body["payment"] == {"method": "cod"}
    assert body["currency"] == "VND"
    assert len(body["orders"]) == 2
    by_shop = {order["shop"]["id"]: order for order in body["orders"]}
    first = by_shop[first_shop["id"]]
    assert ORDER_KEYS <= set(first)
    assert first["shop"] == {
        "id": first_shop["id"],
        "slug": first_shop["slug"],
        "name": first_shop["name"],
    }
    assert first["checkout_id"] == body["id"]
    assert first["buyer_id"] == buyer.id
    assert first["status"] == "placed"
    assert first["payment_method"] == "cod"
    assert first["payment_status"] == "unpaid"
    assert first["history"] == []
    assert first["buyer_contact"] is None
    assert first["subtotal"] == 200000
    assert first["shipping_fee"] == 30000
    assert first["total"] == 230000
    assert first["currency"] == "VND"
    assert first["carrier"] is None and first["tracking_number"] is None
    assert_timestamp(first["created_at"])
    assert_timestamp(first["updated_at"])
    [first_line] = first["lines"]
    assert LINE_KEYS <= set(first_line)
    assert first_line["product_id"] == honey["id"]
    assert first_line["variant_id"] == honey["variants"][0]["id"]
    assert first_line["title"] == honey["title"]
    assert (first_line["unit_price"], first_line["quantity"]) == (100000, 2)
    assert first_line["line_total"] == 200000
    assert first_line["livestream_id"] is None
    address = first["shipping_address"]
    assert address["phone"] == "+84912345678"
    assert address["country"] == "VN"
    assert address["name"] == ADDRESS["name"]
    assert by_shop[second_shop["id"]]["total"] == 70000
    assert body["total"] == 300000
    assert stock(api, honey) == 3 and stock(api, tea) == 4
    # Every amount is an integer.
    for order in body["orders"]:
        for name in ("subtotal", "shipping_fee", "total"):
            assert type(order[name]) is int


def test_prices_are_copied_into_the_order(api, two_shops):
    (owner, _, honey), _ = two_shops
    buyer = api.register()
    order = api.checkout(buyer, line(honey))["orders"][0]
    api.patch(f"/api/v1/products/{honey['id']}", {"price": 999000, "title": "Khác"}, owner)
    again = api.get(f"/api/v1/orders/{order['id']}", buyer).get_json()
    assert again["lines"][0]["unit_price"] == 100000
    assert again["lines"][0]["title"] == honey["title"]
    assert again["total"] == order["total"]


def test_out_of_stock_is_all_or_nothing(api, two_shops):
    (_, _, honey), (_, _, tea) = two_shops
    buyer = api.register()
    error = api.checkout(buyer, line(honey, 1), line(tea, 6), expect=409)["error"]
    assert error["code"] == "out_of_stock"
    assert error["details"]  # names the lines
    assert "1" in str(error["details"]) or tea["id"] in str(error["details"])
    assert stock(api, honey) == 5 and stock(api, tea) == 5
    assert api.get("/api/v1/orders", buyer).get_json()["items"] == []


def test_variant_choice(api):
    owner, shop = api.shop()
    skirt = api.product(
        owner,
        shop,
        variants=[
            {"options": {"size": "S"}, "price": 500000, "stock": 1},
            {"options": {"size": "M"}, "price": 550000, "stock": 1},
        ],
    )
    buyer = api.register()
    assert_error(
        api.post(
            "/api/v1/checkouts",
            {"items": [line(skirt)], "shipping_address": ADDRESS, "payment_method": "cod"},
            buyer,
        ),
        422,
    )
    medium = skirt["variants"][1]["id"]
    order = api.checkout(buyer, line(skirt, variant_id=medium))["orders"][0]
    assert order["lines"][0]["variant_id"] == medium
    assert order["lines"][0]["unit_price"] == 550000
    _, _, other = api.seller_with_product()
    api.checkout(buyer, line(skirt, variant_id=other["variants"][0]["id"]), expect=422)


def test_price_changed_names_current_prices_and_takes_nothing(api, two_shops):
    (owner, _, honey), _ = two_shops
    buyer = api.register()
    api.checkout(buyer, line(honey, expected_unit_price=100000))
    api.patch(f"/api/v1/products/{honey['id']}", {"price": 120000}, owner)
    error = api.checkout(buyer, line(honey, expected_unit_price=100000), expect=409)["error"]
    assert error["code"] == "price_changed"
    assert "120000" in str(error["details"])
    assert stock(api, honey) == 4


def test_own_shop_cannot_buy(api, two_shops):
    (owner, _, honey), _ = two_shops
    api.checkout(owner, line(honey), expect=422)


def test_shipping_fees_domestic_and_abroad(api, stripe_world):
    owner, shop = api.shop(shipping_fee=None, international_shipping_fee=500000)
    product = api.product(owner, shop)
    buyer = api.register()
    api.checkout(buyer, line(product), expect=422)
    abroad = dict(ADDRESS, country="FR", phone="+33 6 12 34 56 78", province="Paris")
    # v1.1: cash on delivery only within Vietnam; abroad the buyer pays by card.
    cod = api.checkout(buyer, line(product), shipping_address=abroad, expect=422)
    assert cod["error"]["code"] == "payment_method_unavailable"
    order = api.checkout(buyer, line(product), shipping_address=abroad, payment_method="stripe")[
        "orders"
    ][0]
    assert order["shipping_fee"] == 500000
    assert order["shipping_address"]["province"] == "Paris"
    assert order["shipping_address"]["province_code"] is None
    domestic_owner, domestic = api.shop(shipping_fee=0, international_shipping_fee=None)
    cheap = api.product(domestic_owner, domestic)
    refused = api.checkout(
        buyer, line(cheap), shipping_address=abroad, payment_method="stripe", expect=422
    )
    assert refused["error"]["code"] == "shipping_unavailable"
    free = api.checkout(buyer, line(cheap))["orders"][0]
    assert free["shipping_fee"] == 0


def test_stripe_without_configuration_is_422(api, two_shops, app_config):
    app_config(STRIPE_SECRET_KEY=None)
    (_, _, honey), _ = two_shops
    buyer = api.register()
    error = api.checkout(buyer, line(honey), payment_method="stripe", expect=422)["error"]
    assert error["code"] == "payment_method_unavailable"
    assert stock(api, honey) == 5


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"items": [], "shipping_address": ADDRESS},
        {"items": "x", "shipping_address": ADDRESS},
        {"items": [{"quantity": 1}], "shipping_address": ADDRESS},
        {"items": [{"product_id": "p", "quantity": 0}], "shipping_address": ADDRESS},
        {"items": [{"product_id": "p", "quantity": -2}], "shipping_address": ADDRESS},
        {"items": [{"product_id": "p", "quantity": 1.5}], "shipping_address": ADDRESS},
        {"items": [{"product_id": "p", "quantity": "1"}], "shipping_address": ADDRESS},
        {"items": [{"product_id": "p", "quantity": 10**12}], "shipping_address": ADDRESS},
        {"items": [{"product_id": "p", "quantity": 1}]},
        {"items": [{"product_id": "p", "quantity": 1}], "shipping_address": {}},
        {"items": [{"product_id": "p", "quantity": 1}], "shipping_address": "Sơn La"},
        {
            "items": [{"product_id": "p", "quantity": 1}],
            "shipping_address": {**ADDRESS, "country": "Vietnam"},
        },
        {
            "items": [{"product_id": "p", "quantity": 1}],
            "shipping_address": {**ADDRESS, "phone": "12"},
        },
        {
            "items": [{"product_id": "p", "quantity": 1}],
            "shipping_address": ADDRESS,
            "payment_method": "bitcoin",
        },
    ],
)
def test_bad_checkouts_are_422(api, body):
    buyer = api.register()
    assert_error(api.post("/api/v1/checkouts", body, buyer), 422)


def test_unknown_product_is_422_and_checkout_needs_sign_in(api, two_shops):
    buyer = api.register()
    api.checkout(buyer, {"product_id": "nope", "quantity": 1}, expect=422)
    assert_error(
        api.post("/api/v1/checkouts", {"items": [], "shipping_address": ADDRESS}),
        401,
    )


def test_suspended_or_draft_products_cannot_be_bought(api):
    owner, shop = api.shop()
    draft = api.product(owner, shop, status="draft")
    active = api.product(owner, shop)
    buyer = api.register()
    response = api.post(
        "/api/v1/checkouts",
        {"items": [line(draft)], "shipping_address": ADDRESS, "payment_method": "cod"},
        buyer,
    )
    assert response.status_code in (409, 422)
    api.post(f"/api/v1/products/{active['id']}/suspend", {"reason": "x"}, api.staff())
    response = api.post(
        "/api/v1/checkouts",
        {"items": [line(active)], "shipping_address": ADDRESS, "payment_method": "cod"},
        buyer,
    )
    assert response.status_code in (409, 422)
    assert_error(response, response.status_code)


def test_get_checkout_is_the_buyers(api, two_shops):
    (_, _, honey), _ = two_shops
    buyer = api.register()
    body = api.checkout(buyer, line(honey))
    again = api.get(f"/api/v1/checkouts/{body['id']}", buyer)
    assert again.status_code == 200
    assert again.get_json()["id"] == body["id"]
    assert_error(api.get(f"/api/v1/checkouts/{body['id']}", api.register()), 404)


# --- reading orders ------------------------------------------------------------------------


def test_order_is_seen_by_its_buyer_and_shop_owner_only(api, two_shops):
    (owner, shop, honey), (other_owner, _, _) = two_shops
    buyer = api.register()
    order = api.checkout(buyer, line(honey))["orders"][0]
    path = f"/api/v1/orders/{order['id']}"
    assert api.get(path, buyer).get_json()["id"] == order["id"]
    assert api.get(path, owner).get_json()["id"] == order["id"]
    for stranger in (api.register(), other_owner, api.staff()):
        assert_error(api.get(path, stranger), 404)
    assert_error(api.get(path), 401)
    assert_error(api.get("/api/v1/orders/nope", buyer), 404)


def test_order_lists_for_buyer_and_for_shop_owner(api, two_shops):
    (owner, shop, honey), (other_owner, other_shop, tea) = two_shops
    buyer = api.register()
    first = api.checkout(buyer, line(honey))["orders"][0]
    second = api.checkout(buyer, line(tea))["orders"][0]
    mine = api.get("/api/v1/orders", buyer).get_json()
    assert [o["id"] for o in assert_page(mine)] == [second["id"], first["id"]]
    for ref in (shop["id"], shop["slug"]):
        sold = api.get("/api/v1/orders", owner, query_string={"shop": ref})
        assert sold.status_code == 200
        assert [o["id"] for o in sold.get_json()["items"]] == [first["id"]]
    # Without ?shop=, an artisan sees the orders of every shop they own and their own purchases.
    assert [o["id"] for o in api.get("/api/v1/orders", owner).get_json()["items"]] == [first["id"]]
    bought = api.checkout(owner, line(tea))["orders"][0]
    everything = api.get("/api/v1/orders", owner).get_json()["items"]
    assert [o["id"] for o in everything] == [bought["id"], first["id"]]
    narrowed = api.get("/api/v1/orders", owner, query_string={"shop": shop["slug"]})
    assert [o["id"] for o in narrowed.get_json()["items"]] == [first["id"]]
    # A buyer sees only what they bought, never another shop's orders.
    assert [o["id"] for o in api.get("/api/v1/orders", buyer).get_json()["items"]] == [
        second["id"],
        first["id"],
    ]
    response = api.get("/api/v1/orders", other_owner, query_string={"shop": shop["id"]})
    assert response.status_code in (403, 404)
    assert_error(response, response.status_code)
    assert_error(api.get("/api/v1/orders", buyer, query_string={"shop": "no-such"}), 404)
    assert_error(api.get("/api/v1/orders"), 401)


def test_order_list_pages(api, two_shops):
    (_, _, honey), _ = two_shops
    buyer = api.register()
    made = [api.checkout(buyer, line(honey))["orders"][0]["id"] for _ in range(5)]
    seen, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = api.get("/api/v1/orders", buyer, query_string=query).get_json()
        seen += [o["id"] for o in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(made))


# --- the lifecycle -------------------------------------------------------------------------


def test_cod_lifecycle_with_history(api, two_shops):
    (owner, _, honey), _ = two_shops
    buyer = api.register()
    order = api.checkout(buyer, line(honey))["orders"][0]
    oid = order["id"]
    assert_error(
        api.post(f"/api/v1/orders/{oid}/ship", {"carrier": "x", "tracking_number": "1"}, owner),
        409,
        "invalid_transition",
    )
    assert_error(api.post(f"/api/v1/orders/{oid}/confirm", None, buyer), 403)
    confirmed = api.order_move(owner, oid, "confirm")
    assert confirmed["status"] == "confirmed"
    assert_error(api.post(f"/api/v1/orders/{oid}/confirm", None, owner), 409, "invalid_transition")
    assert_error(api.post(f"/api/v1/orders/{oid}/ship", {}, owner), 422)
    blank = {"carrier": "  ", "tracking_number": " "}
    assert_error(api.post(f"/api/v1/orders/{oid}/ship", blank, owner), 422)
    shipped = api.order_move(owner, oid, "ship", carrier="VNPost", tracking_number="EB123VN")
    assert shipped["status"] == "shipped"
    assert (shipped["carrier"], shipped["tracking_number"]) == ("VNPost", "EB123VN")
    assert shipped["payment_status"] == "unpaid"
    delivered = api.order_move(buyer, oid, "deliver")
    assert delivered["status"] == "delivered"
    assert delivered["payment_status"] == "paid"
    history = delivered["history"]
    assert [(h["from"], h["to"]) for h in history] == [
        ("placed", "confirmed"),
        ("confirmed", "shipped"),
        ("shipped", "delivered"),
    ]
    assert [h["by"] for h in history] == [owner.id, owner.id, buyer.id]
    for event in history:
        assert {"from", "to", "by", "at", "reason"} <= set(event)
        assert_timestamp(event["at"])
    assert_error(api.post(f"/api/v1/orders/{oid}/cancel", None, owner), 409, "invalid_transition")


def test_owner_delivers_too(api, two_shops):
    (owner, _, honey), _ = two_shops
    buyer = api.register()
    oid = api.checkout(buyer, line(honey))["orders"][0]["id"]
    api.order_move(owner, oid, "confirm")
    api.order_move(owner, oid, "ship", carrier="GHN", tracking_number="1")
    assert api.order_move(owner, oid, "deliver")["status"] == "delivered"


def test_buyer_cancels_before_confirmation_and_stock_returns(api, two_shops):
    (owner, _, honey), _ = two_shops
    buyer = api.register()
    oid = api.checkout(buyer, line(honey, 2))["orders"][0]["id"]
    assert stock(api, honey) == 3
    cancelled = api.order_move(buyer, oid, "cancel", reason="Đặt nhầm")
    assert cancelled["status"] == "cancelled"
    assert cancelled["history"][-1]["reason"] == "Đặt nhầm"
    assert cancelled["history"][-1]["by"] == buyer.id
    assert stock(api, honey) == 5
    assert_error(api.post(f"/api/v1/orders/{oid}/cancel", None, buyer), 409, "invalid_transition")


def test_buyer_cannot_cancel_once_confirmed_but_owner_can_until_shipped(api, two_shops):
    (owner, _, honey), _ = two_shops
    buyer = api.register()
    oid = api.checkout(buyer, line(honey))["orders"][0]["id"]
    api.order_move(owner, oid, "confirm")
    response = api.post(f"/api/v1/orders/{oid}/cancel", None, buyer)
    assert response.status_code in (403, 409)
    assert_error(response, response.status_code)
    assert api.order_move(owner, oid, "cancel")["status"] == "cancelled"
    assert stock(api, honey) == 5


def test_returns(api, two_shops):
    (owner, _, honey), _ = two_shops
    buyer = api.register()
    restocked = api.checkout(buyer, line(honey, 2))["orders"][0]["id"]
    api.order_move(owner, restocked, "confirm")
    api.order_move(owner, restocked, "ship", carrier="VNPost", tracking_number="1")
    assert_error(api.post(f"/api/v1/orders/{restocked}/return", {"reason": "x"}, owner), 422)
    assert_error(api.post(f"/api/v1/orders/{restocked}/return", {"restock": True}, owner), 422)
    assert_error(
        api.post(f"/api/v1/orders/{restocked}/return", {"reason": " ", "restock": True}, owner),
        422,
    )
    assert_error(
        api.post(f"/api/v1/orders/{restocked}/return", {"reason": "x", "restock": True}, buyer),
        403,
    )
    back = api.order_move(owner, restocked, "return", reason="Bom hàng", restock=True)
    assert back["status"] == "returned"
    assert back["payment_status"] == "unpaid"
    assert stock(api, honey) == 5

    kept = api.checkout(buyer, line(honey, 1))["orders"][0]["id"]
    api.order_move(owner, kept, "confirm")
    api.order_move(owner, kept, "ship", carrier="VNPost", tracking_number="2")
    api.order_move(buyer, kept, "deliver")
    back = api.order_move(owner, kept, "return", reason="Hỏng", restock=False)
    assert back["status"] == "returned"
    assert back["payment_status"] == "refunded"
    assert stock(api, honey) == 4
    placed = api.checkout(buyer, line(honey, 1))["orders"][0]["id"]
    assert_error(
        api.post(f"/api/v1/orders/{placed}/return", {"reason": "x", "restock": True}, owner),
        409,
        "invalid_transition",
    )


def test_strangers_cannot_move_orders(api, two_shops):
    (owner, _, honey), _ = two_shops
    buyer = api.register()
    oid = api.checkout(buyer, line(honey))["orders"][0]["id"]
    stranger = api.register("artisan")
    for move in ("confirm", "deliver", "cancel"):
        assert_error(api.post(f"/api/v1/orders/{oid}/{move}", None, stranger), 404)
        assert_error(api.post(f"/api/v1/orders/{oid}/{move}", None), 401)


def test_two_lines_of_one_variant_share_its_stock(api):
    owner, shop = api.shop()
    product = api.product(owner, shop, stock=3)
    buyer = api.register()
    error = api.checkout(buyer, line(product, 2), line(product, 2), expect=409)["error"]
    assert error["code"] == "out_of_stock"
    assert stock(api, product) == 3
    order = api.checkout(buyer, line(product, 1), line(product, 2))["orders"][0]
    assert sum(entry["quantity"] for entry in order["lines"]) == 3
    assert stock(api, product) == 0


def test_live_price_applies_to_every_variant(api):
    owner, shop = api.shop()
    skirt = api.product(
        owner,
        shop,
        variants=[
            {"options": {"size": "S"}, "price": 500000, "stock": 5},
            {"options": {"size": "M"}, "price": 550000, "stock": 5},
        ],
    )
    livestream = api.livestream(
        owner, shop, products=[{"product_id": skirt["id"], "live_price": 400000}]
    )
    api.post(f"/api/v1/livestreams/{livestream['id']}/start", None, owner)
    buyer = api.register()
    for variant in skirt["variants"]:
        order = api.checkout(
            buyer,
            line(skirt, variant_id=variant["id"], livestream_id=livestream["id"]),
        )["orders"][0]
        assert order["lines"][0]["unit_price"] == 400000
