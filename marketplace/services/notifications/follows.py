"""Shops a user follows: they are told when those shops' livestreams start."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.messages import N_
from marketplace.models import Shop, ShopFollow, User
from marketplace.pagination import SortKey, keyset_page
from marketplace.services.catalog.shops import find_shop, shop_for
from marketplace.services.permissions import can_see_shop

_KEYS = [SortKey(ShopFollow.created_at, descending=True), SortKey(Shop.id, descending=True)]


def follow(user: User, shop_ref: str) -> None:
    """Follow a shop the user may see (404 otherwise); following it again changes nothing."""
    shop = shop_for(user, shop_ref)
    exists = db.session.get(ShopFollow, (user.id, shop.id))
    if exists is not None:
        db.session.rollback()
        return
    db.session.add(ShopFollow(user_id=user.id, shop_id=shop.id))
    try:
        db.session.commit()
    except IntegrityError:  # the same follow from a concurrent request: done either way
        db.session.rollback()


def unfollow(user: User, shop_ref: str) -> None:
    """Stop following a shop; 404 only for a shop the user neither follows nor may see."""
    shop = find_shop(shop_ref)
    if shop is None:
        raise NotFound(N_("No such shop."), code="shop_not_found")
    removed = db.session.execute(
        sa.delete(ShopFollow).where(ShopFollow.user_id == user.id, ShopFollow.shop_id == shop.id)
    ).rowcount
    if not removed and not can_see_shop(user, shop):
        db.session.rollback()
        raise NotFound(N_("No such shop."), code="shop_not_found")
    db.session.commit()


def is_following(user: User | None, shop: Shop) -> bool:
    """Whether ``user`` (None: an anonymous visitor) follows ``shop``."""
    if user is None:
        return False
    return db.session.get(ShopFollow, (user.id, shop.id)) is not None


def followed_shops(
    user: User, *, limit: int, cursor: str | None = None
) -> tuple[list[Shop], str | None]:
    """The shops the user follows that they may see, most recently followed first."""
    stmt = (
        sa.select(Shop, ShopFollow.created_at)
        .join(ShopFollow, ShopFollow.shop_id == Shop.id)
        .where(
            ShopFollow.user_id == user.id,
            sa.or_(Shop.status == "active", Shop.owner_id == user.id),
        )
        .options(selectinload(Shop.logo), selectinload(Shop.cover))
    )
    rows, next_cursor = keyset_page(
        db.session,
        stmt,
        _KEYS,
        scope=f"follows:{user.id}",
        limit=limit,
        cursor=cursor,
        key_values=lambda row: (row[1], row[0].id),
        scalars=False,
    )
    return [row[0] for row in rows], next_cursor
