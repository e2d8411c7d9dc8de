"""Direct uploads: POST /api/v1/media/uploads, the upload itself, then /complete — both backends."""

from __future__ import annotations

import base64
import json
from io import BytesIO
from urllib.parse import urlsplit

import pytest
import requests
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from marketplace.adapters.storage import get_storage
from marketplace.extensions import db
from marketplace.models import Media
from tests.factories import media_files
from tests.factories.envelopes import assert_envelope
from tests.factories.storage import use_local, use_s3


def start(client, headers, content_type: str, size: int, filename: str = "clip.bin"):
    return client.post(
        "/api/v1/media/uploads",
        json={"filename": filename, "content_type": content_type, "size": size},
        headers=headers,
    )


def send(client, upload: dict, data: bytes, *, fields: dict | None = None) -> int:
    """Upload as a phone would: the ticket's form fields, then the file, to the ticket's URL."""
    form = {**upload["fields"], **(fields or {})}
    if upload["url"].startswith("http://localhost/"):
        boundary, body = encode_multipart({**form, "file": FileStorage(BytesIO(data), "clip.bin")})
        response = client.post(
            upload["url"].removeprefix("http://localhost"),
            data=body,
            content_type=f"multipart/form-data; boundary={boundary}",
        )
        status = response.status_code
        response.close()
        return status
    with requests.post(
        upload["url"], data=form, files={"file": ("clip.bin", data)}, timeout=30
    ) as response:
        return response.status_code


def complete(client, headers, media_id: str):
    return client.post(f"/api/v1/media/{media_id}/complete", headers=headers)


def stored(key: str):
    return get_storage().head(key)


def stored_bytes(key: str) -> bytes:
    stream = get_storage().open(key)
    try:
        return stream.read()
    finally:
        stream.close()


@pytest.mark.parametrize(
    ("content_type", "data"),
    [("video/mp4", media_files.mp4(50_000)), ("video/webm", media_files.webm(30_000))],
)
def test_video_direct_upload_then_complete(client, auth, media_backend, content_type, data):
    _, headers = auth.user("artisan")
    response = start(client, headers, content_type, len(data), "clip.mov")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    media, upload = body["media"], body["upload"]
    assert media["status"] == "pending"
    assert media["kind"] == "video"
    assert media["content_type"] == content_type
    assert upload["method"] == "POST"
    assert upload["expires_at"].endswith("+00:00")
    key = db.session.get(Media, media["id"]).key
    assert "clip" not in key
    assert upload["fields"]["key"] == key
    assert upload["fields"]["Content-Type"] == content_type

    assert_envelope(complete(client, headers, media["id"]), 409, "upload_missing")
    assert send(client, upload, data) in (200, 201, 204)
    response = complete(client, headers, media["id"])
    assert response.status_code == 200, response.get_json()
    ready = response.get_json()
    assert ready["status"] == "ready"
    assert ready["size"] == len(data)
    assert ready["variants"] == {}
    # Completing again changes nothing (a presigned S3 link is signed anew, second by second).
    again = complete(client, headers, media["id"]).get_json()
    assert urlsplit(again.pop("url")).path == urlsplit(ready.pop("url")).path
    assert again == ready


def test_s3_ticket_is_a_presigned_post_with_a_strict_policy(
    app, client, auth, s3_server, monkeypatch
):
    use_s3(monkeypatch, app, s3_server)
    _, headers = auth.user()
    body = start(client, headers, "video/mp4", 123_456).get_json()
    upload = body["upload"]
    assert upload["url"].startswith(s3_server.endpoint_url)
    policy = json.loads(base64.b64decode(upload["fields"]["policy"]))
    key = db.session.get(Media, body["media"]["id"]).key
    assert {"key": key} in policy["conditions"]
    assert {"Content-Type": "video/mp4"} in policy["conditions"]
    assert ["content-length-range", 1, 123_456] in policy["conditions"]


def test_image_direct_upload_is_processed_like_a_posted_one(client, auth, media_backend):
    _, headers = auth.user()
    data = media_files.jpeg((1600, 1200), orientation=8)
    body = start(client, headers, "image/jpeg", len(data), "IMG_0001.JPG").get_json()
    upload_key = db.session.get(Media, body["media"]["id"]).key
    assert send(client, body["upload"], data) in (200, 201, 204)
    response = complete(client, headers, body["media"]["id"])
    assert response.status_code == 200, response.get_json()
    ready = response.get_json()
    assert ready["status"] == "ready"
    assert (ready["width"], ready["height"]) == (1200, 1600)
    assert set(ready["variants"]) == {"thumb", "medium"}
    media = db.session.get(Media, ready["id"])
    assert media.key != upload_key
    # The upload as sent, EXIF and all, is gone; what stays is re-encoded.
    assert stored(upload_key) is None
    kept = stored_bytes(media.key)
    assert b"Exif" not in kept and b"PhoneCam" not in kept
    assert media_files.decoded(stored_bytes(media.variant_keys["thumb"])).size == (240, 320)
    assert ready["size"] == len(kept)


@pytest.mark.parametrize(
    ("content_type", "data", "status", "code"),
    [
        ("video/mp4", b"<html><script>alert(1)</script></html>" * 20, 415, "content_type_mismatch"),
        ("video/mp4", media_files.heic_like(), 415, "content_type_mismatch"),
        ("video/webm", media_files.mp4(2000), 415, "content_type_mismatch"),
        ("image/jpeg", media_files.TEXT_NAMED_JPG, 415, "content_type_mismatch"),
        ("image/png", media_files.jpeg((64, 64)), 415, "content_type_mismatch"),
        ("image/jpeg", media_files.truncated_jpeg(), 415, "damaged_image"),
        ("image/png", media_files.png_bomb(), 413, "too_many_pixels"),
        ("image/png", media_files.png_bomb(6300, 6300), 413, "too_many_pixels"),
    ],
)
def test_bad_uploaded_objects_are_refused_and_deleted(
    client, auth, media_backend, content_type, data, status, code
):
    _, headers = auth.user()
    body = start(client, headers, content_type, len(data)).get_json()
    key = db.session.get(Media, body["media"]["id"]).key
    assert send(client, body["upload"], data) in (200, 201, 204)
    assert stored(key) is not None
    assert_envelope(complete(client, headers, body["media"]["id"]), status, code)
    assert stored(key) is None
    assert db.session.get(Media, body["media"]["id"]).status == "pending"
    assert_envelope(complete(client, headers, body["media"]["id"]), 409, "upload_missing")


def test_object_larger_than_the_limit_is_413_and_deleted(
    app, client, auth, media_backend, monkeypatch
):
    _, headers = auth.user()
    data = media_files.mp4(8000)
    body = start(client, headers, "video/mp4", len(data)).get_json()
    assert send(client, body["upload"], data) in (200, 201, 204)
    key = db.session.get(Media, body["media"]["id"]).key
    # The limit shrinks after the ticket was issued: /complete checks the stored object itself.
    monkeypatch.setitem(app.config, "MEDIA_MAX_VIDEO_BYTES", 4000)
    assert_envelope(complete(client, headers, body["media"]["id"]), 413, "payload_too_large")
    assert stored(key) is None


def test_start_refuses_other_types_and_sizes(app, client, auth):
    _, headers = auth.user()
    for content_type in (
        "image/gif",
        "image/svg+xml",
        "text/html",
        "application/zip",
        "video/quicktime",
    ):
        assert_envelope(start(client, headers, content_type, 100), 415, "unsupported_media_type")
    video_limit = app.config["MEDIA_MAX_VIDEO_BYTES"]
    image_limit = app.config["MEDIA_MAX_BYTES"]
    assert start(client, headers, "video/mp4", video_limit).status_code == 201
    assert_envelope(start(client, headers, "video/mp4", video_limit + 1), 413, "payload_too_large")
    assert_envelope(start(client, headers, "image/jpeg", image_limit + 1), 413, "payload_too_large")
    for bad in (
        {},
        {"filename": "a", "content_type": "video/mp4", "size": 0},
        {"filename": "a", "content_type": "video/mp4", "size": "12"},
    ):
        response = client.post("/api/v1/media/uploads", json=bad, headers=headers)
        assert_envelope(response, 422, "validation_error")
    assert_envelope(start(client, {}, "video/mp4", 10), 401, "unauthorized")


def test_only_the_uploader_completes(client, auth, media_backend):
    _, headers = auth.user()
    body = start(client, headers, "video/mp4", 5000).get_json()
    _, other = auth.user()
    assert_envelope(complete(client, other, body["media"]["id"]), 404, "not_found")
    assert_envelope(complete(client, {}, body["media"]["id"]), 401, "unauthorized")


@pytest.fixture
def local(app, tmp_path, monkeypatch):
    use_local(monkeypatch, app, tmp_path / "media")


def test_local_upload_url_enforces_the_policy(client, auth, local):
    _, headers = auth.user()
    data = media_files.mp4(6000)
    upload = start(client, headers, "video/mp4", len(data)).get_json()["upload"]
    assert upload["url"] == "http://localhost/api/v1/media/local-uploads"
    assert send(client, upload, data + b"\x00") == 413
    assert send(client, upload, data, fields={"Content-Type": "text/html"}) == 415
    assert send(client, upload, data, fields={"key": "video/00/mine.mp4"}) == 403
    assert send(client, upload, data, fields={"policy": upload["fields"]["policy"] + "x"}) == 403
    assert send(client, upload, b"") == 422
    assert send(client, upload, data) == 204


def test_local_upload_url_expires(app, client, auth, local, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_UPLOAD_TTL_SECONDS", -1)
    _, headers = auth.user()
    upload = start(client, headers, "video/mp4", 100).get_json()["upload"]
    assert send(client, upload, media_files.mp4(100)) == 403


def test_local_upload_url_closes_once_complete(client, auth, local):
    _, headers = auth.user()
    data = media_files.mp4(3000)
    body = start(client, headers, "video/mp4", len(data)).get_json()
    assert send(client, body["upload"], data) == 204
    assert complete(client, headers, body["media"]["id"]).status_code == 200
    assert send(client, body["upload"], media_files.webm(3000)) == 409


def test_local_upload_takes_videos_larger_than_the_api_body_limit(
    app, client, auth, local, monkeypatch
):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    _, headers = auth.user()
    data = media_files.mp4(200 * 1024)
    body = start(client, headers, "video/mp4", len(data)).get_json()
    assert send(client, body["upload"], data) == 204
    assert complete(client, headers, body["media"]["id"]).get_json()["size"] == len(data)


def test_complete_when_s3_is_unreachable_is_503(
    app, client, auth, s3_server, closed_port, monkeypatch
):
    use_s3(monkeypatch, app, s3_server)
    _, headers = auth.user()
    body = start(client, headers, "video/mp4", 5000).get_json()
    use_s3(
        monkeypatch,
        app,
        s3_server,
        S3_ENDPOINT_URL=f"http://127.0.0.1:{closed_port}",
        S3_MAX_ATTEMPTS=1,
        S3_CONNECT_TIMEOUT=1,
    )
    assert_envelope(complete(client, headers, body["media"]["id"]), 503, "storage_unavailable")
    assert db.session.get(Media, body["media"]["id"]).status == "pending"
