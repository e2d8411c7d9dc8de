"""What a first visit costs on 4G, and what axe-core finds, on the buyer's pages.

Page weight: home, search and a product page, each ≤ 150 KB transferred on a first load at
390 × 844 (measured from Chromium's network events, images included), on the demo world with its
photos. Accessibility: no serious or critical axe-core violation on any buyer page of this area,
in Vietnamese and in English, forms with their errors shown too.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.demo.load import load_world
from marketplace.extensions import db
from marketplace.models import Category, Product, ProductImage, Shop
from marketplace.services.notifications import events
from tests.factories import PASSWORD, make_user
from tests.factories.browser_checks import KB, first_load, serious_violations
from tests.factories.pages import build_market

pytestmark = pytest.mark.live

PAGE_BUDGET = 150 * KB


def test_first_loads_stay_under_150_kb_on_the_demo_world(phone):
    load_world()
    product_id = db.session.scalar(
        sa.select(Product.id)
        .join(ProductImage, ProductImage.product_id == Product.id)
        .join(Shop, Shop.id == Product.shop_id)
        .where(Product.status == "active", Shop.status == "active")
        .order_by(Product.created_at.desc())
        .limit(1)
    )
    db.session.commit()
    figures = {}
    for name, path in [
        ("home", "/"),
        ("search", "/search?q=tho+cam"),
        ("search-filtered", "/search?q=tho+cam&ocop_min_stars=4&sort=price_asc"),
        ("product", f"/products/{product_id}"),
        ("category", "/categories/food"),
    ]:
        load = first_load(phone.page, phone.base + path)
        assert load.status == 200, path
        figures[name] = load
        assert load.transferred <= PAGE_BUDGET, load.describe()
    print("\nfirst loads at 390 × 844:")
    for name, load in figures.items():
        print(f"  {name:<16} {load.transferred / KB:6.1f} KB  ({len(load.responses)} responses)")
    phone.assert_clean()


def _market_paths():
    market = build_market()
    brocade = db.session.scalar(sa.select(Category).where(Category.slug == "brocade"))
    market.scarf.category_id = brocade.id
    buyer = make_user(name="Lò Văn Páo", email="pao@example.test")
    db.session.commit()
    paths = [
        "/",
        "/search?q=tho+cam",
        "/search?q=tho+cam&ocop_min_stars=2&min_price=abc",  # 422: errors beside controls
        "/search?q=khong+co+gi",
        "/categories/handicraft",
        "/categories/khong-co",
        f"/products/{market.scarf.id}",
        f"/products/{market.bag.id}",
        "/shops/tho-cam-co-cham",
        f"/livestreams/{market.live.id}",
        f"/livestreams/{market.upcoming.id}",
        "/collections/chon-loc-cho-postmart",
        f"/t/{market.scarf.trace_code}",
        "/signin",
        "/register",
        "/password-reset",
    ]
    return market, buyer, paths


def _check(phone, path: str, found: dict) -> None:
    phone.visit(path)
    violations = serious_violations(phone.page)
    if violations:
        found[path] = violations


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_no_serious_axe_violation_on_buyer_pages(phone, lang):
    market, buyer, paths = _market_paths()
    upcoming = market.upcoming
    buyer_email = buyer.email
    db.session.commit()
    found: dict = {}
    phone.visit(f"/?lang={lang}")
    for path in paths:
        _check(phone, path, found)

    # Forms answered with their errors.
    phone.visit("/register")
    phone.page.get_by_role(
        "button", name="Tạo tài khoản" if lang == "vi" else "Create my account"
    ).click()
    phone.page.wait_for_selector(".field-error")
    _record(phone, "/register (422)", found)
    phone.visit("/password-reset")
    phone.page.locator("#login").fill("0912 345 678")
    phone.page.locator("form.stack button[type=submit]").click()
    phone.page.wait_for_selector("#code")
    _record(phone, "/password-reset (step 2)", found)

    # Signed in: the shop page with its follow button, the notifications.
    phone.visit("/signin")
    phone.page.locator("#login").fill(buyer_email)
    phone.page.locator("#password").fill(PASSWORD)
    phone.page.locator("form.stack button[type=submit]").click()
    phone.page.wait_for_selector(".who")
    phone.visit("/shops/tho-cam-co-cham")
    phone.page.locator("form.follow button").click()
    phone.page.wait_for_selector("form.follow[action$='/unfollow']")
    _record(phone, "/shops/tho-cam-co-cham (following)", found)
    events.livestream_started(upcoming)
    db.session.commit()
    _check(phone, "/notifications", found)
    phone.page.locator("form[action='/notifications/read'] button").click()
    phone.page.wait_for_selector(".note:not(.unread)")
    _record(phone, "/notifications (read)", found)

    # Answers of 404 and 422 pages are logged by the browser: they are meant.
    phone.problems[:] = [p for p in phone.problems if "status of 4" not in p]
    assert found == {}, "\n".join(f"{page}: {found[page]}" for page in found)


def _record(phone, name: str, found: dict) -> None:
    violations = serious_violations(phone.page)
    if violations:
        found[name] = violations
