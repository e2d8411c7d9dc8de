"""Idempotency-Key on POST /api/v1/checkouts, exactly as API.md says."""

from __future__ import annotations

import json
from datetime import timedelta

from marketplace.extensions import db
from marketplace.models import IdempotencyKey, ProductVariant
from marketplace.models.base import utcnow
from marketplace.services.orders import idempotency
from tests.factories import make_product
from tests.factories.orders import (
    checkout_body,
    checkouts,
    line,
    post_with_key,
    run_command,
    stock_of,
)


def test_a_retry_gets_the_first_answer_and_creates_nothing(client, auth):
    _, headers = auth.user()
    product = make_product(stock=5)
    body = checkout_body(line(product, 2))
    first = post_with_key(client, headers, body, "retry-1")
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    again = post_with_key(client, headers, body, "retry-1")
    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert checkouts() == 1 and stock_of(product) == 3


def test_the_body_is_compared_by_meaning_not_spacing(client, auth):
    _, headers = auth.user()
    product = make_product(stock=5)
    body = checkout_body(line(product))
    first = post_with_key(client, headers, body, "k")
    raw = client.post(
        "/api/v1/checkouts",
        data=json.dumps(body, indent=4, sort_keys=True),
        content_type="application/json",
        headers={**headers, "Idempotency-Key": "k"},
    )
    assert raw.status_code == 201 and raw.get_json() == first.get_json()
    assert checkouts() == 1


def test_the_same_key_with_another_body_is_409_idempotency_key_reused(client, auth):
    _, headers = auth.user()
    product = make_product(stock=5)
    assert post_with_key(client, headers, checkout_body(line(product, 1)), "k").status_code == 201
    other = post_with_key(client, headers, checkout_body(line(product, 2)), "k")
    assert other.status_code == 409
    assert other.get_json()["error"]["code"] == "idempotency_key_reused"
    assert checkouts() == 1 and stock_of(product) == 4


def test_keys_belong_to_one_user(client, auth):
    _, alice = auth.user()
    _, bob = auth.user()
    product = make_product(stock=5)
    body = checkout_body(line(product))
    a = post_with_key(client, alice, body, "same-key")
    b = post_with_key(client, bob, body, "same-key")
    assert a.status_code == b.status_code == 201
    assert a.get_json()["id"] != b.get_json()["id"]
    assert checkouts() == 2


def test_while_the_first_request_runs_a_retry_is_409_request_in_progress(client, auth):
    buyer, headers = auth.user()
    product = make_product(stock=5)
    body = checkout_body(line(product))
    # What the first request leaves while it is still running: a claim with no answer yet.
    db.session.add(
        IdempotencyKey(
            user_id=buyer.id,
            key="busy",
            fingerprint=idempotency.fingerprint(
                "POST", "/api/v1/checkouts", json.dumps(body).encode()
            ),
            expires_at=utcnow() + timedelta(hours=24),
        )
    )
    db.session.commit()
    response = post_with_key(client, headers, body, "busy")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "request_in_progress"
    assert checkouts() == 0 and stock_of(product) == 5


def test_a_claim_abandoned_by_a_dead_request_is_taken_over(client, auth):
    buyer, headers = auth.user()
    product = make_product(stock=5)
    body = checkout_body(line(product))
    # A request that claimed the key and died without answering, ten minutes ago.
    db.session.add(
        IdempotencyKey(
            user_id=buyer.id,
            key="orphan",
            fingerprint=idempotency.fingerprint(
                "POST", "/api/v1/checkouts", json.dumps(body).encode()
            ),
            created_at=utcnow() - timedelta(minutes=10),
            expires_at=utcnow() + timedelta(hours=23),
        )
    )
    db.session.commit()
    response = post_with_key(client, headers, body, "orphan")
    assert response.status_code == 201
    assert post_with_key(client, headers, body, "orphan").get_json() == response.get_json()
    assert checkouts() == 1


def test_4xx_answers_are_kept_too(client, auth):
    _, headers = auth.user()
    product = make_product(stock=1)
    body = checkout_body(line(product, 2))
    first = post_with_key(client, headers, body, "short")
    assert first.status_code == 409
    variant = db.session.get(ProductVariant, product.variants[0].id)
    variant.stock = 5
    db.session.commit()
    again = post_with_key(client, headers, body, "short")
    assert again.status_code == 409 and again.get_json() == first.get_json()
    assert post_with_key(client, headers, body, "another-key").status_code == 201


def test_validation_errors_are_answers_like_any_other(client, auth):
    _, headers = auth.user()
    body = {"items": []}
    first = post_with_key(client, headers, body, "bad")
    assert first.status_code == 422
    assert post_with_key(client, headers, body, "bad").get_json() == first.get_json()


def test_keys_expire_after_24_hours(client, auth):
    buyer, headers = auth.user()
    product = make_product(stock=5)
    body = checkout_body(line(product))
    first = post_with_key(client, headers, body, "old")
    stored = db.session.scalars(db.select(IdempotencyKey)).one()
    assert stored.expires_at - stored.created_at == timedelta(hours=24)
    stored.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    later = post_with_key(client, headers, body, "old")
    assert later.status_code == 201 and later.get_json()["id"] != first.get_json()["id"]
    assert checkouts() == 2


def test_an_overlong_or_empty_key_is_422(client, auth):
    _, headers = auth.user()
    product = make_product(stock=5)
    for key in ("x" * 256, "   "):
        response = post_with_key(client, headers, checkout_body(line(product)), key)
        assert response.status_code == 422
        assert "Idempotency-Key" in response.get_json()["error"]["details"]
    assert checkouts() == 0


def test_expire_command_forgets_expired_keys(app, client, auth):
    buyer, headers = auth.user()
    product = make_product(stock=5)
    post_with_key(client, headers, checkout_body(line(product)), "gone")
    post_with_key(client, headers, checkout_body(line(product)), "kept")
    stale = db.session.scalar(db.select(IdempotencyKey).where(IdempotencyKey.key == "gone"))
    stale.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    result = run_command(app, "orders", "expire")
    assert result.exit_code == 0, result.output
    assert "forgot 1 idempotency key" in result.output
    assert db.session.scalars(db.select(IdempotencyKey.key)).all() == ["kept"]


def test_a_request_whose_key_was_taken_over_can_no_longer_answer_on_it(app, auth):
    buyer, _ = auth.user()
    request_print = idempotency.fingerprint("POST", "/api/v1/checkouts", b"{}")
    with app.test_request_context("/api/v1/checkouts", method="POST"):
        slow = idempotency.claim(buyer.id, "slow", request_print)
        # Silent for ten minutes: a retry takes the key over.
        db.session.execute(
            db.update(IdempotencyKey)
            .where(IdempotencyKey.id == slow.key_id)
            .values(created_at=utcnow() - timedelta(minutes=10))
        )
        db.session.commit()
        retry = idempotency.claim(buyer.id, "slow", request_print)
        assert retry.key_id == slow.key_id and retry.replay is None

        # The slow request wakes up: neither its answer nor its failure touches the key.
        idempotency.record(slow, 201, {"id": "from the slow one"})
        idempotency.release(slow)
        key = db.session.get(IdempotencyKey, slow.key_id)
        assert key is not None and key.response_status is None

        idempotency.record(retry, 201, {"id": "from the retry"})
        db.session.expire_all()
        key = db.session.get(IdempotencyKey, slow.key_id)
        assert (key.response_status, key.response_body) == (201, {"id": "from the retry"})
