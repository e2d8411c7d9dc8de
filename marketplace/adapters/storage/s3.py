"""Objects in an S3-compatible bucket (AWS, MinIO, R2, …) through boto3.

The only module that imports boto3: everything botocore raises leaves as ``StorageError``.
Credentials come from the usual ``AWS_*`` variables (boto3's own chain).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import BinaryIO
from urllib.parse import quote

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from marketplace.adapters.storage.base import (
    IMMUTABLE_CACHE_CONTROL,
    ObjectNotFound,
    Storage,
    StorageError,
    StoredObject,
    UploadTicket,
)

MISSING_CODES = {"404", "NoSuchKey", "NotFound"}
# The longest a SigV4 presigned GET may live.
PRESIGNED_GET_SECONDS = 7 * 24 * 3600


def _missing(exc: ClientError) -> bool:
    return str(exc.response.get("Error", {}).get("Code")) in MISSING_CODES


class S3Storage(Storage):
    name = "s3"

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        public_base_url: str | None = None,
        connect_timeout: float = 5,
        read_timeout: float = 30,
        max_attempts: int = 3,
    ) -> None:
        if not bucket:
            raise StorageError("S3_BUCKET is not set")
        self.bucket = bucket
        self.public_base_url = public_base_url.rstrip("/") if public_base_url else None
        config = Config(
            signature_version="s3v4",
            # MinIO and most S3-compatible servers want path-style addressing.
            s3={"addressing_style": "path" if endpoint_url else "auto"},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries={"max_attempts": max_attempts, "mode": "standard"},
        )
        try:
            self.client = boto3.session.Session().client(
                "s3", endpoint_url=endpoint_url, region_name=region, config=config
            )
        except BotoCoreError as exc:
            raise StorageError(f"S3 is not configured: {exc}") from exc

    def save(self, key: str, stream: BinaryIO, content_type: str) -> None:
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=stream,
                ContentType=content_type,
                CacheControl=IMMUTABLE_CACHE_CONTROL,
            )
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"could not store {key}: {exc}") from exc

    def check(self, timeout: float) -> None:
        """The bucket answers a HEAD: reachable, existing, and ours to use. One attempt with
        short timeouts (the client's own retry a slow server for a minute or more)."""
        probe = boto3.session.Session().client(
            "s3",
            endpoint_url=self.client.meta.endpoint_url,
            region_name=self.client.meta.region_name,
            config=self.client.meta.config.merge(
                Config(
                    connect_timeout=timeout,
                    read_timeout=timeout,
                    retries={"max_attempts": 1, "mode": "standard"},
                )
            ),
        )
        try:
            probe.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"bucket {self.bucket} does not answer: {exc}") from exc
        finally:
            probe.close()

    def open(self, key: str) -> BinaryIO:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        except ClientError as exc:
            if _missing(exc):
                raise ObjectNotFound(key) from exc
            raise StorageError(f"could not read {key}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"could not read {key}: {exc}") from exc

    def read_start(self, key: str, length: int) -> bytes:
        # A ranged GET: sniffing a 200 MB video needs its first bytes only.
        try:
            response = self.client.get_object(
                Bucket=self.bucket, Key=key, Range=f"bytes=0-{length - 1}"
            )
            body = response["Body"]
            try:
                return body.read(length)
            finally:
                body.close()
        except ClientError as exc:
            if _missing(exc):
                raise ObjectNotFound(key) from exc
            raise StorageError(f"could not read {key}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"could not read {key}: {exc}") from exc

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"could not delete {key}: {exc}") from exc

    def head(self, key: str) -> StoredObject | None:
        try:
            response = self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _missing(exc):
                return None
            raise StorageError(f"could not look up {key}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"could not look up {key}: {exc}") from exc
        return StoredObject(
            key=key, size=response["ContentLength"], content_type=response.get("ContentType")
        )

    def url(self, key: str) -> str:
        if self.public_base_url:
            return f"{self.public_base_url}/{quote(key)}"
        try:
            return self.client.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": key},
                ExpiresIn=PRESIGNED_GET_SECONDS,
            )
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"could not sign a link to {key}: {exc}") from exc

    def presign_upload(
        self, key: str, content_type: str, max_size: int, expires_in: int
    ) -> UploadTicket:
        expires_at = datetime.now(UTC) + timedelta(seconds=expires_in)
        try:
            post = self.client.generate_presigned_post(
                Bucket=self.bucket,
                Key=key,
                Fields={"Content-Type": content_type, "Cache-Control": IMMUTABLE_CACHE_CONTROL},
                Conditions=[
                    {"Content-Type": content_type},
                    {"Cache-Control": IMMUTABLE_CACHE_CONTROL},
                    ["content-length-range", 1, max_size],
                ],
                ExpiresIn=expires_in,
            )
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"could not sign an upload to {key}: {exc}") from exc
        return UploadTicket(
            method="POST", url=post["url"], expires_at=expires_at, fields=dict(post["fields"])
        )
