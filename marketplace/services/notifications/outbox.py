"""Writing notifications and their deliveries, in the caller's transaction.

Nothing here commits: the rows go in with the event that caused them, or not at all. They are
written with two Core INSERTs whatever their number (a checkout is the hottest path we have,
and a livestream may have many followers to tell).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Notification, NotificationDelivery, ShopFollow, User
from marketplace.models.base import new_id, utcnow
from marketplace.services.notifications import messages

_NOTIFICATIONS = Notification.__table__
_DELIVERIES = NotificationDelivery.__table__
_INSERT_NOTIFICATIONS = sa.insert(_NOTIFICATIONS)
_INSERT_DELIVERIES = sa.insert(_DELIVERIES)


@dataclass(frozen=True)
class Recipient:
    """Who is told, and where: what the outbox needs of a user."""

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


_RECIPIENT_COLUMNS = (
    User.id,
    User.locale,
    User.phone,
    User.email,
    User.notify_sms,
    User.notify_email,
)


# Built once and run on the session's connection: a checkout runs it, and building it anew
# through the ORM cost more than the checkout's own product query.
_RECIPIENTS = sa.select(*_RECIPIENT_COLUMNS).where(
    User.id.in_(sa.bindparam("ids", expanding=True))
)


def recipients(user_ids: Iterable[str | None]) -> dict[str, Recipient]:
    """The users of ``user_ids`` as recipients, in one query."""
    wanted = sorted({user_id for user_id in user_ids if user_id})
    if not wanted:
        return {}
    rows = db.session.connection().execute(_RECIPIENTS, {"ids": wanted})
    return {row.id: Recipient(*row) for row in rows}


def followers_select(shop_id: str) -> sa.Select:
    """The recipients' columns of a shop's followers."""
    return (
        sa.select(*_RECIPIENT_COLUMNS)
        .join(ShopFollow, ShopFollow.user_id == User.id)
        .where(ShopFollow.shop_id == shop_id)
    )


@dataclass(frozen=True)
class Notice:
    """One notification to write: to whom, what kind, what it is made from, where it links."""

    recipient: Recipient
    kind: str
    params: dict
    link: str | None = None
    dedupe_key: str | None = None


def write(notices: Iterable[Notice]) -> list[str]:
    """Insert the notifications and one pending delivery per chosen channel; flushes nothing
    else and commits nothing. Returns the notifications' ids."""
    now = utcnow()
    notification_rows: list[dict] = []
    delivery_rows: list[dict] = []
    for notice in notices:
        locale = messages.locale_of(notice.recipient.locale)
        text = messages.render(notice.kind, notice.params, locale)
        notification_id = new_id()
        notification_rows.append(
            {
                "id": notification_id,
                "user_id": notice.recipient.id,
                "kind": notice.kind,
                "locale": locale,
                "title": text.title[:300],
                "body": text.body,
                "link": notice.link,
                "params": notice.params,
                "dedupe_key": notice.dedupe_key,
                "read_at": None,
                "created_at": now,
            }
        )
        for channel, address in notice.recipient.addresses():
            delivery_rows.append(_delivery(channel, address, now, notification_id=notification_id))
    if not notification_rows:
        return []
    connection = db.session.connection()
    connection.execute(_INSERT_NOTIFICATIONS, notification_rows)
    if delivery_rows:
        connection.execute(_INSERT_DELIVERIES, delivery_rows)
    return [row["id"] for row in notification_rows]


def queue_password_reset(password_reset_id: str, channel: str, address: str) -> None:
    """The message carrying a reset code: a delivery of its own, with no in-app notification
    (the code is made when it is sent, from the reset's nonce; the outbox holds no secret)."""
    db.session.connection().execute(
        _INSERT_DELIVERIES,
        [_delivery(channel, address, utcnow(), password_reset_id=password_reset_id)],
    )


def _delivery(
    channel: str,
    address: str,
    now,
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
