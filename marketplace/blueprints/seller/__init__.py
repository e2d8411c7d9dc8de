"""The seller centre, ``/seller``: an artisan runs the shop from a phone (PAGES.md).

Server-rendered pages on the same services as the API; the routes are registered by the
modules of this package (``centre`` for the shop, products, orders and OCOP; ``live`` for
livestreams and the live console).
"""

from __future__ import annotations

from flask import Blueprint, current_app

from marketplace.blueprints.seller import assisted, centre, live
from marketplace.blueprints.seller.context import current_shop

web = Blueprint("seller", __name__, url_prefix="/seller")

centre.register(web)
live.register(web)
assisted.register(web)


@web.context_processor
def _seller_helpers() -> dict:
    endpoints = {rule.endpoint for rule in current_app.url_map.iter_rules()}
    return {"seller_endpoints": endpoints, "seller_shop": current_shop()}
