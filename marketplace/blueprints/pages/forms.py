"""Pages' forms: errors beside their fields, in the page's language, and the values kept.

A form that fails answers 422 with the same form, every typed value back in place (nothing is
lost on a flaky connection) and each message next to its field.
"""

from __future__ import annotations

from flask import current_app, request
from marshmallow import ValidationError

from marketplace.errors import DomainError
from marketplace.extensions import csrf
from marketplace.i18n import translate_message

FORM = "_form"  # the key of messages that belong to no single field


def translated(message: str) -> str:
    """A service's or schema's English message in the page's language (as is when unknown)."""
    return translate_message(message) if message else message


def _flat(messages) -> list[str]:
    if isinstance(messages, dict):
        return [text for value in messages.values() for text in _flat(value)]
    if isinstance(messages, list | tuple):
        return [text for value in messages for text in _flat(value)]
    return [str(messages)]


def form_errors(
    error: DomainError | ValidationError,
    fields: set[str] | None = None,
    *,
    say=translated,
) -> dict:
    """``{field: [message, …], "_form": [...]}``; a field the form lacks goes to ``_form``.

    ``say`` turns each English message into the page's words (a form may say it its own way).
    """
    if isinstance(error, ValidationError):
        details = error.messages if isinstance(error.messages, dict) else {FORM: error.messages}
    elif error.details and all(isinstance(value, list) for value in error.details.values()):
        details = error.details
    else:
        details = {FORM: [error.message]}
    errors: dict[str, list[str]] = {}
    for name, messages in details.items():
        key = name if fields is None or name in fields else FORM
        errors.setdefault(key, []).extend(say(text) for text in _flat(messages))
    return errors


def has_session() -> bool:
    """Whether the visitor already carries a session cookie."""
    return current_app.config["SESSION_COOKIE_NAME"] in request.cookies


def sessionless_form(view):
    """A form a visitor without a session may send without a CSRF token (adding to a cart).

    A forged request can only ride a session the victim already has: with one, the token is
    checked as for every form; without one there is nothing to ride, and asking for a token
    would put one in every page that shows the form — which then could not be served from the
    hot-read cache to the crowd a livestream sends to a product.
    """
    csrf.exempt(view)

    def protected(*args, **kwargs):
        if has_session():
            csrf.protect()
        return view(*args, **kwargs)

    protected.__name__ = view.__name__
    protected.__doc__ = view.__doc__
    csrf.exempt(protected)
    return protected
