"""Who may see and change shops and products: the whole matrix in one place."""

from __future__ import annotations

from marketplace.errors import Forbidden
from marketplace.models import Product, Role, Shop, User


def is_staff(user: User | None) -> bool:
    """Officers and admins: the trade office."""
    return user is not None and user.role in (Role.OFFICER, Role.ADMIN)


def owns(user: User | None, shop: Shop) -> bool:
    return user is not None and user.id == shop.owner_id


def can_see_shop(user: User | None, shop: Shop) -> bool:
    """Active shops are public; a suspended one only to its owner and the trade office."""
    return shop.status == "active" or owns(user, shop) or is_staff(user)


def can_see_product(user: User | None, product: Product) -> bool:
    """Active products of active shops are public; the owner sees all of theirs; the trade
    office also sees suspended ones (drafts and archived products stay the owner's own)."""
    shop = product.shop
    if owns(user, shop):
        return True
    if product.status == "active" and shop.status == "active":
        return True
    return is_staff(user) and product.status in ("active", "suspended")


def require_shop_owner(user: User, shop: Shop) -> None:
    """Only a shop's owner changes it or its products (403 for anyone else)."""
    if not owns(user, shop):
        raise Forbidden("Only the shop's owner may do this.", code="not_shop_owner")


def require_shop_owner_or_staff(user: User, shop: Shop) -> None:
    """A shop's owner or the trade office (403 for anyone else): e.g. its products' labels."""
    if not (owns(user, shop) or is_staff(user)):
        raise Forbidden(
            "Only the shop's owner or the trade office may do this.", code="not_shop_owner"
        )
