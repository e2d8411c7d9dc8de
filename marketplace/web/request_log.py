"""One log line per request, and the request id that ties it to the answer.

Each request gets an id: the proxy's ``X-Request-ID`` when the app runs behind trusted proxies
(``TRUSTED_PROXIES``) and the value is a plausible id, a new one otherwise (a client must not
choose the id an operator searches by). It is echoed in the answer's ``X-Request-ID`` header and
in the error envelope's ``details`` of 5xx answers (marketplace/errors.py).

The line itself (logger ``marketplace.request``) carries method, path, status, duration in
milliseconds, the user id when someone signed in, and the error code of error answers. With
``LOG_FORMAT=json`` every log record of the process, this one included, is one JSON object per
line (python-json-logger), with time, level and the request id of the request it was written
in; ``text`` keeps a terminal readable (``make run``).
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid

import sqlalchemy as sa
from flask import Flask, current_app, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

HEADER = "X-Request-ID"
# What a proxy's id may look like (nginx's $request_id is 32 hex digits; UUIDs fit too).
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9._:@-]{8,128}")

log = logging.getLogger("marketplace.request")

FORMATS = ("json", "text")
TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
JSON_FIELDS = "%(levelname)s %(name)s %(message)s"
# Libraries whose INFO records say nothing an operator needs (botocore: "Found credentials in
# environment variables." for every new client).
QUIET_LIBRARIES = ("botocore", "boto3", "urllib3", "s3transfer")
# The attribute marking the handler this module installed, so that it is installed once.
_OURS = "_marketplace_handler"


def request_id() -> str | None:
    """The current request's id (None outside a request)."""
    if not has_request_context():
        return None
    return g.get("request_id")


def ensure_request_id() -> str:
    """The current request's id, made now if the request was refused before it had one."""
    if "request_id" not in g:
        g.request_id = _incoming_id(bool(current_app.config.get("TRUSTED_PROXIES")))
    return g.request_id


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record written while a request is served ("-" elsewhere)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id() or "-"
        return True


def _formatter(fmt: str) -> logging.Formatter:
    if fmt == "json":
        return JsonFormatter(
            JSON_FIELDS,
            rename_fields={"levelname": "level", "name": "logger"},
            # ISO 8601 in UTC, first in the line.
            timestamp="time",
            json_ensure_ascii=False,
        )
    return logging.Formatter(TEXT_FORMAT)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a record comes (a test's capture, a service's
    journal), not to the stream that was there when it was installed."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def configure_logging(fmt: str, stream=None, level: int = logging.INFO) -> logging.Handler:
    """Send every record of the process to ``stream`` (stderr) in ``fmt``; once per process:
    a second call replaces the handler the first installed, and leaves others alone."""
    if fmt not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, got {fmt!r}")
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _OURS, False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    setattr(handler, _OURS, True)
    handler.setFormatter(_formatter(fmt))
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(level)
    for chatty in QUIET_LIBRARIES:
        logging.getLogger(chatty).setLevel(logging.WARNING)
    return handler


def _incoming_id(trusted: bool) -> str:
    offered = request.headers.get(HEADER, "") if trusted else ""
    if offered and _ACCEPTED_ID.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


def _user_id() -> str | None:
    """Who signed in, as far as the request already knows: no query is made for the log (the
    user object may have been expired by the request's rollback: its identity is kept)."""
    user = g.get("api_user") or g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    identity = sa.inspect(user, raiseerr=False)
    if identity is not None and identity.identity:
        return str(identity.identity[0])
    return None


def note_error_code(code: str) -> None:
    """Called by the error handlers: the code of the error answer, for the request's line."""
    if has_request_context():
        g.error_code = code


def register_request_log(app: Flask) -> None:
    trusted = bool(app.config.get("TRUSTED_PROXIES"))

    @app.before_request
    def start():
        g.request_id = _incoming_id(trusted)
        g.request_started = time.perf_counter()

    @app.after_request
    def finish(response):
        response.headers[HEADER] = ensure_request_id()
        started = g.get("request_started")
        duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
        status = response.status_code
        fields = {
            "request_id": g.request_id,
            "method": request.method,
            "path": request.path,
            "status": status,
            "duration_ms": duration_ms,
            "user_id": _user_id(),
            "remote_addr": request.remote_addr,
        }
        if status >= 400:
            fields["error_code"] = g.get("error_code")
        level = logging.ERROR if status >= 500 else logging.INFO
        log.log(
            level,
            "%s %s %s %sms",
            request.method,
            request.path,
            status,
            duration_ms,
            extra=fields,
        )
        return response
