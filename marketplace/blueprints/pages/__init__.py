"""The storefront: small server-rendered pages for phones on patchy 4G.

GET       /                         live and upcoming livestreams, search (?q=), newest products
GET       /products/<product_id>    a product: gallery, variants, OCOP badge, its shop
GET       /shops/<slug or id>       a shop: story, village, products, upcoming livestreams
GET       /livestreams/<id>         a livestream: platform link, featured products and codes
GET       /collections/<slug>       a collection curated by the trade office
GET       /t/<trace_code>           where a product comes from: the page its label's QR code opens
GET POST  /signin                   sign in with email or phone and password (session cookie)
GET POST  /signout                  sign out (GET asks, POST does it)

No scripts and no inline styles (the pages' CSP forbids both); one stylesheet, fingerprinted.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Blueprint, current_app, request, url_for

from marketplace.adapters.storage.base import IMMUTABLE_CACHE_CONTROL
from marketplace.blueprints.pages import browse, session
from marketplace.blueprints.pages.present import FILTERS

web = Blueprint("pages", __name__)

web.add_url_rule("/", "home", browse.home)
web.add_url_rule("/products/<product_id>", "product", browse.product)
web.add_url_rule("/shops/<ref>", "shop", browse.shop)
web.add_url_rule("/livestreams/<livestream_id>", "livestream", browse.livestream)
web.add_url_rule("/collections/<ref>", "collection", browse.collection)
web.add_url_rule("/t/<trace_code>", "trace", browse.trace)
web.add_url_rule("/signin", "signin", session.signin, methods=["GET", "POST"])
web.add_url_rule("/signout", "signout", session.signout, methods=["GET", "POST"])


@web.record_once
def _register_filters(state) -> None:
    state.app.jinja_env.filters.update(FILTERS)


@cache
def _fingerprint(filename: str) -> str:
    path = Path(current_app.static_folder) / filename
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


@web.app_context_processor
def _asset_helpers() -> dict:
    def asset_url(filename: str) -> str:
        """A static file's URL carrying its content hash, so it can be cached for good."""
        return url_for("static", filename=filename, v=_fingerprint(filename))

    return {"asset_url": asset_url}


@web.after_app_request
def _cache_fingerprinted_assets(response):
    # A phone on 4G should fetch the stylesheet once: its URL changes whenever it does.
    if request.endpoint == "static" and response.status_code == 200:
        filename = (request.view_args or {}).get("filename", "")
        version = request.args.get("v")
        if version and filename and version == _fingerprint(filename):
            response.headers["Cache-Control"] = IMMUTABLE_CACHE_CONTROL
    return response
