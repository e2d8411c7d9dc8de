"""flask demo load draws pictures: a gallery for every product, a logo and a cover for every
shop, stored and served as uploads are, kept by ``media gc``, and made once however often the
demo loads."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from urllib.parse import urlsplit

import sqlalchemy as sa
from PIL import Image

from marketplace.demo import artwork as demo_artwork
from marketplace.demo.catalogue_data import PRODUCTS, SHOPS
from marketplace.extensions import db
from marketplace.models import Media, Product, ProductImage, Shop
from marketplace.services.media import gc as media_gc
from marketplace.services.media import uploads as media
from tests.factories import media_files

DEMO_PRODUCT_TITLES = {spec["title"] for specs in PRODUCTS.values() for spec in specs}
DEMO_SHOP_NAMES = {fields["name"] for _, _, fields in SHOPS}


def load_demo(app) -> str:
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return result.output


def stored_files(image: Media) -> list[str]:
    """The keys of the image and of its variants that the storage really holds."""
    storage = media.media_storage()
    keys = [image.key, *image.variant_keys.values()]
    return [key for key in keys if storage.head(key) is not None]


def fetch(client, url: str) -> bytes:
    """GET a media URL through the app (the local storage serves ``/media/<key>``)."""
    response = client.get(urlsplit(url).path)
    try:
        assert response.status_code == 200, url
        assert response.mimetype.startswith("image/"), url
        return response.get_data()
    finally:
        response.close()


def media_counts() -> tuple[int, int, int]:
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(Media)),
        db.session.scalar(sa.select(sa.func.count()).select_from(ProductImage)),
        db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Media.size), 0))),
    )


def test_every_demo_product_and_shop_has_pictures_stored_and_served(app, client):
    output = load_demo(app)
    products = db.session.scalars(
        sa.select(Product).where(Product.title.in_(DEMO_PRODUCT_TITLES))
    ).all()
    assert len(products) == len(DEMO_PRODUCT_TITLES)
    added = 0
    for product in products:
        assert 1 <= len(product.gallery) <= 2, product.title
        for place in product.gallery:
            image = place.media
            assert image.status == "ready" and image.kind == "image", product.title
            # Owned by the shop's artisan, as if they had uploaded it.
            assert image.owner_id == product.shop.owner_id
            assert set(image.variant_keys) == {"thumb", "medium"}
            assert len(stored_files(image)) == 3, product.title
            added += 1
    assert any(product.status == "active" for product in products)

    shops = db.session.scalars(sa.select(Shop).where(Shop.name.in_(DEMO_SHOP_NAMES))).all()
    assert len(shops) == len(SHOPS)
    for shop in shops:
        assert shop.logo is not None and shop.cover is not None, shop.name
        for image in (shop.logo, shop.cover):
            assert image.status == "ready" and image.owner_id == shop.owner_id
            assert len(stored_files(image)) == 3, shop.name
        assert shop.cover.width > 2 * shop.cover.height  # a wide band above the shop's name
        assert shop.logo.width == shop.logo.height
        added += 2
    assert f"{added} images" in output

    # What buyers see: the API's images, their files, and the storefront's <img>.
    listed = client.get("/api/v1/products?limit=100").get_json()["items"]
    assert listed and all(item["images"] for item in listed)
    seen_categories = set()
    for item in listed:
        if item["category"]["slug"] in seen_categories:
            continue
        seen_categories.add(item["category"]["slug"])
        answer = client.get(f"/api/v1/products/{item['id']}").get_json()
        for image in answer["images"]:
            picture = Image.open(BytesIO(fetch(client, image["url"])))
            assert picture.size == (image["width"], image["height"])
            for url in image["variants"].values():
                fetch(client, url)
        page = client.get(f"/products/{item['id']}").get_data(as_text=True)
        assert answer["images"][0]["variants"]["medium"] in page
    assert len(seen_categories) >= 10

    co_cham = client.get("/api/v1/shops/tho-cam-co-cham").get_json()
    logo = Image.open(BytesIO(fetch(client, co_cham["logo"]["url"])))
    assert logo.mode == "RGBA"  # a round emblem: its corners are transparent
    assert logo.getpixel((0, 0))[3] == 0 and logo.getpixel((160, 160))[3] == 255
    fetch(client, co_cham["cover"]["variants"]["medium"])
    page = client.get("/shops/tho-cam-co-cham").get_data(as_text=True)
    assert co_cham["cover"]["variants"]["medium"] in page
    assert co_cham["logo"]["variants"]["thumb"] in page

    # A second load draws and stores nothing.
    before = media_counts()
    assert "nothing added" in load_demo(app)
    assert media_counts() == before


def test_media_gc_keeps_every_demo_picture(app, auth):
    load_demo(app)
    demo_media = db.session.scalars(sa.select(Media)).all()
    assert len(demo_media) >= len(DEMO_PRODUCT_TITLES) + 2 * len(SHOPS)
    # An image nobody uses, to show that this gc run does delete what it may.
    artisan, _ = auth.user("artisan")
    unused = media.upload_image(artisan, BytesIO(media_files.jpeg((64, 64)))).id

    # No grace: only being referred to keeps an image.
    report = media_gc.collect_garbage(grace=timedelta(0))

    assert report.media == [unused]
    db.session.expire_all()
    for image in demo_media:
        assert db.session.get(Media, image.id) is not None
        assert len(stored_files(image)) == 3


def test_pictures_are_drawn_the_same_for_the_same_key_and_fit_each_category():
    palette = demo_artwork.PALETTES["brocade"][0]
    first = demo_artwork.product_pictures("khan-mong", "brocade", palette)
    again = demo_artwork.product_pictures("khan-mong", "brocade", palette)
    other = demo_artwork.product_pictures("tui-cheo", "brocade", palette)
    assert [p.tobytes() for p in first] == [p.tobytes() for p in again]
    assert first[0].tobytes() != other[0].tobytes()

    categories = {spec["category"] for specs in PRODUCTS.values() for spec in specs}
    assert categories <= set(demo_artwork.PAINTERS)
    for category in categories:
        for view in (0, 1):
            picture = demo_artwork.PAINTERS[category](
                demo_artwork._seeded(category), demo_artwork.PALETTES[category][0], view, False
            )
            assert picture.size == (demo_artwork.PRODUCT_SIZE, demo_artwork.PRODUCT_SIZE)
            # Drawn, not blank: a picture has many colours.
            assert len(picture.getcolors(maxcolors=1 << 20)) > 10, (category, view)
