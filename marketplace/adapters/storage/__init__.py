"""Storage backends for media, chosen by ``MEDIA_STORAGE`` (``local`` or ``s3``)."""

from __future__ import annotations

from flask import Flask, current_app

from marketplace.adapters.storage.base import Storage, StorageError

SETTINGS = (
    "MEDIA_STORAGE",
    "MEDIA_ROOT",
    "SECRET_KEY",
    "S3_BUCKET",
    "S3_ENDPOINT_URL",
    "S3_REGION",
    "S3_PUBLIC_BASE_URL",
    "S3_MAX_ATTEMPTS",
    "S3_CONNECT_TIMEOUT",
)


def build_storage(config: dict) -> Storage:
    """A backend for this configuration."""
    kind = (config.get("MEDIA_STORAGE") or "local").lower()
    if kind == "local":
        from marketplace.adapters.storage.local import LocalStorage

        return LocalStorage(config["MEDIA_ROOT"], config["SECRET_KEY"])
    if kind == "s3":
        # Imported here so that boto3 is loaded only by apps that use S3.
        from marketplace.adapters.storage.s3 import S3Storage

        return S3Storage(
            config.get("S3_BUCKET") or "",
            endpoint_url=config.get("S3_ENDPOINT_URL") or None,
            region=config.get("S3_REGION") or None,
            public_base_url=config.get("S3_PUBLIC_BASE_URL") or None,
            # Not in the environment table: tuning for tests and unusual networks.
            max_attempts=int(config.get("S3_MAX_ATTEMPTS") or 3),
            connect_timeout=float(config.get("S3_CONNECT_TIMEOUT") or 5),
        )
    raise StorageError(f"MEDIA_STORAGE must be 'local' or 's3', not {kind!r}")


def get_storage(app: Flask | None = None) -> Storage:
    """The app's backend, built once per configuration (a boto3 client is costly to make)."""
    app = app or current_app._get_current_object()
    signature = tuple(app.config.get(name) for name in SETTINGS)
    cached = app.extensions.get("media_storage")
    if cached is None or cached[0] != signature:
        cached = (signature, build_storage(app.config))
        app.extensions["media_storage"] = cached
    return cached[1]


__all__ = ["Storage", "StorageError", "build_storage", "get_storage"]
