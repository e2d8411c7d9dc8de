"""What the rest of the code may ask of a payment provider, and what it gets back.

Callers see these dataclasses and our own exceptions; never a Stripe object or error. Amounts
are always the marketplace's: integers in the currency's smallest unit.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field


class PaymentProviderError(Exception):
    """The provider answered but refused (a declined card, an invalid request)."""


class ProviderUnavailable(PaymentProviderError):
    """The provider could not be reached or failed on its side: try again later."""


class InvalidWebhook(Exception):
    """A webhook delivery whose signature is missing, wrong or stale, or whose body is not JSON."""


@dataclass(frozen=True)
class PaymentIntent:
    id: str
    status: str
    amount: int
    currency: str
    client_secret: str | None = None
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Refund:
    id: str
    status: str
    amount: int


@dataclass(frozen=True)
class ProviderEvent:
    """A verified webhook event, with what the payment service needs from its object.

    ``amount`` is what the customer paid (payment intents) or the charge's amount (charges);
    ``amount_refunded`` is the running total refunded on a charge; ``failure_message`` why a
    payment or a refund failed.
    """

    id: str
    type: str
    intent_id: str | None = None
    amount: int | None = None
    currency: str | None = None
    metadata: dict = field(default_factory=dict)
    failure_message: str | None = None
    amount_refunded: int | None = None
    fully_refunded: bool = False
    # Refund events: which refund, and where it stands (``succeeded``, ``pending``, ``failed``…).
    refund_id: str | None = None
    refund_status: str | None = None


class PaymentGateway(ABC):
    """Card payments for one checkout at a time."""

    @abstractmethod
    def create_intent(
        self, *, amount: int, currency: str, metadata: dict, idempotency_key: str
    ) -> PaymentIntent:
        """A PaymentIntent for ``amount``; the same key never makes a second one."""

    @abstractmethod
    def retrieve_intent(self, intent_id: str) -> PaymentIntent: ...

    @abstractmethod
    def cancel_intent(self, intent_id: str, *, idempotency_key: str) -> PaymentIntent: ...

    @abstractmethod
    def refund(self, *, intent_id: str, amount: int, currency: str, idempotency_key: str) -> Refund:
        """Refund exactly ``amount`` of the intent's payment (always explicit)."""

    @abstractmethod
    def verify_event(self, payload: bytes, signature: str | None) -> ProviderEvent:
        """The event a webhook delivered, once its signature is checked; InvalidWebhook if not."""
