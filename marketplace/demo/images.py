"""Demo step: a small gallery for every demo product, a logo and a cover for every demo shop.

The pictures come from ``artwork``. They are stored as an upload is
(``media.upload_image``: checked, re-encoded, with thumb and medium variants, in the configured
storage), owned by the shop's artisan, and attached by the services behind
``PATCH /api/v1/products/{id}`` (``image_ids``) and ``PATCH /api/v1/shops/{id}`` (``logo_id``,
``cover_id``). A product that has images and a shop that has its logo and cover are left alone:
a second load adds nothing.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from io import BytesIO

from PIL import Image

from marketplace.demo.artwork import (
    PALETTES,
    Palette,
    cover_picture,
    logo_picture,
    product_pictures,
)
from marketplace.demo.catalogue_data import PRODUCTS, SHOPS
from marketplace.demo.world import DemoWorld
from marketplace.models import User
from marketplace.schemas.products import ProductUpdateSchema
from marketplace.schemas.shops import ShopUpdateSchema
from marketplace.services.catalog import products as catalog
from marketplace.services.catalog import shops
from marketplace.services.media import uploads as media
from marketplace.services.text import fold

JPEG_QUALITY = 90


def _palettes() -> dict[tuple[str, str], Palette]:
    """Each (shop, category)'s palette: the second shop selling a category takes the next one."""
    sellers: dict[str, list[str]] = {}
    for shop_key, specs in PRODUCTS.items():
        for spec in specs:
            keys = sellers.setdefault(spec["category"], [])
            if shop_key not in keys:
                keys.append(shop_key)
    return {
        (shop_key, category): PALETTES[category][n % len(PALETTES[category])]
        for category, keys in sellers.items()
        for n, shop_key in enumerate(keys)
    }


def _initials(name: str) -> str:
    """``Thổ cẩm Cỏ Chàm`` → ``TC``: what the shop sells and where, without diacritics."""
    words = fold(name).split()
    return (words[0][0] + words[-1][0]).upper()


def _as_file(picture: Image.Image) -> bytes:
    """The picture as a phone would send it: JPEG, or PNG for a logo's transparent corners."""
    data = BytesIO()
    if picture.mode == "RGBA":
        picture.save(data, "PNG")
    else:
        picture.save(data, "JPEG", quality=JPEG_QUALITY)
    return data.getvalue()


def _upload(owner: User, file: bytes) -> str:
    """Stored as an upload is: the media service checks, re-encodes and makes the variants."""
    return media.upload_image(owner, BytesIO(file)).id


def load_images(world: DemoWorld) -> None:
    """Pictures for the products without images and the shops without a logo or a cover.

    The drawing is done on a second thread, ahead of the uploads: Pillow lets go of the GIL
    while it resizes and encodes, so the second core draws while the media service encodes.
    """
    palettes = _palettes()
    products = [
        (shop_key, spec, world.products[spec["key"]])
        for shop_key, specs in PRODUCTS.items()
        for spec in specs
        if not world.products[spec["key"]].gallery
    ]
    shops_wanting = [
        (shop_key, fields["name"], world.shops[shop_key])
        for shop_key, _, fields in SHOPS
        if world.shops[shop_key].logo_id is None or world.shops[shop_key].cover_id is None
    ]

    def draw_product(job) -> list[bytes]:
        shop_key, spec, _ = job
        palette = palettes[shop_key, spec["category"]]
        return [_as_file(p) for p in product_pictures(spec["key"], spec["category"], palette)]

    def draw_shop(job) -> tuple[bytes, bytes]:
        shop_key, name, _ = job
        theme = palettes[shop_key, PRODUCTS[shop_key][0]["category"]]
        logo = logo_picture(shop_key, theme, _initials(name))
        return _as_file(logo), _as_file(cover_picture(shop_key, theme))

    drawer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-images")
    try:
        product_files = drawer.map(draw_product, products)
        shop_files = drawer.map(draw_shop, shops_wanting)
        for (shop_key, _, product), files in zip(products, product_files, strict=True):
            owner = world.shops[shop_key].owner
            image_ids = [_upload(owner, file) for file in files]
            catalog.update_product(product, ProductUpdateSchema().load({"image_ids": image_ids}))
            world.added["images"] += len(image_ids)
        for (_, _, shop), (logo, cover) in zip(shops_wanting, shop_files, strict=True):
            changes = {}
            if shop.logo_id is None:
                changes["logo_id"] = _upload(shop.owner, logo)
            if shop.cover_id is None:
                changes["cover_id"] = _upload(shop.owner, cover)
            shops.update_shop(shop, ShopUpdateSchema().load(changes))
            world.added["images"] += len(changes)
    finally:
        drawer.shutdown(cancel_futures=True)
