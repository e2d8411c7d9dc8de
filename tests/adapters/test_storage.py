"""The storage interface, the same on the local folder and on a real S3 server (moto)."""

from __future__ import annotations

import base64
import json
import time
from io import BytesIO

import pytest
import requests

from marketplace.adapters.storage import build_storage, get_storage
from marketplace.adapters.storage.base import (
    IMMUTABLE_CACHE_CONTROL,
    ObjectNotFound,
    StorageError,
    StoredObject,
)
from marketplace.adapters.storage.local import LocalStorage, UploadRefused
from marketplace.adapters.storage.s3 import S3Storage
from marketplace.services.media.uploads import new_key
from tests.factories import make_user
from tests.factories.trade_office import make_media

DATA = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40


def fetch(client, url: str) -> tuple[int, bytes, dict]:
    """GET a stored object's URL: from the app (local) or from the S3 server."""
    if url.startswith("http://localhost/") or url.startswith("/"):
        response = client.get(url.replace("http://localhost", ""))
        try:
            return response.status_code, response.data, response.headers
        finally:
            response.close()
    with requests.get(url, timeout=10) as response:
        return response.status_code, response.content, response.headers


def test_save_head_open_delete(storage):
    key = new_key("image", "image/jpeg")
    assert storage.head(key) is None
    storage.save(key, BytesIO(DATA), "image/jpeg")
    assert storage.head(key) == StoredObject(key=key, size=len(DATA), content_type="image/jpeg")
    stream = storage.open(key)
    try:
        assert stream.read() == DATA
    finally:
        stream.close()
    assert storage.read_start(key, 4) == DATA[:4]
    storage.delete(key)
    assert storage.head(key) is None
    storage.delete(key)  # deleting an absent object is fine


def test_open_absent_object_is_object_not_found(storage):
    with pytest.raises(ObjectNotFound):
        storage.open(new_key("video", "video/mp4"))
    with pytest.raises(ObjectNotFound):
        storage.read_start(new_key("video", "video/mp4"), 16)


def test_save_replaces_and_reads_from_stream_position(storage):
    key = new_key("image", "image/png")
    stream = BytesIO(b"skip" + DATA)
    stream.seek(4)
    storage.save(key, stream, "image/png")
    storage.save(key, BytesIO(DATA[:10]), "image/png")
    assert storage.head(key).size == 10


def test_url_serves_the_bytes_with_type_and_long_cache(app, storage):
    key = new_key("image", "image/webp")
    storage.save(key, BytesIO(DATA), "image/webp")
    # The app serves local files of ready media only.
    make_media(make_user(), key=key)
    with app.test_request_context():
        url = storage.url(key)
    status, body, headers = fetch(app.test_client(), url)
    assert status == 200
    assert body == DATA
    assert headers["Content-Type"] == "image/webp"
    assert headers["Cache-Control"] == IMMUTABLE_CACHE_CONTROL


def test_s3_public_base_url(app, s3_server):
    storage = build_storage(
        {
            "MEDIA_STORAGE": "s3",
            "S3_BUCKET": s3_server.bucket,
            "S3_ENDPOINT_URL": s3_server.endpoint_url,
            "S3_PUBLIC_BASE_URL": "https://cdn.example.test/media/",
        }
    )
    assert storage.url("image/ab/ab12.jpg") == "https://cdn.example.test/media/image/ab/ab12.jpg"


def _upload(client, ticket, data: bytes, filename: str = "x.bin"):
    """Send a direct upload as a browser form would: the ticket's fields, then the file."""
    if ticket.url.startswith("http://localhost/"):
        response = client.post(
            ticket.url.replace("http://localhost", ""),
            data={**ticket.fields, "file": (BytesIO(data), filename)},
            content_type="multipart/form-data",
        )
        try:
            return response.status_code
        finally:
            response.close()
    with requests.post(
        ticket.url, data=ticket.fields, files={"file": (filename, data)}, timeout=10
    ) as response:
        return response.status_code


def test_presigned_upload_stores_the_object(app, storage):
    key = new_key("video", "video/mp4")
    with app.test_request_context():
        ticket = storage.presign_upload(key, "video/mp4", len(DATA), 600)
    assert ticket.method == "POST"
    assert ticket.fields["key"] == key
    assert ticket.fields["Content-Type"] == "video/mp4"
    assert 590 <= ticket.expires_at.timestamp() - time.time() <= 600
    assert storage.head(key) is None
    # The local endpoint accepts only keys of pending media: this one is ours alone.
    if storage.name == "local":
        _pending_row(key, "video/mp4")
    assert _upload(app.test_client(), ticket, DATA) in (200, 201, 204)
    assert storage.head(key).size == len(DATA)


def _pending_row(key: str, content_type: str) -> None:
    from marketplace.extensions import db
    from marketplace.models import Media
    from tests.factories import make_user

    db.session.add(
        Media(
            owner_id=make_user().id,
            kind=content_type.split("/")[0],
            content_type=content_type,
            backend="local",
            key=key,
            variant_keys={},
        )
    )
    db.session.commit()


def test_s3_presigned_post_policy_fixes_key_type_and_size(app, s3_server, monkeypatch):
    from tests.factories.storage import use_s3

    use_s3(monkeypatch, app, s3_server)
    storage = get_storage(app)
    key = new_key("video", "video/webm")
    ticket = storage.presign_upload(key, "video/webm", 5000, 900)
    policy = json.loads(base64.b64decode(ticket.fields["policy"]))
    conditions = policy["conditions"]
    assert {"key": key} in conditions
    assert {"bucket": s3_server.bucket} in conditions
    assert {"Content-Type": "video/webm"} in conditions
    assert ["content-length-range", 1, 5000] in conditions
    assert policy["expiration"].endswith("Z")
    assert ticket.fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"


@pytest.fixture
def local_storage(app, tmp_path, monkeypatch) -> LocalStorage:
    from tests.factories.storage import use_local

    use_local(monkeypatch, app, tmp_path / "media")
    return get_storage(app)


def _form(ticket, **changes) -> dict:
    return {**ticket.fields, **changes}


def test_local_policy_rules(local_storage):
    key = new_key("image", "image/png")
    ticket = local_storage.presign_upload(key, "image/png", 100, 60)
    assert local_storage.check_upload(_form(ticket), 100).key == key
    cases = [
        (_form(ticket), 101, "size_out_of_range"),
        (_form(ticket), 0, "empty_file"),
        (_form(ticket, **{"Content-Type": "text/html"}), 10, "content_type_mismatch"),
        (_form(ticket, key="image/aa/other.png"), 10, "invalid_policy"),
        (_form(ticket, policy=ticket.fields["policy"][:-2] + "xx"), 10, "invalid_policy"),
        ({"key": key, "Content-Type": "image/png"}, 10, "invalid_policy"),
    ]
    for form, size, reason in cases:
        with pytest.raises(UploadRefused) as refused:
            local_storage.check_upload(form, size)
        assert refused.value.reason == reason
    expired = local_storage.presign_upload(key, "image/png", 100, -1)
    with pytest.raises(UploadRefused) as refused:
        local_storage.check_upload(_form(expired), 10)
    assert refused.value.reason == "upload_expired"


def test_local_policy_signed_with_another_secret_is_refused(local_storage, tmp_path):
    other = LocalStorage(tmp_path, "another-secret")
    ticket = other.presign_upload("image/aa/x.png", "image/png", 100, 60)
    with pytest.raises(UploadRefused):
        local_storage.check_upload(_form(ticket), 10)


@pytest.mark.parametrize("key", ["../secret_key", "image/../../x", ".hidden", "image/.upload-x"])
def test_local_keys_cannot_leave_the_folder(local_storage, key):
    assert local_storage.head(key) is None
    with pytest.raises(ObjectNotFound):
        local_storage.open(key)


def test_local_files_route_refuses_traversal(client, local_storage):
    for path in ["/media/../instance/secret_key", "/media/%2e%2e/secret_key", "/media/.x"]:
        response = client.get(path)
        assert response.status_code == 404
        response.close()


def test_local_storage_failure_is_storage_error(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder should be")
    storage = LocalStorage(blocker, "secret")
    with pytest.raises(StorageError):
        storage.save("image/aa/x.jpg", BytesIO(DATA), "image/jpeg")


def test_s3_unreachable_is_storage_error(closed_port):
    storage = S3Storage(
        "bucket",
        endpoint_url=f"http://127.0.0.1:{closed_port}",
        region="ap-southeast-1",
        max_attempts=1,
        connect_timeout=1,
    )
    for call in (
        lambda: storage.save("image/aa/x.jpg", BytesIO(DATA), "image/jpeg"),
        lambda: storage.head("image/aa/x.jpg"),
        lambda: storage.open("image/aa/x.jpg"),
        lambda: storage.delete("image/aa/x.jpg"),
    ):
        with pytest.raises(StorageError) as error:
            call()
        assert not isinstance(error.value, ObjectNotFound)


def test_s3_missing_bucket_is_storage_error(s3_server):
    storage = S3Storage(
        "no-such-bucket", endpoint_url=s3_server.endpoint_url, region="ap-southeast-1"
    )
    with pytest.raises(StorageError):
        storage.save("image/aa/x.jpg", BytesIO(DATA), "image/jpeg")


def test_unknown_backend_is_refused():
    with pytest.raises(StorageError):
        build_storage({"MEDIA_STORAGE": "ftp"})
