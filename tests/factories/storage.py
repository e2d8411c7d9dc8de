"""Fixtures for media on both backends: the local folder, and a real S3 server (moto) on loopback.

Registered as a plugin by ``tests/conftest.py``: any test may ask for ``media_backend``
(runs it on both backends), ``storage``, ``s3_server`` or ``closed_port``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

BUCKET = "chophien-test"
REGION = "ap-southeast-1"
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_EC2_METADATA_DISABLED": "true",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    bucket: str = BUCKET
    region: str = REGION

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server as a subprocess on 127.0.0.1, with one bucket; stopped by its pid."""
    saved = {name: os.environ.get(name) for name in AWS_ENV}
    os.environ.update(AWS_ENV)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with requests.get(f"{endpoint}/moto-api/", timeout=1):
                    break
            except requests.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.05)
        server = S3Server(endpoint)
        server.client().create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def use_s3(monkeypatch, app, server: S3Server, **extra) -> None:
    settings = {
        "MEDIA_STORAGE": "s3",
        "S3_BUCKET": server.bucket,
        "S3_ENDPOINT_URL": server.endpoint_url,
        "S3_REGION": server.region,
        "S3_PUBLIC_BASE_URL": None,
        **extra,
    }
    for name, value in settings.items():
        monkeypatch.setitem(app.config, name, value)


def use_local(monkeypatch, app, root: Path) -> None:
    monkeypatch.setitem(app.config, "MEDIA_STORAGE", "local")
    monkeypatch.setitem(app.config, "MEDIA_ROOT", str(root))


@pytest.fixture(params=["local", "s3"])
def media_backend(request, app, monkeypatch, tmp_path) -> str:
    """Runs the test once with local storage and once with S3 (moto); yields the backend name."""
    if request.param == "s3":
        use_s3(monkeypatch, app, request.getfixturevalue("s3_server"))
    else:
        use_local(monkeypatch, app, tmp_path / "media")
    return request.param


@pytest.fixture
def storage(app, media_backend):
    """The app's storage adapter for the backend under test."""
    from marketplace.adapters.storage import get_storage

    return get_storage(app)


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    return free_port()
