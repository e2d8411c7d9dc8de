"""Pages to browse the market: home and search, products, shops, livestreams, collections,
and the traceability page a label's QR code opens.

Each view parses its query, makes one service call (the services apply every visibility rule:
what the API answers 404 for is a 404 page here) and renders; products are rendered from the
API's own ``dump_products``, which loads a page of them in a constant number of queries.
"""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from marketplace.errors import ValidationFailed
from marketplace.models import User
from marketplace.schemas.products import dump_product, dump_products
from marketplace.services.catalog import products as catalog
from marketplace.services.catalog import storefront
from marketplace.services.catalog import trace as traceability
from marketplace.services.livestreams import sessions as livestreams
from marketplace.services.trade_office import curation


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


def viewer() -> User | None:
    """The signed-in user (owners see their drafts, officers suspended products), or None."""
    if current_user.is_authenticated:
        return current_user._get_current_object()
    return None


def home():
    args = _args(HomeArgs())
    page = storefront.home_page(q=args["q"], cursor=args["cursor"])
    return render_template("pages/home.html", page=page, cards=dump_products(page.products))


def product(product_id: str):
    item = catalog.product_for(viewer(), product_id)
    return render_template("pages/product.html", product=dump_product(item), shop=item.shop)


def shop(ref: str):
    args = _args(ListArgs())
    page = storefront.shop_page(viewer(), ref, cursor=args["cursor"])
    return render_template("pages/shop.html", page=page, cards=dump_products(page.products))


def livestream(livestream_id: str):
    session = livestreams.get_livestream(viewer(), livestream_id)
    return render_template("pages/livestream.html", live=session)


def collection(ref: str):
    view = curation.view_collection(ref)
    return render_template(
        "pages/collection.html", collection=view.collection, cards=dump_products(view.products)
    )


def trace(trace_code: str):
    found = traceability.lookup(trace_code)
    if trace_code != found.product.trace_code:
        # Typed from a label (lower case, a dash): one address per product to share.
        return redirect(url_for("pages.trace", trace_code=found.product.trace_code), 301)
    return render_template(
        "pages/trace.html",
        product=dump_product(found.product),
        shop=found.shop,
        certificate=found.certificate,
        code=traceability.grouped(found.product.trace_code),
        listed_at=found.product.created_at,
    )
