"""Which shop the seller centre is working on, and who may work on it.

An artisan works on a shop they own (``?shop=<id>`` or the one chosen last, else their first);
an officer under an assisted-listing grant works on the granted shop the same way (the grant
rule lives in services/permissions, so the API and these pages agree).
"""

from __future__ import annotations

from functools import wraps

import sqlalchemy as sa
from flask import g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.blueprints.pages.access import for_roles, signed_in
from marketplace.errors import Forbidden
from marketplace.extensions import db
from marketplace.models import Role, Shop, User
from marketplace.services.permissions import is_staff, require_shop_worker
from marketplace.services.trade_office.assistance import granted_shop_ids

CHOSEN_SHOP = "seller_shop"


def shops_of(user: User) -> list[Shop]:
    """The shops this user may run from the seller centre, oldest first: their own, then
    (for an officer) those they hold an open assistance grant for."""
    granted = granted_shop_ids(user)
    condition = Shop.owner_id == user.id
    if granted:
        condition = sa.or_(condition, Shop.id.in_(granted))
    shops = list(
        db.session.scalars(sa.select(Shop).where(condition).order_by(Shop.created_at, Shop.id))
    )
    return sorted(shops, key=lambda shop: shop.owner_id != user.id)


def for_shop_workers(view):
    """The page is for artisans (and admins), and for officers while they hold an assistance
    grant; anyone else gets the 403 page saying why, anonymous visitors go to sign in."""

    @wraps(view)
    @signed_in
    def wrapper(*args, **kwargs):
        role = current_user.role
        if role in (Role.ARTISAN, Role.ADMIN):
            return view(*args, **kwargs)
        if is_staff(current_user) and granted_shop_ids(current_user):
            return view(*args, **kwargs)
        if is_staff(current_user):
            raise Forbidden(
                _(
                    "Officers work in the seller centre only for a shop that asked for help: "
                    "open an assistance grant in the trade office first."
                )
            )
        raise Forbidden(_("The seller centre is for artisans who sell on Chợ Phiên."))

    return wrapper


def current_shop() -> Shop | None:
    """The shop this request works on, or None when the user has none yet."""
    if "seller_shop" in g:
        shop = g.seller_shop
        if shop is not None and shop.owner_id != current_user.id:
            require_shop_worker(current_user, shop)  # marks the transaction again after a commit
        return shop
    shops = shops_of(current_user)
    # The query only: reading a form here would read its body, even on the page that says
    # the body was too large.
    wanted = request.args.get("shop") or session.get(CHOSEN_SHOP)
    shop = next((shop for shop in shops if shop.id == wanted), shops[0] if shops else None)
    if shop is not None and session.get(CHOSEN_SHOP) != shop.id:
        session[CHOSEN_SHOP] = shop.id
    if shop is not None and shop.owner_id != current_user.id:
        # An officer by grant: changes made in this request are audited and told to the owner.
        require_shop_worker(current_user, shop)
    g.seller_shop = shop
    return shop


def assisted_shop() -> Shop | None:
    """The shop being worked on when the user is not its owner (an officer by grant)."""
    shop = current_shop()
    if shop is not None and shop.owner_id != current_user.id:
        return shop
    return None


def shop_or_set_up():
    """(shop, None), or (None, a redirect to the shop set-up) for an artisan without a shop."""
    shop = current_shop()
    if shop is None:
        return None, redirect(url_for("seller.shop"))
    return shop, None


# Shop settings, orders and OCOP stay the owner's own: an assistance grant covers products and
# livestreams only.
owners_only = for_roles(
    "artisan", why="The seller centre is for artisans: sign in with an artisan's account."
)
