"""Card checkouts for the payment tests."""

from __future__ import annotations

from datetime import timedelta

from marketplace.extensions import db
from marketplace.models import Checkout, Order, PaymentTransaction
from marketplace.models.base import utcnow
from tests.factories import make_product, make_shop
from tests.factories.orders import line, post_checkout


def card_checkout(client, headers, *lines, **kwargs) -> dict:
    response = post_checkout(client, headers, *lines, payment_method="stripe", **kwargs)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def two_shop_card_checkout(client, auth) -> tuple[dict, dict, list]:
    """A buyer's card checkout across two shops: (checkout JSON, buyer headers, products)."""
    _, headers = auth.user()
    products = [
        make_product(make_shop(shipping_fee=30000), price=120000, stock=5),
        make_product(make_shop(shipping_fee=25000), price=80000, stock=5),
    ]
    body = card_checkout(client, headers, line(products[0], 2), line(products[1], 1))
    return body, headers, products


def pay(client, world, checkout: dict) -> dict:
    """The buyer pays in Stripe and Stripe reports it; returns the intent."""
    intent = world.pay(checkout["payment"]["payment_intent_id"])
    assert intent["status"] == "succeeded"
    response = world.deliver(client, world.event("payment_intent.succeeded", intent))
    assert response.status_code == 200, response.get_json()
    return intent


def orders_of(checkout_id: str) -> dict[str, Order]:
    db.session.expire_all()
    return {
        order.shop_id: order
        for order in db.session.scalars(db.select(Order).where(Order.checkout_id == checkout_id))
    }


def ledger(checkout_id: str, kind: str | None = None) -> list[PaymentTransaction]:
    db.session.expire_all()
    stmt = db.select(PaymentTransaction).where(PaymentTransaction.checkout_id == checkout_id)
    if kind:
        stmt = stmt.where(PaymentTransaction.kind == kind)
    return list(db.session.scalars(stmt.order_by(PaymentTransaction.created_at)))


def age(checkout_id: str, minutes: int) -> None:
    """Move a checkout and its orders ``minutes`` into the past."""
    then = utcnow() - timedelta(minutes=minutes)
    db.session.execute(
        db.update(Checkout).where(Checkout.id == checkout_id).values(created_at=then)
    )
    db.session.execute(
        db.update(Order).where(Order.checkout_id == checkout_id).values(created_at=then)
    )
    db.session.commit()
