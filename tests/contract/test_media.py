"""API.md § Media — uploads, direct uploads, and stored files."""

from __future__ import annotations

import os
from io import BytesIO

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.contract.conftest import assert_error, assert_timestamp
from tests.factories import media_files

MEDIA_KEYS = {
    "id",
    "kind",
    "content_type",
    "size",
    "width",
    "height",
    "url",
    "variants",
    "status",
    "created_at",
}


def fetch(api, url: str) -> bytes:
    path = url.removeprefix("http://localhost")
    with api.client.get(path) as response:
        assert response.status_code == 200, url
        return response.data


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (media_files.jpeg((1600, 1200)), "image/jpeg"),
        (media_files.png((800, 600)), "image/png"),
        (media_files.webp((800, 600)), "image/webp"),
    ],
)
def test_image_upload_answers_ready_media_with_variants(api, data, content_type):
    owner = api.register("artisan")
    response = api.upload(owner, data, filename="anything.bin")
    assert response.status_code == 201, response.get_json()
    media = response.get_json()
    assert MEDIA_KEYS <= set(media)
    assert media["kind"] == "image"
    assert media["status"] == "ready"
    assert media["content_type"] in ("image/jpeg", "image/png", "image/webp")
    assert isinstance(media["size"], int) and media["size"] > 0
    assert isinstance(media["width"], int) and isinstance(media["height"], int)
    assert set(media["variants"]) >= {"thumb", "medium"}
    assert_timestamp(media["created_at"])
    for name, longest in (("thumb", 320), ("medium", 960)):
        variant = Image.open(BytesIO(fetch(api, media["variants"][name])))
        assert variant.format == "WEBP"
        assert max(variant.size) <= longest
    fetch(api, media["url"])


def test_exif_and_gps_are_stripped_and_orientation_applied(api):
    owner = api.register()
    data = media_files.jpeg((400, 200), gps=True, orientation=6)
    media = api.upload(owner, data).get_json()
    stored = Image.open(BytesIO(fetch(api, media["url"])))
    exif = stored.getexif()
    assert media_files.GPS_IFD not in exif
    assert media_files.MAKE not in exif
    assert exif.get(media_files.ORIENTATION) in (None, 1)
    assert stored.size == (200, 400)
    assert (media["width"], media["height"]) == (200, 400)


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"GIF89a" + b"\x00" * 100, "photo.jpg"),
        (b"<html><script>alert(1)</script></html>", "photo.png"),
        (b"%PDF-1.4\n" + b"x" * 100, "scan.jpg"),
        (b"", "empty.jpg"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 50, "truncated.jpg"),
    ],
)
def test_anything_but_a_real_image_is_415(api, data, filename):
    owner = api.register()
    assert_error(api.upload(owner, data, filename=filename), 415)


def test_too_large_is_413(api, app_config):
    app_config(MEDIA_MAX_BYTES=20_000)
    noise = Image.frombytes("RGB", (200, 200), os.urandom(200 * 200 * 3))
    out = BytesIO()
    noise.save(out, "PNG")
    assert len(out.getvalue()) > 20_000
    owner = api.register()
    assert_error(api.upload(owner, out.getvalue()), 413)


def test_upload_needs_sign_in_and_the_file_field(api):
    assert_error(_anonymous_upload(api), 401)
    owner = api.register()
    boundary, body = encode_multipart(
        {"other": FileStorage(BytesIO(media_files.jpeg((100, 100))), "a.jpg")}
    )
    response = api.client.post(
        "/api/v1/media",
        data=body,
        headers=owner.headers,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert_error(response, 422)
    response = api.client.post("/api/v1/media", json={"file": "x"}, headers=owner.headers)
    assert_error(response, 415)


def _anonymous_upload(api):
    boundary, body = encode_multipart(
        {"file": FileStorage(BytesIO(media_files.jpeg((100, 100))), "a.jpg")}
    )
    return api.client.post(
        "/api/v1/media", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


# --- direct uploads ------------------------------------------------------------------------


def start(api, who, content_type="video/mp4", size=5000, filename="clip.mp4"):
    return api.post(
        "/api/v1/media/uploads",
        {"filename": filename, "content_type": content_type, "size": size},
        who,
    )


def send(api, upload: dict, data: bytes) -> int:
    boundary, body = encode_multipart(
        {**upload["fields"], "file": FileStorage(BytesIO(data), "clip.bin")}
    )
    response = api.client.post(
        upload["url"].removeprefix("http://localhost"),
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    response.close()
    return response.status_code


def test_direct_upload_of_a_video(api):
    owner = api.register("artisan")
    data = media_files.mp4(6000)
    response = start(api, owner, size=len(data))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) == {"media", "upload"}
    assert MEDIA_KEYS <= set(body["media"])
    assert body["media"]["status"] == "pending"
    assert body["media"]["kind"] == "video"
    assert {"method", "url", "fields", "expires_at"} <= set(body["upload"])
    assert isinstance(body["upload"]["fields"], dict)
    assert_timestamp(body["upload"]["expires_at"])
    media_id = body["media"]["id"]
    complete = api.post(f"/api/v1/media/{media_id}/complete", None, owner)
    assert_error(complete, 409)
    assert send(api, body["upload"], data) in (200, 201, 204)
    complete = api.post(f"/api/v1/media/{media_id}/complete", None, owner)
    assert complete.status_code == 200, complete.get_json()
    ready = complete.get_json()
    assert ready["status"] == "ready"
    assert ready["size"] == len(data)
    assert MEDIA_KEYS <= set(ready)


def test_direct_upload_of_an_image_is_processed_like_a_post(api):
    owner = api.register()
    data = media_files.jpeg((1200, 900))
    body = start(api, owner, "image/jpeg", len(data), "p.jpg").get_json()
    assert send(api, body["upload"], data) in (200, 201, 204)
    ready = api.post(f"/api/v1/media/{body['media']['id']}/complete", None, owner).get_json()
    assert ready["status"] == "ready"
    assert set(ready["variants"]) >= {"thumb", "medium"}
    stored = Image.open(BytesIO(fetch(api, ready["url"])))
    assert media_files.GPS_IFD not in stored.getexif()


def test_direct_upload_limits(api):
    owner = api.register()
    assert_error(start(api, owner, "video/mp4", 10**12), 413)
    assert_error(start(api, owner, "image/jpeg", 10**9, "big.jpg"), 413)
    assert_error(start(api, owner, "application/x-msdownload", 100, "a.exe"), 415)
    assert_error(start(api, owner, "text/html", 100, "a.html"), 415)
    for size in (0, -1, "100", 1.5, None):
        assert_error(start(api, owner, "video/mp4", size), 422)
    assert_error(start(api, None), 401)


def test_completing_a_lie_is_415_and_the_object_is_gone(api):
    owner = api.register()
    lie = b"<html>not a video</html>" * 50
    body = start(api, owner, "video/mp4", len(lie)).get_json()
    assert send(api, body["upload"], lie) in (200, 201, 204)
    assert_error(api.post(f"/api/v1/media/{body['media']['id']}/complete", None, owner), 415)
    # Deleted: completing again finds nothing.
    assert_error(api.post(f"/api/v1/media/{body['media']['id']}/complete", None, owner), 409)


def test_complete_is_the_uploaders(api):
    owner = api.register()
    body = start(api, owner).get_json()
    media_id = body["media"]["id"]
    assert_error(api.post(f"/api/v1/media/{media_id}/complete", None), 401)
    assert_error(api.post(f"/api/v1/media/{media_id}/complete", None, api.register()), 404)
    assert_error(api.post("/api/v1/media/nope/complete", None, owner), 404)


def test_stored_file_unknown_key_is_404(api):
    assert api.get("/media/image/00/nothing.webp").status_code == 404
    assert api.get("/media/../../etc/passwd").status_code == 404
