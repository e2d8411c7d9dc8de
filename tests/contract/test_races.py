"""API.md § Checkout under load, through a real threaded server: stock never below zero, all
or nothing for every buyer, one checkout per idempotency key."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from marketplace.extensions import db
from tests.contract.conftest import ADDRESS


def post(url: str, path: str, body: dict, headers: dict | None = None) -> tuple[int, dict]:
    with requests.post(f"{url}{path}", json=body, headers=headers or {}, timeout=60) as response:
        return response.status_code, response.json()


def register(url: str, n: int, role: str = "buyer") -> dict:
    status, body = post(
        url,
        "/api/v1/auth/register",
        {"name": f"Người {n}", "password": "mật khẩu dài", "email": f"race{n}@x.vn", "role": role},
    )
    assert status == 201, body
    return {"Authorization": f"Bearer {body['token']}"}


def fire(url: str, calls: list[tuple[dict, dict]]) -> list[tuple[int, dict]]:
    """Every (headers, body) checkout at once, each from its own thread."""
    start = threading.Barrier(len(calls))

    def send(call):
        headers, body = call
        start.wait(timeout=30)
        return post(url, "/api/v1/checkouts", body, headers)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(send, calls))


@pytest.fixture
def seller(live_server, app_config):
    app_config(RATELIMIT_REGISTER="1000 per hour")
    db.session.close()  # the test's own transaction must not hold SQLite's write lock
    owner = register(live_server, 0, "artisan")
    status, shop = post(
        live_server,
        "/api/v1/shops",
        {"name": "Shop", "commune": "Vân Hồ", "shipping_fee": 0},
        owner,
    )
    assert status == 201, shop

    def product(stock: int) -> dict:
        status, body = post(
            live_server,
            f"/api/v1/shops/{shop['id']}/products",
            {"title": f"Hàng {stock}", "price": 10000, "stock": stock},
            owner,
        )
        assert status == 201, body
        return body

    return product


def stock(url: str, product: dict) -> int:
    with requests.get(f"{url}/api/v1/products/{product['id']}", timeout=30) as response:
        return response.json()["stock"]


@pytest.mark.live
def test_buyers_racing_for_two_products_get_all_or_nothing(live_server, seller):
    plenty, scarce = seller(10), seller(4)
    buyers = [register(live_server, n) for n in range(1, 13)]
    body = {
        "items": [
            {"product_id": plenty["id"], "quantity": 1},
            {"product_id": scarce["id"], "quantity": 1},
        ],
        "shipping_address": ADDRESS,
        "payment_method": "cod",
    }
    answers = fire(live_server, [(headers, body) for headers in buyers])
    statuses = [status for status, _ in answers]
    assert statuses.count(201) == 4, answers
    assert statuses.count(409) == 8, answers
    assert {a["error"]["code"] for s, a in answers if s == 409} == {"out_of_stock"}
    # Losers took nothing: the plentiful product lost exactly the winners' units.
    assert stock(live_server, scarce) == 0
    assert stock(live_server, plenty) == 6


@pytest.mark.live
def test_parallel_retries_with_one_key_make_one_checkout(live_server, seller):
    product = seller(20)
    buyer = register(live_server, 1)
    headers = {**buyer, "Idempotency-Key": "4g-retry"}
    body = {
        "items": [{"product_id": product["id"], "quantity": 2}],
        "shipping_address": ADDRESS,
        "payment_method": "cod",
    }
    answers = fire(live_server, [(headers, body)] * 5)
    created = [a for s, a in answers if s == 201]
    busy = [a for s, a in answers if s == 409]
    assert created and len(created) + len(busy) == 5, answers
    assert all(a == created[0] for a in created)
    assert {a["error"]["code"] for a in busy} <= {"request_in_progress"}
    assert stock(live_server, product) == 18
    status, again = post(live_server, "/api/v1/checkouts", body, headers)
    assert (status, again) == (201, created[0])
    with requests.get(f"{live_server}/api/v1/orders", headers=buyer, timeout=30) as response:
        assert len(response.json()["items"]) == 1
