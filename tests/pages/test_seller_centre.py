"""The seller centre's pages (PAGES.md "Artisans"), through Flask's client: who may open them,
the shop's form, products with photos and variants, orders moved, OCOP applications, the label.

Everything goes through the services the API uses; these tests check what the pages add: forms
as people type them (``350.000``), values kept on failure (422) and errors beside their fields.
"""

from __future__ import annotations

import re
from io import BytesIO

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from marketplace.extensions import db
from marketplace.models import Media, OcopApplication, Order, Product, Shop
from marketplace.services.catalog import shops
from tests.factories import PASSWORD, make_livestream, make_product, make_shop, make_user
from tests.factories.media_files import heic, jpeg
from tests.factories.messaging import notifications_of, text_of
from tests.factories.orders import line, post_checkout
from tests.pages.conftest import csrf_token, sign_in

VCB = "970436"  # Vietcombank's Napas BIN


def artisan_signed_in(client, **kwargs):
    user = make_user("artisan", **kwargs)
    assert sign_in(client, user.email, PASSWORD).status_code == 302
    return user


def post(client, path, data=None, files=None, **kwargs):
    """A form POST with the session's CSRF token; ``files``: {field: [(bytes, name), …]}.

    Encoded here, in memory: the test client spools big bodies to a file it never closes."""
    form = MultiDict({"csrf_token": csrf_token(client, "/seller/shop")})
    for name, value in (data or {}).items():
        for item in value if isinstance(value, list) else [value]:
            form.add(name, item)
    for name, entries in (files or {}).items():
        for content, filename in entries:
            form.add(name, FileStorage(BytesIO(content), filename, content_type="image/jpeg"))
    boundary, body = encode_multipart(form)
    return client.post(
        path, data=body, content_type=f"multipart/form-data; boundary={boundary}", **kwargs
    )


def page(response) -> str:
    return response.get_data(as_text=True)


def value_of(html: str, name: str) -> str | None:
    match = re.search(rf'name="{re.escape(name)}"[^>]* value="([^"]*)"', html)
    return match.group(1) if match else None


SHOP_FORM = {
    "name": "Thổ cẩm Cỏ Chàm",
    "province": "14",
    "commune": "Vân Hồ",
    "village": "Cỏ Chàm",
    "ethnic_group": "Mông",
    "phone": "0912 345 678",
    "shipping_fee": "30.000",
}


# --- who may open the seller centre ------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/seller", "/seller/shop", "/seller/products", "/seller/orders", "/seller/ocop"]
)
def test_anonymous_visitors_sign_in_first(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/signin?next={path}")


@pytest.mark.parametrize("role", ["buyer", "officer"])
def test_other_roles_get_a_page_saying_why(client, role):
    user = make_user(role)
    sign_in(client, user.email, PASSWORD)
    response = client.get("/seller/products")
    assert response.status_code == 403
    assert "người bán" in page(response) or "artisan" in page(response)


@pytest.mark.parametrize(
    "path",
    ["/seller", "/seller/products", "/seller/products/new", "/seller/orders", "/seller/ocop"],
)
def test_an_artisan_without_a_shop_lands_on_the_shop_form(client, path):
    artisan_signed_in(client)
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/seller/shop"


def test_a_post_without_csrf_is_400(client):
    artisan_signed_in(client)
    response = client.post("/seller/shop", data=SHOP_FORM)
    assert response.status_code == 400


# --- the shop ------------------------------------------------------------------------------------


def test_the_shop_form_offers_the_default_fee_and_the_communes_of_son_la(client, app):
    artisan_signed_in(client)
    html = page(client.get("/seller/shop"))
    assert value_of(html, "shipping_fee") == str(app.config["DEFAULT_SHIPPING_FEE"])
    assert '<option value="14" selected>Sơn La</option>' in html
    assert ">Xã Vân Hồ</option>" in html
    assert 'inputmode="numeric"' in html
    assert "Vietcombank" in html  # the banks of the VietQR list


def test_opening_a_shop_it_can_sell_at_once(client):
    user = artisan_signed_in(client)
    response = post(client, "/seller/shop", SHOP_FORM, {"logo": [(jpeg((400, 400)), "logo.jpg")]})
    assert response.status_code == 303
    shop = db.session.scalar(sa.select(Shop).where(Shop.owner_id == user.id))
    assert (shop.name, shop.province, shop.commune) == ("Thổ cẩm Cỏ Chàm", "Sơn La", "Xã Vân Hồ")
    assert shop.shipping_fee == 30000
    assert shop.phone == "+84912345678"
    assert shop.logo_id is not None and shop.bank_account is None
    assert response.headers["Location"].endswith("done=opened")
    assert "Gian hàng đã mở" in page(client.get(response.headers["Location"]))
    assert client.get("/seller").status_code == 200


def test_a_failed_shop_form_keeps_every_value_and_says_what_is_wrong(client):
    user = artisan_signed_in(client)
    form = {**SHOP_FORM, "commune": "", "shipping_fee": "ba mươi", "account_number": "12345"}
    response = post(client, "/seller/shop", form)
    assert response.status_code == 422
    html = page(response)
    assert value_of(html, "name") == "Thổ cẩm Cỏ Chàm"
    assert value_of(html, "village") == "Cỏ Chàm"
    assert value_of(html, "shipping_fee") == "ba mươi"
    assert 'id="commune-error"' in html and 'id="shipping_fee-error"' in html
    assert "Chọn xã" in html
    assert db.session.scalar(sa.select(Shop).where(Shop.owner_id == user.id)) is None


def test_a_commune_of_another_province_is_refused_beside_the_commune(client):
    artisan_signed_in(client)
    response = post(client, "/seller/shop", {**SHOP_FORM, "commune": "Sa Pa"})
    assert response.status_code == 422
    assert 'id="commune-error"' in page(response)


def test_a_bank_account_is_checked_like_the_api_and_errors_sit_beside_it(client):
    user = artisan_signed_in(client)
    bad = {
        **SHOP_FORM,
        "bank_bin": "000000",
        "account_number": "0071000639271",
        "account_name": "x",
    }
    response = post(client, "/seller/shop", bad)
    assert response.status_code == 422
    assert 'id="bank_bin-error"' in page(response)
    good = {**bad, "bank_bin": VCB, "account_name": "Giàng Thị Sấu"}
    assert post(client, "/seller/shop", good).status_code == 303
    shop = db.session.scalar(sa.select(Shop).where(Shop.owner_id == user.id))
    assert shop.bank_account.account_name == "GIANG THI SAU"


def test_editing_the_shop_keeps_its_slug_and_can_remove_the_bank_account(client):
    user = artisan_signed_in(client)
    shop = make_shop(user, name="Mật ong Tô Múa")
    shops.update_shop(
        shop,
        {
            "bank_account": {
                "bank_bin": VCB,
                "account_number": "0123456789",
                "account_name": "LO VAN A",
            }
        },
    )
    html = page(client.get("/seller/shop"))
    assert value_of(html, "name") == "Mật ong Tô Múa"
    assert value_of(html, "account_number") == "0123456789"
    form = {**SHOP_FORM, "name": "Mật ong rừng Tô Múa", "commune": shop.commune_code}
    assert post(client, "/seller/shop", form).status_code == 303
    db.session.expire_all()
    shop = db.session.get(Shop, shop.id)
    assert shop.name == "Mật ong rừng Tô Múa" and shop.slug.startswith("shop-")
    assert shop.bank_account is None


# --- products ------------------------------------------------------------------------------------


@pytest.fixture
def shop_of(client):
    user = artisan_signed_in(client)
    return make_shop(user, name="Thổ cẩm Cỏ Chàm")


PRODUCT_FORM = {
    "title": "Khăn thổ cẩm chàm",
    "description": "Dệt tay từ sợi lanh.",
    "category": "",
    "price": "350.000",
    "stock": "5",
    "weight_grams": "200",
    "status": "active",
}


def test_listing_a_product_with_a_jpeg_and_a_heic_photo(client, shop_of):
    photos = {"photos": [(jpeg((1200, 900)), "IMG_1.jpg"), (heic((900, 1200)), "IMG_2.HEIC")]}
    response = post(client, "/seller/products", PRODUCT_FORM, photos)
    assert response.status_code == 303, page(response)
    product = db.session.scalar(sa.select(Product).where(Product.shop_id == shop_of.id))
    assert (product.title, product.price, product.weight_grams) == (
        "Khăn thổ cẩm chàm",
        350000,
        200,
    )
    assert product.status == "active"
    assert [v.stock for v in product.variants] == [5]
    images = [db.session.get(Media, place.media_id) for place in product.gallery]
    assert [m.content_type for m in images] == ["image/jpeg", "image/jpeg"]
    assert (images[1].width, images[1].height) == (900, 1200)
    assert response.headers["Location"] == f"/seller/products/{product.id}?done=created"
    listing = page(client.get("/seller/products"))
    assert "Khăn thổ cẩm chàm" in listing and "350.000 ₫" in listing


def test_the_new_product_form_takes_photos_from_the_camera(client, shop_of):
    html = page(client.get("/seller/products/new"))
    assert re.search(r'name="photos" type="file" accept="image/\*" multiple', html)
    assert 'enctype="multipart/form-data"' in html
    assert html.count('inputmode="numeric"') >= 3


def test_a_bad_price_and_a_bad_photo_keep_the_rest_of_the_form(client, shop_of):
    photos = {"photos": [(jpeg((800, 600)), "good.jpg"), (b"not a picture", "bad.jpg")]}
    response = post(client, "/seller/products", {**PRODUCT_FORM, "price": "ba trăm"}, photos)
    assert response.status_code == 422
    html = page(response)
    assert value_of(html, "title") == "Khăn thổ cẩm chàm"
    assert value_of(html, "price") == "ba trăm"
    assert 'id="price-error"' in html and 'id="photos-error"' in html
    assert "bad.jpg" in html
    # The good photo is already stored: it comes back with the form, not to be sent again.
    kept = re.findall(r'name="image_ids" value="([0-9a-f]+)"', html)
    assert len(kept) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Product)) == 0
    again = post(client, "/seller/products", {**PRODUCT_FORM, "image_ids": kept})
    assert again.status_code == 303
    product = db.session.scalar(sa.select(Product).where(Product.shop_id == shop_of.id))
    assert [place.media_id for place in product.gallery] == kept


def test_a_draft_waits_unseen(client, shop_of):
    response = post(client, "/seller/products", {**PRODUCT_FORM, "status": "draft"})
    assert response.status_code == 303
    product = db.session.scalar(sa.select(Product).where(Product.shop_id == shop_of.id))
    assert product.status == "draft"
    client.post("/signout", data={"csrf_token": csrf_token(client, "/seller/shop")})
    assert client.get(f"/products/{product.id}").status_code == 404


def test_a_missing_title_and_stock_are_422(client, shop_of):
    response = post(client, "/seller/products", {**PRODUCT_FORM, "title": " ", "stock": ""})
    assert response.status_code == 422
    html = page(response)
    assert 'id="title-error"' in html and 'id="stock-error"' in html


def variant_rows(product):
    db.session.expire_all()
    product = db.session.get(Product, product.id)
    active = sorted((v for v in product.variants if v.status == "active"), key=lambda v: v.position)
    return [(dict(v.options), v.price, v.stock) for v in active]


def test_editing_adds_edits_and_removes_variants(client, shop_of):
    product = make_product(shop_of, title="Khăn", price=300000, stock=4)
    (default,) = product.variants
    edit = f"/seller/products/{product.id}"
    html = page(client.get(edit))
    assert value_of(html, "variants-0-price") == "300.000"
    form = {
        "title": "Khăn thổ cẩm",
        "status": "active",
        "variants-0-id": default.id,
        "variants-0-name": "Chàm",
        "variants-0-price": "300.000",
        "variants-0-stock": "4",
        "variants-1-name": "màu: đỏ · cỡ: lớn",
        "variants-1-price": "350000",
        "variants-1-stock": "2",
    }
    response = post(client, edit, form)
    assert response.status_code == 303, page(response)
    assert variant_rows(product) == [
        ({"loại": "Chàm"}, 300000, 4),
        ({"màu": "đỏ", "cỡ": "lớn"}, 350000, 2),
    ]
    html = page(client.get(edit))
    assert value_of(html, "variants-0-name") == "Chàm"
    assert value_of(html, "variants-1-name") == "màu: đỏ · cỡ: lớn"
    second = re.search(r'name="variants-1-id" value="([0-9a-f]+)"', html).group(1)
    form = {
        "title": "Khăn thổ cẩm",
        "variants-0-id": default.id,
        "variants-0-name": "Chàm",
        "variants-0-price": "320.000",
        "variants-0-stock": "6",
        "variants-1-id": second,
        "variants-1-name": "Đỏ",
        "variants-1-price": "350000",
        "variants-1-stock": "2",
        "variants-1-remove": "1",
    }
    assert post(client, edit, form).status_code == 303
    assert variant_rows(product) == [({"loại": "Chàm"}, 320000, 6)]


def test_a_variant_without_a_price_is_422_with_the_rows_kept(client, shop_of):
    product = make_product(shop_of, title="Khăn", price=300000, stock=4)
    (default,) = product.variants
    form = {
        "title": "Khăn",
        "variants-0-id": default.id,
        "variants-0-name": "Chàm",
        "variants-0-price": "300000",
        "variants-0-stock": "4",
        "variants-1-name": "Đỏ",
        "variants-1-price": "",
        "variants-1-stock": "2",
    }
    response = post(client, f"/seller/products/{product.id}", form)
    assert response.status_code == 422
    html = page(response)
    assert value_of(html, "variants-1-name") == "Đỏ"
    assert 'id="variants-error"' in html
    assert variant_rows(product) == [({}, 300000, 4)]


def test_two_variants_with_the_same_name_are_refused_by_the_service(client, shop_of):
    product = make_product(shop_of, title="Khăn", price=300000, stock=4)
    (default,) = product.variants
    form = {
        "title": "Khăn",
        "variants-0-id": default.id,
        "variants-0-name": "Chàm",
        "variants-0-price": "300000",
        "variants-0-stock": "4",
        "variants-1-name": "Chàm",
        "variants-1-price": "1",
        "variants-1-stock": "1",
    }
    response = post(client, f"/seller/products/{product.id}", form)
    assert response.status_code == 422
    html = page(response)
    assert 'id="variants-error"' in html and "Hai loại trùng tên nhau" in html


def test_archiving_hides_the_product(client, shop_of):
    product = make_product(shop_of)
    response = post(client, f"/seller/products/{product.id}/archive")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Product, product.id).status == "archived"


def test_another_shops_product_is_not_theirs(client, shop_of):
    other = make_product(make_shop())
    assert client.get(f"/seller/products/{other.id}").status_code == 403
    assert post(client, f"/seller/products/{other.id}", PRODUCT_FORM).status_code == 403
    assert post(client, f"/seller/products/{other.id}/archive").status_code == 403
    assert client.get(f"/seller/products/{other.id}/label").status_code == 403
    draft = make_product(make_shop(), status="draft")
    assert client.get(f"/seller/products/{draft.id}").status_code == 404
    db.session.expire_all()
    assert db.session.get(Product, other.id).status == "active"


def test_the_printable_label(client, shop_of):
    product = make_product(shop_of, title="Chè Shan tuyết")
    html = page(client.get(f"/seller/products/{product.id}/label"))
    assert "<svg" in html and "<?xml" not in html
    assert f"/t/{product.trace_code}" in html
    png = client.get(f"/seller/products/{product.id}/label?format=png")
    assert png.mimetype == "image/png" and png.data.startswith(b"\x89PNG")
    svg = client.get(f"/seller/products/{product.id}/label?format=svg")
    assert svg.mimetype == "image/svg+xml"
    assert "attachment" in svg.headers["Content-Disposition"]


# --- orders --------------------------------------------------------------------------------------


@pytest.fixture
def placed_order(client, auth, shop_of):
    """A cash-on-delivery order of two scarves, placed by a buyer through the API."""
    product = make_product(shop_of, title="Khăn chàm", price=150000, stock=5)
    buyer, headers = auth.user("buyer")
    response = post_checkout(client, headers, line(product, 2))
    assert response.status_code == 201
    order_id = response.get_json()["orders"][0]["id"]
    return db.session.get(Order, order_id), buyer, product


def status_of(order) -> str:
    db.session.expire_all()
    return db.session.get(Order, order.id).status


def test_the_orders_page_lists_what_to_do(client, placed_order):
    order, _buyer, _product = placed_order
    html = page(client.get("/seller/orders?status=placed"))
    assert f"#{order.id[:8].upper()}" in html
    assert "Lò Thị Hoa" in html and "300.000 ₫" in html
    assert f"/seller/orders/{order.id}/confirm" in html
    assert page(client.get("/seller/orders?status=delivered")).count('class="order ') == 0


def test_confirm_ship_by_hand_and_deliver(client, placed_order):
    order, buyer, _product = placed_order
    base = f"/seller/orders/{order.id}"
    response = post(client, f"{base}/confirm")
    assert response.status_code == 303 and status_of(order) == "confirmed"
    assert "done=confirm" in response.headers["Location"]
    assert post(client, f"{base}/ship", {"carrier": "self"}).status_code == 303
    assert status_of(order) == "shipped"
    shipped = db.session.get(Order, order.id)
    assert (shipped.carrier, shipped.tracking_number) == (None, None)
    notice = notifications_of(buyer, "order_shipped")[0]
    assert "tự mang" in text_of(notice).body
    assert post(client, f"{base}/deliver").status_code == 303
    assert status_of(order) == "delivered"
    assert db.session.get(Order, order.id).payment_status == "paid"


def test_shipping_by_the_post_office_without_a_tracking_number(client, placed_order):
    order, buyer, _product = placed_order
    base = f"/seller/orders/{order.id}"
    post(client, f"{base}/confirm")
    response = post(client, f"{base}/ship", {"carrier": "Bưu điện (VNPost)", "tracking_number": ""})
    assert response.status_code == 303
    shipped = db.session.get(Order, order.id)
    assert (shipped.carrier, shipped.tracking_number) == ("Bưu điện (VNPost)", None)
    body = text_of(notifications_of(buyer, "order_shipped")[0]).body
    assert "Bưu điện (VNPost)" in body and "mã vận đơn" not in body


def test_shipping_with_a_carrier_and_tracking_number(client, placed_order):
    order, buyer, _product = placed_order
    base = f"/seller/orders/{order.id}"
    post(client, f"{base}/confirm")
    form = {"carrier": "other", "other_carrier": "Xe khách Mộc Châu", "tracking_number": "MC-42"}
    assert post(client, f"{base}/ship", form).status_code == 303
    shipped = db.session.get(Order, order.id)
    assert (shipped.carrier, shipped.tracking_number) == ("Xe khách Mộc Châu", "MC-42")
    assert "MC-42" in text_of(notifications_of(buyer, "order_shipped")[0]).body


def test_a_tracking_number_without_a_carrier_is_422_with_the_values_kept(client, placed_order):
    order, _buyer, _product = placed_order
    base = f"/seller/orders/{order.id}"
    post(client, f"{base}/confirm")
    response = post(client, f"{base}/ship", {"carrier": "other", "tracking_number": "VN123"})
    assert response.status_code == 422
    html = page(response)
    assert 'id="carrier-error"' in html and 'value="VN123"' in html
    assert status_of(order) == "confirmed"


def test_a_move_the_order_does_not_allow_is_409(client, placed_order):
    order, _buyer, _product = placed_order
    response = post(client, f"/seller/orders/{order.id}/deliver")
    assert response.status_code == 409
    assert f"order-{order.id}" in page(response)
    assert status_of(order) == "placed"


def test_cancel_returns_the_stock(client, placed_order):
    order, _buyer, product = placed_order
    response = post(client, f"/seller/orders/{order.id}/cancel", {"reason": "Hết hàng"})
    assert response.status_code == 303
    assert status_of(order) == "cancelled"
    assert db.session.get(Product, product.id).variants[0].stock == 5


def test_a_return_needs_a_reason_and_may_restock(client, placed_order):
    order, _buyer, product = placed_order
    base = f"/seller/orders/{order.id}"
    post(client, f"{base}/confirm")
    post(client, f"{base}/ship", {"carrier": "self"})
    response = post(client, f"{base}/return", {"reason": "", "restock": "1"})
    assert response.status_code == 422 and 'id="reason-error"' in page(response)
    assert (
        post(client, f"{base}/return", {"reason": "Khách trả", "restock": "1"}).status_code == 303
    )
    assert status_of(order) == "returned"
    assert db.session.get(Product, product.id).variants[0].stock == 5


def test_an_unknown_move_and_another_shops_order_are_404(client, auth, placed_order):
    order, _buyer, _product = placed_order
    assert post(client, f"/seller/orders/{order.id}/explode").status_code == 404
    other = make_product(make_shop())
    _buyer2, headers = auth.user("buyer")
    other_order = post_checkout(client, headers, line(other)).get_json()["orders"][0]["id"]
    assert post(client, f"/seller/orders/{other_order}/confirm").status_code == 404


def test_marking_a_bank_transfer_paid(client, auth, shop_of):
    shops.update_shop(
        shop_of,
        {
            "bank_account": {
                "bank_bin": VCB,
                "account_number": "0123456789",
                "account_name": "GIANG THI SAU",
            }
        },
    )
    product = make_product(shop_of, price=200000)
    _buyer, headers = auth.user("buyer")
    response = post_checkout(client, headers, line(product), payment_method="bank_transfer")
    order_id = response.get_json()["orders"][0]["id"]
    html = page(client.get("/seller/orders?status=pending_payment"))
    assert f"/seller/orders/{order_id}/mark-paid" in html
    assert post(client, f"/seller/orders/{order_id}/mark-paid").status_code == 303
    order = db.session.get(Order, order_id)
    assert (order.status, order.payment_status) == ("placed", "paid")


def test_the_day_at_a_glance(client, placed_order):
    order, _buyer, product = placed_order
    html = page(client.get("/seller"))
    assert f"#{order.id[:8].upper()}" in html
    assert order.total == 330000  # two scarves and the shipping fee
    assert "330k" in html  # today's bar says its amount
    assert "330.000 ₫" in html
    assert "<svg" in html and "<script" not in html.split("</head>")[1]


def test_low_stock_shows_on_the_day_at_a_glance(client, shop_of):
    make_product(shop_of, title="Mật ong hoa ban", stock=1)
    make_product(shop_of, title="Khăn nhiều", stock=50)
    html = page(client.get("/seller"))
    assert "Mật ong hoa ban" in html and "Khăn nhiều" not in html


# --- OCOP ----------------------------------------------------------------------------------------


OCOP_FORM = {
    "stars": "4",
    "certificate_number": "OCOP-SL-2026-042",
    "issuer": "UBND tỉnh Sơn La",
    "issued_on": "2026-03-01",
    "expires_on": "2029-03-01",
}


def test_applying_for_ocop_with_a_photo_of_the_certificate(client, shop_of):
    product = make_product(shop_of, title="Chè Shan tuyết")
    evidence = {"evidence": [(heic((800, 600)), "giay.HEIC")]}
    response = post(client, "/seller/ocop", {**OCOP_FORM, "product_id": product.id}, evidence)
    assert response.status_code == 303
    application = db.session.scalar(sa.select(OcopApplication))
    assert (application.product_id, application.stars, application.status) == (
        product.id,
        4,
        "pending",
    )
    assert len(application.evidence) == 1
    html = page(client.get("/seller/ocop"))
    assert "Chè Shan tuyết" in html and "Chờ xét duyệt" in html
    again = post(client, "/seller/ocop", {**OCOP_FORM, "product_id": product.id})
    assert again.status_code == 409
    assert value_of(page(again), "certificate_number") == "OCOP-SL-2026-042"


def test_a_failed_ocop_form_keeps_its_values(client, shop_of):
    product = make_product(shop_of)
    form = {**OCOP_FORM, "product_id": product.id, "expires_on": "mai", "issuer": ""}
    response = post(client, "/seller/ocop", form)
    assert response.status_code == 422
    html = page(response)
    assert value_of(html, "certificate_number") == "OCOP-SL-2026-042"
    assert 'id="expires_on-error"' in html and 'id="issuer-error"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OcopApplication)) == 0
    wrong_order = {**OCOP_FORM, "product_id": product.id, "expires_on": "2025-01-01"}
    response = post(client, "/seller/ocop", wrong_order)
    assert response.status_code == 422 and "Phải sau ngày cấp" in page(response)


def test_ocop_for_another_shops_product_is_refused(client, shop_of):
    other = make_product(make_shop())
    response = post(client, "/seller/ocop", {**OCOP_FORM, "product_id": other.id})
    assert response.status_code in (403, 422)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OcopApplication)) == 0


def test_english_pages(client, shop_of):
    html = page(client.get("/seller/products?lang=en"))
    assert '<html lang="en">' in html and "Add a product" in html


def test_a_form_may_carry_several_camera_photos_each_checked_on_its_own(
    client, shop_of, app_config
):
    # Six photos' worth (2.2 MB here) go through, though an API body stops at 1 MB.
    app_config(MEDIA_MAX_BYTES=200_000, MAX_CONTENT_LENGTH=1_000_000)
    big = b"\xff\xd8\xff" + b"\x00" * 1_500_000  # one photo over the limit, in a body under it
    photos = {"photos": [(jpeg((400, 300)), "a.jpg"), (jpeg((400, 300)), "b.jpg"), (big, "c.jpg")]}
    response = post(client, "/seller/products", PRODUCT_FORM, photos)
    assert response.status_code == 422
    html = page(response)
    assert "c.jpg" in html and 'id="photos-error"' in html
    assert len(re.findall(r'name="image_ids" value="[0-9a-f]+"', html)) == 2
    # More than six photos' worth in one send is refused whole (the browser says so).
    huge = {"photos": [(b"\x00" * 2_500_000, "d.jpg")]}
    assert post(client, "/seller/products", PRODUCT_FORM, huge).status_code == 413


def test_the_next_livestream_shows_on_the_day_at_a_glance(client, shop_of):
    live = make_livestream(shop_of, title="Phiên chợ thổ cẩm tối thứ Bảy")
    html = page(client.get("/seller"))
    assert "Phiên chợ thổ cẩm tối thứ Bảy" in html
    assert f"/livestreams/{live.id}" in html
