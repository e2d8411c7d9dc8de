"""A card checkout whose worker died after its commit: a retry with the same Idempotency-Key
answers from that checkout, starting its card payment first if it never got one."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.models import Checkout, IdempotencyKey, Order
from marketplace.services.orders import idempotency, payments
from tests.factories import make_product
from tests.factories.orders import age_the_key, checkout_body, line, post_with_key, stock_of
from tests.factories.payments import ledger


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def intents(world) -> list[str]:
    return [i["id"] for i in world.client.v1.payment_intents.list().to_dict()["data"]]


@pytest.fixture
def dies_before_the_payment_starts(monkeypatch):
    """The worker dies after committing the card checkout, before creating its PaymentIntent."""

    def die(checkout_id, amount, currency):
        monkeypatch.undo()
        raise SystemExit("killed")

    monkeypatch.setattr(payments, "start_card_payment", die)


def test_a_retry_starts_the_payment_the_dead_request_never_started(
    client, auth, stripe_world, dies_before_the_payment_starts
):
    _, headers = auth.user()
    product = make_product(stock=4)
    body = checkout_body(line(product, 2), payment_method="stripe")
    with pytest.raises(SystemExit):
        post_with_key(client, headers, body, "card-crash")
    [made] = db.session.scalars(db.select(Checkout)).all()
    assert made.payment_intent_id is None and intents(stripe_world) == []

    # The first request may still be talking to Stripe: only once it is silent for 300 s.
    busy = post_with_key(client, headers, body, "card-crash")
    assert busy.status_code == 409
    assert busy.get_json()["error"]["code"] == "request_in_progress"
    assert intents(stripe_world) == []

    age_the_key(minutes=10)
    retry = post_with_key(client, headers, body, "card-crash")
    assert retry.status_code == 201, retry.get_json()
    answer = retry.get_json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert answer["id"] == made.id
    assert answer["payment"]["payment_intent_id"].startswith("pi_")
    assert intents(stripe_world) == [answer["payment"]["payment_intent_id"]]
    assert len(ledger(made.id)) == 1
    assert count(Checkout) == 1 and stock_of(product) == 2
    shown = client.get(f"/api/v1/checkouts/{made.id}", headers=headers).get_json()
    assert answer == shown

    again = post_with_key(client, headers, body, "card-crash")
    assert again.status_code == 201 and again.get_json() == answer
    assert intents(stripe_world) == [answer["payment"]["payment_intent_id"]]


def test_a_crash_after_the_payment_started_is_answered_at_once(
    client, auth, stripe_world, monkeypatch
):
    _, headers = auth.user()
    product = make_product(stock=4)
    body = checkout_body(line(product), payment_method="stripe")
    unsent = []

    def die(claimed, status, answer):
        unsent.append(answer)
        monkeypatch.undo()
        raise SystemExit("killed")

    monkeypatch.setattr(idempotency, "record", die)
    with pytest.raises(SystemExit):
        post_with_key(client, headers, body, "late-crash")
    retry = post_with_key(client, headers, body, "late-crash")
    assert retry.status_code == 201 and retry.get_json() == unsent[0]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert intents(stripe_world) == [unsent[0]["payment"]["payment_intent_id"]]
    assert count(Checkout) == 1 and stock_of(product) == 3


def test_stripe_down_when_resuming_is_503_the_checkout_undone_and_not_kept(
    client, auth, app_config, stripe_world, stopped_stripe, dies_before_the_payment_starts
):
    _, headers = auth.user()
    product = make_product(stock=4)
    body = checkout_body(line(product, 3), payment_method="stripe")
    with pytest.raises(SystemExit):
        post_with_key(client, headers, body, "card-crash")
    assert stock_of(product) == 1
    age_the_key(minutes=10)

    retry = post_with_key(client, headers, body, "card-crash")
    assert retry.status_code == 503, retry.get_json()
    assert retry.get_json()["error"]["code"] == "payment_provider_unavailable"
    assert count(Checkout) == count(Order) == count(IdempotencyKey) == 0
    assert stock_of(product) == 4

    # Stripe is back: the 503 was not kept, so the same key is processed anew.
    app_config(STRIPE_API_BASE=stripe_world.server.base)
    again = post_with_key(client, headers, body, "card-crash")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert count(Checkout) == 1 and stock_of(product) == 1
