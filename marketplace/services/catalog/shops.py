"""Shops: opening and editing them, finding them, and the public directory."""

from __future__ import annotations

import re
import secrets

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.messages import N_
from marketplace.models import Product, Shop, User
from marketplace.pagination import SortKey, keyset_page
from marketplace.services import places
from marketplace.services.catalog.products import search_text
from marketplace.services.media import uploads as media
from marketplace.services.orders.bank_accounts import set_bank_account
from marketplace.services.permissions import can_see_shop
from marketplace.services.text import fold, slugify

SLUG_MAX = 120
NAME_SEARCH_MAX = 120
_LOOKS_LIKE_AN_ID = re.compile(r"[0-9a-f]{32}")
# Fields a shop's owner may set; name and places get special care below.
EDITABLE = (
    "name",
    "description",
    "story",
    "province",
    "province_code",
    "commune",
    "commune_code",
    "village",
    "ethnic_group",
    "phone",
    "facebook_url",
    "zalo_phone",
    "shipping_fee",
    "local_shipping_fee",
    "free_shipping_over",
    "international_shipping_fee",
)


def find_shop(ref: str) -> Shop | None:
    """The shop with this id or slug."""
    return db.session.scalar(
        sa.select(Shop)
        .where(sa.or_(Shop.id == ref, Shop.slug == ref))
        .order_by((Shop.id == ref).desc())
        .limit(1)
    )


def shop_for(user: User | None, ref: str) -> Shop:
    """The shop with this id or slug if ``user`` may see it; 404 otherwise."""
    shop = find_shop(ref)
    if shop is None or not can_see_shop(user, shop):
        raise NotFound(N_("No such shop."), code="shop_not_found")
    return shop


def _slug_base(name: str) -> str:
    base = slugify(name, max_length=SLUG_MAX - 8) or "shop"
    # Shops are found by id or slug: a slug must never look like an id.
    if _LOOKS_LIKE_AN_ID.fullmatch(base):
        base = f"{base[: SLUG_MAX - 13]}-shop"
    return base


def _free_slug(name: str) -> str:
    """``tho-cam-co-cham``, or ``tho-cam-co-cham-2`` … when that is taken."""
    base = _slug_base(name)
    taken = set(
        db.session.scalars(
            sa.select(Shop.slug).where(sa.or_(Shop.slug == base, Shop.slug.like(f"{base}-%")))
        )
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _tidy(changes: dict, shop: Shop | None = None) -> dict:
    tidy = dict(changes)
    for name in ("name", "village", "ethnic_group"):
        if isinstance(tidy.get(name), str):
            tidy[name] = " ".join(tidy[name].split())
    if shop is None or "province" in tidy or "commune" in tidy:
        tidy.update(_place(tidy, shop))
    return tidy


def _place(changes: dict, shop: Shop | None) -> dict:
    """The official province and commune of a new or edited shop: the commune (given, or the
    shop's own) must be one of the province's (given, the shop's own, or the marketplace's).
    422 ``unknown_province`` or ``unknown_commune``."""
    province = changes.get("province")
    if province is None:
        province = shop.province_code if shop else current_app.config["MARKETPLACE_PROVINCE"]
    commune = changes.get("commune")
    if commune is None and shop is not None:
        commune = shop.commune_code or shop.commune
    province_place, commune_place = places.resolve(province, commune)
    return {
        "province": province_place.name,
        "province_code": province_place.code,
        "commune": commune_place.name,
        "commune_code": commune_place.code,
    }


def create_shop(owner: User, **fields) -> Shop:
    """A shop owned by ``owner`` with a unique slug made from its name (kept for good), in a
    known commune, with the bank account its buyers may transfer to when given; without a
    ``shipping_fee`` it delivers in Vietnam at DEFAULT_SHIPPING_FEE."""
    fields = _tidy(fields)
    fields.setdefault("shipping_fee", current_app.config["DEFAULT_SHIPPING_FEE"])
    images = media.shop_images(owner.id, fields)
    for attempt in range(3):
        shop = Shop(owner_id=owner.id, **{k: v for k, v in fields.items() if k in EDITABLE})
        if fields.get("bank_account") is not None:
            set_bank_account(shop, fields["bank_account"])
        shop.logo_id, shop.cover_id = images.get("logo_id"), images.get("cover_id")
        shop.name_search = fold(shop.name)[:NAME_SEARCH_MAX]
        shop.slug = _free_slug(shop.name)
        if attempt:  # a concurrent shop took the same slug: step aside with a random tail
            shop.slug = f"{shop.slug[: SLUG_MAX - 7]}-{secrets.token_hex(3)}"
        db.session.add(shop)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            continue
        return shop
    raise RuntimeError("could not find a free slug")  # pragma: no cover


def update_shop(shop: Shop, changes: dict) -> Shop:
    """Apply an owner's edit; a new name is searchable at once, the slug stays; a new province
    or commune must name a commune of that province."""
    changes = _tidy(changes, shop)
    if "bank_account" in changes:
        set_bank_account(shop, changes["bank_account"])
    renamed = "name" in changes and changes["name"] != shop.name
    for name, value in changes.items():
        if name in EDITABLE:
            setattr(shop, name, value)
    for name, media_id in media.shop_images(shop.owner_id, changes).items():
        setattr(shop, name, media_id)
    if renamed:
        shop.name_search = fold(shop.name)[:NAME_SEARCH_MAX]
        _reindex_products(shop)
    db.session.commit()
    return shop


def _reindex_products(shop: Shop) -> None:
    """Products are found by their shop's name too: refresh their search text."""
    rows = db.session.execute(
        sa.select(Product.id, Product.title, Product.description).where(Product.shop_id == shop.id)
    ).all()
    if rows:
        db.session.execute(
            sa.update(Product),
            [
                {"id": row.id, "text_search": search_text(row.title, row.description, shop.name)}
                for row in rows
            ],
        )


def list_shops(
    *, commune: str | None, q: str | None, limit: int, cursor: str | None
) -> tuple[list[Shop], str | None]:
    """Active shops by name, optionally in one commune or matching ``q`` (diacritics ignored)."""
    stmt = (
        sa.select(Shop)
        .where(Shop.status == "active")
        .options(selectinload(Shop.logo), selectinload(Shop.cover))
    )
    if commune:
        stmt = stmt.where(Shop.commune_code.in_(places.commune_codes(commune)))
    folded = fold(q)
    if folded:
        stmt = stmt.where(Shop.name_search.contains(folded, autoescape=True))
    keys = [SortKey(Shop.name_search), SortKey(Shop.id)]
    return keyset_page(
        db.session,
        stmt,
        keys,
        scope="shops",
        limit=limit,
        cursor=cursor,
        key_values=lambda shop: (shop.name_search, shop.id),
    )
