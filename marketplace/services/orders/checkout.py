"""Checkout: one order per shop under one checkout, with every line's stock taken or none.

The checks run from the cheapest to the one that changes data: fields and the address (422),
availability and prices (409, services/orders/pricing), the payment method and shipping (422),
then stock (409, guarded decrements). ``quote_basket`` runs all but the last; a quote is the
same checks reading the stock instead of taking it, so it answers what the checkout would.
Card checkouts are committed first and get their PaymentIntent afterwards, outside the
transaction (see orders/payments).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, selectinload

import marketplace.metrics as metrics
from marketplace.errors import DomainError, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.messages import N_, Msg
from marketplace.models import Checkout, Order, Shop, User
from marketplace.services import places
from marketplace.services.notifications import events as notifications
from marketplace.services.orders import bank_accounts, bank_transfer, idempotency, payments
from marketplace.services.orders.inventory import check_stock
from marketplace.services.orders.lifecycle import (
    PricedLine,
    new_checkout,
    new_order,
    shipping_fee_for,
    write_checkout,
)
from marketplace.services.orders.pricing import price_lines
from marketplace.services.phones import is_vietnamese

# What an Idempotency-Key notes that its request made (services/idempotency.made).
RESOURCE_TYPE = "checkout"


class PaymentMethodUnavailable(ValidationFailed):
    code, message = "payment_method_unavailable", N_("This payment method is not available.")


def payment_methods_for(shipping_address: dict, shops: Iterable[Shop]) -> list[str]:
    """The ways a basket from ``shops`` delivered to a checked ``shipping_address`` may be
    paid, in the order clients offer them: cash on delivery within Vietnam (the courier calls
    a Vietnamese number), bank transfer when every shop has a bank account, card when Stripe
    is configured. The one place that decides it, for
    checkouts, quotes and livestream claims (a method may depend on the shops too)."""
    methods = []
    if shipping_address["country"] == places.VIETNAM and is_vietnamese(shipping_address["phone"]):
        methods.append("cod")
    shop_ids = [shop.id for shop in shops]
    with_account = bank_accounts.accounts_of(shop_ids)
    if shop_ids and all(shop_id in with_account for shop_id in shop_ids):
        methods.append(bank_transfer.METHOD)
    if payments.card_payments_enabled():
        methods.append("stripe")
    return methods


def _available(payment_method: str, address: dict, shops: list[Shop]) -> bool:
    """Whether ``payment_methods_for`` would offer this one method (asking only what it needs:
    no bank accounts for cash on delivery)."""
    if payment_method == "cod":
        return address["country"] == places.VIETNAM and is_vietnamese(address["phone"])
    if payment_method == bank_transfer.METHOD:
        shop_ids = [shop.id for shop in shops]
        with_account = bank_accounts.accounts_of(shop_ids)
        return bool(shop_ids) and all(shop_id in with_account for shop_id in shop_ids)
    if payment_method == "stripe":
        return payments.card_payments_enabled()
    return False


def require_payment_method(
    payment_method: str, address: dict, shops: list[Shop], *, offered: bool = True
) -> list[str]:
    """The methods ``payment_methods_for`` allows; 422 ``payment_method_unavailable`` when
    ``payment_method`` is not one of them. With ``offered=False`` (a checkout, which shows
    no choices) only ``[payment_method]`` once it is checked: the others are not looked up."""
    if not offered and _available(payment_method, address, shops):
        return [payment_method]
    methods = payment_methods_for(address, shops)
    if payment_method in methods:
        return methods
    if payment_method == "cod" and address["country"] != places.VIETNAM:
        reason = N_("Cash on delivery is only available within Vietnam.")
    elif payment_method == "stripe":
        reason = N_("Card payments are not available.")
    elif payment_method == bank_transfer.METHOD:
        reason = N_("Bank transfer is not available: a shop of this checkout has no bank account.")
    else:
        reason = Msg("%(method)s is not available for this checkout.", method=payment_method)
    choices = ", ".join(methods) or Msg(N_("none"))
    reason = reason if isinstance(reason, Msg) else Msg(reason)
    raise PaymentMethodUnavailable(
        reason,
        details={
            "payment_method": [
                Msg("%(reason)s Choose one of: %(choices)s.", reason=reason, choices=choices)
            ]
        },
    )


@dataclass(frozen=True)
class ShopQuote:
    """One shop's part of a basket: what its order would hold and cost."""

    shop: Shop
    lines: list[PricedLine]
    shipping_fee: int

    @property
    def subtotal(self) -> int:
        return sum(line.line_total for line in self.lines)

    @property
    def total(self) -> int:
        return self.subtotal + self.shipping_fee


@dataclass(frozen=True)
class Quote:
    """What a checkout of a basket would make: one order per shop, in the basket's order."""

    shipping_address: dict
    orders: list[ShopQuote]
    payment_methods: list[str]
    currency: str

    @property
    def total(self) -> int:
        return sum(order.total for order in self.orders)

    @property
    def lines(self) -> list[PricedLine]:
        return [line for order in self.orders for line in order.lines]


def quote_basket(
    buyer_id: str | None,
    *,
    items: list[dict],
    shipping_address: dict,
    payment_method: str | None = None,
    offered: bool = True,
) -> Quote:
    """Every check of a checkout but the stock, reading only: the address (422), the lines
    and their prices (422, 409), the payment method when one is named, and each shop's
    shipping (422). Checkouts and quotes both price a basket here. ``offered=False``: the
    quote's ``payment_methods`` is only the one named (see ``require_payment_method``)."""
    address = places.checked_address(shipping_address)
    by_shop: dict[str, list[PricedLine]] = {}
    for line in price_lines(buyer_id, items):
        by_shop.setdefault(line.product.shop_id, []).append(line)
    shops = [group[0].product.shop for group in by_shop.values()]
    methods = (
        payment_methods_for(address, shops)
        if payment_method is None
        else require_payment_method(payment_method, address, shops, offered=offered)
    )
    orders = []
    for shop, group in zip(shops, by_shop.values(), strict=True):
        subtotal = sum(line.line_total for line in group)
        orders.append(ShopQuote(shop, group, shipping_fee_for(shop, address, subtotal)))
    return Quote(address, orders, methods, current_app.config["CURRENCY"])


def quote_checkout(
    buyer_id: str | None,
    *,
    items: list[dict],
    shipping_address: dict,
    payment_method: str | None = None,
) -> Quote:
    """What ``place_checkout`` would answer for this basket now, down to 409 ``out_of_stock``,
    with nothing taken or written (anyone may ask, signed in or not)."""
    quote = quote_basket(
        buyer_id, items=items, shipping_address=shipping_address, payment_method=payment_method
    )
    check_stock([line.stock_request() for line in quote.lines])
    return quote


def place_checkout(
    buyer: User,
    *,
    items: list[dict],
    shipping_address: dict,
    payment_method: str = "cod",
    note: str | None = None,
) -> Checkout:
    """One order per shop, prices and address copied, stock taken for every line or none.

    Cash on delivery orders start ``placed``. Card orders start ``pending_payment`` and the
    checkout gets one PaymentIntent once committed; when Stripe cannot be reached the checkout
    is undone, its stock returned, and the answer is 503. Bank-transfer orders start
    ``pending_payment`` with their payment instructions (orders/bank_transfer).
    """
    try:
        checkout = _place(
            buyer,
            items=items,
            shipping_address=shipping_address,
            payment_method=payment_method,
            note=note,
        )
    except DomainError as exc:
        metrics.checkout_outcome(exc.code)
        raise
    except Exception:
        metrics.checkout_outcome("error")
        raise
    metrics.checkout_outcome("placed")
    return checkout


def _place(
    buyer: User,
    *,
    items: list[dict],
    shipping_address: dict,
    payment_method: str,
    note: str | None,
) -> Checkout:
    try:
        quote = quote_basket(
            buyer.id,
            items=items,
            shipping_address=shipping_address,
            payment_method=payment_method,
            offered=False,
        )
        by_bank = payment_method == bank_transfer.METHOD
        if by_bank:
            accounts = bank_accounts.accounts_of([order.shop.id for order in quote.orders])
            references = bank_transfer.free_references(len(quote.orders))
        status = "placed" if payment_method == "cod" else "pending_payment"
        checkout = new_checkout(buyer_id=buyer.id, payment_method=payment_method, status=status)
        for shop_quote in quote.orders:
            order = new_order(
                checkout,
                shop=shop_quote.shop,
                lines=shop_quote.lines,
                shipping_address=quote.shipping_address,
                shipping_fee=shop_quote.shipping_fee,
                status=status,
                buyer_id=buyer.id,
                note=note,
            )
            if by_bank:
                bank_transfer.give_instructions(
                    order, accounts[shop_quote.shop.id], references.pop()
                )
        write_checkout(
            checkout,
            notices=notifications.placed_notices(checkout.orders),
            stock=[line.stock_request() for line in quote.lines],
        )
        checkout_id, total, currency = checkout.id, checkout.total, checkout.currency
        idempotency.made(RESOURCE_TYPE, checkout_id)
        _commit_keeping(checkout)
    except Exception:
        db.session.rollback()
        raise
    if payment_method == "stripe":
        # After the commit, so the provider is called outside any transaction.
        payments.start_card_payment(checkout_id, total, currency)
        return load_checkout(checkout_id)
    return checkout


def resume_checkout(checkout_id: str) -> Checkout | None:
    """A checkout whose request died before answering, finished as ``place_checkout`` would
    have (None: it was undone). A card checkout still without its PaymentIntent gets it first
    (the provider's idempotency key comes from the checkout: never a second intent)."""
    checkout = load_checkout(checkout_id)
    if checkout is None:
        return None
    if checkout.payment_method == "stripe" and checkout.payment_intent_id is None:
        payments.start_card_payment(checkout_id, checkout.total, checkout.currency)
        checkout = load_checkout(checkout_id)
    return checkout


def lacks_payment_intent(checkout_id: str) -> bool:
    """A card checkout committed without its PaymentIntent yet (work left after the commit)."""
    return bool(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Checkout)
            .where(
                Checkout.id == checkout_id,
                Checkout.payment_method == "stripe",
                Checkout.payment_intent_id.is_(None),
            )
        )
    )


def _commit_keeping(checkout: Checkout) -> None:
    """Commit without expiring what the session holds (the buyer): the answer is rendered from
    the checkout as it was written, sparing the reload of a checkout whose every value we know
    (a flash sale's hottest path)."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def load_checkout(checkout_id: str) -> Checkout | None:
    """A checkout with its orders and everything they show, in a constant number of queries."""
    db.session.expire_all()
    return db.session.scalar(
        sa.select(Checkout)
        .where(Checkout.id == checkout_id)
        .options(
            selectinload(Checkout.orders).options(
                joinedload(Order.shop), selectinload(Order.lines), selectinload(Order.history)
            )
        )
    )


def get_checkout(checkout_id: str, user: User) -> Checkout:
    """A checkout, to its buyer only (404 to anyone else)."""
    checkout = load_checkout(checkout_id)
    if checkout is None or checkout.buyer_id != user.id:
        raise NotFound(N_("No such checkout."))
    return checkout
