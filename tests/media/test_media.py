"""POST /api/v1/media and GET /media/<key>, on the local folder and on S3 (moto)."""

from __future__ import annotations

import hashlib
from io import BytesIO

import pytest
import requests
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from marketplace.adapters.storage import get_storage
from marketplace.extensions import db
from marketplace.models import Media
from tests.factories import media_files
from tests.factories.envelopes import assert_envelope
from tests.factories.storage import use_local, use_s3


def post_file(client, headers, data: bytes, filename: str = "photo.jpg", mimetype=None):
    # Encoded here, in memory: the test client spools big bodies to a file it never closes.
    boundary, body = encode_multipart(
        {"file": FileStorage(BytesIO(data), filename, content_type=mimetype or "image/jpeg")}
    )
    return client.post(
        "/api/v1/media",
        data=body,
        headers=headers,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def stored_bytes(key: str) -> bytes:
    stream = get_storage().open(key)
    try:
        return stream.read()
    finally:
        stream.close()


def media_count(user) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(Media.owner_id == user.id))


def test_jpeg_is_re_encoded_without_exif_and_upright(app, client, auth, media_backend):
    user, headers = auth.user("artisan")
    original = media_files.jpeg((1200, 900), orientation=6, comment=b"shot at home")
    response = post_file(client, headers, original)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["kind"] == "image"
    assert body["content_type"] == "image/jpeg"
    assert body["status"] == "ready"
    # Orientation 6 is a quarter turn: the stored image is upright, so taller than wide.
    assert (body["width"], body["height"]) == (900, 1200)
    assert set(body["variants"]) == {"thumb", "medium"}
    assert body["created_at"].endswith("+00:00")

    media = db.session.get(Media, body["id"])
    data = stored_bytes(media.key)
    assert body["size"] == media.size == len(data)
    assert media.checksum == hashlib.sha256(data).hexdigest()
    assert media.backend == media_backend
    assert data != original
    for secret in (b"Exif", b"PhoneCam", b"shot at home"):
        assert secret not in data
    image = media_files.decoded(data)
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {}
    assert "comment" not in image.info
    assert image.size == (900, 1200)


def test_variants_are_small_webp(app, client, auth, media_backend):
    user, headers = auth.user()
    body = post_file(client, headers, media_files.jpeg((2000, 1500))).get_json()
    media = db.session.get(Media, body["id"])
    sizes = {}
    for name, longest in (("thumb", 320), ("medium", 960)):
        data = stored_bytes(media.variant_keys[name])
        image = media_files.decoded(data)
        assert image.format == "WEBP"
        assert max(image.size) == longest
        assert b"Exif" not in data
        sizes[name] = len(data)
    assert sizes["thumb"] < 25_000
    assert sizes["thumb"] < sizes["medium"] < media.size


def test_small_images_are_not_enlarged(client, auth, media_backend):
    _, headers = auth.user()
    body = post_file(client, headers, media_files.png((200, 100)), "a.png").get_json()
    media = db.session.get(Media, body["id"])
    assert media_files.decoded(stored_bytes(media.variant_keys["medium"])).size == (200, 100)
    assert media_files.decoded(stored_bytes(media.variant_keys["thumb"])).size == (200, 100)


def test_png_keeps_transparency_and_webp_is_accepted(client, auth, media_backend):
    _, headers = auth.user()
    png = post_file(client, headers, media_files.png((300, 200), "RGBA"), "logo.png")
    assert png.status_code == 201
    assert png.get_json()["content_type"] == "image/png"
    media = db.session.get(Media, png.get_json()["id"])
    assert media_files.decoded(stored_bytes(media.key)).mode == "RGBA"
    webp = post_file(client, headers, media_files.webp(), "x.webp")
    assert webp.status_code == 201
    assert webp.get_json()["content_type"] == "image/webp"


def test_type_comes_from_content_not_name_or_declared_type(client, auth, media_backend):
    _, headers = auth.user()
    response = post_file(client, headers, media_files.png((64, 64)), "photo.jpg", "image/jpeg")
    assert response.status_code == 201
    assert response.get_json()["content_type"] == "image/png"
    assert ".png" in response.get_json()["url"]


def test_keys_never_come_from_the_file_name(client, auth, media_backend):
    _, headers = auth.user()
    response = post_file(client, headers, media_files.jpeg((64, 64)), "../../etc/passwd.jpg")
    media = db.session.get(Media, response.get_json()["id"])
    assert "passwd" not in media.key and ".." not in media.key


BAD_FILES = {
    "text named .jpg": (media_files.TEXT_NAMED_JPG, "photo.jpg", 415, "unsupported_media_type"),
    "truncated jpeg": (media_files.truncated_jpeg(), "cut.jpg", 415, "damaged_image"),
    "png bomb 20000x20000": (media_files.png_bomb(), "bomb.png", 413, "too_many_pixels"),
    # Within MEDIA_MAX_PIXELS, but 200 MB once decoded and converted to RGB.
    "1-bit png 6300x6300": (media_files.png_bomb(6300, 6300), "plan.png", 413, "too_many_pixels"),
    "svg with script": (media_files.SVG_WITH_SCRIPT, "logo.svg", 415, "unsupported_media_type"),
    "animated gif": (media_files.animated_gif(), "dance.gif", 415, "unsupported_media_type"),
    "gif+zip polyglot": (media_files.gifar(), "x.jpg", 415, "unsupported_media_type"),
    "html wrapping a jpeg": (media_files.html_wrapping_jpeg(), "x.jpg", 415, None),
    "animated webp": (media_files.animated_webp(), "a.webp", 415, "animated_image"),
    "heic-like": (media_files.heic_like(), "x.heic", 415, None),
    "empty": (b"", "empty.jpg", 415, None),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_files_are_rejected_and_nothing_is_kept(client, auth, media_backend, name):
    user, headers = auth.user()
    data, filename, status, code = BAD_FILES[name]
    response = post_file(client, headers, data, filename)
    error = assert_envelope(response, status, code)
    assert "file" in error["details"]
    assert media_count(user) == 0


def test_polyglot_jpeg_is_stored_without_its_payload(client, auth, media_backend):
    _, headers = auth.user()
    response = post_file(client, headers, media_files.jpeg_with_payload(), "poly.jpg")
    assert response.status_code == 201
    data = stored_bytes(db.session.get(Media, response.get_json()["id"]).key)
    assert media_files.PAYLOAD not in data
    assert b"<script>" not in data and b"PK\x03\x04" not in data


def test_pixel_limit_is_configurable(app, client, auth, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_MAX_PIXELS", 100_000)
    _, headers = auth.user()
    response = post_file(client, headers, media_files.jpeg((400, 300)))
    assert_envelope(response, 413, "too_many_pixels")
    assert post_file(client, headers, media_files.jpeg((300, 300))).status_code == 201


def test_file_over_media_max_bytes_is_413(app, client, auth):
    user, headers = auth.user()
    limit = app.config["MEDIA_MAX_BYTES"]
    # Under MAX_CONTENT_LENGTH, so only our own check can refuse it.
    data = media_files.jpeg((64, 64)) + b"\x00" * limit
    assert len(data) < app.config["MAX_CONTENT_LENGTH"] - 4096
    assert_envelope(post_file(client, headers, data), 413, "payload_too_large")
    assert media_count(user) == 0


def test_body_over_max_content_length_is_413(app, client, auth):
    _, headers = auth.user()
    data = b"\xff\xd8\xff" + b"\x00" * app.config["MAX_CONTENT_LENGTH"]
    assert_envelope(post_file(client, headers, data), 413, "payload_too_large")


def test_upload_needs_sign_in_multipart_and_a_file(client, auth):
    data = media_files.jpeg((64, 64))
    assert_envelope(post_file(client, {}, data), 401, "unauthorized")
    _, headers = auth.user()
    response = client.post("/api/v1/media", json={"file": "x"}, headers=headers)
    assert_envelope(response, 415, "unsupported_media_type")
    response = client.post(
        "/api/v1/media",
        data={"other": (BytesIO(data), "a.jpg")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert "file" in assert_envelope(response, 422, "validation_error")["details"]


def test_s3_unreachable_is_503_and_no_row(app, client, auth, s3_server, closed_port, monkeypatch):
    use_s3(
        monkeypatch,
        app,
        s3_server,
        S3_ENDPOINT_URL=f"http://127.0.0.1:{closed_port}",
        S3_MAX_ATTEMPTS=1,
        S3_CONNECT_TIMEOUT=1,
    )
    user, headers = auth.user()
    response = post_file(client, headers, media_files.jpeg((64, 64)))
    assert_envelope(response, 503, "storage_unavailable")
    assert media_count(user) == 0


def test_local_storage_failing_is_503_and_no_row(app, client, auth, tmp_path, monkeypatch):
    blocker = tmp_path / "media"
    blocker.write_text("a file where the media folder should be")
    use_local(monkeypatch, app, blocker)
    user, headers = auth.user()
    response = post_file(client, headers, media_files.jpeg((64, 64)))
    assert_envelope(response, 503, "storage_unavailable")
    assert media_count(user) == 0


def test_get_own_media_only(client, auth, media_backend):
    owner, headers = auth.user()
    media_id = post_file(client, headers, media_files.jpeg((64, 64))).get_json()["id"]
    response = client.get(f"/api/v1/media/{media_id}", headers=headers)
    assert response.status_code == 200
    assert response.get_json()["id"] == media_id
    _, other = auth.user()
    assert_envelope(client.get(f"/api/v1/media/{media_id}", headers=other), 404, "not_found")
    assert_envelope(client.get("/api/v1/media/nope", headers=headers), 404, "not_found")


def test_urls_fetch_the_files(client, auth, media_backend):
    _, headers = auth.user()
    body = post_file(client, headers, media_files.jpeg((400, 300))).get_json()
    media = db.session.get(Media, body["id"])
    for url, key in [(body["url"], media.key)] + [
        (body["variants"][name], media.variant_keys[name]) for name in ("thumb", "medium")
    ]:
        if media_backend == "local":
            assert url.startswith("http://localhost/media/")
            response = client.get(url.removeprefix("http://localhost"))
            content = response.data
            response.close()
        else:
            with requests.get(url, timeout=10) as response:
                content = response.content
        assert response.status_code == 200
        assert content == stored_bytes(key)


def test_local_files_have_type_long_cache_and_no_scripts(app, client, auth, tmp_path, monkeypatch):
    use_local(monkeypatch, app, tmp_path / "media")
    _, headers = auth.user()
    body = post_file(client, headers, media_files.jpeg((400, 300))).get_json()
    for url, content_type in [
        (body["url"], "image/jpeg"),
        (body["variants"]["thumb"], "image/webp"),
    ]:
        path = url.removeprefix("http://localhost")
        response = client.get(path)
        assert response.status_code == 200
        assert response.mimetype == content_type
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response.headers["Content-Security-Policy"]
        etag = response.headers["ETag"]
        response.close()
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304
        again.close()
    missing = client.get("/media/image/00/nothing.jpg")
    assert missing.status_code == 404
    missing.close()


def test_media_route_is_404_when_storage_is_s3(app, client, s3_server, monkeypatch):
    use_s3(monkeypatch, app, s3_server)
    response = client.get("/media/image/00/x.jpg")
    assert response.status_code == 404
    response.close()


@pytest.mark.live
def test_server_survives_the_bad_file_corpus(live_server, auth):
    _, headers = auth.user()
    for data, filename, status, _code in BAD_FILES.values():
        with requests.post(
            f"{live_server}/api/v1/media",
            files={"file": (filename, data)},
            headers=headers,
            timeout=30,
        ) as response:
            assert response.status_code == status
            assert set(response.json()["error"]) == {"code", "message", "details"}
    with requests.get(f"{live_server}/healthz", timeout=10) as health:
        assert health.status_code == 200
    with requests.post(
        f"{live_server}/api/v1/media",
        files={"file": ("ok.jpg", media_files.jpeg((320, 240)))},
        headers=headers,
        timeout=30,
    ) as response:
        assert response.status_code == 201


def test_s3_without_a_bucket_is_503_not_500(app, client, auth, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_STORAGE", "s3")
    monkeypatch.setitem(app.config, "S3_BUCKET", None)
    user, headers = auth.user()
    response = post_file(client, headers, media_files.jpeg((64, 64)))
    assert_envelope(response, 503, "storage_unavailable")
    assert media_count(user) == 0
