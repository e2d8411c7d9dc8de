"""The buyer's purchase in pages: the cart (session, then the account's), checkout with cash on
delivery or bank transfer, my orders with cancel and "received" — through the Flask client."""

from __future__ import annotations

import json
import re
import time

import pytest

from marketplace.extensions import db
from marketplace.models import CartItem, Checkout, IdempotencyKey, Order, ProductVariant
from marketplace.services.orders import actions, bank_accounts
from tests.factories import PASSWORD, make_product, make_shop, make_user
from tests.factories.bank import account
from tests.pages.conftest import csrf_token, sign_in

VAN_HO = {"province": "14", "commune": "Vân Hồ"}
KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')
TOTAL = re.compile(r'name="expected_total" value="(\d+)"')
PRICE = re.compile(r'name="(price_[0-9a-f]+)" value="(\d+)"')


@pytest.fixture
def world():
    tea_shop = make_shop(name="Chè Shan tuyết Bản Lướt", shipping_fee=25000)
    brocade_shop = make_shop(name="Thổ cẩm Cỏ Chàm", shipping_fee=30000)
    tea = make_product(tea_shop, title="Chè Shan tuyết", price=120000, stock=5)
    scarf = make_product(brocade_shop, title="Khăn thổ cẩm", price=150000, stock=7)
    buyer = make_user(name="Lò Thị Mai", email="mai@example.test", phone="+84912345678")
    return {"tea": tea, "scarf": scarf, "buyer": buyer, "shops": (tea_shop, brocade_shop)}


def token(client) -> str:
    """A CSRF token of the client's session, signed in or not."""
    page = client.get("/signin")
    if page.status_code == 302:
        return csrf_token(client, "/orders")
    return csrf_token(client)


def variant_of(product) -> str:
    return product.variants[0].id


def add(client, product, quantity="1"):
    form = {
        "variant_id": variant_of(product),
        "quantity": quantity,
        "product_id": product.id,
        "csrf_token": token(client),
    }
    return client.post("/cart/items", data=form)


def stock(product) -> int:
    db.session.expire_all()
    return db.session.get(ProductVariant, variant_of(product)).stock


def checkout_form(client, **changes) -> dict:
    page = client.get("/checkout").get_data(as_text=True)
    form = {
        "csrf_token": csrf_token(client, "/checkout"),
        "idempotency_key": KEY.search(page).group(1),
        "name": "Lò Thị Mai",
        "phone": "0912 345 678",
        "line1": "Bản Pa Chè",
        "country": "VN",
        "payment_method": "cod",
        "note": "",
        **VAN_HO,
    }
    form.update(dict(PRICE.findall(page)))
    total = TOTAL.search(page)
    if total:
        form["expected_total"] = total.group(1)
    form.update(changes)
    return form


def test_product_page_has_the_add_to_cart_form(client, world):
    page = client.get(f"/products/{world['tea'].id}").get_data(as_text=True)
    assert 'action="/cart/items"' in page and "Thêm vào giỏ" in page
    assert f'name="variant_id" value="{variant_of(world["tea"])}"' in page
    assert 'inputmode="numeric"' in page


def test_anonymous_cart_by_shop_with_the_quotes_shipping(client, world):
    response = add(client, world["tea"], "2")
    assert response.status_code == 303 and response.headers["Location"].startswith("/cart")
    add(client, world["scarf"])
    page = client.get("/cart").get_data(as_text=True)
    assert "Chè Shan tuyết Bản Lướt" in page and "Thổ cẩm Cỏ Chàm" in page
    assert "240.000 ₫" in page and "25.000 ₫" in page  # tea 2 × 120.000, its shipping
    assert "150.000 ₫" in page and "30.000 ₫" in page
    assert "445.000 ₫" in page  # 240 + 25 + 150 + 30
    assert '<span class="count">2</span>' in page  # the header's badge


def test_quantity_zero_removes_and_bad_quantities_are_422(client, world):
    add(client, world["tea"])
    token = csrf_token(client, "/cart")
    path = f"/cart/items/{variant_of(world['tea'])}"
    bad = client.post(path, data={"quantity": "-3", "csrf_token": token})
    assert bad.status_code == 422
    assert "Nhập một số nguyên từ 0 đến 999." in bad.get_data(as_text=True)
    assert client.post(path, data={"quantity": "4", "csrf_token": token}).status_code == 303
    assert "480.000 ₫" in client.get("/cart").get_data(as_text=True)
    assert client.post(path, data={"quantity": "0", "csrf_token": token}).status_code == 303
    assert "Giỏ hàng của bạn đang trống." in client.get("/cart").get_data(as_text=True)


def test_cannot_add_what_is_not_on_sale(client, world):
    world["tea"].status = "archived"
    db.session.commit()
    response = add(client, world["tea"])
    assert response.status_code == 422
    assert "Sản phẩm này hiện không mua được." in response.get_data(as_text=True)
    assert client.post("/cart/items", data={"variant_id": "x"}).status_code == 400  # no CSRF


def test_the_session_cart_joins_the_account_at_sign_in(client, world):
    db.session.add(
        CartItem(user_id=world["buyer"].id, variant_id=variant_of(world["tea"]), quantity=1)
    )
    db.session.commit()
    add(client, world["tea"], "2")
    add(client, world["scarf"])
    assert sign_in(client, "mai@example.test", PASSWORD).status_code == 302
    db.session.expire_all()
    saved = {item.variant_id: item.quantity for item in db.session.scalars(db.select(CartItem))}
    assert saved == {variant_of(world["tea"]): 3, variant_of(world["scarf"]): 1}
    # Another device: the same cart.
    other = client.application.test_client()
    sign_in(other, "mai@example.test", PASSWORD)
    assert "Khăn thổ cẩm" in other.get("/cart").get_data(as_text=True)


def test_checkout_needs_sign_in(client, world):
    response = client.get("/checkout")
    assert response.status_code == 302 and "/signin?next=/checkout" in response.headers["Location"]


def test_cod_checkout_makes_one_order_per_shop_and_a_double_submit_makes_one(client, world):
    sign_in(client, "mai@example.test", PASSWORD)
    add(client, world["tea"], "2")
    add(client, world["scarf"])
    form = checkout_form(client)
    assert form["expected_total"] == "445000"
    first = client.post("/checkout", data=form)
    assert first.status_code == 303, first.get_data(as_text=True)
    again = client.post("/checkout", data=form)
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Checkout)) == 1
    orders = db.session.scalars(db.select(Order)).all()
    assert len(orders) == 2 and {o.status for o in orders} == {"placed"}
    address = orders[0].shipping_address
    assert address["commune"] == "Xã Vân Hồ" and address["province"] == "Sơn La"
    assert stock(world["tea"]) == 3
    assert db.session.scalar(db.select(db.func.count()).select_from(CartItem)) == 0
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "Cảm ơn bạn! Lần đặt này tạo 2 đơn, mỗi gian hàng một đơn." in page
    assert "Chè Shan tuyết Bản Lướt" in page and "Thổ cẩm Cỏ Chàm" in page


def test_checkout_errors_keep_the_values_beside_their_fields(client, world):
    sign_in(client, "mai@example.test", PASSWORD)
    add(client, world["tea"])
    form = checkout_form(client, phone="12", commune="Không có", line1="Bản Pa Chè 7")
    response = client.post("/checkout", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="phone-error"' in page and 'id="commune-error"' in page
    assert 'value="Bản Pa Chè 7"' in page and 'value="12"' in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Order)) == 0


def test_choose_shows_the_provinces_communes_without_scripts(client, world):
    sign_in(client, "mai@example.test", PASSWORD)
    add(client, world["tea"])
    form = checkout_form(client, province="14", commune="", choose="1", line1="Bản Pa Chè 9")
    response = client.post("/checkout", data=form)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Xã Vân Hồ" in page and 'value="Bản Pa Chè 9"' in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Order)) == 0


def test_a_changed_price_is_shown_and_asked_again(client, world):
    sign_in(client, "mai@example.test", PASSWORD)
    add(client, world["tea"])
    form = checkout_form(client)
    db.session.get(ProductVariant, variant_of(world["tea"])).price = 130000
    db.session.commit()
    response = client.post("/checkout", data=form)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Giá hiện là 130.000 ₫ (trước là 120.000 ₫)." in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Order)) == 0
    again = client.post("/checkout", data=checkout_form(client))
    assert again.status_code == 303
    assert db.session.scalar(db.select(Order.total)) == 130000 + 25000


def test_out_of_stock_names_the_line(client, world):
    sign_in(client, "mai@example.test", PASSWORD)
    add(client, world["tea"], "4")
    form = checkout_form(client)
    db.session.get(ProductVariant, variant_of(world["tea"])).stock = 2
    db.session.commit()
    response = client.post("/checkout", data=form)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Không đủ hàng: Chè Shan tuyết." in page
    assert "Chỉ còn 2: hãy giảm số lượng trong giỏ." in page
    assert 'value="Bản Pa Chè"' in page


def test_bank_transfer_shows_the_vietqr_code(client, world):
    for n, shop in enumerate(world["shops"]):
        bank_accounts.set_bank_account(shop, account(n))
    db.session.commit()
    sign_in(client, "mai@example.test", PASSWORD)
    add(client, world["tea"])
    response = client.post("/checkout", data=checkout_form(client, payment_method="bank_transfer"))
    assert response.status_code == 303
    order_path = response.headers["Location"].split("?")[0]
    page = client.get(order_path).get_data(as_text=True)
    assert "Chuyển khoản ngân hàng" in page and f'src="{order_path}/qr.svg"' in page
    qr = client.get(f"{order_path}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"


def test_cancel_returns_the_stock_and_received_after_shipping(client, world):
    sign_in(client, "mai@example.test", PASSWORD)
    add(client, world["tea"], "2")
    add(client, world["scarf"])
    client.post("/checkout", data=checkout_form(client))
    tea_order, scarf_order = (
        db.session.scalar(db.select(Order).where(Order.shop_id == shop.id))
        for shop in world["shops"]
    )
    token = csrf_token(client, f"/orders/{tea_order.id}")
    cancelled = client.post(
        f"/orders/{tea_order.id}/cancel", data={"reason": "Đặt nhầm", "csrf_token": token}
    )
    assert cancelled.status_code == 303
    assert stock(world["tea"]) == 5
    page = client.get(f"/orders/{tea_order.id}").get_data(as_text=True)
    assert "Đã hủy" in page and "Đặt nhầm" in page
    again = client.post(f"/orders/{tea_order.id}/cancel", data={"csrf_token": token})
    assert again.status_code == 409
    owner = world["shops"][1].owner
    actions.confirm_order(scarf_order.id, owner)
    actions.ship_order(scarf_order.id, owner, carrier="VNPost", tracking_number="EB1")
    page = client.get(f"/orders/{scarf_order.id}").get_data(as_text=True)
    assert "Hủy đơn này" not in page and "Đã nhận hàng" in page
    received = client.post(f"/orders/{scarf_order.id}/deliver", data={"csrf_token": token})
    assert received.status_code == 303
    db.session.expire_all()
    assert db.session.get(Order, scarf_order.id).payment_status == "paid"


def test_only_the_buyer_sees_the_order(client, world):
    sign_in(client, "mai@example.test", PASSWORD)
    add(client, world["tea"])
    client.post("/checkout", data=checkout_form(client))
    order = db.session.scalar(db.select(Order))
    listing = client.get("/orders").get_data(as_text=True)
    assert f"/orders/{order.id}" in listing
    stranger = client.application.test_client()
    make_user(email="other@example.test")
    sign_in(stranger, "other@example.test", PASSWORD)
    assert stranger.get(f"/orders/{order.id}").status_code == 404
    assert stranger.get(f"/orders/{order.id}/qr.svg").status_code == 404
    token = csrf_token(stranger, "/orders")
    cancel = stranger.post(f"/orders/{order.id}/cancel", data={"csrf_token": token})
    assert cancel.status_code == 404
    assert f"/orders/{order.id}" not in stranger.get("/orders").get_data(as_text=True)


def test_pages_in_english(client, world):
    add(client, world["tea"])
    page = client.get("/cart?lang=en").get_data(as_text=True)
    assert "Your cart" in page and "Check out" in page and '<html lang="en">' in page


def test_idempotency_keys_of_pages_are_the_users(client, world):
    sign_in(client, "mai@example.test", PASSWORD)
    add(client, world["tea"])
    form = checkout_form(client)
    client.post("/checkout", data=form)
    key = db.session.scalar(db.select(IdempotencyKey))
    assert key.key == form["idempotency_key"] and key.response_status == 201


def test_a_total_that_moved_with_the_address_is_asked_again(client, world):
    world["shops"][1].local_shipping_fee = 10000  # the brocade shop, in Sơn La
    db.session.commit()
    sign_in(client, "mai@example.test", PASSWORD)
    add(client, world["scarf"])
    form = checkout_form(client)  # shown for Hà Nội: 150.000 + 30.000
    assert form["expected_total"] == "180000"
    response = client.post("/checkout", data=form)  # to Sơn La: 150.000 + 10.000
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Tổng tiền đã đổi theo địa chỉ." in page and "160.000 ₫" in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Order)) == 0
    again = client.post("/checkout", data={**form, "expected_total": "160000"})
    assert again.status_code == 303


def test_lines_that_cannot_be_bought_stay_in_the_cart(client, world):
    sign_in(client, "mai@example.test", PASSWORD)
    add(client, world["tea"])
    add(client, world["scarf"])
    world["scarf"].variants[0].stock = 0
    db.session.commit()
    page = client.get("/checkout").get_data(as_text=True)
    assert "vẫn để trong giỏ" in page and "Khăn thổ cẩm" in page
    response = client.post("/checkout", data=checkout_form(client))
    assert response.status_code == 303
    assert [o.shop_id for o in db.session.scalars(db.select(Order))] == [world["shops"][0].id]
    left = db.session.scalars(db.select(CartItem.variant_id)).all()
    assert left == [variant_of(world["scarf"])]


def test_a_second_submit_while_the_first_runs_waits_then_says_so(client, world, monkeypatch):
    from marketplace.blueprints.pages import checkout as page
    from marketplace.services.orders import idempotency

    monkeypatch.setattr(page, "WAIT_FOR_FIRST_SUBMIT_SECONDS", 0.3)
    sign_in(client, "mai@example.test", PASSWORD)
    add(client, world["tea"])
    form = checkout_form(client)
    # The first submit of this very form holds its key and has not answered yet.
    fields = sorted((k, v) for k, v in form.items() if k != "csrf_token")
    body = json.dumps([list(pair) for pair in fields]).encode()
    fingerprint = idempotency.fingerprint("POST", "/checkout", body)
    idempotency.claim(world["buyer"].id, form["idempotency_key"], fingerprint)
    started = time.monotonic()
    response = client.post("/checkout", data=form)
    assert time.monotonic() - started >= 0.3  # it waited for the first (same form, same key)
    assert response.status_code == 409
    assert "Đơn này đang được đặt." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Order)) == 0
