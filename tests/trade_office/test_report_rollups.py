"""The daily rollups behind the reports by commune, shop and month give exactly what a plain
GROUP BY over the orders and their lines gives: after orders are placed, paid, cancelled,
returned, moved between statuses that count, on either side of a local month's end, after the
changes are folded into the rollup, and after the migration's backfill."""

from __future__ import annotations

import importlib.util
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest

from marketplace.extensions import db
from marketplace.models import (
    Category,
    Order,
    OrderLine,
    Product,
    SalesDaily,
    SalesDailyChange,
    SalesLine,
    Shop,
)
from marketplace.services.trade_office import reports
from tests.factories import make_product, make_shop
from tests.factories.trade_office import local_time, make_order

MIGRATION = (
    Path(__file__).resolve().parents[2] / "migrations/versions/0017_reports_daily_rollups.py"
)


def plain(group_by: str, first: date | None, last: date | None) -> list[tuple]:
    """The figures from every order and line, added up here: the reference."""
    if group_by == "category":
        return plain_by_category(first, last)
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for order in db.session.scalars(db.select(Order)):
        day = (order.created_at + timedelta(hours=7)).date()
        if order.status not in reports.COUNTED_STATUSES:
            continue
        if (first and day < first) or (last and day > last):
            continue
        shop = db.session.get(Shop, order.shop_id)
        key = {"commune": shop.commune, "shop": shop.slug, "month": day.strftime("%Y-%m")}[group_by]
        units = sum(
            db.session.scalars(db.select(OrderLine.quantity).where(OrderLine.order_id == order.id))
        )
        figures = sums[key]
        figures[0] += 1
        figures[1] += units
        figures[2] += order.total
    return sorted((key, *figures) for key, figures in sums.items() if figures[1])


def plain_by_category(first: date | None, last: date | None) -> list[tuple]:
    orders: dict[str, set] = defaultdict(set)
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for order in db.session.scalars(db.select(Order)):
        day = (order.created_at + timedelta(hours=7)).date()
        if order.status not in reports.COUNTED_STATUSES:
            continue
        if (first and day < first) or (last and day > last):
            continue
        for line in db.session.scalars(db.select(OrderLine).where(OrderLine.order_id == order.id)):
            product = db.session.get(Product, line.product_id)
            category = (
                db.session.get(Category, product.category_id) if product.category_id else None
            )
            key = category.slug if category else "none"
            orders[key].add(order.id)
            sums[key][0] += line.quantity
            sums[key][1] += line.line_total
    return sorted((key, len(orders[key]), *sums[key]) for key in sums)


def from_report(group_by: str, first: date | None, last: date | None) -> list[tuple]:
    return [
        (r["key"], r["orders"], r["units"], r["revenue"])
        for r in reports.sales(group_by, first, last)
    ]


PERIODS = [
    (None, None),
    (date(2026, 1, 1), date(2026, 1, 31)),
    (date(2026, 2, 1), date(2026, 2, 28)),
    (date(2026, 1, 31), date(2026, 2, 1)),
]


def assert_same() -> None:
    for group_by in ("commune", "shop", "month", "category"):
        for first, last in PERIODS:
            assert from_report(group_by, first, last) == plain(group_by, first, last), (
                group_by,
                first,
                last,
            )


def move(order: Order, status: str) -> None:
    db.session.execute(db.update(Order).where(Order.id == order.id).values(status=status))
    db.session.commit()


@pytest.fixture
def orders():
    van_ho = make_shop(slug="van-ho", commune="Vân Hồ")
    song_khua = make_shop(slug="song-khua", commune="Song Khủa")
    tea_category = db.session.scalar(db.select(Category.id).where(Category.slug == "tea"))
    honey, tea = make_product(van_ho), make_product(van_ho, category_id=tea_category)
    scarf = make_product(song_khua, category_id=tea_category)
    made = {
        # The last minute of January and the first of February in Vietnam (17:00 UTC).
        "january_end": make_order(
            van_ho,
            [(honey, 2, 100000), (tea, 1, 50000)],
            created_at=local_time(date(2026, 1, 31), 23, 59),
        ),
        "february_start": make_order(
            song_khua, [(scarf, 3, 40000)], created_at=local_time(date(2026, 2, 1), 0, 0)
        ),
        "pending": make_order(
            van_ho,
            [(honey, 4, 100000)],
            created_at=local_time(date(2026, 2, 1), 6),
            status="pending_payment",
        ),
        "delivered": make_order(
            song_khua,
            [(scarf, 1, 40000), (scarf, 2, 40000)],
            created_at=local_time(date(2026, 1, 10)),
            status="delivered",
        ),
        "shipped": make_order(
            van_ho, [(tea, 5, 50000)], created_at=local_time(date(2026, 2, 15)), status="shipped"
        ),
    }
    return made


def test_the_rollups_follow_every_move_of_an_order(orders):
    assert_same()
    move(orders["pending"], "placed")  # paid: counts now
    assert_same()
    move(orders["january_end"], "confirmed")  # counted before and after
    assert_same()
    move(orders["january_end"], "cancelled")
    move(orders["delivered"], "returned")
    assert_same()
    assert from_report("month", None, None) == [
        ("2026-02", 3, 12, 3 * 30000 + 120000 + 400000 + 250000)
    ]
    # A line added to a counted order, and one taken off.
    shop = db.session.get(Shop, orders["shipped"].shop_id)
    line = db.session.scalars(
        db.select(OrderLine).where(OrderLine.order_id == orders["shipped"].id)
    ).one()
    extra = OrderLine(
        order_id=line.order_id,
        position=1,
        product_id=line.product_id,
        variant_id=line.variant_id,
        title="x",
        unit_price=1000,
        quantity=7,
        line_total=7000,
    )
    db.session.add(extra)
    db.session.commit()
    assert_same()
    db.session.delete(extra)
    db.session.commit()
    assert_same()
    assert shop.slug == "van-ho"


def test_folding_the_changes_into_the_rollup_changes_no_figure(orders):
    move(orders["february_start"], "cancelled")
    before = {g: from_report(g, None, None) for g in ("commune", "shop", "month")}
    assert db.session.scalar(db.select(db.func.count()).select_from(SalesDailyChange)) > 0
    assert reports.compact_sales_daily() > 0
    assert db.session.scalar(db.select(db.func.count()).select_from(SalesDailyChange)) == 0
    assert {g: from_report(g, None, None) for g in before} == before
    assert_same()
    # Orders keep moving after the fold.
    move(orders["february_start"], "placed")
    move(orders["shipped"], "delivered")
    move(orders["delivered"], "returned")
    assert_same()
    reports.compact_sales_daily()
    assert_same()


def test_the_migrations_backfill_gives_the_same_figures(orders):
    move(orders["january_end"], "cancelled")
    spec = importlib.util.spec_from_file_location("reports_0001", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    db.session.execute(db.delete(SalesDailyChange))
    db.session.execute(db.delete(SalesDaily))
    db.session.execute(db.delete(SalesLine))
    assert from_report("shop", None, None) == []
    assert from_report("category", None, None) == []
    for statement in migration.backfill(db.engine.dialect.name):
        db.session.execute(db.text(statement))
    db.session.commit()
    assert_same()


def test_the_compact_command_folds_the_changes(app, orders):
    result = app.test_cli_runner().invoke(args=["reports", "compact"])
    assert result.exit_code == 0, result.output
    assert "Folded" in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(SalesDailyChange)) == 0
    assert_same()


def test_each_counted_order_has_one_number_on_all_its_lines(orders):
    move(orders["pending"], "placed")
    move(orders["january_end"], "cancelled")
    move(orders["january_end"], "placed")  # counted again: its lines come back, one number
    numbers = db.session.execute(
        db.select(SalesLine.order_id, db.func.count(db.distinct(SalesLine.order_no))).group_by(
            SalesLine.order_id
        )
    ).all()
    assert numbers and all(count == 1 for _, count in numbers)
    per_number = db.session.execute(
        db.select(SalesLine.order_no, db.func.count(db.distinct(SalesLine.order_id))).group_by(
            SalesLine.order_no
        )
    ).all()
    assert len(per_number) == len(numbers)
    assert all(count == 1 for _, count in per_number)
