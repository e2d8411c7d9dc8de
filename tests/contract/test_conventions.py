"""API.md § Conventions: JSON, timestamps, money, lists, errors, idempotency, docs, health."""

from __future__ import annotations

import pytest

from tests.contract.conftest import assert_error, assert_page, assert_timestamp


def test_json_in_utf8_out(api):
    buyer = api.register(name="Giàng Thị Dợ")
    response = api.get("/api/v1/me", buyer)
    assert response.mimetype == "application/json"
    assert "Giàng Thị Dợ".encode() in response.data


def test_timestamps_carry_an_offset_and_money_sits_beside_currency(api):
    owner, shop, product = api.seller_with_product()
    assert_timestamp(shop["created_at"])
    assert_timestamp(product["created_at"])
    assert_timestamp(product["updated_at"])
    assert shop["currency"] == "VND" and product["currency"] == "VND"
    for amount in (shop["shipping_fee"], product["price"], product["variants"][0]["price"]):
        assert isinstance(amount, int) and not isinstance(amount, bool)


def test_ids_are_opaque_strings(api):
    owner, shop, product = api.seller_with_product()
    for value in (owner.id, shop["id"], product["id"], product["variants"][0]["id"]):
        assert isinstance(value, str) and value


# --- lists ---------------------------------------------------------------------------------


@pytest.fixture
def thirty_products(api):
    owner, shop = api.shop()
    for n in range(30):
        api.product(owner, shop, title=f"Khăn số {n}")
    return owner, shop


def test_list_default_limit_is_24_then_cursor(api, thirty_products):
    _, shop = thirty_products
    first = api.get(f"/api/v1/products?shop={shop['id']}").get_json()
    assert len(assert_page(first)) == 24
    assert first["next_cursor"]
    second = api.get(
        "/api/v1/products", query_string={"shop": shop["id"], "cursor": first["next_cursor"]}
    ).get_json()
    assert len(second["items"]) == 6
    assert second["next_cursor"] is None
    ids = [p["id"] for p in first["items"] + second["items"]]
    assert len(set(ids)) == 30


def test_limit_is_at_most_100(api):
    owner, shop = api.shop()
    response = api.get("/api/v1/products", query_string={"limit": 1000})
    # Either clamped to 100 or refused as invalid: never more than 100 items.
    if response.status_code == 200:
        assert len(response.get_json()["items"]) <= 100
    else:
        assert_error(response, 422)


@pytest.mark.parametrize("limit", ["0", "-1", "abc", "1.5", "99999999999999999999999"])
def test_bad_limit_is_422(api, limit):
    for path in ("/api/v1/products", "/api/v1/shops", "/api/v1/livestreams"):
        response = api.get(path, query_string={"limit": limit})
        if limit == "99999999999999999999999" and response.status_code == 200:
            continue  # clamped to 100, also within the contract
        assert_error(response, 422)


@pytest.mark.parametrize("cursor", ["garbage", "", "x" * 3000, "eyJzIjoiYSJ9.abc"])
def test_foreign_or_forged_cursor_is_400_or_422(api, cursor):
    for path in (
        "/api/v1/products",
        "/api/v1/shops",
        "/api/v1/livestreams",
        "/api/v1/collections",
    ):
        response = api.get(path, query_string={"cursor": cursor})
        if cursor == "" and response.status_code == 200:
            continue  # an empty cursor is the first page
        assert response.status_code in (400, 422), (path, response.status_code)
        assert_error(response, response.status_code)


def test_cursor_of_one_list_is_not_accepted_by_another(api, thirty_products):
    _, shop = thirty_products
    first = api.get(f"/api/v1/products?shop={shop['id']}&sort=price_asc&limit=2").get_json()
    response = api.get("/api/v1/shops", query_string={"cursor": first["next_cursor"]})
    assert_error(response, 400)


# --- errors --------------------------------------------------------------------------------


def test_malformed_json_is_400(api):
    owner = api.register("artisan")
    response = api.client.post(
        "/api/v1/shops", data="{oops", content_type="application/json", headers=owner.headers
    )
    assert_error(response, 400)


def test_not_signed_in_is_401_signed_in_not_allowed_is_403(api):
    assert_error(api.post("/api/v1/shops", {"name": "x", "commune": "y"}), 401)
    buyer = api.register("buyer")
    assert_error(api.post("/api/v1/shops", {"name": "x", "commune": "y"}, buyer), 403)


def test_bad_token_is_401(api):
    response = api.client.get("/api/v1/me", headers={"Authorization": "Bearer nope"})
    assert_error(response, 401)
    response = api.client.get("/api/v1/me", headers={"Authorization": "Basic Zm9vOmJhcg=="})
    assert_error(response, 401)


def test_missing_is_404(api):
    for path in (
        "/api/v1/shops/no-such-shop",
        "/api/v1/products/0123456789abcdef0123456789abcdef",
        "/api/v1/livestreams/nope",
        "/api/v1/collections/nope",
        "/api/v1/nothing-here",
    ):
        assert_error(api.get(path), 404)


def test_wrong_method_is_405(api):
    assert_error(api.delete("/api/v1/shops"), 405)
    assert_error(api.put("/api/v1/products", {}), 405)


def test_too_large_body_is_413(app, api):
    owner = api.register("artisan")
    body = b'{"name": "' + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 10) + b'"}'
    response = api.client.post(
        "/api/v1/shops", data=body, content_type="application/json", headers=owner.headers
    )
    assert_error(response, 413)


def test_wrong_media_type_is_415(api):
    owner = api.register("artisan")
    response = api.client.post(
        "/api/v1/shops", data="name=x", content_type="text/plain", headers=owner.headers
    )
    assert_error(response, 415)


def test_invalid_fields_are_422_with_field_details(api):
    owner = api.register("artisan")
    response = api.post("/api/v1/shops", {"name": 5, "shipping_fee": "free"}, owner)
    error = assert_error(response, 422)
    assert {"name", "commune", "shipping_fee"} <= set(error["details"])
    for messages in error["details"].values():
        assert isinstance(messages, list) and all(isinstance(m, str) for m in messages)


def test_html_pages_keep_their_own_errors_but_api_is_json(api):
    response = api.client.get("/api/v1/nope", headers={"Accept": "text/html"})
    assert_error(response, 404)


# --- idempotency ---------------------------------------------------------------------------


def _line(product, quantity=1):
    return {"product_id": product["id"], "quantity": quantity}


def test_idempotency_key_replays_the_first_answer(api):
    owner, shop, product = api.seller_with_product(stock=5)
    buyer = api.register()
    key = {"Idempotency-Key": "order-7f3a"}
    first = api.checkout(buyer, _line(product), headers=key)
    again = api.checkout(buyer, _line(product), headers=key)
    assert again == first
    stock = api.get(f"/api/v1/products/{product['id']}").get_json()["stock"]
    assert stock == 4
    orders = api.get("/api/v1/orders", buyer).get_json()["items"]
    assert len(orders) == 1


def test_idempotency_key_with_another_body_is_409(api):
    owner, shop, product = api.seller_with_product(stock=5)
    buyer = api.register()
    key = {"Idempotency-Key": "k-1"}
    api.checkout(buyer, _line(product), headers=key)
    error = api.checkout(buyer, _line(product, 2), headers=key, expect=409)
    assert error["error"]["code"] == "idempotency_key_reused"


def test_idempotency_replays_an_error_answer_too(api):
    owner, shop, product = api.seller_with_product(stock=1)
    buyer = api.register()
    key = {"Idempotency-Key": "k-err"}
    first = api.checkout(buyer, _line(product, 2), headers=key, expect=409)
    assert first["error"]["code"] == "out_of_stock"
    again = api.checkout(buyer, _line(product, 2), headers=key, expect=409)
    assert again == first


def test_idempotency_keys_belong_to_one_user(api):
    owner, shop, product = api.seller_with_product(stock=5)
    alice, bob = api.register(), api.register()
    key = {"Idempotency-Key": "shared-key"}
    first = api.checkout(alice, _line(product), headers=key)
    second = api.checkout(bob, _line(product), headers=key)
    assert first["id"] != second["id"]


# --- docs and health -----------------------------------------------------------------------


def test_openapi_and_docs(api):
    spec = api.get("/api/openapi.json")
    assert spec.status_code == 200
    assert spec.get_json()["openapi"].startswith("3.")
    assert api.get("/api/docs").status_code == 200


def test_healthz(api):
    response = api.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


@pytest.mark.parametrize("key", ["", "   ", "k" * 256, "a\x00b", "tab\there"])
def test_unusable_idempotency_keys_are_422(api, key):
    owner, shop, product = api.seller_with_product(stock=5)
    buyer = api.register()
    response = api.client.post(
        "/api/v1/checkouts",
        json={
            "items": [_line(product)],
            "shipping_address": {
                "name": "A",
                "phone": "0912345678",
                "line1": "x",
                "province": "Sơn La",
                "country": "VN",
            },
        },
        headers={**buyer.headers, "Idempotency-Key": key},
    )
    assert_error(response, 422)
    assert api.get(f"/api/v1/products/{product['id']}").get_json()["stock"] == 5


def test_401_comes_before_any_complaint_about_the_body(api):
    """Not signed in is 401 whatever the body or query holds (nothing learnt from a 422)."""
    owner, shop, product = api.seller_with_product()
    livestream = api.livestream(owner, shop)
    buyer = api.register()
    order = api.checkout(buyer, _line(product))["orders"][0]
    calls = [
        ("POST", "/api/v1/shops"),
        ("PATCH", f"/api/v1/shops/{shop['id']}"),
        ("POST", f"/api/v1/shops/{shop['id']}/products"),
        ("GET", f"/api/v1/shops/{shop['id']}/products?status=nope"),
        ("PATCH", f"/api/v1/products/{product['id']}"),
        ("POST", "/api/v1/media/uploads"),
        ("POST", "/api/v1/media"),
        ("POST", "/api/v1/checkouts"),
        ("GET", "/api/v1/orders?limit=abc"),
        ("POST", f"/api/v1/orders/{order['id']}/ship"),
        ("POST", f"/api/v1/orders/{order['id']}/cancel"),
        ("POST", f"/api/v1/orders/{order['id']}/return"),
        ("POST", f"/api/v1/shops/{shop['id']}/livestreams"),
        ("PATCH", f"/api/v1/livestreams/{livestream['id']}"),
        ("POST", f"/api/v1/livestreams/{livestream['id']}/cancel"),
        ("PUT", f"/api/v1/livestreams/{livestream['id']}/pinned"),
        ("POST", f"/api/v1/livestreams/{livestream['id']}/claims"),
        ("GET", f"/api/v1/livestreams/{livestream['id']}/claims?limit=0"),
        ("POST", f"/api/v1/products/{product['id']}/ocop-applications"),
        ("POST", "/api/v1/collections"),
        ("GET", "/api/v1/audit?limit=0"),
        ("GET", "/api/v1/reports/sales?group_by=nope"),
    ]
    for method, path in calls:
        for body in ({}, {"x": [1]}, None):
            if method == "GET" and body is not None:
                continue
            response = api.client.open(path, method=method, json=body)
            assert response.status_code == 401, (method, path, body, response.status_code)
            assert_error(response, 401)
        if "/ocop" in path or path.startswith(("/api/v1/collections", "/api/v1/audit")):
            continue  # the trade office answers 415 for a body that is not JSON first
        text = api.client.open(path, method=method, data="x", content_type="text/plain")
        assert text.status_code == 401, (method, path, text.status_code)


def test_a_buyer_opening_a_shop_is_403_whatever_the_body(api):
    buyer = api.register()
    for body in ({}, {"name": 5}, {"name": "Shop", "commune": "Vân Hồ"}):
        assert_error(api.post("/api/v1/shops", body, buyer), 403)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/shops?commune=&q=",
        "/api/v1/products?q=&shop=&commune=&category=&ocop_min_stars=&min_price=&max_price=&sort=",
        "/api/v1/livestreams?status=&shop=&commune=",
        "/api/v1/products?limit=&cursor=",
    ],
)
def test_empty_query_parameters_are_not_given(api, path):
    """The contract's own URLs, as a form or an app fills them in: empty means no filter."""
    owner, shop, product = api.seller_with_product()
    api.livestream(owner, shop)
    response = api.get(path)
    assert response.status_code == 200, response.get_json()
    bare = api.get(path.split("?")[0]).get_json()
    assert response.get_json() == bare
    assert bare["items"]


def test_empty_report_periods_are_not_given(api):
    officer = api.staff()
    for path in (
        "/api/v1/reports/overview?from=&to=",
        "/api/v1/reports/sales?group_by=shop&from=&to=",
        "/api/v1/ocop/applications?status=",
        "/api/v1/audit?limit=",
    ):
        assert api.get(path, officer).status_code == 200, path


def test_optional_fields_sent_as_null_are_not_given(api):
    registered = api.client.post(
        "/api/v1/auth/register",
        json={"name": "A", "password": "12345678", "email": "null@x.vn", "locale": None},
    )
    assert registered.status_code == 201, registered.get_json()
    owner, shop, product = api.seller_with_product()
    livestream = api.post(
        f"/api/v1/shops/{shop['id']}/livestreams",
        {
            "title": "L",
            "platform": "facebook",
            "url": "https://www.facebook.com/x/videos/1",
            "scheduled_start": "2031-01-01T00:00:00+00:00",
            "scheduled_end": None,
            "description": None,
            "products": None,
        },
        owner,
    )
    assert livestream.status_code == 201, livestream.get_json()
    application = api.post(
        f"/api/v1/products/{product['id']}/ocop-applications",
        {
            "certificate_number": "C",
            "stars": 4,
            "issuer": "I",
            "issued_on": "2025-01-01",
            "expires_on": "2028-01-01",
            "evidence_media_ids": None,
        },
        owner,
    )
    assert application.status_code == 201, application.get_json()
    collection = api.post(
        "/api/v1/collections",
        {"title": "Tết", "slug": None, "description": None, "product_ids": []},
        api.staff(),
    )
    assert collection.status_code == 201, collection.get_json()


def test_what_the_caller_may_not_see_is_404_not_403(api):
    owner, shop, product = api.seller_with_product()
    draft = api.product(owner, shop, status="draft")
    livestream = api.livestream(owner, shop, products=[{"product_id": product["id"]}])
    other = api.register("artisan")
    application = {
        "certificate_number": "C",
        "stars": 4,
        "issuer": "I",
        "issued_on": "2025-01-01",
        "expires_on": "2028-01-01",
    }
    drafts = [
        ("GET", f"/api/v1/products/{draft['id']}", None),
        ("DELETE", f"/api/v1/products/{draft['id']}", None),
        ("PATCH", f"/api/v1/products/{draft['id']}", {"title": "x"}),
        ("POST", f"/api/v1/products/{draft['id']}/ocop-applications", application),
    ]
    for method, path, body in drafts:
        response = api.client.open(path, method=method, json=body, headers=other.headers)
        assert_error(response, 404)
    api.post(f"/api/v1/shops/{shop['id']}/suspend", {"reason": "x"}, api.staff())
    suspended = [
        ("GET", f"/api/v1/shops/{shop['slug']}", None),
        ("PATCH", f"/api/v1/shops/{shop['id']}", {"description": "x"}),
        ("GET", f"/api/v1/shops/{shop['id']}/products", None),
        ("POST", f"/api/v1/shops/{shop['id']}/products", {"title": "x", "price": 1, "stock": 1}),
        ("GET", f"/api/v1/products/{product['id']}", None),
        ("PATCH", f"/api/v1/products/{product['id']}", {"title": "x"}),
        ("DELETE", f"/api/v1/products/{product['id']}", None),
        ("GET", f"/api/v1/livestreams/{livestream['id']}", None),
        ("PATCH", f"/api/v1/livestreams/{livestream['id']}", {"title": "x"}),
        ("POST", f"/api/v1/livestreams/{livestream['id']}/start", None),
        ("GET", f"/api/v1/livestreams/{livestream['id']}/stats", None),
        ("GET", f"/api/v1/livestreams/{livestream['id']}/claims", None),
        ("PUT", f"/api/v1/livestreams/{livestream['id']}/pinned", {"product_id": None}),
        ("GET", f"/api/v1/orders?shop={shop['id']}", None),
    ]
    for method, path, body in suspended:
        response = api.client.open(path, method=method, json=body, headers=other.headers)
        assert_error(response, 404)
