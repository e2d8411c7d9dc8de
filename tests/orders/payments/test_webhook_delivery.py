"""localstripe itself signs and delivers payment events to the app served for real."""

from __future__ import annotations

import time

import pytest
import requests

from marketplace.extensions import db
from tests.factories import headers_for, make_product, make_user
from tests.factories.orders import checkout_body, line
from tests.orders.payments.conftest import WEBHOOK_PATH


@pytest.fixture
def deliveries(localstripe_server, live_server):
    localstripe_server.deliver_webhooks_to(
        live_server + WEBHOOK_PATH,
        ["payment_intent.succeeded", "payment_intent.payment_failed"],
    )
    yield
    localstripe_server.deliver_webhooks_to(live_server + WEBHOOK_PATH, [])


def _wait_for(url: str, headers: dict, ready, seconds: float = 15) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        with requests.get(url, headers=headers, timeout=10) as response:
            body = response.json()
        if ready(body) or time.monotonic() > deadline:
            return body
        time.sleep(0.2)


@pytest.mark.live
def test_a_payment_reported_by_stripe_places_the_order(live_server, stripe_world, deliveries):
    headers = headers_for(make_user())
    product = make_product(price=150000, stock=3)
    body = checkout_body(line(product, 2), payment_method="stripe")
    db.session.close()  # on SQLite the test's open transaction would hold the write lock

    with requests.post(
        f"{live_server}/api/v1/checkouts", json=body, headers=headers, timeout=30
    ) as response:
        assert response.status_code == 201, response.text
        checkout = response.json()
    intent = stripe_world.pay(checkout["payment"]["payment_intent_id"])
    assert intent["amount"] == checkout["total"] == 2 * 150000 + 30000

    order_url = f"{live_server}/api/v1/orders/{checkout['orders'][0]['id']}"
    order = _wait_for(order_url, headers, lambda o: o["status"] != "pending_payment")
    assert (order["status"], order["payment_status"]) == ("placed", "paid")
    assert order["history"][0]["by"] == "system"


@pytest.mark.live
def test_a_declined_card_reported_by_stripe_is_recorded(live_server, stripe_world, deliveries):
    headers = headers_for(make_user())
    product = make_product(price=150000, stock=3)
    body = checkout_body(line(product), payment_method="stripe")
    db.session.close()

    with requests.post(
        f"{live_server}/api/v1/checkouts", json=body, headers=headers, timeout=30
    ) as response:
        checkout = response.json()
    stripe_world.pay(checkout["payment"]["payment_intent_id"], "pm_card_chargeCustomerFail")
    url = f"{live_server}/api/v1/checkouts/{checkout['id']}"
    seen = _wait_for(url, headers, lambda c: c["payment"]["failure"] is not None)
    assert seen["payment"]["failure"]
    assert seen["orders"][0]["status"] == "pending_payment"
