"""Checkout: one order per shop under one checkout, with every line's stock taken or none.

The checks run from the cheapest to the one that changes data: fields and the address (422),
availability and prices (409), the payment method and shipping (422), then stock (409, guarded
decrements). ``quote_basket`` runs all but the last; a quote is the same checks reading the
stock instead of taking it, so it answers what the checkout would. Card checkouts are committed
first and get their PaymentIntent afterwards, outside the transaction (see services/payments).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, make_transient_to_detached, selectinload

from marketplace.errors import Conflict, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.models import Checkout, Order, Product, ProductVariant, Shop, User
from marketplace.services import places
from marketplace.services.livestreams import sessions as livestreams
from marketplace.services.orders import idempotency, payments
from marketplace.services.orders.inventory import check_stock, take_stock
from marketplace.services.orders.lifecycle import (
    PricedLine,
    ProductOnSale,
    VariantOnSale,
    new_checkout,
    new_order,
    shipping_fee_for,
    write_checkout,
)
from marketplace.services.phones import is_vietnamese

# What an Idempotency-Key notes that its request made (services/idempotency.made).
RESOURCE_TYPE = "checkout"


class ProductUnavailable(Conflict):
    code, message = "product_unavailable", "Some items can no longer be bought."


class PriceChanged(Conflict):
    code, message = "price_changed", "Some prices changed; check the current prices."


class _LineErrors:
    """Field errors of the request's lines, reported together as one 422."""

    def __init__(self) -> None:
        self.details: dict[str, dict[str, list[str]]] = {}
        self.codes: set[str] = set()

    def add(self, index: int, field: str, message: str, code: str = "validation_error") -> None:
        self.details.setdefault(str(index), {}).setdefault(field, []).append(message)
        self.codes.add(code)

    def raise_if_any(self) -> None:
        if not self.details:
            return
        code = self.codes.pop() if len(self.codes) == 1 else "validation_error"
        raise ValidationFailed(
            "Some items are invalid.", code=code, details={"items": self.details}
        )


_products, _shops, _variants = Product.__table__, Shop.__table__, ProductVariant.__table__
# What a checkout reads of a line's shop: the orders refer to it, the answer shows it and
# shipping_fee_for prices its delivery.
_SHOP_COLUMNS = (
    "id",
    "owner_id",
    "status",
    "slug",
    "name",
    "province",
    "province_code",
    "shipping_fee",
    "local_shipping_fee",
    "free_shipping_over",
    "international_shipping_fee",
)
# Built once (a flash sale runs it for every buyer): the lines' products with their shops and
# variants, one query of plain rows.
_LINE_CHOICES = (
    sa.select(
        _products.c.id,
        _products.c.title,
        _products.c.status,
        *(_shops.c[name].label(f"shop_{name}") for name in _SHOP_COLUMNS),
        _variants.c.id.label("variant_id"),
        _variants.c.options.label("variant_options"),
        _variants.c.price.label("variant_price"),
        _variants.c.status.label("variant_status"),
    )
    .join_from(_products, _shops, _shops.c.id == _products.c.shop_id)
    .outerjoin(_variants, _variants.c.product_id == _products.c.id)
    .where(_products.c.id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(_variants.c.position, _variants.c.id)
)


def _load_products(items: list[dict]) -> dict[str, ProductOnSale]:
    """The lines' products with their variants and shops, in one query of plain rows.

    Loaded as entities (joined eager loading of the variants and the shop) this was a sixth of
    a checkout's CPU; read as rows, less than half of that. The shop alone is made an entity,
    detached as if loaded by an earlier session (the orders refer to it), holding only the
    columns above: reading another raises instead of querying behind our back.
    """
    ids = list({item["product_id"] for item in items})
    rows_by_product: dict[str, list] = {}
    for row in db.session.connection().execute(_LINE_CHOICES, {"ids": ids}):
        rows_by_product.setdefault(row.id, []).append(row)
    shops: dict[str, Shop] = {}
    products = {}
    for product_id, rows in rows_by_product.items():
        first = rows[0]
        shop = shops.get(first.shop_id)
        if shop is None:
            shop = shops[first.shop_id] = Shop(
                **{name: first._mapping[f"shop_{name}"] for name in _SHOP_COLUMNS}
            )
            make_transient_to_detached(shop)
        products[product_id] = ProductOnSale(
            id=product_id,
            shop_id=shop.id,
            title=first.title,
            status=first.status,
            shop=shop,
            variants=tuple(
                VariantOnSale(
                    row.variant_id, row.variant_options, row.variant_price, row.variant_status
                )
                for row in rows
                if row.variant_id is not None
            ),
        )
    return products


def _choose_variant(product: ProductOnSale, variant_id: str | None) -> VariantOnSale | str:
    """The line's variant, or a reason it has none: ``unknown``, ``required`` or ``archived``."""
    if variant_id is None:
        active = [v for v in product.variants if v.status == "active"]
        if len(active) == 1:
            return active[0]
        return "required" if active else "archived"
    variant = next((v for v in product.variants if v.id == variant_id), None)
    if variant is None:
        return "unknown"
    return variant if variant.status == "active" else "archived"


def price_lines(buyer_id: str | None, items: list[dict]) -> list[PricedLine]:
    """Each line's product, variant and current unit price, or the reasons it cannot be bought.

    Unknown products (and other people's drafts) and bad variants are 422; the shop's own owner
    is 422 ``own_shop``; archived or suspended products and variants, and products of suspended
    shops, are 409 ``product_unavailable``; an ``expected_unit_price`` that differs from the
    price charged is 409 ``price_changed``.
    """
    products = _load_products(items)
    errors = _LineErrors()
    unavailable: list[dict] = []
    lines: list[PricedLine] = []
    for index, item in enumerate(items):
        product = products.get(item["product_id"])
        if product is None or (product.status == "draft" and product.shop.owner_id != buyer_id):
            errors.add(index, "product_id", "Unknown product.")
            continue
        if product.shop.owner_id == buyer_id:
            errors.add(index, "product_id", "You cannot buy from your own shop.", "own_shop")
            continue
        variant = _choose_variant(product, item.get("variant_id"))
        if variant == "unknown":
            errors.add(index, "variant_id", "Not a variant of this product.")
            continue
        if variant == "required":
            errors.add(index, "variant_id", "Choose a variant.", "variant_required")
            continue
        reason = _unavailability(product, variant)
        if reason:
            unavailable.append({"index": index, "product_id": product.id, "reason": reason})
            continue
        try:
            price = livestreams.price_line(product, variant, item.get("livestream_id"))
        except ValidationFailed as exc:
            for field, messages in exc.details.items():
                for message in messages:
                    errors.add(index, field, message, exc.code)
            continue
        lines.append(
            PricedLine(
                product=product,
                variant=variant,
                quantity=item["quantity"],
                unit_price=price.unit_price,
                livestream_id=price.livestream_id,
                index=index,
            )
        )
    errors.raise_if_any()
    if unavailable:
        raise ProductUnavailable(details={"items": unavailable})
    _check_expected_prices(items, lines)
    return lines


def _unavailability(product: ProductOnSale, variant: VariantOnSale | str) -> str | None:
    if product.shop.status != "active":
        return "shop_suspended"
    if product.status != "active":
        return f"product_{product.status}"
    if variant == "archived":
        return "variant_archived"
    return None


def _check_expected_prices(items: list[dict], lines: list[PricedLine]) -> None:
    changed = [
        {
            "index": line.index,
            "product_id": line.product.id,
            "variant_id": line.variant.id,
            "expected_unit_price": items[line.index]["expected_unit_price"],
            "unit_price": line.unit_price,
        }
        for line in lines
        if items[line.index].get("expected_unit_price") not in (None, line.unit_price)
    ]
    if changed:
        raise PriceChanged(details={"items": changed})


class PaymentMethodUnavailable(ValidationFailed):
    code, message = "payment_method_unavailable", "This payment method is not available."


def payment_methods_for(shipping_address: dict, shops: Iterable[Shop]) -> list[str]:
    """The ways a basket from ``shops`` delivered to a checked ``shipping_address`` may be
    paid, in the order clients offer them: cash on delivery within Vietnam (the courier calls
    a Vietnamese number), card when Stripe is configured."""
    methods = []
    if shipping_address["country"] == places.VIETNAM and is_vietnamese(shipping_address["phone"]):
        methods.append("cod")
    if payments.card_payments_enabled():
        methods.append("stripe")
    return methods


def require_payment_method(payment_method: str, address: dict, shops: list[Shop]) -> list[str]:
    """The methods ``payment_methods_for`` allows; 422 ``payment_method_unavailable`` when
    ``payment_method`` is not one of them."""
    methods = payment_methods_for(address, shops)
    if payment_method in methods:
        return methods
    if payment_method == "cod" and address["country"] != places.VIETNAM:
        reason = "Cash on delivery is only available within Vietnam."
    elif payment_method == "stripe":
        reason = "Card payments are not available."
    else:
        reason = f"{payment_method} is not available for this checkout."
    choices = ", ".join(methods) or "none"
    raise PaymentMethodUnavailable(
        reason, details={"payment_method": [f"{reason} Choose one of: {choices}."]}
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
) -> Quote:
    """Every check of a checkout but the stock, reading only: the address (422), the lines
    and their prices (422, 409), the payment method when one is named, and each shop's
    shipping (422). Checkouts and quotes both price a basket here."""
    address = places.checked_address(shipping_address)
    by_shop: dict[str, list[PricedLine]] = {}
    for line in price_lines(buyer_id, items):
        by_shop.setdefault(line.product.shop_id, []).append(line)
    shops = [group[0].product.shop for group in by_shop.values()]
    methods = (
        payment_methods_for(address, shops)
        if payment_method is None
        else require_payment_method(payment_method, address, shops)
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
    is undone, its stock returned, and the answer is 503.
    """
    try:
        quote = quote_basket(
            buyer.id,
            items=items,
            shipping_address=shipping_address,
            payment_method=payment_method,
        )
        take_stock([line.stock_request() for line in quote.lines])
        status = "placed" if payment_method == "cod" else "pending_payment"
        checkout = new_checkout(buyer_id=buyer.id, payment_method=payment_method, status=status)
        for order in quote.orders:
            new_order(
                checkout,
                shop=order.shop,
                lines=order.lines,
                shipping_address=quote.shipping_address,
                shipping_fee=order.shipping_fee,
                status=status,
                buyer_id=buyer.id,
                note=note,
            )
        write_checkout(checkout)
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
        raise NotFound("No such checkout.")
    return checkout
