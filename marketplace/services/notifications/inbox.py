"""The in-app list of a user's notifications, newest first, and marking them read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Notification, User
from marketplace.models.base import utcnow
from marketplace.pagination import SortKey, keyset_page
from marketplace.services.notifications import messages

_KEYS = [SortKey(Notification.created_at, descending=True), SortKey(Notification.id, True)]


@dataclass(frozen=True)
class NotificationView:
    """A notification as its user reads it: its words in their language."""

    id: str
    kind: str
    title: str
    body: str
    link: str | None
    read_at: datetime | None
    created_at: datetime


def view(notification: Notification, locale: str) -> NotificationView:
    text = messages.render(notification.kind, notification.params or {}, locale)
    return NotificationView(
        notification.id,
        notification.kind,
        text.title,
        text.body,
        notification.link,
        notification.read_at,
        notification.created_at,
    )


# Past this, a badge says "99+": counting further would cost a query that grows with the list.
UNREAD_COUNT_CAP = 99


def list_notifications(
    user: User,
    *,
    unread: bool = False,
    limit: int,
    cursor: str | None = None,
    locale: str | None = None,
) -> tuple[list[NotificationView], str | None]:
    """The user's notifications, newest first (``unread``: only those not yet read), in
    ``locale`` (the page's language) or else the user's."""
    stmt = sa.select(Notification).where(Notification.user_id == user.id)
    if unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    items, next_cursor = keyset_page(
        db.session,
        stmt,
        _KEYS,
        scope=f"notifications:{user.id}:{int(unread)}",
        limit=limit,
        cursor=cursor,
        key_values=lambda notification: (notification.created_at, notification.id),
    )
    return [view(item, locale or user.locale) for item in items], next_cursor


def unread_count(user: User) -> int:
    """How many of the user's notifications are unread, counted up to UNREAD_COUNT_CAP + 1
    (one short indexed range: cheap enough for every page's header)."""
    unread = (
        sa.select(Notification.id)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .limit(UNREAD_COUNT_CAP + 1)
        .subquery()
    )
    return db.session.scalar(sa.select(sa.func.count()).select_from(unread)) or 0


def mark_read(user: User, *, ids: list[str] | None = None, everything: bool = False) -> int:
    """Mark the user's own notifications read: those of ``ids`` (others' ids are ignored), or
    all of them; returns how many were unread."""
    stmt = sa.update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if not everything:
        if not ids:
            return 0
        stmt = stmt.where(Notification.id.in_(sorted(set(ids))))
    marked = db.session.execute(
        stmt.values(read_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return marked
