"""Shops: opening, editing, who sees what, the directory."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.models import Product
from marketplace.schemas.shops import OwnShopSchema
from tests.factories import make_product, make_shop
from tests.factories.envelopes import assert_envelope


def open_shop(client, headers, **fields):
    body = {"name": "Thổ cẩm Cỏ Chàm", "commune": "Vân Hồ", **fields}
    return client.post("/api/v1/shops", json=body, headers=headers)


def test_an_artisan_opens_a_shop_with_a_slug_without_diacritics(client, auth):
    artisan, headers = auth.user("artisan")
    response = open_shop(
        client,
        headers,
        village="Cỏ Chàm",
        ethnic_group="Mông",
        shipping_fee=30000,
        phone="0912 345 678",
        story="Chị Mùa Thị Sấu dệt vải lanh từ năm mười tuổi.",
    )
    assert response.status_code == 201
    shop = response.get_json()
    # Its owner sees the shop with its bank account (public answers leave that out).
    assert set(shop) == set(OwnShopSchema().fields)
    assert shop["slug"] == "tho-cam-co-cham"
    assert shop["owner_id"] == artisan.id
    assert shop["commune"] == "Xã Vân Hồ" and shop["village"] == "Cỏ Chàm"
    assert (shop["commune_code"], shop["province"], shop["province_code"]) == (
        "04048",
        "Sơn La",
        "14",
    )
    assert shop["status"] == "active" and shop["verified"] is False
    assert shop["logo"] is None and shop["cover"] is None
    assert shop["shipping_fee"] == 30000 and shop["international_shipping_fee"] is None
    assert shop["currency"] == "VND"
    assert shop["phone"] == "+84912345678"
    assert shop["created_at"].endswith("+00:00")


def test_slugs_are_unique_and_stay_when_the_name_changes(client, auth):
    _, headers = auth.user("artisan")
    first = open_shop(client, headers).get_json()
    second = open_shop(client, headers, name="Thổ Cẩm  cỏ chàm!").get_json()
    assert first["slug"] == "tho-cam-co-cham"
    assert second["slug"] == "tho-cam-co-cham-2"
    renamed = client.patch(
        f"/api/v1/shops/{first['id']}", json={"name": "Khăn piêu Mường Tè"}, headers=headers
    )
    assert renamed.status_code == 200
    assert renamed.get_json()["name"] == "Khăn piêu Mường Tè"
    assert renamed.get_json()["slug"] == "tho-cam-co-cham"
    assert client.get("/api/v1/shops/tho-cam-co-cham").get_json()["id"] == first["id"]


def test_a_name_without_letters_still_gets_a_slug(client, auth):
    _, headers = auth.user("artisan")
    assert open_shop(client, headers, name="!!!").get_json()["slug"] == "shop"


def test_a_commune_typed_without_diacritics_is_recorded_properly(client, auth):
    _, headers = auth.user("artisan")
    shop = open_shop(client, headers, commune="  xa van   HO ").get_json()
    assert (shop["commune"], shop["commune_code"]) == ("Xã Vân Hồ", "04048")


def test_only_artisans_open_shops(client, auth):
    _, buyer = auth.user("buyer")
    assert_envelope(open_shop(client, buyer), 403, "forbidden")
    assert_envelope(open_shop(client, {}), 401, "unauthorized")
    _, admin = auth.user("admin")
    assert open_shop(client, admin).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"commune": "Vân Hồ"}, "name"),
        ({"name": "Shop"}, "commune"),
        ({"name": "", "commune": "Tô Múa"}, "name"),
        ({"name": "   ", "commune": "Tô Múa"}, "name"),
        ({"name": "Shop", "commune": " "}, "commune"),
        ({"name": "x" * 121, "commune": "Tô Múa"}, "name"),
        ({"name": "Shop", "commune": "Tô Múa", "shipping_fee": -1}, "shipping_fee"),
        ({"name": "Shop", "commune": "Tô Múa", "shipping_fee": 1.5}, "shipping_fee"),
        ({"name": "Shop", "commune": "Tô Múa", "shipping_fee": "30000"}, "shipping_fee"),
        ({"name": "Shop", "commune": "Tô Múa", "international_shipping_fee": True}, None),
        ({"name": "Shop", "commune": "Tô Múa", "phone": "12"}, "phone"),
        ({"name": "Shop", "commune": "Tô Múa", "facebook_url": "javascript:x"}, "facebook_url"),
        ({"name": {"vi": "x"}, "commune": "Tô Múa"}, "name"),
    ],
)
def test_invalid_shops_are_422_with_field_details(client, auth, body, field):
    _, headers = auth.user("artisan")
    error = assert_envelope(
        client.post("/api/v1/shops", json=body, headers=headers), 422, "validation_error"
    )
    assert set(error["details"]) == {field or "international_shipping_fee"}


def test_only_the_owner_edits_a_shop(client, auth):
    shop = make_shop()
    _, other = auth.user("artisan")
    response = client.patch(f"/api/v1/shops/{shop.id}", json={"name": "Mine"}, headers=other)
    assert_envelope(response, 403)
    assert_envelope(client.patch(f"/api/v1/shops/{shop.id}", json={"name": "x"}), 401)
    _, officer = auth.user("officer")
    response = client.patch(f"/api/v1/shops/{shop.id}", json={"name": "x"}, headers=officer)
    assert_envelope(response, 403)


def test_the_owner_edits_fields_and_clears_fees(client, auth):
    owner, headers = auth.user("artisan")
    shop = make_shop(owner, shipping_fee=30000)
    response = client.patch(
        f"/api/v1/shops/{shop.slug}",
        json={"shipping_fee": None, "international_shipping_fee": 250000, "village": "Cỏ Chàm"},
        headers=headers,
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["shipping_fee"] is None
    assert body["international_shipping_fee"] == 250000
    assert body["village"] == "Cỏ Chàm"


def test_renaming_a_shop_makes_its_products_findable_by_the_new_name(client, auth):
    owner, headers = auth.user("artisan")
    shop = make_shop(owner, name="Nhà Sấu")
    product = make_product(shop, title="Khăn piêu")
    assert client.get("/api/v1/products?q=hoa ban").get_json()["items"] == []
    client.patch(f"/api/v1/shops/{shop.id}", json={"name": "Hoa Ban Trắng"}, headers=headers)
    found = client.get("/api/v1/products?q=hoa ban").get_json()["items"]
    assert [p["id"] for p in found] == [product.id]
    assert found[0]["shop"]["name"] == "Hoa Ban Trắng"
    assert "nha sau" not in db.session.get(Product, product.id).text_search


def test_a_suspended_shop_is_hidden_except_from_its_owner_and_staff(client, auth):
    owner, owner_headers = auth.user("artisan")
    shop = make_shop(owner, status="suspended", suspension_reason="Hàng giả")
    assert_envelope(client.get(f"/api/v1/shops/{shop.id}"), 404, "shop_not_found")
    _, stranger = auth.user("buyer")
    assert_envelope(client.get(f"/api/v1/shops/{shop.slug}", headers=stranger), 404)
    seen = client.get(f"/api/v1/shops/{shop.slug}", headers=owner_headers).get_json()
    assert seen["status"] == "suspended" and seen["suspension_reason"] == "Hàng giả"
    _, officer = auth.user("officer")
    assert client.get(f"/api/v1/shops/{shop.id}", headers=officer).status_code == 200
    listed = client.get("/api/v1/shops").get_json()["items"]
    assert shop.id not in {s["id"] for s in listed}


def test_an_active_shop_shows_no_suspension_reason(client):
    shop = make_shop(suspension_reason="lifted long ago")
    assert client.get(f"/api/v1/shops/{shop.id}").get_json()["suspension_reason"] is None


def test_unknown_shop_is_404(client):
    assert_envelope(client.get("/api/v1/shops/nope"), 404, "shop_not_found")


def test_shop_directory_filters_by_commune_and_name_without_diacritics(client):
    a = make_shop(name="Thổ cẩm Cỏ Chàm", commune="Vân Hồ")
    b = make_shop(name="Chè Shan tuyết Tà Xùa", commune="Xuân Nha")
    c = make_shop(name="Mật ong bạc hà", commune="Vân Hồ")
    in_van_ho = client.get("/api/v1/shops?commune=van ho").get_json()["items"]
    assert {s["id"] for s in in_van_ho} == {a.id, c.id}
    by_name = client.get("/api/v1/shops?q=CHE SHAN").get_json()["items"]
    assert [s["id"] for s in by_name] == [b.id]
    assert client.get("/api/v1/shops?q=50%").get_json()["items"] == []


def test_shop_directory_pages_with_cursors(client):
    made = {make_shop(name=f"Bản {n:02d}", commune="Xuân Nha").id for n in range(5)}
    seen, cursor = [], None
    while True:
        url = "/api/v1/shops?commune=Xuân Nha&limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url).get_json()
        seen += [s["id"] for s in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 5 and set(seen) == made
    assert_envelope(client.get("/api/v1/shops?cursor=forged"), 400, "invalid_cursor")
