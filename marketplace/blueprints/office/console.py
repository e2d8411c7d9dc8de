"""The trade office console pages: the overview, and the registry of every console module.

Each module adds its routes to the office blueprint: ``console`` the overview, ``queue`` the OCOP
applications and certificates, ``curation`` collections, ``moderation`` shops and products,
``reading`` reports and the audit trail, ``assisting`` assisted listing. Every page is for
officers and admins (``common.office_only``), on the same services as the API.
"""

from __future__ import annotations

from flask import render_template, request

from marketplace.blueprints.office.assisting import register as register_assisting
from marketplace.blueprints.office.charts import bar_chart, line_chart
from marketplace.blueprints.office.common import month_label, office_only, period
from marketplace.blueprints.office.curation import register as register_curation
from marketplace.blueprints.office.moderation import register as register_moderation
from marketplace.blueprints.office.queue import register as register_queue
from marketplace.blueprints.office.reading import register as register_reading
from marketplace.blueprints.pages.present import money
from marketplace.services.trade_office import console, reports
from marketplace.services.trade_office.ocop import expiring_certificates

# How many months the overview's line chart of revenue shows.
MONTHS_SHOWN = 6


def overview():
    """GET /office: the district at a glance."""
    first, last, errors = period(request.args)
    figures = reports.overview(first, last) if not errors else None
    stars = figures["ocop_products"] if figures else {}
    star_chart = bar_chart(
        [{"key": k, "count": stars.get(k, 0)} for k in ("3", "4", "5")] if figures else [],
        value="count",
        label=lambda row: f"OCOP {row['key']} ★",
        text=str,
    )
    since, today = console.last_months(MONTHS_SHOWN)
    months = reports.sales("month", since, today)
    month_chart = line_chart(
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
    web.add_url_rule("", "overview", office_only(overview), strict_slashes=False)
    register_queue(web)
    register_curation(web)
    register_moderation(web)
    register_reading(web)
    register_assisting(web)
