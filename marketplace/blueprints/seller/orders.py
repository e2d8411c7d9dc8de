"""The shop's orders to fulfil.

GET   /seller/orders?status=                         newest first, the moves each one allows
POST  /seller/orders/<id>/confirm                    placed → confirmed
POST  /seller/orders/<id>/ship                       confirmed → shipped; ``carrier`` and
                                                     ``tracking_number`` optional ("self": the
                                                     shop delivers itself)
POST  /seller/orders/<id>/deliver                    shipped → delivered
POST  /seller/orders/<id>/cancel                     ``reason`` (optional)
POST  /seller/orders/<id>/return                     ``reason``, ``restock``
POST  /seller/orders/<id>/mark-paid                  the bank transfer arrived

Every move goes through services/orders (actions, bank_transfer): the same rules, history,
stock, refunds and notifications as the API.
"""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.blueprints.seller.context import owners_only, shop_or_set_up
from marketplace.blueprints.seller.forms import form_errors, text_or_none
from marketplace.errors import DomainError, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.models.order import ORDER_STATUSES
from marketplace.services.orders import actions, bank_transfer, lifecycle

PAGE_SIZE = 20
SELF_DELIVERY = "self"
OTHER_CARRIER = "other"
# The carriers a highland shop hands parcels to; "self": the shop takes it to the buyer.
CARRIERS = ("Bưu điện (VNPost)", "Viettel Post", "Giao Hàng Tiết Kiệm", "Giao Hàng Nhanh", "J&T")
CARRIER_MAX, TRACKING_MAX, REASON_MAX = 80, 120, 500
MOVES = ("confirm", "ship", "deliver", "cancel", "return", "mark-paid")
# What the shop can do from each status (the services decide whether it may).
NEXT_MOVES = {
    "pending_payment": ("mark-paid", "cancel"),
    "placed": ("confirm", "cancel"),
    "confirmed": ("ship", "cancel"),
    "shipped": ("deliver", "return"),
    "delivered": ("return",),
}
FIELDS = {"carrier", "tracking_number", "reason", "restock", "other_carrier"}


def register(web) -> None:
    web.add_url_rule("/orders", "orders", orders)
    web.add_url_rule("/orders/<order_id>/<move>", "order_move", order_move, methods=["POST"])


def _list_page(shop, *, failed: dict | None = None, status_code: int = 200):
    status = request.values.get("status")
    status = status if status in ORDER_STATUSES else None
    items, next_cursor = lifecycle.list_orders(
        current_user,
        shop=shop.id,
        status=status,
        limit=PAGE_SIZE,
        cursor=request.args.get("cursor"),
    )
    if failed and not any(order.id == failed["order_id"] for order in items):
        try:  # the order the failed form was about stays in sight
            items.insert(0, lifecycle.get_order(failed["order_id"], current_user))
        except DomainError:
            pass
    page = render_template(
        "seller/orders.html",
        shop=shop,
        items=items,
        status=status,
        statuses=ORDER_STATUSES,
        next_cursor=next_cursor,
        next_moves=NEXT_MOVES,
        carriers=CARRIERS,
        failed=failed or {},
        done=request.args.get("done"),
        done_ref=request.args.get("ref"),
    )
    return page, status_code


@owners_only
def orders():
    shop, set_up = shop_or_set_up()
    if set_up:
        return set_up
    return _list_page(shop)


def _ship_fields(form) -> dict:
    choice = (form.get("carrier") or "").strip()
    tracking = text_or_none(form.get("tracking_number"))
    if choice == SELF_DELIVERY:
        return {"carrier": None, "tracking_number": None}
    if choice == OTHER_CARRIER or not choice:
        choice = (form.get("other_carrier") or "").strip()
        if not choice and tracking:
            raise ValidationFailed.field("carrier", _("Say who carries the parcel."))
        if not choice:
            return {"carrier": None, "tracking_number": None}
    if len(choice) > CARRIER_MAX:
        raise ValidationFailed.field("carrier", _("At most %(n)d letters.", n=CARRIER_MAX))
    if tracking and len(tracking) > TRACKING_MAX:
        raise ValidationFailed.field("tracking_number", _("At most %(n)d letters.", n=TRACKING_MAX))
    return {"carrier": choice, "tracking_number": tracking}


def _reason(form, *, required: bool) -> str | None:
    reason = text_or_none(form.get("reason"))
    if required and not reason:
        raise ValidationFailed.field("reason", _("Say why, in a few words."))
    if reason and len(reason) > REASON_MAX:
        raise ValidationFailed.field("reason", _("At most %(n)d letters.", n=REASON_MAX))
    return reason


def _move(order_id: str, move: str, form) -> None:
    user = current_user
    if move == "confirm":
        actions.confirm_order(order_id, user)
    elif move == "ship":
        actions.ship_order(order_id, user, **_ship_fields(form))
    elif move == "deliver":
        actions.deliver_order(order_id, user)
    elif move == "cancel":
        actions.cancel_order(order_id, user, reason=_reason(form, required=False))
    elif move == "return":
        restock = form.get("restock") in ("1", "on", "yes", "true")
        actions.return_order(order_id, user, reason=_reason(form, required=True), restock=restock)
    else:
        bank_transfer.mark_paid(order_id, user, note=text_or_none(form.get("note")))


@owners_only
def order_move(order_id: str, move: str):
    shop, set_up = shop_or_set_up()
    if set_up:
        return set_up
    if move not in MOVES:
        raise NotFound()
    try:
        _move(order_id, move, request.form)
    except DomainError as exc:
        db.session.rollback()
        if exc.status == 404:
            raise
        failed = {
            "order_id": order_id,
            "move": move,
            "errors": form_errors(exc, FIELDS),
            "values": request.form.to_dict(),
        }
        return _list_page(shop, failed=failed, status_code=exc.status)
    status = request.args.get("status")
    target = url_for("seller.orders", status=status or None, done=move, ref=order_id[:8].upper())
    return redirect(f"{target}#order-{order_id}", 303)
