"""Links in notifications: paths of the site, made absolute with PUBLIC_BASE_URL."""

from __future__ import annotations

from flask import current_app, has_request_context, request

# Where `make run` serves the site: the address messages carry when PUBLIC_BASE_URL is unset.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


def message_base_url() -> str:
    """The address printed in text messages and e-mails.

    Never taken from a request: a Host header is the caller's to choose, and a message goes to
    someone else (a checkout with a forged Host must not put a stranger's site in the seller's
    text message).
    """
    return current_app.config.get("PUBLIC_BASE_URL") or DEVELOPMENT_BASE_URL


def absolute(path: str | None, *, for_message: bool = False) -> str | None:
    """``path`` under PUBLIC_BASE_URL; in an API answer without it, under the request's host."""
    if not path:
        return None
    base = current_app.config.get("PUBLIC_BASE_URL")
    if not base:
        if for_message or not has_request_context():
            base = message_base_url()
        else:
            base = request.host_url
    return base.rstrip("/") + path


def order_for_buyer(order_id: str) -> str:
    return f"/orders/{order_id}"


def order_for_seller(order_id: str) -> str:
    return f"/seller/orders#order-{order_id}"


def livestream(livestream_id: str) -> str:
    return f"/livestreams/{livestream_id}"


def seller_ocop() -> str:
    return "/seller/ocop"
