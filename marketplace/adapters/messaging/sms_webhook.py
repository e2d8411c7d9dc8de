"""Text messages through an SMS gateway over HTTP.

The gateway gets ``POST <SMS_WEBHOOK_URL>`` with the JSON ``{"to": "+84…", "text": "…"}`` and
``Authorization: Bearer <SMS_WEBHOOK_TOKEN>``; any 2xx means it took the message. The
message's key goes along as ``Idempotency-Key``, for a gateway that drops repeats.
"""

from __future__ import annotations

import requests

from marketplace.adapters.messaging.base import DeliveryError, OutgoingMessage

# Answers that say the request itself is wrong (an invalid number, a refused sender): sending
# it again changes nothing. Timeouts, throttling and the gateway's own failures are retried.
RETRYABLE_CLIENT_ERRORS = frozenset({408, 409, 425, 429})


class SmsWebhookChannel:
    name = "sms"

    def __init__(self, url: str, *, token: str | None = None, timeout: float = 15) -> None:
        self.url = url
        self.timeout = timeout
        # One session: the connection to the gateway is kept alive between messages. The
        # environment's proxy settings are read once, here, not for every message (requests
        # would look them up, and the .netrc file, on each: a third of a message's cost).
        self.session = requests.Session()
        self.session.proxies = requests.utils.get_environ_proxies(url)
        self.session.trust_env = False
        self.session.headers["User-Agent"] = "cho-phien-notifications"
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def send(self, message: OutgoingMessage) -> None:
        try:
            response = self.session.post(
                self.url,
                json={"to": message.to, "text": message.text},
                headers={"Idempotency-Key": message.key},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise DeliveryError(f"SMS gateway unreachable: {exc}") from exc
        if 200 <= response.status_code < 300:
            return
        permanent = (
            400 <= response.status_code < 500
            and response.status_code not in RETRYABLE_CLIENT_ERRORS
        )
        raise DeliveryError(
            f"SMS gateway answered {response.status_code}: {response.text[:300]}",
            permanent=permanent,
        )

    def close(self) -> None:
        self.session.close()
