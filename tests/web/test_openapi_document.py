"""The OpenAPI document tells the truth (issue 12, point 5): every error status an operation may
answer, each with the contract's envelope; the bearer scheme on every signed-in operation; the
CSV answers; and queries that the server in front (gunicorn) lets through whole.

schemathesis checks the same document against a live server (tests/schemathesis/run.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openapi_schema_validator import OAS30Validator

from marketplace import create_app
from tests.factories import make_product

ROOT = Path(__file__).resolve().parents[2]
METHODS = ("get", "post", "put", "patch", "delete")
BEARER_ONLY = [{"bearerAuth": []}]


@pytest.fixture
def spec(client):
    return client.get("/api/openapi.json").get_json()


def operations(spec):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


def resolved(spec, node):
    """``node`` with every ``$ref`` replaced by what it names (the error schemas nest two)."""
    if isinstance(node, dict):
        if "$ref" in node:
            *_, kind, name = node["$ref"].split("/")
            return resolved(spec, spec["components"][kind][name])
        return {key: resolved(spec, value) for key, value in node.items()}
    if isinstance(node, list):
        return [resolved(spec, item) for item in node]
    return node


def test_every_error_answer_is_documented_as_the_envelope(spec):
    envelope = resolved(spec, {"$ref": "#/components/schemas/ErrorEnvelope"})
    assert envelope["required"] == ["error"]
    error = envelope["properties"]["error"]
    assert set(error["required"]) == {"code", "message", "details"}
    assert error["properties"]["code"]["type"] == "string"
    assert error["properties"]["details"]["type"] == "object"
    assert "Error" not in spec["components"]["schemas"]  # flask-smorest's {code: int, status…}
    documented = 0
    for method, path, operation in operations(spec):
        responses = operation["responses"]
        assert "default" not in responses, (method, path)
        errors = {status: answer for status, answer in responses.items() if int(status) >= 400}
        assert "503" in errors, (method, path)  # the database may always be away
        for status, answer in errors.items():
            schema = resolved(spec, answer)["content"]["application/json"]["schema"]
            assert schema == envelope, (method, path, status)
            documented += 1
    assert documented > 300


@pytest.mark.parametrize(
    ("method", "path", "call", "status"),
    [
        ("get", "/api/v1/me", {}, 401),
        ("get", "/api/v1/me", {"headers": {"Authorization": "Bearer nope"}}, 401),
        ("get", "/api/v1/products/{product_id}", {}, 404),
        ("get", "/api/v1/shops", {"query_string": {"cursor": "forged"}}, 400),
        ("get", "/api/v1/products", {"query_string": {"limit": "many"}}, 422),
        ("post", "/api/v1/auth/token", {"data": "{", "content_type": "application/json"}, 400),
        ("post", "/api/v1/auth/register", {"data": "name=x", "content_type": "text/plain"}, 415),
        ("post", "/api/v1/auth/register", {"json": {"role": "officer"}}, 422),
        ("post", "/api/v1/auth/token", {"json": {"login": "a@b.c", "password": "x" * 8}}, 401),
        ("post", "/api/v1/payments/stripe/webhook", {"data": b"{}"}, 400),
    ],
)
def test_the_errors_the_server_sends_are_documented_and_match(
    client, app_config, spec, method, path, call, status
):
    app_config(STRIPE_WEBHOOK_SECRET="whsec_test")
    url = path.replace("{product_id}", "missing")
    response = client.open(url, method=method.upper(), **call)
    assert response.status_code == status, response.get_json()
    documented = spec["paths"][path][method]["responses"]
    assert str(status) in documented
    schema = resolved(spec, documented[str(status)])["content"]["application/json"]["schema"]
    OAS30Validator(schema).validate(response.get_json())


def test_a_role_s_403_is_documented(client, auth, spec):
    _, buyer = auth.user("buyer")
    response = client.post("/api/v1/shops", json={}, headers=buyer)
    assert response.status_code == 403
    assert "403" in spec["paths"]["/api/v1/shops"]["post"]["responses"]


def test_a_default_rate_limit_documents_429_on_every_operation(spec, restore_limiter):
    assert "429" not in spec["paths"]["/api/v1/products"]["get"]["responses"]
    assert "429" in spec["paths"]["/api/v1/auth/token"]["post"]["responses"]
    limited = create_app(
        {
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_DEFAULT": "300 per minute",
        }
    )
    document = limited.test_client().get("/api/openapi.json").get_json()
    for method, path, operation in operations(document):
        assert "429" in operation["responses"], (method, path)
        retry_after = resolved(document, operation["responses"]["429"])["headers"]
        assert "Retry-After" in retry_after


def test_signed_in_operations_require_the_bearer_scheme_and_no_other_does(client, spec):
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    # Anonymous or signed in everywhere else: Swagger UI sends the token to public calls too.
    assert spec["security"] == [{}, {"bearerAuth": []}]
    signed_in = []
    for method, path, operation in operations(spec):
        url = re.sub(r"\{[^}]+\}", "x", path)
        answer = client.open(url, method=method.upper())
        bearer_only = operation.get("security") == BEARER_ONLY
        assert (answer.status_code == 401) == bearer_only, (method, path, answer.status_code)
        if bearer_only:
            assert "401" in operation["responses"]
            signed_in.append((method, path))
    assert ("get", "/api/v1/me") in signed_in
    assert ("get", "/api/v1/orders/{order_id}") in signed_in
    assert len(signed_in) > 40


def test_csv_answers_are_documented_beside_json_and_sent_as_csv(client, auth, spec):
    _, officer = auth.user("officer")
    product = make_product(title="Mật ong bạc hà")
    collection = client.post(
        "/api/v1/collections",
        json={"title": "Chọn lọc", "product_ids": [product.id]},
        headers=officer,
    ).get_json()
    calls = {
        "/api/v1/reports/sales": "/api/v1/reports/sales?group_by=shop&format=csv",
        "/api/v1/collections/{ref}/export": f"/api/v1/collections/{collection['id']}/export"
        "?format=csv",
    }
    for path, url in calls.items():
        content = spec["paths"][path]["get"]["responses"]["200"]["content"]
        assert set(content) == {"application/json", "text/csv"}
        assert "$ref" in content["application/json"]["schema"]
        response = client.get(url, headers=officer)
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert response.headers["Content-Disposition"].startswith("attachment;")


# What one character of a query value may cost in the request line: a 4-byte UTF-8 character,
# each byte percent-encoded.
WORST_BYTES_PER_CHARACTER = 12
URL_SAFE = {"^[A-Za-z0-9_.\\-]+$"}


def _worst_value(schema) -> int:
    if "enum" in schema:
        return max(len(str(value)) for value in schema["enum"] if value is not None)
    if schema.get("type") in ("integer", "number"):
        return 24
    if schema.get("type") == "boolean":
        return len("false")
    if schema.get("format") in ("date", "date-time"):
        return 40
    assert "maxLength" in schema, schema  # an unbounded string could not fit any limit
    per_character = 1 if schema.get("pattern") in URL_SAFE else WORST_BYTES_PER_CHARACTER
    return schema["maxLength"] * per_character


def test_every_query_the_document_allows_fits_the_request_line_make_run_allows(spec):
    limit = re.search(r"--limit-request-line (\d+)", (ROOT / "Makefile").read_text())
    assert limit, "make run sets gunicorn's --limit-request-line"
    for method, path, operation in operations(spec):
        parameters = spec["paths"][path].get("parameters", []) + operation.get("parameters", [])
        length = len(f"{method.upper()}  HTTP/1.1") + len(re.sub(r"\{[^}]+\}", "", path))
        for parameter in parameters:
            if parameter["in"] == "path":
                length += _worst_value(parameter["schema"])
            elif parameter["in"] == "query":
                length += len(parameter["name"]) + 2 + _worst_value(parameter["schema"])
        assert length <= int(limit.group(1)), (method, path, length)
