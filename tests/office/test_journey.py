"""The trade office's day in Debian's Chromium at 1366 × 768, on the demo world: approve one
OCOP application and reject another, curate a collection of five products and download its CSV,
suspend and reinstate a product, read the sales-by-commune chart against the API's report, and
help an artisan list a product under a grant. axe-core finds no serious or critical violation
on any console page; screenshots go to /tmp/cho-phien-shots/office/."""

from __future__ import annotations

import csv
import io
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from marketplace.extensions import db
from marketplace.models import (
    AuditEntry,
    Notification,
    OcopApplication,
    Product,
    Shop,
    User,
)
from marketplace.services.media import uploads as media_service
from tests.factories import PASSWORD, headers_for, make_user
from tests.factories.media_files import jpeg

pytestmark = pytest.mark.live

SHOTS = Path("/tmp/cho-phien-shots/office")
DESK = {"width": 1366, "height": 768}
AXE = Axe()


class Desk:
    """A desktop browser on the live server, recording console errors and page errors."""

    def __init__(self, page, base: str):
        self.page = page
        self.base = base
        self.problems: list[str] = []

    def visit(self, path: str):
        db.session.commit()  # let the server's requests through (SQLite's write lock)
        response = self.page.goto(self.base + path)
        assert response is not None
        return response

    def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def check_access(self, name: str) -> None:
        results = AXE.run(self.page)
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert bad == [], f"{name}: " + "\n".join(bad)


@pytest.fixture
def desk(browser, live_server):
    context = browser.new_context(
        viewport=DESK, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", accept_downloads=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    session = Desk(page, live_server)

    def only_loopback(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            session.problems.append(f"request off the machine: {route.request.url}")
            route.abort()

    context.route("**/*", only_loopback)
    # A form sent back with its errors answers 422 on purpose: the browser logs it.
    page.on(
        "console",
        lambda m: (
            session.problems.append(f"console: {m.text}")
            if m.type == "error" and "status of 422" not in m.text
            else None
        ),
    )
    page.on("pageerror", lambda error: session.problems.append(f"page error: {error}"))
    try:
        yield session
    finally:
        context.close()
    assert session.problems == []


@pytest.fixture
def world(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    officer = make_user("officer", name="Lò Văn Hùng", email="hung@office.example")
    return officer


def sign_in(desk: Desk, login: str) -> None:
    desk.visit("/signin?next=/office")
    desk.page.locator("input[name=login]").fill(login)
    desk.page.locator("input[name=password]").fill(PASSWORD)
    desk.page.locator("form:has(input[name=password]) button[type=submit]").click()
    desk.page.wait_for_url("**/office")


def second_application(client) -> OcopApplication:
    """A pending application with a picture of its certificate, sent through the API."""
    product = db.session.scalar(
        sa.select(Product)
        .where(Product.status == "active", ~Product.id.in_(sa.select(OcopApplication.product_id)))
        .order_by(Product.title)
        .limit(1)
    )
    owner = db.session.get(User, product.shop.owner_id)
    picture = media_service.upload_image(owner, BytesIO(jpeg((900, 1200))))
    response = client.post(
        f"/api/v1/products/{product.id}/ocop-applications",
        json={
            "certificate_number": "3120/QĐ-UBND",
            "stars": 4,
            "issued_on": "2026-06-01",
            "expires_on": "2029-06-01",
            "issuer": "UBND tỉnh Sơn La",
            "evidence_media_ids": [picture.id],
        },
        headers=headers_for(owner),
    )
    assert response.status_code == 201, response.get_json()
    return db.session.get(OcopApplication, response.get_json()["id"])


def test_a_day_at_the_trade_office(app, client, desk, world):
    officer = world
    application = second_application(client)
    rejected_id = application.id
    rejected_title = application.product.title
    rejected_commune = application.product.shop.commune
    sign_in(desk, officer.email)
    page = desk.page
    expect(page.locator("#month-compare")).to_be_visible()
    assert page.locator("#chart-months g.point").count() >= 5
    desk.shot("overview")
    desk.check_access("overview")

    # --- OCOP: approve one application, reject the other ---------------------------------
    desk.visit("/office/ocop")
    pending = db.session.scalars(
        sa.select(OcopApplication.id).where(OcopApplication.status == "pending")
    ).all()
    assert len(pending) == 2
    approved_id = next(a for a in pending if a != rejected_id)
    # On SQLite every transaction holds the write lock: none of ours may stay open while the
    # server writes (ids and titles are kept as plain values, not objects that reload).
    db.session.commit()
    card = page.locator(f"#application-{rejected_id}")
    expect(card.locator("img")).to_have_count(1)  # the evidence picture
    expect(card).to_contain_text(rejected_title)
    expect(card).to_contain_text(rejected_commune)
    desk.shot("ocop-queue")
    desk.check_access("ocop")
    mine = page.locator(f"#application-{approved_id}")
    mine.get_by_label("Số sao").select_option("4")
    mine.get_by_label("Ghi chú (không bắt buộc)").fill("Đã đối chiếu bản gốc.")
    mine.get_by_role("button", name="Duyệt").click()
    expect(page.locator(".flash")).to_contain_text("Đã duyệt")
    # A reason is required: the form comes back with the error beside the field.
    card = page.locator(f"#application-{rejected_id}")
    card.get_by_role("button", name="Từ chối").click()
    expect(page.locator(f"#reason-error-{rejected_id}")).to_be_visible()
    card = page.locator(f"#application-{rejected_id}")
    card.get_by_label("Lý do từ chối").fill("Ảnh chứng nhận bị mờ, xin gửi lại.")
    card.get_by_role("button", name="Từ chối").click()
    expect(page.locator(".flash")).to_contain_text("Đã từ chối")
    db.session.expire_all()
    assert db.session.get(OcopApplication, approved_id).status == "approved"
    assert db.session.get(OcopApplication, approved_id).stars == 4
    assert db.session.get(OcopApplication, rejected_id).reason.startswith("Ảnh chứng nhận")
    db.session.commit()

    # --- Curate a collection of five products and download its CSV ------------------------
    desk.visit("/office/collections")
    page.get_by_label("Tên bộ sưu tập").fill("Quà Tết Vân Hồ 2027")
    page.get_by_role("button", name="Tạo bộ sưu tập").click()
    page.wait_for_url("**/office/collections/*")
    picked = []
    for query in ("khăn", "chè", "mật ong", "túi", "váy"):
        page.get_by_role("searchbox").fill(query)
        page.get_by_role("button", name="Tìm").click()
        found = page.locator("#found li").first
        title = found.locator("strong").inner_text()
        found.get_by_role("button", name="Thêm").click()
        picked.append(title)
    expect(page.locator("#picked li")).to_have_count(5)
    # Put the last one first: four moves up.
    for _ in range(4):
        page.locator("#picked li").filter(has_text=picked[-1]).get_by_role(
            "button", name=f"Đưa {picked[-1]} lên"
        ).click()
    order = [picked[-1], *picked[:-1]]
    page.get_by_role("button", name="Lưu và công khai").click()
    expect(page.locator(".flash")).to_contain_text("Đã lưu")
    desk.shot("collection")
    desk.check_access("collection")
    with page.expect_download() as download_info:
        page.locator("#export-csv").click()
    raw = Path(download_info.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [row["title"] for row in rows] == order

    # --- Suspend a product, then reinstate it: it leaves the storefront and comes back ----
    product_id = db.session.scalar(sa.select(Product.id).where(Product.title == picked[0]))
    db.session.commit()
    assert client.get(f"/products/{product_id}").status_code == 200
    db.session.commit()
    desk.visit(f"/office/products?q={picked[0]}")
    row = page.locator(f"#product-{product_id}")
    row.get_by_label("Lý do (chủ gian hàng sẽ đọc)").fill("Ảnh không đúng sản phẩm.")
    row.get_by_role("button", name="Tạm ẩn").click()
    expect(page.locator(".flash")).to_contain_text("Đã tạm ẩn")
    db.session.commit()
    assert client.get(f"/products/{product_id}").status_code == 404
    desk.visit("/office/products?status=suspended")
    desk.shot("products-suspended")
    desk.check_access("products")
    page.locator(f"#product-{product_id}").get_by_role("button", name="Khôi phục").click()
    expect(page.locator(".flash")).to_contain_text("Đã khôi phục")
    db.session.commit()
    assert client.get(f"/products/{product_id}").status_code == 200

    # --- The sales-by-commune chart of the demo's last five months equals the API's report -
    desk.visit("/office/reports?group_by=commune")
    first = page.get_by_label("Từ ngày").input_value()
    last = page.get_by_label("Đến ngày").input_value()
    bars = page.locator("#sales-chart g.bar")
    drawn = {
        bars.nth(i).get_attribute("data-key"): int(bars.nth(i).get_attribute("data-value"))
        for i in range(bars.count())
    }
    db.session.commit()
    report = client.get(
        "/api/v1/reports/sales",
        query_string={"group_by": "commune", "from": first, "to": last},
        headers=headers_for(officer),
    ).get_json()
    assert drawn == {row["key"]: row["revenue"] for row in report["rows"]}
    assert len(drawn) >= 4  # the demo sells in most of the five communes
    for key, value in drawn.items():  # each number is written beside its bar
        label = page.locator(f'#sales-chart g.bar[data-key="{key}"] text.bar-value')
        assert label.text_content().replace(".", "").replace(" ₫", "") == str(value)
    desk.shot("reports-commune")
    desk.check_access("reports")
    desk.visit("/office/reports?group_by=month")
    desk.shot("reports-month")

    # --- Help an artisan list a product under a grant --------------------------------------
    shop = db.session.scalar(sa.select(Shop).order_by(Shop.name).limit(1))
    shop_id, shop_name, owner_id = shop.id, shop.name, shop.owner_id
    desk.visit(f"/office/assistance?shop={shop_id}")
    page.get_by_label("Chủ gian hàng đồng ý thế nào").fill(
        "Chị nhờ tại UBND xã ngày 05/12, có cán bộ văn hóa xã làm chứng."
    )
    page.get_by_role("button", name="Bắt đầu giúp trong 7 ngày").click()
    expect(page.locator(".flash")).to_contain_text(shop_name)
    act = page.get_by_role("link", name="Làm thay gian hàng này")
    assert act.get_attribute("href") == f"/seller?shop={shop_id}"
    desk.shot("assistance")
    desk.check_access("assistance")
    title = "Vỏ gối thổ cẩm hoa văn trám"
    if "seller.products_new" in app.view_functions:
        act.click()
        desk.visit(f"/seller/products/new?shop={shop_id}")
        page.locator("input[name=title]").fill(title)
        page.locator("input[name=price]").fill("180000")
        page.locator("input[name=stock]").fill("4")
        page.locator("form:has(input[name=title]) button[type=submit]").last.click()
        page.wait_for_load_state()
    else:  # the seller centre's pages live on another branch: the same rule through the API
        response = client.post(
            f"/api/v1/shops/{shop_id}/products",
            json={"title": title, "price": 180000, "stock": 4},
            headers=headers_for(officer),
        )
        assert response.status_code == 201, response.get_json()
    db.session.expire_all()
    listed = db.session.scalar(sa.select(Product).where(Product.title == title))
    assert listed is not None and listed.shop_id == shop_id
    entry = db.session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.action == "assisted.product_created", AuditEntry.target_id == listed.id
        )
    )
    assert entry is not None and entry.actor_id == officer.id
    told = db.session.scalar(
        sa.select(Notification)
        .where(Notification.user_id == owner_id, Notification.kind == "assisted_change")
        .order_by(Notification.created_at.desc())
        .limit(1)
    )
    assert told.params["variant"] == "product_created" and told.params["title"] == title
    db.session.commit()
    desk.visit("/office/audit?action=assisted.product_created")
    expect(page.locator("#audit-table")).to_contain_text(title)
    desk.shot("audit")
    desk.check_access("audit")
    desk.visit("/office/certificates?expiring=60")
    desk.shot("certificates")
    desk.check_access("certificates")
    desk.visit("/office/shops")
    desk.shot("shops")
    desk.check_access("shops")
