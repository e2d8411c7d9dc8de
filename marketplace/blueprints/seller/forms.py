"""What the seller centre's forms share: numbers typed as people type them, photos sent from
the phone, and the form's values kept for the answer when something fails."""

from __future__ import annotations

import re

from flask import request
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from marketplace.blueprints.pages.forms import form_errors
from marketplace.errors import DomainError
from marketplace.models import User
from marketplace.services.media import uploads as media_service

# 350000, 350.000, 350,000, 350 000, 350.000 ₫, 350000đ
_GROUPED = re.compile(r"\d{1,3}(?:[.,\s]\d{3})+|\d+")
_CURRENCY = re.compile(r"\s*(?:₫|đ|đồng|dong|vnd|vnđ)\s*$", re.IGNORECASE)
MAX_DIGITS = 12


class NotANumber(ValueError):
    pass


def whole_number(text: str | None) -> int | None:
    """A whole number as typed on a phone (``350000`` or ``350.000``, a ``₫`` or ``đ`` after
    it); None when the box was left empty; ``NotANumber`` otherwise."""
    text = _CURRENCY.sub("", (text or "").strip()).strip()
    if not text:
        return None
    if not _GROUPED.fullmatch(text):
        raise NotANumber(text)
    digits = re.sub(r"\D", "", text)
    if len(digits) > MAX_DIGITS:
        raise NotANumber(text)
    return int(digits)


def read_numbers(form, names: tuple[str, ...], errors: dict) -> dict[str, int | None]:
    """The named boxes as whole numbers (None when empty); an error beside each bad one."""
    found: dict[str, int | None] = {}
    for name in names:
        try:
            found[name] = whole_number(form.get(name))
        except NotANumber:
            errors.setdefault(name, []).append(_("Type numbers only, like 350000 or 350.000."))
    return found


def text_or_none(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def chosen_files(name: str) -> list[FileStorage]:
    """The files sent in ``name`` (an empty file box sends one nameless, empty part)."""
    return [f for f in request.files.getlist(name) if f and (f.filename or f.content_length)]


def upload_photos(user: User, name: str, errors: dict) -> list[str]:
    """Store every photo sent in ``name`` through the media service (the API's own checks:
    JPEG, PNG, WebP or HEIC, size and pixel limits); the ids of those that worked, an error
    beside the box for each that did not (the others are kept)."""
    ids = []
    for upload in chosen_files(name):
        try:
            ids.append(media_service.upload_image(user, upload.stream).id)
        except DomainError as exc:
            label = upload.filename or _("a photo")
            problem = " ".join(form_errors(exc).get("file") or [exc.message])
            errors.setdefault(name, []).append(
                _("%(file)s: %(problem)s", file=label, problem=problem)
            )
    return ids


def merge(errors: dict, more: dict) -> dict:
    for name, messages in more.items():
        errors.setdefault(name, []).extend(messages)
    return errors


def nested_errors(exc: DomainError, fields: set[str], nested: tuple[str, ...]) -> dict:
    """``form_errors``, with the messages of a nested object (``bank_account.bank_bin``) put
    beside the form's own box of that name."""
    from marshmallow import ValidationError

    details = getattr(exc, "details", None) or getattr(exc, "messages", None)
    if isinstance(details, dict) and any(isinstance(details.get(n), dict) for n in nested):
        flat: dict = {}
        for name, value in details.items():
            if name in nested and isinstance(value, dict):
                flat.update(value)
            else:
                flat[name] = value if isinstance(value, list) else [str(value)]
        return form_errors(ValidationError(flat), fields)
    return form_errors(exc, fields)
