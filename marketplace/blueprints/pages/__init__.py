"""The storefront: small server-rendered pages for phones on patchy 4G.

GET       /                         live and upcoming livestreams, search (?q=), newest products
GET       /products/<product_id>    a product: gallery, variants, OCOP badge, its shop
GET       /shops/<slug or id>       a shop: story, village, products, upcoming livestreams
GET       /livestreams/<id>         a livestream: platform link, featured products and codes
GET       /collections/<slug>       a collection curated by the trade office
GET       /search                   search with filters (category, commune, OCOP stars, price, sort)
GET       /categories/<slug>        a category's products and its sub-categories
GET       /t/<trace_code>           where a product comes from: the page its label's QR code opens
GET POST  /signin                   sign in with email or phone and password (session cookie)
GET POST  /signout                  sign out (GET asks, POST does it)
GET POST  /cart, /cart/items…       the cart (pages/cart.py)
GET POST  /checkout                 the checkout form (pages/checkout.py)
GET       /checkouts/<id>/pay       pay a card checkout with Stripe.js (pages/card.py)
GET POST  /orders…                  my orders, cancel, received (pages/orders.py)
GET POST  /register                 a buyer's account: name, phone or e-mail, password
GET POST  /password-reset           step 1 of a new password: a code sent to the phone or e-mail
POST      /password-reset/confirm   step 2: the code and the new password
POST      /shops/<slug>/follow      follow a shop (and /unfollow)
GET       /notifications            mine, newest first; POST /notifications/read marks all read

No scripts and no inline styles (the pages' CSP forbids both); one stylesheet, fingerprinted.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from flask import Blueprint, current_app, request, url_for
from flask_babel import get_locale
from markupsafe import Markup

from marketplace.adapters.storage.base import IMMUTABLE_CACHE_CONTROL
from marketplace.blueprints.pages import (
    account,
    browse,
    card,
    cart,
    checkout,
    compression,
    find,
    following,
    orders,
    session,
)
from marketplace.blueprints.pages.forms import has_session
from marketplace.blueprints.pages.present import FILTERS
from marketplace.i18n import PAGE_DEFAULT

# Each language named in itself, so that a reader of the other one still finds theirs.
PAGE_LANGUAGES = (("vi", "Tiếng Việt"), ("en", "English"))

web = Blueprint("pages", __name__)

web.add_url_rule("/", "home", browse.home)
web.add_url_rule("/products/<product_id>", "product", browse.product)
web.add_url_rule("/shops/<ref>", "shop", browse.shop)
web.add_url_rule("/livestreams/<livestream_id>", "livestream", browse.livestream)
web.add_url_rule("/collections/<ref>", "collection", browse.collection)
web.add_url_rule("/search", "search", find.search)
web.add_url_rule("/categories/<slug>", "category", find.category)
web.add_url_rule("/t/<trace_code>", "trace", browse.trace)
web.add_url_rule("/signin", "signin", session.signin, methods=["GET", "POST"])
web.add_url_rule("/signout", "signout", session.signout, methods=["GET", "POST"])
for _area in (cart, checkout, card, orders):
    _area.register(web)
web.add_url_rule("/register", "register", account.register, methods=["GET", "POST"])
web.add_url_rule(
    "/password-reset", "password_reset", account.password_reset, methods=["GET", "POST"]
)
web.add_url_rule(
    "/password-reset/confirm",
    "password_reset_confirm",
    account.password_reset_confirm,
    methods=["POST"],
)
web.add_url_rule("/shops/<slug>/follow", "follow", following.follow, methods=["POST"])
web.add_url_rule("/shops/<slug>/unfollow", "unfollow", following.unfollow, methods=["POST"])
web.add_url_rule("/notifications", "notifications", following.notifications)
web.add_url_rule("/notifications/read", "read_notifications", following.read_all, methods=["POST"])


@web.record_once
def _register_filters(state) -> None:
    state.app.jinja_env.filters.update(FILTERS)
    # Globals rather than context: macros imported by any template can use them too.
    state.app.jinja_env.globals.update(asset_url=asset_url, icon=icon)


@cache
def _fingerprint(filename: str) -> str:
    path = Path(current_app.static_folder) / filename
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def asset_url(filename: str) -> str:
    """A static file's URL carrying its content hash, so it can be cached for good."""
    return url_for("static", filename=filename, v=_fingerprint(filename))


def icon(name: str) -> Markup:
    """An icon of static/icons.svg, drawn in the text's colour; always put words beside it."""
    return Markup(
        '<svg class="icon" aria-hidden="true" focusable="false" width="24" height="24">'
        '<use href="{}#{}"></use></svg>'
    ).format(asset_url("icons.svg"), name)


web.app_context_processor(following.header_context)
# Registered first, so it runs last: after every header of the answer is set.
web.after_app_request(compression.gzip_response)


@web.app_context_processor
def _language_helpers() -> dict:
    def language_url(code: str) -> str:
        """This page in another language (the choice is then remembered)."""
        args = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
        return f"{request.path}?{urlencode([*args, ('lang', code)])}"

    return {
        "visitor_has_session": has_session(),
        "page_language": str(get_locale() or PAGE_DEFAULT),
        "page_languages": PAGE_LANGUAGES,
        "language_url": language_url,
    }


@web.after_app_request
def _cache_fingerprinted_assets(response):
    # A phone on 4G should fetch the stylesheet once: its URL changes whenever it does.
    if request.endpoint == "static" and response.status_code == 200:
        filename = (request.view_args or {}).get("filename", "")
        version = request.args.get("v")
        if version and filename and version == _fingerprint(filename):
            response.headers["Cache-Control"] = IMMUTABLE_CACHE_CONTROL
    return response
