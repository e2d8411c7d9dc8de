"""Error messages in the caller's language: ``Accept-Language`` first, then the signed-in
user's locale, English otherwise; the codes never change."""

from __future__ import annotations

from tests.contract.conftest import assert_error

VI = {"Accept-Language": "vi-VN,vi;q=0.9"}
EN = {"Accept-Language": "en-GB,en;q=0.8"}
BAD_REGISTRATION = {"name": "A", "password": "short", "email": "not-an-email"}


def test_accept_language_vi_gives_vietnamese_messages_with_the_same_code(api):
    english = assert_error(api.post("/api/v1/auth/register", BAD_REGISTRATION), 422)
    vietnamese = assert_error(api.post("/api/v1/auth/register", BAD_REGISTRATION, headers=VI), 422)
    assert english["code"] == vietnamese["code"] == "validation_error"
    assert english["message"] == "Some fields are invalid."
    assert vietnamese["message"] == "Một số trường không hợp lệ."
    # Field messages too, values put back in place (marshmallow's "{min}", "{max}").
    assert english["details"]["email"] == ["Not a valid email address."]
    assert vietnamese["details"]["email"] == ["Địa chỉ email không hợp lệ."]
    assert english["details"]["password"] == ["Length must be between 8 and 200."]
    assert vietnamese["details"]["password"] == ["Độ dài phải từ 8 đến 200."]
    assert set(english["details"]) == set(vietnamese["details"])


def test_a_signed_in_user_gets_their_locale_unless_accept_language_says_otherwise(api):
    viet = api.register("buyer", locale="vi")
    anglo = api.register("buyer", locale="en")
    path = "/api/v1/orders/no-such-order"
    assert assert_error(api.get(path, viet), 404)["message"] == "Không có đơn hàng này."
    assert assert_error(api.get(path, anglo), 404)["message"] == "No such order."
    assert assert_error(api.get(path, viet, headers=EN), 404)["message"] == "No such order."
    assert assert_error(api.get(path, anglo, headers=VI), 404)["message"] == (
        "Không có đơn hàng này."
    )
    # Anonymous and no header: English.
    assert assert_error(api.get(path), 401)["message"] == "Sign in to do this."
    # Before the view runs (query validation), the token still tells the language.
    error = assert_error(api.get("/api/v1/orders", viet, query_string={"limit": "x"}), 422)
    assert error["details"]["limit"] == ["Chỉ gõ số."]


def test_messages_with_values_are_translated_with_their_values(api):
    owner, shop = api.shop(api.register("artisan", locale="en"))
    body = {"title": "Khăn", "price": 1000, "stock": 1, "category": "gốm"}
    path = f"/api/v1/shops/{shop['id']}/products"
    english = assert_error(api.post(path, body, owner), 422, "unknown_category")
    vietnamese = assert_error(api.post(path, body, owner, headers=VI), 422, "unknown_category")
    assert english["details"] == {"category": ["Unknown category 'gốm'."]}
    assert vietnamese["details"] == {"category": ["Không có danh mục 'gốm'."]}
    assert vietnamese["message"] == "category: Không có danh mục 'gốm'."
    # Nested field messages (a checkout's items), and data in details left as it is.
    _, _, product = api.seller_with_product(stock=1)
    buyer = api.register("buyer", locale="vi")
    line = {"product_id": product["id"], "quantity": 5}
    error = api.checkout(buyer, line, expect=409)["error"]
    assert error["code"] == "out_of_stock"
    assert error["message"] == "Một số mặt hàng đã hết."
    assert error["details"]["items"][0]["product_id"] == product["id"]
    bad = {"product_id": product["id"], "quantity": "many"}
    error = api.checkout(buyer, bad, expect=422, headers=VI)["error"]
    assert error["details"]["items"] == {"0": {"quantity": ["Chỉ gõ số."]}}


def test_unknown_routes_and_http_errors_speak_vietnamese_too(api):
    missing = assert_error(api.get("/api/v1/no-such-thing", headers=VI), 404)
    assert missing["message"].startswith("Không tìm thấy")
    english = assert_error(api.get("/api/v1/no-such-thing"), 404)
    assert english["message"].startswith("The requested URL was not found")
