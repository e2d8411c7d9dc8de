"""The seller centre, ``/seller``: an artisan runs the shop from a phone (PAGES.md).

Server-rendered pages on the same services as the API; the routes are registered by the
modules of this package (``centre`` for the shop, products, orders and OCOP; ``live`` for
livestreams and the live console).
"""

from __future__ import annotations

from flask import Blueprint

from marketplace.blueprints.seller import centre, live

web = Blueprint("seller", __name__, url_prefix="/seller")

centre.register(web)
live.register(web)
