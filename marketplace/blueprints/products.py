"""Products and categories — /api/v1/products, /api/v1/shops/<shop>/products, /api/v1/categories.

    POST   /shops/<shop>/products    shop owner   add a product (with variants or a default one)
    GET    /shops/<shop>/products    shop owner   the shop's own products in any status
    GET    /products                 anyone       active products of active shops; filters, search
    GET    /products/<id>            anyone       a product (drafts: owner only)
    PATCH  /products/<id>            owner        edit, variants replaced as a set
    DELETE /products/<id>            owner        archive
    GET    /categories               anyone       the category tree

Products are rendered by ``dump_products`` (a constant number of queries per page); the
``@blp.response`` schemas document the shape. The public GETs are ``read_only``: no
transaction (a signed-in one has opened its transaction already, reading the caller's token).
"""

from __future__ import annotations

from flask.views import MethodView

from marketplace.database import read_only
from marketplace.schemas.products import (
    CategoryTreeSchema,
    ProductCreateSchema,
    ProductListArgs,
    ProductPageSchema,
    ProductSchema,
    ProductUpdateSchema,
    ShopProductListArgs,
    product_page_response,
    product_response,
)
from marketplace.services.catalog import categories, search, shops
from marketplace.services.catalog import products as catalog
from marketplace.services.permissions import require_shop_owner
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
        require_shop_owner(user, shop)
        return product_response(catalog.create_product(shop, **data), 201)

    @sign_in_first()
    @may_answer(403)
    @blp.arguments(ShopProductListArgs, location="query")
    @blp.response(200, ProductPageSchema)
    def get(self, args, shop_ref):
        """The shop's own products in any status (its owner), newest first."""
        user = require_user()
        shop = shops.shop_for(user, shop_ref)
        require_shop_owner(user, shop)
        items, next_cursor = search.shop_products(
            shop, status=args["status"], limit=args["limit"], cursor=args["cursor"]
        )
        return product_page_response(items, next_cursor)


@blp.route("/products")
class Products(MethodView):
    @blp.arguments(ProductListArgs, location="query")
    @blp.response(200, ProductPageSchema)
    @read_only
    def get(self, args):
        """Active products of active shops: search, filters and sorts."""
        items, next_cursor = search.search_products(**args)
        return product_page_response(items, next_cursor)


@blp.route("/products/<product_id>")
class ProductDetail(MethodView):
    @blp.response(200, ProductSchema)
    @read_only
    def get(self, product_id):
        """A product (drafts, archived and suspended ones only to those who may see them)."""
        return product_response(catalog.product_for(api_user(), product_id))

    @sign_in_first()
    @may_answer(403)
    @blp.arguments(ProductUpdateSchema)
    @blp.response(200, ProductSchema)
    def patch(self, changes, product_id):
        """Edit a product; ``variants`` replaces the set (update by id, add, archive the rest)."""
        user = require_user()
        product = catalog.product_for(user, product_id)
        require_shop_owner(user, product.shop)
        return product_response(catalog.update_product(product, changes))

    @sign_in_first()
    @may_answer(403)
    @blp.response(204)
    def delete(self, product_id):
        """Archive a product: hidden from lists, kept for past orders."""
        user = require_user()
        product = catalog.product_for(user, product_id)
        require_shop_owner(user, product.shop)
        catalog.archive_product(product)


@blp.route("/categories")
class Categories(MethodView):
    @blp.response(200, CategoryTreeSchema)
    @read_only
    def get(self):
        """The category tree (the six OCOP product groups and their sub-categories)."""
        return {"items": categories.tree()}
