"""Following shops and reading one's notifications, from the pages.

The same services as the API's /shops/<ref>/follow and /notifications: a followed shop's
livestreams land in the follower's notifications. The header shows how many are unread
(``unread_notifications``: counted only when a page shows it, for a signed-in user).
"""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user

from marketplace.blueprints.pages.access import signed_in
from marketplace.blueprints.pages.browse import ListArgs, _args
from marketplace.blueprints.pages.present import page_language
from marketplace.services.notifications import follows, inbox
from marketplace.services.notifications.inbox import UNREAD_COUNT_CAP

NOTIFICATIONS_PER_PAGE = 30


def _back_to_shop(slug: str):
    return redirect(url_for("pages.shop", ref=slug), 303)


def follow(slug: str):
    """Follow the shop, then back to its page (anonymous: sign in first, then the shop)."""
    if not current_user.is_authenticated:
        return redirect(url_for("pages.signin", next=url_for("pages.shop", ref=slug)), 303)
    follows.follow(current_user._get_current_object(), slug)
    return _back_to_shop(slug)


def unfollow(slug: str):
    if not current_user.is_authenticated:
        return redirect(url_for("pages.signin", next=url_for("pages.shop", ref=slug)), 303)
    follows.unfollow(current_user._get_current_object(), slug)
    return _back_to_shop(slug)


@signed_in
def notifications():
    """Mine, newest first, in the page's language."""
    args = _args(ListArgs())
    items, next_cursor = inbox.list_notifications(
        current_user._get_current_object(),
        limit=NOTIFICATIONS_PER_PAGE,
        cursor=args["cursor"],
        locale=page_language(),
    )
    return render_template("pages/notifications.html", items=items, next_cursor=next_cursor)


@signed_in
def read_all():
    inbox.mark_read(current_user._get_current_object(), everything=True)
    return redirect(url_for("pages.notifications"), 303)


class UnreadCount:
    """The header's unread badge: the count query runs only if a page shows it."""

    def __init__(self):
        self._value: int | None = None

    def _count(self) -> int:
        if self._value is None:
            user = current_user._get_current_object()
            self._value = inbox.unread_count(user) if user.is_authenticated else 0
        return self._value

    def __bool__(self) -> bool:
        return self._count() > 0

    def __str__(self) -> str:
        count = self._count()
        return f"{UNREAD_COUNT_CAP}+" if count > UNREAD_COUNT_CAP else str(count)

    __html__ = __str__


def header_context() -> dict:
    return {"unread_notifications": UnreadCount()}
