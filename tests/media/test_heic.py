"""HEIC photos from iPhones: read through pillow-heif, stored as JPEG without their metadata."""

from __future__ import annotations

from io import BytesIO

from PIL import Image

from marketplace.extensions import db
from marketplace.models import Media
from marketplace.services.media.imaging import process_image, sniff
from tests.factories import media_files
from tests.media.test_media import post_file, stored_bytes


def test_a_heic_file_is_sniffed_as_heic():
    data = media_files.heic((64, 48))
    assert data[4:12] == b"ftypheic"
    assert sniff(data[:64]) == "image/heic"


def test_a_heic_photo_is_stored_as_jpeg_without_exif():
    processed = process_image(media_files.heic((1200, 900)), 40_000_000)
    assert processed.content_type == "image/jpeg"
    assert (processed.width, processed.height) == (1200, 900)
    stored = Image.open(BytesIO(processed.data))
    assert stored.format == "JPEG"
    assert not stored.getexif()
    assert set(processed.variants) == {"thumb", "medium"}


def test_the_api_accepts_a_heic_photo(client, auth, media_backend):
    _user, headers = auth.user("artisan")
    response = post_file(client, headers, media_files.heic(), "IMG_0001.HEIC", "image/heic")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["content_type"] == "image/jpeg"
    assert (body["width"], body["height"]) == (1200, 900)
    data = stored_bytes(db.session.get(Media, body["id"]).key)
    assert data.startswith(b"\xff\xd8\xff")
    assert b"iPhone" not in data


def test_a_damaged_heic_is_415(client, auth, media_backend):
    _user, headers = auth.user("artisan")
    broken = media_files.heic()[:200]
    response = post_file(client, headers, broken, "IMG_0002.HEIC", "image/heic")
    assert response.status_code == 415
