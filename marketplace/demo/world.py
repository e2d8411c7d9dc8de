"""The demo world (Vân Hồ district, Sơn La), loaded idempotently: a second run adds nothing.

The world is built by a list of steps, each ``step(world: DemoWorld) -> None``. A step finds
what an earlier run made (by a natural key: an email, a shop's owner and name, a product's
shop and title) before making anything, and records what it made in ``world.added``. The
steps are listed in ``demo.load.STEPS``; ``world`` gives later steps the people, shops and
products by the keys of ``catalogue_data``.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa

from marketplace.demo.catalogue_data import ACCOUNTS, PRODUCTS, SHOPS
from marketplace.extensions import db
from marketplace.models import Product, Shop, User
from marketplace.services import accounts
from marketplace.services.catalog import products as catalog
from marketplace.services.catalog import shops


@dataclass
class DemoWorld:
    users: dict[str, User] = field(default_factory=dict)
    shops: dict[str, Shop] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    # What this run added, by kind ("users", "shops", "products", …).
    added: Counter = field(default_factory=Counter)
    # (role, name, login, password) of the accounts made by this run: shown once.
    passwords: list[tuple[str, str, str, str]] = field(default_factory=list)


def load_accounts(world: DemoWorld) -> None:
    """An officer, demo buyers and one artisan per shop, each with a fresh random password."""
    for key, role, name, email, phone in ACCOUNTS:
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            password = secrets.token_urlsafe(9)
            user = accounts.create_user(
                name=name, password=password, role=role, email=email, phone=phone
            )
            world.added["users"] += 1
            world.passwords.append((role, name, email, password))
        world.users[key] = user


def load_shops(world: DemoWorld) -> None:
    for key, owner_key, fields in SHOPS:
        owner = world.users[owner_key]
        shop = db.session.scalar(
            sa.select(Shop).where(Shop.owner_id == owner.id, Shop.name == fields["name"])
        )
        if shop is None:
            shop = shops.create_shop(owner, **fields)
            world.added["shops"] += 1
        world.shops[key] = shop


def load_products(world: DemoWorld) -> None:
    for shop_key, specs in PRODUCTS.items():
        shop = world.shops[shop_key]
        existing = {
            product.title: product
            for product in db.session.scalars(sa.select(Product).where(Product.shop_id == shop.id))
        }
        for spec in specs:
            fields = {name: value for name, value in spec.items() if name != "key"}
            product = existing.get(fields["title"])
            if product is None:
                product = catalog.create_product(shop, **fields)
                world.added["products"] += 1
            world.products[spec["key"]] = product
