"""Builders for the domain objects tests need, written straight to the database."""

from __future__ import annotations

import itertools
import secrets

from werkzeug.security import generate_password_hash

from marketplace.extensions import db
from marketplace.models import ApiToken, Product, ProductVariant, Shop, User
from marketplace.services.accounts import hash_token

PASSWORD = "correct horse battery"
_sequence = itertools.count(1)


def make_user(
    role: str = "buyer",
    *,
    email: str | None = None,
    phone: str | None = None,
    name: str | None = None,
    password: str = PASSWORD,
) -> User:
    n = next(_sequence)
    if email is None and phone is None:
        email = f"user{n}-{secrets.token_hex(3)}@example.test"
    user = User(
        name=name or f"User {n}",
        email=email,
        phone=phone,
        role=role,
        password_hash=generate_password_hash(password, method="pbkdf2:sha256:1000"),
    )
    db.session.add(user)
    db.session.commit()
    return user


def token_for(user: User) -> str:
    raw = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=hash_token(raw)))
    db.session.commit()
    return raw


def headers_for(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(user)}"}


class AuthHelper:
    def user(self, role: str = "buyer", **kwargs) -> tuple[User, dict[str, str]]:
        user = make_user(role, **kwargs)
        return user, headers_for(user)

    def headers(self, user: User) -> dict[str, str]:
        return headers_for(user)


def make_shop(owner: User | None = None, **kwargs) -> Shop:
    """A shop in a real 2025 commune (``commune`` and ``province``: a code or a name; by
    default Xã Vân Hồ, Sơn La), delivering in Vietnam for 30000 unless told otherwise."""
    from marketplace.services import places
    from marketplace.services.text import fold

    owner = owner or make_user("artisan")
    n = next(_sequence)
    name = kwargs.pop("name", f"Shop {n}")
    province, commune = places.resolve(
        kwargs.pop("province", "Sơn La"), kwargs.pop("commune", "Vân Hồ")
    )
    shop = Shop(
        owner_id=owner.id,
        name=name,
        name_search=fold(name),
        slug=kwargs.pop("slug", f"shop-{n}-{secrets.token_hex(3)}"),
        province=province.name,
        province_code=province.code,
        commune=commune.name,
        commune_code=commune.code,
        shipping_fee=kwargs.pop("shipping_fee", 30000),
        **kwargs,
    )
    db.session.add(shop)
    db.session.commit()
    return shop


def make_product(
    shop: Shop | None = None,
    *,
    price: int = 100000,
    stock: int = 10,
    variants: list[dict] | None = None,
    **kwargs,
) -> Product:
    """A product with one default variant, or with ``variants`` (dicts of options/price/stock)."""
    from marketplace.services.catalog.products import search_text
    from marketplace.services.text import fold

    shop = shop or make_shop()
    n = next(_sequence)
    title = kwargs.pop("title", f"Product {n}")
    description = kwargs.pop("description", None)
    variant_specs = variants or [
        {"options": {}, "price": price, "stock": stock, "sku": kwargs.pop("sku", None)}
    ]
    product = Product(
        shop_id=shop.id,
        title=title,
        description=description,
        title_search=fold(title),
        text_search=search_text(title, description, shop.name),
        price=min(v["price"] for v in variant_specs),
        status=kwargs.pop("status", "active"),
        **kwargs,
    )
    db.session.add(product)
    for position, spec in enumerate(variant_specs):
        db.session.add(
            ProductVariant(
                product=product,
                position=position,
                sku=spec.get("sku"),
                options=spec.get("options", {}),
                price=spec["price"],
                stock=spec["stock"],
            )
        )
    db.session.commit()
    return product


def make_livestream(
    shop: Shop | None = None,
    *,
    status: str = "scheduled",
    products: list[tuple[Product, int | None]] | None = None,
    **kwargs,
):
    """A livestream of ``shop`` featuring ``products`` ((product, live_price) pairs, coded A1…)."""
    from datetime import timedelta

    from marketplace.models import Livestream, LivestreamProduct
    from marketplace.models.base import utcnow

    shop = shop or make_shop()
    now = utcnow()
    start = kwargs.pop("scheduled_start", now + timedelta(days=1))
    livestream = Livestream(
        shop_id=shop.id,
        title=kwargs.pop("title", "Phiên live thổ cẩm"),
        platform=kwargs.pop("platform", "facebook"),
        url=kwargs.pop("url", "https://www.facebook.com/cophien/videos/1"),
        status=status,
        scheduled_start=start,
        scheduled_end=kwargs.pop("scheduled_end", start + timedelta(hours=2)),
        started_at=kwargs.pop("started_at", now if status in ("live", "ended") else None),
        ended_at=kwargs.pop("ended_at", now if status == "ended" else None),
        **kwargs,
    )
    db.session.add(livestream)
    for position, (product, live_price) in enumerate(products or [], start=1):
        livestream.featured.append(
            LivestreamProduct(
                product_id=product.id, code=f"A{position}", live_price=live_price, position=position
            )
        )
    db.session.commit()
    return livestream
