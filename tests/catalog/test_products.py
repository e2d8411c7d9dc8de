"""Products: variants, who may do what, statuses, bad input, categories."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Product, ProductVariant
from marketplace.schemas.products import ProductSchema
from tests.factories import make_product, make_shop
from tests.factories.envelopes import assert_envelope


@pytest.fixture
def seller(auth):
    owner, headers = auth.user("artisan")
    return make_shop(owner, name="Thổ cẩm Cỏ Chàm"), headers


def add(client, shop, headers, **body):
    return client.post(f"/api/v1/shops/{shop.slug}/products", json=body, headers=headers)


def product_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Product))


def test_price_and_stock_make_one_default_variant(client, seller):
    shop, headers = seller
    response = add(
        client,
        shop,
        headers,
        title="Khăn piêu",
        description="Khăn đội đầu của phụ nữ Thái",
        price=150000,
        stock=4,
        sku="KP-01",
        weight_grams=120,
        category="brocade",
    )
    assert response.status_code == 201
    product = response.get_json()
    assert set(product) == set(ProductSchema().fields)
    assert product["shop"] == {
        "id": shop.id,
        "slug": shop.slug,
        "name": "Thổ cẩm Cỏ Chàm",
        "commune": shop.commune,
    }
    assert product["price"] == 150000 and product["currency"] == "VND"
    assert product["stock"] == 4 and product["sku"] == "KP-01"
    assert product["status"] == "active"
    assert product["category"] == {"slug": "brocade", "name": "Thổ cẩm"}
    assert product["images"] == [] and product["ocop"] is None
    assert product["weight_grams"] == 120
    [variant] = product["variants"]
    assert variant["options"] == {} and variant["price"] == 150000 and variant["stock"] == 4
    assert product["created_at"].endswith("+00:00")


def test_variants_give_lowest_price_and_total_stock(client, seller):
    shop, headers = seller
    response = add(
        client,
        shop,
        headers,
        title="Váy Mông",
        price=1,  # ignored when variants are given
        variants=[
            {"sku": "V-S", "options": {"size": "S", "colour": "chàm"}, "price": 900000, "stock": 1},
            {"sku": "V-M", "options": {"size": "M", "colour": "chàm"}, "price": 850000, "stock": 2},
            {"options": {"size": "M", "colour": "đỏ"}, "price": 950000, "stock": 0},
        ],
    )
    assert response.status_code == 201
    product = response.get_json()
    assert product["price"] == 850000 and product["stock"] == 3
    assert product["sku"] == "V-S"
    assert [v["options"]["size"] for v in product["variants"]] == ["S", "M", "M"]
    assert db.session.get(Product, product["id"]).price == 850000


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"title": "x"}, {"price", "stock"}),
        ({"title": "x", "price": 0, "stock": 1}, {"price"}),
        ({"title": "x", "price": -5, "stock": 1}, {"price"}),
        ({"title": "x", "price": 10.5, "stock": 1}, {"price"}),
        ({"title": "x", "price": "100", "stock": 1}, {"price"}),
        ({"title": "x", "price": True, "stock": 1}, {"price"}),
        ({"title": "x", "price": 100, "stock": -1}, {"stock"}),
        ({"title": "", "price": 100, "stock": 1}, {"title"}),
        ({"title": " \t ", "price": 100, "stock": 1}, {"title"}),
        ({"price": 100, "stock": 1}, {"title"}),
        ({"title": "x", "price": 100, "stock": 1, "status": "archived"}, {"status"}),
        ({"title": "x", "price": 100, "stock": 1, "weight_grams": 0}, {"weight_grams"}),
        ({"title": "x", "variants": []}, {"variants"}),
        ({"title": "x", "variants": [{"options": {"size": "S"}, "stock": 1}]}, {"variants"}),
        ({"title": "x", "variants": [{"options": "S", "price": 1, "stock": 1}]}, {"variants"}),
    ],
)
def test_invalid_products_are_422_and_nothing_is_written(client, seller, body, fields):
    shop, headers = seller
    before = product_count()
    error = assert_envelope(add(client, shop, headers, **body), 422, "validation_error")
    assert set(error["details"]) == fields
    assert product_count() == before


def test_one_bad_variant_creates_nothing(client, seller):
    shop, headers = seller
    before = product_count()
    response = add(
        client,
        shop,
        headers,
        title="Túi thổ cẩm",
        variants=[
            {"options": {"colour": "chàm"}, "price": 200000, "stock": 2},
            {"options": {"colour": "đỏ"}, "price": 200000, "stock": -3},
        ],
    )
    error = assert_envelope(response, 422)
    assert error["details"] == {
        "variants": {"1": {"stock": [error["details"]["variants"]["1"]["stock"][0]]}}
    }
    assert product_count() == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProductVariant)) == 0


@pytest.mark.parametrize(
    "variants",
    [
        [
            {"options": {"size": "S"}, "price": 1, "stock": 1},
            {"options": {"size": "S"}, "price": 2, "stock": 1},
        ],
        [
            {"sku": "A", "options": {"size": "S"}, "price": 1, "stock": 1},
            {"sku": "A", "options": {"size": "M"}, "price": 2, "stock": 1},
        ],
        [
            {"options": {}, "price": 1, "stock": 1},
            {"options": {"size": "M"}, "price": 2, "stock": 1},
        ],
    ],
)
def test_variants_must_be_told_apart(client, seller, variants):
    shop, headers = seller
    response = add(client, shop, headers, title="Áo", variants=variants)
    assert set(assert_envelope(response, 422)["details"]) == {"variants"}
    assert product_count() == 0


def test_unknown_category_is_422(client, seller):
    shop, headers = seller
    response = add(client, shop, headers, title="x", price=1, stock=1, category="spaceships")
    error = assert_envelope(response, 422, "unknown_category")
    assert set(error["details"]) == {"category"}


def test_a_megabyte_title_is_refused(client, seller):
    shop, headers = seller
    response = add(client, shop, headers, title="x" * 1_000_000, price=1, stock=1)
    assert response.status_code in (413, 422)
    assert product_count() == 0


def test_only_the_owner_adds_products(client, seller, auth):
    shop, _ = seller
    _, other = auth.user("artisan")
    assert_envelope(add(client, shop, other, title="x", price=1, stock=1), 403, "not_shop_owner")
    assert_envelope(add(client, shop, {}, title="x", price=1, stock=1), 401)
    assert_envelope(
        client.post(
            "/api/v1/shops/nope/products",
            json={"title": "x", "price": 1, "stock": 1},
            headers=other,
        ),
        404,
    )


def test_drafts_are_seen_by_their_owner_only(client, seller, auth):
    shop, headers = seller
    draft = add(client, shop, headers, title="Nháp", price=1, stock=1, status="draft").get_json()
    assert draft["status"] == "draft"
    assert client.get(f"/api/v1/products/{draft['id']}", headers=headers).status_code == 200
    assert_envelope(client.get(f"/api/v1/products/{draft['id']}"), 404, "product_not_found")
    for role in ("buyer", "artisan", "officer"):
        _, other = auth.user(role)
        assert_envelope(client.get(f"/api/v1/products/{draft['id']}", headers=other), 404)
    assert client.get("/api/v1/products").get_json()["items"] == []


def test_the_owner_lists_own_products_by_status(client, seller, auth):
    shop, headers = seller
    active = make_product(shop, title="Đang bán")
    draft = make_product(shop, title="Nháp", status="draft")
    archived = make_product(shop, title="Cũ", status="archived")
    suspended = make_product(shop, title="Bị khóa", status="suspended")

    def listed(status):
        url = f"/api/v1/shops/{shop.id}/products?status={status}"
        return {p["id"] for p in client.get(url, headers=headers).get_json()["items"]}

    assert listed("all") == {active.id, draft.id, archived.id, suspended.id}
    assert listed("draft") == {draft.id}
    assert listed("archived") == {archived.id}
    assert listed("suspended") == {suspended.id}
    assert listed("active") == {active.id}
    _, other = auth.user("artisan")
    assert_envelope(client.get(f"/api/v1/shops/{shop.id}/products", headers=other), 403)
    assert_envelope(client.get(f"/api/v1/shops/{shop.id}/products"), 401)
    bad = client.get(f"/api/v1/shops/{shop.id}/products?status=gone", headers=headers)
    assert_envelope(bad, 422)


def test_patch_variants_updates_adds_and_archives(client, seller):
    shop, headers = seller
    created = add(
        client,
        shop,
        headers,
        title="Váy",
        variants=[
            {"options": {"size": "S"}, "price": 500000, "stock": 1},
            {"options": {"size": "M"}, "price": 520000, "stock": 1},
        ],
    ).get_json()
    small, medium = created["variants"]
    response = client.patch(
        f"/api/v1/products/{created['id']}",
        json={
            "variants": [
                {"id": medium["id"], "stock": 9, "price": 480000},
                {"options": {"size": "L"}, "price": 560000, "stock": 2},
            ]
        },
        headers=headers,
    )
    assert response.status_code == 200
    product = response.get_json()
    assert [v["options"]["size"] for v in product["variants"]] == ["M", "L"]
    assert product["variants"][0]["id"] == medium["id"]
    assert product["variants"][0]["stock"] == 9  # absolute, not added
    assert product["price"] == 480000 and product["stock"] == 11
    assert product["updated_at"] > created["updated_at"]
    # The archived variant is kept for the orders that name it.
    assert db.session.get(ProductVariant, small["id"]).status == "archived"
    assert db.session.get(Product, created["id"]).price == 480000


def test_patch_variants_rejects_foreign_ids_and_leaves_everything(client, seller):
    shop, headers = seller
    product = make_product(shop, price=1000, stock=1)
    other = make_product(shop, price=2000, stock=1)
    response = client.patch(
        f"/api/v1/products/{product.id}",
        json={"title": "Đổi", "variants": [{"id": other.variants[0].id, "stock": 5}]},
        headers=headers,
    )
    error = assert_envelope(response, 422)
    assert "variants" in error["details"]
    assert client.get(f"/api/v1/products/{product.id}").get_json()["title"] == product.title
    new_without_price = client.patch(
        f"/api/v1/products/{product.id}",
        json={"variants": [{"options": {"size": "S"}, "stock": 5}]},
        headers=headers,
    )
    assert_envelope(new_without_price, 422)


def test_patch_price_and_stock_of_a_single_variant_product(client, seller):
    shop, headers = seller
    product = make_product(shop, price=1000, stock=1)
    response = client.patch(
        f"/api/v1/products/{product.id}",
        json={"price": 1500, "stock": 0, "sku": "NEW", "category": "tea", "description": "Chè"},
        headers=headers,
    )
    body = response.get_json()
    assert (body["price"], body["stock"], body["sku"]) == (1500, 0, "NEW")
    assert body["category"]["slug"] == "tea" and body["description"] == "Chè"
    cleared = client.patch(
        f"/api/v1/products/{product.id}", json={"category": None}, headers=headers
    ).get_json()
    assert cleared["category"] is None


def test_patch_top_level_price_of_a_product_with_variants_is_422(client, seller):
    shop, headers = seller
    product = make_product(
        shop,
        variants=[
            {"options": {"size": "S"}, "price": 1, "stock": 1},
            {"options": {"size": "M"}, "price": 2, "stock": 1},
        ],
    )
    response = client.patch(f"/api/v1/products/{product.id}", json={"price": 5}, headers=headers)
    assert set(assert_envelope(response, 422)["details"]) == {"price"}


def test_only_the_owner_patches_or_deletes(client, seller, auth):
    shop, _ = seller
    product = make_product(shop)
    for role in ("artisan", "officer", "buyer"):
        _, other = auth.user(role)
        url = f"/api/v1/products/{product.id}"
        assert_envelope(client.patch(url, json={"title": "x"}, headers=other), 403)
        assert_envelope(client.delete(url, headers=other), 403)
    assert_envelope(client.delete(f"/api/v1/products/{product.id}"), 401)


def test_delete_archives_and_hides_but_keeps_the_row(client, seller):
    shop, headers = seller
    product = make_product(shop, title="Khăn")
    assert client.delete(f"/api/v1/products/{product.id}", headers=headers).status_code == 204
    assert db.session.get(Product, product.id).status == "archived"
    assert_envelope(client.get(f"/api/v1/products/{product.id}"), 404)
    assert client.get("/api/v1/products").get_json()["items"] == []
    owner_view = client.get(f"/api/v1/products/{product.id}", headers=headers).get_json()
    assert owner_view["status"] == "archived"
    restored = client.patch(
        f"/api/v1/products/{product.id}", json={"status": "active"}, headers=headers
    )
    assert restored.get_json()["status"] == "active"


def test_suspended_products_are_seen_by_owner_and_staff_only(client, seller, auth):
    shop, headers = seller
    product = make_product(shop, status="suspended", suspension_reason="Ảnh sai")
    assert_envelope(client.get(f"/api/v1/products/{product.id}"), 404)
    owner_view = client.get(f"/api/v1/products/{product.id}", headers=headers).get_json()
    assert owner_view["suspension_reason"] == "Ảnh sai"
    _, officer = auth.user("officer")
    assert client.get(f"/api/v1/products/{product.id}", headers=officer).status_code == 200
    # The owner cannot lift a suspension by changing the status: it waits for reinstatement.
    client.patch(f"/api/v1/products/{product.id}", json={"status": "draft"}, headers=headers)
    stored = db.session.get(Product, product.id)
    assert (stored.status, stored.status_before_suspension) == ("suspended", "draft")


def test_products_of_a_suspended_shop_are_hidden(client, auth):
    owner, headers = auth.user("artisan")
    shop = make_shop(owner, status="suspended")
    product = make_product(shop)
    assert_envelope(client.get(f"/api/v1/products/{product.id}"), 404)
    assert client.get(f"/api/v1/products/{product.id}", headers=headers).status_code == 200
    _, officer = auth.user("officer")
    assert client.get(f"/api/v1/products/{product.id}", headers=officer).status_code == 200
    assert client.get("/api/v1/products").get_json()["items"] == []


def test_unknown_product_is_404(client):
    assert_envelope(client.get("/api/v1/products/nope"), 404, "product_not_found")


def test_category_tree(client):
    response = client.get("/api/v1/categories")
    assert response.status_code == 200
    tree = {node["slug"]: node for node in response.get_json()["items"]}
    assert {"food", "beverages", "herbal", "handicraft", "ornamental", "tourism"} <= set(tree)
    assert tree["food"]["name"] == "Thực phẩm" and tree["food"]["name_en"] == "Food"
    assert {"honey", "rice", "dried-meat"} <= {c["slug"] for c in tree["food"]["children"]}
    textile = next(c for c in tree["handicraft"]["children"] if c["slug"] == "textile")
    assert [c["slug"] for c in textile["children"]] == ["brocade"]
    assert "next_cursor" not in response.get_json()
