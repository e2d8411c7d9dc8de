"""Moderation: suspended shops and products vanish from public view; reinstating restores them."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.models import AuditEntry, Product
from tests.factories import make_product, make_shop


@pytest.fixture
def officer(auth):
    return auth.user("officer")


@pytest.fixture
def owner(auth):
    return auth.user("artisan")


def public_ids(client, **query) -> list[str]:
    body = client.get("/api/v1/products", query_string=query).get_json()
    return [p["id"] for p in body["items"]]


def audit_actions(target_id: str) -> list[tuple[str, str | None]]:
    return db.session.execute(
        db.select(AuditEntry.action, AuditEntry.reason)
        .where(AuditEntry.target_id == target_id)
        .order_by(AuditEntry.created_at, AuditEntry.id)
    ).all()


def test_suspended_shop_vanishes_and_comes_back(client, officer, owner):
    shop = make_shop(owner[0], name="Thổ cẩm Cỏ Chàm")
    product = make_product(shop, title="Khăn piêu đỏ")
    draft = make_product(shop, status="draft")
    response = client.post(
        f"/api/v1/shops/{shop.slug}/suspend",
        json={"reason": "Bán hàng giả."},
        headers=officer[1],
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["id"], body["status"]) == (shop.id, "suspended")

    assert product.id not in public_ids(client)
    assert product.id not in public_ids(client, q="khan pieu")
    assert product.id not in public_ids(client, shop=shop.slug)
    assert client.get(f"/api/v1/shops/{shop.id}").status_code == 404
    assert client.get(f"/api/v1/products/{product.id}").status_code == 404
    shops = client.get("/api/v1/shops").get_json()["items"]
    assert shop.id not in [s["id"] for s in shops]
    # The owner still sees the shop, and why.
    mine = client.get(f"/api/v1/shops/{shop.id}", headers=owner[1]).get_json()
    assert (mine["status"], mine["suspension_reason"]) == ("suspended", "Bán hàng giả.")

    again = client.post(
        f"/api/v1/shops/{shop.id}/suspend", json={"reason": "x"}, headers=officer[1]
    )
    assert again.status_code == 409

    back = client.post(f"/api/v1/shops/{shop.id}/reinstate", headers=officer[1])
    assert back.status_code == 200
    assert back.get_json()["status"] == "active"
    assert product.id in public_ids(client, q="khan pieu")
    assert draft.id not in public_ids(client)  # the products' own statuses were kept
    assert client.post(f"/api/v1/shops/{shop.id}/reinstate", headers=officer[1]).status_code == 409
    assert audit_actions(shop.id) == [("shop.suspend", "Bán hàng giả."), ("shop.reinstate", None)]


def test_suspended_product_vanishes_and_gets_its_status_back(client, officer, owner):
    shop = make_shop(owner[0])
    product = make_product(shop, title="Rượu ngô Mường Men")
    response = client.post(
        f"/api/v1/products/{product.id}/suspend",
        json={"reason": "Thiếu giấy phép."},
        headers=officer[1],
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["id"], body["status"], body["suspension_reason"]) == (
        product.id,
        "suspended",
        "Thiếu giấy phép.",
    )
    assert product.id not in public_ids(client)
    assert product.id not in public_ids(client, q="ruou ngo")
    assert client.get(f"/api/v1/products/{product.id}").status_code == 404
    mine = client.get(f"/api/v1/products/{product.id}", headers=owner[1]).get_json()
    assert (mine["status"], mine["suspension_reason"]) == ("suspended", "Thiếu giấy phép.")
    listed = client.get(
        f"/api/v1/shops/{shop.id}/products?status=suspended", headers=owner[1]
    ).get_json()
    assert [p["id"] for p in listed["items"]] == [product.id]

    back = client.post(
        f"/api/v1/products/{product.id}/reinstate",
        json={"reason": "Đã bổ sung giấy phép."},
        headers=officer[1],
    )
    assert back.status_code == 200
    assert (back.get_json()["status"], back.get_json()["suspension_reason"]) == ("active", None)
    assert product.id in public_ids(client)
    assert audit_actions(product.id) == [
        ("product.suspend", "Thiếu giấy phép."),
        ("product.reinstate", "Đã bổ sung giấy phép."),
    ]


def test_a_suspended_draft_comes_back_as_a_draft(client, officer):
    product = make_product(status="draft")
    client.post(f"/api/v1/products/{product.id}/suspend", json={"reason": "x"}, headers=officer[1])
    stored = db.session.get(Product, product.id)
    assert (stored.status, stored.status_before_suspension) == ("suspended", "draft")
    client.post(f"/api/v1/products/{product.id}/reinstate", headers=officer[1])
    db.session.expire_all()
    stored = db.session.get(Product, product.id)
    assert (stored.status, stored.status_before_suspension, stored.suspension_reason) == (
        "draft",
        None,
        None,
    )


def test_verify_marks_the_shop_once(client, officer):
    shop = make_shop()
    response = client.post(f"/api/v1/shops/{shop.id}/verify", json={}, headers=officer[1])
    assert response.status_code == 200
    assert response.get_json()["verified"] is True
    assert client.get(f"/api/v1/shops/{shop.slug}").get_json()["verified"] is True
    again = client.post(f"/api/v1/shops/{shop.id}/verify", headers=officer[1])
    assert again.status_code == 200
    assert audit_actions(shop.id) == [("shop.verify", None)]


def test_reinstating_or_verifying_keeps_a_reason_or_a_note(client, officer):
    shop = make_shop()
    suspend = client.post(
        f"/api/v1/shops/{shop.id}/suspend", json={"reason": "Hàng giả"}, headers=officer[1]
    )
    assert suspend.status_code == 200
    back = client.post(
        f"/api/v1/shops/{shop.id}/reinstate", json={"note": " Đã xác minh "}, headers=officer[1]
    )
    assert back.status_code == 200, back.get_json()
    verified = client.post(
        f"/api/v1/shops/{shop.id}/verify", json={"reason": "Đã gặp chủ hộ"}, headers=officer[1]
    )
    assert verified.status_code == 200
    assert audit_actions(shop.id) == [
        ("shop.suspend", "Hàng giả"),
        ("shop.reinstate", "Đã xác minh"),
        ("shop.verify", "Đã gặp chủ hộ"),
    ]


def test_moderation_needs_a_reason_and_an_officer(client, auth, officer):
    shop = make_shop()
    product = make_product(shop)
    for url in (f"/api/v1/shops/{shop.id}/suspend", f"/api/v1/products/{product.id}/suspend"):
        assert client.post(url, json={}, headers=officer[1]).status_code == 422
        assert client.post(url, json={"reason": " "}, headers=officer[1]).status_code == 422
        assert client.post(url, json={"reason": "x"}).status_code == 401
        for role in ("buyer", "artisan"):
            headers = auth.user(role)[1]
            assert client.post(url, json={"reason": "x"}, headers=headers).status_code == 403
    owner_headers = auth.headers(shop.owner)
    assert client.post(f"/api/v1/shops/{shop.id}/verify", headers=owner_headers).status_code == 403
    admin = auth.user("admin")[1]
    assert (
        client.post(
            f"/api/v1/products/{product.id}/suspend", json={"reason": "x"}, headers=admin
        ).status_code
        == 200
    )
    assert client.post("/api/v1/shops/nope/verify", headers=officer[1]).status_code == 404
    assert (
        client.post(
            "/api/v1/products/nope/suspend", json={"reason": "x"}, headers=officer[1]
        ).status_code
        == 404
    )
    actions = db.session.scalars(db.select(AuditEntry.action)).all()
    assert actions == ["product.suspend"]  # refused attempts leave no trace


def test_suspended_items_cannot_be_bought(client, auth, officer):
    from tests.factories.orders import line, post_checkout, stock_of

    _, buyer = auth.user("buyer")
    shop = make_shop()
    product = make_product(shop, stock=5)
    other = make_product(make_shop(), stock=5)
    client.post(f"/api/v1/products/{product.id}/suspend", json={"reason": "x"}, headers=officer[1])
    refused = post_checkout(client, buyer, line(product), line(other))
    assert refused.status_code in (409, 422)
    assert (stock_of(product), stock_of(other)) == (5, 5)  # all or nothing
    client.post(f"/api/v1/products/{product.id}/reinstate", headers=officer[1])
    client.post(f"/api/v1/shops/{shop.id}/suspend", json={"reason": "x"}, headers=officer[1])
    assert post_checkout(client, buyer, line(product)).status_code in (409, 422)
    client.post(f"/api/v1/shops/{shop.id}/reinstate", headers=officer[1])
    bought = post_checkout(client, buyer, line(product))
    assert bought.status_code == 201, bought.get_json()
    assert stock_of(product) == 4


def test_suspended_products_leave_livestreams(client, officer):
    from tests.factories import make_livestream

    shop = make_shop()
    shown, hidden = make_product(shop), make_product(shop)
    live = make_livestream(shop, status="live", products=[(shown, None), (hidden, 90000)])
    client.post(f"/api/v1/products/{hidden.id}/suspend", json={"reason": "x"}, headers=officer[1])
    body = client.get(f"/api/v1/livestreams/{live.id}").get_json()
    assert [p["product_id"] for p in body["products"]] == [shown.id]
    client.post(f"/api/v1/shops/{shop.id}/suspend", json={"reason": "x"}, headers=officer[1])
    listed = client.get("/api/v1/livestreams").get_json()["items"]
    assert live.id not in [item["id"] for item in listed]
