"""The seam with checkout: what a line costs and which livestream it is attributed to."""

from __future__ import annotations

import pytest

from marketplace.errors import ValidationFailed
from marketplace.services.livestreams.sessions import LinePrice, price_line
from tests.factories import make_livestream, make_product, make_shop


@pytest.fixture
def shop():
    return make_shop()


def test_a_line_without_livestream_pays_the_variant_price(shop):
    product = make_product(shop, price=120000)
    assert price_line(product, product.variants[0], None) == LinePrice(120000, None)


def test_a_live_session_charges_its_live_price(shop):
    product = make_product(shop, price=120000)
    livestream = make_livestream(shop, status="live", products=[(product, 90000)])
    assert price_line(product, product.variants[0], livestream.id) == LinePrice(
        90000, livestream.id
    )


def test_the_live_price_applies_to_every_variant(shop):
    product = make_product(
        shop,
        variants=[
            {"options": {"size": "S"}, "price": 100000, "stock": 3},
            {"options": {"size": "L"}, "price": 150000, "stock": 3},
        ],
    )
    livestream = make_livestream(shop, status="live", products=[(product, 80000)])
    for variant in product.variants:
        assert price_line(product, variant, livestream.id).unit_price == 80000


@pytest.mark.parametrize("status", ["scheduled", "ended", "cancelled"])
def test_a_session_that_is_not_live_attributes_at_the_normal_price(shop, status):
    product = make_product(shop, price=120000)
    livestream = make_livestream(shop, status=status, products=[(product, 90000)])
    assert price_line(product, product.variants[0], livestream.id) == LinePrice(
        120000, livestream.id
    )


def test_a_live_session_not_featuring_the_product_attributes_at_the_normal_price(shop):
    featured, other = make_product(shop, price=100000), make_product(shop, price=70000)
    livestream = make_livestream(shop, status="live", products=[(featured, 50000)])
    assert price_line(other, other.variants[0], livestream.id) == LinePrice(70000, livestream.id)


def test_a_featured_product_without_live_price_pays_the_normal_price(shop):
    product = make_product(shop, price=100000)
    livestream = make_livestream(shop, status="live", products=[(product, None)])
    assert price_line(product, product.variants[0], livestream.id).unit_price == 100000


def test_a_removed_feature_no_longer_gives_its_live_price(shop):
    from marketplace.extensions import db
    from marketplace.models.base import utcnow

    product = make_product(shop, price=100000)
    livestream = make_livestream(shop, status="live", products=[(product, 60000)])
    livestream.featured[0].removed_at = utcnow()
    db.session.commit()
    assert price_line(product, product.variants[0], livestream.id).unit_price == 100000


def test_another_shops_livestream_is_422(shop):
    product = make_product(shop)
    foreign = make_livestream(make_shop(), status="live")
    with pytest.raises(ValidationFailed) as caught:
        price_line(product, product.variants[0], foreign.id)
    assert caught.value.code == "livestream_of_another_shop"
    assert "livestream_id" in caught.value.details


@pytest.mark.parametrize("livestream_id", ["0" * 32, "nope", ""])
def test_an_unknown_livestream_is_422(shop, livestream_id):
    product = make_product(shop)
    with pytest.raises(ValidationFailed) as caught:
        price_line(product, product.variants[0], livestream_id)
    assert caught.value.status == 422
    assert caught.value.code == "unknown_livestream"
