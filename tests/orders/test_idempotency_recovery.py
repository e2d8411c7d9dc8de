"""A checkout whose worker died between its commit and storing its answer: a retry with the same
Idempotency-Key is answered from the checkout it made, and never checks out twice."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.extensions import db
from marketplace.models import Checkout, IdempotencyKey
from marketplace.models.base import utcnow
from marketplace.schemas.orders import CheckoutSchema
from marketplace.services.orders import checkout as checkout_service
from marketplace.services.orders import idempotency
from tests.factories import make_product
from tests.factories.orders import (
    ADDRESS,
    age_the_key,
    checkout_body,
    checkouts,
    line,
    post_with_key,
    stock_of,
)


def the_key() -> IdempotencyKey:
    db.session.expire_all()
    return db.session.scalars(db.select(IdempotencyKey)).one()


def keys() -> int:
    return db.session.scalar(db.select(db.func.count(IdempotencyKey.id)))


@pytest.fixture
def dies_before_recording(monkeypatch):
    """The worker dies (OOM kill, timeout) after the work, before its answer is stored; the
    answer it was about to store is kept for the test, and the next request runs normally."""
    unsent: list[tuple[int, dict]] = []

    def die(claimed, status, body):
        unsent.append((status, body))
        monkeypatch.undo()
        raise SystemExit("killed")

    monkeypatch.setattr(idempotency, "record", die)
    return unsent


def test_a_retry_after_a_crash_gets_the_checkout_made_and_makes_no_second(
    client, auth, dies_before_recording
):
    _, headers = auth.user()
    product = make_product(stock=5)
    body = checkout_body(line(product, 2))
    with pytest.raises(SystemExit):
        post_with_key(client, headers, body, "crash-1")
    [(status, unsent)] = dies_before_recording
    key = the_key()
    assert key.response_status is None
    assert (key.resource_type, key.resource_id) == ("checkout", unsent["id"])

    # At once, not 300 s later: the work is done, only the answer is missing.
    retry = post_with_key(client, headers, body, "crash-1")
    assert retry.status_code == status == 201
    assert retry.get_json() == unsent
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert checkouts() == 1 and stock_of(product) == 3
    assert the_key().response_status == 201

    again = post_with_key(client, headers, body, "crash-1")
    assert again.status_code == 201 and again.get_json() == unsent
    assert checkouts() == 1 and stock_of(product) == 3


def test_a_crash_long_ago_is_still_answered_from_its_checkout(client, auth, dies_before_recording):
    _, headers = auth.user()
    product = make_product(stock=5)
    body = checkout_body(line(product))
    with pytest.raises(SystemExit):
        post_with_key(client, headers, body, "crash-old")
    age_the_key(minutes=30)
    retry = post_with_key(client, headers, body, "crash-old")
    assert retry.status_code == 201
    assert retry.get_json() == dies_before_recording[0][1]
    assert checkouts() == 1 and stock_of(product) == 4


def test_a_crash_before_the_commit_leaves_a_key_that_made_nothing(client, auth, monkeypatch):
    _, headers = auth.user()
    product = make_product(stock=5)
    body = checkout_body(line(product))

    def die(checkout):
        raise SystemExit("killed")

    monkeypatch.setattr(checkout_service, "_commit_keeping", die)
    with pytest.raises(SystemExit):
        post_with_key(client, headers, body, "crash-early")
    monkeypatch.undo()
    key = the_key()
    assert (key.response_status, key.resource_type, key.resource_id) == (None, None, None)
    assert checkouts() == 0 and stock_of(product) == 5

    # As before: still running for all we know, until it has been silent for a minute.
    busy = post_with_key(client, headers, body, "crash-early")
    assert busy.status_code == 409
    assert busy.get_json()["error"]["code"] == "request_in_progress"
    age_the_key(minutes=10)
    retry = post_with_key(client, headers, body, "crash-early")
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry.headers
    assert checkouts() == 1 and stock_of(product) == 4
    assert (the_key().resource_type, the_key().resource_id) == ("checkout", retry.get_json()["id"])


def test_a_failure_after_the_commit_keeps_the_key_that_made_the_checkout(client, auth, monkeypatch):
    _, headers = auth.user()
    product = make_product(stock=5)
    body = checkout_body(line(product))

    def broken(schema, checkout, **kwargs):
        raise RuntimeError("rendering failed")

    monkeypatch.setattr(CheckoutSchema, "dump", broken)
    assert post_with_key(client, headers, body, "fails-late").status_code == 500
    monkeypatch.undo()
    [made] = db.session.scalars(db.select(Checkout.id)).all()
    retry = post_with_key(client, headers, body, "fails-late")
    assert retry.status_code == 201 and retry.get_json()["id"] == made
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert checkouts() == 1 and stock_of(product) == 4


def test_a_failure_before_the_commit_still_releases_the_key(client, auth, monkeypatch):
    _, headers = auth.user()
    product = make_product(stock=5)
    body = checkout_body(line(product))

    def broken(checkout):
        raise RuntimeError("database went away")

    monkeypatch.setattr(checkout_service, "_commit_keeping", broken)
    assert post_with_key(client, headers, body, "fails-early").status_code == 500
    monkeypatch.undo()
    assert keys() == 0 and checkouts() == 0
    retry = post_with_key(client, headers, body, "fails-early")
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry.headers
    assert checkouts() == 1 and stock_of(product) == 4


def test_a_key_whose_checkout_is_gone_is_treated_as_one_that_made_nothing(client, auth):
    buyer, headers = auth.user()
    product = make_product(stock=5)
    body = checkout_body(line(product))
    # A card checkout undone (Stripe down) by a request that died before releasing its key.
    db.session.add(
        IdempotencyKey(
            user_id=buyer.id,
            key="undone",
            fingerprint=idempotency.fingerprint(
                "POST", "/api/v1/checkouts", client.application.json.dumps(body).encode()
            ),
            resource_type="checkout",
            resource_id="0" * 32,
            expires_at=utcnow() + timedelta(hours=24),
        )
    )
    db.session.commit()
    busy = post_with_key(client, headers, body, "undone")
    assert busy.status_code == 409
    assert busy.get_json()["error"]["code"] == "request_in_progress"
    age_the_key(minutes=10)
    retry = post_with_key(client, headers, body, "undone")
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry.headers
    assert the_key().resource_id == retry.get_json()["id"]
    assert checkouts() == 1 and stock_of(product) == 4


def test_the_key_notes_its_checkout_with_one_update_and_only_when_held(client, auth, count_queries):
    _, headers = auth.user()
    product = make_product(stock=5)
    with count_queries() as keyed:
        assert post_with_key(client, headers, checkout_body(line(product)), "k").status_code == 201
    notes = [s for s in keyed.statements if s.lstrip().upper().startswith("UPDATE IDEMPOTENCY")]
    assert len([s for s in notes if "resource_type" in s]) == 1
    with count_queries() as plain:
        response = client.post(
            "/api/v1/checkouts", json=checkout_body(line(product)), headers=headers
        )
        assert response.status_code == 201
    assert not [s for s in plain.statements if "idempotency_keys" in s]


def test_services_called_without_a_request_note_nothing(app, auth):
    buyer, _ = auth.user()
    product = make_product(stock=5)
    checkout = checkout_service.place_checkout(
        buyer, items=[line(product)], shipping_address=dict(ADDRESS)
    )
    assert checkout.id and keys() == 0
