"""Configuration read from the environment (see the table in API.md)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


class ConfigurationError(RuntimeError):
    """The app cannot start safely with the configuration it was given."""


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be a whole number, got {raw!r}") from exc


def _env_fee(name: str, default: int) -> int:
    fee = _env_int(name, default)
    if fee < 0:
        raise ConfigurationError(f"{name} must not be negative, got {fee}")
    return fee


def load_or_create_secret_key(instance_path: str) -> str:
    """Return the development secret kept in the instance folder, creating it once.

    Created with O_EXCL so that several workers starting together agree on one key.
    """
    path = Path(instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    return path.read_text().strip()


MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def from_environment(instance_path: str, secret_key: str | None = None) -> dict:
    """Build the configuration mapping from environment variables.

    ``secret_key``, when given (tests), spares the instance folder.
    """
    env = os.environ.get("MARKETPLACE_ENV", "development")
    production = env == "production"
    secret_key = secret_key or os.environ.get("SECRET_KEY")
    if not secret_key:
        if production:
            raise ConfigurationError(
                "SECRET_KEY must be set when MARKETPLACE_ENV=production "
                "(for example: export SECRET_KEY=$(python -c 'import secrets; "
                "print(secrets.token_hex(32))'))"
            )
        secret_key = load_or_create_secret_key(instance_path)

    media_max_bytes = _env_int("MEDIA_MAX_BYTES", 15 * 1024 * 1024)
    redis_url = os.environ.get("REDIS_URL") or None
    log_format = os.environ.get("LOG_FORMAT") or ("json" if production else "text")
    if log_format not in ("json", "text"):
        raise ConfigurationError(f"LOG_FORMAT must be json or text, got {log_format!r}")
    return {
        "MARKETPLACE_ENV": env,
        # One JSON object per line for a log collector; text for a terminal (make run).
        "LOG_FORMAT": log_format,
        # The bearer token /metrics asks for; unset, /metrics answers 404.
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN") or None,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL")
        or f"sqlite:///{Path(instance_path) / 'marketplace.db'}",
        "MEDIA_STORAGE": os.environ.get("MEDIA_STORAGE", "local"),
        "MEDIA_ROOT": os.environ.get("MEDIA_ROOT") or str(Path(instance_path) / "media"),
        "MEDIA_MAX_BYTES": media_max_bytes,
        "MEDIA_MAX_VIDEO_BYTES": _env_int("MEDIA_MAX_VIDEO_BYTES", 200 * 1024 * 1024),
        "MEDIA_MAX_PIXELS": _env_int("MEDIA_MAX_PIXELS", 40_000_000),
        # The memory one image may take while decoded (bytes per pixel of its modes, not only
        # pixels), and how many images one worker decodes at once.
        "MEDIA_MAX_DECODE_BYTES": _env_int("MEDIA_MAX_DECODE_BYTES", 160 * 1024 * 1024),
        "MEDIA_DECODE_SLOTS": _env_int("MEDIA_DECODE_SLOTS", 1),
        "S3_BUCKET": os.environ.get("S3_BUCKET"),
        "S3_ENDPOINT_URL": os.environ.get("S3_ENDPOINT_URL"),
        "S3_REGION": os.environ.get("S3_REGION"),
        "S3_PUBLIC_BASE_URL": os.environ.get("S3_PUBLIC_BASE_URL"),
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY"),
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET"),
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE"),
        # The pages take cards with Stripe.js on one page (/checkouts/<id>/pay): unset, the
        # pages offer no card payment (the API still does).
        "STRIPE_PUBLISHABLE_KEY": os.environ.get("STRIPE_PUBLISHABLE_KEY") or None,
        "STRIPE_JS_URL": os.environ.get("STRIPE_JS_URL", "https://js.stripe.com/v3/"),
        "PAYMENT_TIMEOUT_MINUTES": _env_int("PAYMENT_TIMEOUT_MINUTES", 30),
        "BANK_TRANSFER_TIMEOUT_HOURS": _env_int("BANK_TRANSFER_TIMEOUT_HOURS", 24),
        "BANK_WEBHOOK_SECRET": os.environ.get("BANK_WEBHOOK_SECRET") or None,
        "CURRENCY": os.environ.get("CURRENCY", "VND").upper(),
        # The address printed in QR labels (and messages); unset: the request's own host.
        "PUBLIC_BASE_URL": (os.environ.get("PUBLIC_BASE_URL") or "").rstrip("/") or None,
        # The province a new shop is in unless it names one (code or name; 14 is Sơn La).
        "MARKETPLACE_PROVINCE": os.environ.get("MARKETPLACE_PROVINCE") or "14",
        # A new shop's domestic shipping fee when it names none, so that it can sell at once.
        "DEFAULT_SHIPPING_FEE": _env_fee("DEFAULT_SHIPPING_FEE", 30000),
        "REDIS_URL": redis_url,
        # Anonymous catalogue reads answered from a cache (marketplace/web/hot_cache.py): how
        # long a copy lives at most (the stock shown may be that old), and a switch.
        "HOT_CACHE_TTL": float(os.environ.get("HOT_CACHE_TTL", "1")),
        "HOT_CACHE_ENABLED": os.environ.get("HOT_CACHE_ENABLED", "1") not in ("0", "false"),
        # Counters every worker shares: Redis when given, else the database (see
        # marketplace/web/rate_limit_storage.py); never one count per worker.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI")
        or redis_url
        or "database://",
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX") or "chophien",
        "RATELIMIT_DEFAULT": os.environ.get("RATELIMIT_DEFAULT") or None,
        "RATELIMIT_REGISTER": os.environ.get("RATELIMIT_REGISTER", "30 per hour"),
        "RATELIMIT_LOGIN_FAILURES": os.environ.get("RATELIMIT_LOGIN_FAILURES", "10 per 15 minutes"),
        "RATELIMIT_LOGIN_FAILURES_PER_ADDRESS": os.environ.get(
            "RATELIMIT_LOGIN_FAILURES_PER_ADDRESS", "50 per 15 minutes"
        ),
        "TRUSTED_PROXIES": _env_int("TRUSTED_PROXIES", 0),
        # How long a claimed Idempotency-Key whose request never answered (its worker or host
        # died) stays "in progress" before a retry may take it over: twice gunicorn's 30-second
        # worker timeout, past which no request is still running.
        "IDEMPOTENCY_ABANDONED_AFTER_SECONDS": _env_int("IDEMPOTENCY_ABANDONED_AFTER_SECONDS", 60),
        # Seconds. Well within gunicorn's 30-second worker timeout: a database that does not
        # answer costs the client a 503, not the worker its life.
        "DATABASE_CONNECT_TIMEOUT": _env_int("DATABASE_CONNECT_TIMEOUT", 5),
        "DATABASE_STATEMENT_TIMEOUT": _env_int("DATABASE_STATEMENT_TIMEOUT", 10),
        # Notifications: channels (unset: written to the log), links, the worker's pace.
        "SMTP_URL": os.environ.get("SMTP_URL") or None,
        "MAIL_FROM": os.environ.get("MAIL_FROM") or None,
        "SMS_WEBHOOK_URL": os.environ.get("SMS_WEBHOOK_URL") or None,
        "SMS_WEBHOOK_TOKEN": os.environ.get("SMS_WEBHOOK_TOKEN") or None,
        "NOTIFY_RETRY_BASE_SECONDS": _env_int("NOTIFY_RETRY_BASE_SECONDS", 30),
        "NOTIFY_RETRY_CAP_SECONDS": _env_int("NOTIFY_RETRY_CAP_SECONDS", 3600),
        "NOTIFY_MAX_ATTEMPTS": _env_int("NOTIFY_MAX_ATTEMPTS", 12),
        "NOTIFY_LEASE_SECONDS": _env_int("NOTIFY_LEASE_SECONDS", 120),
        "NOTIFY_POLL_SECONDS": _env_int("NOTIFY_POLL_SECONDS", 1),
        "NOTIFY_BATCH_SIZE": _env_int("NOTIFY_BATCH_SIZE", 20),
        "NOTIFY_SEND_TIMEOUT_SECONDS": _env_int("NOTIFY_SEND_TIMEOUT_SECONDS", 15),
        "RATELIMIT_PASSWORD_RESET": os.environ.get(
            "RATELIMIT_PASSWORD_RESET", "3 per 15 minutes;10 per day"
        ),
        "RATELIMIT_PASSWORD_RESET_PER_ADDRESS": os.environ.get(
            "RATELIMIT_PASSWORD_RESET_PER_ADDRESS", "30 per hour"
        ),
        # Room for the largest image upload plus the multipart framing around it.
        "MAX_CONTENT_LENGTH": media_max_bytes + 1024 * 1024,
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
    }


DEFAULTS = {
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "PASSWORD_HASH_METHOD": "scrypt",
    "RATELIMIT_HEADERS_ENABLED": True,
    "WTF_CSRF_TIME_LIMIT": None,
    "API_TITLE": "Chợ Phiên API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
    "IDEMPOTENCY_KEY_TTL_HOURS": 24,
    # How long an upload waits for one of the worker's decode slots before a 503.
    "MEDIA_DECODE_WAIT_SECONDS": 10,
}
