"""Builders the notification tests share: people with phones, a shop with a product."""

from __future__ import annotations

import itertools

from marketplace.extensions import db
from marketplace.models import User
from tests.factories import make_product, make_shop, make_user

_numbers = itertools.count(1)


def phone_number() -> str:
    """A fresh, valid Vietnamese mobile number in E.164 (Vinaphone's 091 range)."""
    return f"+8491{next(_numbers) + 3000000:07d}"


def artisan_with_phone(**kwargs) -> User:
    return make_user("artisan", phone=phone_number(), **kwargs)


def buyer_with_phone(**kwargs) -> User:
    return make_user("buyer", phone=phone_number(), **kwargs)


def shop_with_product(owner: User | None = None, *, stock: int = 10, price: int = 120000):
    owner = owner or artisan_with_phone()
    shop = make_shop(owner, name="Thổ cẩm Cỏ Chàm")
    product = make_product(shop, title="Khăn piêu", price=price, stock=stock)
    return owner, shop, product


def set_locale(user: User, locale: str) -> None:
    user.locale = locale
    db.session.commit()
