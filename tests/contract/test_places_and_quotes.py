"""API.md v1.1 § Places and addresses, § Shipping and quotes — as a client sees them."""

from __future__ import annotations

from tests.contract.conftest import ADDRESS, assert_error

ADDRESS_KEYS = {
    "name",
    "phone",
    "line1",
    "line2",
    "commune",
    "commune_code",
    "province",
    "province_code",
    "district",
    "country",
    "postal_code",
}


def line(product: dict, quantity: int = 1) -> dict:
    return {"product_id": product["id"], "quantity": quantity}


def test_provinces_and_their_communes(api):
    provinces = api.get("/api/v1/places/provinces").get_json()["items"]
    assert len(provinces) == 34
    assert {"code": "14", "name": "Sơn La"} in provinces
    assert {"code": "01", "name": "Thành phố Hà Nội"} in provinces
    sa_pa = api.get("/api/v1/places/provinces/15/communes", query_string={"q": "sa pa"})
    assert sa_pa.get_json() == {"items": [{"code": "03006", "name": "Phường Sa Pa"}]}
    van_ho = api.get("/api/v1/places/provinces/14/communes").get_json()["items"]
    assert len(van_ho) == 75 and {"code": "04048", "name": "Xã Vân Hồ"} in van_ho
    assert_error(api.get("/api/v1/places/provinces/99/communes"), 404)


def test_a_checkout_to_narnia_is_422_unknown_province(api):
    owner, shop, product = api.seller_with_product(stock=2)
    buyer = api.register()
    narnia = dict(ADDRESS, province="Narnia")
    error = api.checkout(buyer, line(product), shipping_address=narnia, expect=422)["error"]
    assert error["code"] == "unknown_province"
    assert "province" in error["details"]["shipping_address"]
    elsewhere = dict(ADDRESS, commune="Sa Pa")  # a ward of Lào Cai, not of Sơn La
    error = api.checkout(buyer, line(product), shipping_address=elsewhere, expect=422)["error"]
    assert error["code"] == "unknown_commune"
    abroad = dict(ADDRESS, country="Narnia")
    error = api.checkout(buyer, line(product), shipping_address=abroad, expect=422)["error"]
    assert error["code"] == "invalid_country"
    assert api.get(f"/api/v1/products/{product['id']}").get_json()["stock"] == 2


def test_sa_pa_lao_cai_is_stored_with_official_names_and_codes(api):
    _, _, product = api.seller_with_product()
    buyer = api.register()
    typed = dict(ADDRESS, commune="sa pa", province="lao cai", district="Sa Pa (cũ)")
    checkout = api.checkout(buyer, line(product), shipping_address=typed)
    stored = checkout["orders"][0]["shipping_address"]
    assert set(stored) == ADDRESS_KEYS
    assert (stored["commune"], stored["commune_code"]) == ("Phường Sa Pa", "03006")
    assert (stored["province"], stored["province_code"]) == ("Lào Cai", "15")
    assert stored["district"] == "Sa Pa (cũ)" and stored["phone"] == "+84912345678"
    order = api.get(f"/api/v1/orders/{checkout['orders'][0]['id']}", buyer).get_json()
    assert order["shipping_address"] == stored


def test_a_new_shop_sells_at_once_at_the_default_shipping_fee(api):
    owner = api.register("artisan")
    shop = api.post("/api/v1/shops", {"name": "Mật ong Tô Múa", "commune": "Tô Múa"}, owner)
    assert shop.status_code == 201, shop.get_json()
    product = api.product(owner, shop.get_json(), price=200000)
    order = api.checkout(api.register(), line(product))["orders"][0]
    assert (order["shipping_fee"], order["total"]) == (30000, 230000)


def test_the_quote_equals_the_checkout_that_follows_it(api):
    owner, shop = api.shop(shipping_fee=35000, local_shipping_fee=20000, free_shipping_over=400000)
    cheap = api.product(owner, shop, price=100000, stock=10)
    other_owner, other_shop = api.shop(shipping_fee=25000)
    dear = api.product(other_owner, other_shop, price=450000, stock=10)
    body = {
        "items": [line(cheap, 2), line(dear, 1)],
        "shipping_address": dict(ADDRESS, commune="Phường Sa Pa", province="15"),
    }
    quote = api.post("/api/v1/checkouts/quote", body)  # anonymous
    assert quote.status_code == 200, quote.get_json()
    quote = quote.get_json()
    assert set(quote) >= {"orders", "total", "currency", "payment_methods"}
    assert "cod" in quote["payment_methods"]
    buyer = api.register()
    checkout = api.checkout(buyer, *body["items"], shipping_address=body["shipping_address"])
    parts = ("shop", "lines", "subtotal", "shipping_fee", "total")
    made = {o["shop"]["id"]: {k: o[k] for k in parts} for o in checkout["orders"]}
    assert {o["shop"]["id"]: {k: o[k] for k in parts} for o in quote["orders"]} == made
    assert quote["total"] == checkout["total"]
    assert made[shop["id"]]["shipping_fee"] == 35000  # Lào Cai is outside the shop's province
    assert made[other_shop["id"]]["shipping_fee"] == 25000
    # The quote took nothing: the checkout did.
    assert api.get(f"/api/v1/products/{cheap['id']}").get_json()["stock"] == 8
    too_many = dict(body, items=[line(cheap, 9)])
    assert_error(api.post("/api/v1/checkouts/quote", too_many), 409, "out_of_stock")


def test_cash_on_delivery_only_within_vietnam(api):
    _, _, product = api.seller_with_product()
    buyer = api.register()
    abroad = dict(ADDRESS, country="FR", phone="+33 6 12 34 56 78", province="Paris")
    error = api.checkout(buyer, line(product), shipping_address=abroad, expect=422)["error"]
    assert error["code"] == "payment_method_unavailable"
