"""Paying a card checkout on the pages: Stripe.js on this one page, nowhere else.

GET  /checkouts/<id>/pay     the amount, the orders, and Stripe's card field (its buyer only)

The checkout was placed by the checkout page (one PaymentIntent, as the API makes it); the
card is taken by Stripe.js in Stripe's own frame and confirmed with the intent's client secret,
so no card number reaches this server. The orders become ``placed`` when Stripe's webhook
reports the payment (services/orders/payment_events), as for the API's clients. This page's
CSP lets Stripe's script, frames and API in; every other page keeps the strict one. Offered
only when ``STRIPE_PUBLISHABLE_KEY`` is set besides the secret key.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, make_response, redirect, render_template, url_for
from flask_login import current_user

from marketplace.blueprints.pages.access import signed_in
from marketplace.services.orders import checkout as checkouts
from marketplace.services.orders import payments

STRIPE_API = "https://api.stripe.com"
STRIPE_FRAMES = "https://js.stripe.com https://hooks.stripe.com"


def cards_on_pages() -> bool:
    return payments.card_payments_enabled() and bool(
        current_app.config.get("STRIPE_PUBLISHABLE_KEY")
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def card_page_csp() -> str:
    """The pages' CSP, opened to Stripe.js, its frames and its API (or the configured ones)."""
    script = _origin(current_app.config["STRIPE_JS_URL"])
    api = _origin(current_app.config.get("STRIPE_API_BASE") or STRIPE_API)
    frames = STRIPE_FRAMES if script == "https://js.stripe.com" else script
    return (
        f"default-src 'self'; img-src 'self' data: https:; style-src 'self'; "
        f"script-src 'self' {script}; frame-src {frames}; connect-src 'self' {api} {script}; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )


@signed_in
def pay_page(checkout_id: str):
    checkout = checkouts.get_checkout(checkout_id, current_user._get_current_object())
    first = url_for("pages.order", order_id=checkout.orders[0].id)
    waiting = checkout.status == "pending_payment" and checkout.client_secret
    if checkout.payment_method != "stripe" or not waiting or not cards_on_pages():
        return redirect(first, 303)
    response = make_response(
        render_template(
            "pages/card_pay.html",
            checkout=checkout,
            publishable_key=current_app.config["STRIPE_PUBLISHABLE_KEY"],
            stripe_js=current_app.config["STRIPE_JS_URL"],
            done=url_for("pages.order", order_id=checkout.orders[0].id, placed=1),
        )
    )
    response.headers["Content-Security-Policy"] = card_page_csp()
    # The client secret is in the page: never kept by a shared cache.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def register(web) -> None:
    web.add_url_rule("/checkouts/<checkout_id>/pay", "card_pay", pay_page)
