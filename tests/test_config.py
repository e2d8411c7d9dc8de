"""Configuration from the environment."""

from __future__ import annotations

import pytest

from marketplace import create_app
from marketplace.config import ConfigurationError, load_or_create_secret_key

pytestmark = pytest.mark.usefixtures("restore_limiter")


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.setenv("MARKETPLACE_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app()


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    monkeypatch.setenv("MARKETPLACE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_development_secret_is_generated_once_and_shared(tmp_path):
    first = load_or_create_secret_key(str(tmp_path))
    second = load_or_create_secret_key(str(tmp_path))
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_database_url_and_limits_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    monkeypatch.setenv("MEDIA_MAX_BYTES", "1000")
    monkeypatch.setenv("PAYMENT_TIMEOUT_MINUTES", "5")
    app = create_app({"SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.db")
    assert app.config["MEDIA_MAX_BYTES"] == 1000
    assert app.config["PAYMENT_TIMEOUT_MINUTES"] == 5


def test_bad_number_in_the_environment_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("MEDIA_MAX_BYTES", "lots")
    with pytest.raises(ConfigurationError, match="MEDIA_MAX_BYTES"):
        create_app({"SECRET_KEY": "x"})


def test_trusted_proxies_set_the_client_address(monkeypatch, tmp_path):
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    app = create_app(
        {"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}"}
    )

    @app.get("/_whoami")
    def whoami():
        from flask import request

        return request.remote_addr or ""

    response = app.test_client().get("/_whoami", headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.get_data(as_text=True) == "203.0.113.9"


def test_database_timeouts_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    monkeypatch.setenv("DATABASE_CONNECT_TIMEOUT", "3")
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT", "20")
    app = create_app({"SECRET_KEY": "x"})
    assert app.config["DATABASE_CONNECT_TIMEOUT"] == 3
    assert app.config["DATABASE_STATEMENT_TIMEOUT"] == 20
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_timeout"] == 3
