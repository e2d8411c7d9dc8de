"""Pages to browse the market: home and search, products, shops, livestreams, collections,
and the traceability page a label's QR code opens.

Each view parses its query, makes one service call (the services apply every visibility rule:
what the API answers 404 for is a 404 page here) and renders; products are shown as the API
shows them: ``product_views`` (a constant number of queries a page) dumped by ProductSchema.
"""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from marketplace.errors import ValidationFailed
from marketplace.models import User
from marketplace.schemas.products import ProductSchema
from marketplace.services.catalog import categories, storefront
from marketplace.services.catalog import products as catalog
from marketplace.services.catalog import trace as traceability
from marketplace.services.catalog.product_views import product_view, product_views
from marketplace.services.livestreams import sessions as livestreams
from marketplace.services.livestreams.featured import livestream_view
from marketplace.services.notifications import follows
from marketplace.services.trade_office import curation

PRODUCTS = ProductSchema()


class ListArgs(Schema):
    cursor = fields.String(load_default=None, validate=validate.Length(max=2000))


class HomeArgs(ListArgs):
    q = fields.String(load_default=None, validate=validate.Length(max=200))


def _args(schema: Schema) -> dict:
    try:
        # Unknown parameters (utm_source from a shared link…) are ignored.
        return schema.load(request.args.to_dict(), unknown=EXCLUDE)
    except ValidationError as exc:
        raise ValidationFailed(details=exc.messages_dict) from exc


def _cards(products: list) -> list[dict]:
    return PRODUCTS.dump(product_views(products), many=True)


def viewer() -> User | None:
    """The signed-in user (owners see their drafts, officers suspended products), or None."""
    if current_user.is_authenticated:
        return current_user._get_current_object()
    return None


def home():
    args = _args(HomeArgs())
    if args["q"] and args["q"].strip():
        # Links shared before the search page existed (``/?q=``) land on it.
        return redirect(url_for("pages.search", q=args["q"]))
    page = storefront.home_page(q=None, cursor=args["cursor"])
    return render_template(
        "pages/home.html",
        page=page,
        cards=_cards(page.products),
        categories=categories.tree() if not args["cursor"] else [],
    )


def product(product_id: str):
    item = catalog.product_for(viewer(), product_id)
    shown = PRODUCTS.dump(product_view(item))
    return render_template("pages/product.html", product=shown, shop=item.shop)


def shop(ref: str):
    args = _args(ListArgs())
    page = storefront.shop_page(viewer(), ref, cursor=args["cursor"])
    return render_template(
        "pages/shop.html",
        page=page,
        cards=_cards(page.products),
        following=follows.is_following(viewer(), page.shop),
    )


def livestream(livestream_id: str):
    view = livestream_view(livestreams.get_livestream(viewer(), livestream_id))
    return render_template(
        "pages/livestream.html",
        live=view.livestream,
        featured=view.products,
        pinned=view.pinned_product_id,
    )


def collection(ref: str):
    view = curation.view_collection(ref)
    cards = PRODUCTS.dump(view.products, many=True)
    return render_template("pages/collection.html", collection=view.collection, cards=cards)


def trace(trace_code: str):
    found = traceability.lookup(trace_code)
    if trace_code != found.product.trace_code:
        # Typed from a label (lower case, a dash): one address per product to share.
        return redirect(url_for("pages.trace", trace_code=found.product.trace_code), 301)
    return render_template(
        "pages/trace.html",
        product=PRODUCTS.dump(product_view(found.product)),
        shop=found.shop,
        certificate=found.certificate,
        code=traceability.grouped(found.product.trace_code),
        listed_at=found.product.created_at,
    )
