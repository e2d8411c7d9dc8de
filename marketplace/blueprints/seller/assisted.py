"""Assisted listing seen from the seller centre: who is helping the shop and until when, and
the owner's button that ends it (``POST /seller/assistance/end``)."""

from __future__ import annotations

from flask import flash, redirect, request
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.blueprints.seller.context import current_shop, for_shop_workers
from marketplace.services.trade_office import assistance


def grant_of_current_shop():
    """The open grant of the shop being worked on, for the banner of every seller page."""
    if not current_user.is_authenticated:
        return None
    shop = current_shop()
    return assistance.open_grant_of(shop.id) if shop is not None else None


def end():
    """POST /seller/assistance/end: the owner (or the officer) ends the shop's grant now."""
    shop = current_shop()
    if shop is None:
        return redirect("/seller", code=303)
    assistance.end_grant(current_user._get_current_object(), shop.id)
    flash(_("The trade office no longer acts for your shop."), "ok")
    back = request.form.get("next") or "/seller"
    return redirect(back if back.startswith("/") and not back.startswith("//") else "/seller", 303)


def register(web) -> None:
    web.add_url_rule("/assistance/end", "assistance_end", for_shop_workers(end), methods=["POST"])

    # App-wide, and only a function: a page pays for the lookup when it shows the banner.
    @web.app_context_processor
    def _assistance_banner() -> dict:
        return {"assistance_grant": grant_of_current_shop}
