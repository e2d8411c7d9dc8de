"""Products and shops show media: galleries (image_ids), shop logo and cover."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import sqlalchemy as sa

from marketplace.adapters.storage import get_storage
from marketplace.extensions import db
from marketplace.models import Media, Product
from marketplace.models.base import utcnow
from marketplace.services.media import uploads as media_service
from marketplace.services.media.gc import collect_garbage
from tests.factories import make_shop, media_files
from tests.factories.envelopes import assert_envelope


def image_of(user, size=(120, 90)) -> str:
    return media_service.upload_image(user, BytesIO(media_files.jpeg(size))).id


def video_of(user) -> str:
    media, _ = media_service.start_upload(
        user, content_type="video/mp4", size=1000, filename="clip.mp4"
    )
    return media.id


def create_product(client, headers, shop, **extra):
    return client.post(
        f"/api/v1/shops/{shop.id}/products",
        json={"title": "Khăn thổ cẩm", "price": 150000, "stock": 3, **extra},
        headers=headers,
    )


def test_product_gallery_in_order(client, auth, media_backend):
    artisan, headers = auth.user("artisan")
    shop = make_shop(artisan)
    first, second, third = (image_of(artisan) for _ in range(3))
    response = create_product(client, headers, shop, image_ids=[second, first, third])
    assert response.status_code == 201, response.get_json()
    product = response.get_json()
    assert [image["id"] for image in product["images"]] == [second, first, third]
    assert all(set(image["variants"]) == {"thumb", "medium"} for image in product["images"])

    response = client.patch(
        f"/api/v1/products/{product['id']}", json={"image_ids": [third, second]}, headers=headers
    )
    assert response.status_code == 200, response.get_json()
    assert [image["id"] for image in response.get_json()["images"]] == [third, second]
    public = client.get(f"/api/v1/products/{product['id']}").get_json()
    assert [image["id"] for image in public["images"]] == [third, second]
    # Taking an image out of the gallery keeps the image and its files.
    removed = db.session.get(Media, first)
    assert removed is not None
    assert get_storage().head(removed.key) is not None

    response = client.patch(
        f"/api/v1/products/{product['id']}", json={"title": "Khăn piêu"}, headers=headers
    )
    assert [image["id"] for image in response.get_json()["images"]] == [third, second]
    response = client.patch(
        f"/api/v1/products/{product['id']}", json={"image_ids": []}, headers=headers
    )
    assert response.get_json()["images"] == []


def test_gallery_takes_only_the_callers_own_ready_images(client, auth, media_backend):
    artisan, headers = auth.user("artisan")
    shop = make_shop(artisan)
    mine = image_of(artisan)
    someone, _ = auth.user("artisan")
    cases = {
        "another user's image": [image_of(someone)],
        "a pending upload": [
            media_service.start_upload(
                artisan, content_type="image/jpeg", size=1000, filename="a.jpg"
            )[0].id
        ],
        "a video": [video_of(artisan)],
        "an unknown id": ["0" * 32],
        "the same image twice": [mine, mine],
    }
    products_before = db.session.scalar(sa.select(sa.func.count()).select_from(Product))
    for ids in cases.values():
        error = assert_envelope(
            create_product(client, headers, shop, image_ids=ids), 422, "validation_error"
        )
        assert "image_ids" in error["details"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Product)) == products_before

    product = create_product(client, headers, shop, image_ids=[mine]).get_json()
    for ids in cases.values():
        response = client.patch(
            f"/api/v1/products/{product['id']}",
            json={"image_ids": ids, "title": "Changed"},
            headers=headers,
        )
        assert "image_ids" in assert_envelope(response, 422, "validation_error")["details"]
    # All or nothing: the title did not change either.
    again = client.get(f"/api/v1/products/{product['id']}").get_json()
    assert again["title"] == "Khăn thổ cẩm"
    assert [image["id"] for image in again["images"]] == [mine]
    response = client.patch(
        f"/api/v1/products/{product['id']}", json={"image_ids": "x"}, headers=headers
    )
    assert_envelope(response, 422, "validation_error")


def test_an_image_shared_by_two_products_outlives_its_removal_from_one(client, auth, media_backend):
    artisan, headers = auth.user("artisan")
    shop = make_shop(artisan)
    shared = image_of(artisan)
    one = create_product(client, headers, shop, image_ids=[shared]).get_json()
    two = create_product(client, headers, shop, image_ids=[shared]).get_json()
    client.patch(f"/api/v1/products/{one['id']}", json={"image_ids": []}, headers=headers)
    media = db.session.get(Media, shared)
    media.created_at = utcnow() - timedelta(days=30)
    db.session.commit()
    collect_garbage(timedelta(hours=24))
    assert db.session.get(Media, shared) is not None
    assert get_storage().head(db.session.get(Media, shared).key) is not None
    listed = client.get(f"/api/v1/products/{two['id']}").get_json()
    assert [image["id"] for image in listed["images"]] == [shared]
    # Deleting (archiving) the other product keeps its gallery: past orders still show it.
    client.delete(f"/api/v1/products/{two['id']}", headers=headers)
    collect_garbage(timedelta(hours=24))
    assert db.session.get(Media, shared) is not None


def test_shop_logo_and_cover(client, auth, media_backend):
    artisan, headers = auth.user("artisan")
    shop = make_shop(artisan)
    logo, cover = image_of(artisan, (200, 200)), image_of(artisan, (1600, 600))
    response = client.patch(
        f"/api/v1/shops/{shop.id}", json={"logo_id": logo, "cover_id": cover}, headers=headers
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["logo"]["id"] == logo
    assert body["cover"]["id"] == cover
    assert body["cover"]["width"] == 1600
    public = client.get(f"/api/v1/shops/{shop.slug}").get_json()
    assert public["logo"]["variants"]["thumb"]

    someone, _ = auth.user("artisan")
    for bad in (image_of(someone), video_of(artisan), "nope"):
        response = client.patch(f"/api/v1/shops/{shop.id}", json={"logo_id": bad}, headers=headers)
        assert "logo_id" in assert_envelope(response, 422, "validation_error")["details"]
    response = client.patch(f"/api/v1/shops/{shop.id}", json={"logo_id": None}, headers=headers)
    assert response.get_json()["logo"] is None
    assert response.get_json()["cover"]["id"] == cover


def test_new_shop_with_a_logo(client, auth):
    artisan, headers = auth.user("artisan")
    logo = image_of(artisan)
    response = client.post(
        "/api/v1/shops",
        json={"name": "Nhà Thổ Cẩm Mùa Sấu", "commune": "Vân Hồ", "logo_id": logo},
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["logo"]["id"] == logo
