"""Who may see and change shops and products: the whole matrix in one place.

Assisted listing (API.md v1.1): an officer holding an open grant for a shop may create and edit
its products and livestreams as its owner could. ``require_shop_worker`` is that rule; when it
lets an officer through by a grant it marks the database session (``ASSISTING``), and
services/trade_office/assistance audits every change to the shop's products and livestreams made
in that transaction and tells the owner.
"""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.errors import Forbidden
from marketplace.extensions import db
from marketplace.messages import N_
from marketplace.models import AssistanceGrant, Product, Role, Shop, User
from marketplace.models.base import utcnow

# db.session.info key: {shop_id: (officer_id, grant_id)} acted on by grant in this transaction.
ASSISTING = "assisting_shops"


def is_staff(user: User | None) -> bool:
    """Officers and admins: the trade office."""
    return user is not None and user.role in (Role.OFFICER, Role.ADMIN)


def owns(user: User | None, shop: Shop) -> bool:
    return user is not None and user.id == shop.owner_id


def open_grant_clause(now=None) -> sa.ColumnElement[bool]:
    """Grants open now: started, not ended, not expired."""
    now = now or utcnow()
    return sa.and_(
        AssistanceGrant.ended_at.is_(None),
        AssistanceGrant.starts_at <= now,
        AssistanceGrant.expires_at > now,
    )


def assistance_grant(user: User | None, shop: Shop) -> AssistanceGrant | None:
    """The open grant under which this officer may act for the shop's owner, if any."""
    if not is_staff(user) or owns(user, shop):
        return None
    return db.session.scalar(
        sa.select(AssistanceGrant)
        .where(
            AssistanceGrant.shop_id == shop.id,
            AssistanceGrant.officer_id == user.id,
            open_grant_clause(),
        )
        .limit(1)
    )


def assists(user: User | None, shop: Shop) -> bool:
    return assistance_grant(user, shop) is not None


def may_run_shop(user: User | None, shop: Shop) -> bool:
    """The owner, or an officer with an open grant: may work on its products and livestreams."""
    return owns(user, shop) or assists(user, shop)


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
    if not is_staff(user):
        return False
    return product.status in ("active", "suspended") or assists(user, shop)


def require_shop_owner(user: User, shop: Shop) -> None:
    """Only a shop's owner changes it or its products (403 for anyone else)."""
    if not owns(user, shop):
        raise Forbidden(N_("Only the shop's owner may do this."), code="not_shop_owner")


def require_shop_owner_or_staff(user: User, shop: Shop) -> None:
    """A shop's owner or the trade office (403 for anyone else): e.g. its products' labels."""
    if not (owns(user, shop) or is_staff(user)):
        raise Forbidden(
            N_("Only the shop's owner or the trade office may do this."), code="not_shop_owner"
        )


def require_shop_worker(user: User, shop: Shop) -> None:
    """The shop's owner, or an officer with an open assistance grant for it (403 for anyone
    else): creating and editing the shop's products and livestreams. A change made by grant is
    audited and its owner told (services/trade_office/assistance)."""
    if owns(user, shop):
        return
    grant = assistance_grant(user, shop)
    if grant is None:
        raise Forbidden(N_("Only the shop's owner may do this."), code="not_shop_owner")
    db.session.info.setdefault(ASSISTING, {})[shop.id] = (user.id, grant.id)


def image_owners(shop: Shop) -> list[str]:
    """Whose uploads may show in the shop's galleries: its owner's, and those of an officer
    acting for the owner by grant in this transaction."""
    helper = db.session.info.get(ASSISTING, {}).get(shop.id)
    return [shop.owner_id] if helper is None else [shop.owner_id, helper[0]]
