"""The contract's conventions: the error envelope everywhere, OpenAPI, docs, health."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from tests.factories.envelopes import assert_envelope


def test_unknown_api_path_is_404_envelope(client):
    assert_envelope(client.get("/api/v1/nothing-here"), 404, "not_found")


def test_wrong_method_is_405_envelope(client):
    assert_envelope(client.put("/api/v1/me", json={}), 405, "method_not_allowed")


def test_malformed_json_is_400(client):
    response = client.post(
        "/api/v1/auth/register", data="{not json", content_type="application/json"
    )
    assert_envelope(response, 400, "malformed_json")


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
def test_body_that_is_not_json_is_415(client, content_type):
    response = client.post(
        "/api/v1/auth/register", data="name=x&password=y", content_type=content_type
    )
    assert_envelope(response, 415, "unsupported_media_type")


def test_json_that_is_not_an_object_is_422(client):
    response = client.post("/api/v1/auth/register", json=[1, 2, 3])
    assert_envelope(response, 422, "validation_error")


def test_wrong_types_are_422_not_500(client):
    response = client.post(
        "/api/v1/auth/register", json={"name": {"x": 1}, "password": 12345678, "email": ["a"]}
    )
    error = assert_envelope(response, 422, "validation_error")
    assert {"name", "password", "email"} <= set(error["details"])


def test_oversized_body_is_413(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post(
        "/api/v1/auth/register", data=b"x" * (limit + 1), content_type="application/json"
    )
    assert_envelope(response, 413, "payload_too_large")


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_openapi_document_is_valid_openapi_3(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    validate(spec)
    assert "/api/v1/auth/register" in spec["paths"]


def test_docs_are_served_without_a_cdn(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "http://" not in html and "https://" not in html
    for asset in ("/api/docs/assets/swagger-ui-bundle.js", "/static/swagger-init.js"):
        with client.get(asset) as response:
            assert response.status_code == 200
            assert response.mimetype in ("application/javascript", "text/javascript")


def test_security_headers(client):
    response = client.get("/api/docs")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    api = client.get("/healthz")
    assert api.headers["X-Content-Type-Options"] == "nosniff"


def test_vietnamese_is_sent_as_utf8_not_escapes(client):
    response = client.post(
        "/api/v1/auth/register",
        json={"name": "Giàng Thị Dợ", "password": "vai-lanh-2026", "phone": "0912 345 678"},
    )
    assert response.status_code == 201
    assert response.mimetype == "application/json"
    assert "Giàng Thị Dợ".encode() in response.data
    assert b"\\u" not in response.data
