"""Orders taken from buyers' comments during a live session ("chốt đơn": ``A2 x3``).

The seller reads a comment, types it in with the buyer's name, phone and address, and gets a
cash-on-delivery order at the live price, built and stocked exactly as a checkout's (the same
address check, ``payment_methods_for``, ``take_stock``, ``add_order`` and ``shipping_fee_for``).
The order is linked to the account
registered with the buyer's phone when there is one; no account is ever created, so the
phone's owner can still register later.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from marketplace.errors import Conflict, ValidationFailed
from marketplace.extensions import db
from marketplace.messages import N_, Msg
from marketplace.models import (
    Livestream,
    LivestreamClaim,
    LivestreamProduct,
    Order,
    Product,
    ProductVariant,
    User,
)
from marketplace.pagination import SortKey, keyset_page
from marketplace.services import places
from marketplace.services.catalog.products import visible_products_clause
from marketplace.services.livestreams.comments import UnparseableComment, parse_comment
from marketplace.services.livestreams.sessions import (
    lock_owned_livestream,
    owned_livestream,
    price_line,
    status_word,
)
from marketplace.services.orders import idempotency
from marketplace.services.orders.checkout import require_payment_method
from marketplace.services.orders.inventory import take_stock
from marketplace.services.orders.lifecycle import (
    PricedLine,
    add_order,
    open_checkout,
    shipping_fee_for,
)

# What an Idempotency-Key notes that its request made (orders/idempotency.made).
RESOURCE_TYPE = "livestream_claim"


def _claim_options() -> list:
    """Everything the claim JSON shows (its order in full), in a constant number of queries."""
    return [
        selectinload(LivestreamClaim.order).options(
            joinedload(Order.shop), selectinload(Order.lines), selectinload(Order.history)
        )
    ]


def _featured(livestream: Livestream, code: str) -> Product:
    """The visible product shown under ``code`` in this session; 422 ``unknown_code`` else."""
    product = db.session.scalar(
        sa.select(Product)
        .join(LivestreamProduct, LivestreamProduct.product_id == Product.id)
        .where(
            LivestreamProduct.livestream_id == livestream.id,
            LivestreamProduct.code == code,
            LivestreamProduct.removed_at.is_(None),
            visible_products_clause(),
        )
        .options(selectinload(Product.variants), joinedload(Product.shop))
    )
    if product is None:
        message = Msg("No product is shown as %(code)s in this livestream.", code=code)
        raise ValidationFailed(message, code="unknown_code", details={"comment": [message]})
    return product


def _variant(product: Product, variant_id: str | None) -> ProductVariant:
    active = [variant for variant in product.variants if variant.status == "active"]
    if variant_id is not None:
        chosen = next((variant for variant in active if variant.id == variant_id), None)
        if chosen is None:
            raise ValidationFailed.field("variant_id", N_("Not an active variant of this product."))
        return chosen
    if len(active) == 1:
        return active[0]
    if not active:
        raise Conflict(N_("This product can no longer be bought."), code="product_unavailable")
    choices = "; ".join(
        f"{variant.id} ({', '.join(str(v) for v in variant.options.values()) or 'default'})"
        for variant in active
    )
    raise ValidationFailed.field(
        "variant_id",
        Msg("This product comes in several variants: choose one of %(choices)s.", choices=choices),
        code="variant_required",
    )


def _buyer_id(phone: str, livestream: Livestream) -> str | None:
    buyer_id = db.session.scalar(sa.select(User.id).where(User.phone == phone))
    if buyer_id is not None and buyer_id == livestream.shop.owner_id:
        raise ValidationFailed.field(
            "buyer_phone", N_("This is the shop owner's own phone."), code="own_shop"
        )
    return buyer_id


def take_claim(user: User, livestream_id: str, data: dict) -> LivestreamClaim:
    """A placed cash-on-delivery order, attributed to the live session, for the buyer who
    commented; its stock is taken at the live price, or nothing is written at all."""
    livestream = lock_owned_livestream(user, livestream_id)
    if livestream.status != "live":
        raise Conflict(
            Msg(
                "Orders are taken from comments only while live; this livestream is %(status)s.",
                status=status_word(livestream.status),
            ),
            code="not_live",
            details={"status": livestream.status},
        )
    if livestream.shop.status != "active":
        raise Conflict(N_("The shop is suspended."), code="shop_suspended")
    try:
        parsed = parse_comment(data["comment"])
    except UnparseableComment as exc:
        raise ValidationFailed(
            exc.args[0], code="unparseable_comment", details={"comment": [exc.args[0]]}
        ) from exc
    product = _featured(livestream, parsed.code)
    variant = _variant(product, data.get("variant_id"))
    buyer_id = _buyer_id(data["buyer_phone"], livestream)
    price = price_line(product, variant, livestream.id)
    line = PricedLine(
        product=product,
        variant=variant,
        quantity=parsed.quantity,
        unit_price=price.unit_price,
        livestream_id=price.livestream_id,
    )
    address = places.checked_address(data["shipping_address"])
    require_payment_method("cod", address, [livestream.shop])
    fee = shipping_fee_for(livestream.shop, address, line.line_total)
    try:
        take_stock([line.stock_request()])
        checkout = open_checkout(buyer_id=buyer_id, payment_method="cod", status="placed")
        order = add_order(
            checkout,
            shop=livestream.shop,
            lines=[line],
            shipping_address=address,
            shipping_fee=fee,
            status="placed",
            buyer_id=buyer_id,
            buyer_contact={"name": data["buyer_name"], "phone": data["buyer_phone"]},
            note=data.get("note"),
        )
        claim = LivestreamClaim(
            livestream_id=livestream.id,
            comment=data["comment"],
            code=parsed.code,
            quantity=parsed.quantity,
            order=order,
            created_by=user.id,
        )
        db.session.add(claim)
        db.session.flush()
        claim_id = claim.id
        idempotency.made(RESOURCE_TYPE, claim_id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return load_claim(claim_id)


def load_claim(claim_id: str) -> LivestreamClaim | None:
    """A claim with everything its JSON shows (None: there is no such claim)."""
    db.session.expire_all()
    return db.session.scalar(
        sa.select(LivestreamClaim).where(LivestreamClaim.id == claim_id).options(*_claim_options())
    )


def list_claims(
    user: User, livestream_id: str, *, limit: int, cursor: str | None
) -> tuple[list[LivestreamClaim], str | None]:
    """The session's claims, newest first, to its owner; a constant number of queries."""
    livestream = owned_livestream(user, livestream_id)
    stmt = (
        sa.select(LivestreamClaim)
        .where(LivestreamClaim.livestream_id == livestream.id)
        .options(*_claim_options())
    )
    keys = [
        SortKey(LivestreamClaim.created_at, descending=True),
        SortKey(LivestreamClaim.id, descending=True),
    ]
    return keyset_page(
        db.session,
        stmt,
        keys,
        scope=f"claims:{livestream.id}",
        limit=limit,
        cursor=cursor,
        key_values=lambda claim: (claim.created_at, claim.id),
    )
