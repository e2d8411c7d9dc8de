"""API.md § Payments — card checkouts and Stripe's webhook (against a local Stripe server)."""

from __future__ import annotations

import time

import pytest

from tests.contract.conftest import assert_error
from tests.orders.payments.conftest import WEBHOOK_PATH, sign


def line(product, quantity=1):
    return {"product_id": product["id"], "quantity": quantity}


@pytest.fixture
def card_checkout(api, stripe_world):
    """A buyer's card checkout across two shops, not paid yet."""
    first_owner, first_shop = api.shop(shipping_fee=30000)
    second_owner, second_shop = api.shop(shipping_fee=25000)
    honey = api.product(first_owner, first_shop, price=120000, stock=5)
    tea = api.product(second_owner, second_shop, price=80000, stock=5)
    buyer = api.register()
    body = api.checkout(buyer, line(honey, 2), line(tea), payment_method="stripe")
    return {
        "body": body,
        "buyer": buyer,
        "owners": {first_shop["id"]: first_owner, second_shop["id"]: second_owner},
        "products": (honey, tea),
    }


def orders(api, buyer, checkout_id):
    body = api.get(f"/api/v1/checkouts/{checkout_id}", buyer).get_json()
    return {order["shop"]["id"]: order for order in body["orders"]}


def deliver(api, world, event_type, obj, event_id=None):
    return world.deliver(api.client, world.event(event_type, obj, event_id))


def test_card_checkout_waits_for_payment(api, card_checkout):
    body = card_checkout["body"]
    assert body["payment"]["method"] == "stripe"
    assert body["payment"]["payment_intent_id"]
    assert body["payment"]["client_secret"]
    assert body["total"] == 2 * 120000 + 30000 + 80000 + 25000
    for order in body["orders"]:
        assert order["status"] == "pending_payment"
        assert order["payment_status"] == "unpaid"
        assert order["payment_method"] == "stripe"


def test_success_pays_every_order_once(api, stripe_world, card_checkout):
    body, buyer = card_checkout["body"], card_checkout["buyer"]
    intent = stripe_world.pay(body["payment"]["payment_intent_id"])
    event_id = "evt_acceptance_once"
    first = deliver(api, stripe_world, "payment_intent.succeeded", intent, event_id)
    assert first.status_code == 200
    again = deliver(api, stripe_world, "payment_intent.succeeded", intent, event_id)
    assert again.status_code == 200
    for order in orders(api, buyer, body["id"]).values():
        assert order["status"] == "placed"
        assert order["payment_status"] == "paid"
        assert [(h["from"], h["to"], h["by"]) for h in order["history"]] == [
            ("pending_payment", "placed", "system")
        ]


@pytest.mark.parametrize("change", [{"amount": 1}, {"currency": "usd"}])
def test_success_with_another_amount_or_currency_is_not_applied(
    api, stripe_world, card_checkout, change
):
    body, buyer = card_checkout["body"], card_checkout["buyer"]
    intent = stripe_world.pay(body["payment"]["payment_intent_id"])
    forged = {**intent, **change, "amount_received": change.get("amount", intent["amount"])}
    assert deliver(api, stripe_world, "payment_intent.succeeded", forged).status_code == 200
    for order in orders(api, buyer, body["id"]).values():
        assert order["status"] == "pending_payment"
        assert order["payment_status"] == "unpaid"


def test_bad_missing_or_stale_signatures_are_400_and_change_nothing(
    api, stripe_world, card_checkout
):
    body, buyer = card_checkout["body"], card_checkout["buyer"]
    intent = stripe_world.pay(body["payment"]["payment_intent_id"])
    payload = stripe_world.event("payment_intent.succeeded", intent)
    for signature in (
        None,
        "",
        "garbage",
        sign(payload, secret="whsec_wrong"),
        sign(payload, timestamp=int(time.time()) - 3600),
        sign(payload + b" "),
    ):
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["Stripe-Signature"] = signature
        response = api.client.post(WEBHOOK_PATH, data=payload, headers=headers)
        assert_error(response, 400)
    for order in orders(api, buyer, body["id"]).values():
        assert order["status"] == "pending_payment"


def test_signed_garbage_is_400_not_500(api, stripe_world):
    for payload in (b"not json", b"[]", b"{}", b'{"type": "payment_intent.succeeded"}'):
        response = api.client.post(
            WEBHOOK_PATH,
            data=payload,
            headers={"Content-Type": "application/json", "Stripe-Signature": sign(payload)},
        )
        assert response.status_code < 500
        if response.status_code >= 400:
            assert_error(response, response.status_code)


def test_payment_failed_is_recorded_and_orders_wait(api, stripe_world, card_checkout):
    body, buyer = card_checkout["body"], card_checkout["buyer"]
    intent = stripe_world.pay(
        body["payment"]["payment_intent_id"], card="pm_card_chargeCustomerFail"
    )
    response = deliver(api, stripe_world, "payment_intent.payment_failed", intent)
    assert response.status_code == 200
    checkout = api.get(f"/api/v1/checkouts/{body['id']}", buyer).get_json()
    assert checkout["payment"].get("failure")
    for order in checkout["orders"]:
        assert order["status"] == "pending_payment"


def test_cancelling_a_paid_order_refunds_that_order_only(api, stripe_world, card_checkout):
    body, buyer = card_checkout["body"], card_checkout["buyer"]
    intent = stripe_world.pay(body["payment"]["payment_intent_id"])
    deliver(api, stripe_world, "payment_intent.succeeded", intent)
    first, second = body["orders"]
    cancelled = api.order_move(buyer, first["id"], "cancel", reason="Đổi ý")
    assert cancelled["status"] == "cancelled"
    assert cancelled["payment_status"] == "refunded"
    refunds, _ = stripe_world.refunds_of(intent["id"])
    assert [r["amount"] for r in refunds] == [first["total"]]
    untouched = orders(api, buyer, body["id"])[second["shop"]["id"]]
    assert (untouched["status"], untouched["payment_status"]) == ("placed", "paid")


def test_returning_a_paid_card_order_refunds_it(api, stripe_world, card_checkout):
    body = card_checkout["body"]
    intent = stripe_world.pay(body["payment"]["payment_intent_id"])
    deliver(api, stripe_world, "payment_intent.succeeded", intent)
    order = body["orders"][0]
    owner = card_checkout["owners"][order["shop"]["id"]]
    api.order_move(owner, order["id"], "confirm")
    api.order_move(owner, order["id"], "ship", carrier="VNPost", tracking_number="EB1VN")
    returned = api.order_move(owner, order["id"], "return", reason="Sai màu", restock=True)
    assert (returned["status"], returned["payment_status"]) == ("returned", "refunded")


def test_outside_refunds_spread_over_the_orders(api, stripe_world, card_checkout):
    body, buyer = card_checkout["body"], card_checkout["buyer"]
    intent = stripe_world.pay(body["payment"]["payment_intent_id"])
    deliver(api, stripe_world, "payment_intent.succeeded", intent)
    _, charge = stripe_world.refunds_of(intent["id"])
    partly = {**charge, "amount_refunded": 50000, "refunded": False}
    assert deliver(api, stripe_world, "charge.refunded", partly).status_code == 200
    statuses = {o["payment_status"] for o in orders(api, buyer, body["id"]).values()}
    assert statuses == {"partially_refunded"}
    whole = {**charge, "amount_refunded": charge["amount"], "refunded": True}
    assert deliver(api, stripe_world, "charge.refunded", whole).status_code == 200
    statuses = {o["payment_status"] for o in orders(api, buyer, body["id"]).values()}
    assert statuses == {"refunded"}


def test_a_503_is_not_kept_for_an_idempotency_key(
    api, stopped_stripe, localstripe_server, app_config
):
    owner, shop, product = api.seller_with_product(stock=3)
    buyer = api.register()
    key = {"Idempotency-Key": "retry-after-503"}
    body = {
        "items": [line(product)],
        "shipping_address": {
            "name": "Lò Thị Hoa",
            "phone": "0912 345 678",
            "line1": "Bản Cỏ Chàm",
            "commune": "Vân Hồ",
            "province": "Sơn La",
            "country": "VN",
        },
        "payment_method": "stripe",
    }
    down = api.client.post("/api/v1/checkouts", json=body, headers={**buyer.headers, **key})
    assert_error(down, 503)
    assert api.get(f"/api/v1/products/{product['id']}").get_json()["stock"] == 3
    localstripe_server.reset()
    app_config(STRIPE_API_BASE=localstripe_server.base)
    up = api.client.post("/api/v1/checkouts", json=body, headers={**buyer.headers, **key})
    assert up.status_code == 201, up.get_json()
    assert api.get(f"/api/v1/products/{product['id']}").get_json()["stock"] == 2


def test_reports_count_card_orders_once_paid(api, stripe_world, card_checkout):
    body = card_checkout["body"]
    officer = api.staff()
    assert api.get("/api/v1/reports/overview", officer).get_json()["orders"] == 0
    intent = stripe_world.pay(body["payment"]["payment_intent_id"])
    deliver(api, stripe_world, "payment_intent.succeeded", intent)
    overview = api.get("/api/v1/reports/overview", officer).get_json()
    assert (overview["orders"], overview["revenue"]) == (2, body["total"])


def test_stripe_unreachable_cancellation_happens_and_reconcile_refunds_later(
    app, api, stripe_world, card_checkout, app_config, localstripe_server
):
    from marketplace.extensions import db

    body, buyer = card_checkout["body"], card_checkout["buyer"]
    intent = stripe_world.pay(body["payment"]["payment_intent_id"])
    deliver(api, stripe_world, "payment_intent.succeeded", intent)
    order = body["orders"][0]
    app_config(STRIPE_API_BASE="http://127.0.0.1:9", STRIPE_TIMEOUT_SECONDS=2)
    cancelled = api.order_move(buyer, order["id"], "cancel", reason="Đổi ý")
    assert cancelled["status"] == "cancelled"
    assert cancelled["payment_status"] == "paid"  # the refund is owed
    app_config(STRIPE_API_BASE=localstripe_server.base)
    db.session.commit()  # the command runs in a transaction of its own, as cron's would
    result = app.test_cli_runner().invoke(args=["payments", "reconcile", "--min-age", "0"])
    assert result.exit_code == 0, result.output
    after = api.get(f"/api/v1/orders/{order['id']}", buyer).get_json()
    assert after["payment_status"] == "refunded"
    refunds, _ = stripe_world.refunds_of(intent["id"])
    assert [r["amount"] for r in refunds] == [order["total"]]


def test_orders_expire_cancels_unpaid_card_orders_and_returns_stock(
    app, api, stripe_world, card_checkout, app_config
):
    from marketplace.extensions import db

    body, buyer = card_checkout["body"], card_checkout["buyer"]
    honey, tea = card_checkout["products"]
    assert api.get(f"/api/v1/products/{honey['id']}").get_json()["stock"] == 3
    app_config(PAYMENT_TIMEOUT_MINUTES=30)
    db.session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["orders", "expire"]).exit_code == 0
    assert {o["status"] for o in orders(api, buyer, body["id"]).values()} == {"pending_payment"}
    app_config(PAYMENT_TIMEOUT_MINUTES=0)
    db.session.commit()
    result = runner.invoke(args=["orders", "expire"])
    assert result.exit_code == 0, result.output
    for order in orders(api, buyer, body["id"]).values():
        assert order["status"] == "cancelled"
        assert order["history"][-1]["by"] == "system"
    assert api.get(f"/api/v1/products/{honey['id']}").get_json()["stock"] == 5
    assert api.get(f"/api/v1/products/{tea['id']}").get_json()["stock"] == 5
