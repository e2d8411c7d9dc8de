"""What the rest of the code may ask of a storage backend, and what it gets back.

Callers see these dataclasses and ``StorageError``; never a botocore object or an ``OSError``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO

# Stored objects never change under a key (a new version gets a new key), so caches may keep
# them for a year.
IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable"

# Keys end with the extension of their type, so a local file is served with the right type.
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "video/mp4": "mp4",
    "video/webm": "webm",
}
CONTENT_TYPES = {ext: content_type for content_type, ext in EXTENSIONS.items()}


def content_type_of(key: str) -> str:
    """The content type a key was stored with, from its extension."""
    return CONTENT_TYPES.get(key.rsplit(".", 1)[-1].lower(), "application/octet-stream")


class StorageError(Exception):
    """The storage could not be reached or refused the operation."""


class ObjectNotFound(StorageError):
    """No object is stored under this key."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    content_type: str | None = None


@dataclass(frozen=True)
class UploadTicket:
    """How a client uploads one object straight to storage (an HTML-form-like POST)."""

    method: str
    url: str
    expires_at: datetime
    fields: dict[str, str] = field(default_factory=dict)


class Storage(ABC):
    """A place for immutable objects addressed by generated keys."""

    #: recorded in ``Media.backend``
    name: str

    @abstractmethod
    def save(self, key: str, stream: BinaryIO, content_type: str) -> None:
        """Store the stream's bytes (from its current position) under ``key``."""

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A readable stream of the object (the caller closes it); ObjectNotFound if absent."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; removing an absent object is not an error."""

    @abstractmethod
    def url(self, key: str) -> str:
        """Where a client fetches the object."""

    @abstractmethod
    def presign_upload(
        self, key: str, content_type: str, max_size: int, expires_in: int
    ) -> UploadTicket:
        """A ticket for one direct upload of at most ``max_size`` bytes of ``content_type``."""

    @abstractmethod
    def head(self, key: str) -> StoredObject | None:
        """Size and type of the stored object, or None when nothing is stored under ``key``."""

    def check(self, timeout: float) -> None:
        """Raise StorageError unless the storage answers (within about ``timeout`` seconds)."""
        self.head("readiness-probe")

    def read_start(self, key: str, length: int) -> bytes:
        """The first ``length`` bytes of the object (enough to sniff its type)."""
        stream = self.open(key)
        try:
            return stream.read(length)
        finally:
            stream.close()
