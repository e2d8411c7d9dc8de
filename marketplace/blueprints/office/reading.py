"""Reading the district in the console: sales reports as a chart and a table (CSV with a
byte-order mark, and .xlsx), and the audit trail with its filters."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from marketplace.blueprints.office.charts import bar_chart, line_chart
from marketplace.blueprints.office.common import month_label, office_only, period
from marketplace.blueprints.pages.present import money
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.models import AuditEntry, Role, User
from marketplace.services.trade_office import audit, console, reports

GROUPS = ("commune", "shop", "month", "ocop_stars", "category")
# How many months the reports show unless asked: the demo world's five months of orders.
DEFAULT_MONTHS = 5


def group_names() -> dict[str, str]:
    return {
        "commune": _("Commune"),
        "shop": _("Shop"),
        "month": _("Month"),
        "ocop_stars": _("OCOP stars"),
        "category": _("Category"),
    }


def _report():
    """(group_by, first, last, errors, rows, labels) of the query."""
    group_by = request.args.get("group_by") or "commune"
    errors = {}
    if group_by not in GROUPS:
        errors["group_by"] = [_("Choose what to group the sales by.")]
        group_by = "commune"
    first, last, period_errors = period(request.args, default_days=None)
    errors.update(period_errors)
    if not request.args.get("from") and not request.args.get("to") and not period_errors:
        first, last = console.last_months(DEFAULT_MONTHS)
    rows = [] if errors else reports.sales(group_by, first, last)
    names = reports.key_names(group_by, [row["key"] for row in rows], str(get_locale() or "vi"))
    labels = {row["key"]: _label(group_by, row, names) for row in rows}
    return group_by, first, last, errors, rows, labels


def _label(group_by: str, row: dict, names: dict) -> str:
    key = row["key"]
    if group_by == "month":
        return month_label(key)
    if group_by == "ocop_stars":
        return _("No OCOP") if key == "none" else _("OCOP %(stars)s stars", stars=key)
    if group_by == "category" and key == "none":
        return _("No category")
    return names.get(key, key)


def sales_report():
    """GET /office/reports?group_by=&from=&to=: a chart and a table of the sales."""
    group_by, first, last, errors, rows, labels = _report()
    maker = line_chart if group_by == "month" else bar_chart
    chart = maker(rows, value="revenue", label=lambda row: labels[row["key"]], text=money)
    query = {
        "group_by": group_by,
        "from": first.isoformat() if first else None,
        "to": last.isoformat() if last else None,
    }
    totals = {name: sum(row[name] for row in rows) for name in ("orders", "units", "revenue")}
    return render_template(
        "office/reports.html",
        group_by=group_by,
        groups=group_names(),
        first=first,
        last=last,
        errors=errors,
        rows=rows,
        labels=labels,
        chart=chart,
        line=group_by == "month",
        totals=totals,
        csv_url=url_for("office.reports_download", extension="csv", **query),
        xlsx_url=url_for("office.reports_download", extension="xlsx", **query),
    ), (422 if errors else 200)


def _headers() -> dict[str, str]:
    return {
        "key": group_names().get(request.args.get("group_by") or "commune", _("Group")),
        "commune_code": _("Commune code"),
        "province": _("Province"),
        "orders": _("Orders"),
        "units": _("Units"),
        "revenue": _("Revenue (₫)"),
        "total": _("Total"),
    }


def download(extension: str):
    """GET /office/reports.csv or .xlsx with the page's query: the same rows as the table."""
    group_by, first, last, errors, rows, labels = _report()
    if errors:
        return sales_report()
    span = f"{first.isoformat() if first else 'start'}_{last.isoformat() if last else 'today'}"
    filename = f"sales-{group_by}-{span}.{extension}"
    if extension == "csv":
        body, mimetype = reports.sales_csv(rows, group_by), "text/csv"
    else:
        named = [{**row, "key": labels[row["key"]]} for row in rows]
        body = reports.sales_xlsx(named, group_by, _headers(), group_names()[group_by])
        mimetype = reports.XLSX_TYPE
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


ACTIONS = (
    "ocop.approve",
    "ocop.reject",
    "collection.create",
    "collection.update",
    "collection.delete",
    "shop.suspend",
    "shop.reinstate",
    "shop.verify",
    "product.suspend",
    "product.reinstate",
    "assistance.open",
    "assistance.end",
    "assisted.product_created",
    "assisted.product_updated",
    "assisted.livestream_created",
    "assisted.livestream_updated",
)


def action_names() -> dict[str, str]:
    """What each audited action is called on the page."""
    return {
        "ocop.approve": _("OCOP approved"),
        "ocop.reject": _("OCOP rejected"),
        "collection.create": _("Collection created"),
        "collection.update": _("Collection changed"),
        "collection.delete": _("Collection deleted"),
        "shop.suspend": _("Shop suspended"),
        "shop.reinstate": _("Shop reinstated"),
        "shop.verify": _("Shop verified"),
        "product.suspend": _("Product suspended"),
        "product.reinstate": _("Product reinstated"),
        "assistance.open": _("Assistance opened"),
        "assistance.end": _("Assistance ended"),
        "assisted.product_created": _("Product listed for the owner"),
        "assisted.product_updated": _("Product edited for the owner"),
        "assisted.livestream_created": _("Livestream scheduled for the owner"),
        "assisted.livestream_updated": _("Livestream edited for the owner"),
    }


def audit_trail():
    """GET /office/audit?actor=&action=&cursor=: newest first, 50 a page."""
    actor = request.args.get("actor") or None
    action = request.args.get("action") or None
    cursor = request.args.get("cursor") or None
    error = None
    try:
        entries, next_cursor = audit.list_entries(
            limit=50, cursor=cursor, actor_id=actor, action=action
        )
    except DomainError:  # a cursor from another filter, or tampered with
        db.session.rollback()
        entries, next_cursor = [], None
        error = _("This page of the trail is no longer valid: start again from the newest.")
    staff = list(
        db.session.scalars(
            sa.select(User).where(User.role.in_((Role.OFFICER, Role.ADMIN))).order_by(User.name)
        )
    )
    actor_ids = {entry.actor_id for entry in entries}
    people = {
        user.id: user for user in db.session.scalars(sa.select(User).where(User.id.in_(actor_ids)))
    }
    known = set(db.session.scalars(sa.select(AuditEntry.action).distinct()))
    return render_template(
        "office/audit.html",
        entries=entries,
        next_cursor=next_cursor,
        actor=actor,
        action=action,
        staff=staff,
        people=people,
        actions=sorted(set(ACTIONS) | known),
        action_names=action_names(),
        error=error,
    ), (400 if error else 200)


def register(web) -> None:
    web.add_url_rule("/reports", "reports", office_only(sales_report))
    web.add_url_rule(
        "/reports.<any(csv, xlsx):extension>", "reports_download", office_only(download)
    )
    web.add_url_rule("/audit", "audit", office_only(audit_trail))
