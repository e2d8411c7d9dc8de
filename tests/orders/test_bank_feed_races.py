"""The bank feed through a real threaded server: thirty deliveries at once of one transaction
apply it once; thirty different transfers at once for one order pay it once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from marketplace.extensions import db
from marketplace.models import BankTransaction, Order, OrderEvent, PaymentTransaction
from marketplace.services.orders.bank_accounts import set_bank_account
from tests.factories import headers_for, make_product, make_shop, make_user
from tests.factories.bank import WEBHOOK_PATH, WEBHOOK_SECRET, account, credit, signed
from tests.factories.orders import checkout_body, line

PARALLEL = 30


@pytest.fixture
def pending_order(live_server, app_config) -> dict:
    """A bank-transfer order waiting for its money, placed through the live server."""
    app_config(BANK_WEBHOOK_SECRET=WEBHOOK_SECRET)
    shop = make_shop()
    set_bank_account(shop, account(42))
    db.session.commit()
    product = make_product(shop, price=150000, stock=3)
    headers = headers_for(make_user())
    body = checkout_body(line(product, 2), payment_method="bank_transfer")
    db.session.close()  # on SQLite the test's open transaction would hold the write lock
    with requests.post(
        f"{live_server}/api/v1/checkouts", json=body, headers=headers, timeout=30
    ) as response:
        assert response.status_code == 201, response.text
        return response.json()["orders"][0]


def deliver_at_once(url: str, deliveries: list[tuple[bytes, dict]]) -> list[dict]:
    """Every (body, headers) delivery at once, each from its own thread."""
    start = threading.Barrier(len(deliveries))

    def send(delivery):
        body, headers = delivery
        start.wait(timeout=30)
        with requests.post(url + WEBHOOK_PATH, data=body, headers=headers, timeout=60) as r:
            assert r.status_code == 200, r.text
            return r.json()

    with ThreadPoolExecutor(max_workers=len(deliveries)) as pool:
        return list(pool.map(send, deliveries))


def totals(answers: list[dict]) -> dict:
    return {key: sum(answer[key] for answer in answers) for key in answers[0]}


def transfer(order: dict) -> dict:
    instructions = order["payment_instructions"]
    return credit(instructions["account_number"], instructions["amount"], instructions["reference"])


def paid_once(order_id: str) -> None:
    db.session.expire_all()
    stored = db.session.get(Order, order_id)
    assert (stored.status, stored.payment_status) == ("placed", "paid")
    events = db.session.scalars(db.select(OrderEvent).where(OrderEvent.order_id == order_id))
    assert [(e.from_status, e.to_status) for e in events] == [("pending_payment", "placed")]
    charges = db.session.scalars(
        db.select(PaymentTransaction).where(PaymentTransaction.order_id == order_id)
    ).all()
    assert len(charges) == 1


@pytest.mark.live
def test_thirty_deliveries_of_one_transaction_at_once_apply_it_once(live_server, pending_order):
    delivery = signed([transfer(pending_order)])
    answers = deliver_at_once(live_server, [delivery] * PARALLEL)
    assert totals(answers) == {
        "applied": 1,
        "unmatched": 0,
        "duplicate": PARALLEL - 1,
        "ignored": 0,
    }
    paid_once(pending_order["id"])
    (kept,) = db.session.scalars(db.select(BankTransaction)).all()
    assert (kept.status, kept.order_id) == ("applied", pending_order["id"])


@pytest.mark.live
def test_thirty_different_transfers_at_once_pay_the_order_once(live_server, pending_order):
    deliveries = [signed([transfer(pending_order)]) for _ in range(PARALLEL)]
    answers = deliver_at_once(live_server, deliveries)
    assert totals(answers) == {
        "applied": 1,
        "unmatched": PARALLEL - 1,
        "duplicate": 0,
        "ignored": 0,
    }
    paid_once(pending_order["id"])
    reasons = db.session.scalars(
        db.select(BankTransaction.reason).where(BankTransaction.status == "unmatched")
    ).all()
    assert set(reasons) == {"already_paid"} and len(reasons) == PARALLEL - 1
