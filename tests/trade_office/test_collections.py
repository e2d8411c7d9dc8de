"""Curated collections: officers build them; everyone reads the visible products, in order."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from marketplace.extensions import db
from marketplace.models import AuditEntry, ProductImage
from marketplace.schemas.trade_office import CollectionSchema
from marketplace.services.places import local_today
from tests.factories import make_product, make_shop
from tests.factories.trade_office import certify, make_media


@pytest.fixture
def officer(auth):
    return auth.user("officer")


@pytest.fixture
def products():
    shop = make_shop(name="HTX Chè Vân Hồ", commune="Vân Hồ")
    other = make_shop(name="Thổ cẩm Cỏ Chàm", commune="Song Khủa")
    return [
        make_product(shop, title="Chè Shan tuyết", price=250000, weight_grams=500),
        make_product(other, title="Khăn piêu", price=380000),
        make_product(shop, title="Mận hậu sấy", price=90000),
    ]


def create(client, headers, **body):
    return client.post("/api/v1/collections", json=body, headers=headers)


def product_ids(body) -> list[str]:
    return [p["id"] for p in body["products"]]


def test_officer_creates_an_ordered_collection_with_a_generated_slug(client, officer, products):
    order = [products[2].id, products[0].id, products[1].id]
    response = create(client, officer[1], title="Chọn lọc cho Postmart", product_ids=order)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) == set(CollectionSchema().fields)
    assert body["slug"] == "chon-loc-cho-postmart"
    assert product_ids(body) == order
    assert body["products"][0]["title"] == "Mận hậu sấy"
    assert body["products"][0]["shop"]["commune"] == "Xã Vân Hồ"
    again = create(client, officer[1], title="Chọn lọc cho Postmart", product_ids=[])
    assert again.get_json()["slug"] == "chon-loc-cho-postmart-2"
    by_slug = client.get("/api/v1/collections/chon-loc-cho-postmart")
    assert by_slug.status_code == 200 and product_ids(by_slug.get_json()) == order
    by_id = client.get(f"/api/v1/collections/{body['id']}").get_json()
    assert by_id["slug"] == "chon-loc-cho-postmart"
    entry = db.session.scalar(
        db.select(AuditEntry).where(
            AuditEntry.action == "collection.create", AuditEntry.target_id == body["id"]
        )
    )
    assert entry.actor_id == officer[0].id and entry.details["product_ids"] == order


def test_given_slugs_are_checked(client, officer, products):
    ok = create(client, officer[1], title="Tết", slug="tet-2027", product_ids=[])
    assert ok.status_code == 201 and ok.get_json()["slug"] == "tet-2027"
    taken = create(client, officer[1], title="Tết", slug="tet-2027", product_ids=[])
    assert taken.status_code == 409 and taken.get_json()["error"]["code"] == "slug_taken"
    for slug in ("Tết", "a--b", "-a", "a b", "a" * 32, "0123456789abcdef0123456789abcdef"):
        response = create(client, officer[1], title="x", slug=slug, product_ids=[])
        assert response.status_code == 422, slug
        assert "slug" in response.get_json()["error"]["details"]


def test_bad_product_lists_are_422(client, officer, products):
    draft = make_product(status="draft")
    for ids in ([products[0].id, products[0].id], ["nope"], [draft.id]):
        response = create(client, officer[1], title="x", product_ids=ids)
        assert response.status_code == 422, ids
        assert "product_ids" in response.get_json()["error"]["details"]
    assert create(client, officer[1], title="x").status_code == 422
    assert create(client, officer[1], title=" ", product_ids=[]).status_code == 422


def test_public_reads_show_only_visible_products_in_order(client, officer, products):
    body = create(client, officer[1], title="Quà Tết", product_ids=[p.id for p in products])
    collection = body.get_json()
    client.post(
        f"/api/v1/products/{products[0].id}/suspend", json={"reason": "x"}, headers=officer[1]
    )
    client.post(
        f"/api/v1/shops/{products[1].shop_id}/suspend", json={"reason": "x"}, headers=officer[1]
    )
    shown = client.get(f"/api/v1/collections/{collection['slug']}").get_json()
    assert product_ids(shown) == [products[2].id]
    listed = client.get("/api/v1/collections").get_json()["items"]
    assert product_ids(next(c for c in listed if c["id"] == collection["id"])) == [products[2].id]
    client.post(f"/api/v1/products/{products[0].id}/reinstate", headers=officer[1])
    shown = client.get(f"/api/v1/collections/{collection['id']}").get_json()
    assert product_ids(shown) == [products[0].id, products[2].id]


def test_edit_reorder_and_delete(client, officer, products):
    collection = create(
        client, officer[1], title="A", product_ids=[products[0].id, products[1].id]
    ).get_json()
    url = f"/api/v1/collections/{collection['id']}"
    response = client.patch(
        url,
        json={
            "title": "Đặc sản Vân Hồ",
            "description": "Cho sàn Voso",
            "slug": "dac-san-van-ho",
            "product_ids": [products[1].id, products[2].id, products[0].id],
        },
        headers=officer[1],
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["title"], body["slug"], body["description"]) == (
        "Đặc sản Vân Hồ",
        "dac-san-van-ho",
        "Cho sàn Voso",
    )
    assert product_ids(body) == [products[1].id, products[2].id, products[0].id]
    reordered = client.patch(
        url, json={"product_ids": [products[0].id, products[1].id]}, headers=officer[1]
    )
    assert product_ids(reordered.get_json()) == [products[0].id, products[1].id]
    assert reordered.get_json()["title"] == "Đặc sản Vân Hồ"
    other = create(client, officer[1], title="B", product_ids=[]).get_json()
    clash = client.patch(
        f"/api/v1/collections/{other['id']}", json={"slug": "dac-san-van-ho"}, headers=officer[1]
    )
    assert clash.status_code == 409
    assert client.delete(url, headers=officer[1]).status_code == 204
    assert client.get(url).status_code == 404
    assert client.get("/api/v1/collections/dac-san-van-ho").status_code == 404
    assert client.delete(url, headers=officer[1]).status_code == 404
    actions = db.session.scalars(
        db.select(AuditEntry.action)
        .where(AuditEntry.target_id == collection["id"])
        .order_by(AuditEntry.created_at, AuditEntry.id)
    ).all()
    assert actions == [
        "collection.create",
        "collection.update",
        "collection.update",
        "collection.delete",
    ]


def test_only_the_office_changes_collections(client, auth, officer, products):
    collection = create(client, officer[1], title="A", product_ids=[]).get_json()
    url = f"/api/v1/collections/{collection['id']}"
    assert create(client, {}, title="x", product_ids=[]).status_code == 401
    for role in ("buyer", "artisan"):
        headers = auth.user(role)[1]
        assert create(client, headers, title="x", product_ids=[]).status_code == 403
        assert client.patch(url, json={"title": "y"}, headers=headers).status_code == 403
        assert client.delete(url, headers=headers).status_code == 403
        assert client.get(f"{url}/export", headers=headers).status_code == 403
    assert client.get(url).status_code == 200
    admin = auth.user("admin")[1]
    assert client.patch(url, json={"title": "y"}, headers=admin).status_code == 200


def test_collection_lists_cost_the_same_whatever_their_size(client, officer, count_queries):
    shop = make_shop()
    for size in (1, 6):
        ids = [make_product(shop).id for _ in range(size)]
        create(client, officer[1], title=f"Size {size}", product_ids=ids)
    with count_queries() as small:
        client.get("/api/v1/collections", query_string={"limit": 1})
    with count_queries() as large:
        page = client.get("/api/v1/collections", query_string={"limit": 5})
    assert len(page.get_json()["items"]) == 2
    assert large.count == small.count
    first = client.get("/api/v1/collections", query_string={"limit": 1}).get_json()
    second = client.get(
        "/api/v1/collections", query_string={"limit": 1, "cursor": first["next_cursor"]}
    ).get_json()
    assert first["items"][0]["title"] == "Size 6" and second["items"][0]["title"] == "Size 1"
    assert second["next_cursor"] is None


def test_export_for_national_floors(client, officer, products):
    today = local_today()
    certify(products[0], 4)
    photo = make_media(products[0].shop.owner)
    db.session.add(ProductImage(product_id=products[0].id, media_id=photo.id, position=0))
    db.session.commit()
    certify(products[1], 5, expires_on=today - timedelta(days=1))
    client.post(
        f"/api/v1/products/{products[2].id}/suspend", json={"reason": "x"}, headers=officer[1]
    )
    collection = create(
        client,
        officer[1],
        title="Postmart",
        product_ids=[products[1].id, products[0].id, products[2].id],
    ).get_json()
    url = f"/api/v1/collections/{collection['id']}/export"
    response = client.get(url, query_string={"format": "json"}, headers=officer[1])
    assert response.status_code == 200
    rows = response.get_json()["items"]
    assert [r["title"] for r in rows] == ["Khăn piêu", "Chè Shan tuyết"]
    tea = rows[1]
    assert tea["shop"] == "HTX Chè Vân Hồ" and tea["commune"] == "Xã Vân Hồ"
    assert (tea["price"], tea["currency"], tea["weight_grams"]) == (250000, "VND", 500)
    assert tea["ocop_stars"] == 4 and tea["ocop_certificate"].startswith("OCOP-")
    assert tea["product_url"].endswith(f"/products/{products[0].id}")
    assert len(tea["image_urls"]) == 1 and tea["image_urls"][0].endswith(photo.key)
    assert rows[0]["image_urls"] == []
    expired = rows[0]
    assert (expired["ocop_stars"], expired["ocop_status"]) == (None, "expired")

    response = client.get(url, query_string={"format": "csv"}, headers=officer[1])
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.get_data().startswith("\ufeff".encode())  # Excel reads it as UTF-8
    table = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert [r["title"] for r in table] == ["Khăn piêu", "Chè Shan tuyết"]
    assert {"title", "shop", "commune", "price", "ocop_stars", "image_urls", "weight_grams"} <= set(
        table[0]
    )
    assert (table[1]["price"], table[1]["ocop_stars"], table[0]["ocop_stars"]) == (
        "250000",
        "4",
        "",
    )
    assert table[1]["image_urls"] == tea["image_urls"][0]
    assert client.get(url, query_string={"format": "xml"}, headers=officer[1]).status_code == 422
    by_slug = client.get("/api/v1/collections/postmart/export", headers=officer[1])
    assert by_slug.status_code == 200 and len(by_slug.get_json()["items"]) == 2
