"""Orders — /api/v1/orders: the buyer's and the seller's views, and the lifecycle moves."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView

from marketplace.pagination import page_body
from marketplace.schemas.orders import (
    CancelSchema,
    MarkPaidSchema,
    OrderListArgs,
    OrderPageSchema,
    OrderSchema,
    ReturnSchema,
    ShipSchema,
)
from marketplace.services.orders import actions, bank_transfer, lifecycle
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
        """The caller's orders (bought, and of every shop they own), or with `?shop=` (its owner
        only) that shop's; newest first."""
        user = require_user()
        items, next_cursor = lifecycle.list_orders(user, **args)
        return page_body(items, next_cursor)


@blp.route("/orders/<order_id>")
class OrderById(MethodView):
    @sign_in_first()
    @blp.response(200, OrderSchema)
    def get(self, order_id):
        """An order, to its buyer and its shop's owner (404 to anyone else)."""
        return lifecycle.get_order(order_id, require_user())


@blp.route("/orders/<order_id>/mark-paid")
class MarkOrderPaid(MethodView):
    @sign_in_first()
    @may_answer(403, 409)
    @blp.arguments(MarkPaidSchema)
    @blp.response(200, OrderSchema)
    def post(self, data, order_id):
        """The shop's owner saw the bank transfer arrive: `pending_payment` → `placed`, paid."""
        return bank_transfer.mark_paid(order_id, require_user(), **data)


_QR_IMAGE = {"description": "the order's VietQR code", "content": {}}


@blp.route("/orders/<order_id>/qr.png")
class OrderQrPng(MethodView):
    @sign_in_first()
    @blp.doc(responses={"200": {**_QR_IMAGE, "content": {"image/png": {}}}})
    def get(self, order_id):
        """The VietQR code of a bank-transfer order, as PNG (its buyer and its shop's owner)."""
        image = bank_transfer.qr_image(order_id, require_user(), "png")
        return _image(image, "image/png")


@blp.route("/orders/<order_id>/qr.svg")
class OrderQrSvg(MethodView):
    @sign_in_first()
    @blp.doc(responses={"200": {**_QR_IMAGE, "content": {"image/svg+xml": {}}}})
    def get(self, order_id):
        """The VietQR code of a bank-transfer order, as SVG (its buyer and its shop's owner)."""
        image = bank_transfer.qr_image(order_id, require_user(), "svg")
        return _image(image, "image/svg+xml")


def _image(content: bytes, mimetype: str) -> Response:
    response = Response(content, mimetype=mimetype)
    # It names a bank account: kept by the buyer's own browser only.
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@blp.route("/orders/<order_id>/confirm")
class ConfirmOrder(MethodView):
    @sign_in_first()
    @may_answer(403, 409)
    @blp.response(200, OrderSchema)
    def post(self, order_id):
        """The shop's owner accepts a placed order: `placed` → `confirmed`."""
        return actions.confirm_order(order_id, require_user())


@blp.route("/orders/<order_id>/ship")
class ShipOrder(MethodView):
    @sign_in_first()
    @may_answer(403, 409)
    @blp.arguments(ShipSchema)
    @blp.response(200, OrderSchema)
    def post(self, data, order_id):
        """The shop's owner ships: `confirmed` → `shipped`, with carrier and tracking number."""
        return actions.ship_order(order_id, require_user(), **data)


@blp.route("/orders/<order_id>/deliver")
class DeliverOrder(MethodView):
    @sign_in_first()
    @may_answer(403, 409)
    @blp.response(200, OrderSchema)
    def post(self, order_id):
        """`shipped` → `delivered` (owner or buyer); cash on delivery becomes paid."""
        return actions.deliver_order(order_id, require_user())


@blp.route("/orders/<order_id>/cancel")
class CancelOrder(MethodView):
    @sign_in_first()
    @may_answer(403, 409)
    @blp.arguments(CancelSchema)
    @blp.response(200, OrderSchema)
    def post(self, data, order_id):
        """Cancel (buyer before `confirmed`, owner before `shipped`): stock returns, a paid
        card order is refunded."""
        return actions.cancel_order(order_id, require_user(), **data)


@blp.route("/orders/<order_id>/return")
class ReturnOrder(MethodView):
    @sign_in_first()
    @may_answer(403, 409)
    @blp.arguments(ReturnSchema)
    @blp.response(200, OrderSchema)
    def post(self, data, order_id):
        """The parcel came back (`shipped` or `delivered` → `returned`): stock returns when
        `restock`; the buyer's money goes back."""
        return actions.return_order(order_id, require_user(), **data)
