"""Notifications and follows.

GET    /notifications              signed in   the caller's notifications, newest first
POST   /notifications/read         signed in   {ids} or {all: true} → 204
PUT    /shops/<ref>/follow         signed in   follow a shop → 204
DELETE /shops/<ref>/follow         signed in   stop following it → 204
GET    /me/follows                 signed in   the shops the caller follows
"""

from __future__ import annotations

from flask.views import MethodView

from marketplace.pagination import page_body
from marketplace.schemas.common import PaginationArgs
from marketplace.schemas.notifications import (
    MarkReadSchema,
    NotificationListArgs,
    NotificationPageSchema,
)
from marketplace.schemas.shops import ShopPageSchema
from marketplace.services.notifications import follows, inbox
from marketplace.web.api import Blueprint
from marketplace.web.authentication import require_user
from marketplace.web.request_rules import sign_in_first

blp = Blueprint(
    "notifications", __name__, url_prefix="/api/v1", description="Notifications and follows"
)


@blp.route("/notifications")
class Notifications(MethodView):
    @sign_in_first()
    @blp.arguments(NotificationListArgs, location="query")
    @blp.response(200, NotificationPageSchema)
    def get(self, args):
        """The caller's notifications, newest first (`?unread=true`: only unread ones)."""
        items, next_cursor = inbox.list_notifications(require_user(), **args)
        return page_body(items, next_cursor)


@blp.route("/notifications/read")
class ReadNotifications(MethodView):
    @sign_in_first()
    @blp.arguments(MarkReadSchema)
    @blp.response(204)
    def post(self, data):
        """Mark notifications read: `{"ids": [...]}` (ids not the caller's are ignored) or
        `{"all": true}`."""
        inbox.mark_read(require_user(), ids=data.get("ids"), everything=bool(data.get("all")))


@blp.route("/shops/<ref>/follow")
class Follow(MethodView):
    @sign_in_first()
    @blp.response(204)
    def put(self, ref):
        """Follow a shop (by id or slug): the caller is told when its livestreams start."""
        follows.follow(require_user(), ref)

    @sign_in_first()
    @blp.response(204)
    def delete(self, ref):
        """Stop following a shop."""
        follows.unfollow(require_user(), ref)


@blp.route("/me/follows")
class MyFollows(MethodView):
    @sign_in_first()
    @blp.arguments(PaginationArgs, location="query")
    @blp.response(200, ShopPageSchema)
    def get(self, args):
        """The shops the caller follows, most recently followed first."""
        items, next_cursor = follows.followed_shops(require_user(), **args)
        return page_body(items, next_cursor)
