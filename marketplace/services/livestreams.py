"""Livestream selling: sessions, their featured products and live prices, attribution.

``price_line`` is the seam with checkout: the checkout service asks it what a line costs and
which livestream it is attributed to.
"""

from __future__ import annotations

from dataclasses import dataclass

from marketplace.errors import ValidationFailed
from marketplace.extensions import db
from marketplace.models import Livestream, LivestreamProduct, Product, ProductVariant


@dataclass(frozen=True)
class LinePrice:
    unit_price: int
    livestream_id: str | None


def price_line(product: Product, variant: ProductVariant, livestream_id: str | None) -> LinePrice:
    """The unit price a checkout line is charged and the livestream it is attributed to.

    A livestream of another shop (or none at all) is 422; the line is attributed whatever the
    livestream's status, and the live price applies only while the livestream is live and
    features the product with a live price.
    """
    if livestream_id is None:
        return LinePrice(variant.price, None)
    livestream = (
        db.session.get(Livestream, livestream_id) if isinstance(livestream_id, str) else None
    )
    if livestream is None:
        raise ValidationFailed.field(
            "livestream_id", "Unknown livestream.", code="unknown_livestream"
        )
    if livestream.shop_id != product.shop_id:
        raise ValidationFailed.field(
            "livestream_id",
            "This livestream belongs to another shop than the product.",
            code="livestream_of_another_shop",
        )
    return LinePrice(live_unit_price(livestream, product, variant), livestream.id)


def live_unit_price(livestream: Livestream, product: Product, variant: ProductVariant) -> int:
    """What one unit of ``variant`` costs bought through ``livestream`` right now."""
    if livestream.status != "live":
        return variant.price
    feature = db.session.get(LivestreamProduct, (livestream.id, product.id))
    if feature is None or feature.removed_at is not None or feature.live_price is None:
        return variant.price
    # A live price is a discount: should the seller cut a variant's normal price below it
    # after featuring the product, the buyer still pays the lower of the two.
    return min(feature.live_price, variant.price)
