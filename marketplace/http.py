"""Request and response rules every route shares: body media types, security headers."""

from __future__ import annotations

from flask import Flask, current_app, request

from marketplace.errors import UnsupportedMediaType

BODY_METHODS = {"POST", "PUT", "PATCH"}


def accepts_body(*mimetypes: str):
    """Mark a view as taking bodies of these media types instead of JSON (uploads, forms)."""

    def mark(view):
        view.accepted_mimetypes = set(mimetypes)
        return view

    return mark


def _has_body() -> bool:
    return (
        bool(request.content_length)
        or "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    )


def require_json_bodies() -> None:
    """415 for an API body that is not JSON (webargs would report missing fields instead)."""
    if request.method not in BODY_METHODS or not request.path.startswith("/api/"):
        return
    if not _has_body():
        return
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    accepted = getattr(view, "accepted_mimetypes", {"application/json"})
    if request.mimetype not in accepted and not (
        "application/json" in accepted and request.mimetype.endswith("+json")
    ):
        raise UnsupportedMediaType(
            f"Send the body as {' or '.join(sorted(accepted))}.",
            details={"content_type": [request.mimetype or "missing"]},
        )


PAGE_CSP = (
    "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def add_security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def register_request_rules(app: Flask) -> None:
    app.before_request(require_json_bodies)
    app.after_request(add_security_headers)
