"""Stripe behind our PaymentGateway: the only module that imports ``stripe``.

Uses the official library's StripeClient; ``api_base`` points it at another Stripe-compatible
address (tests use a local fake server). Amounts cross this boundary converted between the
marketplace's units and Stripe's (see ``to_stripe_amount``).
"""

from __future__ import annotations

import stripe

from marketplace.adapters.payments.base import (
    InvalidWebhook,
    PaymentGateway,
    PaymentIntent,
    PaymentProviderError,
    ProviderEvent,
    ProviderUnavailable,
    Refund,
)

# Stripe's zero-decimal currencies (https://docs.stripe.com/currencies#zero-decimal): the
# amount is in whole units, as the marketplace keeps it; never multiplied by 100.
ZERO_DECIMAL_CURRENCIES = frozenset(
    "BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split()
)
# Whole units for us (ISO 4217 gives the króna no minor unit) but two-decimal in Stripe's API,
# where the amount must be a multiple of 100 (Stripe's "special cases").
STRIPE_FACTORS = {"ISK": 100}
# Stripe accepts three-decimal amounts only when their last digit is 0.
THREE_DECIMAL_CURRENCIES = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})


def to_stripe_amount(amount: int, currency: str) -> int:
    """The marketplace amount (integer, currency's smallest unit) as Stripe's API expects it."""
    currency = currency.upper()
    if currency in ZERO_DECIMAL_CURRENCIES:
        return amount
    if currency in THREE_DECIMAL_CURRENCIES and amount % 10:
        raise PaymentProviderError(f"Stripe needs {currency} amounts that end in 0.")
    return amount * STRIPE_FACTORS.get(currency, 1)


def from_stripe_amount(amount: int, currency: str) -> int:
    """A Stripe amount back in the marketplace's units."""
    currency = currency.upper()
    if currency in ZERO_DECIMAL_CURRENCIES:
        return amount
    return amount // STRIPE_FACTORS.get(currency, 1)


def _provider_error(exc: stripe.StripeError) -> PaymentProviderError:
    # Network failures, rate limits, Stripe's own 5xx and a key it rejects are not the buyer's
    # doing: the caller answers 503 and may retry later.
    status = getattr(exc, "http_status", None) or 0
    unavailable = isinstance(
        exc,
        (
            stripe.APIConnectionError,
            stripe.RateLimitError,
            stripe.APIError,
            stripe.AuthenticationError,
            stripe.PermissionError,
        ),
    )
    message = getattr(exc, "user_message", None) or str(exc) or exc.__class__.__name__
    if unavailable or status >= 500:
        return ProviderUnavailable(message)
    return PaymentProviderError(message)


def verify_webhook(payload: bytes, signature: str | None, secret: str) -> ProviderEvent:
    """Check a delivery with the library's own verification and its default tolerance."""
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret)
    except stripe.SignatureVerificationError as exc:
        raise InvalidWebhook(str(exc)) from exc
    except (AttributeError, KeyError, TypeError, ValueError, RecursionError) as exc:
        # Signed yet not an event we can read (not JSON, a list, nested past the parser's
        # recursion limit, …): refused, never a 500.
        raise InvalidWebhook(f"malformed event: {exc!r}") from exc
    try:
        return _provider_event(event.to_dict())
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise InvalidWebhook(f"malformed event: {exc!r}") from exc


def _provider_event(data: dict) -> ProviderEvent:
    obj = (data.get("data") or {}).get("object") or {}
    kind = obj.get("object")
    currency = (obj.get("currency") or "").upper() or None
    base = {"id": data["id"], "type": data["type"], "currency": currency}
    if kind == "payment_intent":
        received = obj.get("amount_received")
        amount = received if received else obj.get("amount")
        error = obj.get("last_payment_error") or {}
        return ProviderEvent(
            **base,
            intent_id=obj.get("id"),
            amount=from_stripe_amount(amount, currency) if amount is not None else None,
            metadata=dict(obj.get("metadata") or {}),
            failure_message=error.get("message") or error.get("code"),
        )
    if kind == "charge":
        return ProviderEvent(
            **base,
            intent_id=obj.get("payment_intent"),
            amount=from_stripe_amount(obj.get("amount") or 0, currency),
            amount_refunded=from_stripe_amount(obj.get("amount_refunded") or 0, currency),
            fully_refunded=bool(obj.get("refunded")),
            metadata=dict(obj.get("metadata") or {}),
        )
    if kind == "refund":
        return ProviderEvent(
            **base,
            intent_id=obj.get("payment_intent"),
            amount=from_stripe_amount(obj.get("amount") or 0, currency),
            refund_id=obj.get("id"),
            refund_status=obj.get("status"),
            failure_message=obj.get("failure_reason"),
        )
    return ProviderEvent(**base)


class StripeGateway(PaymentGateway):
    def __init__(
        self,
        secret_key: str,
        *,
        webhook_secret: str | None = None,
        api_base: str | None = None,
        max_network_retries: int = 2,
        timeout: float = 20.0,
    ) -> None:
        base_addresses = (
            {"api": api_base, "files": api_base, "connect": api_base} if api_base else None
        )
        self._http = stripe.RequestsClient(timeout=timeout)
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses=base_addresses,
            max_network_retries=max_network_retries,
            http_client=self._http,
        )
        self._webhook_secret = webhook_secret

    def close(self) -> None:
        self._http.close()

    def _intent(self, obj) -> PaymentIntent:
        data = obj.to_dict()
        return PaymentIntent(
            id=data["id"],
            status=data["status"],
            amount=from_stripe_amount(data["amount"], data["currency"]),
            currency=data["currency"].upper(),
            client_secret=data.get("client_secret"),
            metadata=dict(data.get("metadata") or {}),
        )

    def create_intent(
        self, *, amount: int, currency: str, metadata: dict, idempotency_key: str
    ) -> PaymentIntent:
        params = {
            "amount": to_stripe_amount(amount, currency),
            "currency": currency.lower(),
            "metadata": metadata,
            "payment_method_types": ["card"],
        }
        try:
            intent = self._client.v1.payment_intents.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as exc:
            raise _provider_error(exc) from exc
        return self._intent(intent)

    def retrieve_intent(self, intent_id: str) -> PaymentIntent:
        try:
            return self._intent(self._client.v1.payment_intents.retrieve(intent_id))
        except stripe.StripeError as exc:
            raise _provider_error(exc) from exc

    def cancel_intent(self, intent_id: str, *, idempotency_key: str) -> PaymentIntent:
        try:
            intent = self._client.v1.payment_intents.cancel(
                intent_id, options={"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as exc:
            raise _provider_error(exc) from exc
        return self._intent(intent)

    def refund(self, *, intent_id: str, amount: int, currency: str, idempotency_key: str) -> Refund:
        # Always an explicit amount: without one Stripe refunds whatever is left of the
        # payment, which for a checkout of several shops is other orders' money.
        params = {"payment_intent": intent_id, "amount": to_stripe_amount(amount, currency)}
        try:
            refund = self._client.v1.refunds.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as exc:
            raise _provider_error(exc) from exc
        data = refund.to_dict()
        return Refund(
            id=data["id"],
            status=data.get("status") or "succeeded",
            amount=from_stripe_amount(data["amount"], currency),
        )

    def verify_event(self, payload: bytes, signature: str | None) -> ProviderEvent:
        if not self._webhook_secret:
            raise InvalidWebhook("No webhook secret is configured.")
        return verify_webhook(payload, signature, self._webhook_secret)
