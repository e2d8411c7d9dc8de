"""Idempotency-Key on POST /api/v1/livestreams/{id}/claims: a seller's double tap, one order."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import LivestreamClaim, Order, ProductVariant
from tests.factories import headers_for, make_livestream, make_product, make_shop, make_user
from tests.factories.orders import checkout_body, line

ADDRESS = {"line1": "Bản Cỏ Chàm", "commune": "Vân Hồ", "province": "Sơn La", "country": "VN"}


def claim_body(comment: str = "A1 x2", phone: str = "0912 345 678") -> dict:
    return {
        "comment": comment,
        "buyer_name": "Giàng Thị Mai",
        "buyer_phone": phone,
        "shipping_address": dict(ADDRESS),
    }


@pytest.fixture
def live(auth):
    """A live session of the seller's shop: A1 a scarf at a live price, 5 in stock."""
    owner, headers = auth.user("artisan")
    shop = make_shop(owner)
    scarf = make_product(shop, title="Khăn piêu", price=250000, stock=5)
    livestream = make_livestream(shop, status="live", products=[(scarf, 199000)])
    return {"owner": owner, "headers": headers, "livestream": livestream, "scarf": scarf}


def post(client, live, body, key):
    return client.post(
        f"/api/v1/livestreams/{live['livestream'].id}/claims",
        json=body,
        headers={**live["headers"], "Idempotency-Key": key},
    )


def claims() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(LivestreamClaim))


def orders() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Order))


def stock_of(product) -> int:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(ProductVariant.stock).where(ProductVariant.product_id == product.id)
    )


def test_a_double_tap_gets_the_first_answer_and_makes_one_order(client, live):
    first = post(client, live, claim_body(), "tap-1")
    assert first.status_code == 201, first.get_json()
    assert "Idempotent-Replayed" not in first.headers
    again = post(client, live, claim_body(), "tap-1")
    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert claims() == 1 and orders() == 1
    assert stock_of(live["scarf"]) == 3


def test_the_same_key_with_another_body_is_409_idempotency_key_reused(client, live):
    assert post(client, live, claim_body("A1 x1"), "tap").status_code == 201
    other = post(client, live, claim_body("A1 x2"), "tap")
    assert other.status_code == 409
    assert other.get_json()["error"]["code"] == "idempotency_key_reused"
    assert claims() == 1 and stock_of(live["scarf"]) == 4


def test_without_a_key_every_tap_is_a_new_claim(client, live):
    url = f"/api/v1/livestreams/{live['livestream'].id}/claims"
    for _ in range(2):
        response = client.post(url, json=claim_body("A1"), headers=live["headers"])
        assert response.status_code == 201
    assert claims() == 2 and stock_of(live["scarf"]) == 3


def test_an_error_answer_is_kept_like_any_other(client, live):
    first = post(client, live, claim_body("A1 x6"), "too-many")
    assert first.status_code == 409 and first.get_json()["error"]["code"] == "out_of_stock"
    again = post(client, live, claim_body("A1 x6"), "too-many")
    assert again.status_code == 409 and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert claims() == 0 and stock_of(live["scarf"]) == 5


def test_a_key_used_on_checkout_is_not_replayed_on_a_claim(client, live):
    # The seller also shops at another shop, and their app reuses a key across screens.
    product = make_product(stock=5)
    checkout = client.post(
        "/api/v1/checkouts",
        json=checkout_body(line(product)),
        headers={**live["headers"], "Idempotency-Key": "shared"},
    )
    assert checkout.status_code == 201
    reused = post(client, live, claim_body(), "shared")
    assert reused.status_code == 409
    assert reused.get_json()["error"]["code"] == "idempotency_key_reused"
    assert claims() == 0 and stock_of(live["scarf"]) == 5


def test_the_openapi_document_names_the_header(client):
    spec = client.get("/api/openapi.json").get_json()
    for path in ("/api/v1/livestreams/{livestream_id}/claims", "/api/v1/checkouts"):
        parameters = spec["paths"][path]["post"].get("parameters", [])
        [header] = [p for p in parameters if p["in"] == "header"]
        assert header["name"] == "Idempotency-Key" and header["required"] is False


@pytest.mark.live
def test_five_parallel_retries_with_one_key_make_exactly_one_claim(live_server):
    owner = make_user("artisan")
    shop = make_shop(owner)
    scarf = make_product(shop, price=250000, stock=10)
    livestream = make_livestream(shop, status="live", products=[(scarf, 199000)])
    headers = {**headers_for(owner), "Idempotency-Key": "flaky-4g-double-tap"}
    url = f"{live_server}/api/v1/livestreams/{livestream.id}/claims"
    variant_id = scarf.variants[0].id
    body = claim_body("A1 x2")
    # End the test's transaction: on SQLite it would hold the write lock.
    db.session.close()
    start = threading.Barrier(5)

    def send(_):
        with requests.Session() as session:
            start.wait(timeout=30)
            with session.post(url, json=body, headers=headers, timeout=60) as response:
                return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=5) as pool:
        answers = list(pool.map(send, range(5)))

    created = [answer for status, answer in answers if status == 201]
    busy = [answer for status, answer in answers if status == 409]
    assert len(created) + len(busy) == 5, answers
    assert created, answers
    assert all(answer == created[0] for answer in created)
    assert {answer["error"]["code"] for answer in busy} <= {"request_in_progress"}
    db.session.expire_all()
    assert claims() == 1 and orders() == 1
    assert db.session.get(ProductVariant, variant_id).stock == 8

    # Once the first is done, a retry is answered with it.
    db.session.close()
    with requests.post(url, json=body, headers=headers, timeout=30) as later:
        assert later.status_code == 201
        assert later.json() == created[0]
        assert later.headers["Idempotent-Replayed"] == "true"
