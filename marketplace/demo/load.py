"""The order in which the demo world is made; ``load_world`` runs every step."""

from __future__ import annotations

from collections.abc import Callable

from marketplace.demo import history, images, trade, world
from marketplace.demo.world import DemoWorld

STEPS: list[Callable[[DemoWorld], None]] = [
    world.load_accounts,
    world.load_shops,
    world.load_products,
    # The trade around the catalog: certificates, the Postmart collection, livestreams, then
    # orders (some taken while a session is live) before the session meant to be over is ended.
    trade.load_ocop_certificates,
    trade.load_collections,
    trade.load_livestreams,
    trade.load_orders,
    trade.end_livestreams,
    # After the trade: accounts, shops and products dated before the trade they took part in.
    history.date_the_world,
    # Then pictures: product galleries, shop logos and covers, uploaded today like a seller's,
    # so the products and shops they go to show today's update.
    images.load_images,
]


def load_world() -> DemoWorld:
    """Make whatever part of the demo world is missing; the same world after every run."""
    made = DemoWorld()
    for step in STEPS:
        step(made)
    return made
