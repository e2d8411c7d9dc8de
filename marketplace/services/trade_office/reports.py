"""Reports for the trade office, as defined at the end of API.md.

Orders count when ``placed``, ``confirmed``, ``shipped`` or ``delivered`` and were created within
the local (Asia/Ho_Chi_Minh) days ``from``..``to``, both inclusive. Every figure is aggregated by
the database (GROUP BY), so a report costs the same few queries whatever the number of orders.
The reports by commune, shop and month read the daily rollups (``sales_daily`` and the changes
the triggers of migration reports_0001 append in each order's own transaction): a row per day
and shop rather than one per order, so that they stay fast at millions of orders.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from marketplace.extensions import db
from marketplace.models import (
    Category,
    OcopCertificate,
    Order,
    OrderLine,
    Product,
    SalesDaily,
    SalesDailyChange,
    SalesLine,
    Shop,
)
from marketplace.services.catalog.products import visible_products_clause
from marketplace.services.places import LOCAL_TZ, local_today

# Excel takes a CSV file for UTF-8 only when it starts with a byte-order mark.
BOM = "\ufeff"

COUNTED_STATUSES = ("placed", "confirmed", "shipped", "delivered")
ORDER_GROUPS = ("commune", "shop", "month")
LINE_GROUPS = ("ocop_stars", "category")
GROUPS = ORDER_GROUPS + LINE_GROUPS
CSV_COLUMNS = ("key", "orders", "units", "revenue")
# A commune row names its commune's official name (key), code and province: two communes of
# one name (there are hundreds across the country) are two rows.
COMMUNE_COLUMNS = ("key", "commune_code", "province", "orders", "units", "revenue")


class local_month(FunctionElement):
    """The month of a UTC timestamp in Vietnam's time, as a value cheap to group by.

    Vietnam has kept UTC+7 without daylight saving since 1975, so adding seven hours is exact
    and spares a time-zone lookup per row.
    """

    inherit_cache = True


@compiles(local_month, "postgresql")
def _local_month_postgresql(element, compiler, **kw):
    (timestamp,) = element.clauses
    # AT TIME ZONE 'UTC' first: date_trunc and to_char of a timestamptz would follow the
    # session's TimeZone setting, which is not ours to assume. Migration trade_office_0002 keeps
    # statistics on exactly this expression so that the planner knows there are few months.
    local = f"({compiler.process(timestamp, **kw)} AT TIME ZONE 'UTC') + interval '7 hours'"
    return f"date_trunc('month', {local})"


@compiles(local_month)
def _local_month_sqlite(element, compiler, **kw):
    # SQLite keeps UTC as text: the month's label is as cheap as any other value.
    (timestamp,) = element.clauses
    return f"strftime('%Y-%m', datetime({compiler.process(timestamp, **kw)}, '+7 hours'))"


class month_label(FunctionElement):
    """``YYYY-MM`` of a ``local_month`` value, computed once per group rather than per row."""

    type = sa.String()
    inherit_cache = True


@compiles(month_label, "postgresql")
def _month_label_postgresql(element, compiler, **kw):
    (month,) = element.clauses
    return f"to_char({compiler.process(month, **kw)}, 'YYYY-MM')"


@compiles(month_label)
def _month_label_sqlite(element, compiler, **kw):
    (month,) = element.clauses
    return compiler.process(month, **kw)


def local_day_bounds(
    first: date | None, last: date | None
) -> tuple[datetime | None, datetime | None]:
    """The UTC instants where local day ``first`` starts and local day ``last`` ends.

    None for no bound, including the calendar's own ends (whose neighbours do not exist).
    """
    start = end = None
    if first is not None and first > date.min:
        start = datetime.combine(first, time(), LOCAL_TZ).astimezone(UTC)
    if last is not None and last < date.max:
        end = datetime.combine(last + timedelta(days=1), time(), LOCAL_TZ).astimezone(UTC)
    return start, end


def _counted(first: date | None, last: date | None) -> list[sa.ColumnElement[bool]]:
    start, end = local_day_bounds(first, last)
    conditions = [Order.status.in_(COUNTED_STATUSES)]
    if start is not None:
        conditions.append(Order.created_at >= start)
    if end is not None:
        conditions.append(Order.created_at < end)
    return conditions


def _valid_certificate_join():
    """ON clause for a product's current certificate that is still valid today."""
    return sa.and_(
        OcopCertificate.product_id == Product.id,
        OcopCertificate.is_current.is_(True),
        OcopCertificate.expires_on >= local_today(),
    )


def overview(first: date | None, last: date | None) -> dict:
    """Shops, visible products and OCOP products today; orders and revenue of the period.

    Two queries: one scan of the period's orders and one of their lines, side by side with the
    catalogue counts; then the OCOP products by stars.
    """
    counted = _counted(first, last)
    orders = (
        sa.select(
            sa.func.count(Order.id).label("orders"),
            sa.func.coalesce(sa.func.sum(Order.total), 0).label("revenue"),
        )
        .where(*counted)
        .subquery()
    )
    live_total = sa.case((OrderLine.livestream_id.is_not(None), OrderLine.line_total), else_=0)
    lines = (
        sa.select(
            sa.func.coalesce(sa.func.sum(OrderLine.line_total), 0).label("line_revenue"),
            sa.func.coalesce(sa.func.sum(live_total), 0).label("livestream_revenue"),
        )
        .select_from(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .where(*counted)
        .subquery()
    )
    figures = (
        db.session.execute(
            sa.select(
                sa.select(sa.func.count(Shop.id))
                .where(Shop.status == "active")
                .scalar_subquery()
                .label("shops"),
                sa.select(sa.func.count(Product.id))
                .where(visible_products_clause())
                .scalar_subquery()
                .label("active_products"),
                orders,
                lines,
            ).select_from(orders.join(lines, sa.true()))
        )
        .mappings()
        .one()
    )
    ocop = dict.fromkeys(("3", "4", "5"), 0)
    for stars, count in db.session.execute(
        sa.select(OcopCertificate.stars, sa.func.count(Product.id))
        .select_from(Product)
        .join(OcopCertificate, _valid_certificate_join())
        .where(visible_products_clause())
        .group_by(OcopCertificate.stars)
    ):
        ocop[str(stars)] = count
    line_revenue = int(figures["line_revenue"])
    livestream_revenue = int(figures["livestream_revenue"])
    return {
        "shops": figures["shops"],
        "active_products": figures["active_products"],
        "ocop_products": ocop,
        "orders": figures["orders"],
        "revenue": int(figures["revenue"]),
        "line_revenue": line_revenue,
        "livestream_revenue": livestream_revenue,
        "livestream_share": round(livestream_revenue / line_revenue, 4) if line_revenue else 0.0,
    }


class day_month(FunctionElement):
    """``YYYY-MM`` of a date (a local day of ``sales_daily``)."""

    type = sa.String()
    inherit_cache = True


@compiles(day_month, "postgresql")
def _day_month_postgresql(element, compiler, **kw):
    (day,) = element.clauses
    return f"to_char({compiler.process(day, **kw)}, 'YYYY-MM')"


@compiles(day_month)
def _day_month_sqlite(element, compiler, **kw):
    (day,) = element.clauses
    return f"strftime('%Y-%m', {compiler.process(day, **kw)})"


def _daily(first: date | None, last: date | None) -> sa.Subquery:
    """Counted orders, units and revenue per local day and shop: the rollup and the changes
    not yet folded into it (migration reports_0001 keeps both in step with the orders)."""
    parts = []
    for table in (SalesDaily, SalesDailyChange):
        part = sa.select(table.day, table.shop_id, table.orders, table.units, table.revenue)
        if first is not None and first > date.min:
            part = part.where(table.day >= first)
        if last is not None and last < date.max:
            part = part.where(table.day <= last)
        parts.append(part)
    return sa.union_all(*parts).subquery("daily")


def _order_rows(group_by: str, first: date | None, last: date | None) -> sa.Select:
    """Orders, units and revenue per key from the daily rollups (a row per day and shop, not
    per order). Communes are keyed by code, name and province (a shop the 2025 mapping left
    without a code: by its name). A key shows when it has counted order lines, as the plain
    GROUP BY over orders and lines would give it.
    """
    daily = _daily(first, last)
    keys = {
        "commune": (
            Shop.commune.label("key"),
            sa.func.coalesce(Shop.commune_code, "").label("commune_code"),
            Shop.province.label("province"),
        ),
        "shop": (Shop.slug.label("key"),),
        "month": (day_month(daily.c.day).label("key"),),
    }[group_by]
    units = sa.func.sum(daily.c.units)
    stmt = (
        sa.select(
            *keys,
            sa.func.sum(daily.c.orders).label("orders"),
            units.label("units"),
            sa.func.sum(daily.c.revenue).label("revenue"),
        )
        .select_from(daily)
        .group_by(*(key.element for key in keys))
        .having(units > 0)
    )
    if group_by != "month":
        stmt = stmt.join(Shop, Shop.id == daily.c.shop_id)
    return stmt


_FOLD_POSTGRESQL = sa.text(
    """
WITH moved AS (DELETE FROM sales_daily_changes RETURNING day, shop_id, orders, units, revenue),
summed AS (
    INSERT INTO sales_daily (day, shop_id, orders, units, revenue)
    SELECT day, shop_id, sum(orders), sum(units), sum(revenue) FROM moved GROUP BY day, shop_id
    ON CONFLICT (day, shop_id) DO UPDATE SET
        orders = sales_daily.orders + excluded.orders,
        units = sales_daily.units + excluded.units,
        revenue = sales_daily.revenue + excluded.revenue
    RETURNING 1
)
SELECT count(*) FROM moved"""
)
_FOLD_SQLITE = sa.text(
    """
INSERT INTO sales_daily (day, shop_id, orders, units, revenue)
SELECT day, shop_id, sum(orders), sum(units), sum(revenue)
FROM sales_daily_changes WHERE id <= :last GROUP BY day, shop_id
ON CONFLICT (day, shop_id) DO UPDATE SET
    orders = sales_daily.orders + excluded.orders,
    units = sales_daily.units + excluded.units,
    revenue = sales_daily.revenue + excluded.revenue"""
)


def compact_sales_daily() -> int:
    """Fold the changes the triggers appended into ``sales_daily``; returns how many.

    One statement on PostgreSQL (the rows it deletes are the rows it adds up, whatever commits
    meanwhile), behind an advisory lock so that two compactions do not update the same rollup
    rows in different orders; SQLite has a single writer. Commits.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        locked = db.session.scalar(sa.text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": 19})
        if not locked:
            db.session.rollback()
            return 0
        moved = db.session.scalar(_FOLD_POSTGRESQL)
    else:
        last = db.session.scalar(sa.select(sa.func.max(SalesDailyChange.id)))
        if last is None:
            return 0
        # (SQLite reads ON CONFLICT after a SELECT only when the SELECT has a WHERE.)
        db.session.execute(_FOLD_SQLITE, {"last": last})
        moved = db.session.execute(
            sa.delete(SalesDailyChange).where(SalesDailyChange.id <= last)
        ).rowcount
    db.session.commit()
    return moved


def _line_rows(group_by: str, first: date | None, last: date | None) -> sa.Select:
    """Lines of counted orders (``sales_lines``: no join with the orders) grouped by their
    product's stars (valid today) or category: an order counts once per key it has lines in,
    units and revenue are the lines'. Each product's key is looked up once (a small hash
    join), not per line through the orders. Lines are first summed per key and order, then
    per key: two hash aggregates, where ``count(DISTINCT order)`` would sort every line."""
    if group_by == "ocop_stars":
        key = sa.func.coalesce(sa.cast(OcopCertificate.stars, sa.String), "none")
        keyed = sa.select(Product.id, key.label("key")).outerjoin(
            OcopCertificate, _valid_certificate_join()
        )
    else:
        key = sa.func.coalesce(Category.slug, "none")
        keyed = sa.select(Product.id, key.label("key")).outerjoin(
            Category, Category.id == Product.category_id
        )
    keyed = keyed.subquery("keyed")
    per_order = (
        sa.select(
            keyed.c.key,
            sa.func.sum(SalesLine.quantity).label("units"),
            sa.func.sum(SalesLine.line_total).label("revenue"),
        )
        .join(keyed, keyed.c.id == SalesLine.product_id)
        .group_by(keyed.c.key, SalesLine.order_no)
    )
    if first is not None and first > date.min:
        per_order = per_order.where(SalesLine.day >= first)
    if last is not None and last < date.max:
        per_order = per_order.where(SalesLine.day <= last)
    per_order = per_order.subquery("per_order")
    return sa.select(
        per_order.c.key,
        sa.func.count().label("orders"),
        sa.func.sum(per_order.c.units).label("units"),
        sa.func.sum(per_order.c.revenue).label("revenue"),
    ).group_by(per_order.c.key)


def sales(group_by: str, first: date | None, last: date | None) -> list[dict]:
    """Rows ``{key, orders, units, revenue}`` sorted by key, in one query; commune rows also
    carry ``commune_code`` (null for a commune the 2025 mapping did not know) and ``province``.
    """
    stmt = (
        _order_rows(group_by, first, last)
        if group_by in ORDER_GROUPS
        else _line_rows(group_by, first, last)
    )
    order_by = [stmt.selected_columns.key]
    if group_by == "commune":
        order_by += [stmt.selected_columns.province, stmt.selected_columns.commune_code]
    rows = []
    for row in db.session.execute(stmt.order_by(*order_by)).mappings():
        found = {**row, "units": int(row["units"]), "revenue": int(row["revenue"])}
        if group_by == "commune":
            found["commune_code"] = found["commune_code"] or None
        rows.append(found)
    return rows


def sales_csv(rows: list[dict], group_by: str) -> str:
    """The rows as CSV with a header row, after a UTF-8 byte-order mark (Excel then reads the
    Vietnamese right)."""
    out = io.StringIO()
    out.write(BOM)
    columns = COMMUNE_COLUMNS if group_by == "commune" else CSV_COLUMNS
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sales_xlsx(rows: list[dict], group_by: str, headers: dict[str, str], title: str) -> bytes:
    """The rows as an Excel workbook: one sheet, a header row in the reader's language
    (``headers``: column → heading), numbers as numbers with thousands grouped, a total row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    columns = COMMUNE_COLUMNS if group_by == "commune" else CSV_COLUMNS
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([headers.get(column, column) for column in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row.get(column) for column in columns])
    numeric = [
        index for index, column in enumerate(columns, 1) if column in ("orders", "units", "revenue")
    ]
    total_row = len(rows) + 2
    sheet.cell(row=total_row, column=1, value=headers.get("total", "Total")).font = Font(bold=True)
    for index in numeric:
        letter = sheet.cell(row=1, column=index).column_letter
        cell = sheet.cell(
            row=total_row, column=index, value=f"=SUM({letter}2:{letter}{total_row - 1})"
        )
        cell.font = Font(bold=True)
        for line in range(2, total_row + 1):
            sheet.cell(row=line, column=index).number_format = "#,##0"
    for index, column in enumerate(columns, 1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = 28 if column in ("key", "province") else 16
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def key_names(group_by: str, keys: list[str], locale: str = "vi") -> dict[str, str]:
    """What people call each key: a shop's name for its slug, a category's name for its slug."""
    if group_by == "shop":
        stmt = sa.select(Shop.slug, Shop.name).where(Shop.slug.in_(keys))
    elif group_by == "category":
        name = Category.name if locale == "vi" else Category.name_en
        stmt = sa.select(Category.slug, name).where(Category.slug.in_(keys))
    else:
        return {}
    return {key: name for key, name in db.session.execute(stmt)}
