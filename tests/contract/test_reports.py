"""API.md § Trade office — reports (overview and sales), by the definitions at the end."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.contract.conftest import assert_error

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def local_today():
    return datetime.now(LOCAL).date()


def approve(api, officer, owner, product, stars, **dates):
    body = {
        "certificate_number": f"OCOP-{product['id'][:6]}",
        "stars": stars,
        "issuer": "UBND tỉnh Sơn La",
        "issued_on": dates.get("issued_on", "2025-01-01"),
        "expires_on": dates.get("expires_on", "2029-01-01"),
    }
    application = api.post(
        f"/api/v1/products/{product['id']}/ocop-applications", body, owner
    ).get_json()
    response = api.post(f"/api/v1/ocop/applications/{application['id']}/approve", {}, officer)
    assert response.status_code == 200


@pytest.fixture
def market(api):
    """Two shops, OCOP products (one certificate expired), and orders in every state."""
    officer = api.staff()
    honey_owner, honey_shop = api.shop(name="Mật ong Tô Múa", commune="Tô Múa", shipping_fee=30000)
    cloth_owner, cloth_shop = api.shop(name="Thổ cẩm", commune="Vân Hồ", shipping_fee=20000)
    honey = api.product(honey_owner, honey_shop, price=100000, stock=50, category="honey")
    tea = api.product(honey_owner, honey_shop, price=40000, stock=50, category="tea")
    scarf = api.product(cloth_owner, cloth_shop, price=300000, stock=50, category="brocade")
    approve(api, officer, honey_owner, honey, 4)
    approve(api, officer, cloth_owner, scarf, 5, issued_on="2020-01-01", expires_on="2023-01-01")
    livestream = api.livestream(
        honey_owner, honey_shop, products=[{"product_id": honey["id"], "live_price": 90000}]
    )
    api.post(f"/api/v1/livestreams/{livestream['id']}/start", None, honey_owner)
    buyer = api.register()
    # Counted: a two-shop checkout, and a live order delivered.
    first = api.checkout(
        buyer,
        {"product_id": honey["id"], "quantity": 2},
        {"product_id": tea["id"], "quantity": 1},
        {"product_id": scarf["id"], "quantity": 1},
    )
    live = api.checkout(
        buyer, {"product_id": honey["id"], "quantity": 1, "livestream_id": livestream["id"]}
    )["orders"][0]
    api.order_move(honey_owner, live["id"], "confirm")
    api.order_move(honey_owner, live["id"], "ship", carrier="VNPost", tracking_number="1")
    api.order_move(buyer, live["id"], "deliver")
    # Not counted: cancelled and returned.
    cancelled = api.checkout(buyer, {"product_id": scarf["id"], "quantity": 3})["orders"][0]
    api.order_move(buyer, cancelled["id"], "cancel")
    returned = api.checkout(buyer, {"product_id": tea["id"], "quantity": 4})["orders"][0]
    api.order_move(honey_owner, returned["id"], "confirm")
    api.order_move(honey_owner, returned["id"], "ship", carrier="VNPost", tracking_number="2")
    api.order_move(honey_owner, returned["id"], "return", reason="Bom hàng", restock=True)
    by_shop = {o["shop"]["id"]: o for o in first["orders"]}
    return {
        "officer": officer,
        "honey_shop": honey_shop,
        "cloth_shop": cloth_shop,
        "honey_order": by_shop[honey_shop["id"]],
        "cloth_order": by_shop[cloth_shop["id"]],
        "live_order": live,
    }


def test_overview(api, market):
    officer = market["officer"]
    honey_order, cloth_order, live = (
        market["honey_order"],
        market["cloth_order"],
        market["live_order"],
    )
    today = local_today().isoformat()
    response = api.get(
        "/api/v1/reports/overview", officer, query_string={"from": today, "to": today}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert {
        "shops",
        "active_products",
        "ocop_products",
        "orders",
        "revenue",
        "livestream_revenue",
        "currency",
    } <= set(body)
    assert body["currency"] == "VND"
    assert body["shops"] == 2
    assert body["active_products"] == 3
    assert body["ocop_products"] == {"3": 0, "4": 1, "5": 0}
    assert body["orders"] == 3
    assert body["revenue"] == honey_order["total"] + cloth_order["total"] + live["total"]
    assert body["livestream_revenue"] == 90000
    for name in ("shops", "active_products", "orders", "revenue", "livestream_revenue"):
        assert type(body[name]) is int
    # Without a period: everything.
    assert api.get("/api/v1/reports/overview", officer).get_json()["orders"] == 3
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    later = api.get("/api/v1/reports/overview", officer, query_string={"from": tomorrow}).get_json()
    assert (later["orders"], later["revenue"], later["livestream_revenue"]) == (0, 0, 0)
    assert later["shops"] == 2  # today's figures, whatever the period


def rows(api, officer, group_by, **query):
    response = api.get(
        "/api/v1/reports/sales", officer, query_string={"group_by": group_by, **query}
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert "rows" in body
    for row in body["rows"]:
        assert set(row) >= {"key", "orders", "units", "revenue"}
        assert isinstance(row["key"], str)
    return {row["key"]: (row["orders"], row["units"], row["revenue"]) for row in body["rows"]}


def test_sales_by_commune_shop_and_month(api, market):
    officer = market["officer"]
    honey, cloth, live = market["honey_order"], market["cloth_order"], market["live_order"]
    assert rows(api, officer, "commune") == {
        "Xã Tô Múa": (2, 4, honey["total"] + live["total"]),
        "Xã Vân Hồ": (1, 1, cloth["total"]),
    }
    # v1.1: grouped by commune code; each row names its code and province.
    body = api.get("/api/v1/reports/sales", officer, query_string={"group_by": "commune"})
    places = {(r["key"], r["commune_code"], r["province"]) for r in body.get_json()["rows"]}
    assert places == {("Xã Tô Múa", "04018", "Sơn La"), ("Xã Vân Hồ", "04048", "Sơn La")}
    assert rows(api, officer, "shop") == {
        market["honey_shop"]["slug"]: (2, 4, honey["total"] + live["total"]),
        market["cloth_shop"]["slug"]: (1, 1, cloth["total"]),
    }
    month = local_today().strftime("%Y-%m")
    assert rows(api, officer, "month") == {
        month: (3, 5, honey["total"] + cloth["total"] + live["total"])
    }


def test_sales_by_ocop_stars_are_line_totals_with_stars_valid_today(api, market):
    officer = market["officer"]
    by_stars = rows(api, officer, "ocop_stars")
    # Honey (4 stars): 2 × 100000 in the first order, 1 × 90000 live. The scarf's 5 stars
    # expired, so it counts as none with the tea.
    assert by_stars == {"4": (2, 3, 290000), "none": (2, 2, 40000 + 300000)}


def test_sales_csv_is_the_same_rows(api, market):
    officer = market["officer"]
    response = api.get(
        "/api/v1/reports/sales", officer, query_string={"group_by": "shop", "format": "csv"}
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    reader = csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig")))
    assert reader.fieldnames[:4] == ["key", "orders", "units", "revenue"]
    as_csv = {r["key"]: (int(r["orders"]), int(r["units"]), int(r["revenue"])) for r in reader}
    assert as_csv == rows(api, officer, "shop")


def test_sales_period_bounds(api, market):
    officer = market["officer"]
    today = local_today()
    assert rows(api, officer, "shop", **{"from": today.isoformat(), "to": today.isoformat()})
    assert rows(api, officer, "shop", to=(today - timedelta(days=1)).isoformat()) == {}
    assert rows(api, officer, "shop", **{"from": (today + timedelta(days=1)).isoformat()}) == {}


@pytest.mark.parametrize(
    "query",
    [
        {"group_by": "planet"},
        {"group_by": "shop", "from": "2026-13-01"},
        {"group_by": "shop", "to": "yesterday"},
        {"group_by": "shop", "from": "2026-05-02", "to": "2026-05-01"},
        {"group_by": "shop", "format": "xml"},
    ],
)
def test_bad_sales_queries_are_422(api, query):
    officer = api.staff()
    assert_error(api.get("/api/v1/reports/sales", officer, query_string=query), 422)


def test_sales_are_grouped_by_month_by_default(api, market):
    officer = market["officer"]
    default = api.get("/api/v1/reports/sales", officer)
    by_month = api.get("/api/v1/reports/sales", officer, query_string={"group_by": "month"})
    assert default.status_code == 200
    assert default.get_json() == by_month.get_json()
    assert [row["key"] for row in default.get_json()["rows"]] == [local_today().strftime("%Y-%m")]


def test_reports_are_the_offices(api):
    artisan = api.register("artisan")
    for path in ("/api/v1/reports/overview", "/api/v1/reports/sales?group_by=shop"):
        assert_error(api.get(path), 401)
        assert_error(api.get(path, artisan), 403)
        assert api.get(path, api.staff("admin")).status_code == 200
    assert_error(api.get("/api/v1/reports/overview", api.staff(), query_string={"from": "x"}), 422)
