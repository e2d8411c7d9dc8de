"""Buyers racing through the real HTTP stack (a threaded server) on committed data."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from marketplace.extensions import db
from marketplace.models import Checkout, Order, ProductVariant
from tests.factories import headers_for, make_product, make_user
from tests.factories.orders import checkout_body, line


def _fire(url: str, requests_to_send: list[tuple[dict, dict]]) -> list[tuple[int, dict]]:
    """Send every (headers, body) at once from its own thread; answers in the same order."""
    # End the test's own transaction: on SQLite it would hold the write lock (BEGIN IMMEDIATE)
    # and every request would wait for it.
    db.session.close()
    start = threading.Barrier(len(requests_to_send))

    def send(item):
        headers, body = item
        with requests.Session() as session:
            start.wait(timeout=30)
            response = session.post(
                f"{url}/api/v1/checkouts", json=body, headers=headers, timeout=60
            )
            return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=len(requests_to_send)) as pool:
        return list(pool.map(send, requests_to_send))


@pytest.mark.live
def test_fifty_buyers_race_for_ten_units_and_exactly_ten_win(live_server):
    product = make_product(price=120000, stock=10)
    variant_id = product.variants[0].id
    buyers = [headers_for(make_user()) for _ in range(50)]
    body = checkout_body(line(product, 1))
    answers = _fire(live_server, [(headers, body) for headers in buyers])

    statuses = sorted(status for status, _ in answers)
    assert statuses.count(201) == 10, answers
    assert statuses.count(409) == 40, answers
    assert {body["error"]["code"] for status, body in answers if status == 409} == {"out_of_stock"}
    db.session.expire_all()
    assert db.session.get(ProductVariant, variant_id).stock == 0
    assert db.session.scalar(db.select(db.func.count(Order.id))) == 10


@pytest.mark.live
def test_five_parallel_retries_with_one_key_make_exactly_one_checkout(live_server):
    product = make_product(price=50000, stock=20)
    variant_id = product.variants[0].id
    headers = {**headers_for(make_user()), "Idempotency-Key": "flaky-4g-retry"}
    body = checkout_body(line(product, 2))
    answers = _fire(live_server, [(headers, body)] * 5)

    created = [answer for status, answer in answers if status == 201]
    busy = [answer for status, answer in answers if status == 409]
    assert len(created) + len(busy) == 5, answers
    assert created, answers
    assert all(answer == created[0] for answer in created)
    assert {answer["error"]["code"] for answer in busy} <= {"request_in_progress"}
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(Checkout.id))) == 1
    assert db.session.get(ProductVariant, variant_id).stock == 18

    # Once the first is done, a retry is answered with it.
    db.session.close()
    with requests.post(
        f"{live_server}/api/v1/checkouts", json=body, headers=headers, timeout=30
    ) as later:
        assert later.status_code == 201
        assert later.json() == created[0]
        assert later.headers["Idempotent-Replayed"] == "true"
