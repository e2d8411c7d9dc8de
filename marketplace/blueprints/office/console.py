"""The trade office console pages: the overview, and the registry of every console module.

Each module adds its routes to the office blueprint: ``console`` the overview, ``queue`` the OCOP
applications and certificates, ``curation`` collections, ``moderation`` shops and products,
``reading`` reports and the audit trail, ``assisting`` assisted listing. Every page is for
officers and admins (``office_only``), on the same services as the API.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import render_template, request
from flask_login import current_user
from marshmallow import ValidationError

from marketplace.blueprints.office import charts
from marketplace.blueprints.pages.access import for_roles
from marketplace.blueprints.pages.forms import form_errors
from marketplace.blueprints.pages.present import money
from marketplace.schemas.trade_office import PeriodArgs
from marketplace.services.trade_office import console, reports
from marketplace.services.trade_office.ocop import expiring_certificates, local_today

office_only = for_roles(
    "officer", "admin", why="The trade office console is for officers of the district trade office."
)

# How many months the overview's line chart of revenue shows.
MONTHS_SHOWN = 6


def period(args, *, default_days: int | None = 30) -> tuple[date | None, date | None, dict]:
    """``from`` and ``to`` of the query (local dates, inclusive), defaulting to the last
    ``default_days`` days; errors as ``{field: [messages]}``."""
    try:
        loaded = PeriodArgs().load({k: v for k, v in args.items() if k in ("from", "to") and v})
    except ValidationError as error:
        return None, None, form_errors(error, {"from", "to"})
    first, last = loaded["first"], loaded["last"]
    if first is None and last is None and default_days is not None:
        last = local_today()
        first = last - timedelta(days=default_days - 1)
    return first, last, {}


def month_label(key: str) -> str:
    """``2026-11`` → ``11/2026``."""
    year, month = key.split("-")
    return f"{month}/{year}"


def overview():
    """GET /office: the district at a glance."""
    first, last, errors = period(request.args)
    figures = reports.overview(first, last) if not errors else None
    stars = figures["ocop_products"] if figures else {}
    star_chart = charts.bar_chart(
        [{"key": k, "count": stars.get(k, 0)} for k in ("3", "4", "5")] if figures else [],
        value="count",
        label=lambda row: f"OCOP {row['key']} ★",
        text=str,
    )
    since, today = console.last_months(MONTHS_SHOWN)
    months = reports.sales("month", since, today)
    month_chart = charts.line_chart(
        months, value="revenue", label=lambda row: month_label(row["key"]), text=money
    )
    return render_template(
        "office/overview.html",
        first=first,
        last=last,
        errors=errors,
        figures=figures,
        star_chart=star_chart,
        month_chart=month_chart,
        compare=console.month_against_last(),
        pending=console.count_pending(),
        expiring=len(expiring_certificates(60)),
    ), (422 if errors else 200)


def register(web) -> None:
    """Adds the console's routes to the office blueprint."""
    from marketplace.blueprints.office import assisting, curation, moderation, queue, reading

    web.add_url_rule("", "overview", office_only(overview), strict_slashes=False)
    queue.register(web)
    curation.register(web)
    moderation.register(web)
    reading.register(web)
    assisting.register(web)


def officer():
    """The signed-in officer or admin (``office_only`` has checked the role)."""
    return current_user._get_current_object()
