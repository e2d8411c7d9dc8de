"""Moderation by the trade office: suspend and reinstate shops and products, verify sellers.

A suspended shop keeps its products' own statuses: the catalog hides every product of a shop that
is not active, so reinstating the shop brings them all back as they were. A suspended product
remembers its status before suspension and gets it back when reinstated. Each move is one guarded
UPDATE (so two officers cannot interleave) and is written to the audit trail in its transaction.
"""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.errors import Conflict, NotFound
from marketplace.extensions import db
from marketplace.messages import N_
from marketplace.models import Product, Shop, User
from marketplace.models.base import utcnow
from marketplace.services.catalog import shops
from marketplace.services.trade_office import audit


def find_shop(ref: str) -> Shop:
    """A shop by id or slug, whatever its status; 404 when there is none."""
    shop = shops.find_shop(ref)
    if shop is None:
        raise NotFound(N_("No such shop."), code="shop_not_found")
    return shop


def find_product(product_id: str) -> Product:
    product = db.session.get(Product, product_id)
    if product is None:
        raise NotFound(N_("No such product."))
    return product


def _guarded_update(model, target, condition, refusal: Conflict, **values) -> None:
    moved = db.session.execute(
        sa.update(model)
        .where(model.id == target.id, condition)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise refusal
    db.session.refresh(target)


def suspend_shop(officer: User, shop_ref: str, reason: str) -> Shop:
    """The shop and all its products leave public view and sale; the owner sees the reason."""
    shop = find_shop(shop_ref)
    _guarded_update(
        Shop,
        shop,
        Shop.status == "active",
        Conflict(N_("The shop is already suspended."), code="already_suspended"),
        status="suspended",
        suspension_reason=reason,
    )
    audit.record(officer, "shop.suspend", "shop", shop.id, reason=reason)
    db.session.commit()
    return shop


def reinstate_shop(officer: User, shop_ref: str, reason: str | None = None) -> Shop:
    """The shop and its products are back as they were before the suspension."""
    shop = find_shop(shop_ref)
    _guarded_update(
        Shop,
        shop,
        Shop.status == "suspended",
        Conflict(N_("The shop is not suspended."), code="not_suspended"),
        status="active",
        suspension_reason=None,
    )
    audit.record(officer, "shop.reinstate", "shop", shop.id, reason=reason)
    db.session.commit()
    return shop


def verify_shop(officer: User, shop_ref: str, reason: str | None = None) -> Shop:
    """The office has checked the seller: the shop shows ``verified``; again is a no-op."""
    shop = find_shop(shop_ref)
    if shop.verified_at is not None:
        return shop
    shop.verified_at = utcnow()
    audit.record(officer, "shop.verify", "shop", shop.id, reason=reason)
    db.session.commit()
    return shop


def suspend_product(officer: User, product_id: str, reason: str) -> Product:
    """The product leaves public view and sale, remembering the status it had."""
    product = find_product(product_id)
    previous = product.status
    _guarded_update(
        Product,
        product,
        Product.status != "suspended",
        Conflict(N_("The product is already suspended."), code="already_suspended"),
        status="suspended",
        status_before_suspension=Product.status,
        suspension_reason=reason,
    )
    audit.record(
        officer,
        "product.suspend",
        "product",
        product.id,
        reason=reason,
        details={"previous_status": previous},
    )
    db.session.commit()
    return product


def reinstate_product(officer: User, product_id: str, reason: str | None = None) -> Product:
    """The product gets back the status it had before it was suspended."""
    product = find_product(product_id)
    _guarded_update(
        Product,
        product,
        Product.status == "suspended",
        Conflict(N_("The product is not suspended."), code="not_suspended"),
        status=sa.func.coalesce(Product.status_before_suspension, "draft"),
        status_before_suspension=None,
        suspension_reason=None,
    )
    audit.record(
        officer,
        "product.reinstate",
        "product",
        product.id,
        reason=reason,
        details={"restored_status": product.status},
    )
    db.session.commit()
    return product
