"""The demo world (Vân Hồ district, Sơn La), loaded idempotently: a second run adds nothing.

The world is built by a list of steps, each ``step(world: DemoWorld) -> None``. A step finds
what an earlier run made (by a natural key: an email, a shop's owner and name, a product's
shop and title) before making anything, and records what it made in ``world.added``. Other
areas add their own steps (livestreams, OCOP certificates, orders) by appending the dotted
path of their function to ``STEPS``; ``world`` gives them the people, shops and products by
the keys of ``demo_data``.
"""

from __future__ import annotations

import importlib
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Product, Shop, User
from marketplace.services import accounts, catalog, shops
from marketplace.services.demo_data import ACCOUNTS, PRODUCTS, SHOPS


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


# Dotted paths ("module:function"), run in order; imported lazily so that any area's
# module may be named here without import cycles.
STEPS: list[str] = [
    "marketplace.services.demo:load_accounts",
    "marketplace.services.demo:load_shops",
    "marketplace.services.demo:load_products",
    # The trade around the catalog (services/demo_extras): certificates, the Postmart
    # collection, livestreams, then orders (some taken while a session is live) before the
    # session meant to be over is ended.
    "marketplace.services.demo_extras:load_ocop_certificates",
    "marketplace.services.demo_extras:load_collections",
    "marketplace.services.demo_extras:load_livestreams",
    "marketplace.services.demo_extras:load_orders",
    "marketplace.services.demo_extras:end_livestreams",
    # After the trade: accounts, shops and products dated before the trade they took part in.
    "marketplace.services.demo_history:date_the_world",
    # Then pictures (services/demo_images): product galleries, shop logos and covers, uploaded
    # today like a seller's, so the products and shops they go to show today's update.
    "marketplace.services.demo_images:load_images",
]


def _resolve(path: str) -> Callable[[DemoWorld], None]:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def load_world() -> DemoWorld:
    """Make whatever part of the demo world is missing; the same world after every run."""
    world = DemoWorld()
    for path in STEPS:
        _resolve(path)(world)
    return world
