"""Acceptance checks of /work/shared/API.md, as a client sees it: HTTP only.

Users are registered through the API (officers, whom nobody can register as, come from the
``auth`` fixture); shops, products, livestreams and orders are all made by API calls.
"""

from __future__ import annotations

import itertools
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.factories import media_files

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$")
ADDRESS = {
    "name": "Lò Thị Hoa",
    "phone": "0912 345 678",
    "line1": "Bản Cỏ Chàm",
    "commune": "Vân Hồ",
    "province": "Sơn La",
    "country": "VN",
}
_numbers = itertools.count(1)


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The contract's error envelope with ``status`` (and ``code`` when given)."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, error
    assert isinstance(error["code"], str) and re.fullmatch(r"[a-z][a-z0-9_]*", error["code"])
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], dict)
    if status == 422:
        for name, messages in error["details"].items():
            assert isinstance(name, str)
            assert isinstance(messages, list | dict), (name, messages)
    if code is not None:
        assert error["code"] == code, error
    return error


def assert_timestamp(value) -> None:
    assert isinstance(value, str) and ISO_WITH_OFFSET.match(value), value


def assert_page(body, *, item_keys: set[str] | None = None) -> list:
    assert set(body) == {"items", "next_cursor"} or {"items", "next_cursor"} <= set(body), body
    assert isinstance(body["items"], list)
    assert body["next_cursor"] is None or isinstance(body["next_cursor"], str)
    if item_keys:
        for item in body["items"]:
            assert item_keys <= set(item), item_keys - set(item)
    return body["items"]


@dataclass
class Account:
    user: dict
    token: str
    headers: dict = field(init=False)

    def __post_init__(self):
        self.headers = {"Authorization": f"Bearer {self.token}"}

    @property
    def id(self) -> str:
        return self.user["id"]


class Api:
    """A client of the public API with the few builders every section needs."""

    def __init__(self, client, auth):
        self.client = client
        self._auth = auth

    # --- accounts ---

    def register(self, role: str = "buyer", **fields) -> Account:
        n = next(_numbers)
        body = {
            "name": f"Người dùng {n}",
            "password": "mật khẩu dài",
            "email": f"acc{n}-{secrets.token_hex(3)}@example.test",
            "role": role,
            **fields,
        }
        response = self.client.post("/api/v1/auth/register", json=body)
        assert response.status_code == 201, response.get_json()
        data = response.get_json()
        return Account(data["user"], data["token"])

    def staff(self, role: str = "officer") -> Account:
        user, headers = self._auth.user(role)
        token = headers["Authorization"].split(" ", 1)[1]
        me = self.client.get("/api/v1/me", headers=headers).get_json()
        assert me["id"] == user.id
        return Account(me, token)

    # --- catalog ---

    def shop(self, owner: Account | None = None, **fields) -> tuple[Account, dict]:
        owner = owner or self.register("artisan")
        body = {"name": f"Hợp tác xã {next(_numbers)}", "commune": "Vân Hồ", **fields}
        body.setdefault("shipping_fee", 30000)
        response = self.client.post("/api/v1/shops", json=body, headers=owner.headers)
        assert response.status_code == 201, response.get_json()
        return owner, response.get_json()

    def product(self, owner: Account, shop: dict | str, **fields) -> dict:
        ref = shop if isinstance(shop, str) else shop["id"]
        body = {"title": f"Sản phẩm {next(_numbers)}", "price": 100000, "stock": 10, **fields}
        response = self.client.post(
            f"/api/v1/shops/{ref}/products", json=body, headers=owner.headers
        )
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def seller_with_product(self, **product_fields) -> tuple[Account, dict, dict]:
        owner, shop = self.shop()
        return owner, shop, self.product(owner, shop, **product_fields)

    # --- media and livestreams ---

    def upload(self, who: Account, data: bytes | None = None, filename: str = "photo.jpg"):
        """POST /api/v1/media with ``data`` (a small JPEG by default); the raw response."""
        data = media_files.jpeg((640, 480)) if data is None else data
        boundary, body = encode_multipart(
            {"file": FileStorage(BytesIO(data), filename, content_type="image/jpeg")}
        )
        return self.client.post(
            "/api/v1/media",
            data=body,
            headers=who.headers,
            content_type=f"multipart/form-data; boundary={boundary}",
        )

    def image(self, who: Account) -> dict:
        response = self.upload(who)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def livestream(self, owner: Account, shop: dict | str, expect: int = 201, **fields):
        ref = shop if isinstance(shop, str) else shop["id"]
        start = datetime.now(UTC) + timedelta(days=1)
        body = {
            "title": "Phiên live thổ cẩm",
            "platform": "facebook",
            "url": "https://www.facebook.com/cophien/videos/123",
            "scheduled_start": start.isoformat(),
            **fields,
        }
        response = self.client.post(
            f"/api/v1/shops/{ref}/livestreams", json=body, headers=owner.headers
        )
        assert response.status_code == expect, response.get_json()
        return response.get_json()

    # --- orders ---

    def checkout(self, buyer: Account, *lines: dict, expect: int = 201, headers=None, **extra):
        body = {
            "items": list(lines),
            "shipping_address": dict(ADDRESS),
            "payment_method": "cod",
            **extra,
        }
        response = self.client.post(
            "/api/v1/checkouts", json=body, headers={**buyer.headers, **(headers or {})}
        )
        assert response.status_code == expect, response.get_json()
        return response.get_json()

    def order_move(self, who: Account, order_id: str, move: str, expect: int = 200, **body):
        response = self.client.post(
            f"/api/v1/orders/{order_id}/{move}", json=body or None, headers=who.headers
        )
        assert response.status_code == expect, response.get_json()
        return response.get_json()

    # --- plain calls ---

    @staticmethod
    def _headers(who: Account | None, headers: dict | None) -> dict | None:
        """The caller's token, and any other headers (``Accept-Language``) beside it."""
        if who is None:
            return headers
        return {**who.headers, **(headers or {})}

    def get(self, path: str, who: Account | None = None, headers=None, **kwargs):
        return self.client.get(path, headers=self._headers(who, headers), **kwargs)

    def post(self, path: str, body=None, who: Account | None = None, headers=None, **kwargs):
        return self.client.post(path, json=body, headers=self._headers(who, headers), **kwargs)

    def patch(self, path: str, body=None, who: Account | None = None, headers=None, **kwargs):
        return self.client.patch(path, json=body, headers=self._headers(who, headers), **kwargs)

    def put(self, path: str, body=None, who: Account | None = None, headers=None, **kwargs):
        return self.client.put(path, json=body, headers=self._headers(who, headers), **kwargs)

    def delete(self, path: str, who: Account | None = None, **kwargs):
        return self.client.delete(path, headers=who.headers if who else None, **kwargs)


@pytest.fixture
def api(client, auth) -> Api:
    return Api(client, auth)


# The local Stripe-compatible server and signed deliveries of the payment tests.
from tests.orders.payments.conftest import (  # noqa: E402, F401
    localstripe_server,
    stopped_stripe,
    stripe_world,
)
