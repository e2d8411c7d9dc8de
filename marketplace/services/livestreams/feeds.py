"""Finding livestreams: the public list, the calendar feed, and a session's sales figures."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from icalendar import Calendar, Event

from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.messages import N_
from marketplace.models import Livestream, LivestreamClaim, Order, OrderLine, Shop, User
from marketplace.models.base import utcnow
from marketplace.pagination import SortKey, keyset_page
from marketplace.services import places
from marketplace.services.livestreams.featured import loading_options
from marketplace.services.livestreams.sessions import ASSUMED_LENGTH, viewable_by_owner_or_staff

# Orders that count for reports (and so for a session's stats).
COUNTED_ORDER_STATUSES = ("placed", "confirmed", "shipped", "delivered")
# Without ?status=: what is on now, then what is coming.
DEFAULT_STATUSES = ("live", "scheduled")
STATUS_RANK = {"live": 0, "scheduled": 1, "ended": 2, "cancelled": 3}
# Calendars show a session with no planned end as lasting this long.
CALENDAR_LENGTH = timedelta(hours=1)
CALENDAR_LIMIT = 500
PLATFORM_NAMES = {
    "facebook": "Facebook",
    "tiktok": "TikTok",
    "youtube": "YouTube",
    "zalo": "Zalo",
    "other": "",
}


def _public() -> sa.Select:
    return (
        sa.select(Livestream)
        .join(Shop, Shop.id == Livestream.shop_id)
        .where(Shop.status == "active")
        .options(*loading_options())
    )


def _shop_clause(ref: str) -> sa.ColumnElement[bool]:
    return sa.or_(Shop.id == ref, Shop.slug == ref)


def list_livestreams(
    *,
    statuses: tuple[str, ...] | None,
    shop: str | None,
    commune: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Livestream], str | None]:
    """One page of public sessions: live first, then upcoming by start (a single ``ended`` or
    ``cancelled`` status: the latest first). A constant number of queries per page."""
    statuses = statuses or DEFAULT_STATUSES
    stmt = _public().where(Livestream.status.in_(statuses))
    if shop:
        stmt = stmt.where(_shop_clause(shop))
    if commune:
        # A code or a name, as the shop and product lists take it.
        stmt = stmt.where(Shop.commune_code.in_(places.commune_codes(commune)))
    if len(statuses) == 1 and statuses[0] in ("ended", "cancelled"):
        keys = [SortKey(Livestream.scheduled_start, True), SortKey(Livestream.id, True)]

        def key_values(row):
            return (row.scheduled_start, row.id)
    else:
        rank = sa.case(STATUS_RANK, value=Livestream.status)
        keys = [SortKey(rank), SortKey(Livestream.scheduled_start), SortKey(Livestream.id)]

        def key_values(row):
            return (STATUS_RANK[row.status], row.scheduled_start, row.id)

    scope = "livestreams:" + ",".join(sorted(statuses))
    rows, next_cursor = keyset_page(
        db.session,
        stmt,
        keys,
        scope=scope,
        limit=limit,
        cursor=cursor,
        key_values=key_values,
    )
    return rows, next_cursor


def livestream_stats(user: User, livestream_id: str) -> dict:
    """Orders, units and revenue (line totals, shipping excluded) of the lines attributed to
    the session in orders that count for reports, and how many comment claims it took."""
    livestream = viewable_by_owner_or_staff(user, livestream_id)
    orders, units, revenue = db.session.execute(
        sa.select(
            sa.func.count(sa.distinct(OrderLine.order_id)),
            sa.func.coalesce(sa.func.sum(OrderLine.quantity), 0),
            sa.func.coalesce(sa.func.sum(OrderLine.line_total), 0),
        )
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            OrderLine.livestream_id == livestream.id,
            Order.status.in_(COUNTED_ORDER_STATUSES),
        )
    ).one()
    claims = db.session.scalar(
        sa.select(sa.func.count()).where(LivestreamClaim.livestream_id == livestream.id)
    )
    return {
        "orders": int(orders),
        "units": int(units),
        "revenue": int(revenue),
        "currency": current_app.config["CURRENCY"],
        "claims": int(claims or 0),
    }


def _event(livestream: Livestream) -> Event:
    shop = livestream.shop
    start = livestream.scheduled_start
    end = livestream.scheduled_end or start + CALENDAR_LENGTH
    platform = PLATFORM_NAMES[livestream.platform]
    lines = [f"{shop.name} — livestream{' on ' + platform if platform else ''}", livestream.url]
    if livestream.description:
        lines.append(livestream.description)
    event = Event()
    # Stable across fetches and edits, so a subscribed calendar updates the event in place.
    event.add("uid", f"{livestream.id}@cho-phien")
    event.add("dtstamp", livestream.updated_at)
    event.add("last-modified", livestream.updated_at)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", livestream.title)
    event.add("description", "\n".join(lines))
    event.add("url", livestream.url)
    event.add("location", livestream.url)
    event.add("status", "CONFIRMED")
    event.add("categories", ["Livestream", shop.name])
    return event


def livestream_calendar(shop_ref: str | None) -> bytes:
    """An iCalendar feed of live and upcoming public sessions (of one shop with ``shop_ref``;
    404 for a shop that does not exist or is suspended)."""
    name = "Chợ Phiên — livestreams"
    stmt = _public().where(Livestream.status.in_(DEFAULT_STATUSES))
    if shop_ref:
        shop = db.session.scalar(
            sa.select(Shop).where(_shop_clause(shop_ref), Shop.status == "active").limit(1)
        )
        if shop is None:
            raise NotFound(N_("No such shop."), code="shop_not_found")
        stmt = stmt.where(Livestream.shop_id == shop.id)
        name = f"{shop.name} — livestreams"
    # Scheduled sessions whose planned time is over are left out even before close-stale runs.
    now = utcnow()
    stmt = stmt.where(
        sa.or_(
            Livestream.status == "live",
            Livestream.scheduled_end >= now,
            sa.and_(
                Livestream.scheduled_end.is_(None),
                Livestream.scheduled_start >= now - ASSUMED_LENGTH,
            ),
        )
    ).order_by(Livestream.scheduled_start, Livestream.id)
    calendar = Calendar()
    calendar.add("prodid", "-//Cho Phien//Livestreams//VI")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Ho_Chi_Minh")
    # How often subscribed calendars should fetch the feed again (RFC 7986 and Outlook's name).
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for livestream in db.session.scalars(stmt.limit(CALENDAR_LIMIT)):
        calendar.add_component(_event(livestream))
    return calendar.to_ical()
