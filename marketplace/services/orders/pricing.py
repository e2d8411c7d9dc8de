"""Pricing a basket's lines: which product and variant each line means, at which unit price
(the live price during a live session), or why it cannot be bought. Checkouts, quotes and
their errors all come from here, so a quote prices exactly as the checkout after it.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import make_transient_to_detached

from marketplace.errors import Conflict, ValidationFailed
from marketplace.extensions import db
from marketplace.messages import N_
from marketplace.models import Product, ProductVariant, Shop
from marketplace.services.livestreams import sessions as livestreams
from marketplace.services.orders.lifecycle import PricedLine, ProductOnSale, VariantOnSale


class ProductUnavailable(Conflict):
    code, message = "product_unavailable", N_("Some items can no longer be bought.")


class PriceChanged(Conflict):
    code, message = "price_changed", N_("Some prices changed; check the current prices.")


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
            N_("Some items are invalid."), code=code, details={"items": self.details}
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
