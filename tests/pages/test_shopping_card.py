"""Card checkouts in pages: offered when Stripe.js can take the card, placed as the API places
them (one PaymentIntent), paid on /checkouts/<id>/pay, the orders placed by Stripe's webhook.
Against localstripe; what Stripe.js does in the browser is done by the test's Stripe client."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.models import Checkout, Order
from tests.factories import PASSWORD, make_user
from tests.orders.payments.conftest import localstripe_server, stripe_world  # noqa: F401
from tests.pages.conftest import sign_in
from tests.pages.test_shopping import add, checkout_form, world  # noqa: F401


@pytest.fixture
def cards(stripe_world, app_config):  # noqa: F811
    app_config(
        STRIPE_PUBLISHABLE_KEY="pk_test_chophien",
        STRIPE_JS_URL=f"{stripe_world.server.base}/js.stripe.com/v3/",
    )
    return stripe_world


def test_no_card_without_a_publishable_key(client, world, stripe_world):  # noqa: F811
    sign_in(client, "mai@example.test", PASSWORD)
    add(client, world["tea"])
    assert 'value="stripe"' not in client.get("/checkout").get_data(as_text=True)
    response = client.post("/checkout", data=checkout_form(client, payment_method="stripe"))
    assert response.status_code == 422
    assert 'id="payment_method-error"' in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Order)) == 0


def test_card_checkout_is_paid_on_its_page_and_placed_by_the_webhook(client, world, cards):  # noqa: F811
    sign_in(client, "mai@example.test", PASSWORD)
    add(client, world["tea"], "2")
    add(client, world["scarf"])
    assert 'value="stripe"' in client.get("/checkout").get_data(as_text=True)
    response = client.post("/checkout", data=checkout_form(client, payment_method="stripe"))
    assert response.status_code == 303
    checkout = db.session.scalar(db.select(Checkout))
    assert response.headers["Location"] == f"/checkouts/{checkout.id}/pay"
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'data-secret="{checkout.client_secret}"' in html and "445.000 ₫" in html
    csp = page.headers["Content-Security-Policy"]
    assert f"script-src 'self' {cards.server.base}" in csp and "frame-ancestors 'none'" in csp
    assert client.get("/cart").headers["Content-Security-Policy"].count("127.0.0.1") == 0
    # What Stripe.js does with the card, then Stripe's webhook.
    intent = cards.pay(checkout.payment_intent_id)
    delivered = cards.deliver(client, cards.event("payment_intent.succeeded", intent))
    assert delivered.status_code == 200
    db.session.expire_all()
    orders = db.session.scalars(db.select(Order)).all()
    assert {(o.status, o.payment_status) for o in orders} == {("placed", "paid")}
    # Paid: the payment page sends the buyer to the order.
    again = client.get(f"/checkouts/{checkout.id}/pay")
    assert again.status_code == 303 and again.headers["Location"].startswith("/orders/")
    order_page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "Đã thanh toán" in order_page


def test_only_the_buyer_opens_the_payment_page(client, world, cards):  # noqa: F811
    sign_in(client, "mai@example.test", PASSWORD)
    add(client, world["tea"])
    client.post("/checkout", data=checkout_form(client, payment_method="stripe"))
    checkout = db.session.scalar(db.select(Checkout))
    stranger = client.application.test_client()
    make_user(email="other@example.test")
    sign_in(stranger, "other@example.test", PASSWORD)
    assert stranger.get(f"/checkouts/{checkout.id}/pay").status_code == 404
    order = db.session.scalar(db.select(Order))
    page = client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "Đơn này đang chờ thanh toán thẻ." in page and f"/checkouts/{checkout.id}/pay" in page
