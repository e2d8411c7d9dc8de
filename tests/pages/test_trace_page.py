"""The traceability page /t/<trace_code>: light, Vietnamese, honest about the certificate."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import render_template

from marketplace.schemas.products import ProductSchema
from marketplace.services.catalog.product_views import product_view
from marketplace.services.places import local_today
from tests.factories import make_product, make_shop
from tests.factories.pages import build_market
from tests.factories.trade_office import certify
from tests.pages.test_browse import html, text

PAGE_BUDGET = 12 * 1024
SCREENSHOT = Path("/tmp/cho-phien-trace-390x844.png")
INDIGO = "rgb(39, 51, 107)"


def test_the_page_is_light_and_needs_no_scripts(client):
    market = build_market()
    response = client.get(f"/t/{market.scarf.trace_code}")
    page = html(response)
    assert len(response.data) < PAGE_BUDGET
    assert '<html lang="vi">' in page
    assert "<script" not in page and "style=" not in page and "<style" not in page
    images = re.findall(r"<img [^>]+>", page)
    assert len(images) == 1
    assert re.search(r'width="\d+" height="\d+"', images[0]) and "thumb" in images[0]
    assert "Khăn thổ cẩm Mông nhuộm chàm" in text(response)


def test_an_expired_certificate_is_shown_as_expired(client):
    product = make_product(make_shop(village="Tà Số"))
    lapsed = local_today() - timedelta(days=1)
    certify(product, 3, expires_on=lapsed)
    words = text(client.get(f"/t/{product.trace_code}"))
    assert f"Đã hết hạn ngày {lapsed:%d/%m/%Y}" in words and "3 sao" in words


def test_the_province_is_named_when_the_shop_has_one(app):
    product = make_product(make_shop(village="Cỏ Chàm"))
    shop = SimpleNamespace(
        slug="co-cham",
        name="Cỏ Chàm",
        village="Cỏ Chàm",
        commune="Xã Vân Hồ",
        ethnic_group=None,
        verified=False,
        province="Sơn La",
    )
    with app.test_request_context(f"/t/{product.trace_code}"):
        page = render_template(
            "pages/trace.html",
            product=ProductSchema().dump(product_view(product)),
            shop=shop,
            certificate=None,
            code="ABCD-EFGH",
            listed_at=product.created_at,
        )
    assert "Bản Cỏ Chàm, Xã Vân Hồ, Sơn La" in page


@pytest.mark.live
def test_the_page_on_a_phone(phone):
    market = build_market()
    response = phone.visit(f"/t/{market.scarf.trace_code.lower()}")
    assert response.status == 200
    assert phone.page.url == f"{phone.base}/t/{market.scarf.trace_code}"
    header = phone.page.locator("header.top")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == INDIGO
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= 390
    phone.page.wait_for_load_state("networkidle")
    phone.page.screenshot(path=str(SCREENSHOT), full_page=True)
    phone.page.get_by_role("link", name="Xem và mua sản phẩm").click()
    phone.page.wait_for_url(f"{phone.base}/products/{market.scarf.id}")
    phone.assert_clean()
