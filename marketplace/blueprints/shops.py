"""Shops — /api/v1/shops.

POST  /shops               artisan     open a shop
GET   /shops               anyone      active shops (?commune=&q=)
GET   /shops/<ref>         anyone      a shop by id or slug (suspended: owner and staff only)
PATCH /shops/<ref>         owner       edit
"""

from __future__ import annotations

from flask.views import MethodView

from marketplace.models import Role
from marketplace.pagination import page_body
from marketplace.schemas.shops import (
    ShopCreateSchema,
    ShopListArgs,
    ShopPageSchema,
    ShopSchema,
    ShopUpdateSchema,
)
from marketplace.services.catalog import shops
from marketplace.services.permissions import require_shop_owner
from marketplace.web.api import Blueprint, may_answer
from marketplace.web.authentication import api_user, require_role, require_user
from marketplace.web.request_rules import sign_in_first

blp = Blueprint("shops", __name__, url_prefix="/api/v1", description="Artisans' shops")


@blp.route("/shops")
class Shops(MethodView):
    @sign_in_first(Role.ARTISAN)
    @blp.arguments(ShopCreateSchema)
    @blp.response(201, ShopSchema)
    def post(self, data):
        """Open a shop owned by the caller (artisans)."""
        owner = require_role(Role.ARTISAN)
        return shops.create_shop(owner, **data)

    @blp.arguments(ShopListArgs, location="query")
    @blp.response(200, ShopPageSchema)
    def get(self, args):
        """Active shops, by name; ``q`` ignores case and diacritics."""
        items, next_cursor = shops.list_shops(
            commune=args["commune"], q=args["q"], limit=args["limit"], cursor=args["cursor"]
        )
        return page_body(items, next_cursor)


@blp.route("/shops/<ref>")
class ShopDetail(MethodView):
    @blp.response(200, ShopSchema)
    def get(self, ref):
        """A shop by id or slug."""
        return shops.shop_for(api_user(), ref)

    @sign_in_first()
    @may_answer(403)
    @blp.arguments(ShopUpdateSchema)
    @blp.response(200, ShopSchema)
    def patch(self, changes, ref):
        """Edit a shop (its owner); the slug stays when the name changes."""
        user = require_user()
        shop = shops.shop_for(user, ref)
        require_shop_owner(user, shop)
        return shops.update_shop(shop, changes)
