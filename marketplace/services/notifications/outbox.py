"""The outbox: notifications written with their events, and the deliveries made from them.

``write`` runs in the caller's transaction and commits nothing: a notification goes in with the
event that caused it, or not at all. It is one INSERT, whatever the number of notifications,
and looks nothing up: a checkout is the hottest path we have, and a livestream may have many
followers to tell. Who is told over which channels is settled afterwards by the worker
(``deliveries_for``), from the users' choices at that moment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Notification, NotificationDelivery, ShopFollow, User
from marketplace.models.base import new_id, utcnow

_INSERT_NOTIFICATIONS = sa.insert(Notification.__table__)
_INSERT_DELIVERIES = sa.insert(NotificationDelivery.__table__)


@dataclass(frozen=True)
class Notice:
    """One notification to write: to whom, what kind, what it is made from, where it links."""

    user_id: str
    kind: str
    params: dict
    link: str | None = None
    # Set for an event told once per user whatever happens (a certificate's reminder).
    dedupe_key: str | None = None


def write(notices: Iterable[Notice]) -> list[str]:
    """Insert the notifications (one statement); returns their ids. Commits nothing."""
    rows = new_rows(notices)
    if rows:
        db.session.connection().execute(_INSERT_NOTIFICATIONS, rows)
    return [row["id"] for row in rows]


def new_rows(notices: Iterable[Notice]) -> list[dict]:
    """The rows ``write`` inserts, for a caller that writes them within a statement of its own
    (a checkout's: orders/lifecycle.write_checkout)."""
    now = utcnow()
    return [
        {
            "id": new_id(),
            "user_id": notice.user_id,
            "kind": notice.kind,
            "params": notice.params,
            "link": notice.link,
            "dedupe_key": notice.dedupe_key,
            "read_at": None,
            "dispatched_at": None,
            "created_at": now,
        }
        for notice in notices
    ]


def followers_of(shop_id: str, *, besides: str | None = None) -> list[str]:
    """The ids of the users following a shop (``besides`` one of them, e.g. its owner)."""
    stmt = sa.select(ShopFollow.user_id).where(ShopFollow.shop_id == shop_id)
    if besides is not None:
        stmt = stmt.where(ShopFollow.user_id != besides)
    return list(db.session.scalars(stmt))


# --- the worker's side: where each notification goes ---------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """What the outbox needs of a user to send them something."""

    id: str
    locale: str
    phone: str | None
    email: str | None
    notify_sms: bool
    notify_email: bool

    def addresses(self) -> list[tuple[str, str]]:
        """(channel, address) pairs the user chose: by default a text message to their phone
        and an e-mail to their address, each when they have one."""
        chosen = []
        if self.notify_sms and self.phone:
            chosen.append(("sms", self.phone))
        if self.notify_email and self.email:
            chosen.append(("email", self.email))
        return chosen


_RECIPIENTS = sa.select(
    User.id, User.locale, User.phone, User.email, User.notify_sms, User.notify_email
).where(User.id.in_(sa.bindparam("ids", expanding=True)))


def recipients(user_ids: Iterable[str | None]) -> dict[str, Recipient]:
    """The users of ``user_ids`` as recipients, in one query."""
    wanted = sorted({user_id for user_id in user_ids if user_id})
    if not wanted:
        return {}
    rows = db.session.connection().execute(_RECIPIENTS, {"ids": wanted})
    return {row.id: Recipient(*row) for row in rows}


def deliveries_for(notifications: list[tuple[str, str]], now: datetime) -> int:
    """Insert the pending deliveries of ``notifications`` ((id, user id) pairs), one per channel
    each user chose; returns how many. Commits nothing."""
    people = recipients(user_id for _, user_id in notifications)
    rows = [
        _delivery(channel, address, now, notification_id=notification_id)
        for notification_id, user_id in notifications
        if user_id in people
        for channel, address in people[user_id].addresses()
    ]
    if rows:
        db.session.connection().execute(_INSERT_DELIVERIES, rows)
    return len(rows)


def queue_password_reset(password_reset_id: str, channel: str, address: str) -> None:
    """The message carrying a reset code: a delivery of its own, never in the in-app list (the
    code is made when it is sent, from the reset's nonce; the outbox holds no secret)."""
    db.session.connection().execute(
        _INSERT_DELIVERIES,
        [_delivery(channel, address, utcnow(), password_reset_id=password_reset_id)],
    )


def _delivery(
    channel: str,
    address: str,
    now: datetime,
    *,
    notification_id: str | None = None,
    password_reset_id: str | None = None,
) -> dict:
    return {
        "id": new_id(),
        "notification_id": notification_id,
        "password_reset_id": password_reset_id,
        "channel": channel,
        "address": address,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "claimed_by": None,
        "last_error": None,
        "sent_at": None,
        "created_at": now,
        "updated_at": now,
    }
