"""My orders: the buyer's orders, one order with its history, and the buyer's two moves.

GET   /orders                     mine, newest first (``?cursor=`` for more)
GET   /orders/<id>                one order: lines, history, payment instructions and the VietQR
                                  code while unpaid by bank transfer, the other orders of its
                                  checkout, cancel while allowed, "received" while shipped
GET   /orders/<id>/qr.svg         the VietQR code (the API's is for bearer tokens)
POST  /orders/<id>/cancel         field ``reason``
POST  /orders/<id>/deliver        the parcel arrived

The same services as the API (orders/lifecycle, actions, bank_transfer). Only the order's
buyer sees it here (a 404 page to anyone else; shop owners have the seller centre).
"""

from __future__ import annotations

from flask import Response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.blueprints.pages.access import signed_in
from marketplace.blueprints.pages.card import cards_on_pages
from marketplace.errors import DomainError, NotFound
from marketplace.extensions import db
from marketplace.schemas.orders import OrderSchema
from marketplace.services.orders import actions, bank_transfer, lifecycle
from marketplace.services.orders.checkout import load_checkout

ORDER = OrderSchema()
PAGE_SIZE = 20
REASON_LIMIT = 500


def _mine(order_id: str):
    """The order when the signed-in user bought it; a 404 page otherwise."""
    order = lifecycle.get_order(order_id, current_user._get_current_object())
    if order.buyer_id != current_user.id:
        raise NotFound("No such order.")
    return order


@signed_in
def my_orders():
    cursor = (request.args.get("cursor") or "")[:2000] or None
    try:
        orders, next_cursor = lifecycle.list_orders(
            current_user._get_current_object(), limit=PAGE_SIZE, cursor=cursor
        )
    except DomainError:
        # A cursor from another list or a mangled link: start from the newest.
        orders, next_cursor = lifecycle.list_orders(
            current_user._get_current_object(), limit=PAGE_SIZE
        )
    return render_template("pages/orders.html", orders=orders, next_cursor=next_cursor)


def _moves(order) -> dict[str, bool]:
    parties = lifecycle.parties_of(order, current_user._get_current_object())
    allowed = {}
    for action in ("cancel", "deliver"):
        sources = lifecycle.MOVES[action].sources.get(order.status, frozenset())
        allowed[action] = bool(parties & sources)
    return allowed


def _order_page(order, *, errors=None, reason="", status=200):
    siblings = []
    checkout = load_checkout(order.checkout_id)
    if checkout is not None and len(checkout.orders) > 1:
        siblings = list(checkout.orders)
    page = render_template(
        "pages/order.html",
        order=order,
        shown=ORDER.dump(order),
        moves=_moves(order),
        siblings=siblings,
        placed=request.args.get("placed") == "1",
        card_payable=cards_on_pages(),
        errors=errors or {},
        reason=reason,
    )
    return page, status


@signed_in
def order_page(order_id: str):
    return _order_page(_mine(order_id))


@signed_in
def order_qr(order_id: str):
    order = _mine(order_id)
    image = bank_transfer.qr_image(order.id, current_user._get_current_object(), "svg")
    response = Response(image, mimetype="image/svg+xml")
    # It names a bank account: kept by the buyer's own browser only.
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@signed_in
def cancel(order_id: str):
    order = _mine(order_id)
    reason = " ".join((request.form.get("reason") or "").split())
    if len(reason) > REASON_LIMIT:
        errors = {"reason": [_("At most %(n)d characters.", n=REASON_LIMIT)]}
        return _order_page(order, errors=errors, reason=reason, status=422)
    try:
        actions.cancel_order(order.id, current_user._get_current_object(), reason=reason or None)
    except DomainError as exc:
        db.session.rollback()
        return _refused(order_id, exc, reason)
    return redirect(url_for("pages.order", order_id=order_id), 303)


@signed_in
def deliver(order_id: str):
    order = _mine(order_id)
    try:
        actions.deliver_order(order.id, current_user._get_current_object())
    except DomainError as exc:
        db.session.rollback()
        return _refused(order_id, exc)
    return redirect(url_for("pages.order", order_id=order_id), 303)


def _refused(order_id: str, exc: DomainError, reason: str = ""):
    message = _("This order can no longer make that move: it changed meanwhile.")
    order = _mine(order_id)
    return _order_page(order, errors={"_form": [message]}, reason=reason, status=409)


def register(web) -> None:
    web.add_url_rule("/orders", "orders", my_orders)
    web.add_url_rule("/orders/<order_id>", "order", order_page)
    web.add_url_rule("/orders/<order_id>/qr.svg", "order_qr", order_qr)
    web.add_url_rule("/orders/<order_id>/cancel", "order_cancel", cancel, methods=["POST"])
    web.add_url_rule("/orders/<order_id>/deliver", "order_deliver", deliver, methods=["POST"])
