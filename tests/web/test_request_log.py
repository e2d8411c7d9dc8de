"""One log line per request with its id, status, duration, user and error code; the id echoed
in the answer and in 5xx envelopes, taken from the proxy only behind trusted proxies."""

from __future__ import annotations

import io
import json
import logging

import pytest

from marketplace import create_app
from marketplace.extensions import db
from marketplace.web.request_log import configure_logging
from tests.factories.orders import post_checkout


@pytest.fixture
def json_log():
    """Every record of the process as JSON lines into a buffer, for one test."""
    buffer = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = configure_logging("json", stream=buffer)
    yield lambda: [json.loads(text) for text in buffer.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)


def request_lines(records):
    return [r for r in records if r["logger"] == "marketplace.request"]


def test_each_request_writes_one_json_line_with_its_fields(client, auth, json_log):
    user, headers = auth.user("buyer")
    response = client.get("/api/v1/notifications", headers=headers)
    assert response.status_code == 200
    [entry] = request_lines(json_log())
    assert entry["request_id"] == response.headers["X-Request-ID"]
    assert len(entry["request_id"]) == 32
    assert entry["method"] == "GET"
    assert entry["path"] == "/api/v1/notifications"
    assert entry["status"] == 200
    assert entry["level"] == "INFO"
    assert entry["user_id"] == user.id
    assert isinstance(entry["duration_ms"], float) and entry["duration_ms"] >= 0
    assert entry["time"].endswith("+00:00")
    assert "error_code" not in entry


def test_an_error_answer_logs_its_code(client, auth, json_log):
    _, headers = auth.user("buyer")
    response = post_checkout(client, headers, {"product_id": "nope", "quantity": 1})
    assert response.status_code in (404, 409, 422)
    [entry] = request_lines(json_log())
    assert entry["status"] == response.status_code
    assert entry["error_code"] == response.get_json()["error"]["code"]


def test_anonymous_requests_log_no_user(client, json_log):
    response = client.get("/api/v1/products/does-not-exist")
    assert response.status_code == 404
    [entry] = request_lines(json_log())
    assert entry["user_id"] is None
    assert entry["error_code"] == response.get_json()["error"]["code"] == "product_not_found"


def own_app(database_url, tmp_path, **settings):
    """An app of the test's own, with two views of its own: one logs, one fails."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "request-log",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "MEDIA_ROOT": str(tmp_path / "media"),
            "RATELIMIT_STORAGE_URI": "memory://",
            **settings,
        }
    )

    @app.get("/_test/logs-something")
    def logs_something():
        logging.getLogger("marketplace.test").warning("inside %s", "the view")
        return "ok"

    @app.get("/api/_test/fails")
    def fails():
        raise RuntimeError("boom")

    return app


@pytest.fixture
def test_app(database_url, tmp_path, restore_limiter):
    app = own_app(database_url, tmp_path)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def proxied_app(database_url, tmp_path, restore_limiter):
    app = own_app(database_url, tmp_path, TRUSTED_PROXIES=1)
    yield app
    with app.app_context():
        db.engine.dispose()


def test_records_written_during_a_request_carry_its_id(test_app, json_log):
    response = test_app.test_client().get("/_test/logs-something")
    inside = [r for r in json_log() if r["logger"] == "marketplace.test"]
    assert inside[0]["message"] == "inside the view"
    assert inside[0]["request_id"] == response.headers["X-Request-ID"]


def test_a_client_cannot_choose_its_request_id_without_a_trusted_proxy(client):
    response = client.get("/healthz", headers={"X-Request-ID": "chosen-by-the-client"})
    assert response.headers["X-Request-ID"] != "chosen-by-the-client"


def test_behind_a_trusted_proxy_its_request_id_is_kept(proxied_app):
    client = proxied_app.test_client()
    response = client.get("/healthz", headers={"X-Request-ID": "0123456789abcdef0123456789abcdef"})
    assert response.headers["X-Request-ID"] == "0123456789abcdef0123456789abcdef"
    # Not an id: replaced, so that nothing odd reaches the log.
    response = client.get("/healthz", headers={"X-Request-ID": 'x" injected {'})
    assert len(response.headers["X-Request-ID"]) == 32
    assert "injected" not in response.headers["X-Request-ID"]


def test_a_5xx_envelope_names_the_request_id(test_app, json_log):
    response = test_app.test_client().get("/api/_test/fails")
    assert response.status_code == 500
    body = response.get_json()
    assert body["error"]["code"] == "internal_error"
    assert body["error"]["details"]["request_id"] == response.headers["X-Request-ID"]
    records = json_log()
    [entry] = request_lines(records)
    assert entry["level"] == "ERROR"
    assert entry["error_code"] == "internal_error"
    # The traceback's record carries the same id.
    failure = [r for r in records if r["logger"] == "marketplace.errors"]
    assert failure[0]["request_id"] == entry["request_id"]
    assert "RuntimeError: boom" in failure[0]["exc_info"]


def test_4xx_envelopes_keep_their_details_unchanged(client):
    response = client.get("/api/v1/products/does-not-exist")
    assert response.get_json()["error"]["details"] == {}


def test_text_format_is_one_readable_line(client):
    buffer = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = configure_logging("text", stream=buffer)
    try:
        response = client.get("/healthz")
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    [text] = [t for t in buffer.getvalue().splitlines() if "marketplace.request" in t]
    assert f"[{response.headers['X-Request-ID']}]" in text
    assert "GET /healthz 200" in text


def test_log_format_must_be_json_or_text(monkeypatch, tmp_path):
    from marketplace.config import ConfigurationError, from_environment

    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ConfigurationError):
        from_environment(str(tmp_path), "secret")
    monkeypatch.delenv("LOG_FORMAT")
    monkeypatch.setenv("MARKETPLACE_ENV", "production")
    assert from_environment(str(tmp_path), "secret")["LOG_FORMAT"] == "json"
    monkeypatch.setenv("MARKETPLACE_ENV", "development")
    assert from_environment(str(tmp_path), "secret")["LOG_FORMAT"] == "text"
