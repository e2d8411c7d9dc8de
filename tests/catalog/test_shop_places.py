"""A shop's province and commune (API.md v1.1): checked against the 2025 units, stored and
answered with their official names and codes; shipping fees a new shop starts with."""

from __future__ import annotations

from marketplace.extensions import db
from marketplace.models import Shop
from tests.factories import make_shop
from tests.factories.envelopes import assert_envelope


def open_shop(client, headers, **fields):
    return client.post("/api/v1/shops", json={"name": "Chè Tà Xùa", **fields}, headers=headers)


def places_of(shop: dict) -> tuple:
    return shop["province"], shop["province_code"], shop["commune"], shop["commune_code"]


def test_a_shop_is_in_the_marketplaces_province_unless_it_names_one(client, auth, app_config):
    _, headers = auth.user("artisan")
    shop = open_shop(client, headers, commune="Vân Hồ").get_json()
    assert places_of(shop) == ("Sơn La", "14", "Xã Vân Hồ", "04048")
    elsewhere = open_shop(client, headers, province="lao cai", commune="sa pa").get_json()
    assert places_of(elsewhere) == ("Lào Cai", "15", "Phường Sa Pa", "03006")
    app_config(MARKETPLACE_PROVINCE="Lào Cai")
    assert places_of(open_shop(client, headers, commune="03006").get_json())[0] == "Lào Cai"


def test_the_commune_must_be_one_of_the_provinces(client, auth):
    _, headers = auth.user("artisan")
    for fields, code, field in (
        ({"commune": "Sa Pa"}, "unknown_commune", "commune"),  # a ward of Lào Cai
        ({"commune": "Lóng Luông"}, "unknown_commune", "commune"),  # merged into Vân Hồ
        ({"province": "Narnia", "commune": "Vân Hồ"}, "unknown_province", "province"),
        ({"province": "15", "commune": "04048"}, "unknown_commune", "commune"),
    ):
        error = assert_envelope(open_shop(client, headers, **fields), 422, code)
        assert set(error["details"]) == {field}
    assert db.session.scalar(db.select(db.func.count(Shop.id))) == 0


def test_edits_recheck_the_commune_against_the_province(client, auth):
    owner, headers = auth.user("artisan")
    shop = open_shop(client, headers, commune="Vân Hồ").get_json()
    url = f"/api/v1/shops/{shop['id']}"
    # Moving to Lào Cai keeps Xã Vân Hồ, which is not there: refused, nothing changes.
    assert_envelope(client.patch(url, json={"province": "15"}, headers=headers), 422)
    moved = client.patch(url, json={"province": "15", "commune": "Sa Pa"}, headers=headers)
    assert places_of(moved.get_json()) == ("Lào Cai", "15", "Phường Sa Pa", "03006")
    back = client.patch(url, json={"province": "son la", "commune": "to mua"}, headers=headers)
    assert places_of(back.get_json()) == ("Sơn La", "14", "Xã Tô Múa", "04018")
    within = client.patch(url, json={"commune": "Song Khủa"}, headers=headers)
    assert places_of(within.get_json()) == ("Sơn La", "14", "Xã Song Khủa", "04006")
    error = assert_envelope(client.patch(url, json={"commune": "Sa Pa"}, headers=headers), 422)
    assert error["code"] == "unknown_commune"


def test_a_shop_the_migration_could_not_map_keeps_its_commune_until_edited(client, auth):
    owner, headers = auth.user("artisan")
    shop = make_shop(owner)
    shop.commune, shop.commune_code = "Bản Mòng", None
    db.session.commit()
    url = f"/api/v1/shops/{shop.id}"
    kept = client.patch(url, json={"story": "Ba đời làm chè."}, headers=headers).get_json()
    assert (kept["commune"], kept["commune_code"]) == ("Bản Mòng", None)
    assert_envelope(client.patch(url, json={"province": "14"}, headers=headers), 422)
    fixed = client.patch(url, json={"commune": "Vân Hồ"}, headers=headers).get_json()
    assert (fixed["commune"], fixed["commune_code"]) == ("Xã Vân Hồ", "04048")


def test_a_new_shop_gets_the_default_shipping_fee_and_sets_the_others(client, auth, app_config):
    _, headers = auth.user("artisan")
    app_config(DEFAULT_SHIPPING_FEE=25000)
    shop = open_shop(client, headers, commune="Vân Hồ").get_json()
    assert shop["shipping_fee"] == 25000
    assert shop["local_shipping_fee"] is None and shop["free_shipping_over"] is None
    none = open_shop(client, headers, commune="Vân Hồ", shipping_fee=None).get_json()
    assert none["shipping_fee"] is None
    edited = client.patch(
        f"/api/v1/shops/{shop['id']}",
        json={"local_shipping_fee": 15000, "free_shipping_over": 500000},
        headers=headers,
    ).get_json()
    assert (edited["shipping_fee"], edited["local_shipping_fee"]) == (25000, 15000)
    assert edited["free_shipping_over"] == 500000
    for field in ("local_shipping_fee", "free_shipping_over"):
        bad = open_shop(client, headers, commune="Vân Hồ", **{field: -1})
        assert set(assert_envelope(bad, 422, "validation_error")["details"]) == {field}
