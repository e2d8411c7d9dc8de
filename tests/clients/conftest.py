"""Clients generated from the served OpenAPI document, driven against a live server.

The document is read from ``/api/openapi.json`` of a live server, a Python client is generated
from it with ``openapi-python-client`` and a TypeScript one with ``openapi-typescript`` and
``openapi-fetch`` (npm, pinned in tests/clients/package.json and its lockfile); nothing
generated is kept in the repository. Both clients check every answer strictly: a field the
server sends that the document lacks, or one the document promises that the server leaves
out, fails the journey.
"""

from __future__ import annotations

import json
import sys
import uuid

import pytest
import requests

from tests.factories.storage import use_local

pytestmark = pytest.mark.live


@pytest.fixture
def local_media(monkeypatch, app, tmp_path):
    use_local(monkeypatch, app, tmp_path / "media")


@pytest.fixture
def served(live_server, local_media):
    """The live server's base URL and its OpenAPI document (as served)."""
    document = requests.get(f"{live_server}/api/openapi.json", timeout=30)
    assert document.status_code == 200
    return live_server, document.json()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def write_json(path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


@pytest.fixture
def fresh_import():
    """Imports of a generated package, forgotten afterwards (each test generates its own)."""
    before = set(sys.modules)
    added_paths = []

    def add(path):
        sys.path.insert(0, str(path))
        added_paths.append(str(path))

    yield add
    for name in set(sys.modules) - before:
        del sys.modules[name]
    for path in added_paths:
        sys.path.remove(path)


def seed_product(base_url: str) -> dict:
    """An artisan's product, made through the plain HTTP API (committed, as live tests need)."""
    session = requests.Session()
    registered = session.post(
        f"{base_url}/api/v1/auth/register",
        json={
            "name": "Người bán",
            "password": "mật khẩu dài",
            "email": f"{unique('seed')}@example.test",
            "role": "artisan",
        },
        timeout=30,
    )
    assert registered.status_code == 201, registered.text
    session.headers["Authorization"] = f"Bearer {registered.json()['token']}"
    shop = session.post(
        f"{base_url}/api/v1/shops", json={"name": unique("Gian"), "commune": "Vân Hồ"}, timeout=30
    )
    assert shop.status_code == 201, shop.text
    product = session.post(
        f"{base_url}/api/v1/shops/{shop.json()['id']}/products",
        json={"title": "Mật ong bạc hà", "price": 200000, "stock": 3},
        timeout=30,
    )
    assert product.status_code == 201, product.text
    return product.json()
