"""The trade office console through the test client: who may open each page (every /office
route of the URL map), and each page and form with its failures."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from marketplace.extensions import db
from marketplace.models import (
    AssistanceGrant,
    AuditEntry,
    Collection,
    OcopApplication,
    Product,
    Shop,
)
from marketplace.services.places import local_today
from tests.factories import PASSWORD, headers_for, make_product, make_shop, make_user
from tests.factories.trade_office import certify, local_time, make_order
from tests.pages.conftest import csrf_token, sign_in

PARAMETER = re.compile(r"<(?:[^:>]*:)?([^>]*)>")


def office_routes(app) -> list[tuple[str, str]]:
    return sorted(
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/office")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


def concrete(rule: str) -> str:
    """The rule with made-up values: access is decided before anything is looked up."""

    def value(match):
        name = match.group(1)
        return {"extension": "csv", "move": "suspend"}.get(name, "0" * 32)

    return PARAMETER.sub(value, rule)


def test_every_office_route_is_for_officers_and_admins_only(app, client):
    """Anonymous visitors go to sign in; buyers and artisans get the 403 page saying why."""
    routes = office_routes(app)
    assert len(routes) >= 20
    artisan = make_user("artisan")
    buyer = make_user("buyer")
    admin = make_user("admin")
    anonymous_token = csrf_token(client)
    for method, rule in routes:
        path = concrete(rule)
        # Anonymous visitors are sent to sign in, and come back here.
        response = client.open(path, method=method, data={"csrf_token": anonymous_token})
        assert response.status_code == 302, (method, path, response.status_code)
        assert "/signin?next=" in response.headers["Location"], (method, path)
    for user in (artisan, buyer):
        client = app.test_client()
        sign_in(client, user.email, PASSWORD)
        token = csrf_token(client, "/")
        for method, rule in routes:
            path = concrete(rule)
            response = client.open(path, method=method, data={"csrf_token": token})
            assert response.status_code == 403, (user.role, method, path, response.status_code)
            assert "Phòng Kinh tế" in response.get_data(as_text=True)  # the page says why
    client = app.test_client()
    sign_in(client, admin.email, PASSWORD)
    for method, rule in routes:
        if method == "GET" and "<" not in rule:
            assert client.get(rule).status_code == 200, rule


def test_a_post_without_csrf_token_is_400(client, officer):
    shop = make_shop()
    response = client.post(f"/office/shops/{shop.id}/verify", data={})
    assert response.status_code == 400
    assert db.session.get(Shop, shop.id).verified_at is None


@pytest.fixture
def applications():
    scarf = make_product(make_shop(name="Thổ cẩm Cỏ Chàm", commune="Vân Hồ"), title="Khăn piêu")
    tea = make_product(make_shop(name="Chè Tô Múa", commune="Tô Múa"), title="Chè Shan tuyết")
    made = []
    for product in (scarf, tea):
        application = OcopApplication(
            product_id=product.id,
            status="pending",
            claimed_stars=4,
            stars=4,
            certificate_number="12/QĐ-UBND",
            issuer="UBND tỉnh Sơn La",
            issued_on=local_today() - timedelta(days=30),
            expires_on=local_today() + timedelta(days=1000),
            submitted_by=product.shop.owner_id,
        )
        db.session.add(application)
        made.append(application)
    db.session.commit()
    return made


def test_the_queue_shows_product_shop_and_commune_and_decides(client, officer, form, applications):
    page = client.get("/office/ocop").get_data(as_text=True)
    assert "Khăn piêu" in page and "Thổ cẩm Cỏ Chàm" in page and "Xã Tô Múa" in page
    first, second = applications
    bad = client.post(f"/office/ocop/{first.id}/approve", data=form(stars="7", note="x"))
    assert bad.status_code == 422
    assert f'id="stars-error-{first.id}"' in bad.get_data(as_text=True)
    assert db.session.get(OcopApplication, first.id).status == "pending"
    done = client.post(f"/office/ocop/{first.id}/approve", data=form(stars="5", note="Tốt"))
    assert done.status_code == 303
    db.session.expire_all()
    assert (db.session.get(OcopApplication, first.id).status, first.stars) == ("approved", 5)
    again = client.post(f"/office/ocop/{first.id}/approve", data=form(stars="5"))
    assert again.status_code == 422  # decided already: said beside the form, nothing changed
    empty = client.post(f"/office/ocop/{second.id}/reject", data=form(reason=" "))
    assert empty.status_code == 422
    assert f'id="reason-error-{second.id}"' in empty.get_data(as_text=True)
    rejected = client.post(f"/office/ocop/{second.id}/reject", data=form(reason="Ảnh mờ"))
    assert rejected.status_code == 303
    assert client.post("/office/ocop/nope/reject", data=form(reason="x")).status_code == 404
    history = client.get("/office/ocop?status=rejected").get_data(as_text=True)
    assert "Ảnh mờ" in history


def test_certificates_lapsing_soon_with_the_shops_phone(client, officer):
    shop = make_shop(name="Mật ong Suối Bàng", phone="+84912000111")
    certify(make_product(shop, title="Mật ong rừng"), 3, expires_on=local_today() + timedelta(10))
    certify(make_product(shop, title="Mật ong hoa"), 4, expires_on=local_today() + timedelta(200))
    page = client.get("/office/certificates?expiring=60").get_data(as_text=True)
    assert "Mật ong rừng" in page and "Mật ong hoa" not in page
    assert 'href="tel:+84912000111"' in page and "0912 000 111" in page
    assert "Mật ong hoa" in client.get("/office/certificates?expiring=365").get_data(as_text=True)
    assert client.get("/office/certificates?expiring=abc").status_code == 422


def test_collections_create_pick_order_publish_and_export(client, officer, form):
    shop = make_shop(name="Thổ cẩm Cỏ Chàm")
    products = [make_product(shop, title=f"Khăn thổ cẩm {n}") for n in range(3)]
    assert client.post("/office/collections", data=form(title=" ")).status_code == 422
    created = client.post("/office/collections", data=form(title="Quà Tết", description=""))
    assert created.status_code == 303
    collection = db.session.scalar(sa.select(Collection))
    url = f"/office/collections/{collection.id}"
    found = client.get(url, query_string={"q": "khan tho cam"}).get_data(as_text=True)
    assert all(f"add:{p.id}" in found for p in products)
    ids = []
    for product in products:
        response = client.post(
            url, data=form(title="Quà Tết", product_ids=ids, move=f"add:{product.id}")
        )
        assert response.status_code == 303
        ids.append(product.id)
    moved = client.post(url, data=form(title="Quà Tết", product_ids=ids, move=f"up:{ids[2]}"))
    assert moved.status_code == 303
    db.session.expire_all()
    order = [item.product_id for item in db.session.get(Collection, collection.id).items]
    assert order == [ids[0], ids[2], ids[1]]
    blank = client.post(url, data=form(title="", product_ids=order))
    assert blank.status_code == 422
    assert db.session.get(Collection, collection.id).title == "Quà Tết"
    unknown = client.post(url, data=form(title="Quà Tết", product_ids=[*order, "0" * 32]))
    assert unknown.status_code == 422
    exported = client.get(f"{url}/export.csv")
    assert exported.mimetype == "text/csv"
    raw = exported.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["title"] for r in rows] == ["Khăn thổ cẩm 0", "Khăn thổ cẩm 2", "Khăn thổ cẩm 1"]
    as_json = client.get(f"{url}/export.json").get_json()
    assert [item["title"] for item in as_json["items"]] == [r["title"] for r in rows]
    assert client.get("/office/collections/nope").status_code == 404


def test_moderation_of_shops_and_products_with_reasons(app, client, officer, form):
    storefront = app.test_client()  # an anonymous buyer
    shop = make_shop(name="Gác bếp Chiềng Khoa")
    product = make_product(shop, title="Thịt trâu gác bếp")
    assert "Gác bếp Chiềng Khoa" in client.get("/office/shops?q=gac bep").get_data(as_text=True)
    no_reason = client.post(f"/office/products/{product.id}/suspend", data=form(reason=""))
    assert no_reason.status_code == 422
    assert db.session.get(Product, product.id).status == "active"
    client.post(f"/office/products/{product.id}/suspend", data=form(reason="Ảnh sai"))
    db.session.expire_all()
    assert db.session.get(Product, product.id).status == "suspended"
    assert storefront.get(f"/products/{product.id}").status_code == 404
    listed = client.get("/office/products?status=suspended").get_data(as_text=True)
    assert "Thịt trâu gác bếp" in listed and "Ảnh sai" in listed
    twice = client.post(f"/office/products/{product.id}/suspend", data=form(reason="x"))
    assert twice.status_code == 409
    client.post(f"/office/products/{product.id}/reinstate", data=form())
    assert storefront.get(f"/products/{product.id}").status_code == 200
    assert client.post(f"/office/products/{product.id}/verify", data=form()).status_code == 404
    client.post(f"/office/shops/{shop.id}/suspend", data=form(reason="Hàng giả"))
    db.session.expire_all()
    assert db.session.get(Shop, shop.id).status == "suspended"
    client.post(f"/office/shops/{shop.id}/reinstate", data=form())
    client.post(f"/office/shops/{shop.id}/verify", data=form())
    db.session.expire_all()
    assert db.session.get(Shop, shop.id).verified_at is not None
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.created_at))
    assert list(actions) == [
        "product.suspend",
        "product.reinstate",
        "shop.suspend",
        "shop.reinstate",
        "shop.verify",
    ]
    trail = client.get("/office/audit", query_string={"action": "shop.suspend"})
    assert "Hàng giả" in trail.get_data(as_text=True)
    mine = client.get("/office/audit", query_string={"actor": officer.id}).get_data(as_text=True)
    assert mine.count('<code class="small">') == 5
    assert client.get("/office/audit?cursor=garbage").status_code == 400


@pytest.fixture
def sales():
    van_ho = make_shop(name="Thổ cẩm Cỏ Chàm", commune="Vân Hồ")
    to_mua = make_shop(name="Chè Tô Múa", commune="Tô Múa")
    now = local_time(local_today(), hour=0, minute=5)
    make_order(van_ho, [(make_product(van_ho), 2, 300000)], created_at=now, shipping_fee=0)
    make_order(to_mua, [(make_product(to_mua), 1, 150000)], created_at=now, shipping_fee=0)
    return van_ho, to_mua


def test_reports_chart_table_csv_and_xlsx_agree_with_the_api(client, officer, sales):
    today = local_today().isoformat()
    query = {"group_by": "commune", "from": today, "to": today}
    page = client.get("/office/reports", query_string=query).get_data(as_text=True)
    drawn = dict(re.findall(r'class="bar" data-key="([^"]+)" data-value="(\d+)"', page))
    api = client.get(
        "/api/v1/reports/sales", query_string=query, headers=headers_for(officer)
    ).get_json()
    assert {k: int(v) for k, v in drawn.items()} == {r["key"]: r["revenue"] for r in api["rows"]}
    assert len(drawn) == 2
    assert "600.000 ₫" in page  # the number beside the bar, and in the table
    assert "<title>Xã Vân Hồ: 600.000 ₫</title>" in page  # and on hover
    csv_body = client.get("/office/reports.csv", query_string=query).get_data()
    assert csv_body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(csv_body.decode("utf-8-sig"))))
    assert {r["key"]: int(r["revenue"]) for r in rows} == {k: int(v) for k, v in drawn.items()}
    xlsx = client.get("/office/reports.xlsx", query_string={**query, "group_by": "shop"})
    assert xlsx.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    values = list(sheet.values)
    assert values[0] == ("Gian hàng", "Đơn hàng", "Số sản phẩm", "Doanh thu (₫)")
    assert {row[0]: row[3] for row in values[1:3]} == {
        "Thổ cẩm Cỏ Chàm": 600000,
        "Chè Tô Múa": 150000,
    }
    for group_by in ("shop", "month", "ocop_stars", "category"):
        response = client.get("/office/reports", query_string={**query, "group_by": group_by})
        assert response.status_code == 200, group_by
    assert client.get("/office/reports?group_by=nonsense").status_code == 422
    wrong = client.get("/office/reports", query_string={"from": today, "to": "2020-01-01"})
    assert wrong.status_code == 422 and 'id="from-error"' in wrong.get_data(as_text=True)
    assert client.get("/office/reports?from=31/12/2026").status_code == 422


def test_overview_compares_this_month_with_the_last(client, officer, sales):
    page = client.get("/office").get_data(as_text=True)
    assert 'id="month-compare"' in page and "750.000 ₫" in page
    assert "chart-stars" in page and "chart-months" in page
    assert client.get("/office?from=2026-13-01").status_code == 422


def test_assistance_opened_and_ended_from_the_console(client, officer, form):
    shop = make_shop(name="Vườn lan Quang Minh")
    page = client.get(f"/office/assistance?shop={shop.id}").get_data(as_text=True)
    assert f'<option value="{shop.id}" selected>' in page
    short = client.post("/office/assistance", data=form(shop=shop.id, consent_note="ok"))
    assert short.status_code == 422 and 'id="consent_note-error"' in short.get_data(as_text=True)
    no_shop = client.post("/office/assistance", data=form(shop="", consent_note="Nhờ tại xã"))
    assert no_shop.status_code == 422
    note = "Anh nhờ tại UBND xã, có trưởng bản làm chứng."
    opened = client.post(f"/office/shops/{shop.id}/assistance", data=form(consent_note=note))
    assert opened.status_code == 303
    listing = client.get("/office/assistance").get_data(as_text=True)
    assert f'href="/seller?shop={shop.id}"' in listing and note in listing
    twice = client.post("/office/assistance", data=form(shop=shop.id, consent_note=note))
    assert twice.status_code == 409
    ended = client.post(f"/office/shops/{shop.id}/assistance/end", data=form())
    assert ended.status_code == 303
    assert db.session.scalar(sa.select(AssistanceGrant.ended_at)) is not None
    assert client.post(f"/office/shops/{shop.id}/assistance/end", data=form()).status_code == 404


def test_the_console_reads_in_english_too(client, officer, sales):
    page = client.get("/office/reports?group_by=shop&lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page and "Sales by shop" in page
    assert "Thổ cẩm Cỏ Chàm" in page  # shops are named, not their slugs
    assert "Trade office" in client.get("/office").get_data(as_text=True)
