"""Products and categories — /api/v1/products, /api/v1/shops/<shop>/products, /api/v1/categories.

    POST   /shops/<shop>/products    shop owner   add a product (with variants or a default one)
    GET    /shops/<shop>/products    shop owner   the shop's own products in any status
    GET    /products                 anyone       active products of active shops; filters, search
    GET    /products/<id>            anyone       a product (drafts: owner only)
    PATCH  /products/<id>            owner        edit, variants replaced as a set
    DELETE /products/<id>            owner        archive
    GET    /products/<id>/label.svg  owner, office  printable label: QR code of /t/<trace_code>,
                                                  name and shop (?format=png as PNG)
    GET    /categories               anyone       the category tree

Products are answered as ``product_views`` (what they show, loaded in a constant number of
queries per page) dumped by the ``@blp.response`` schemas. The public GETs are ``read_only``: no
transaction (a signed-in one has opened its transaction already, reading the caller's token).
"""

from __future__ import annotations

from flask import Response, current_app, render_template, request
from flask.views import MethodView

from marketplace.database import read_only
from marketplace.pagination import page_body
from marketplace.schemas.products import (
    CategoryTreeSchema,
    LabelArgs,
    ProductCreateSchema,
    ProductListArgs,
    ProductPageSchema,
    ProductSchema,
    ProductUpdateSchema,
    ShopProductListArgs,
)
from marketplace.services.catalog import categories, labels, search, shops
from marketplace.services.catalog import products as catalog
from marketplace.services.catalog.product_views import product_view, product_views
from marketplace.services.permissions import require_shop_worker
from marketplace.web.api import Blueprint, may_answer
from marketplace.web.authentication import api_user, require_user
from marketplace.web.request_rules import sign_in_first

blp = Blueprint("products", __name__, url_prefix="/api/v1", description="Products and categories")


@blp.route("/shops/<shop_ref>/products")
class ShopProducts(MethodView):
    @sign_in_first()
    @may_answer(403)
    @blp.arguments(ProductCreateSchema)
    @blp.response(201, ProductSchema)
    def post(self, data, shop_ref):
        """Add a product to the caller's shop."""
        user = require_user()
        shop = shops.shop_for(user, shop_ref)
        require_shop_worker(user, shop)
        return product_view(catalog.create_product(shop, **data))

    @sign_in_first()
    @may_answer(403)
    @blp.arguments(ShopProductListArgs, location="query")
    @blp.response(200, ProductPageSchema)
    def get(self, args, shop_ref):
        """The shop's own products in any status (its owner), newest first."""
        user = require_user()
        shop = shops.shop_for(user, shop_ref)
        require_shop_worker(user, shop)
        items, next_cursor = search.shop_products(
            shop, status=args["status"], limit=args["limit"], cursor=args["cursor"]
        )
        return page_body(product_views(items), next_cursor)


@blp.route("/products")
class Products(MethodView):
    @blp.arguments(ProductListArgs, location="query")
    @blp.response(200, ProductPageSchema)
    @read_only
    def get(self, args):
        """Active products of active shops: search, filters and sorts."""
        items, next_cursor = search.search_products(**args)
        return page_body(product_views(items), next_cursor)


@blp.route("/products/<product_id>")
class ProductDetail(MethodView):
    @blp.response(200, ProductSchema)
    @read_only
    def get(self, product_id):
        """A product (drafts, archived and suspended ones only to those who may see them)."""
        return product_view(catalog.product_for(api_user(), product_id))

    @sign_in_first()
    @may_answer(403)
    @blp.arguments(ProductUpdateSchema)
    @blp.response(200, ProductSchema)
    def patch(self, changes, product_id):
        """Edit a product; ``variants`` replaces the set (update by id, add, archive the rest)."""
        user = require_user()
        product = catalog.product_for(user, product_id)
        require_shop_worker(user, product.shop)
        return product_view(catalog.update_product(product, changes))

    @sign_in_first()
    @may_answer(403)
    @blp.response(204)
    def delete(self, product_id):
        """Archive a product: hidden from lists, kept for past orders."""
        user = require_user()
        product = catalog.product_for(user, product_id)
        require_shop_worker(user, product.shop)
        catalog.archive_product(product)


LABEL_DOC = {
    "responses": {
        200: {
            "content": {
                "image/svg+xml": {"schema": {"type": "string"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}},
            }
        }
    }
}


@blp.route("/products/<product_id>/label.svg")
class ProductLabel(MethodView):
    @sign_in_first()
    @may_answer(403)
    @blp.arguments(LabelArgs, location="query")
    @blp.response(
        200,
        description="An 80 × 40 mm label: SVG, or PNG with ``?format=png``",
        content_type="image/svg+xml",
    )
    @blp.doc(**LABEL_DOC)
    def get(self, args, product_id):
        """A printable label (owner, officer): the QR code of ``PUBLIC_BASE_URL/t/{trace_code}``,
        the product's name and shop."""
        label = labels.label_for(require_user(), product_id, _public_base_url())
        if args["format"] == "png":
            return _label_response(labels.png(label), "image/png", label.trace_code, "png")
        body = render_template("labels/product.svg", label=label)
        return _label_response(body, "image/svg+xml", label.trace_code, "svg")


def _public_base_url() -> str:
    """Where the printed QR codes point: PUBLIC_BASE_URL, or the address this request came to."""
    return current_app.config.get("PUBLIC_BASE_URL") or request.host_url


def _label_response(body, mimetype: str, code: str, extension: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'inline; filename="nhan-{code}.{extension}"'
    # The label names a product its owner may rename: never kept by a shared cache.
    response.headers["Cache-Control"] = "private, no-cache"
    # An SVG opened on its own is a document: this one needs nothing but itself.
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


@blp.route("/categories")
class Categories(MethodView):
    @blp.response(200, CategoryTreeSchema)
    @read_only
    def get(self):
        """The category tree (the six OCOP product groups and their sub-categories)."""
        return {"items": categories.tree()}
