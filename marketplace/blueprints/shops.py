"""Shops — /api/v1/shops.

POST  /shops               artisan     open a shop
GET   /shops               anyone      active shops (?commune=&q=)
GET   /shops/<ref>         anyone      a shop by id or slug (suspended: owner and staff only)
PATCH /shops/<ref>         owner       edit

The owner and the trade office also see the shop's bank account; nobody else ever does.
"""

from __future__ import annotations

from flask import Response, jsonify
from flask.views import MethodView

from marketplace.models import Role, Shop, User
from marketplace.pagination import page_body
from marketplace.schemas.shops import (
    OwnShopSchema,
    ShopCreateSchema,
    ShopListArgs,
    ShopPageSchema,
    ShopSchema,
    ShopUpdateSchema,
)
from marketplace.services.catalog import shops
from marketplace.services.permissions import is_staff, owns, require_shop_owner
from marketplace.web.api import Blueprint, may_answer
from marketplace.web.authentication import api_user, require_role, require_user
from marketplace.web.request_rules import sign_in_first

blp = Blueprint("shops", __name__, url_prefix="/api/v1", description="Artisans' shops")
_PUBLIC, _OWN = ShopSchema(), OwnShopSchema()


def shop_answer(shop: Shop, viewer: User | None, status: int = 200) -> Response:
    """The shop as ``viewer`` may see it: with its bank account for its owner and the office."""
    schema = _OWN if owns(viewer, shop) or is_staff(viewer) else _PUBLIC
    response = jsonify(schema.dump(shop))
    response.status_code = status
    return response


@blp.route("/shops")
class Shops(MethodView):
    @sign_in_first(Role.ARTISAN)
    @blp.arguments(ShopCreateSchema)
    @blp.response(201, OwnShopSchema)
    def post(self, data):
        """Open a shop owned by the caller (artisans)."""
        owner = require_role(Role.ARTISAN)
        return shop_answer(shops.create_shop(owner, **data), owner, 201)

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
    @blp.response(200, OwnShopSchema)
    def get(self, ref):
        """A shop by id or slug (`bank_account` only for its owner and the trade office)."""
        viewer = api_user()
        return shop_answer(shops.shop_for(viewer, ref), viewer)

    @sign_in_first()
    @may_answer(403)
    @blp.arguments(ShopUpdateSchema)
    @blp.response(200, OwnShopSchema)
    def patch(self, changes, ref):
        """Edit a shop (its owner); the slug stays when the name changes. `bank_account`: an
        object sets the account buyers transfer to, null removes it."""
        user = require_user()
        shop = shops.shop_for(user, ref)
        require_shop_owner(user, shop)
        return shop_answer(shops.update_shop(shop, changes), user)
