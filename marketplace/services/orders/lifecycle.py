"""Orders: how they are built from priced lines, who sees them, and how they move.

Every move an order may make is in one table, ``MOVES``: from which statuses, to which, and
who may make it. Anything else is 409 ``invalid_transition``. Each move is a compare-and-set on
the status (so two racing cancellations cannot both return the stock) and is written to the
order's history. The moves people ask for (with the stock and money they carry) are in
``actions``, above this module and ``payments``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, make_transient_to_detached, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.messages import N_, Msg
from marketplace.models import (
    Checkout,
    Notification,
    Order,
    OrderEvent,
    OrderLine,
    Product,
    ProductVariant,
    Shop,
    User,
)
from marketplace.models.base import new_id, utcnow
from marketplace.pagination import SortKey, keyset_page
from marketplace.services.notifications import events as notifications
from marketplace.services.notifications import outbox
from marketplace.services.notifications.outbox import Notice
from marketplace.services.orders.inventory import StockRequest, guarded_take, refuse, take_stock

BUYER, OWNER, SYSTEM = "buyer", "owner", "system"


@dataclass(frozen=True)
class Move:
    to: str
    # from status → the parties that may make the move from there
    sources: Mapping[str, frozenset[str]]

    @property
    def parties(self) -> frozenset[str]:
        return frozenset().union(*self.sources.values())


def _who(*parties: str) -> frozenset[str]:
    return frozenset(parties)


# The order lifecycle, in one place. `pay` is Stripe or the bank feed reporting a payment;
# `mark_paid` the shop's owner saying a bank transfer arrived.
MOVES: dict[str, Move] = {
    "pay": Move("placed", {"pending_payment": _who(SYSTEM)}),
    "mark_paid": Move("placed", {"pending_payment": _who(OWNER)}),
    "confirm": Move("confirmed", {"placed": _who(OWNER)}),
    "ship": Move("shipped", {"confirmed": _who(OWNER)}),
    "deliver": Move("delivered", {"shipped": _who(OWNER, BUYER)}),
    "cancel": Move(
        "cancelled",
        {
            "pending_payment": _who(BUYER, OWNER, SYSTEM),
            "placed": _who(BUYER, OWNER),
            "confirmed": _who(OWNER),
        },
    ),
    "return": Move("returned", {"shipped": _who(OWNER), "delivered": _who(OWNER)}),
}


# Why a party may not make a move, and the statuses as words, for the messages.
NOT_ALLOWED = {
    "pay": N_("You may not pay this order."),
    "mark_paid": N_("You may not mark_paid this order."),
    "confirm": N_("You may not confirm this order."),
    "ship": N_("You may not ship this order."),
    "deliver": N_("You may not deliver this order."),
    "cancel": N_("You may not cancel this order."),
    "return": N_("You may not return this order."),
}
STATUS_WORDS = {
    "pending_payment": N_("pending payment"),
    "placed": N_("placed"),
    "confirmed": N_("confirmed"),
    "shipped": N_("shipped"),
    "delivered": N_("delivered"),
    "cancelled": N_("cancelled"),
    "returned": N_("returned"),
}


def status_word(status: str) -> Msg:
    return Msg(STATUS_WORDS.get(status, status.replace("_", " ")))


class InvalidTransition(Conflict):
    code, message = "invalid_transition", N_("The order cannot make this move from its status.")


# ---------------------------------------------------------------- building


@dataclass(frozen=True)
class VariantOnSale:
    """A variant as a checkout reads it: a row rather than an entity (pricing._load_products)."""

    id: str
    options: dict
    price: int
    status: str


@dataclass(frozen=True)
class ProductOnSale:
    """A product as a checkout reads it, with its variants and its shop (an entity, since the
    orders made from it refer to it)."""

    id: str
    shop_id: str
    title: str
    status: str
    shop: Shop
    variants: tuple[VariantOnSale, ...]


@dataclass(frozen=True)
class PricedLine:
    """A line ready to be copied into an order: what, how many, at which unit price."""

    product: Product | ProductOnSale
    variant: ProductVariant | VariantOnSale
    quantity: int
    unit_price: int
    livestream_id: str | None = None
    index: int | None = None

    @property
    def line_total(self) -> int:
        return self.unit_price * self.quantity

    @property
    def title(self) -> str:
        return line_title(self.product, self.variant)

    def stock_request(self) -> StockRequest:
        return StockRequest(self.variant.id, self.quantity, self.index, self.product.id)


def line_title(product: Product | ProductOnSale, variant: ProductVariant | VariantOnSale) -> str:
    """The product's title with the variant's option values: what the buyer chose."""
    values = [str(value) for value in (variant.options or {}).values() if value not in (None, "")]
    return f"{product.title} ({', '.join(values)})" if values else product.title


def shipping_fee_for(shop: Shop, address: Mapping, subtotal: int) -> int:
    """What ``shop`` charges to deliver an order of ``subtotal`` to a checked ``address``.

    In Vietnam: its ``local_shipping_fee`` inside its own province when it has one, else its
    ``shipping_fee``; nothing once the subtotal reaches ``free_shipping_over``. Abroad: its
    ``international_shipping_fee``. 422 ``shipping_unavailable`` when that fee is null.
    """
    country = address["country"]
    if country != "VN":
        fee = shop.international_shipping_fee
        if fee is None:
            _no_delivery(f"{shop.name} does not deliver to {country}.", "country")
        return fee
    fee = shop.shipping_fee
    if address.get("province_code") == shop.province_code and shop.local_shipping_fee is not None:
        fee = shop.local_shipping_fee
    if fee is None and shop.local_shipping_fee is not None:
        _no_delivery(f"{shop.name} delivers only within {shop.province}.", "province")
    if fee is None:
        _no_delivery(f"{shop.name} does not deliver in Vietnam.", "country")
    if shop.free_shipping_over is not None and subtotal >= shop.free_shipping_over:
        return 0
    return fee


def _no_delivery(message: str, field: str) -> None:
    raise ValidationFailed(
        message, code="shipping_unavailable", details={"shipping_address": {field: [message]}}
    )


def new_checkout(*, buyer_id: str | None, payment_method: str, status: str) -> Checkout:
    """A checkout with no orders yet, in the marketplace's currency; not added to the session."""
    now = utcnow()
    return Checkout(
        # Every column is given now, so that the checkout can be written by write_checkout and
        # rendered from the object as it stands.
        id=new_id(),
        buyer_id=buyer_id,
        payment_method=payment_method,
        status=status,
        total=0,
        currency=current_app.config["CURRENCY"],
        payment_intent_id=None,
        client_secret=None,
        payment_failure=None,
        created_at=now,
        updated_at=now,
    )


def open_checkout(*, buyer_id: str | None, payment_method: str, status: str) -> Checkout:
    """``new_checkout``, added to the session (flushed with it, not committed)."""
    checkout = new_checkout(buyer_id=buyer_id, payment_method=payment_method, status=status)
    db.session.add(checkout)
    return checkout


def new_order(
    checkout: Checkout,
    *,
    shop: Shop,
    lines: Iterable[PricedLine],
    shipping_address: dict,
    shipping_fee: int,
    status: str,
    buyer_id: str | None,
    buyer_contact: dict | None = None,
    note: str | None = None,
) -> Order:
    """One shop's order under ``checkout``: titles and prices copied, integer totals added up.

    Stock is not touched here (see inventory.take_stock); nothing is added to the session.
    """
    now = checkout.created_at
    order = Order(
        id=new_id(),
        checkout=checkout,
        checkout_id=checkout.id,
        shop=shop,
        shop_id=shop.id,
        buyer_id=buyer_id,
        buyer_contact=buyer_contact,
        status=status,
        payment_method=checkout.payment_method,
        payment_status="unpaid",
        currency=checkout.currency,
        shipping_address=dict(shipping_address),
        shipping_fee=shipping_fee,
        note=note,
        carrier=None,
        tracking_number=None,
        # Bank transfer only (services/orders/bank_transfer.give_instructions).
        payment_reference=None,
        payment_instructions=None,
        payment_due_at=None,
        created_at=now,
        updated_at=now,
    )
    for position, line in enumerate(lines):
        order.lines.append(
            OrderLine(
                id=new_id(),
                order_id=order.id,
                position=position,
                product_id=line.product.id,
                variant_id=line.variant.id,
                title=line.title,
                unit_price=line.unit_price,
                quantity=line.quantity,
                line_total=line.line_total,
                livestream_id=line.livestream_id,
            )
        )
    # A new order has no history yet; saying so spares a query when it is shown.
    set_committed_value(order, "history", [])
    order.subtotal = sum(line.line_total for line in order.lines)
    order.total = order.subtotal + shipping_fee
    checkout.total += order.total
    return order


def add_order(checkout: Checkout, **fields) -> Order:
    """``new_order`` (same keywords), added to the session: flushed with it, not committed."""
    order = new_order(checkout, **fields)
    db.session.add(order)
    return order


def _row(obj, table: sa.Table, prefix: str = "") -> dict:
    return {prefix + column.key: getattr(obj, column.key) for column in table.columns}


def write_checkout(
    checkout: Checkout, *, notices: Sequence[Notice] = (), stock: Sequence[StockRequest] = ()
) -> None:
    """Insert a checkout made by ``new_checkout`` and ``new_order``, with its orders, their
    lines and the ``notices`` of its placing, then take its ``stock`` (inventory.take_stock's
    409 ``out_of_stock``: the caller rolls back what was written); nothing is committed.

    Written with Core rather than flushed by the session: the unit of work's bookkeeping for
    these few rows cost more than everything else a checkout does (a flash sale's hottest
    path). The objects become detached, as if loaded by an earlier session: complete, ready
    to be rendered, and never inserted twice.

    The stock is taken last: its UPDATE locks the variant's row until the commit, and on a hot
    product every other buyer waits for that lock (taken first, they waited through all of the
    writing). One shop, one line and at most one notice (a livestream buyer's usual checkout)
    on PostgreSQL is one statement: the line's guarded UPDATE WITH the INSERTs; the foreign keys
    and the report triggers are checked at its end.
    """
    orders = list(checkout.orders)
    lines = [line for order in orders for line in order.lines]
    if (
        len(lines) == 1
        and len(stock) == 1
        and (stock[0].variant_id, stock[0].quantity) == (lines[0].variant_id, lines[0].quantity)
        and len(notices) <= 1
        and db.session.get_bind().dialect.name == "postgresql"
    ):
        notice_rows = outbox.new_rows(notices)
        taken = db.session.execute(
            _single_line_checkout(notified=bool(notice_rows)),
            {
                **_row(checkout, _CHECKOUTS, "checkout_"),
                **_row(orders[0], _ORDERS, "order_"),
                **_row(lines[0], _ORDER_LINES, "line_"),
                **{f"notice_{key}": value for row in notice_rows for key, value in row.items()},
            },
        )
        if taken.rowcount != 1:
            refuse(stock, [stock[0].variant_id])
    else:
        # The session's connection (its transaction) straight away: these statements need
        # none of the session's ORM handling.
        connection = db.session.connection()
        connection.execute(_INSERT_CHECKOUT, [_row(checkout, _CHECKOUTS)])
        connection.execute(_INSERT_ORDER, [_row(order, _ORDERS) for order in orders])
        connection.execute(_INSERT_ORDER_LINE, [_row(line, _ORDER_LINES) for line in lines])
        outbox.write(notices)
        take_stock(stock)
    for obj in (checkout, *orders, *lines):
        make_transient_to_detached(obj)
    # In the order a reload lists them (``Checkout.orders``' order_by): they share one
    # timestamp, so the order they were made in would show differently from a later GET.
    set_committed_value(checkout, "orders", sorted(orders, key=lambda o: (o.created_at, o.id)))


def _bound_values(table: sa.Table, prefix: str, **shared: str) -> dict:
    """A bound parameter per column, named ``prefix`` + the column's key, or as ``shared``
    names it (a foreign key bound to the id it refers to)."""
    return {
        c.key: sa.bindparam(shared.get(c.key, prefix + c.key), type_=c.type) for c in table.columns
    }


def _inserted(table: sa.Table, prefix: str, name: str, **shared: str) -> sa.CTE:
    return sa.insert(table).values(_bound_values(table, prefix, **shared)).cte(name)


@functools.cache
def _single_line_checkout(*, notified: bool) -> sa.Update:
    """The guarded UPDATE of the variant of a checkout's only line (inventory.guarded_take),
    WITH the INSERTs of the checkout, its order, the line and (``notified``) its notification.

    Each foreign key is bound to the id it refers to, and the UPDATE to the line's variant and
    quantity: psycopg converts the statement once and keeps it only while it has at most 50
    parameters (tests/orders/test_checkout_statement.py keeps it there).
    """
    line = _bound_values(_ORDER_LINES, "line_", order_id="order_id")
    statement = guarded_take(line["variant_id"], line["quantity"]).add_cte(
        _inserted(_CHECKOUTS, "checkout_", "c"),
        _inserted(_ORDERS, "order_", "o", checkout_id="checkout_id"),
        sa.insert(_ORDER_LINES).values(line).cte("l"),
    )
    if notified:
        statement = statement.add_cte(_inserted(_NOTIFICATIONS, "notice_", "n"))
    return statement


_CHECKOUTS, _ORDERS, _ORDER_LINES = Checkout.__table__, Order.__table__, OrderLine.__table__
_NOTIFICATIONS = Notification.__table__
_INSERT_CHECKOUT = sa.insert(_CHECKOUTS)
_INSERT_ORDER = sa.insert(_ORDERS)
_INSERT_ORDER_LINE = sa.insert(_ORDER_LINES)


def stock_of(order: Order) -> list[StockRequest]:
    return [
        StockRequest(line.variant_id, line.quantity, line.position, line.product_id)
        for line in order.lines
    ]


# ---------------------------------------------------------------- seeing


def with_details(stmt: sa.Select) -> sa.Select:
    """Everything the Order JSON shows, in a constant number of queries."""
    return stmt.options(
        joinedload(Order.shop), selectinload(Order.lines), selectinload(Order.history)
    )


def parties_of(order: Order, user: User | None) -> frozenset[str]:
    """Who ``user`` is to this order: its buyer, its shop's owner, or (None) the system."""
    if user is None:
        return _who(SYSTEM)
    parties = set()
    if order.buyer_id is not None and order.buyer_id == user.id:
        parties.add(BUYER)
    if order.shop.owner_id == user.id:
        parties.add(OWNER)
    return frozenset(parties)


def get_order(order_id: str, user: User) -> Order:
    """The order, to its buyer and its shop's owner only (404 to anyone else)."""
    order = db.session.scalar(with_details(sa.select(Order).where(Order.id == order_id)))
    if order is None or not parties_of(order, user):
        raise NotFound(N_("No such order."))
    return order


def find_shop(ref: str) -> Shop | None:
    return db.session.scalar(sa.select(Shop).where(sa.or_(Shop.id == ref, Shop.slug == ref)))


def list_orders(
    user: User,
    *,
    shop: str | None = None,
    status: str | None = None,
    payment_status: str | None = None,
    limit: int,
    cursor: str | None = None,
) -> tuple[list[Order], str | None]:
    """The caller's orders, newest first: those they bought and those of every shop they own;
    with ``shop``, that shop's orders (to its owner only)."""
    stmt = with_details(sa.select(Order))
    if shop is None:
        owned = sa.select(Shop.id).where(Shop.owner_id == user.id)
        stmt = stmt.where(sa.or_(Order.buyer_id == user.id, Order.shop_id.in_(owned)))
        scope = f"orders:buyer:{user.id}"
    else:
        found = find_shop(shop)
        if found is None or (found.owner_id != user.id and found.status != "active"):
            raise NotFound(N_("No such shop."))
        if found.owner_id != user.id:
            raise Forbidden(N_("Only the shop's owner sees its orders."), code="not_shop_owner")
        stmt = stmt.where(Order.shop_id == found.id)
        scope = f"orders:shop:{found.id}"
    if status:
        stmt = stmt.where(Order.status == status)
    if payment_status:
        stmt = stmt.where(Order.payment_status == payment_status)
    keys = [SortKey(Order.created_at, descending=True), SortKey(Order.id, descending=True)]
    return keyset_page(
        db.session,
        stmt,
        keys,
        scope=scope,
        limit=limit,
        cursor=cursor,
        key_values=lambda order: (order.created_at, order.id),
    )


# ---------------------------------------------------------------- moving


def move_order(order: Order, action: str, actor: User | None, reason: str | None = None) -> str:
    """Make one move of ``MOVES`` and record it; returns the status it left. Flushes only.

    403 when ``actor`` may never make this move, 409 ``invalid_transition`` when not from the
    order's status (or when a concurrent request moved the order first).
    """
    move = MOVES[action]
    parties = parties_of(order, actor)
    if not parties & move.parties:
        raise Forbidden(Msg(NOT_ALLOWED[action]), code="not_allowed")
    current = order.status
    if not parties & move.sources.get(current, frozenset()):
        raise InvalidTransition(
            Msg(
                "A %(status)s order cannot be moved to %(target)s.",
                status=status_word(current),
                target=status_word(move.to),
            ),
            details={"status": current, "action": action},
        )
    now = utcnow()
    moved = db.session.execute(
        sa.update(Order)
        .where(Order.id == order.id, Order.status == current)
        .values(status=move.to, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise InvalidTransition(
            N_("The order changed meanwhile; reload it."), details={"action": action}
        )
    set_committed_value(order, "status", move.to)
    set_committed_value(order, "updated_at", now)
    db.session.add(
        OrderEvent(
            order_id=order.id,
            from_status=current,
            to_status=move.to,
            actor_id=actor.id if actor is not None else None,
            reason=reason,
            created_at=now,
        )
    )
    notifications.order_moved(order, current, move.to, actor, reason)
    return current
