"""Carts (services/orders/cart): lines added and set, the session's cart joining the account's,
and the cart priced by the checkout's own quote, grouped by shop."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.models import Product, ProductVariant, Shop
from marketplace.services.orders import cart as carts
from tests.factories import make_product, make_shop, make_user


@pytest.fixture
def goods():
    tea_shop = make_shop(name="Chè Bản Lướt", shipping_fee=25000, free_shipping_over=500000)
    brocade_shop = make_shop(name="Cỏ Chàm", shipping_fee=35000, local_shipping_fee=20000)
    tea = make_product(tea_shop, title="Chè", price=120000, stock=5)
    scarf = make_product(brocade_shop, title="Khăn", price=150000, stock=2)
    return tea.variants[0].id, scarf.variants[0].id


def test_added_adds_up_and_caps_and_a_full_cart_refuses():
    lines = carts.added({}, "a", 2)
    assert carts.added(lines, "a", 998) == {"a": carts.MAX_QUANTITY}
    full = {str(n): 1 for n in range(carts.MAX_LINES)}
    with pytest.raises(carts.CartFull):
        carts.added(full, "new", 1)
    assert carts.added(full, "0", 1)["0"] == 2  # more of a line already there is fine


def test_with_quantity_sets_and_zero_removes():
    assert carts.with_quantity({"a": 1, "b": 2}, "a", 5) == {"a": 5, "b": 2}
    assert carts.with_quantity({"a": 1, "b": 2}, "a", 0) == {"b": 2}
    assert carts.with_quantity({"a": 1}, "unknown", 3) == {"a": 1}


def test_check_for_sale_refuses_withdrawn_products(goods):
    tea, _scarf = goods
    carts.check_for_sale(tea)
    with pytest.raises(carts.NotForSale):
        carts.check_for_sale("no-such-variant")
    db.session.get(ProductVariant, tea).status = "archived"
    db.session.commit()
    with pytest.raises(carts.NotForSale):
        carts.check_for_sale(tea)


def test_merge_adds_quantities_keeps_order_and_drops_unknown_variants(goods):
    tea, scarf = goods
    buyer = make_user()
    carts.save(buyer.id, {}, {scarf: 1})
    carts.merge_into(buyer.id, {tea: 2, "gone": 1, scarf: 2})
    assert carts.saved_lines(buyer.id) == {scarf: 3, tea: 2}
    assert list(carts.saved_lines(buyer.id)) == [scarf, tea]
    assert carts.count_saved(buyer.id) == 2


def test_forget_bought_keeps_what_was_added_meanwhile(goods):
    tea, scarf = goods
    buyer = make_user()
    carts.save(buyer.id, {}, {tea: 3, scarf: 1})
    carts.forget_bought(buyer.id, {tea: 2, scarf: 1})
    assert carts.saved_lines(buyer.id) == {tea: 1}


def test_view_groups_by_shop_with_the_quotes_shipping(goods):
    tea, scarf = goods
    view = carts.view_cart(None, {tea: 2, scarf: 1}, carts.destination_address("01"))
    assert [part.shop_name for part in view.shops] == ["Chè Bản Lướt", "Cỏ Chàm"]
    assert [(p.subtotal, p.shipping_fee) for p in view.shops] == [(240000, 25000), (150000, 35000)]
    assert view.total == 450000
    # In the brocade shop's own province (Sơn La) its local fee applies.
    local = carts.view_cart(None, {scarf: 1}, carts.destination_address("14"))
    assert local.shops[0].shipping_fee == 20000 and local.destination.code == "14"


def test_view_sets_apart_what_cannot_be_bought(goods):
    tea, scarf = goods
    db.session.get(ProductVariant, scarf).stock = 0
    db.session.commit()
    view = carts.view_cart(None, {tea: 9, scarf: 1, "gone": 1})
    assert [line.variant_id for line in view.lines] == [tea]
    assert view.lines[0].short  # 9 asked, 5 in stock: the checkout will say out_of_stock
    assert [(line.variant_id, line.problem) for line in view.unavailable] == [(scarf, "sold_out")]
    assert view.gone == ["gone"]


def test_the_owner_cannot_buy_from_their_own_shop(goods):
    tea, _scarf = goods
    variant = db.session.get(ProductVariant, tea)
    owner_id = db.session.get(Shop, db.session.get(Product, variant.product_id).shop_id).owner_id
    view = carts.view_cart(owner_id, {tea: 1})
    assert view.lines == [] and view.unavailable[0].problem == "own_shop"


def test_a_changed_price_is_reported_with_the_new_price(goods):
    tea, _scarf = goods
    view = carts.view_cart(None, {tea: 1}, expected_prices={tea: 100000})
    assert view.error is not None and view.error.code == "price_changed"
    assert view.lines[0].unit_price == 120000
