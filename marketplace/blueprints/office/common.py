"""What every console page shares: who may open it, the officer, the period asked for."""

from __future__ import annotations

from datetime import date, timedelta

from flask_login import current_user
from marshmallow import ValidationError

from marketplace.blueprints.pages.access import for_roles
from marketplace.blueprints.pages.forms import form_errors
from marketplace.schemas.trade_office import PeriodArgs
from marketplace.services.places import local_today

office_only = for_roles(
    "officer", "admin", why="The trade office console is for officers of the district trade office."
)


def officer():
    """The signed-in officer or admin (``office_only`` has checked the role)."""
    return current_user._get_current_object()


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
