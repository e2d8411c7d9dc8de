"""The Stripe adapter: amounts in Stripe's units, our own errors, against localstripe."""

from __future__ import annotations

import pytest

from marketplace.adapters.payments.base import PaymentProviderError, ProviderUnavailable
from marketplace.adapters.payments.stripe import (
    ZERO_DECIMAL_CURRENCIES,
    StripeGateway,
    from_stripe_amount,
    to_stripe_amount,
)
from tests.orders.payments.conftest import SECRET_KEY

# Stripe's list (https://docs.stripe.com/currencies#zero-decimal).
STRIPE_ZERO_DECIMAL = "BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split()


def test_the_zero_decimal_list_is_stripes():
    assert set(STRIPE_ZERO_DECIMAL) == ZERO_DECIMAL_CURRENCIES


@pytest.mark.parametrize("currency", STRIPE_ZERO_DECIMAL)
def test_zero_decimal_amounts_are_whole_units_never_times_100(currency):
    assert to_stripe_amount(150000, currency) == 150000
    assert to_stripe_amount(150000, currency.lower()) == 150000
    assert from_stripe_amount(150000, currency) == 150000


def test_two_and_three_decimal_currencies_and_stripes_special_cases():
    assert to_stripe_amount(1999, "USD") == 1999  # cents stay cents
    assert to_stripe_amount(500, "ISK") == 50000  # whole krónur, two-decimal in Stripe's API
    assert from_stripe_amount(50000, "ISK") == 500
    assert to_stripe_amount(5120, "KWD") == 5120
    with pytest.raises(PaymentProviderError):
        to_stripe_amount(5124, "KWD")  # Stripe needs the last digit of three-decimal to be 0


@pytest.fixture
def gateway(localstripe_server):
    localstripe_server.reset()
    made = StripeGateway(SECRET_KEY, api_base=localstripe_server.base, max_network_retries=0)
    yield made
    made.close()


@pytest.mark.parametrize("currency", ["VND", "JPY", "KRW"])
def test_intents_are_made_in_whole_units_of_zero_decimal_currencies(gateway, currency):
    intent = gateway.create_intent(
        amount=375000, currency=currency, metadata={"checkout_id": "c1"}, idempotency_key="k"
    )
    assert (intent.amount, intent.currency, intent.metadata) == (
        375000,
        currency,
        {"checkout_id": "c1"},
    )
    assert intent.client_secret and intent.status == "requires_payment_method"
    assert gateway.retrieve_intent(intent.id).amount == 375000


def test_cancel_gives_back_our_dataclass_and_a_refusal_is_our_error(gateway):
    intent = gateway.create_intent(amount=100000, currency="VND", metadata={}, idempotency_key="k1")
    assert gateway.cancel_intent(intent.id, idempotency_key="c1").status == "canceled"
    with pytest.raises(PaymentProviderError) as refused:
        gateway.retrieve_intent("pi_no_such_intent")
    # Stripe answered (404): not a reason to retry later.
    assert not isinstance(refused.value, ProviderUnavailable)


def test_an_unreachable_stripe_is_provider_unavailable():
    from tests.orders.payments.conftest import LocalStripe

    stopped = LocalStripe()
    stopped.stop()
    gateway = StripeGateway(SECRET_KEY, api_base=stopped.base, max_network_retries=0, timeout=2)
    try:
        with pytest.raises(ProviderUnavailable):
            gateway.create_intent(amount=1, currency="VND", metadata={}, idempotency_key="k")
    finally:
        gateway.close()
