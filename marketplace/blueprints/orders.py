"""Orders — /api/v1/orders: the buyer's and the seller's views, and the lifecycle moves."""

from __future__ import annotations

from flask.views import MethodView

from marketplace.pagination import page_body
from marketplace.schemas.orders import (
    CancelSchema,
    OrderListArgs,
    OrderPageSchema,
    OrderSchema,
    ReturnSchema,
    ShipSchema,
)
from marketplace.services.orders import lifecycle as orders
from marketplace.web.api import Blueprint, may_answer
from marketplace.web.authentication import require_user
from marketplace.web.request_rules import sign_in_first

blp = Blueprint("orders", __name__, url_prefix="/api/v1", description="Orders")


@blp.route("/orders")
class Orders(MethodView):
    @sign_in_first()
    @may_answer(403, 404)
    @blp.arguments(OrderListArgs, location="query")
    @blp.response(200, OrderPageSchema)
    def get(self, args):
        """The caller's own orders, or with `?shop=` (its owner only) that shop's; newest first."""
        user = require_user()
        items, next_cursor = orders.list_orders(user, **args)
        return page_body(items, next_cursor)


@blp.route("/orders/<order_id>")
class OrderById(MethodView):
    @sign_in_first()
    @blp.response(200, OrderSchema)
    def get(self, order_id):
        """An order, to its buyer and its shop's owner (404 to anyone else)."""
        return orders.get_order(order_id, require_user())


@blp.route("/orders/<order_id>/confirm")
class ConfirmOrder(MethodView):
    @sign_in_first()
    @may_answer(403, 409)
    @blp.response(200, OrderSchema)
    def post(self, order_id):
        """The shop's owner accepts a placed order: `placed` → `confirmed`."""
        return orders.confirm_order(order_id, require_user())


@blp.route("/orders/<order_id>/ship")
class ShipOrder(MethodView):
    @sign_in_first()
    @may_answer(403, 409)
    @blp.arguments(ShipSchema)
    @blp.response(200, OrderSchema)
    def post(self, data, order_id):
        """The shop's owner ships: `confirmed` → `shipped`, with carrier and tracking number."""
        return orders.ship_order(order_id, require_user(), **data)


@blp.route("/orders/<order_id>/deliver")
class DeliverOrder(MethodView):
    @sign_in_first()
    @may_answer(403, 409)
    @blp.response(200, OrderSchema)
    def post(self, order_id):
        """`shipped` → `delivered` (owner or buyer); cash on delivery becomes paid."""
        return orders.deliver_order(order_id, require_user())


@blp.route("/orders/<order_id>/cancel")
class CancelOrder(MethodView):
    @sign_in_first()
    @may_answer(403, 409)
    @blp.arguments(CancelSchema)
    @blp.response(200, OrderSchema)
    def post(self, data, order_id):
        """Cancel (buyer before `confirmed`, owner before `shipped`): stock returns, a paid
        card order is refunded."""
        return orders.cancel_order(order_id, require_user(), **data)


@blp.route("/orders/<order_id>/return")
class ReturnOrder(MethodView):
    @sign_in_first()
    @may_answer(403, 409)
    @blp.arguments(ReturnSchema)
    @blp.response(200, OrderSchema)
    def post(self, data, order_id):
        """The parcel came back (`shipped` or `delivered` → `returned`): stock returns when
        `restock`; the buyer's money goes back."""
        return orders.return_order(order_id, require_user(), **data)
