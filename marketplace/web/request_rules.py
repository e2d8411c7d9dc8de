"""Request and response rules every route shares: body media types, security headers."""

from __future__ import annotations

from flask import Flask, current_app, request
from werkzeug.datastructures import ImmutableMultiDict

from marketplace.errors import MalformedJson, NotFound, UnsupportedMediaType, ValidationFailed
from marketplace.messages import N_, Msg
from marketplace.web.authentication import require_role, require_user
from marketplace.web.request_body import BodyRequest
from marketplace.web.view_marks import ANY_MEDIA_TYPE, view_mark

BODY_METHODS = {"POST", "PUT", "PATCH"}


def accepts_body(*mimetypes: str):
    """Mark a view as taking bodies of these media types instead of JSON (uploads, forms)."""

    def mark(view):
        view.accepted_mimetypes = set(mimetypes)
        return view

    return mark


def sign_in_first(*roles: str):
    """Mark a view for signed-in users (holding one of ``roles`` when given): its 401 or 403
    comes before any complaint about the body or the query, as the contract's 401 promises."""

    def mark(view):
        view.sign_in_roles = roles
        return view

    return mark


def _mark(name: str):
    """A mark set on the view answering this request by ``sign_in_first`` or ``accepts_body``."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return view_mark(view, request.method, name)


def require_sign_in_first() -> None:
    roles = _mark("sign_in_roles")
    if roles is None:
        return
    if roles:
        require_role(*roles)
    else:
        require_user()


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
    accepted = _mark("accepted_mimetypes") or {"application/json"}
    if ANY_MEDIA_TYPE in accepted:
        return
    if request.mimetype not in accepted and not (
        "application/json" in accepted and request.mimetype.endswith("+json")
    ):
        raise UnsupportedMediaType(
            Msg("Send the body as %(types)s.", types=" or ".join(sorted(accepted))),
            details={"content_type": [request.mimetype or "missing"]},
        )


UNSTORABLE_TEXT = N_("Must not contain NUL characters or unpaired surrogates.")


# No body of ours nests more than a few levels; deeper ones would reach Python's recursion
# limit in the parsers behind this check (a 500), so they are refused here.
MAX_JSON_DEPTH = 32


def _deeper_than(value, limit: int) -> bool:
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth >= limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
    return False


def _unstorable(value) -> bool:
    """Text no database column takes: NUL (PostgreSQL refuses it) or a lone surrogate
    (not encodable as UTF-8), anywhere in a JSON value (walked without recursion)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item or (not item.isascii() and _has_surrogate(item)):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _field_name(name: str) -> str:
    # The name itself may be the bad text: the answer must still be valid UTF-8.
    return name.encode("utf-8", "backslashreplace").decode().replace("\x00", "\\x00")


def refuse_unstorable_input() -> None:
    """Never a 500 for text the database cannot hold: 404 for such a path, 422 for such query
    parameters or body fields; 400 ``malformed_json`` for a JSON body that does not parse
    (read here, before any view, so that every view sees it parsed) or is nested deeper than
    MAX_JSON_DEPTH."""
    if request.view_args and _unstorable(list(request.view_args.values())):
        raise NotFound()
    bad_args = sorted(
        {name for name, value in request.args.items(multi=True) if _unstorable([name, value])}
    )
    if bad_args:
        raise ValidationFailed(details={_field_name(n): [UNSTORABLE_TEXT] for n in bad_args})
    if request.method not in BODY_METHODS or not request.is_json or not _has_body():
        return
    body = request.get_json()
    if _deeper_than(body, MAX_JSON_DEPTH):
        raise MalformedJson(
            Msg("The body is nested more than %(max)s levels deep.", max=MAX_JSON_DEPTH)
        )
    if isinstance(body, dict):
        bad_fields = sorted(name for name, value in body.items() if _unstorable([name, value]))
        if bad_fields:
            raise ValidationFailed(details={_field_name(n): [UNSTORABLE_TEXT] for n in bad_fields})
    elif _unstorable(body):
        raise ValidationFailed(details={"_schema": [UNSTORABLE_TEXT]})


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


def ignore_empty_query_values() -> None:
    """``?commune=&q=`` as a form or an app builds it: an empty parameter is one not given
    (not a 422 for an empty filter)."""
    if not request.path.startswith("/api/") or not request.args:
        return
    every = list(request.args.items(multi=True))
    given = [(name, value) for name, value in every if value.strip()]
    if len(given) != len(every):
        request.args = ImmutableMultiDict(given)


def register_request_rules(app: Flask) -> None:
    app.request_class = BodyRequest
    app.before_request(ignore_empty_query_values)
    app.before_request(require_sign_in_first)
    app.before_request(require_json_bodies)
    app.before_request(refuse_unstorable_input)
    app.after_request(add_security_headers)
