"""Carts: what a buyer means to buy, before the checkout.

A cart is a list of variants and quantities, nothing more: prices, shipping and totals always
come from the checkout's own quote (``checkout.quote_basket``), so the cart shows what the
checkout will charge. Signed-in buyers' carts are rows (``CartItem``), so that a cart filled on
the phone is there on the computer too; anonymous visitors' carts live in their session (the
pages keep them) and join the account at sign-in, quantities added (``merge_into``).

``Lines`` is ``{variant_id: quantity}`` in the order the variants were added.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa

from marketplace.errors import DomainError, ValidationFailed
from marketplace.extensions import db
from marketplace.models import CartItem, Order, Product, ProductVariant, Shop
from marketplace.models.base import utcnow
from marketplace.services import places
from marketplace.services.orders.checkout import Quote, quote_basket

Lines = dict[str, int]

MAX_QUANTITY = 999  # a checkout line's ceiling (schemas/orders.CheckoutItemSchema)
MAX_LINES = 40  # a session cookie must stay small; a checkout takes at most 100 lines
DEFAULT_DESTINATION = "01"  # Hà Nội: where shipping is estimated until the buyer says


class CartFull(ValidationFailed):
    code, message = "cart_full", "Your cart is full: check out or remove something first."


class NotForSale(ValidationFailed):
    code, message = "not_for_sale", "This product cannot be bought now."


# ---------------------------------------------------------------- changing a cart


def added(lines: Lines, variant_id: str, quantity: int) -> Lines:
    """``lines`` with ``quantity`` more of the variant (at most MAX_QUANTITY); 422 when the
    cart already holds MAX_LINES other variants."""
    if variant_id not in lines and len(lines) >= MAX_LINES:
        raise CartFull()
    return {**lines, variant_id: min(lines.get(variant_id, 0) + quantity, MAX_QUANTITY)}


def with_quantity(lines: Lines, variant_id: str, quantity: int) -> Lines:
    """``lines`` with the variant's quantity set; 0 removes it."""
    changed = dict(lines)
    if quantity <= 0:
        changed.pop(variant_id, None)
    elif variant_id in changed:
        changed[variant_id] = min(quantity, MAX_QUANTITY)
    return changed


def check_for_sale(variant_id: str) -> None:
    """422 ``not_for_sale`` unless the variant is on sale: active, of an active product of an
    active shop (what may go in a cart; the checkout checks again)."""
    row = db.session.execute(
        sa.select(ProductVariant.status, Product.status, Shop.status)
        .join(Product, Product.id == ProductVariant.product_id)
        .join(Shop, Shop.id == Product.shop_id)
        .where(ProductVariant.id == variant_id)
    ).first()
    if row is None or any(status != "active" for status in row):
        raise NotForSale(details={"variant_id": [NotForSale.message]})


def saved_lines(user_id: str) -> Lines:
    """A signed-in buyer's cart, oldest line first."""
    rows = db.session.execute(
        sa.select(CartItem.variant_id, CartItem.quantity)
        .where(CartItem.user_id == user_id)
        .order_by(CartItem.added_at, CartItem.variant_id)
    )
    return {variant_id: quantity for variant_id, quantity in rows}


def count_saved(user_id: str) -> int:
    """How many lines a signed-in buyer's cart holds (the header's badge)."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(CartItem).where(CartItem.user_id == user_id)
    )


def save(user_id: str, before: Lines, after: Lines) -> None:
    """Write the change from ``before`` (as read) to ``after`` and commit."""
    now = utcnow()
    gone = [variant_id for variant_id in before if variant_id not in after]
    if gone:
        db.session.execute(
            sa.delete(CartItem).where(CartItem.user_id == user_id, CartItem.variant_id.in_(gone))
        )
    for position, (variant_id, quantity) in enumerate(after.items()):
        if variant_id not in before:
            # A microsecond apart, so that lines added together keep their order.
            added_at = now + timedelta(microseconds=position)
            db.session.add(
                CartItem(
                    user_id=user_id, variant_id=variant_id, quantity=quantity, added_at=added_at
                )
            )
        elif before[variant_id] != quantity:
            db.session.execute(
                sa.update(CartItem)
                .where(CartItem.user_id == user_id, CartItem.variant_id == variant_id)
                .values(quantity=quantity)
            )
    db.session.commit()


def merge_into(user_id: str, lines: Lines) -> None:
    """An anonymous visitor's cart joins their account's: quantities of the same variant are
    added (capped), new lines come after the saved ones, variants no longer known are dropped,
    and lines beyond MAX_LINES are left out."""
    if not lines:
        return
    known = set(
        db.session.scalars(sa.select(ProductVariant.id).where(ProductVariant.id.in_(lines)))
    )
    before = saved_lines(user_id)
    after = dict(before)
    for variant_id, quantity in lines.items():
        if variant_id not in known:
            continue
        try:
            after = added(after, variant_id, quantity)
        except CartFull:
            break
    save(user_id, before, after)


def forget_bought(user_id: str, bought: Lines) -> None:
    """After a checkout: the lines it bought leave the cart (what was added meanwhile stays)."""
    before = saved_lines(user_id)
    after = {
        variant_id: quantity
        for variant_id, quantity in before.items()
        if variant_id not in bought or quantity > bought[variant_id]
    }
    for variant_id in after:
        if variant_id in bought:
            after[variant_id] -= bought[variant_id]
    save(user_id, before, after)


# ---------------------------------------------------------------- reading a cart


@dataclass
class CartLine:
    """One line as the cart shows it; ``unit_price`` and ``line_total`` are the quote's."""

    variant_id: str
    product_id: str
    quantity: int
    title: str
    options: dict
    shop_id: str
    shop_name: str
    shop_slug: str
    stock: int
    problem: str | None = None  # unavailable, own_shop, sold_out; None when it can be bought
    unit_price: int | None = None
    line_total: int | None = None

    @property
    def short(self) -> bool:
        """More asked than in stock: the checkout would answer out_of_stock for it."""
        return self.problem is None and self.quantity > self.stock


@dataclass
class ShopPart:
    shop_id: str
    shop_name: str
    shop_slug: str
    lines: list[CartLine] = field(default_factory=list)
    subtotal: int | None = None
    shipping_fee: int | None = None
    total: int | None = None


@dataclass
class CartView:
    """A cart grouped by shop, priced by the checkout's quote to ``destination``."""

    shops: list[ShopPart]
    unavailable: list[CartLine]
    destination: places.Place
    quote: Quote | None = None
    error: DomainError | None = None
    gone: list[str] = field(default_factory=list)  # variants that no longer exist

    @property
    def lines(self) -> list[CartLine]:
        return [line for part in self.shops for line in part.lines]

    @property
    def buyable(self) -> Lines:
        return {line.variant_id: line.quantity for line in self.lines}

    @property
    def total(self) -> int | None:
        return self.quote.total if self.quote is not None else None

    @property
    def empty(self) -> bool:
        return not self.shops and not self.unavailable


def destination_address(province_code: str | None) -> dict:
    """An address in a province, to estimate shipping before the buyer gives theirs: fees
    depend on the province only (``lifecycle.shipping_fee_for``)."""
    province = places.find_province(province_code or "") or places.find_province(
        DEFAULT_DESTINATION
    )
    commune = places.communes(province.code)[0]
    return {
        "name": "-",
        "phone": "0900000000",  # a well-formed Vietnamese number; nobody is called
        "line1": "-",
        "province": province.code,
        "commune": commune.code,
        "country": places.VIETNAM,
    }


def _rows(variant_ids: list[str]):
    return db.session.execute(
        sa.select(
            ProductVariant.id,
            ProductVariant.options,
            ProductVariant.stock,
            ProductVariant.status,
            Product.id.label("product_id"),
            Product.title,
            Product.status.label("product_status"),
            Shop.id.label("shop_id"),
            Shop.name.label("shop_name"),
            Shop.slug.label("shop_slug"),
            Shop.status.label("shop_status"),
            Shop.owner_id,
        )
        .join(Product, Product.id == ProductVariant.product_id)
        .join(Shop, Shop.id == Product.shop_id)
        .where(ProductVariant.id.in_(variant_ids))
    ).all()


def view_cart(
    buyer_id: str | None,
    lines: Lines,
    address: dict | None = None,
    *,
    expected_prices: dict[str, int] | None = None,
    priced: bool = True,
) -> CartView:
    """The cart grouped by shop (in the order lines were added), each buyable line priced and
    each shop's shipping to ``address`` (or ``destination_address``) from ``quote_basket``.

    Lines that cannot be bought now (withdrawn, sold out, the buyer's own shop) are set apart;
    a quote that fails (a shop that does not deliver there, a price changed since
    ``expected_prices``) leaves ``error`` set and the prices empty. ``priced=False`` only
    groups the lines (an address abroad not complete yet).
    """
    address = address or destination_address(None)
    rows = {row.id: row for row in _rows(list(lines))}
    destination = places.find_province(address.get("province") or "") or places.find_province(
        DEFAULT_DESTINATION
    )
    view = CartView(shops=[], unavailable=[], destination=destination)
    parts: dict[str, ShopPart] = {}
    for variant_id, quantity in lines.items():
        row = rows.get(variant_id)
        if row is None:
            view.gone.append(variant_id)
            continue
        line = CartLine(
            variant_id=variant_id,
            product_id=row.product_id,
            quantity=quantity,
            title=row.title,
            options=row.options or {},
            shop_id=row.shop_id,
            shop_name=row.shop_name,
            shop_slug=row.shop_slug,
            stock=row.stock,
        )
        if "active" != row.status or "active" != row.product_status or "active" != row.shop_status:
            line.problem = "unavailable"
        elif buyer_id is not None and row.owner_id == buyer_id:
            line.problem = "own_shop"
        elif row.stock <= 0:
            line.problem = "sold_out"
        if line.problem:
            view.unavailable.append(line)
            continue
        part = parts.get(row.shop_id)
        if part is None:
            part = parts[row.shop_id] = ShopPart(row.shop_id, row.shop_name, row.shop_slug)
            view.shops.append(part)
        part.lines.append(line)
    if not view.shops or not priced:
        return view
    expected = expected_prices or {}
    items = [
        {
            "product_id": line.product_id,
            "variant_id": line.variant_id,
            "quantity": line.quantity,
            "expected_unit_price": expected.get(line.variant_id),
        }
        for line in view.lines
    ]
    try:
        view.quote = quote_basket(buyer_id, items=items, shipping_address=address)
    except DomainError as exc:
        view.error = exc
        if exc.code == "price_changed":
            # The new prices, to show beside the old ones (the buyer is asked again).
            for item in items:
                item["expected_unit_price"] = None
            try:
                view.quote = quote_basket(buyer_id, items=items, shipping_address=address)
            except DomainError:
                view.quote = None
    if view.quote is not None:
        _apply(view, view.quote)
    return view


def _apply(view: CartView, quote: Quote) -> None:
    by_shop = {shop_quote.shop.id: shop_quote for shop_quote in quote.orders}
    for part in view.shops:
        shop_quote = by_shop[part.shop_id]
        part.subtotal, part.shipping_fee = shop_quote.subtotal, shop_quote.shipping_fee
        part.total = shop_quote.total
        prices = {priced.variant.id: priced for priced in shop_quote.lines}
        for line in part.lines:
            priced = prices[line.variant_id]
            line.unit_price, line.line_total = priced.unit_price, priced.line_total


def checkout_items(view: CartView, expected_prices: dict[str, int]) -> list[dict]:
    """The buyable lines as a checkout's items, each with the price the buyer was shown."""
    return [
        {
            "product_id": line.product_id,
            "variant_id": line.variant_id,
            "quantity": line.quantity,
            "expected_unit_price": expected_prices.get(line.variant_id),
        }
        for line in view.lines
    ]


def last_shipping_address(user_id: str) -> dict | None:
    """Where the buyer's latest order went: the checkout form starts from it."""
    return db.session.scalar(
        sa.select(Order.shipping_address)
        .where(Order.buyer_id == user_id)
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(1)
    )


def products_of(view: CartView) -> list[Product]:
    """The products of the cart's lines (for their pictures), in one query."""
    ids = {line.product_id for line in (*view.lines, *view.unavailable)}
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Product).where(Product.id.in_(ids))))
