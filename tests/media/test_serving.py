"""GET /media/<key> serves only what /complete accepted (status ready, variants included):
a direct upload is not free file hosting until `media gc` runs."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.models import Media
from tests.factories import media_files
from tests.factories.storage import use_local
from tests.media.test_uploads import complete, send, start, stored


@pytest.fixture(autouse=True)
def local_media(app, monkeypatch, tmp_path):
    use_local(monkeypatch, app, tmp_path / "media")


def status_of(client, key: str) -> int:
    response = client.get(f"/media/{key}")
    status = response.status_code
    response.close()
    return status


def test_a_direct_video_upload_is_served_only_once_complete(client, auth):
    _, headers = auth.user("artisan")
    data = media_files.mp4(20_000)
    body = start(client, headers, "video/mp4", len(data)).get_json()
    key = body["upload"]["fields"]["key"]
    assert send(client, body["upload"], data) == 204
    assert stored(key) is not None
    assert status_of(client, key) == 404
    assert complete(client, headers, body["media"]["id"]).status_code == 200
    assert status_of(client, key) == 200


def test_a_direct_image_upload_is_served_as_re_encoded_once_complete(client, auth):
    _, headers = auth.user("artisan")
    data = media_files.jpeg((800, 600))
    body = start(client, headers, "image/jpeg", len(data)).get_json()
    upload_key = body["upload"]["fields"]["key"]
    assert send(client, body["upload"], data) == 204
    assert status_of(client, upload_key) == 404
    assert complete(client, headers, body["media"]["id"]).status_code == 200
    media = db.session.get(Media, body["media"]["id"])
    assert [status_of(client, key) for key in (media.key, *media.variant_keys.values())] == [
        200,
        200,
        200,
    ]
    # The upload as sent was replaced by its re-encoding.
    assert status_of(client, upload_key) == 404


def test_anything_else_in_the_folder_is_not_served(client, auth):
    _, headers = auth.user("artisan")
    data = media_files.jpeg((64, 64))
    body = start(client, headers, "image/jpeg", len(data)).get_json()
    assert send(client, body["upload"], data) == 204
    stem = body["upload"]["fields"]["key"].rsplit(".", 1)[0]
    # Names that look like a variant of the pending upload, or of nothing.
    for key in (f"{stem}-thumb.webp", f"{stem}-medium.webp", "image/00/nothing-thumb.webp"):
        assert status_of(client, key) == 404
