"""Checkout: one order per shop under one checkout, with every line's stock taken or none.

The checks run from the cheapest to the one that changes data: fields (422), availability and
prices (409), shipping (422), then stock (409, guarded decrements). Card checkouts are committed
first and get their PaymentIntent afterwards, outside the transaction (see services/payments).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, make_transient_to_detached, selectinload

from marketplace.errors import Conflict, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.models import Checkout, Order, Product, ProductVariant, Shop, User
from marketplace.services.livestreams import sessions as livestreams
from marketplace.services.notifications import events as notifications
from marketplace.services.orders import idempotency, payments
from marketplace.services.orders.inventory import take_stock
from marketplace.services.orders.lifecycle import (
    PricedLine,
    ProductOnSale,
    VariantOnSale,
    new_checkout,
    new_order,
    shipping_fee_for,
    write_checkout,
)

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
# What a checkout reads of a line's shop: the orders refer to it and the answer shows it.
_SHOP_COLUMNS = (
    "id",
    "owner_id",
    "status",
    "slug",
    "name",
    "shipping_fee",
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


def price_lines(buyer: User, items: list[dict]) -> list[PricedLine]:
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
        if product is None or (product.status == "draft" and product.shop.owner_id != buyer.id):
            errors.add(index, "product_id", "Unknown product.")
            continue
        if product.shop.owner_id == buyer.id:
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
    if payment_method == "stripe":
        payments.require_card_payments()
    try:
        lines = price_lines(buyer, items)
        by_shop: dict[str, list[PricedLine]] = {}
        for line in lines:
            by_shop.setdefault(line.product.shop_id, []).append(line)
        country = shipping_address["country"]
        fees = {
            shop_id: shipping_fee_for(group[0].product.shop, country)
            for shop_id, group in by_shop.items()
        }
        take_stock([line.stock_request() for line in lines])
        status = "placed" if payment_method == "cod" else "pending_payment"
        checkout = new_checkout(buyer_id=buyer.id, payment_method=payment_method, status=status)
        for shop_id, group in by_shop.items():
            new_order(
                checkout,
                shop=group[0].product.shop,
                lines=group,
                shipping_address=shipping_address,
                shipping_fee=fees[shop_id],
                status=status,
                buyer_id=buyer.id,
                note=note,
            )
        write_checkout(checkout)
        notifications.orders_placed(checkout.orders)
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
