"""The order lifecycle and who may see and move an order (cash on delivery)."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.services.orders.lifecycle import MOVES
from tests.factories import make_product, make_shop
from tests.factories.orders import line, post_checkout, stock_of


@pytest.fixture
def sale(client, auth):
    """A buyer's placed COD order of two units from an artisan's shop."""
    owner, owner_headers = auth.user("artisan")
    buyer, buyer_headers = auth.user()
    product = make_product(make_shop(owner), price=100000, stock=5)
    order = post_checkout(client, buyer_headers, line(product, 2)).get_json()["orders"][0]

    class Sale:
        pass

    sale = Sale()
    sale.owner, sale.owner_headers = owner, owner_headers
    sale.buyer, sale.buyer_headers = buyer, buyer_headers
    sale.product, sale.order = product, order
    sale.url = f"/api/v1/orders/{order['id']}"
    return sale


BODIES = {
    "confirm": {},
    "ship": {"carrier": "VNPost", "tracking_number": "X2"},
    "deliver": {},
    "cancel": {},
    "return": {"reason": "refused", "restock": True},
}


def act(client, sale, action, who, **body):
    headers = sale.owner_headers if who == "owner" else sale.buyer_headers
    return client.post(f"{sale.url}/{action}", json=body, headers=headers)


def test_cod_order_goes_placed_confirmed_shipped_delivered_and_is_paid_then(client, sale):
    confirmed = act(client, sale, "confirm", "owner")
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "confirmed"
    shipped = act(client, sale, "ship", "owner", carrier="VNPost", tracking_number="EB123VN")
    body = shipped.get_json()
    assert body["status"] == "shipped"
    assert (body["carrier"], body["tracking_number"]) == ("VNPost", "EB123VN")
    assert body["payment_status"] == "unpaid"
    delivered = act(client, sale, "deliver", "buyer").get_json()
    assert delivered["status"] == "delivered" and delivered["payment_status"] == "paid"
    history = delivered["history"]
    assert [(h["from"], h["to"]) for h in history] == [
        ("placed", "confirmed"),
        ("confirmed", "shipped"),
        ("shipped", "delivered"),
    ]
    assert [h["by"] for h in history] == [sale.owner.id, sale.owner.id, sale.buyer.id]
    assert all(h["at"].endswith("+00:00") and h["reason"] is None for h in history)
    # Both parties see the same history.
    seen_by_owner = client.get(sale.url, headers=sale.owner_headers).get_json()
    assert seen_by_owner["history"] == history
    assert stock_of(sale.product) == 3


def test_the_owner_may_deliver_too(client, sale):
    act(client, sale, "confirm", "owner")
    act(client, sale, "ship", "owner", carrier="GHN", tracking_number="1")
    assert act(client, sale, "deliver", "owner").get_json()["status"] == "delivered"


@pytest.mark.parametrize(
    "moves, action, who",
    [
        ([], "ship", "owner"),
        ([], "deliver", "owner"),
        ([], "return", "owner"),
        (["confirm"], "confirm", "owner"),
        (["confirm"], "cancel", "buyer"),
        (["confirm", "ship"], "cancel", "owner"),
        (["cancel"], "confirm", "owner"),
        (["cancel"], "cancel", "buyer"),
    ],
)
def test_any_other_move_is_409_invalid_transition(client, sale, moves, action, who):
    setup = {
        "confirm": ("owner", {}),
        "ship": ("owner", {"carrier": "VNPost", "tracking_number": "X1"}),
        "cancel": ("buyer", {}),
    }
    for move in moves:
        mover, body = setup[move]
        assert act(client, sale, move, mover, **body).status_code == 200
    before = client.get(sale.url, headers=sale.owner_headers).get_json()
    response = act(client, sale, action, who, **BODIES[action])
    assert response.status_code == 409, response.get_json()
    assert response.get_json()["error"]["code"] == "invalid_transition"
    assert client.get(sale.url, headers=sale.owner_headers).get_json() == before


@pytest.mark.parametrize("action", ["confirm", "ship", "return"])
def test_the_buyer_may_not_do_the_sellers_moves(client, sale, action):
    response = act(client, sale, action, "buyer", **BODIES[action])
    assert response.status_code == 403
    assert client.get(sale.url, headers=sale.buyer_headers).get_json()["status"] == "placed"


def test_buyer_cancels_before_confirmation_and_the_stock_returns(client, sale):
    response = act(client, sale, "cancel", "buyer", reason="Đặt nhầm")
    body = response.get_json()
    assert body["status"] == "cancelled"
    assert body["history"][-1]["reason"] == "Đặt nhầm"
    assert body["history"][-1]["by"] == sale.buyer.id
    assert stock_of(sale.product) == 5


def test_owner_cancels_a_confirmed_order_and_the_stock_returns(client, sale):
    act(client, sale, "confirm", "owner")
    assert act(client, sale, "cancel", "owner").get_json()["status"] == "cancelled"
    assert stock_of(sale.product) == 5


@pytest.mark.parametrize("restock, stock_after", [(True, 5), (False, 3)])
def test_a_refused_cod_parcel_is_returned_with_or_without_restock(
    client, sale, restock, stock_after
):
    act(client, sale, "confirm", "owner")
    act(client, sale, "ship", "owner", carrier="VNPost", tracking_number="X1")
    response = act(client, sale, "return", "owner", reason="Khách từ chối nhận", restock=restock)
    body = response.get_json()
    assert body["status"] == "returned" and body["payment_status"] == "unpaid"
    assert body["history"][-1]["reason"] == "Khách từ chối nhận"
    assert stock_of(sale.product) == stock_after


def test_returning_a_delivered_cod_order_refunds_it(client, sale):
    act(client, sale, "confirm", "owner")
    act(client, sale, "ship", "owner", carrier="VNPost", tracking_number="X1")
    act(client, sale, "deliver", "buyer")
    body = act(client, sale, "return", "owner", reason="Hàng lỗi", restock=False).get_json()
    assert body["status"] == "returned" and body["payment_status"] == "refunded"


def test_return_needs_a_reason_and_restock_and_ship_needs_tracking(client, sale):
    act(client, sale, "confirm", "owner")
    missing = act(client, sale, "ship", "owner", carrier="VNPost")
    assert missing.status_code == 422
    assert "tracking_number" in missing.get_json()["error"]["details"]
    act(client, sale, "ship", "owner", carrier="VNPost", tracking_number="X1")
    response = act(client, sale, "return", "owner", reason="x")
    assert response.status_code == 422
    assert "restock" in response.get_json()["error"]["details"]


def test_nobody_but_the_buyer_and_the_shop_owner_sees_or_moves_an_order(client, auth, sale):
    _, stranger = auth.user()
    other_owner, other_headers = auth.user("artisan")
    make_shop(other_owner)
    _, officer = auth.user("officer")
    for headers in (stranger, other_headers, officer):
        assert client.get(sale.url, headers=headers).status_code == 404
        assert client.post(f"{sale.url}/cancel", json={}, headers=headers).status_code == 404
    assert client.get(sale.url).status_code == 401
    assert client.get("/api/v1/orders/unknown", headers=sale.buyer_headers).status_code == 404
    assert client.get(sale.url, headers=sale.buyer_headers).status_code == 200
    assert client.get(sale.url, headers=sale.owner_headers).status_code == 200


def test_the_transition_table_is_the_contracts(client):
    assert {name: (move.to, dict(move.sources)) for name, move in MOVES.items()} == {
        "pay": ("placed", {"pending_payment": {"system"}}),
        "mark_paid": ("placed", {"pending_payment": {"owner"}}),
        "confirm": ("confirmed", {"placed": {"owner"}}),
        "ship": ("shipped", {"confirmed": {"owner"}}),
        "deliver": ("delivered", {"shipped": {"owner", "buyer"}}),
        "cancel": (
            "cancelled",
            {
                "pending_payment": {"buyer", "owner", "system"},
                "placed": {"buyer", "owner"},
                "confirmed": {"owner"},
            },
        ),
        "return": ("returned", {"shipped": {"owner"}, "delivered": {"owner"}}),
    }


# ---------------------------------------------------------------- lists


def _place_orders(client, buyer_headers, products):
    return [post_checkout(client, buyer_headers, line(p)).get_json()["orders"][0] for p in products]


def test_buyers_list_their_own_orders_newest_first_with_cursors(client, auth):
    _, headers = auth.user()
    _, other = auth.user()
    products = [make_product(stock=5) for _ in range(5)]
    mine = _place_orders(client, headers, products)
    _place_orders(client, other, products[:2])
    first = client.get("/api/v1/orders?limit=2", headers=headers).get_json()
    assert [o["id"] for o in first["items"]] == [mine[4]["id"], mine[3]["id"]]
    second = client.get(
        f"/api/v1/orders?limit=2&cursor={first['next_cursor']}", headers=headers
    ).get_json()
    third = client.get(
        f"/api/v1/orders?limit=2&cursor={second['next_cursor']}", headers=headers
    ).get_json()
    assert [o["id"] for o in second["items"] + third["items"]] == [
        mine[2]["id"],
        mine[1]["id"],
        mine[0]["id"],
    ]
    assert third["next_cursor"] is None
    bad = client.get("/api/v1/orders?cursor=forged", headers=headers)
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_cursor"


def test_sellers_list_their_shops_orders_by_status_and_payment_status(client, auth):
    owner, owner_headers = auth.user("artisan")
    shop = make_shop(owner)
    products = [make_product(shop, stock=5) for _ in range(3)]
    _, buyer = auth.user()
    orders = _place_orders(client, buyer, products)
    _place_orders(client, buyer, [make_product(stock=5)])  # another shop's
    client.post(f"/api/v1/orders/{orders[0]['id']}/confirm", headers=owner_headers)
    for ref in (shop.id, shop.slug):
        listed = client.get(f"/api/v1/orders?shop={ref}", headers=owner_headers).get_json()
        assert [o["id"] for o in listed["items"]] == [o["id"] for o in reversed(orders)]
    placed = client.get(f"/api/v1/orders?shop={shop.id}&status=placed", headers=owner_headers)
    assert [o["id"] for o in placed.get_json()["items"]] == [orders[2]["id"], orders[1]["id"]]
    paid = client.get(f"/api/v1/orders?shop={shop.id}&payment_status=paid", headers=owner_headers)
    assert paid.get_json()["items"] == []
    bad = client.get(f"/api/v1/orders?shop={shop.id}&status=lost", headers=owner_headers)
    assert bad.status_code == 422


def test_only_the_owner_lists_a_shops_orders(client, auth):
    shop = make_shop()
    suspended = make_shop(status="suspended")
    _, stranger = auth.user()
    assert client.get(f"/api/v1/orders?shop={shop.id}", headers=stranger).status_code == 403
    assert client.get(f"/api/v1/orders?shop={suspended.id}", headers=stranger).status_code == 404
    assert client.get("/api/v1/orders?shop=no-such-shop", headers=stranger).status_code == 404
    assert client.get("/api/v1/orders").status_code == 401


def test_order_lists_run_a_constant_number_of_queries(client, auth, count_queries):
    owner, owner_headers = auth.user("artisan")
    shop = make_shop(owner)
    _, buyer = auth.user()

    def count_list():
        with count_queries() as counter:
            response = client.get(f"/api/v1/orders?shop={shop.id}", headers=owner_headers)
        assert response.status_code == 200
        return counter.count, len(response.get_json()["items"])

    _place_orders(client, buyer, [make_product(shop, stock=5) for _ in range(2)])
    small, n_small = count_list()
    orders = _place_orders(client, buyer, [make_product(shop, stock=5) for _ in range(6)])
    for order in orders[:3]:
        client.post(f"/api/v1/orders/{order['id']}/cancel", json={}, headers=buyer)
    large, n_large = count_list()
    assert (n_small, n_large) == (2, 8)
    assert small == large


def test_history_entries_are_kept_in_the_database_with_who_and_when(client, sale):
    from marketplace.models import OrderEvent

    act(client, sale, "cancel", "buyer", reason="changed my mind")
    event = db.session.scalars(db.select(OrderEvent)).one()
    assert (event.from_status, event.to_status, event.actor_id) == (
        "placed",
        "cancelled",
        sale.buyer.id,
    )
    assert event.created_at.tzinfo is not None
