"""A buyer's journey through the storefront in Debian's Chromium, on a phone (390 × 844) and a
laptop (1366 × 768), with scripts on and off, in Vietnamese and in English: search "tho cam",
keep OCOP ≥ 4 stars, open a category, sign up with a phone number, follow a shop, read the
notification of its livestream, get a new password with a code.

Screenshots of every step go to /tmp/cho-phien-shots/storefront/ (test artefacts).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from marketplace.extensions import db
from marketplace.models import Category, PasswordReset, User
from marketplace.services.accounts import reset_code
from marketplace.services.notifications import events
from tests.factories.pages import build_market
from tests.pages.conftest import PhoneSession

pytestmark = pytest.mark.live

SHOTS = Path("/tmp/cho-phien-shots/storefront")
SCREENS = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1366, "height": 768}}
PASSWORD = "mật khẩu của Páo 1"
NEW_PASSWORD = "mật khẩu mới của Páo 2"

WORDS = {
    "vi": {
        "results": "Kết quả cho “tho cam”",
        "filters": "Lọc và sắp xếp",
        "four_stars": "Từ 4★ trở lên",
        "show": "Xem kết quả",
        "sign_in": "Đăng nhập",
        "create": "Tạo tài khoản",
        "name": "Tên của bạn",
        "login": "Số điện thoại hoặc email",
        "password": "Mật khẩu (ít nhất 8 ký tự)",
        "create_mine": "Tạo tài khoản",
        "follow": "Theo dõi gian hàng",
        "following": "Đang theo dõi",
        "notifications": "Thông báo",
        "read_all": "Đánh dấu đã đọc hết",
        "sign_out": "Đăng xuất",
        "forgot": "Quên mật khẩu?",
        "your_login": "Số điện thoại hoặc email của bạn",
        "send_code": "Gửi mã cho tôi",
        "code": "Mã (6 chữ số)",
        "new_password": "Mật khẩu mới (ít nhất 8 ký tự)",
        "save": "Lưu mật khẩu mới",
        "saved": "Đã lưu mật khẩu mới.",
        "category": "Thổ cẩm",
        "login_error": "Hãy ghi số điện thoại",
    },
    "en": {
        "results": "Results for “tho cam”",
        "filters": "Filter and sort",
        "four_stars": "4★ or more",
        "show": "Show results",
        "sign_in": "Sign in",
        "create": "Create an account",
        "name": "Your name",
        "login": "Phone number or e-mail",
        "password": "Password (at least 8 characters)",
        "create_mine": "Create my account",
        "follow": "Follow this shop",
        "following": "Following",
        "notifications": "Notifications",
        "read_all": "Mark all as read",
        "sign_out": "Sign out",
        "forgot": "Forgot your password?",
        "your_login": "Your phone number or e-mail",
        "send_code": "Send me a code",
        "code": "The code (6 numbers)",
        "new_password": "New password (at least 8 characters)",
        "save": "Save the new password",
        "saved": "Your new password is saved.",
        "category": "Brocade",
        "login_error": "Write a phone number",
    },
}


def open_session(browser, live_server, *, screen: str, scripts: bool, locale: str):
    """A fresh browser context like the ``phone`` fixture's, of any size, scripts on or off."""
    context = browser.new_context(
        viewport=SCREENS[screen],
        locale=locale,
        timezone_id="Asia/Ho_Chi_Minh",
        device_scale_factor=1,
        java_script_enabled=scripts,
    )
    context.set_default_timeout(10_000)
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
        lambda message: (
            session.problems.append(f"console {message.type}: {message.text}")
            if message.type == "error"
            else None
        ),
    )
    session.page.on("pageerror", lambda error: session.problems.append(f"page error: {error}"))
    return context, session


class Shots:
    def __init__(self, name: str):
        self.name, self.n = name, 0
        SHOTS.mkdir(parents=True, exist_ok=True)

    def take(self, page, step: str) -> None:
        self.n += 1
        page.screenshot(path=str(SHOTS / f"{self.name}-{self.n:02d}-{step}.png"), full_page=True)


def fits_the_screen(page, screen: str) -> None:
    width = SCREENS[screen]["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def market_with_categories():
    market = build_market()
    brocade = db.session.scalar(db.select(Category).where(Category.slug == "brocade"))
    market.scarf.category_id = brocade.id
    market.bag.category_id = brocade.id
    db.session.commit()
    return market


def latest_code(app, phone: str) -> str:
    db.session.commit()  # a fresh read of what the server wrote
    user = db.session.scalar(db.select(User).where(User.phone == phone))
    reset = db.session.scalar(
        db.select(PasswordReset)
        .where(PasswordReset.user_id == user.id)
        .order_by(PasswordReset.created_at.desc())
    )
    code = reset_code(app.config["SECRET_KEY"], reset.nonce)
    db.session.commit()
    return code


@pytest.mark.parametrize("scripts", [True, False], ids=["scripts", "no-scripts"])
@pytest.mark.parametrize("screen", ["phone", "laptop"])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_buyer_s_journey(app, browser, live_server, lang, screen, scripts):
    words = WORDS[lang]
    market = market_with_categories()
    scarf_id, upcoming_id = market.scarf.id, market.upcoming.id
    db.session.commit()  # no transaction left open: on SQLite it would hold the write lock
    context, session = open_session(
        browser, live_server, screen=screen, scripts=scripts, locale="vi-VN"
    )
    page = session.page
    shots = Shots(f"{lang}-{screen}-{'js' if scripts else 'nojs'}")
    try:
        # Search from the home page's box.
        session.visit("/?lang=en" if lang == "en" else "/")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        shots.take(page, "home")
        box = page.get_by_role("searchbox")
        box.fill("tho cam")
        box.press("Enter")
        page.wait_for_url(re.compile(r"/search\?q=tho\+cam"))
        expect(page.get_by_role("heading", level=1)).to_have_text(words["results"])
        assert sorted(page.locator(".card .title").all_inner_texts()) == [
            "Khăn thổ cẩm Mông nhuộm chàm",
            "Túi đeo chéo thổ cẩm",
        ]
        fits_the_screen(page, screen)
        shots.take(page, "search")

        # Keep OCOP ≥ 4 stars.
        page.get_by_text(words["filters"]).click()
        page.get_by_label(words["four_stars"]).check()
        shots.take(page, "filters")
        page.get_by_role("button", name=words["show"]).click()
        page.wait_for_url(re.compile(r"ocop_min_stars=4"))
        assert page.locator(".card .title").all_inner_texts() == ["Khăn thổ cẩm Mông nhuộm chàm"]
        shots.take(page, "ocop-4")

        # The product, then its category.
        page.locator(".card .title").first.click()
        page.wait_for_url(re.compile(f"/products/{scarf_id}"))
        shots.take(page, "product")
        page.get_by_role("link", name=words["category"], exact=True).click()
        page.wait_for_url(re.compile(r"/categories/brocade"))
        expect(page.get_by_role("heading", level=1)).to_have_text(words["category"])
        assert len(page.locator(".card").all()) == 2
        fits_the_screen(page, screen)
        shots.take(page, "category")

        # Sign up with a phone number (a mistake first), and come back here.
        page.get_by_role("link", name=words["sign_in"]).click()
        page.get_by_role("link", name=words["create"]).click()
        page.get_by_label(words["name"]).fill("Lò Văn Páo")
        page.get_by_label(words["login"]).fill("0912 34")
        page.get_by_label(words["password"]).fill(PASSWORD)
        page.get_by_role("button", name=words["create_mine"]).click()
        expect(page.locator("#login-error")).to_contain_text(words["login_error"])
        expect(page.get_by_label(words["name"])).to_have_value("Lò Văn Páo")
        shots.take(page, "register-error")
        page.get_by_label(words["login"]).fill("0912 345 678")
        page.get_by_label(words["password"]).fill(PASSWORD)
        page.get_by_role("button", name=words["create_mine"]).click()
        page.wait_for_url(re.compile(r"/categories/brocade"))
        expect(page.locator(".who")).to_have_text("Lò Văn Páo")
        shots.take(page, "registered")

        # Follow the shop.
        page.locator(".card .seller a").first.click()
        page.wait_for_url(re.compile(r"/shops/tho-cam-co-cham"))
        page.get_by_role("button", name=words["follow"]).click()
        expect(page.get_by_role("button", name=re.compile(words["following"]))).to_be_visible()
        shots.take(page, "following")

        # Its livestream starts: the header shows one unread notification.
        events.livestream_started(market.upcoming)
        db.session.commit()
        session.visit("/shops/tho-cam-co-cham")
        link = page.get_by_role("link", name=re.compile(words["notifications"]))
        expect(link.locator(".count")).to_have_text("1")
        link.click()
        page.wait_for_url(re.compile(r"/notifications$"))
        expect(page.locator(".note.unread")).to_have_count(1)
        expect(page.locator(".note")).to_contain_text("Xem dệt lanh")
        shots.take(page, "notifications")
        page.get_by_role("button", name=words["read_all"]).click()
        expect(page.locator(".note.unread")).to_have_count(0)
        page.locator(".note a").first.click()
        page.wait_for_url(re.compile(f"/livestreams/{upcoming_id}"))

        # Forgot the password: a code by text message, then a new one.
        page.get_by_role("button", name=words["sign_out"]).click()
        page.get_by_role("link", name=words["sign_in"]).click()
        page.get_by_role("link", name=words["forgot"]).click()
        shots.take(page, "reset-1")
        page.get_by_label(words["your_login"]).fill("0912345678")
        page.get_by_role("button", name=words["send_code"]).click()
        expect(page.get_by_label(words["code"])).to_be_visible()
        shots.take(page, "reset-2")
        page.get_by_label(words["code"]).fill(latest_code(app, "+84912345678"))
        page.get_by_label(words["new_password"]).fill(NEW_PASSWORD)
        page.get_by_role("button", name=words["save"]).click()
        expect(page.locator(".ok")).to_contain_text(words["saved"])
        expect(page.locator(".who")).to_have_text("Lò Văn Páo")
        fits_the_screen(page, screen)
        shots.take(page, "reset-3")
        # The browser logs the form answered 422 on purpose; anything else is a problem.
        expected = "the server responded with a status of 422"
        assert [problem for problem in session.problems if expected not in problem] == []
    finally:
        context.close()
