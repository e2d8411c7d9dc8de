"""Objects as files under a folder, served by the app at ``/media/<key>``.

Direct uploads go to an upload URL of the app (``POST /media-uploads``) carrying a signed policy
that fixes the key, the content type, the size limit and the expiry, as S3's presigned POST does.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from flask import has_request_context, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.security import safe_join

from marketplace.adapters.storage.base import (
    ObjectNotFound,
    Storage,
    StorageError,
    StoredObject,
    UploadTicket,
    content_type_of,
)

POLICY_SALT = "media-upload-policy"
COPY_CHUNK = 1024 * 1024


class UploadRefused(Exception):
    """A direct upload broke its policy; ``reason`` says which rule."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class UploadPolicy:
    key: str
    content_type: str
    max_size: int
    expires: int  # seconds since the epoch


class LocalStorage(Storage):
    name = "local"

    def __init__(self, root: str | os.PathLike, secret_key: str) -> None:
        self.root = Path(root)
        self._signer = URLSafeSerializer(secret_key, salt=POLICY_SALT)

    def path(self, key: str) -> Path:
        """The file of a key; a key that would leave the folder is never found."""
        joined = safe_join(str(self.root), key)
        if joined is None or any(part.startswith(".") for part in key.split("/")):
            raise ObjectNotFound(key)
        return Path(joined)

    def check(self, timeout: float) -> None:
        """The folder exists (or can be made) and files can be written in it."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"no media folder at {self.root}: {exc}") from exc
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise StorageError(f"cannot write in the media folder {self.root}")

    def save(self, key: str, stream: BinaryIO, content_type: str) -> None:
        target = self.path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            # Written beside the target and renamed: a reader never sees half a file.
            fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
            try:
                with os.fdopen(fd, "wb") as out:
                    while chunk := stream.read(COPY_CHUNK):
                        out.write(chunk)
                os.replace(temp_name, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temp_name)
                raise
        except OSError as exc:
            raise StorageError(f"could not store {key}: {exc}") from exc

    def open(self, key: str) -> BinaryIO:
        try:
            return self.path(key).open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise ObjectNotFound(key) from exc
        except OSError as exc:
            raise StorageError(f"could not read {key}: {exc}") from exc

    def delete(self, key: str) -> None:
        try:
            self.path(key).unlink(missing_ok=True)
        except ObjectNotFound:
            return
        except OSError as exc:
            raise StorageError(f"could not delete {key}: {exc}") from exc

    def head(self, key: str) -> StoredObject | None:
        try:
            stat = self.path(key).stat()
        except ObjectNotFound:
            return None
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            raise StorageError(f"could not look up {key}: {exc}") from exc
        return StoredObject(key=key, size=stat.st_size, content_type=content_type_of(key))

    def url(self, key: str) -> str:
        if has_request_context():
            return url_for("media_files.serve", key=key, _external=True)
        return "/media/" + quote(key)

    def presign_upload(
        self, key: str, content_type: str, max_size: int, expires_in: int
    ) -> UploadTicket:
        expires = int(time.time()) + expires_in
        policy = self._signer.dumps(
            {"key": key, "content_type": content_type, "max_size": max_size, "expires": expires}
        )
        if has_request_context():
            upload_url = url_for("media_files.receive_upload", _external=True)
        else:
            upload_url = "/media-uploads"
        return UploadTicket(
            method="POST",
            url=upload_url,
            expires_at=datetime.fromtimestamp(expires, UTC),
            fields={"key": key, "Content-Type": content_type, "policy": policy},
        )

    def check_upload(self, form: dict[str, str], size: int) -> UploadPolicy:
        """The policy of a direct upload when the form and the file's size keep to it."""
        try:
            data = self._signer.loads(form.get("policy", ""))
            policy = UploadPolicy(**data)
        except (BadSignature, TypeError) as exc:
            raise UploadRefused("invalid_policy", "The upload policy is not valid.") from exc
        if policy.expires < time.time():
            raise UploadRefused("upload_expired", "This upload URL has expired.")
        if form.get("key") != policy.key:
            raise UploadRefused("invalid_policy", "The key does not match the upload policy.")
        if form.get("Content-Type") != policy.content_type:
            raise UploadRefused(
                "content_type_mismatch", "The content type does not match the upload policy."
            )
        if size < 1:
            raise UploadRefused("empty_file", "The file is empty.")
        if size > policy.max_size:
            raise UploadRefused("size_out_of_range", "The file size is outside the allowed range.")
        return policy
