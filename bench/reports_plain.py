"""The sales reports as they were before the daily rollups: a plain GROUP BY over every counted
order and its lines. bench/reports.py times them beside the rollups in the same run and checks
that both give the same rows."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Category, OcopCertificate, Order, OrderLine, Product, Shop
from marketplace.services.trade_office.reports import (
    ORDER_GROUPS,
    _counted,
    _valid_certificate_join,
    local_month,
    month_label,
)


def _order_rows(group_by: str, counted) -> sa.Select:
    """Orders and revenue per key, and units per key, aggregated apart and joined on the key.

    Aggregating the lines apart (rather than per order, then per key) spares the database a
    group for every order: two hash aggregates of a handful of keys. Communes are keyed by
    code, name and province (a shop the 2025 mapping left without a code: by its name).
    """
    keys = {
        "commune": (
            Shop.commune.label("key"),
            sa.func.coalesce(Shop.commune_code, "").label("commune_code"),
            Shop.province.label("province"),
        ),
        "shop": (Shop.slug.label("key"),),
        "month": (local_month(Order.created_at).label("key"),),
    }[group_by]

    def keyed(stmt: sa.Select) -> sa.Select:
        stmt = stmt.where(*counted).group_by(*(key.element for key in keys))
        return stmt if group_by == "month" else stmt.join(Shop, Shop.id == Order.shop_id)

    orders = keyed(
        sa.select(
            *keys,
            sa.func.count(Order.id).label("orders"),
            sa.func.sum(Order.total).label("revenue"),
        ).select_from(Order)
    ).subquery()
    units = keyed(
        sa.select(*keys, sa.func.sum(OrderLine.quantity).label("units"))
        .select_from(Order)
        .join(OrderLine, OrderLine.order_id == Order.id)
    ).subquery()
    names = [key.name for key in keys]
    label = month_label(orders.c.key) if group_by == "month" else orders.c.key
    return sa.select(
        label.label("key"),
        *(orders.c[name] for name in names[1:]),
        orders.c.orders,
        units.c.units,
        orders.c.revenue,
    ).join(units, sa.and_(*(units.c[name] == orders.c[name] for name in names)))


def _line_rows(group_by: str, counted) -> sa.Select:
    """Lines grouped by their product's stars (valid today) or category; revenue of lines."""
    lines = (
        sa.select(OrderLine.order_id, OrderLine.quantity, OrderLine.line_total)
        .select_from(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .join(Product, Product.id == OrderLine.product_id)
        .where(*counted)
    )
    if group_by == "ocop_stars":
        key = sa.func.coalesce(sa.cast(OcopCertificate.stars, sa.String), "none")
        lines = lines.outerjoin(OcopCertificate, _valid_certificate_join())
    else:
        key = sa.func.coalesce(Category.slug, "none")
        lines = lines.outerjoin(Category, Category.id == Product.category_id)
    lines = lines.add_columns(key.label("key")).subquery()
    return sa.select(
        lines.c.key,
        sa.func.count(sa.distinct(lines.c.order_id)).label("orders"),
        sa.func.sum(lines.c.quantity).label("units"),
        sa.func.sum(lines.c.line_total).label("revenue"),
    ).group_by(lines.c.key)


def plain_sales(group_by: str, first: date | None, last: date | None) -> list[dict]:
    """Rows ``{key, orders, units, revenue}`` sorted by key, in one query; commune rows also
    carry ``commune_code`` (null for a commune the 2025 mapping did not know) and ``province``.
    """
    counted = _counted(first, last)
    stmt = (
        _order_rows(group_by, counted)
        if group_by in ORDER_GROUPS
        else _line_rows(group_by, counted)
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
