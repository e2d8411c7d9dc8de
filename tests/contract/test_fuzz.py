"""Malformed bodies on every POST, PATCH and PUT of /api/openapi.json: never a 500, always
the error envelope.

Every field of every request body (and of the objects nested in it) gets each value of a
battery of wrong JSON types, edge numbers and hostile strings; then whole bodies that are not
objects, not JSON, or nested too deep. A call that succeeds is fine (some odd values are valid);
an error must be the contract's envelope, and nothing may answer 5xx.
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import UTC, datetime, timedelta

import pytest

from tests.contract.conftest import ADDRESS, assert_error

BAD_VALUES = [
    None,
    True,
    False,
    0,
    -1,
    2**31,
    2**63,
    -(2**63),
    10**30,
    1.5,
    -0.0,
    "",
    " ",
    "x",
    "-1",
    "\u0000",
    "a\u0000b",
    "\ud800",
    "9999-12-31T23:59:59+00:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31",
    [],
    {},
    [None],
    ["x"],
    [{}],
    [[[]]],
    {"a": "b"},
    "x" * 100_000,
]
RAW_BODIES = [
    "",
    "null",
    "[]",
    '"x"',
    "1",
    "true",
    "{",
    '{"a":',
    "NaN",
    '{"a": NaN}',
    '{"a": Infinity}',
    "[" * 50_000,
    '{"a":' * 50_000,
    # Nested deep enough to pass the JSON parser yet reach Python's recursion limit later.
    "[" * 940 + "]" * 940,
    '{"title": ' + "[" * 900 + "]" * 900 + "}",
    '{"items": [' + '{"a":' * 600 + "1" + "}" * 600 + "]}",
    "\xff\xfe",
    '{"a": 1, "a": 2}',
    # More digits than Python turns into an int: json.loads raises a plain ValueError.
    "1" + "0" * 5000,
    '{"password": 1' + "0" * 5000 + ', "quantity": 1}',
]

# Every operation with a body (or that may be sent one), and who calls it so that the body
# is read at all. The guard test below keeps this list in step with the OpenAPI document.
OPERATIONS = [
    ("POST", "/api/v1/auth/register", None),
    ("POST", "/api/v1/auth/token", None),
    ("POST", "/api/v1/shops", "owner"),
    ("PATCH", "/api/v1/shops/{ref}", "owner"),
    ("POST", "/api/v1/shops/{shop_ref}/products", "owner"),
    ("PATCH", "/api/v1/products/{product_id}", "owner"),
    ("POST", "/api/v1/media", "owner"),
    ("POST", "/api/v1/media/uploads", "owner"),
    ("POST", "/api/v1/media/{media_id}/complete", "owner"),
    ("POST", "/api/v1/checkouts", "buyer"),
    ("POST", "/api/v1/checkouts/quote", None),
    ("POST", "/api/v1/orders/{order_id}/confirm", "owner"),
    ("POST", "/api/v1/orders/{order_id}/ship", "owner"),
    ("POST", "/api/v1/orders/{order_id}/deliver", "owner"),
    ("POST", "/api/v1/orders/{order_id}/cancel", "owner"),
    ("POST", "/api/v1/orders/{order_id}/return", "owner"),
    ("POST", "/api/v1/orders/{order_id}/mark-paid", "owner"),
    ("POST", "/api/v1/payments/stripe/webhook", None),
    ("POST", "/api/v1/payments/bank/webhook", None),
    ("POST", "/api/v1/shops/{shop}/livestreams", "owner"),
    ("PATCH", "/api/v1/livestreams/{livestream_id}", "owner"),
    ("POST", "/api/v1/livestreams/{livestream_id}/start", "owner"),
    ("POST", "/api/v1/livestreams/{livestream_id}/end", "owner"),
    ("POST", "/api/v1/livestreams/{livestream_id}/cancel", "owner"),
    ("PUT", "/api/v1/livestreams/{livestream_id}/pinned", "owner"),
    ("POST", "/api/v1/livestreams/{livestream_id}/claims", "owner"),
    ("POST", "/api/v1/products/{product_id}/ocop-applications", "owner"),
    ("POST", "/api/v1/ocop/applications/{application_id}/approve", "officer"),
    ("POST", "/api/v1/ocop/applications/{application_id}/reject", "officer"),
    ("POST", "/api/v1/collections", "officer"),
    ("PATCH", "/api/v1/collections/{ref}", "officer"),
    ("POST", "/api/v1/shops/{shop_ref}/suspend", "officer"),
    ("POST", "/api/v1/shops/{shop_ref}/reinstate", "officer"),
    ("POST", "/api/v1/shops/{shop_ref}/verify", "officer"),
    ("POST", "/api/v1/products/{product_id}/suspend", "officer"),
    ("POST", "/api/v1/products/{product_id}/reinstate", "officer"),
    ("POST", "/api/v1/auth/password-reset", None),
    ("POST", "/api/v1/auth/password-reset/confirm", None),
    ("PATCH", "/api/v1/me", "buyer"),
    ("POST", "/api/v1/notifications/read", "buyer"),
    ("PUT", "/api/v1/shops/{ref}/follow", "buyer"),
    ("POST", "/api/v1/shops/{shop_ref}/assistance", "officer"),
]


def test_every_body_operation_of_the_openapi_document_is_fuzzed(api):
    spec = api.get("/api/openapi.json").get_json()
    documented = {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method in operations
        if method in ("post", "patch", "put")
    }
    assert documented == {(method, path) for method, path, _ in OPERATIONS}


@pytest.fixture
def world(api):
    """One of everything, made through the API, so that every path above exists."""
    owner, shop = api.shop()
    product = api.product(owner, shop, stock=1_000_000)
    image = api.image(owner)
    livestream = api.livestream(owner, shop, products=[{"product_id": product["id"]}])
    buyer = api.register()
    checkout = api.checkout(buyer, {"product_id": product["id"], "quantity": 1})
    order = checkout["orders"][0]
    officer = api.staff("officer")
    application = api.post(
        f"/api/v1/products/{product['id']}/ocop-applications", APPLICATION, owner
    )
    assert application.status_code == 201, application.get_json()
    collection = api.post(
        "/api/v1/collections", {"title": "Chọn lọc", "product_ids": [product["id"]]}, officer
    )
    assert collection.status_code == 201, collection.get_json()
    ids = {
        "ref": shop["id"],
        "shop_ref": shop["id"],
        "shop": shop["id"],
        "product_id": product["id"],
        "media_id": image["id"],
        "order_id": order["id"],
        "checkout_id": checkout["id"],
        "livestream_id": livestream["id"],
        "application_id": application.get_json()["id"],
        "province": shop["province_code"],
    }
    return {
        "accounts": {"owner": owner, "buyer": buyer, "officer": officer, None: None},
        "ids": ids,
        "collection_id": collection.get_json()["id"],
        "product_id": product["id"],
    }


APPLICATION = {
    "certificate_number": "OCOP-SL-2025-001",
    "stars": 4,
    "issuer": "UBND tỉnh Sơn La",
    "issued_on": "2025-01-10",
    "expires_on": "2028-01-10",
}


def valid_body(method: str, template: str, product_id: str) -> dict:
    """A body the operation accepts, so that one wrong field is read past the others."""
    start = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    return {
        ("POST", "/api/v1/auth/register"): {
            "name": "Lò Văn Tú",
            "password": "mật khẩu dài",
            "email": f"fuzz-{secrets.token_hex(4)}@example.vn",
            "role": "artisan",
        },
        ("POST", "/api/v1/auth/token"): {"login": "nobody@example.vn", "password": "12345678"},
        ("POST", "/api/v1/auth/password-reset"): {"login": "nobody@example.vn"},
        ("POST", "/api/v1/auth/password-reset/confirm"): {
            "login": "nobody@example.vn",
            "code": "123456",
            "password": "mật khẩu dài",
        },
        ("PATCH", "/api/v1/me"): {"locale": "en", "notify": {"sms": True, "email": False}},
        ("POST", "/api/v1/notifications/read"): {"all": True},
        ("POST", "/api/v1/shops"): {"name": "Thổ cẩm", "commune": "Vân Hồ"},
        ("POST", "/api/v1/shops/{shop_ref}/products"): {
            "title": "Khăn piêu",
            "price": 1000,
            "stock": 1,
            "variants": [{"options": {"màu": "đỏ"}, "price": 1000, "stock": 1}],
        },
        ("PATCH", "/api/v1/products/{product_id}"): {
            "variants": [{"options": {"màu": "xanh"}, "price": 2000, "stock": 3}]
        },
        ("POST", "/api/v1/media/uploads"): {
            "filename": "clip.mp4",
            "content_type": "video/mp4",
            "size": 1000,
        },
        ("POST", "/api/v1/checkouts"): {
            "items": [{"product_id": product_id, "quantity": 1}],
            "shipping_address": dict(ADDRESS),
            "payment_method": "cod",
        },
        ("POST", "/api/v1/checkouts/quote"): {
            "items": [{"product_id": product_id, "quantity": 1}],
            "shipping_address": dict(ADDRESS),
        },
        ("POST", "/api/v1/orders/{order_id}/ship"): {"carrier": "VNPost", "tracking_number": "1"},
        ("POST", "/api/v1/orders/{order_id}/return"): {"reason": "refused", "restock": True},
        ("POST", "/api/v1/shops/{shop}/livestreams"): {
            "title": "Phiên live",
            "platform": "facebook",
            "url": "https://www.facebook.com/cophien/videos/9",
            "scheduled_start": start,
            "products": [{"product_id": product_id, "live_price": 500}],
        },
        ("PATCH", "/api/v1/livestreams/{livestream_id}"): {
            "products": [{"product_id": product_id, "live_price": 500}]
        },
        ("PUT", "/api/v1/livestreams/{livestream_id}/pinned"): {"product_id": product_id},
        ("POST", "/api/v1/livestreams/{livestream_id}/claims"): {
            "comment": "A1 x2",
            "buyer_name": "Mùa A Sử",
            "buyer_phone": "0912 345 678",
            "shipping_address": dict(ADDRESS),
        },
        ("POST", "/api/v1/products/{product_id}/ocop-applications"): dict(APPLICATION),
        ("POST", "/api/v1/ocop/applications/{application_id}/reject"): {"reason": "blurry"},
        ("POST", "/api/v1/collections"): {"title": "Tết", "product_ids": [product_id]},
        ("POST", "/api/v1/shops/{shop_ref}/suspend"): {"reason": "fake goods"},
        ("POST", "/api/v1/shops/{shop_ref}/assistance"): {"consent_note": "asked in person"},
        ("POST", "/api/v1/products/{product_id}/suspend"): {"reason": "fake goods"},
    }.get((method, template), {})


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def _bodies(spec: dict, operation: dict, base: dict):
    """(label, body): ``base`` with one field, or one field of a nested object, made wrong;
    alone too, for fields that are checked before the others."""
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if not content:
        return
    schema = _resolve(spec, content["schema"])
    for name, prop in schema.get("properties", {}).items():
        if prop.get("readOnly"):
            continue
        for value in BAD_VALUES:
            yield f"{name}={value!r:.40}", {**base, name: value}
            yield f"only {name}={value!r:.40}", {name: value}
        prop = _resolve(spec, prop)
        if prop.get("type") == "array":
            inner = _resolve(spec, prop.get("items", {}))
            item = (base.get(name) or [{}])[0]
            for sub in inner.get("properties", {}):
                for value in BAD_VALUES:
                    yield f"{name}[0].{sub}={value!r:.40}", {**base, name: [{**item, sub: value}]}
        elif prop.get("type") == "object" or "properties" in prop:
            inner = base.get(name) or {}
            for sub in prop.get("properties", {}):
                for value in BAD_VALUES:
                    yield f"{name}.{sub}={value!r:.40}", {**base, name: {**inner, sub: value}}
    # Every field at once, each a megabyte of text.
    yield "all fields 1 MB", {name: "x" * 1_000_000 for name in schema.get("properties", {})}


@pytest.mark.parametrize(("method", "template", "caller"), OPERATIONS)
def test_malformed_bodies_never_500(api, app_config, world, method, template, caller):
    # Registrations are throttled per address: let every malformed one be read.
    app_config(
        RATELIMIT_REGISTER="100000 per hour",
        STRIPE_WEBHOOK_SECRET="whsec_test",
        BANK_WEBHOOK_SECRET="bank_test",
    )
    spec = api.get("/api/openapi.json").get_json()
    ids = dict(world["ids"])
    if template.startswith("/api/v1/collections/"):
        ids["ref"] = world["collection_id"]
    path = template.format(**ids)
    operation = spec["paths"][template][method.lower()]
    who = world["accounts"][caller]
    headers = dict(who.headers) if who else {}
    failures = []

    def send(label, data):
        response = api.client.open(
            path, method=method, data=data, content_type="application/json", headers=headers
        )
        if response.status_code >= 500:
            failures.append((label, response.status_code))
        elif response.status_code >= 400:
            try:
                assert_error(response, response.status_code)
            except AssertionError as exc:
                failures.append((label, response.status_code, f"not the envelope: {exc}"))

    base = valid_body(method, template, world["product_id"])
    for label, body in _bodies(spec, operation, base):
        send(label, json.dumps(body))
    for raw in RAW_BODIES:
        send(f"raw {raw[:20]!r}", raw.encode("utf-8", "surrogatepass"))
    assert not failures, failures[:20]


BAD_QUERY_VALUES = [
    "",
    " ",
    "0",
    "-1",
    "1.5",
    "99999999999999999999999",
    "1e400",
    "NaN",
    "abc",
    "a\u0000b",
    "%",
    "x" * 10_000,
    "2026-02-30",
    "9999-12-31",
    "0001-01-01",
    "1969-12-31",
    "true",
    "[]",
    "ÿ",
]
BAD_PATH_SEGMENTS = ["x" * 1000, "a%00b", "%E2%80%AE", "..", "0" * 32, "' OR 1=1 --"]


@pytest.mark.parametrize("caller", ["owner", "officer"])
def test_malformed_query_strings_never_500(api, world, caller):
    spec = api.get("/api/openapi.json").get_json()
    who = world["accounts"][caller]
    failures = []
    for template, operations in spec["paths"].items():
        get = operations.get("get")
        if not get:
            continue
        ids = dict(world["ids"])
        if template.startswith("/api/v1/collections/"):
            ids["ref"] = world["collection_id"]
        path = template.format(**ids)
        names = [p["name"] for p in get.get("parameters", []) if p.get("in") == "query"]
        for name in names + ["unknown_parameter"]:
            for value in BAD_QUERY_VALUES:
                response = api.client.get(path, query_string={name: value}, headers=who.headers)
                if response.status_code >= 500:
                    failures.append((path, name, value[:20], response.status_code))
                elif response.status_code >= 400:
                    assert_error(response, response.status_code)
    assert not failures, failures[:20]


def test_malformed_path_ids_never_500(api, world):
    spec = api.get("/api/openapi.json").get_json()
    who = world["accounts"]["owner"]
    failures = []
    for template, operations in spec["paths"].items():
        if "{" not in template:
            continue
        for method in operations:
            if method not in ("get", "post", "patch", "put", "delete"):
                continue
            for segment in BAD_PATH_SEGMENTS:
                path = re.sub(r"\{[^}]+\}", segment, template)
                response = api.client.open(path, method=method.upper(), headers=who.headers)
                if response.status_code >= 500:
                    failures.append((method, path[:80], response.status_code))
                elif response.status_code >= 400:
                    assert_error(response, response.status_code)
    assert not failures, failures[:20]
