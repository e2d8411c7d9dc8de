"""Livestreams — /api/v1/livestreams, /api/v1/shops/{shop}/livestreams, /livestreams.ics.

POST   /api/v1/shops/{shop}/livestreams          create (shop owner)
GET    /api/v1/livestreams                       live, then upcoming (anyone)
GET    /api/v1/livestreams/{id}                  one session (anyone)
PATCH  /api/v1/livestreams/{id}                  edit (owner)
POST   /api/v1/livestreams/{id}/start|end|cancel move (owner)
PUT    /api/v1/livestreams/{id}/pinned           product on screen (owner)
GET    /api/v1/livestreams/{id}/stats            sales figures (owner, officers)
POST   /api/v1/livestreams/{id}/claims           order from a comment (owner, while live;
                                                 Idempotency-Key)
GET    /api/v1/livestreams/{id}/claims           claims taken (owner)
GET    /livestreams.ics                          iCalendar of upcoming sessions (anyone)
"""

from __future__ import annotations

from flask import Blueprint as WebBlueprint
from flask import Response, request
from flask.views import MethodView
from marshmallow import ValidationError

from marketplace.errors import ValidationFailed
from marketplace.pagination import page_body
from marketplace.schemas.common import PaginationArgs
from marketplace.schemas.livestreams import (
    CalendarArgs,
    ClaimPageSchema,
    ClaimRequestSchema,
    ClaimSchema,
    LivestreamCancelSchema,
    LivestreamCreateSchema,
    LivestreamListArgs,
    LivestreamPageSchema,
    LivestreamSchema,
    LivestreamStatsSchema,
    LivestreamUpdateSchema,
    PinnedProductSchema,
)
from marketplace.services.livestreams import claims as livestream_claims
from marketplace.services.livestreams import feeds as livestream_feeds
from marketplace.services.livestreams import sessions as livestreams
from marketplace.services.livestreams.featured import livestream_view, livestream_views
from marketplace.services.orders import idempotency
from marketplace.web.api import Blueprint, may_answer
from marketplace.web.authentication import api_user, require_user
from marketplace.web.idempotency_header import IDEMPOTENCY_KEY_PARAMETER, idempotent
from marketplace.web.request_rules import sign_in_first

blp = Blueprint(
    "livestreams", __name__, url_prefix="/api/v1", description="Livestream selling sessions"
)
web = WebBlueprint("livestream_pages", __name__)


def _claim_again(claim_id: str) -> idempotency.Answer | None:
    """The answer to a claim whose request died before storing it, as the view dumps it."""
    claim = livestream_claims.load_claim(claim_id)
    return None if claim is None else (201, ClaimSchema().dump(claim))


idempotency.recovers(livestream_claims.RESOURCE_TYPE, _claim_again)


@blp.route("/shops/<shop>/livestreams")
class ShopLivestreams(MethodView):
    @sign_in_first()
    @may_answer(403, 409)
    @blp.arguments(LivestreamCreateSchema)
    @blp.response(201, LivestreamSchema)
    def post(self, data, shop):
        """Schedule a livestream of your shop, with its featured products."""
        return livestream_view(livestreams.create_livestream(require_user(), shop, data))


@blp.route("/livestreams")
class LivestreamList(MethodView):
    @blp.arguments(LivestreamListArgs, location="query")
    @blp.response(200, LivestreamPageSchema)
    def get(self, args):
        """Live sessions first, then upcoming ones by start time."""
        items, next_cursor = livestream_feeds.list_livestreams(
            statuses=args["status"],
            shop=args["shop"],
            commune=args["commune"],
            limit=args["limit"],
            cursor=args["cursor"],
        )
        return page_body(livestream_views(items), next_cursor)


@blp.route("/livestreams/<livestream_id>")
class LivestreamItem(MethodView):
    @blp.response(200, LivestreamSchema)
    def get(self, livestream_id):
        """A livestream with its featured products."""
        return livestream_view(livestreams.get_livestream(api_user(), livestream_id))

    @sign_in_first()
    @may_answer(403, 409)
    @blp.arguments(LivestreamUpdateSchema)
    @blp.response(200, LivestreamSchema)
    def patch(self, changes, livestream_id):
        """Edit the title, times, link or featured products (a product keeps its code)."""
        edited = livestreams.update_livestream(require_user(), livestream_id, changes)
        return livestream_view(edited)


@blp.route("/livestreams/<livestream_id>/start")
class StartLivestream(MethodView):
    @sign_in_first()
    @may_answer(403, 409)
    @blp.response(200, LivestreamSchema)
    def post(self, livestream_id):
        """Go live: live prices apply from now."""
        return livestream_view(livestreams.move_livestream(require_user(), livestream_id, "start"))


@blp.route("/livestreams/<livestream_id>/end")
class EndLivestream(MethodView):
    @sign_in_first()
    @may_answer(403, 409)
    @blp.response(200, LivestreamSchema)
    def post(self, livestream_id):
        """End a live session: live prices stop."""
        return livestream_view(livestreams.move_livestream(require_user(), livestream_id, "end"))


@blp.route("/livestreams/<livestream_id>/cancel")
class CancelLivestream(MethodView):
    @sign_in_first()
    @may_answer(403, 409)
    @blp.arguments(LivestreamCancelSchema)
    @blp.response(200, LivestreamSchema)
    def post(self, data, livestream_id):
        """Cancel a session that has not started."""
        cancelled = livestreams.move_livestream(
            require_user(), livestream_id, "cancel", reason=data.get("reason")
        )
        return livestream_view(cancelled)


@blp.route("/livestreams/<livestream_id>/pinned")
class PinnedProduct(MethodView):
    @sign_in_first()
    @may_answer(403, 409)
    @blp.arguments(PinnedProductSchema)
    @blp.response(200, LivestreamSchema)
    def put(self, data, livestream_id):
        """Show a featured product as the one on screen now (null: none)."""
        pinned = livestreams.pin_product(require_user(), livestream_id, data["product_id"])
        return livestream_view(pinned)


@blp.route("/livestreams/<livestream_id>/stats")
class LivestreamStats(MethodView):
    @sign_in_first()
    @may_answer(403)
    @blp.response(200, LivestreamStatsSchema)
    def get(self, livestream_id):
        """Orders, units and revenue attributed to the session (owner and trade office)."""
        return livestream_feeds.livestream_stats(require_user(), livestream_id)


@blp.route("/livestreams/<livestream_id>/claims")
class LivestreamClaims(MethodView):
    decorators = [idempotent]

    @sign_in_first()
    @may_answer(403, 409)
    @blp.arguments(ClaimRequestSchema)
    @blp.response(201, ClaimSchema)
    @blp.doc(parameters=[IDEMPOTENCY_KEY_PARAMETER])
    def post(self, data, livestream_id):
        """Take an order from a buyer's comment ("A2 x3"), cash on delivery, at the live price.

        Send an `Idempotency-Key` header to make a double tap safe: the same key from the same
        seller within 24 h gives back the first answer and takes no second order.
        """
        return livestream_claims.take_claim(require_user(), livestream_id, data)

    @sign_in_first()
    @may_answer(403)
    @blp.arguments(PaginationArgs, location="query")
    @blp.response(200, ClaimPageSchema)
    def get(self, args, livestream_id):
        """The orders taken from comments in this session, newest first."""
        items, next_cursor = livestream_claims.list_claims(
            require_user(), livestream_id, limit=args["limit"], cursor=args["cursor"]
        )
        return page_body(items, next_cursor)


@web.get("/livestreams.ics")
def livestream_calendar():
    """Upcoming livestreams as an iCalendar feed, to subscribe to from a phone's calendar."""
    try:
        # "?shop=" left empty by a calendar app's template means every shop.
        query = {name: value for name, value in request.args.items() if value}
        args = CalendarArgs().load(query, unknown="exclude")
    except ValidationError as exc:
        raise ValidationFailed(details=exc.messages_dict) from exc
    body = livestream_feeds.livestream_calendar(args["shop"])
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="livestreams.ics"'
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response
