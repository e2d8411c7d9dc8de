"""Domain errors with stable codes, and the one place that turns errors into responses.

Every API error leaves as the contract's envelope:
``{"error": {"code": "snake_case", "message": "human text", "details": {...}}}``.

Messages are English where they are raised (``N_("…")`` for a constant, ``Msg("…%(x)s", x=…)``
for one with values, see ``marketplace.messages``) and translated here, on the way out, into the
request's language (``marketplace.i18n``); codes never change with the language.
"""

from __future__ import annotations

import logging
import sqlite3

from flask import Flask, g, jsonify, render_template, render_template_string, request
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from marketplace.messages import N_, Msg
from marketplace.web.request_log import ensure_request_id, note_error_code

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}


class DomainError(Exception):
    """A rule of the domain was broken; carries an HTTP status and a stable code."""

    status = 400
    code = "bad_request"
    message = N_("The request could not be processed.")

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        details: dict | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.code = code or self.code
        self.details = details or {}
        self.status = status or self.status


class BadRequest(DomainError):
    status, code, message = 400, "bad_request", N_("The request is malformed.")


class MalformedJson(BadRequest):
    status, code, message = 400, "malformed_json", N_("The body is not valid JSON.")


class Unauthorized(DomainError):
    status, code, message = 401, "unauthorized", N_("Sign in to do this.")


class Forbidden(DomainError):
    status, code, message = 403, "forbidden", N_("You are not allowed to do this.")


class NotFound(DomainError):
    status, code, message = 404, "not_found", N_("Not found.")


class Conflict(DomainError):
    status, code, message = 409, "conflict", N_("This conflicts with the current state.")


class PayloadTooLarge(DomainError):
    status, code, message = 413, "payload_too_large", N_("The upload is too large.")


class UnsupportedMediaType(DomainError):
    status, code, message = 415, "unsupported_media_type", N_("This media type is not supported.")


class ValidationFailed(DomainError):
    """422 with ``details`` mapping each field to a list of messages."""

    status, code, message = 422, "validation_error", N_("Some fields are invalid.")

    @classmethod
    def field(cls, name: str, message: str, *, code: str | None = None) -> ValidationFailed:
        message = message if isinstance(message, Msg) else Msg(message)
        return cls(
            Msg("%(field)s: %(message)s", field=name, message=message),
            code=code,
            details={name: [message]},
        )


class ServiceUnavailable(DomainError):
    status, code, message = 503, "service_unavailable", N_("Try again in a moment.")


BARE_ERROR_PAGE = (
    "<!doctype html><title>{{ status }}</title><h1>{{ status }}</h1><p>{{ message }}</p>"
)


# Health probes read JSON whatever they send as Accept (often nothing, or */*).
JSON_ONLY_PATHS = frozenset({"/healthz", "/readyz"})


def wants_json() -> bool:
    return (
        request.path.startswith("/api/")
        or request.path in JSON_ONLY_PATHS
        or request.accept_mimetypes.best == "application/json"
    )


def error_response(status: int, code: str, message: str, details: dict | None = None):
    from marketplace.i18n import translate_details, translate_message

    note_error_code(code)
    message = translate_message(message)
    details = translate_details(details or {})
    if status >= 500:
        # What the caller quotes to the operator, who finds the request's log lines by it.
        details["request_id"] = ensure_request_id()
    body = {"error": {"code": code, "message": message, "details": details}}
    if not wants_json():
        try:
            page = render_template("pages/error.html", status=status, message=message)
        except Exception:  # the error page itself must never fail: fall back to bare HTML
            log.exception("error page could not be rendered")
            page = render_template_string(BARE_ERROR_PAGE, status=status, message=message)
        return page, status
    return jsonify(body), status


def flatten_webargs_messages(messages: dict) -> dict:
    """Merge webargs' per-location messages into one field → messages mapping."""
    details: dict = {}
    for location_messages in messages.values():
        if isinstance(location_messages, dict):
            details.update(location_messages)
        else:
            details.setdefault("_schema", []).extend(location_messages)
    return details


def http_exception_response(exc: HTTPException):
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages")
    code = HTTP_CODES.get(status, "error")
    message = exc.description or code.replace("_", " ")
    if status == 429 and message:  # Flask-Limiter's description is the limit ("5 per 1 minute")
        message = Msg("Too many requests: %(limit)s.", limit=message)
    details: dict = {}
    if messages:
        details = flatten_webargs_messages(messages)
        if status == 422:
            message = ValidationFailed.message
    response, status = error_response(status, code, message, details)
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    if status == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    if status == 429:
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            response.headers["Retry-After"] = str(retry_after)
    return response, status


def _sqlite_locked(error: sqlite3.OperationalError) -> bool:
    message = str(error).lower()
    return "locked" in message or "busy" in message


def _without_database_lookups() -> None:
    """The database is the trouble: the answer's language must not wait for it (no token
    lookup to learn the caller's locale; ``Accept-Language`` still counts)."""
    g.setdefault("api_user", None)
    g.setdefault("api_token_id", None)


def _database_unavailable(exc: Exception):
    log.error("database unavailable: %s", exc)
    _without_database_lookups()
    return error_response(503, "database_unavailable", N_("The database is not answering."))


def register_errorhandlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_domain_error(exc: DomainError):
        return error_response(exc.status, exc.code, exc.message, exc.details)

    @app.errorhandler(HTTPException)
    def handle_http_exception(exc: HTTPException):
        return http_exception_response(exc)

    @app.errorhandler(OperationalError)
    def handle_operational_error(exc: OperationalError):
        # SQLite answers "database is locked" when writers queue past the busy timeout:
        # the client may retry, so it is a 503, not a bug.
        if isinstance(exc.orig, sqlite3.OperationalError) and _sqlite_locked(exc.orig):
            _without_database_lookups()
            return error_response(503, "database_busy", N_("The database is busy; try again."))
        # Not reachable, a connect or statement timeout (DATABASE_CONNECT_TIMEOUT,
        # DATABASE_STATEMENT_TIMEOUT), a connection lost: the database, not the request.
        return _database_unavailable(exc)

    @app.errorhandler(PoolTimeout)
    def handle_pool_timeout(exc: PoolTimeout):
        # Every pooled connection stayed busy past DATABASE_CONNECT_TIMEOUT.
        return _database_unavailable(exc)

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        log.exception("unhandled error")
        _without_database_lookups()
        return error_response(500, "internal_error", N_("Something went wrong on our side."))

    @app.errorhandler(DBAPIError)
    def handle_database_error(exc: DBAPIError):
        if exc.connection_invalidated:  # the connection broke under the statement
            return _database_unavailable(exc)
        return handle_unexpected(exc)
