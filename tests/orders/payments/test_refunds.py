"""Refunds of paid card orders, refunds made elsewhere, expiry and reconciliation."""

from __future__ import annotations

import logging

from tests.factories import headers_for, make_product
from tests.factories.orders import line, run_command, stock_of
from tests.factories.payments import (
    age,
    card_checkout,
    ledger,
    orders_of,
    pay,
    two_shop_card_checkout,
)


def _order_json(body, product):
    return next(o for o in body["orders"] if o["shop"]["id"] == product.shop_id)


def test_cancelling_one_order_of_a_two_shop_checkout_refunds_exactly_its_total(
    client, auth, stripe_world
):
    body, headers, products = two_shop_card_checkout(client, auth)
    intent = pay(client, stripe_world, body)
    first, second = (_order_json(body, p) for p in products)
    response = client.post(
        f"/api/v1/orders/{first['id']}/cancel", json={"reason": "Đổi ý"}, headers=headers
    )
    cancelled = response.get_json()
    assert response.status_code == 200, cancelled
    assert (cancelled["status"], cancelled["payment_status"]) == ("cancelled", "refunded")
    untouched = client.get(f"/api/v1/orders/{second['id']}", headers=headers).get_json()
    assert (untouched["status"], untouched["payment_status"]) == ("placed", "paid")
    assert stock_of(products[0]) == 5 and stock_of(products[1]) == 4

    refunds, charge = stripe_world.refunds_of(intent["id"])
    assert [r["amount"] for r in refunds] == [first["total"]]
    assert charge["amount_refunded"] == first["total"] == 270000
    (refund,) = ledger(body["id"], "refund")
    assert (refund.status, refund.amount, refund.order_id) == ("succeeded", 270000, first["id"])
    assert refund.provider_ref == refunds[0]["id"] and refund.completed_at is not None
    assert refund.idempotency_key == f"order-{first['id']}-refund"

    # Stripe then reports the charge as partly refunded: that was ours, nothing else moves.
    report = stripe_world.deliver(client, stripe_world.event("charge.refunded", charge))
    assert report.status_code == 200
    orders = orders_of(body["id"])
    assert orders[products[1].shop_id].payment_status == "paid"
    assert orders[products[0].shop_id].payment_status == "refunded"
    assert len(ledger(body["id"], "refund")) == 1


def test_returning_a_paid_card_order_refunds_it(client, auth, stripe_world):
    _, headers = auth.user()
    product = make_product(price=200000, stock=3)
    body = card_checkout(client, headers, line(product))
    intent = pay(client, stripe_world, body)
    order_id = body["orders"][0]["id"]
    owner = headers_for(product.shop.owner)
    client.post(f"/api/v1/orders/{order_id}/confirm", headers=owner)
    client.post(
        f"/api/v1/orders/{order_id}/ship",
        json={"carrier": "VNPost", "tracking_number": "EB1VN"},
        headers=owner,
    )
    returned = client.post(
        f"/api/v1/orders/{order_id}/return",
        json={"reason": "Sai màu", "restock": True},
        headers=owner,
    ).get_json()
    assert (returned["status"], returned["payment_status"]) == ("returned", "refunded")
    refunds, _ = stripe_world.refunds_of(intent["id"])
    assert [r["amount"] for r in refunds] == [body["total"]]
    assert stock_of(product) == 3


def test_with_stripe_unreachable_the_cancellation_happens_and_reconcile_refunds_later(
    app, client, auth, app_config, stripe_world, stopped_stripe
):
    app_config(STRIPE_API_BASE=stripe_world.server.base)
    body, headers, products = two_shop_card_checkout(client, auth)
    intent = pay(client, stripe_world, body)
    first = _order_json(body, products[0])

    app_config(STRIPE_API_BASE=stopped_stripe.base)  # Stripe goes down
    response = client.post(f"/api/v1/orders/{first['id']}/cancel", json={}, headers=headers)
    assert response.status_code == 200
    assert (response.get_json()["status"], response.get_json()["payment_status"]) == (
        "cancelled",
        "paid",
    )
    assert stock_of(products[0]) == 5
    (owed,) = ledger(body["id"], "refund")
    assert (owed.status, owed.amount) == ("pending", first["total"])

    app_config(STRIPE_API_BASE=stripe_world.server.base)  # and comes back
    result = run_command(app, "payments", "reconcile", "--min-age", "0")
    assert result.exit_code == 0, result.output
    assert "Refunds made: 1" in result.output
    (made,) = ledger(body["id"], "refund")
    assert made.status == "succeeded" and made.provider_ref.startswith("re_")
    assert orders_of(body["id"])[products[0].shop_id].payment_status == "refunded"
    assert orders_of(body["id"])[products[1].shop_id].payment_status == "paid"
    refunds, _ = stripe_world.refunds_of(intent["id"])
    assert [r["amount"] for r in refunds] == [first["total"]]

    again = run_command(app, "payments", "reconcile", "--min-age", "0")
    assert "Refunds made: 0" in again.output


def test_reconcile_leaves_young_owed_refunds_to_their_request(
    app, client, auth, app_config, stripe_world, stopped_stripe
):
    app_config(STRIPE_API_BASE=stripe_world.server.base)
    body, headers, _ = two_shop_card_checkout(client, auth)
    pay(client, stripe_world, body)
    app_config(STRIPE_API_BASE=stopped_stripe.base)
    client.post(f"/api/v1/orders/{body['orders'][0]['id']}/cancel", json={}, headers=headers)
    app_config(STRIPE_API_BASE=stripe_world.server.base)
    result = run_command(app, "payments", "reconcile")
    assert "Refunds made: 0" in result.output
    assert ledger(body["id"], "refund")[0].status == "pending"


def test_a_partial_refund_made_in_stripe_marks_the_orders_partially_refunded(
    client, auth, stripe_world
):
    body, _, _ = two_shop_card_checkout(client, auth)
    intent = pay(client, stripe_world, body)
    _, charge = stripe_world.refunds_of(intent["id"])
    partly = {**charge, "amount_refunded": 50000, "refunded": False}
    stripe_world.deliver(client, stripe_world.event("charge.refunded", partly))
    assert {o.payment_status for o in orders_of(body["id"]).values()} == {"partially_refunded"}
    (outside,) = ledger(body["id"], "refund")
    assert (outside.amount, outside.status, outside.order_id) == (50000, "succeeded", None)

    # Refunds accumulate in amount_refunded: only the new part is recorded.
    more = {**charge, "amount_refunded": 80000, "refunded": False}
    stripe_world.deliver(client, stripe_world.event("charge.refunded", more))
    assert [r.amount for r in ledger(body["id"], "refund")] == [50000, 30000]

    whole = {**charge, "amount_refunded": charge["amount"], "refunded": True}
    stripe_world.deliver(client, stripe_world.event("charge.refunded", whole))
    assert {o.payment_status for o in orders_of(body["id"]).values()} == {"refunded"}
    assert sum(r.amount for r in ledger(body["id"], "refund")) == body["total"]


def test_an_outside_refund_after_ours_leaves_our_refunded_order_alone(client, auth, stripe_world):
    body, headers, products = two_shop_card_checkout(client, auth)
    intent = pay(client, stripe_world, body)
    first = _order_json(body, products[0])
    client.post(f"/api/v1/orders/{first['id']}/cancel", json={}, headers=headers)
    _, charge = stripe_world.refunds_of(intent["id"])
    beyond = {**charge, "amount_refunded": first["total"] + 10000, "refunded": False}
    stripe_world.deliver(client, stripe_world.event("charge.refunded", beyond))
    orders = orders_of(body["id"])
    assert orders[products[0].shop_id].payment_status == "refunded"
    assert orders[products[1].shop_id].payment_status == "partially_refunded"


def test_expiry_cancels_the_payment_intent(app, client, auth, stripe_world, app_config):
    app_config(PAYMENT_TIMEOUT_MINUTES=30)
    body, _, products = two_shop_card_checkout(client, auth)
    age(body["id"], 31)
    result = run_command(app, "orders", "expire")
    assert "Cancelled 2 unpaid order(s)" in result.output
    assert stripe_world.intent(body["payment"]["payment_intent_id"])["status"] == "canceled"
    assert {o.status for o in orders_of(body["id"]).values()} == {"cancelled"}
    assert [stock_of(p) for p in products] == [5, 5]
    (charge,) = ledger(body["id"])
    assert (charge.status, charge.failure) == ("failed", "expired")


def test_a_payment_that_succeeds_after_expiry_is_refunded_automatically(
    app, client, auth, stripe_world, app_config, caplog
):
    app_config(PAYMENT_TIMEOUT_MINUTES=30)
    body, headers, products = two_shop_card_checkout(client, auth)
    intent = stripe_world.pay(body["payment"]["payment_intent_id"])  # webhook delayed
    age(body["id"], 45)
    with caplog.at_level(logging.WARNING, logger="marketplace.services.orders.payments"):
        run_command(app, "orders", "expire")
    assert any("not cancelled" in r.getMessage() for r in caplog.records)
    assert [stock_of(p) for p in products] == [5, 5]

    late = stripe_world.deliver(client, stripe_world.event("payment_intent.succeeded", intent))
    assert late.status_code == 200
    orders = orders_of(body["id"])
    assert {o.status for o in orders.values()} == {"cancelled"}
    assert {o.payment_status for o in orders.values()} == {"refunded"}
    refunds = ledger(body["id"], "refund")
    assert sorted(r.amount for r in refunds) == sorted(o["total"] for o in body["orders"])
    assert {r.status for r in refunds} == {"succeeded"}
    assert ledger(body["id"], "charge")[0].status == "succeeded"
    made, charge = stripe_world.refunds_of(intent["id"])
    assert charge["amount_refunded"] == body["total"] and len(made) == 2
    checkout = client.get(f"/api/v1/checkouts/{body['id']}", headers=headers).get_json()
    assert checkout["status"] == "cancelled"


def test_reconcile_applies_a_payment_whose_webhook_never_came(app, client, auth, stripe_world):
    body, _, _ = two_shop_card_checkout(client, auth)
    stripe_world.pay(body["payment"]["payment_intent_id"])
    result = run_command(app, "payments", "reconcile", "--min-age", "0")
    assert "payments applied: 1" in result.output, result.output
    orders = orders_of(body["id"])
    assert {(o.status, o.payment_status) for o in orders.values()} == {("placed", "paid")}
    # The webhook arriving afterwards changes nothing more.
    intent = stripe_world.intent(body["payment"]["payment_intent_id"])
    stripe_world.deliver(client, stripe_world.event("payment_intent.succeeded", intent))
    assert all(len(o.history) == 1 for o in orders_of(body["id"]).values())


def test_cancelling_every_unpaid_order_cancels_the_payment_intent(client, auth, stripe_world):
    _, headers = auth.user()
    product = make_product(stock=3)
    body = card_checkout(client, headers, line(product, 2))
    order_id = body["orders"][0]["id"]
    cancelled = client.post(f"/api/v1/orders/{order_id}/cancel", json={}, headers=headers)
    assert cancelled.get_json()["payment_status"] == "unpaid"
    assert stripe_world.intent(body["payment"]["payment_intent_id"])["status"] == "canceled"
    assert stock_of(product) == 3
    assert client.get(f"/api/v1/checkouts/{body['id']}", headers=headers).get_json()["status"] == (
        "cancelled"
    )


def test_reconcile_needs_stripe_configured(app, app_config):
    app_config(STRIPE_SECRET_KEY=None)
    result = run_command(app, "payments", "reconcile")
    assert result.exit_code != 0 and "STRIPE_SECRET_KEY" in result.output


def test_a_refund_that_fails_later_makes_its_order_paid_again(client, auth, stripe_world, caplog):
    body, headers, products = two_shop_card_checkout(client, auth)
    intent = pay(client, stripe_world, body)
    first = _order_json(body, products[0])
    cancelled = client.post(f"/api/v1/orders/{first['id']}/cancel", json={}, headers=headers)
    assert cancelled.get_json()["payment_status"] == "refunded"
    (made,), _ = stripe_world.refunds_of(intent["id"])

    # Still on its way: nothing changes.
    pending = stripe_world.event("refund.updated", {**made, "status": "pending"})
    assert stripe_world.deliver(client, pending).status_code == 200
    assert orders_of(body["id"])[products[0].shop_id].payment_status == "refunded"

    # The card account was closed: the money did not go back.
    failed = {**made, "status": "failed", "failure_reason": "expired_or_canceled_card"}
    payload = stripe_world.event("refund.failed", failed)
    with caplog.at_level(logging.ERROR, logger="marketplace.services.orders.payment_events"):
        assert stripe_world.deliver(client, payload).status_code == 200
    assert "expired_or_canceled_card" in caplog.text
    order = client.get(f"/api/v1/orders/{first['id']}", headers=headers).get_json()
    assert (order["status"], order["payment_status"]) == ("cancelled", "paid")
    (refund,) = ledger(body["id"], "refund")
    assert (refund.status, refund.failure) == ("failed", "expired_or_canceled_card")
    # The other order is untouched; the same news under its older name changes nothing more.
    assert orders_of(body["id"])[products[1].shop_id].payment_status == "paid"
    again = stripe_world.event("charge.refund.updated", failed)
    assert stripe_world.deliver(client, again).get_json()["outcome"] == "applied"
    assert [r.status for r in ledger(body["id"], "refund")] == ["failed"]


def test_a_refund_failure_for_a_refund_not_ours_changes_nothing(client, auth, stripe_world):
    body, _, _ = two_shop_card_checkout(client, auth)
    intent = pay(client, stripe_world, body)
    stranger = {
        "id": "re_not_ours",
        "object": "refund",
        "amount": 1000,
        "currency": "vnd",
        "payment_intent": intent["id"],
        "status": "failed",
    }
    response = stripe_world.deliver(client, stripe_world.event("refund.failed", stranger))
    assert response.status_code == 200
    assert {o.payment_status for o in orders_of(body["id"]).values()} == {"paid"}
    assert ledger(body["id"], "refund") == []
