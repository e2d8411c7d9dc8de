"""A real local Stripe-compatible server (localstripe) and webhook deliveries signed as Stripe
signs them."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
import stripe

LAUNCHER = Path(__file__).with_name("launch_localstripe.py")
SECRET_KEY = "sk_test_chophien"
WEBHOOK_SECRET = "whsec_chophien_test"
WEBHOOK_PATH = "/api/v1/payments/stripe/webhook"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalStripe:
    """One localstripe process on loopback, stopped by whoever started it (by process id)."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, str(LAUNCHER), str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("localstripe did not start") from None
                time.sleep(0.05)

    def reset(self) -> None:
        with requests.delete(f"{self.base}/_config/data", timeout=10) as response:
            response.raise_for_status()

    def deliver_webhooks_to(self, url: str, events: list[str] | None = None) -> None:
        """Have localstripe sign and post its events to ``url`` (an empty list: none at all;
        its webhook settings survive a reset)."""
        body = {"url": url, "secret": WEBHOOK_SECRET, "events": events}
        with requests.post(f"{self.base}/_config/webhooks/chophien", json=body, timeout=10) as r:
            r.raise_for_status()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def localstripe_server():
    server = LocalStripe()
    yield server
    server.stop()


def sign(payload: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The Stripe-Signature header Stripe would send with ``payload``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class StripeWorld:
    """What the tests do on Stripe's side: pay as the buyer's app would, and deliver events."""

    def __init__(self, server: LocalStripe) -> None:
        self.server = server
        self.client = stripe.StripeClient(
            SECRET_KEY,
            base_addresses={"api": server.base, "files": server.base, "connect": server.base},
            max_network_retries=0,
        )

    def intent(self, intent_id: str) -> dict:
        return self.client.v1.payment_intents.retrieve(intent_id).to_dict()

    def pay(self, intent_id: str, card: str = "pm_card_visa") -> dict:
        """Confirm the intent with a test card, as Stripe's SDK in the buyer's app does."""
        self.client.v1.payment_intents.update(intent_id, params={"payment_method": card})
        try:
            self.client.v1.payment_intents.confirm(intent_id)
        except stripe.CardError:
            pass  # the decline is in the intent's last_payment_error
        return self.intent(intent_id)

    def refunds_of(self, intent_id: str) -> list[dict]:
        charge_id = self.intent(intent_id)["latest_charge"]
        if isinstance(charge_id, dict):
            charge_id = charge_id["id"]
        charge = self.client.v1.charges.retrieve(charge_id).to_dict()
        return charge["refunds"]["data"], charge

    @staticmethod
    def event(event_type: str, obj: dict, event_id: str | None = None) -> bytes:
        return json.dumps(
            {
                "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
                "object": "event",
                "type": event_type,
                "created": int(time.time()),
                "livemode": False,
                "data": {"object": obj},
            }
        ).encode()

    @staticmethod
    def deliver(client, payload: bytes, signature: str | None = "sign"):
        headers = {"Content-Type": "application/json"}
        if signature == "sign":
            signature = sign(payload)
        if signature is not None:
            headers["Stripe-Signature"] = signature
        return client.post(WEBHOOK_PATH, data=payload, headers=headers)


@pytest.fixture
def stripe_world(localstripe_server, app_config):
    """Card payments on, pointed at a freshly reset localstripe, for one test."""
    localstripe_server.reset()
    app_config(
        STRIPE_SECRET_KEY=SECRET_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=localstripe_server.base,
        STRIPE_MAX_NETWORK_RETRIES=0,
        STRIPE_TIMEOUT_SECONDS=10,
    )
    world = StripeWorld(localstripe_server)
    yield world
    world.client._requestor._client.close()


@pytest.fixture
def stopped_stripe(app_config):
    """Stripe down: a localstripe that was started and then stopped."""
    server = LocalStripe()
    server.stop()
    app_config(
        STRIPE_SECRET_KEY=SECRET_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=server.base,
        STRIPE_MAX_NETWORK_RETRIES=0,
        STRIPE_TIMEOUT_SECONDS=5,
    )
    return server
