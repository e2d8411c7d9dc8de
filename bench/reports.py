"""Sales report by commune over a year of 200,000 orders, on PostgreSQL.

Creates a fresh database, applies the migrations, bulk-loads 500 shops in Sơn La's 75 communes
and 200,000 orders (about 1.5 lines each) spread over one year with COPY, then times
``reports.sales("commune", …)`` for that year (the service the endpoint calls) and the HTTP
endpoint itself. The baseline, from the same run, fetches the same counted orders and lines into
Python and adds them up there. Prints medians, the ratio to the baseline and to the 300 ms target.

The order triggers of migration reports_0001 append each order's figures to
``sales_daily_changes`` as the COPY loads them; the bench then folds them into ``sales_daily``
(``flask reports compact``, timed) as cron would. Last, it scales the rollup to 10,000,000
counted orders (``generate_series`` straight into ``sales_daily``: the same 500 shops over the
same year, what a day and shop's row would hold) and times the commune and month reports
again, printing their ratio to the 200,000-order figures of the same run (target: within 2x).
The database is dropped at the end.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres python bench/reports.py
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reports_plain import plain_sales  # noqa: E402

from marketplace.models.product import new_trace_code  # noqa: E402
from marketplace.services import places  # noqa: E402

SERVER_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
ORDERS = int(os.environ.get("BENCH_ORDERS", "200000"))
SHOPS = 500
PRODUCTS_PER_SHOP = 4
RUNS = 15
TARGET_MS = 300
BIG_ORDERS = int(os.environ.get("BENCH_BIG_ORDERS", "10000000"))
# Sơn La's 75 communes and wards (2025).
COMMUNES = list(places.communes("14"))
STATUSES = (
    ["placed"] * 2
    + ["confirmed"] * 2
    + ["shipped"] * 2
    + ["delivered"] * 10
    + [
        "cancelled",
        "returned",
        "pending_payment",
    ]
)
YEAR = 2025


def new_id() -> str:
    return uuid.uuid4().hex


def copy_rows(conn: psycopg.Connection, table: str, columns: list[str], rows) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def load(dsn: str) -> None:
    """Users, shops, products, variants, then checkouts, orders and lines, with COPY."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    with psycopg.connect(dsn) as conn:
        owners = [
            (new_id(), f"Artisan {i}", f"artisan{i}@bench.test", "x", "artisan", "vi", now)
            for i in range(SHOPS)
        ]
        copy_rows(
            conn,
            "users",
            ["id", "name", "email", "password_hash", "role", "locale", "created_at"],
            owners,
        )
        shops = [
            (
                new_id(),
                f"shop-{i}",
                f"Shop {i}",
                f"shop {i}",
                "Sơn La",
                "14",
                COMMUNES[i % len(COMMUNES)].name,
                COMMUNES[i % len(COMMUNES)].code,
                owners[i][0],
                "active",
                now,
                now,
            )
            for i in range(SHOPS)
        ]
        copy_rows(
            conn,
            "shops",
            [
                "id",
                "slug",
                "name",
                "name_search",
                "province",
                "province_code",
                "commune",
                "commune_code",
                "owner_id",
                "status",
                "created_at",
                "updated_at",
            ],
            shops,
        )
        products, variants = [], []
        for shop in shops:
            for j in range(PRODUCTS_PER_SHOP):
                price = rng.randrange(20, 800) * 1000
                product_id = new_id()
                products.append(
                    (
                        product_id,
                        shop[0],
                        f"Product {j}",
                        "active",
                        price,
                        f"product {j}",
                        f"product {j}",
                        new_trace_code(),
                        now,
                        now,
                    )
                )
                variants.append((new_id(), product_id, "{}", price, 1000, "active", 0))
        copy_rows(
            conn,
            "products",
            [
                "id",
                "shop_id",
                "title",
                "status",
                "price",
                "title_search",
                "text_search",
                "trace_code",
                "created_at",
                "updated_at",
            ],
            products,
        )
        copy_rows(
            conn,
            "product_variants",
            ["id", "product_id", "options", "price", "stock", "status", "position"],
            variants,
        )
        by_shop = defaultdict(list)
        for product, variant in zip(products, variants, strict=True):
            by_shop[product[1]].append((product[0], variant[0], product[4]))

        start = datetime(YEAR, 1, 1, tzinfo=UTC) - timedelta(hours=7)
        seconds = 365 * 24 * 3600
        checkouts, orders, lines = [], [], []
        for _ in range(ORDERS):
            shop = shops[rng.randrange(SHOPS)]
            created = start + timedelta(seconds=rng.randrange(seconds))
            subtotal, position = 0, 0
            order_id = new_id()
            for _ in range(1 if rng.random() < 0.6 else rng.randint(2, 3)):
                product_id, variant_id, price = rng.choice(by_shop[shop[0]])
                quantity = rng.randint(1, 3)
                lines.append(
                    (
                        new_id(),
                        order_id,
                        position,
                        product_id,
                        variant_id,
                        "Product",
                        price,
                        quantity,
                        price * quantity,
                    )
                )
                subtotal += price * quantity
                position += 1
            checkout_id = new_id()
            total = subtotal + 30000
            checkouts.append((checkout_id, "completed", "cod", total, "VND", created, created))
            orders.append(
                (
                    order_id,
                    checkout_id,
                    shop[0],
                    rng.choice(STATUSES),
                    "cod",
                    "unpaid",
                    subtotal,
                    30000,
                    total,
                    "VND",
                    "{}",
                    created,
                    created,
                )
            )
        copy_rows(
            conn,
            "checkouts",
            ["id", "status", "payment_method", "total", "currency", "created_at", "updated_at"],
            checkouts,
        )
        copy_rows(
            conn,
            "orders",
            [
                "id",
                "checkout_id",
                "shop_id",
                "status",
                "payment_method",
                "payment_status",
                "subtotal",
                "shipping_fee",
                "total",
                "currency",
                "shipping_address",
                "created_at",
                "updated_at",
            ],
            orders,
        )
        copy_rows(
            conn,
            "order_lines",
            [
                "id",
                "order_id",
                "position",
                "product_id",
                "variant_id",
                "title",
                "unit_price",
                "quantity",
                "line_total",
            ],
            lines,
        )
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    print(
        f"loaded {len(orders)} orders, {len(lines)} lines, {SHOPS} shops in "
        f"{len(COMMUNES)} communes"
    )


def analyze(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE sales_daily")
        conn.execute("VACUUM ANALYZE sales_daily_changes")
        conn.execute("VACUUM ANALYZE sales_lines")


def scale_rollup(dsn: str, extra: int) -> None:
    """Add ``extra`` counted orders to ``sales_daily``, spread evenly over every day of the
    year and every shop (about 1.6 units and 250,000 VND each)."""
    began = time.perf_counter()
    cells = 365 * SHOPS
    base, remainder = divmod(extra, cells)
    with psycopg.connect(dsn) as conn:
        conn.execute(
            """
            WITH shop AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM shops),
            cell AS (
                SELECT %(start)s::date + (i / %(shops)s) AS day, i %% %(shops)s AS n,
                       %(base)s + (i < %(remainder)s)::int AS orders
                FROM generate_series(0, %(cells)s - 1) AS i
            )
            INSERT INTO sales_daily (day, shop_id, orders, units, revenue)
            SELECT cell.day, shop.id, cell.orders, cell.orders * 8 / 5, cell.orders * 250000
            FROM cell JOIN shop USING (n)
            ON CONFLICT (day, shop_id) DO UPDATE SET
                orders = sales_daily.orders + excluded.orders,
                units = sales_daily.units + excluded.units,
                revenue = sales_daily.revenue + excluded.revenue
            """,
            {
                "start": date(YEAR, 1, 1),
                "shops": SHOPS,
                "base": base,
                "remainder": remainder,
                "cells": cells,
            },
        )
        conn.commit()
    analyze(dsn)
    print(f"scaled the rollup by {extra:,} orders in {time.perf_counter() - began:.1f} s")


def timed(*fns, runs: int = RUNS) -> list[tuple[float, object]]:
    """Median milliseconds and last result of each function, their runs interleaved so that
    the machine's other work weighs on each alike."""
    for fn in fns:
        fn()  # warm the caches and the connection pool
    samples: list[list[float]] = [[] for _ in fns]
    results: list[object] = [None] * len(fns)
    for _ in range(runs):
        for index, fn in enumerate(fns):
            began = time.perf_counter()
            results[index] = fn()
            samples[index].append((time.perf_counter() - began) * 1000)
    return [(statistics.median(s), r) for s, r in zip(samples, results, strict=True)]


def python_baseline(first: date, last: date) -> list[dict]:
    """The same figures added up in Python from fetched rows: what GROUP BY saves."""
    import sqlalchemy as sa

    from marketplace.extensions import db
    from marketplace.models import Order, OrderLine, Shop
    from marketplace.services.trade_office.reports import COUNTED_STATUSES, local_day_bounds

    start, end = local_day_bounds(first, last)
    where = [Order.status.in_(COUNTED_STATUSES), Order.created_at >= start, Order.created_at < end]
    sums: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    commune_of: dict[str, tuple] = {}
    for order_id, *commune, total in db.session.execute(
        sa.select(Order.id, Shop.commune, Shop.commune_code, Shop.province, Order.total)
        .join(Shop)
        .where(*where)
    ):
        commune = tuple(commune)
        commune_of[order_id] = commune
        sums[commune][0] += 1
        sums[commune][2] += total
    for order_id, quantity in db.session.execute(
        sa.select(OrderLine.order_id, OrderLine.quantity).join(Order).where(*where)
    ):
        sums[commune_of[order_id]][1] += quantity
    rows = [
        {
            "key": key,
            "commune_code": code,
            "province": province,
            "orders": o,
            "units": u,
            "revenue": r,
        }
        for (key, code, province), (o, u, r) in sums.items()
    ]
    # As the report sorts them (PostgreSQL's C collation is Python's code point order).
    return sorted(rows, key=lambda row: (row["key"], row["province"], row["commune_code"]))


def measure(database_url: str) -> None:
    from flask_migrate import upgrade

    from marketplace import create_app
    from marketplace.extensions import db
    from marketplace.models import User
    from marketplace.services.trade_office import reports
    from tests.factories import headers_for

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench"})
    with app.app_context():
        began = time.perf_counter()
        upgrade(
            directory=str(Path(__file__).resolve().parent.parent / "migrations"), revision="heads"
        )
        print(f"migrations applied in {time.perf_counter() - began:.1f} s")
    began = time.perf_counter()
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    load(dsn)
    print(f"bulk load took {time.perf_counter() - began:.1f} s")
    with app.app_context():
        began = time.perf_counter()
        folded = reports.compact_sales_daily()
        took = time.perf_counter() - began
        print(f"folded {folded} trigger changes into sales_daily in {took:.1f} s")
    analyze(dsn)

    first, last = date(YEAR, 1, 1), date(YEAR, 12, 31)
    with app.app_context():
        officer = User(
            name="Bench officer", email="officer@bench.test", password_hash="x", role="officer"
        )
        db.session.add(officer)
        db.session.commit()
        headers = headers_for(officer)
    client = app.test_client()
    query = {"group_by": "commune", "from": first.isoformat(), "to": last.isoformat()}

    def in_app(fn):
        def run():
            with app.app_context():
                return fn()

        return run

    def over_http():
        response = client.get("/api/v1/reports/sales", query_string=query, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    (service_ms, rows), (http_ms, body) = timed(
        in_app(lambda: reports.sales("commune", first, last)), over_http
    )
    assert body["rows"] == rows
    [(baseline_ms, baseline_rows)] = timed(in_app(lambda: python_baseline(first, last)), runs=3)
    assert rows == baseline_rows, "the SQL report and the Python sums disagree"
    groups = ("shop", "month", "ocop_stars", "category")
    figures = timed(
        *[in_app(lambda g=group: reports.sales(g, first, last)) for group in groups],
        in_app(lambda: reports.overview(first, last)),
        runs=5,
    )
    others = {group: ms for group, (ms, _) in zip(groups, figures, strict=False)}
    overview_ms = figures[-1][0]
    # The plain GROUP BY over orders and lines (before the rollups), timed alternately with
    # the rollups in this run: the same rows, and the time each takes.
    every = ("commune", *groups)
    compared = timed(
        *[
            in_app(lambda g=group, f=fn: f(g, first, last))
            for group in every
            for fn in (reports.sales, plain_sales)
        ],
        runs=5,
    )
    print("rollups against the plain GROUP BY, alternated in this run (5 runs, medians):")
    for index, group in enumerate(every):
        (rollup_ms, rollup_rows), (plain_ms, plain_rows) = compared[2 * index : 2 * index + 2]
        assert rollup_rows == plain_rows, f"{group}: the rollup and the plain GROUP BY disagree"
        print(
            f"  {group:<11} rollup {rollup_ms:8.1f} ms   plain {plain_ms:8.1f} ms   "
            f"rollup/plain {rollup_ms / plain_ms:.2f}  (same rows)"
        )

    counted = sum(r["orders"] for r in rows)
    print(f"sales by commune for {YEAR}: {len(rows)} rows over {counted} counted orders")
    print(f"  service median   {service_ms:8.1f} ms  ({RUNS} runs)")
    print(f"  HTTP median      {http_ms:8.1f} ms  ({RUNS} runs)")
    print(f"  Python baseline  {baseline_ms:8.1f} ms  (fetch rows, add up in Python)")
    print(f"  ratio baseline/service: {baseline_ms / service_ms:.1f}x")
    print(
        f"  target {TARGET_MS} ms: service at {service_ms / TARGET_MS:.2f} of target, "
        f"HTTP at {http_ms / TARGET_MS:.2f} -> {'OK' if http_ms < TARGET_MS else 'MISSED'}"
    )
    for group, ms in others.items():
        print(f"  sales by {group:<11} median {ms:8.1f} ms")
    print(f"  overview         median {overview_ms:8.1f} ms")

    # The same reports at 10,000,000 counted orders: the rollup grown in place.
    scale_rollup(dsn, BIG_ORDERS - counted)
    big = timed(
        *[in_app(lambda g=group: reports.sales(g, first, last)) for group in ("commune", "month")],
        runs=RUNS,
    )
    big_counted = sum(r["orders"] for r in big[0][1])
    assert big_counted == BIG_ORDERS, big_counted
    assert sum(r["orders"] for r in big[1][1]) == BIG_ORDERS
    print(f"the same year at {big_counted:,} counted orders (rollup scaled in SQL):")
    for group, small_ms, (ms, _) in zip(
        ("commune", "month"), (service_ms, others["month"]), big, strict=True
    ):
        ratio = ms / small_ms
        print(
            f"  sales by {group:<8} median {ms:8.1f} ms = {ratio:.2f}x its 200k figure "
            f"-> {'OK' if ratio <= 2 else 'MISSED'} (target <= 2x)"
        )
    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


def main() -> None:
    server = make_url(SERVER_URL)
    name = f"bench_reports_{uuid.uuid4().hex[:8]}"
    admin_dsn = server.set(drivername="postgresql", database="postgres").render_as_string(False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        measure(server.set(database=name).render_as_string(False))
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        print(f"dropped database {name}")


if __name__ == "__main__":
    main()
