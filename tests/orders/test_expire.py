"""flask orders expire: unpaid card orders older than PAYMENT_TIMEOUT_MINUTES are cancelled."""

from __future__ import annotations

from datetime import timedelta

from marketplace.extensions import db
from marketplace.models import Checkout, Order
from marketplace.models.base import utcnow
from marketplace.services.orders.inventory import take_stock
from marketplace.services.orders.lifecycle import PricedLine, add_order, open_checkout
from tests.factories import make_product, make_user
from tests.factories.orders import ADDRESS, run_command, stock_of


def unpaid_card_checkout(buyer, products, *, age_minutes: int) -> Checkout:
    """A card checkout waiting for its payment, as checkout leaves it, made ``age`` ago."""
    lines = [PricedLine(p, p.variants[0], 2, p.variants[0].price) for p in products]
    take_stock([line.stock_request() for line in lines])
    checkout = open_checkout(buyer_id=buyer.id, payment_method="stripe", status="pending_payment")
    for line in lines:
        add_order(
            checkout,
            shop=line.product.shop,
            lines=[line],
            shipping_address=ADDRESS,
            shipping_fee=line.product.shop.shipping_fee,
            status="pending_payment",
            buyer_id=buyer.id,
        )
    db.session.flush()
    created = utcnow() - timedelta(minutes=age_minutes)
    checkout.created_at = created
    for order in checkout.orders:
        order.created_at = created
    db.session.commit()
    return checkout


def test_expire_cancels_unpaid_orders_past_the_timeout_and_returns_their_stock(app, app_config):
    app_config(PAYMENT_TIMEOUT_MINUTES=30)
    buyer = make_user()
    a, b, fresh_product = (make_product(stock=5) for _ in range(3))
    old = unpaid_card_checkout(buyer, [a, b], age_minutes=31)
    fresh = unpaid_card_checkout(buyer, [fresh_product], age_minutes=5)
    old_id, fresh_id = old.id, fresh.id
    assert stock_of(a) == stock_of(b) == 3

    result = run_command(app, "orders", "expire")
    assert result.exit_code == 0, result.output
    assert "Cancelled 2 unpaid order(s)" in result.output

    db.session.expire_all()
    expired = db.session.scalars(db.select(Order).where(Order.checkout_id == old_id)).all()
    assert {order.status for order in expired} == {"cancelled"}
    for order in expired:
        (event,) = order.history
        assert (event.from_status, event.to_status) == ("pending_payment", "cancelled")
        assert event.actor_id is None and event.reason == "payment_timeout"
    assert db.session.get(Checkout, old_id).status == "cancelled"
    assert stock_of(a) == stock_of(b) == 5
    kept = db.session.scalars(db.select(Order).where(Order.checkout_id == fresh_id)).one()
    assert kept.status == "pending_payment" and stock_of(fresh_product) == 3

    again = run_command(app, "orders", "expire")
    assert "Cancelled 0 unpaid order(s)" in again.output
    assert stock_of(a) == 5


def test_expired_orders_show_system_in_their_history(app, client, auth, app_config):
    app_config(PAYMENT_TIMEOUT_MINUTES=1)
    buyer, headers = auth.user()
    checkout = unpaid_card_checkout(buyer, [make_product(stock=5)], age_minutes=2)
    order_id = checkout.orders[0].id
    run_command(app, "orders", "expire")
    body = client.get(f"/api/v1/orders/{order_id}", headers=headers).get_json()
    assert body["status"] == "cancelled" and body["payment_status"] == "unpaid"
    assert body["history"][0]["by"] == "system"
