"""Moderation in the console: shops and products with their status, and the forms that
suspend (with a reason the owner reads), reinstate and verify them."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from marketplace.blueprints.office.common import office_only, officer
from marketplace.blueprints.pages.forms import form_errors
from marketplace.errors import DomainError
from marketplace.schemas.trade_office import OfficeNoteSchema, SuspendSchema
from marketplace.services.trade_office import console, moderation
from marketplace.services.trade_office.assistance import open_grant_of

SHOP_MOVES = {
    "suspend": moderation.suspend_shop,
    "reinstate": moderation.reinstate_shop,
    "verify": moderation.verify_shop,
}
PRODUCT_MOVES = {
    "suspend": moderation.suspend_product,
    "reinstate": moderation.reinstate_product,
}


def _back(kind: str) -> str:
    """Where a move returns: the list it was made from (its filters kept)."""
    status = request.form.get("back_status") or None
    q = request.form.get("back_q") or None
    return url_for(f"office.{kind}", status=status, q=q)


def shops(*, errors=None, failed=None, values=None, code=200):
    """GET /office/shops?status=&q=."""
    status = request.values.get("back_status") or request.args.get("status") or None
    q = request.values.get("back_q") or request.args.get("q") or None
    rows = console.shops(status, q)
    grants = {row.shop.id: open_grant_of(row.shop.id) for row in rows}
    return render_template(
        "office/shops.html",
        rows=rows,
        grants=grants,
        status=status,
        q=q,
        errors=errors or {},
        failed=failed,
        values=values or {},
    ), code


def products(*, errors=None, failed=None, values=None, code=200):
    """GET /office/products?status=suspended&q=."""
    status = request.values.get("back_status") or request.args.get("status") or None
    q = request.values.get("back_q") or request.args.get("q") or None
    return render_template(
        "office/products.html",
        products=console.products(status, q),
        status=status,
        q=q,
        errors=errors or {},
        failed=failed,
        values=values or {},
    ), code


def _move(kind: str, moves: dict, target_id: str, move: str):
    if move not in moves:
        abort(404)
    reason = request.form.get("reason", "")
    schema = SuspendSchema() if move == "suspend" else OfficeNoteSchema()
    try:
        data = schema.load(
            {"reason": reason.strip() or None} if move != "suspend" else {"reason": reason}
        )
        target = moves[move](officer(), target_id, **data)
    except (ValidationError, DomainError) as error:
        if isinstance(error, DomainError) and error.status == 404:
            raise
        page = shops if kind == "shops" else products
        code = error.status if isinstance(error, DomainError) and error.status == 409 else 422
        return page(
            errors=form_errors(error, {"reason"}),
            failed=(target_id, move),
            values={"reason": reason},
            code=code,
        )
    name = target.name if kind == "shops" else target.title
    messages = {
        "suspend": _("Suspended: %(name)s. The owner sees the reason.", name=name),
        "reinstate": _("Reinstated: %(name)s.", name=name),
        "verify": _("Verified: %(name)s.", name=name),
    }
    flash(messages[move], "ok")
    return redirect(_back(kind), code=303)


def shop_move(shop_id: str, move: str):
    """POST /office/shops/<id>/{suspend,reinstate,verify}: field ``reason``."""
    return _move("shops", SHOP_MOVES, shop_id, move)


def product_move(product_id: str, move: str):
    """POST /office/products/<id>/{suspend,reinstate}: field ``reason``."""
    return _move("products", PRODUCT_MOVES, product_id, move)


def register(web) -> None:
    web.add_url_rule("/shops", "shops", office_only(shops))
    web.add_url_rule("/products", "products", office_only(products))
    web.add_url_rule(
        "/shops/<shop_id>/<any(suspend, reinstate, verify):move>",
        "shop_move",
        office_only(shop_move),
        methods=["POST"],
    )
    web.add_url_rule(
        "/products/<product_id>/<any(suspend, reinstate):move>",
        "product_move",
        office_only(product_move),
        methods=["POST"],
    )
