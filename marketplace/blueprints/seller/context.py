"""Which shop the seller centre is working on, and who may work on it.

An artisan works on a shop they own (``?shop=<id>`` or the one chosen last, else their first);
an officer under an assisted-listing grant works on the granted shop the same way (the grant
rule lives in services/permissions, so the API and these pages agree).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import g, redirect, request, session, url_for
from flask_login import current_user

from marketplace.extensions import db
from marketplace.models import Shop, User

CHOSEN_SHOP = "seller_shop"


def shops_of(user: User) -> list[Shop]:
    """The shops this user may run from the seller centre, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Shop).where(Shop.owner_id == user.id).order_by(Shop.created_at, Shop.id)
        )
    )


def current_shop() -> Shop | None:
    """The shop this request works on, or None when the user has none yet."""
    if "seller_shop" in g:
        return g.seller_shop
    shops = shops_of(current_user)
    # The query only: reading a form here would read its body, even on the page that says
    # the body was too large.
    wanted = request.args.get("shop") or session.get(CHOSEN_SHOP)
    shop = next((shop for shop in shops if shop.id == wanted), shops[0] if shops else None)
    if shop is not None and session.get(CHOSEN_SHOP) != shop.id:
        session[CHOSEN_SHOP] = shop.id
    g.seller_shop = shop
    return shop


def shop_or_set_up():
    """(shop, None), or (None, a redirect to the shop set-up) for an artisan without a shop."""
    shop = current_shop()
    if shop is None:
        return None, redirect(url_for("seller.shop"))
    return shop, None
