"""Bank transfer inside: expiry of unpaid transfers, late transfers, the answer written by hand,
retries under one Idempotency-Key, and how references are found in a transfer's note."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from marketplace.extensions import db
from marketplace.models import BankTransaction, Checkout, Order, PaymentTransaction
from marketplace.models.base import utcnow
from marketplace.schemas.orders import CheckoutSchema
from marketplace.services.orders.bank_feed import references_in
from marketplace.services.orders.checkout import load_checkout, payment_methods_for
from tests.factories import make_product, make_shop
from tests.factories.bank import WEBHOOK_SECRET, account, credit, deliver
from tests.factories.orders import (
    checkout_body,
    line,
    post_checkout,
    post_with_key,
    run_command,
    stock_of,
)


@pytest.fixture(autouse=True)
def _bank_feed(app_config):
    app_config(BANK_WEBHOOK_SECRET=WEBHOOK_SECRET, BANK_TRANSFER_TIMEOUT_HOURS=24)


def bank_shop(n: int = 1, **kwargs):
    from marketplace.services.orders.bank_accounts import set_bank_account

    shop = make_shop(**kwargs)
    set_bank_account(shop, account(n))
    db.session.commit()
    return shop


def bank_checkout(client, headers, *lines) -> dict:
    response = post_checkout(client, headers, *lines, payment_method="bank_transfer")
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def overdue(order_id: str, hours: float = 1) -> None:
    """The order's time to pay ran out ``hours`` ago."""
    db.session.execute(
        db.update(Order)
        .where(Order.id == order_id)
        .values(payment_due_at=utcnow() - timedelta(hours=hours))
    )
    db.session.commit()


def test_expiry_cancels_unpaid_transfers_past_their_time_and_returns_the_stock(app, client, auth):
    _, headers = auth.user()
    late, on_time = (make_product(bank_shop(n), stock=5) for n in (1, 2))
    late_order = bank_checkout(client, headers, line(late, 2))["orders"][0]
    kept_order = bank_checkout(client, headers, line(on_time, 2))["orders"][0]
    assert stock_of(late) == stock_of(on_time) == 3
    overdue(late_order["id"])

    result = run_command(app, "orders", "expire")
    assert result.exit_code == 0, result.output
    assert "Cancelled 1 unpaid order(s)" in result.output
    db.session.expire_all()
    expired = db.session.get(Order, late_order["id"])
    assert (expired.status, expired.payment_status) == ("cancelled", "unpaid")
    (event,) = expired.history
    assert (event.actor_id, event.reason) == (None, "payment_timeout")
    assert db.session.get(Checkout, late_order["checkout_id"]).status == "cancelled"
    assert stock_of(late) == 5
    assert db.session.get(Order, kept_order["id"]).status == "pending_payment"
    assert stock_of(on_time) == 3
    assert "Cancelled 0 unpaid order(s)" in run_command(app, "orders", "expire").output


def test_a_transfer_outlives_the_card_timeout(app, client, auth, app_config):
    """The card timeout (minutes) is not the bank transfer's (hours)."""
    app_config(PAYMENT_TIMEOUT_MINUTES=30)
    _, headers = auth.user()
    product = make_product(bank_shop(), stock=5)
    order = bank_checkout(client, headers, line(product))["orders"][0]
    two_hours_ago = utcnow() - timedelta(hours=2)
    db.session.execute(
        db.update(Order).where(Order.id == order["id"]).values(created_at=two_hours_ago)
    )
    db.session.commit()
    assert "Cancelled 0 unpaid order(s)" in run_command(app, "orders", "expire").output
    db.session.expire_all()
    assert db.session.get(Order, order["id"]).status == "pending_payment"


def test_the_timeout_is_configured_in_hours(client, auth, app_config):
    app_config(BANK_TRANSFER_TIMEOUT_HOURS=6)
    _, headers = auth.user()
    order = bank_checkout(client, headers, line(make_product(bank_shop())))["orders"][0]
    stored = db.session.get(Order, order["id"])
    assert stored.payment_due_at - stored.created_at == timedelta(hours=6)


def test_a_transfer_after_expiry_pays_nothing_and_takes_no_stock(app, client, auth):
    _, headers = auth.user()
    product = make_product(bank_shop(), stock=5)
    order = bank_checkout(client, headers, line(product, 2))["orders"][0]
    overdue(order["id"])
    run_command(app, "orders", "expire")
    assert stock_of(product) == 5

    instructions = order["payment_instructions"]
    late = credit(instructions["account_number"], order["total"], instructions["reference"])
    response = deliver(client, late)
    assert response.get_json()["unmatched"] == 1
    db.session.expire_all()
    stored = db.session.get(Order, order["id"])
    assert (stored.status, stored.payment_status) == ("cancelled", "unpaid")
    assert stock_of(product) == 5
    kept = db.session.scalars(db.select(BankTransaction)).one()
    assert (kept.status, kept.reason, kept.order_id) == ("unmatched", "order_closed", order["id"])
    assert db.session.scalar(db.select(db.func.count(PaymentTransaction.id))) == 0


def test_a_paid_transfer_is_recorded_in_the_ledger_once(client, auth):
    _, headers = auth.user()
    order = bank_checkout(client, headers, line(make_product(bank_shop(), price=99000)))["orders"][
        0
    ]
    instructions = order["payment_instructions"]
    paying = credit(
        instructions["account_number"], 130000, f"thanh toan {instructions['reference']}"
    )
    for _ in range(2):
        deliver(client, paying)
    (charge,) = db.session.scalars(db.select(PaymentTransaction)).all()
    assert (charge.kind, charge.status, charge.provider, charge.amount, charge.order_id) == (
        "charge",
        "succeeded",
        "bank_transfer",
        130000,
        order["id"],
    )
    assert charge.provider_ref == f"bank:{paying['id']}"
    (applied,) = db.session.scalars(db.select(BankTransaction)).all()
    assert (applied.status, applied.order_id, applied.shop_id) == (
        "applied",
        order["id"],
        order["shop"]["id"],
    )


def test_the_compiled_answer_is_marshmallows_dump(app, client, auth):
    _, headers = auth.user()
    answer = bank_checkout(
        client,
        headers,
        line(make_product(bank_shop(1), price=80000)),
        line(make_product(bank_shop(2), price=45000), 2),
    )
    checkout = load_checkout(answer["id"])
    # The QR code's address is the request's host (no PUBLIC_BASE_URL here).
    with app.test_request_context(base_url="http://localhost"):
        compiled = json.dumps(CheckoutSchema().dump(checkout), ensure_ascii=False)
        assert compiled == json.dumps(
            CheckoutSchema().marshmallow_dump(checkout), ensure_ascii=False
        )
        assert answer == CheckoutSchema().dump(checkout)


def test_a_retry_under_one_key_gives_the_same_instructions(client, auth):
    _, headers = auth.user()
    product = make_product(bank_shop(), stock=5)
    body = checkout_body(line(product, 2), payment_method="bank_transfer")
    first = post_with_key(client, headers, body, "bank-retry-1")
    again = post_with_key(client, headers, body, "bank-retry-1")
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert stock_of(product) == 3


def test_payment_methods_follow_the_shops_accounts(app, app_config):
    with_account, without = bank_shop(), make_shop()
    home = {"country": "VN", "phone": "+84912345678"}
    abroad = {"country": "FR", "phone": "+33612345678"}
    assert payment_methods_for(home, [with_account]) == ["cod", "bank_transfer"]
    assert payment_methods_for(home, [with_account, without]) == ["cod"]
    assert payment_methods_for(abroad, [with_account]) == ["bank_transfer"]
    app_config(STRIPE_SECRET_KEY="sk_test_x")
    assert payment_methods_for(home, [with_account]) == ["cod", "bank_transfer", "stripe"]


@pytest.mark.parametrize(
    ("note", "found"),
    [
        ("CPABCD2345", ["CPABCD2345"]),
        ("cp abcd-2345", ["CPABCD2345"]),
        ("MBVCB.1234.CPABCD2345.CT tu 0071000", ["CPABCD2345"]),
        ("CPCPABCD2345", ["CPCPABCD23", "CPABCD2345"]),
        ("CPABCD234", []),
        ("", []),
        ("tiền hàng", []),
    ],
)
def test_references_are_found_however_the_bank_wrote_the_note(note, found):
    assert references_in(note) == found
