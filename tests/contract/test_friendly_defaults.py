"""Defaults an app builder expects (issue 20): each is additive to what API.md promised."""

from __future__ import annotations

import pytest

from tests.contract.conftest import assert_error
from tests.contract.test_products import ids_of
from tests.contract.test_trade_office import apply

NAMES = ["Thổ cẩm", "tho cam", "THỔ CẨM", "Brocade", "brocade", " Brocade "]


@pytest.mark.parametrize("name", NAMES)
def test_a_category_is_given_by_slug_or_by_name(api, name):
    owner, shop = api.shop()
    product = api.product(owner, shop, category=name)
    assert product["category"]["slug"] == "brocade"
    assert ids_of(api, category=name, shop=shop["id"]) == [product["id"]]
    changed = api.patch(f"/api/v1/products/{product['id']}", {"category": "Dệt may"}, owner)
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["category"]["slug"] == "textile"
    # The parent, named in Vietnamese without diacritics, includes its descendants.
    assert ids_of(api, category="det may", shop=shop["id"]) == [product["id"]]


def test_an_unknown_category_name_is_still_422(api):
    owner, shop = api.shop()
    response = api.post(
        f"/api/v1/shops/{shop['id']}/products",
        {"title": "Khăn", "price": 1000, "stock": 1, "category": "Thổ cẩm xanh"},
        owner,
    )
    error = assert_error(response, 422, "unknown_category")
    assert "category" in error["details"]
    assert_error(api.get("/api/v1/products", query_string={"category": "gốm"}), 422)


def test_ocop_applications_name_their_product_and_shop(api):
    owner, shop, product = api.seller_with_product()
    created = apply(api, owner, product)
    assert created.status_code == 201, created.get_json()
    expected = {
        "id": product["id"],
        "title": product["title"],
        "shop": {
            "id": shop["id"],
            "slug": shop["slug"],
            "name": shop["name"],
            "commune": shop["commune"],
        },
    }
    assert created.get_json()["product"] == expected
    officer = api.staff()
    queue = api.get("/api/v1/ocop/applications", officer, query_string={"status": "pending"})
    mine = [item for item in queue.get_json()["items"] if item["id"] == created.get_json()["id"]]
    assert mine and mine[0]["product"] == expected and mine[0]["product_id"] == product["id"]
    one = api.get(f"/api/v1/ocop/applications/{created.get_json()['id']}", owner)
    assert one.get_json()["product"] == expected
