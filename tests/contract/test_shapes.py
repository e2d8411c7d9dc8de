"""API.md § Conventions across every list and object: the page shape, limits and cursors,
timestamps with an offset, and money as integers with a currency nearby."""

from __future__ import annotations

import pytest

from tests.contract.conftest import ADDRESS, assert_page, assert_timestamp

TIME_KEYS = {"scheduled_start", "scheduled_end", "at", "expires_at"}
MONEY_KEYS = {
    "price",
    "live_price",
    "unit_price",
    "line_total",
    "subtotal",
    "shipping_fee",
    "international_shipping_fee",
    "total",
    "revenue",
    "livestream_revenue",
}


def check_values(value, path="", currency_seen=False):
    """Timestamps have offsets; amounts are integers, with a ``currency`` on the way down."""
    if isinstance(value, dict):
        currency_seen = currency_seen or "currency" in value
        for key, item in value.items():
            where = f"{path}.{key}"
            if (key.endswith("_at") or key in TIME_KEYS) and item is not None:
                assert_timestamp(item)
            if key in MONEY_KEYS and item is not None:
                assert type(item) is int, where
                assert currency_seen, f"{where} has no currency beside it"
            check_values(item, where, currency_seen)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_values(item, f"{path}[{index}]", currency_seen)


@pytest.fixture
def world(api):
    """Two of everything each list shows, made through the API."""
    owner, shop = api.shop()
    products = [api.product(owner, shop, title=f"Món {n}", stock=20) for n in range(2)]
    officer = api.staff()
    buyer = api.register()
    livestream = api.livestream(owner, shop, products=[{"product_id": products[0]["id"]}])
    api.livestream(owner, shop)
    api.post(f"/api/v1/livestreams/{livestream['id']}/start", None, owner)
    for _ in range(2):
        api.checkout(buyer, {"product_id": products[0]["id"], "quantity": 1})
        claim = api.post(
            f"/api/v1/livestreams/{livestream['id']}/claims",
            {
                "comment": "A1 x1",
                "buyer_name": "Mùa A Sử",
                "buyer_phone": "0987 111 222",
                "shipping_address": ADDRESS,
            },
            owner,
        )
        assert claim.status_code == 201, claim.get_json()
    for n, product in enumerate((products[0], *products)):
        response = api.post(
            f"/api/v1/products/{product['id']}/ocop-applications",
            {
                "certificate_number": f"C-{product['id'][:5]}",
                "stars": 4,
                "issuer": "UBND",
                "issued_on": "2025-01-01",
                "expires_on": "2028-01-01",
            },
            owner,
        )
        assert response.status_code == 201
        if n == 0:
            # Rejected, so the product can apply again: two applications of one product.
            rejected = api.post(
                f"/api/v1/ocop/applications/{response.get_json()['id']}/reject",
                {"reason": "thiếu giấy tờ"},
                officer,
            )
            assert rejected.status_code == 200
    for n in range(2):
        api.post("/api/v1/collections", {"title": f"Bộ {n}", "product_ids": []}, officer)
        api.post(f"/api/v1/shops/{shop['id']}/verify", {"reason": f"lần {n}"}, officer)
    api.shop(owner)
    return {
        "owner": owner,
        "shop": shop,
        "buyer": buyer,
        "officer": officer,
        "livestream": livestream,
        "product": products[0],
    }


def lists(world):
    shop, livestream, product = world["shop"], world["livestream"], world["product"]
    return [
        ("/api/v1/shops", None),
        ("/api/v1/products", None),
        (f"/api/v1/shops/{shop['slug']}/products", "owner"),
        ("/api/v1/livestreams", None),
        (f"/api/v1/livestreams/{livestream['id']}/claims", "owner"),
        ("/api/v1/orders", "buyer"),
        (f"/api/v1/orders?shop={shop['slug']}", "owner"),
        ("/api/v1/ocop/applications", "officer"),
        (f"/api/v1/products/{product['id']}/ocop-applications", "owner"),
        ("/api/v1/collections", None),
        ("/api/v1/audit", "officer"),
    ]


def test_every_list_pages_one_by_one_with_the_same_shape(api, world):
    for path, caller in lists(world):
        who = world[caller] if caller else None
        first = api.get(path, who)
        assert first.status_code == 200, (path, first.get_json())
        every = assert_page(first.get_json())
        assert len(every) >= 2, path
        check_values(first.get_json(), path)
        seen, cursor = [], None
        while True:
            query = "limit=1" + (f"&cursor={cursor}" if cursor else "")
            response = api.get(f"{path}{'&' if '?' in path else '?'}{query}", who)
            assert response.status_code == 200, (path, response.get_json())
            body = response.get_json()
            assert len(assert_page(body)) <= 1
            seen += [item["id"] for item in body["items"]]
            cursor = body["next_cursor"]
            if not cursor:
                break
            assert len(seen) <= len(every), path
        assert seen == [item["id"] for item in every], path


def test_every_list_clamps_or_refuses_a_limit_over_100(api, world):
    for path, caller in lists(world):
        who = world[caller] if caller else None
        response = api.get(f"{path}{'&' if '?' in path else '?'}limit=101", who)
        assert response.status_code in (200, 422), path
        if response.status_code == 200:
            assert len(response.get_json()["items"]) <= 100


def test_objects_have_offsets_and_integer_money(api, world):
    owner, officer, buyer = world["owner"], world["officer"], world["buyer"]
    shop, livestream, product = world["shop"], world["livestream"], world["product"]
    order = api.get("/api/v1/orders", buyer).get_json()["items"][0]
    for path, who in (
        (f"/api/v1/shops/{shop['id']}", None),
        (f"/api/v1/products/{product['id']}", None),
        (f"/api/v1/livestreams/{livestream['id']}", None),
        (f"/api/v1/livestreams/{livestream['id']}/stats", owner),
        (f"/api/v1/orders/{order['id']}", buyer),
        (f"/api/v1/checkouts/{order['checkout_id']}", buyer),
        ("/api/v1/reports/overview", officer),
        ("/api/v1/reports/sales?group_by=shop", officer),
        ("/api/v1/me", buyer),
    ):
        response = api.get(path, who)
        assert response.status_code == 200, (path, response.get_json())
        check_values(response.get_json(), path)
