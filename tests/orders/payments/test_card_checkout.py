"""Checkout with payment_method "stripe" against localstripe, and Stripe's verified webhooks."""

from __future__ import annotations

import logging
import time

import pytest

from marketplace.extensions import db
from marketplace.models import Checkout, Order, OrderLine, ProcessedEvent
from tests.factories import make_product
from tests.factories.orders import checkout_body, line, stock_of
from tests.factories.payments import ledger, orders_of, pay, two_shop_card_checkout
from tests.orders.payments.conftest import WEBHOOK_PATH, sign


def test_one_payment_intent_for_the_whole_checkout_in_whole_dong(client, auth, stripe_world):
    body, _, products = two_shop_card_checkout(client, auth)
    assert body["status"] == "pending_payment"
    assert body["total"] == (2 * 120000 + 30000) + (80000 + 25000)
    payment = body["payment"]
    assert payment["method"] == "stripe"
    assert payment["payment_intent_id"].startswith("pi_")
    assert payment["client_secret"].startswith(payment["payment_intent_id"] + "_secret")
    for order in body["orders"]:
        assert order["status"] == "pending_payment" and order["payment_status"] == "unpaid"
        assert order["payment_method"] == "stripe"
    intent = stripe_world.intent(payment["payment_intent_id"])
    # VND is zero-decimal: 375000 ₫ is amount 375000, not 37500000.
    assert (intent["amount"], intent["currency"]) == (body["total"], "vnd")
    assert intent["metadata"] == {"checkout_id": body["id"]}
    (charge,) = ledger(body["id"])
    assert (charge.kind, charge.status, charge.amount, charge.currency) == (
        "charge",
        "pending",
        body["total"],
        "VND",
    )
    assert charge.provider_ref == payment["payment_intent_id"]
    assert [stock_of(p) for p in products] == [3, 4]


def test_a_reported_payment_places_and_pays_every_order(client, auth, stripe_world):
    body, headers, products = two_shop_card_checkout(client, auth)
    pay(client, stripe_world, body)
    checkout = client.get(f"/api/v1/checkouts/{body['id']}", headers=headers).get_json()
    assert checkout["status"] == "paid"
    for order in checkout["orders"]:
        assert (order["status"], order["payment_status"]) == ("placed", "paid")
        (move,) = order["history"]
        assert (move["from"], move["to"], move["by"]) == ("pending_payment", "placed", "system")
    (charge,) = ledger(body["id"])
    assert charge.status == "succeeded" and charge.completed_at is not None
    # The seller sees which orders are paid.
    shop = db.session.get(Order, body["orders"][0]["id"]).shop
    from tests.factories import headers_for

    owner_headers = headers_for(shop.owner)
    paid = client.get(f"/api/v1/orders?shop={shop.id}&payment_status=paid", headers=owner_headers)
    assert [o["id"] for o in paid.get_json()["items"]] == [body["orders"][0]["id"]]


def test_a_failed_payment_is_recorded_on_the_checkout(client, auth, stripe_world):
    body, headers, products = two_shop_card_checkout(client, auth)
    intent = stripe_world.pay(body["payment"]["payment_intent_id"], "pm_card_chargeCustomerFail")
    assert intent["status"] != "succeeded"
    response = stripe_world.deliver(
        client, stripe_world.event("payment_intent.payment_failed", intent)
    )
    assert response.status_code == 200 and response.get_json()["outcome"] == "applied"
    checkout = client.get(f"/api/v1/checkouts/{body['id']}", headers=headers).get_json()
    assert checkout["payment"]["failure"]
    assert checkout["status"] == "pending_payment"
    assert {o["status"] for o in checkout["orders"]} == {"pending_payment"}
    assert ledger(body["id"])[0].failure == checkout["payment"]["failure"]
    # The buyer may still pay with another card until the order expires.
    assert [stock_of(p) for p in products] == [3, 4]


def test_the_same_event_delivered_twice_is_applied_once(client, auth, stripe_world):
    body, _, _ = two_shop_card_checkout(client, auth)
    intent = stripe_world.pay(body["payment"]["payment_intent_id"])
    payload = stripe_world.event("payment_intent.succeeded", intent)
    first = stripe_world.deliver(client, payload)
    second = stripe_world.deliver(client, payload)
    assert first.get_json()["outcome"] == "applied"
    assert second.status_code == 200 and second.get_json()["outcome"] == "duplicate"
    for order in orders_of(body["id"]).values():
        assert len(order.history) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(ProcessedEvent)) == 1


def _nothing_applied(body):
    orders = orders_of(body["id"])
    assert {o.status for o in orders.values()} == {"pending_payment"}
    assert {o.payment_status for o in orders.values()} == {"unpaid"}
    assert db.session.scalar(db.select(db.func.count()).select_from(ProcessedEvent)) == 0


def test_a_forged_missing_or_tampered_signature_is_400_and_changes_nothing(
    client, auth, stripe_world
):
    body, _, _ = two_shop_card_checkout(client, auth)
    intent = stripe_world.pay(body["payment"]["payment_intent_id"])
    payload = stripe_world.event("payment_intent.succeeded", intent)
    tampered = payload.replace(b'"livemode": false', b'"livemode": true')
    for sent, signature in (
        (payload, sign(payload, secret="whsec_not_ours")),
        (payload, None),
        (payload, "t=1,v1=deadbeef"),
        (payload, "garbage"),
        (tampered, sign(payload)),
    ):
        response = stripe_world.deliver(client, sent, signature)
        assert response.status_code == 400, response.get_json()
        assert response.get_json()["error"]["code"] == "invalid_signature"
    _nothing_applied(body)


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/octet-stream"])
def test_the_signature_not_the_content_type_decides(client, auth, stripe_world, content_type):
    body, _, _ = two_shop_card_checkout(client, auth)
    intent = stripe_world.pay(body["payment"]["payment_intent_id"])
    payload = stripe_world.event("payment_intent.succeeded", intent)
    headers = {"Stripe-Signature": sign(payload)}
    if content_type is not None:
        headers["Content-Type"] = content_type
    response = client.post(WEBHOOK_PATH, data=payload, headers=headers)
    assert response.status_code == 200, response.get_json()
    assert {order.status for order in orders_of(body["id"]).values()} == {"placed"}
    forged = client.post(WEBHOOK_PATH, data=payload, headers={"Stripe-Signature": "t=1,v1=0"})
    assert forged.status_code == 400


def test_a_stale_signature_is_400_and_a_fresh_one_is_accepted(client, auth, stripe_world):
    body, _, _ = two_shop_card_checkout(client, auth)
    intent = stripe_world.pay(body["payment"]["payment_intent_id"])
    payload = stripe_world.event("payment_intent.succeeded", intent)
    # Stripe's library tolerates 300 seconds by default.
    stale = stripe_world.deliver(client, payload, sign(payload, timestamp=int(time.time()) - 301))
    assert stale.status_code == 400
    _nothing_applied(body)
    fresh = stripe_world.deliver(client, payload, sign(payload, timestamp=int(time.time()) - 60))
    assert fresh.status_code == 200 and fresh.get_json()["outcome"] == "applied"


def test_a_payment_of_another_amount_or_currency_is_not_applied_and_is_logged(
    client, auth, stripe_world, caplog
):
    body, _, _ = two_shop_card_checkout(client, auth)
    intent = stripe_world.pay(body["payment"]["payment_intent_id"])
    short = {
        **intent,
        "amount": intent["amount"] - 1000,
        "amount_received": intent["amount"] - 1000,
    }
    in_dollars = {**intent, "currency": "usd"}
    with caplog.at_level(logging.ERROR, logger="marketplace.services.orders.payment_events"):
        for wrong in (short, in_dollars):
            response = stripe_world.deliver(
                client, stripe_world.event("payment_intent.succeeded", wrong)
            )
            assert response.status_code == 200
    assert sum("not applied" in record.getMessage() for record in caplog.records) == 2
    orders = orders_of(body["id"])
    assert {o.status for o in orders.values()} == {"pending_payment"}
    assert ledger(body["id"])[0].status == "pending"


def test_events_of_no_interest_or_for_unknown_intents_are_acknowledged(client, stripe_world):
    other = stripe_world.deliver(
        client, stripe_world.event("customer.created", {"object": "customer", "id": "cus_1"})
    )
    assert other.status_code == 200 and other.get_json()["outcome"] == "ignored"
    unknown = stripe_world.event(
        "payment_intent.succeeded",
        {"object": "payment_intent", "id": "pi_unknown", "amount": 5, "currency": "vnd"},
    )
    assert stripe_world.deliver(client, unknown).status_code == 200


def test_a_body_that_is_not_json_is_400(client, stripe_world):
    payload = b"not json at all"
    response = client.post(
        WEBHOOK_PATH,
        data=payload,
        headers={"Content-Type": "application/json", "Stripe-Signature": sign(payload)},
    )
    assert response.status_code == 400


def test_stripe_down_is_503_with_the_stock_returned_and_nothing_left(
    client, auth, app_config, stripe_world, stopped_stripe
):
    _, headers = auth.user()
    product = make_product(price=90000, stock=4)
    body = checkout_body(line(product, 3), payment_method="stripe")
    keyed = {**headers, "Idempotency-Key": "pay-on-flaky-4g"}
    response = client.post("/api/v1/checkouts", json=body, headers=keyed)
    assert response.status_code == 503, response.get_json()
    assert response.get_json()["error"]["code"] == "payment_provider_unavailable"
    assert stock_of(product) == 4
    for model in (Checkout, Order, OrderLine):
        assert db.session.scalar(db.select(db.func.count()).select_from(model)) == 0

    # Stripe is back: the 503 was not kept, so the same key is processed anew.
    app_config(STRIPE_API_BASE=stripe_world.server.base)
    retry = client.post("/api/v1/checkouts", json=body, headers=keyed)
    assert retry.status_code == 201, retry.get_json()
    assert stock_of(product) == 1


def test_a_retried_card_checkout_gets_the_same_payment_intent(client, auth, stripe_world):
    _, headers = auth.user()
    product = make_product(stock=4)
    body = checkout_body(line(product), payment_method="stripe")
    keyed = {**headers, "Idempotency-Key": "k1"}
    first = client.post("/api/v1/checkouts", json=body, headers=keyed).get_json()
    again = client.post("/api/v1/checkouts", json=body, headers=keyed).get_json()
    assert again["payment"] == first["payment"]
    listed = stripe_world.client.v1.payment_intents.list().to_dict()["data"]
    assert [intent["id"] for intent in listed] == [first["payment"]["payment_intent_id"]]


def test_a_payment_for_a_checkout_that_never_recorded_its_intent_is_still_applied(
    client, auth, stripe_world
):
    body, headers, _ = two_shop_card_checkout(client, auth)
    intent = stripe_world.pay(body["payment"]["payment_intent_id"])
    # As if the app had crashed between creating the intent and recording it.
    checkout = db.session.get(Checkout, body["id"])
    checkout.payment_intent_id = None
    db.session.commit()
    response = stripe_world.deliver(client, stripe_world.event("payment_intent.succeeded", intent))
    assert response.status_code == 200
    after = client.get(f"/api/v1/checkouts/{body['id']}", headers=headers).get_json()
    assert after["status"] == "paid"
    assert after["payment"]["payment_intent_id"] == intent["id"]
