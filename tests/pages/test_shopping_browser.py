"""The purchase journey in Debian's Chromium: a visitor fills a cart from two shops, signs in
(the cart survives), checks out with cash on delivery to Xã Vân Hồ, sees both orders and
cancels one (stock returns); another buyer pays by bank transfer and sees the VietQR code; once
in English. At 390 × 844 and 1366 × 768, with scripts on and off; /cart's first load weighed
from the network events; axe-core on the cart, checkout and order pages.

Screenshots go to /tmp/cho-phien-shots/shopping/ (artefacts, not committed).
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from marketplace.extensions import db
from marketplace.models import CartItem, Order, ProductVariant
from marketplace.services.orders import bank_accounts
from tests.factories import PASSWORD, make_product, make_shop, make_user
from tests.factories.bank import account
from tests.factories.pages import add_photo
from tests.pages.conftest import PHONE, PhoneSession

pytestmark = pytest.mark.live

SHOTS = Path("/tmp/cho-phien-shots/shopping")
DESKTOP = {"width": 1366, "height": 768}
PAGE_WEIGHT_LIMIT = 150 * 1024
AXE = Axe()
CART = re.compile(r".*/cart(\?.*)?$")


@pytest.fixture
def shopper(browser, live_server):
    """``shopper(viewport, scripts=True, locale="vi-VN")``: a fresh browser context on the
    live server, recording console errors and requests that leave 127.0.0.1."""
    contexts = []

    def open_session(viewport=PHONE, *, scripts=True, locale="vi-VN") -> PhoneSession:
        context = browser.new_context(
            viewport=viewport,
            locale=locale,
            timezone_id="Asia/Ho_Chi_Minh",
            device_scale_factor=1,
            java_script_enabled=scripts,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        session = PhoneSession(context.new_page(), live_server)

        def only_loopback(route):
            if urlsplit(route.request.url).hostname == "127.0.0.1":
                route.continue_()
            else:
                session.problems.append(f"request off the machine: {route.request.url}")
                route.abort()

        context.route("**/*", only_loopback)
        session.page.on(
            "console",
            lambda m: session.problems.append(f"console: {m.text}") if m.type == "error" else None,
        )
        session.page.on("pageerror", lambda error: session.problems.append(f"page error: {error}"))
        return session

    yield open_session
    for context in contexts:
        context.close()


@pytest.fixture
def market():
    SHOTS.mkdir(parents=True, exist_ok=True)
    tea_shop = make_shop(name="Chè Shan tuyết Bản Lướt", shipping_fee=25000)
    brocade_shop = make_shop(name="Thổ cẩm Cỏ Chàm", shipping_fee=35000, local_shipping_fee=20000)
    tea = make_product(tea_shop, title="Chè Shan tuyết cổ thụ 200 g", price=120000, stock=5)
    scarf = make_product(
        brocade_shop,
        title="Túi thổ cẩm Mông",
        variants=[
            {"options": {"cỡ": "nhỏ"}, "price": 200000, "stock": 3},
            {"options": {"cỡ": "lớn"}, "price": 250000, "stock": 4},
        ],
    )
    make_user(name="Lò Thị Mai", email="mai@example.test", phone="+84912345678")
    return {"tea": tea, "scarf": scarf, "shops": (tea_shop, brocade_shop)}


def shot(session: PhoneSession, name: str) -> None:
    session.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def no_serious_violations(session: PhoneSession, where: str) -> list[str]:
    results = AXE.run(session.page)
    found = [
        f"{where}: {v['id']} ({v['impact']}) {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert found == []
    others = [f"{v['id']} ({v['impact']})" for v in results.response["violations"]]
    print(f"axe {where}: no serious or critical; others: {others or 'none'}")
    return others


def fits(session: PhoneSession, width: int) -> None:
    assert session.page.evaluate("document.documentElement.scrollWidth") <= width


def stock(variant_id: str) -> int:
    db.session.expire_all()
    value = db.session.get(ProductVariant, variant_id).stock
    db.session.commit()
    return value


def add_to_cart(session: PhoneSession, product, kind: str | None = None, button="Thêm vào giỏ"):
    session.visit(f"/products/{product.id}")
    if kind:
        session.page.get_by_label(kind).check()
    session.page.get_by_role("button", name=button).click()
    session.page.wait_for_url("**/cart?added=*")


def sign_in_here(session: PhoneSession, login="mai@example.test", link="Đăng nhập"):
    session.page.get_by_role("link", name=link).click()
    session.page.locator("#login").fill(login)
    session.page.locator("#password").fill(PASSWORD)
    session.page.locator("#password").press("Enter")


def sign_up_here(session: PhoneSession, phone: str):
    """From any page: "Đăng nhập", then "Tạo tài khoản" with a phone number."""
    session.page.get_by_role("link", name="Đăng nhập").click()
    session.page.get_by_role("link", name="Tạo tài khoản").click()
    session.page.locator("#name").fill("Lò Thị Mai")
    session.page.locator("#login").fill(phone)
    session.page.locator("#password").fill(PASSWORD)
    session.page.get_by_role("button", name="Tạo tài khoản").click()


def fill_address(session: PhoneSession, *, scripts: bool, choose="Chọn"):
    page = session.page
    page.locator("#name").fill("Lò Thị Mai")
    page.locator("#phone").fill("0912 345 678")
    page.locator("#line1").fill("Bản Pa Chè")
    page.locator("#province").select_option("14")
    if scripts:
        # The communes come from /api/v1/places/provinces/14/communes.
        expect(page.locator("#commune option", has_text="Xã Vân Hồ")).to_have_count(1)
    else:
        page.get_by_role("button", name=choose, exact=True).click()
        expect(page.locator("#line1")).to_have_value("Bản Pa Chè")  # values kept
    page.locator("#commune").select_option(label="Xã Vân Hồ")
    if scripts:
        # Shipping changes with the province (the brocade shop's local fee): show it again.
        page.get_by_role("button", name=choose, exact=True).click()
        expect(page.locator("#commune")).to_have_value("04048")


def orders_of(email: str | None = None, *, phone: str | None = None) -> list[Order]:
    db.session.expire_all()
    from marketplace.models import User

    found = User.email == email if email else User.phone == phone
    user = db.session.scalar(db.select(User).where(found))
    orders = db.session.scalars(db.select(Order).where(Order.buyer_id == user.id)).all()
    db.session.commit()
    return orders


@contextmanager
def weighing(session: PhoneSession):
    """Bytes transferred by the page's requests (headers and encoded bodies)."""
    sizes: list[int] = []

    def finished(request):
        measured = request.sizes()
        sizes.append(measured["responseBodySize"] + measured["responseHeadersSize"])

    session.page.on("requestfinished", finished)
    yield sizes
    session.page.remove_listener("requestfinished", finished)


@pytest.mark.parametrize(
    ("viewport", "scripts"),
    [(PHONE, True), (PHONE, False), (DESKTOP, True), (DESKTOP, False)],
    ids=["390-scripts", "390-no-scripts", "1366-scripts", "1366-no-scripts"],
)
def test_cash_on_delivery_journey(shopper, market, viewport, scripts):
    label = f"{viewport['width']}-{'js' if scripts else 'nojs'}"
    session = shopper(viewport, scripts=scripts)
    page = session.page
    tea_variant = market["tea"].variants[0].id
    big_bag = market["scarf"].variants[1].id

    add_to_cart(session, market["tea"])
    if label == "390-js":
        session.visit(f"/products/{market['scarf'].id}")
        shot(session, "01-product-buy-box-390")
    add_to_cart(session, market["scarf"], kind="cỡ: lớn")
    expect(page.locator(".shop-part")).to_have_count(2)
    expect(page.locator(".count")).to_have_text("2")
    expect(page.locator(".grand strong")).to_have_text("430.000 ₫")  # 120 + 25 + 250 + 35
    fits(session, viewport["width"])
    shot(session, f"02-cart-anonymous-{label}")

    sign_up_here(session, "0987 654 321")
    page.wait_for_url(CART)
    expect(page.locator(".shop-part")).to_have_count(2)  # the cart survived signing up
    page.get_by_role("link", name="Đặt hàng").click()
    page.wait_for_url("**/checkout")
    fill_address(session, scripts=scripts)
    # The brocade shop delivers in its own province for 20.000 ₫.
    expect(page.locator(".grand strong")).to_have_text("415.000 ₫")
    fits(session, viewport["width"])
    shot(session, f"03-checkout-{label}")
    if scripts:
        no_serious_violations(session, "checkout")
    page.get_by_label("Thanh toán khi nhận hàng (COD)").check()
    page.get_by_role("button", name="Đặt hàng").click()
    page.wait_for_url("**/orders/*?placed=1")
    expect(page.locator(".ok-note")).to_contain_text("tạo 2 đơn")
    expect(page.locator(".order-list li")).to_have_count(2)
    shot(session, f"04-order-placed-{label}")
    if scripts:
        no_serious_violations(session, "order")

    orders = orders_of(phone="+84987654321")
    assert len(orders) == 2
    assert {o.shipping_address["commune"] for o in orders} == {"Xã Vân Hồ"}
    assert stock(tea_variant) == 4 and stock(big_bag) == 3

    page.get_by_role("link", name="Đơn của tôi").first.click()
    page.wait_for_url("**/orders")
    expect(page.locator(".order-card")).to_have_count(2)
    shot(session, f"05-my-orders-{label}")
    if scripts:
        no_serious_violations(session, "orders")
    page.locator(".order-card", has_text="Chè Shan tuyết Bản Lướt").click()
    page.locator("summary", has_text="Hủy đơn này").click()
    page.get_by_label("Lý do (không bắt buộc)").fill("Đặt nhầm")
    page.get_by_role("button", name="Hủy đơn", exact=True).click()
    expect(page.locator(".order-top .status")).to_have_text("Đã hủy")
    expect(page.locator(".history")).to_contain_text("Đặt nhầm")
    assert stock(tea_variant) == 5  # the stock came back
    shot(session, f"06-order-cancelled-{label}")
    session.assert_clean()


def test_bank_transfer_shows_the_vietqr_code(shopper, market, browser):
    for n, shop in enumerate(market["shops"]):
        bank_accounts.set_bank_account(shop, account(n))
    buyer = make_user(name="Hà Văn Tú", email="tu@example.test")
    db.session.add(CartItem(user_id=buyer.id, variant_id=market["tea"].variants[0].id, quantity=2))
    db.session.commit()
    session = shopper(PHONE)
    session.visit("/signin?next=/checkout")
    session.page.locator("#login").fill("tu@example.test")
    session.page.locator("#password").fill(PASSWORD)
    session.page.locator("#password").press("Enter")
    session.page.wait_for_url("**/checkout")
    fill_address(session, scripts=True)
    session.page.get_by_label("Chuyển khoản ngân hàng (VietQR)").check()
    session.page.get_by_role("button", name="Đặt hàng").click()
    session.page.wait_for_url("**/orders/*?placed=1")
    qr = session.page.locator("img.qr")
    expect(qr).to_be_visible()
    session.page.wait_for_function(
        "() => { const i = document.querySelector('img.qr'); "
        "return i.complete && i.naturalWidth > 0; }"
    )
    expect(session.page.locator(".qr-box")).to_contain_text("265.000 ₫")  # 2 × 120 + 25
    fits(session, 390)
    shot(session, "07-bank-transfer-qr-390")
    no_serious_violations(session, "order with QR")
    print(f"order page with its QR, first load: {cold_weight(browser, session)} bytes")
    session.assert_clean()


def cold_weight(browser, session: PhoneSession) -> int:
    """Bytes the page now shown takes on a cold cache (the same session cookie)."""
    state = session.page.context.storage_state()
    context = browser.new_context(viewport=PHONE, locale="vi-VN", storage_state=state)
    try:
        page = context.new_page()
        weights: list[int] = []
        page.on(
            "requestfinished",
            lambda r: weights.append(
                r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"]
            ),
        )
        page.goto(session.page.url)
        page.wait_for_load_state("networkidle")
        assert 0 < sum(weights) <= PAGE_WEIGHT_LIMIT
        return sum(weights)
    finally:
        context.close()


def test_the_journey_in_english(shopper, market):
    session = shopper(DESKTOP, locale="en-GB")
    page = session.page
    session.visit(f"/products/{market['tea'].id}?lang=en")
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url("**/cart?added=*")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your cart")
    sign_in_here(session, link="Sign in")
    page.wait_for_url(CART)
    page.get_by_role("link", name="Check out").click()
    fill_address(session, scripts=True, choose="Choose")
    page.get_by_label("Cash on delivery").check()
    shot(session, "08-checkout-english-1366")
    page.get_by_role("button", name="Place the order").click()
    page.wait_for_url("**/orders/*?placed=1")
    expect(page.locator(".ok-note")).to_have_text(re.compile("Thank you! Your order is placed."))
    shot(session, "09-order-english-1366")
    session.assert_clean()


def test_a_province_picked_before_the_script_arrives_still_gets_its_communes(shopper, market):
    """On slow 4G the buyer may choose the province while shopping.js is still on its way."""
    session = shopper(PHONE)
    page = session.page
    add_to_cart(session, market["tea"])
    sign_in_here(session)
    page.wait_for_url(CART)
    held = []
    page.route("**/static/shopping.js*", lambda route: held.append(route))
    page.goto(session.base + "/checkout", wait_until="commit")
    page.locator("#province").select_option("14")
    expect(page.locator("#commune option", has_text="Xã Vân Hồ")).to_have_count(0)
    held[0].continue_()
    expect(page.locator("#commune option", has_text="Xã Vân Hồ")).to_have_count(1)
    session.assert_clean()


def test_cart_and_checkout_with_the_keyboard(shopper, market):
    session = shopper(PHONE)
    page = session.page
    add_to_cart(session, market["tea"])
    quantity = page.get_by_label("Số lượng Chè Shan tuyết cổ thụ 200 g")
    quantity.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("3")
    page.keyboard.press("Enter")  # the line's form: "Cập nhật"
    expect(page.locator(".line-total").first).to_have_text("360.000 ₫")
    sign_in_here(session)
    page.wait_for_url(CART)
    page.get_by_role("link", name="Đặt hàng").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/checkout")
    fill_address(session, scripts=True)
    page.locator("#note").focus()
    page.keyboard.type("Gọi trước khi giao")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Đặt hàng"
    page.keyboard.press("Enter")
    page.wait_for_url("**/orders/*?placed=1")
    assert orders_of("mai@example.test")[0].note == "Gọi trước khi giao"
    session.assert_clean()


def test_first_load_weights_and_axe(shopper, market, browser, live_server):
    buyer = make_user(name="Quàng Văn Dũng", email="dung@example.test")
    for product in (market["tea"], market["scarf"]):
        add_photo(product)
        db.session.add(CartItem(user_id=buyer.id, variant_id=product.variants[0].id, quantity=1))
    db.session.commit()
    session = shopper(PHONE)
    # Signed in through the context's own request client: the page's cache stays cold.
    signin = session.page.request.get(live_server + "/signin").text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', signin).group(1)
    session.page.request.post(
        live_server + "/signin",
        form={"login": "dung@example.test", "password": PASSWORD, "csrf_token": token},
        max_redirects=0,
    )
    with weighing(session) as sizes:
        session.visit("/cart")
        session.page.wait_for_load_state("networkidle")
    transferred = sum(sizes)
    print(f"/cart first load: {transferred} bytes in {len(sizes)} requests")
    assert 0 < transferred <= PAGE_WEIGHT_LIMIT
    expect(session.page.locator(".shop-part")).to_have_count(2)
    expect(session.page.locator("img.pic")).to_have_count(2)
    shot(session, "10-cart-signed-in-390")
    no_serious_violations(session, "cart")
    # The checkout and my orders, each on a cold cache too (the same session cookie).
    for path in ("/checkout", "/orders"):
        session.visit(path)
        print(f"{path} first load: {cold_weight(browser, session)} bytes")
    session.visit("/orders")
    no_serious_violations(session, "orders (empty)")
    session.assert_clean()
