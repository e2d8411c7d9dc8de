"""What a channel is asked to send, and how it says it could not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to one address. ``key`` is the same for every attempt at this message
    (the outbox row's id): the SMS gateway gets it as ``Idempotency-Key``, the e-mail as its
    ``Message-ID``, so that a message sent again after a crash can be recognised."""

    key: str
    to: str
    text: str
    subject: str | None = None


class DeliveryError(Exception):
    """The message was not accepted. ``permanent``: sending it again will not help (an
    address the gateway or the mail server refuses); otherwise it is retried later."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Channel(Protocol):
    name: str

    def send(self, message: OutgoingMessage) -> None:
        """Return once the channel accepted the message; raise DeliveryError otherwise."""

    def close(self) -> None:
        """Let go of any open connection (the worker calls it when idle and when stopping)."""
