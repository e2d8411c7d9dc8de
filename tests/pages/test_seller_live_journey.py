"""Selling live from a phone, in Debian's Chromium at 390 × 844, with scripts on and off: the
artisan schedules a livestream on Facebook with a live price, starts it, takes two orders from
comments, pins a product, sees the stock change by itself (scripts on; by a reload without them),
and ends it. A double tap on "Chốt đơn" makes one order. axe-core finds no serious or critical
violation; each page's bytes on first load are recorded. Screenshots: /tmp/cho-phien-shots/live/.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from marketplace.extensions import db
from marketplace.models import Livestream, LivestreamClaim, ProductVariant, User
from marketplace.models.base import utcnow
from tests.factories import PASSWORD
from tests.factories.pages import build_market
from tests.pages.conftest import PHONE

pytestmark = pytest.mark.live

SHOTS = Path("/tmp/cho-phien-shots/live")
LOCAL_OFFSET = timedelta(hours=7)
BIG_ENOUGH = 44  # px, the smallest touch target
SELLER_PAGE_BUDGET = 150 * 1024


@dataclass
class Phone:
    """A phone-sized browser context that records console errors, page errors and requests
    that tried to leave the machine."""

    page: Page
    base: str
    scripts: bool
    problems: list[str] = field(default_factory=list)

    def visit(self, path: str):
        db.session.commit()
        response = self.page.goto(self.base + path)
        assert response is not None
        return response

    def shot(self, name: str, *, full_page: bool = True) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{'js' if self.scripts else 'nojs'}-{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


def on_screen(page: Page, selector: str) -> None:
    """The element is in the phone's screen as the page opens (no scrolling to find it)."""
    page.wait_for_load_state("load")
    page.wait_for_function(
        """(selector) => { const r = document.querySelector(selector).getBoundingClientRect();
                           return r.top >= 0 && r.bottom <= window.innerHeight; }""",
        arg=selector,
        timeout=3_000,
    )


def open_phone(browser, base: str, *, scripts: bool, storage_state=None) -> Phone:
    context = browser.new_context(
        viewport=PHONE,
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        device_scale_factor=1,
        java_script_enabled=scripts,
        storage_state=storage_state,
    )
    context.set_default_timeout(10_000)
    phone = Phone(context.new_page(), base, scripts)

    def only_loopback(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            phone.problems.append(f"request off the machine: {route.request.url}")
            route.abort()

    context.route("**/*", only_loopback)

    def on_console(message):
        # A form sent back with its errors is a 422 by design, which Chromium logs as an error.
        if message.type == "error" and "status of 422" not in message.text:
            phone.problems.append(f"console: {message.text}")

    phone.page.on("console", on_console)
    phone.page.on("pageerror", lambda error: phone.problems.append(f"page error: {error}"))
    return phone


def no_serious_violations(page: Page, name: str) -> None:
    """axe-core on the page as it is: nothing serious or critical."""
    page.wait_for_load_state("load")
    results = Axe().run(page)
    bad = [
        f"{v['id']} ({v['impact']}): "
        + "; ".join(f"{n['target']} {n.get('failureSummary', '')[-160:]}" for n in v["nodes"][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{name}: {bad}"


def small_targets(page: Page) -> list[str]:
    """Buttons, links styled as buttons, inputs and selects of the page's main part that are
    less than 44 px high (inline text links aside)."""
    page.wait_for_load_state("load")  # its stylesheets applied
    return page.evaluate(
        """(min) => Array.from(document.querySelectorAll(
            'main button, main .button, main input:not([type=hidden]), main select, main summary,'
            + ' main .choice, .seller-tabs a'))
          .filter(e => e.offsetParent !== null)
          .filter(e => e.getBoundingClientRect().height < min
                       && !(e.type === 'checkbox' || e.type === 'radio'))
          .map(e => e.outerHTML.slice(0, 80))""",
        BIG_ENOUGH,
    )


def fits_the_screen(page: Page) -> None:
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def sign_in(phone: Phone, login: str, next_path: str) -> None:
    phone.visit(f"/signin?next={next_path}")
    phone.page.get_by_label("Email hoặc số điện thoại").fill(login)
    phone.page.get_by_label("Mật khẩu").fill(PASSWORD)
    phone.page.get_by_role("button", name="Đăng nhập").click()
    phone.page.wait_for_url(phone.base + next_path)


def read(statement):
    """One value, read in a transaction ended at once: on SQLite an open one would keep the
    server's writes waiting."""
    db.session.rollback()
    try:
        return db.session.scalar(statement)
    finally:
        db.session.rollback()


def claims_of(livestream_id: str) -> int:
    return read(sa.select(sa.func.count()).where(LivestreamClaim.livestream_id == livestream_id))


def stock_of(product_id: str) -> int:
    return read(
        sa.select(sa.func.sum(ProductVariant.stock)).where(ProductVariant.product_id == product_id)
    )


def livestream(livestream_id: str, column):
    return read(sa.select(column).where(Livestream.id == livestream_id))


def owner_login(market) -> str:
    return read(sa.select(User.email).where(User.id == market.shop.owner_id))


def take_claim(phone: Phone, comment: str, buyer: str, phone_number: str, *, double=False):
    page = phone.page
    page.get_by_label("Bình luận của khách").fill(comment)
    page.get_by_label("Tên người mua").fill(buyer)
    page.get_by_label("Số điện thoại người mua").fill(phone_number)
    page.get_by_label("Số nhà, đường, thôn bản").fill("Bản Cỏ Chàm")
    expect(page.get_by_label("Tỉnh, thành phố")).to_have_value("14")  # the shop's: Sơn La
    page.get_by_label("Xã, phường").fill("Vân Hồ")
    button = page.get_by_role("button", name="Chốt đơn")
    if double:
        # A thumb tapping twice on a slow connection: the second tap lands before the first
        # answer. Requests to /claims are held, then the first goes to the server (which does
        # its work even though the browser gave up on it) and the last one after it.
        held = []

        def hold(route):
            held.append(route)

        page.route("**/claims", hold)
        button.scroll_into_view_if_needed()
        box = button.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.click(x, y)
        page.wait_for_timeout(300)
        page.mouse.click(x, y)
        page.wait_for_timeout(300)
        for route in held[:-1]:
            response = route.fetch(max_redirects=0)
            with contextlib.suppress(PlaywrightError):
                route.fulfill(response=response)
        held[-1].continue_()
        page.unroute("**/claims", hold)
        page.wait_for_load_state("load")
    else:
        button.click()
    expect(page.locator(".done")).to_contain_text("Đã chốt:")


@pytest.mark.parametrize("scripts", [True, False], ids=["scripts", "no-scripts"])
def test_an_artisan_sells_live_from_her_phone(browser, live_server, scripts):
    market = build_market(photo=False)
    scarf_id, bag_id = market.scarf.id, market.bag.id
    login = owner_login(market)
    phone = open_phone(browser, live_server, scripts=scripts)
    page = phone.page
    try:
        sign_in(phone, login, "/seller/livestreams")
        expect(page.get_by_role("heading", level=1)).to_have_text("Phiên live")
        fits_the_screen(page)
        phone.shot("1-list")
        if scripts:
            no_serious_violations(page, "list")

        # Schedule: Facebook, tomorrow 19:30, the scarf at a live price typed the Vietnamese way.
        page.get_by_role("link", name="Lên lịch live").click()
        page.get_by_label("Tên phiên live").fill("Khăn chàm giá live")
        page.get_by_label("Facebook").check()
        page.get_by_label("Đường link phiên live").fill("https://www.facebook.com/cocham/videos/7")
        tomorrow = (utcnow() + LOCAL_OFFSET + timedelta(days=1)).strftime("%Y-%m-%dT19:30")
        page.get_by_label("Ngày và giờ (giờ Việt Nam)").fill(tomorrow)
        page.get_by_label("Khăn thổ cẩm Mông nhuộm chàm").check()
        price = page.locator(f"#live_price_{scarf_id}")
        assert price.get_attribute("inputmode") == "numeric"
        price.fill("129000,5")  # a slip of the thumb first
        page.get_by_label("Túi đeo chéo thổ cẩm").check()
        page.get_by_role("button", name="Lưu phiên live").click()
        expect(page.locator(f"#live_price_{scarf_id}-error")).to_contain_text("Gõ giá bằng đồng")
        expect(page.get_by_label("Tên phiên live")).to_have_value("Khăn chàm giá live")
        phone.shot("2-schedule-error")
        if scripts:
            no_serious_violations(page, "schedule form with an error")
        assert small_targets(page) == []
        price.fill("129.000")
        page.get_by_role("button", name="Lưu phiên live").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Khăn chàm giá live")
        livestream_id = page.url.rsplit("/", 1)[1]
        expect(page.locator(".code-row").first).to_contain_text("129.000 ₫")
        fits_the_screen(page)
        phone.shot("3-console-scheduled")

        # Go live.
        page.get_by_role("button", name="Bắt đầu live").click()
        expect(page.locator(".ls-status")).to_contain_text("Đang live")
        assert livestream(livestream_id, Livestream.status) == "live"
        if scripts:
            no_serious_violations(page, "live console")
        assert small_targets(page) == []
        phone.shot("4-console-live")

        # Two orders from comments.
        take_claim(phone, "A1 x2", "Lò Thị Mai", "0912000111")
        expect(page.locator(".done")).to_contain_text("A1 × 2 cho Lò Thị Mai, 288.000 ₫")
        on_screen(page, ".done")  # where her thumb is: the next comment goes in right below
        on_screen(page, "#comment")
        phone.shot("5a-order-taken-screen", full_page=False)
        expect(page.locator(f'[data-stock="{scarf_id}"]')).to_have_text("Còn 5")
        take_claim(phone, "chốt a1 1 cái", "Hà Văn Dũng", "0987654321")
        expect(page.locator(".claims .claim")).to_have_count(2)
        expect(page.locator(f'[data-stock="{scarf_id}"]')).to_have_text("Còn 4")
        phone.shot("5-two-orders")

        # A wrong comment comes back with everything typed, the error beside it.
        page.get_by_label("Bình luận của khách").fill("cho em xin giá")
        page.get_by_label("Tên người mua").fill("Vì Thị Hoa")
        page.get_by_label("Số điện thoại người mua").fill("0911222333")
        page.get_by_label("Số nhà, đường, thôn bản").fill("Bản Hua Tạt")
        page.get_by_label("Xã, phường").fill("Vân Hồ")
        page.get_by_role("button", name="Chốt đơn").click()
        expect(page.locator("#comment-error")).to_contain_text("không có mã sản phẩm")
        on_screen(page, "#comment-error")
        expect(page.locator("#comment")).to_be_focused()
        expect(page.get_by_label("Tên người mua")).to_have_value("Vì Thị Hoa")
        phone.shot("6-bad-comment")
        if scripts:
            no_serious_violations(page, "console with a claim error")

        # Pin the bag while showing it.
        page.get_by_role("button", name="Ghim A2").click()
        expect(page.locator(".code-row.pinned")).to_contain_text("Túi đeo chéo thổ cẩm")
        expect(page.get_by_role("button", name="Bỏ ghim A2")).to_be_visible()
        assert livestream(livestream_id, Livestream.pinned_product_id) == bag_id

        # A parcel sold elsewhere meanwhile: the stock follows by itself, or on a reload.
        db.session.execute(
            sa.update(ProductVariant)
            .where(ProductVariant.product_id == scarf_id)
            .values(stock=ProductVariant.stock - 3)
        )
        db.session.commit()
        stock = page.locator(f'[data-stock="{scarf_id}"]')
        if scripts:
            expect(stock).to_have_text("Còn 1", timeout=12_000)
            expect(page.locator(f'[data-line-stock="{scarf_id}"]')).to_have_text("A1 Còn 1")
            expect(page.locator("[data-auto]")).to_have_text("Tự cập nhật vài giây một lần.")
        else:
            expect(stock).to_have_text("Còn 4")
            page.get_by_role("link", name="Tải lại").click()
            expect(stock).to_have_text("Còn 1")
        phone.shot("7-stock-refreshed")

        # End it: the console keeps the orders, takes no more.
        page.locator("summary", has_text="Kết thúc live").click()
        page.get_by_role("button", name="Đúng, kết thúc live").click()
        expect(page.locator(".ls-status")).to_contain_text("Đã kết thúc")
        expect(page.get_by_role("button", name="Chốt đơn")).to_have_count(0)
        expect(page.locator(".claims .claim")).to_have_count(2)
        assert livestream(livestream_id, Livestream.status) == "ended"
        assert claims_of(livestream_id) == 2
        phone.shot("8-ended")
        fits_the_screen(page)
        assert phone.problems == []
    finally:
        page.context.close()


@pytest.mark.parametrize("scripts", [True, False], ids=["scripts", "no-scripts"])
def test_a_double_tap_on_chot_makes_one_order(browser, live_server, scripts):
    market = build_market(photo=False)
    live_id, scarf_id = market.live.id, market.scarf.id
    login = owner_login(market)
    phone = open_phone(browser, live_server, scripts=scripts)
    try:
        sign_in(phone, login, f"/seller/livestreams/{live_id}")
        sent = []
        phone.page.on(
            "request",
            lambda request: sent.append(request) if request.url.endswith("/claims") else None,
        )
        take_claim(phone, "A1 x2", "Lò Thị Mai", "0912000111", double=True)
        # Without scripts both taps reach the server (its key makes one order of them); with
        # them, the form sends once.
        assert len(sent) == (1 if scripts else 2)
        phone.page.wait_for_load_state("networkidle")
        assert claims_of(live_id) == 1
        assert stock_of(scarf_id) == 5
        expect(phone.page.locator(".claims .claim")).to_have_count(1)
        phone.shot("double-tap")
        assert phone.problems == []
    finally:
        phone.page.context.close()


def test_each_page_first_load_weight(browser, live_server):
    """Bytes transferred on a first load (empty cache) of each livestream page."""
    market = build_market(photo=False)
    pages = {
        "list": "/seller/livestreams",
        "schedule form": "/seller/livestreams/new",
        "console, upcoming": f"/seller/livestreams/{market.upcoming.id}",
        "console, live": f"/seller/livestreams/{market.live.id}",
        "console, ended": f"/seller/livestreams/{market.ended.id}",
    }
    login = owner_login(market)
    phone = open_phone(browser, live_server, scripts=True)
    sign_in(phone, login, "/seller/livestreams")
    state = phone.page.context.storage_state()
    phone.page.context.close()
    weights = {}
    for name, path in pages.items():
        fresh = open_phone(browser, live_server, scripts=True, storage_state=state)
        finished: list = []

        def record(request, into=finished):
            into.append(request)

        fresh.page.on("requestfinished", record)
        response = fresh.visit(path)
        assert response.status == 200, path
        fresh.page.wait_for_load_state("networkidle")
        total = 0
        for request in finished:
            sizes = request.sizes()
            total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        weights[name] = {"path": path, "bytes": total, "requests": len(finished)}
        assert fresh.problems == []
        fresh.page.context.close()
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "weights.json").write_text(json.dumps(weights, indent=2, ensure_ascii=False))
    for name, weight in weights.items():
        assert weight["bytes"] < SELLER_PAGE_BUDGET, (name, weight)


def test_the_console_is_usable_on_a_laptop_too(browser, live_server):
    market = build_market(photo=False)
    live_id = market.live.id
    login = owner_login(market)
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh"
    )
    page = context.new_page()
    try:
        phone = Phone(page, live_server, scripts=True)
        sign_in(phone, login, f"/seller/livestreams/{live_id}")
        expect(page.get_by_role("button", name="Chốt đơn")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        phone.shot("laptop-console")
    finally:
        context.close()
