"""Livestream selling (the livestream issue fills this in).

``price_line`` is the seam with checkout: the checkout service asks it what a line costs and
which livestream it is attributed to.
"""

from __future__ import annotations

from dataclasses import dataclass

from marketplace.errors import ValidationFailed
from marketplace.models import Product, ProductVariant


@dataclass(frozen=True)
class LinePrice:
    unit_price: int
    livestream_id: str | None


def price_line(product: Product, variant: ProductVariant, livestream_id: str | None) -> LinePrice:
    """The unit price a checkout line is charged and the livestream it is attributed to.

    A livestream of another shop is 422; the live price applies only while the livestream is
    live and features the product with a live price.
    """
    if livestream_id is None:
        return LinePrice(variant.price, None)
    raise ValidationFailed.field("livestream_id", "Unknown livestream.", code="unknown_livestream")
