"""HTTP only: parse and validate → load and authorize → one service call → serialize.

Each module exposes ``blp`` (a flask-smorest Blueprint, part of the OpenAPI document)
and may expose ``web`` (a plain Flask blueprint for routes outside the API).
"""

from __future__ import annotations

import importlib

from flask import Flask

from marketplace.extensions import api, csrf

MODULES = (
    "health",
    "metrics",
    "docs",
    "auth",
    "places",
    "shops",
    "products",
    "media",
    "checkout",
    "orders",
    "payments",
    "livestreams",
    "trade_office",
    "notifications",
    "pages",
    "seller",
    "office",
)


def register_blueprints(app: Flask) -> None:
    for name in MODULES:
        module = importlib.import_module(f"marketplace.blueprints.{name}")
        blp = getattr(module, "blp", None)
        if blp is not None:
            # Bearer-token API calls are not exposed to cross-site form posts.
            csrf.exempt(blp)
            api.register_blueprint(blp)
        web = getattr(module, "web", None)
        if web is not None:
            app.register_blueprint(web)
