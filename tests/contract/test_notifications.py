"""API.md v1.1 § Account recovery and § Notifications and follows, as a client sees them."""

from __future__ import annotations

import pytest

from tests.contract.conftest import assert_error, assert_page, assert_timestamp

NOTIFICATION_KEYS = {"id", "kind", "title", "body", "link", "read_at", "created_at"}


def test_a_cod_order_is_in_the_sellers_list_at_once(api):
    owner, shop, product = api.seller_with_product()
    buyer = api.register()
    order = api.checkout(buyer, {"product_id": product["id"], "quantity": 1})["orders"][0]

    items = assert_page(
        api.get("/api/v1/notifications", owner).get_json(), item_keys=NOTIFICATION_KEYS
    )

    [item] = items
    assert item["kind"] == "order_placed"
    assert order["id"] in item["link"] and item["link"].startswith("http")
    assert item["read_at"] is None
    assert_timestamp(item["created_at"])
    assert assert_page(api.get("/api/v1/notifications", buyer).get_json()) == []

    assert api.post("/api/v1/notifications/read", {"ids": [item["id"]]}, owner).status_code == 204
    [read] = api.get("/api/v1/notifications", owner).get_json()["items"]
    assert_timestamp(read["read_at"])
    assert api.post("/api/v1/notifications/read", {"all": True}, owner).status_code == 204


def test_the_buyer_hears_of_each_move(api):
    owner, shop, product = api.seller_with_product()
    buyer = api.register(locale="en")
    order = api.checkout(buyer, {"product_id": product["id"], "quantity": 1})["orders"][0]
    api.order_move(owner, order["id"], "confirm")
    api.order_move(owner, order["id"], "ship", carrier="VNPost", tracking_number="EB123VN")
    api.order_move(owner, order["id"], "deliver")

    kinds = [item["kind"] for item in api.get("/api/v1/notifications", buyer).get_json()["items"]]

    assert kinds == ["order_delivered", "order_shipped", "order_confirmed"]  # newest first


def test_followers_hear_of_a_livestream_starting(api):
    owner, shop = api.shop()
    follower = api.register()
    assert api.put(f"/api/v1/shops/{shop['slug']}/follow", who=follower).status_code == 204
    [followed] = assert_page(api.get("/api/v1/me/follows", follower).get_json())
    assert followed["id"] == shop["id"]
    livestream = api.livestream(owner, shop)

    started = api.post(f"/api/v1/livestreams/{livestream['id']}/start", who=owner)

    assert started.status_code == 200
    [item] = api.get("/api/v1/notifications", follower).get_json()["items"]
    assert item["kind"] == "livestream_starting"
    assert api.delete(f"/api/v1/shops/{shop['id']}/follow", who=follower).status_code == 204
    assert api.get("/api/v1/me/follows", follower).get_json()["items"] == []


def test_patch_me_answers_the_user_with_its_channels(api):
    user = api.register(phone="0912 000 111")

    response = api.patch("/api/v1/me", {"locale": "en", "notify": {"email": False}}, user)

    assert response.status_code == 200
    body = response.get_json()
    assert body["locale"] == "en" and body["notify"] == {"sms": True, "email": False}
    assert api.get("/api/v1/me", user).get_json() == body


def test_password_reset_answers_202_for_any_login_and_400_for_a_wrong_code(api):
    user = api.register(phone="0912 000 222")
    known = api.post("/api/v1/auth/password-reset", {"login": "0912 000 222"})
    unknown = api.post("/api/v1/auth/password-reset", {"login": "0912 999 999"})

    assert known.status_code == unknown.status_code == 202
    assert known.get_json() == unknown.get_json()
    wrong = api.post(
        "/api/v1/auth/password-reset/confirm",
        {"login": "+84912000222", "code": "000000", "password": "một mật khẩu mới"},
    )
    assert_error(wrong, 400, "invalid_code")
    assert api.get("/api/v1/me", user).status_code == 200  # nothing changed


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/api/v1/notifications"),
        ("POST", "/api/v1/notifications/read"),
        ("PUT", "/api/v1/shops/x/follow"),
        ("DELETE", "/api/v1/shops/x/follow"),
        ("GET", "/api/v1/me/follows"),
        ("PATCH", "/api/v1/me"),
    ],
)
def test_signed_in_only(api, method, path):
    assert_error(api.client.open(path, method=method, json={}), 401)
