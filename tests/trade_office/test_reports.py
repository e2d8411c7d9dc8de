"""Reports: which orders count, which local day, revenue per grouping, CSV, query bounds."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from marketplace.extensions import db
from marketplace.models import Category, Order
from marketplace.services.places import local_today
from marketplace.services.trade_office.reports import local_month
from tests.factories import make_livestream, make_product, make_shop
from tests.factories.trade_office import certify, local_time, make_order

PERIOD = {"from": "2026-01-01", "to": "2026-02-28"}
NUMBERS = ("orders", "units", "revenue")


@pytest.fixture
def officer(auth):
    return auth.user("officer")


def category(slug: str) -> str:
    return db.session.scalar(db.select(Category.id).where(Category.slug == slug))


@pytest.fixture
def sales():
    """Four counted orders in the period, and five that must not count."""
    van_ho = make_shop(name="HTX Vân Hồ", slug="htx-van-ho", commune="Vân Hồ")
    long_luong = make_shop(name="Cỏ Chàm", slug="co-cham", commune="Song Khủa")
    suspended = make_shop(commune="Tô Múa", status="suspended")
    honey = make_product(van_ho, title="Mật ong", category_id=category("honey"))
    tea = make_product(van_ho, title="Chè", category_id=category("tea"))
    scarf = make_product(long_luong, title="Khăn piêu")
    make_product(van_ho, status="draft")
    certify(honey, 4)
    certify(tea, 5, expires_on=local_today() - timedelta(days=1))
    certify(make_product(suspended), 3)
    live = make_livestream(van_ho, status="ended")
    make_order(
        van_ho,
        [(honey, 2, 100000), (tea, 1, 50000)],
        created_at=local_time(date(2026, 1, 10)),
        shipping_fee=30000,
    )
    make_order(
        van_ho,
        [(honey, 1, 100000, live.id)],
        created_at=local_time(date(2026, 1, 31), 23, 30),
        status="delivered",
        shipping_fee=20000,
    )
    make_order(  # 2026-01-31 17:30 UTC: February in Vietnam
        long_luong,
        [(scarf, 3, 40000)],
        created_at=local_time(date(2026, 2, 1), 0, 30),
        status="confirmed",
        shipping_fee=0,
    )
    make_order(
        long_luong,
        [(scarf, 1, 40000)],
        created_at=local_time(date(2026, 2, 28), 23, 59),
        shipping_fee=10000,
    )
    day = local_time(date(2026, 1, 15))
    make_order(long_luong, [(scarf, 5, 40000)], created_at=day, status="cancelled")
    make_order(van_ho, [(honey, 5, 100000)], created_at=day, status="pending_payment")
    make_order(van_ho, [(honey, 5, 100000)], created_at=day, status="returned")
    make_order(
        van_ho,
        [(honey, 7, 100000)],
        created_at=local_time(date(2025, 12, 31), 23, 59),
        status="shipped",
    )
    make_order(long_luong, [(scarf, 9, 40000)], created_at=local_time(date(2026, 3, 1), 0, 0))


def report(client, headers, group_by, **query):
    response = client.get(
        "/api/v1/reports/sales",
        query_string={**PERIOD, "group_by": group_by, **query},
        headers=headers,
    )
    assert response.status_code == 200, response.get_json()
    return response


def rows(client, headers, group_by, **query):
    return [
        (r["key"], r["orders"], r["units"], r["revenue"])
        for r in report(client, headers, group_by, **query).get_json()["rows"]
    ]


def test_sales_by_commune_shop_and_local_month(client, officer, sales):
    headers = officer[1]
    assert rows(client, headers, "commune") == [
        ("Xã Song Khủa", 2, 4, 170000),
        ("Xã Vân Hồ", 2, 4, 400000),
    ]
    assert [
        (r["commune_code"], r["province"])
        for r in report(client, headers, "commune").get_json()["rows"]
    ] == [("04006", "Sơn La"), ("04048", "Sơn La")]
    assert rows(client, headers, "shop") == [
        ("co-cham", 2, 4, 170000),
        ("htx-van-ho", 2, 4, 400000),
    ]
    assert rows(client, headers, "month") == [
        ("2026-01", 2, 4, 400000),
        ("2026-02", 2, 4, 170000),
    ]
    assert report(client, headers, "month").get_json()["currency"] == "VND"


def test_sales_by_stars_certified_today_and_by_category_count_line_totals(client, officer, sales):
    headers = officer[1]
    assert rows(client, headers, "ocop_stars") == [
        ("4", 2, 3, 300000),
        ("none", 3, 5, 210000),  # the expired five-star tea counts as none
    ]
    assert rows(client, headers, "category") == [
        ("honey", 2, 3, 300000),
        ("none", 2, 4, 160000),
        ("tea", 1, 1, 50000),
    ]


def test_period_bounds_are_local_days_inclusive(client, officer, sales):
    headers = officer[1]
    assert rows(client, headers, "month", **{"from": "2026-02-01", "to": "2026-02-01"}) == [
        ("2026-02", 1, 3, 120000)
    ]
    assert rows(client, headers, "month", **{"from": "2026-01-31", "to": "2026-01-31"}) == [
        ("2026-01", 1, 1, 120000)
    ]
    everything = client.get(
        "/api/v1/reports/sales", query_string={"group_by": "month"}, headers=headers
    ).get_json()["rows"]
    assert [(r["key"], r["orders"]) for r in everything] == [
        ("2025-12", 1),
        ("2026-01", 2),
        ("2026-02", 2),
        ("2026-03", 1),
    ]


def test_the_calendars_ends_are_no_bounds(client, officer, sales):
    query = {"from": "0001-01-01", "to": "9999-12-31"}
    assert [r[0] for r in rows(client, officer[1], "month", **query)] == [
        "2025-12",
        "2026-01",
        "2026-02",
        "2026-03",
    ]
    overview = client.get("/api/v1/reports/overview", query_string=query, headers=officer[1])
    assert overview.get_json()["orders"] == 6


def test_overview(client, officer, sales):
    response = client.get("/api/v1/reports/overview", query_string=PERIOD, headers=officer[1])
    assert response.status_code == 200
    body = response.get_json()
    assert {k: body[k] for k in ("shops", "active_products", "ocop_products")} == {
        "shops": 2,
        "active_products": 3,
        "ocop_products": {"3": 0, "4": 1, "5": 0},
    }
    assert (body["orders"], body["revenue"], body["currency"]) == (4, 570000, "VND")
    assert (body["livestream_revenue"], body["line_revenue"]) == (100000, 510000)
    assert body["livestream_share"] == pytest.approx(100000 / 510000, abs=1e-4)


def test_overview_of_an_empty_period(client, officer, sales):
    body = client.get(
        "/api/v1/reports/overview",
        query_string={"from": "2020-01-01", "to": "2020-12-31"},
        headers=officer[1],
    ).get_json()
    assert (body["orders"], body["revenue"], body["livestream_revenue"]) == (0, 0, 0)
    assert body["livestream_share"] == 0


def test_csv_has_a_header_and_the_same_numbers(client, officer, sales):
    for group_by in ("commune", "shop", "month", "ocop_stars", "category"):
        response = report(client, officer[1], group_by, format="csv")
        assert response.mimetype == "text/csv"
        table = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
        places = ["commune_code", "province"] if group_by == "commune" else []
        assert table[0] == ["key", *places, "orders", "units", "revenue"]
        expected = report(client, officer[1], group_by).get_json()["rows"]
        assert table[1:] == [
            [r["key"], *(r[name] for name in places), *(str(r[n]) for n in NUMBERS)]
            for r in expected
        ]


def test_communes_are_grouped_by_code_and_unmapped_ones_by_name(client, officer):
    """Two communes named alike in two provinces are two rows; a shop the 2025 migration left
    with its old commune (no code) is a row of its own, with a null code."""
    here = make_shop(commune="Tân Thành", province="Tây Ninh")
    there = make_shop(commune="Tân Thành", province="Đồng Tháp")
    old = make_shop()
    old.commune, old.commune_code = "Lóng Luông", None
    db.session.commit()
    for shop in (here, there, old, here):
        make_order(shop, [(make_product(shop), 1, 10000)], created_at=local_time(date(2026, 1, 5)))
    found = report(client, officer[1], "commune").get_json()["rows"]
    # Sorted by key; the two Tân Thành rows in the database's collation of province names.
    assert [r["key"] for r in found] == ["Lóng Luông", "Xã Tân Thành", "Xã Tân Thành"]
    assert {(r["key"], r["commune_code"], r["province"], r["orders"]) for r in found} == {
        ("Lóng Luông", None, "Sơn La", 1),
        ("Xã Tân Thành", there.commune_code, "Đồng Tháp", 1),
        ("Xã Tân Thành", here.commune_code, "Tây Ninh", 2),
    }


@pytest.mark.parametrize(
    "query",
    [
        {"group_by": "commune", "from": "2026-13-01"},
        {"group_by": "commune", "to": "yesterday"},
        {"group_by": "commune", "from": "2026-02-01", "to": "2026-01-31"},
        {"group_by": "village"},
        {"group_by": "commune", "format": "xlsx"},
    ],
)
def test_bad_parameters_are_422(client, officer, query):
    response = client.get("/api/v1/reports/sales", query_string=query, headers=officer[1])
    assert response.status_code == 422
    assert response.get_json()["error"]["details"]


def test_overview_checks_dates_too(client, officer):
    response = client.get(
        "/api/v1/reports/overview",
        query_string={"from": "2026-03-01", "to": "2026-02-01"},
        headers=officer[1],
    )
    assert response.status_code == 422
    assert "from" in response.get_json()["error"]["details"]


def test_reports_are_for_the_office(client, auth):
    for url in ("/api/v1/reports/overview", "/api/v1/reports/sales?group_by=shop"):
        assert client.get(url).status_code == 401
        for role in ("buyer", "artisan"):
            assert client.get(url, headers=auth.user(role)[1]).status_code == 403
        assert client.get(url, headers=auth.user("admin")[1]).status_code == 200


def test_reports_take_the_same_queries_whatever_the_number_of_orders(
    client, officer, sales, count_queries
):
    def measure() -> list[int]:
        counts = []
        for group_by in ("commune", "month", "ocop_stars"):
            with count_queries() as counter:
                report(client, officer[1], group_by)
            counts.append(counter.count)
        with count_queries() as counter:
            client.get("/api/v1/reports/overview", query_string=PERIOD, headers=officer[1])
        return [*counts, counter.count]

    before = measure()
    shop = make_shop(commune="Xuân Nha")
    products = [make_product(shop) for _ in range(3)]
    for n in range(30):
        make_order(
            shop,
            [(products[n % 3], 1 + n % 4, 50000), (products[(n + 1) % 3], 1, 20000)],
            created_at=local_time(date(2026, 1, 1 + n % 28)),
        )
    after = measure()
    assert after == before
    # Sign-in (and SQLite's BEGIN), then one query per sales report and two for the overview.
    assert after[:3] == [after[0]] * 3 and after[3] == after[0] + 1
    assert max(after) <= 4
    assert ("Xã Xuân Nha", 30) in [(k, o) for k, o, _, _ in rows(client, officer[1], "commune")]


def test_months_do_not_depend_on_the_database_sessions_time_zone(app, client, officer, sales):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no session time zone")
    expected = rows(client, officer[1], "month")
    # The requests share the test's connection: its time zone is theirs.
    db.session.execute(db.text("SET TIME ZONE 'America/Los_Angeles'"))
    assert rows(client, officer[1], "month") == expected
    db.session.execute(db.text("SET TIME ZONE 'Asia/Ho_Chi_Minh'"))
    assert rows(client, officer[1], "month") == expected


def test_the_planner_knows_how_many_months_there_are(app, sales):
    """The statistics of migration trade_office_0002 match the expression the reports use."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("expression statistics are PostgreSQL's")
    shop = make_shop()
    product = make_product(shop)
    for n in range(300):
        make_order(shop, [(product, 1, 1000)], created_at=local_time(date(2026, 4, 1 + n % 30)))
    db.session.execute(db.text("ANALYZE orders"))
    month = local_month(Order.created_at)
    grouped = db.select(month, db.func.count()).group_by(month)
    sql = grouped.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
    plan = db.session.execute(db.text(f"EXPLAIN (FORMAT JSON) {sql}")).scalar()
    assert plan[0]["Plan"]["Plan Rows"] <= 10  # five months, not one group per order
