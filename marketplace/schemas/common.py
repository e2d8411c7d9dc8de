"""Fields shared by several resources."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_load, validate

from marketplace.messages import N_
from marketplace.pagination import DEFAULT_LIMIT, MAX_LIMIT
from marketplace.services.phones import InvalidPhone, normalise_phone
from marketplace.services.places import LOCAL_TZ
from marketplace.services.text import normalise_email


class PhoneNumber(fields.String):
    """A phone number as typed; loaded as E.164 (Vietnam by default)."""

    def _deserialize(self, value, attr, data, **kwargs):
        raw = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalise_phone(raw)
        except InvalidPhone as exc:
            raise ValidationError(exc.args[0]) from exc


class EmailAddress(fields.Email):
    """An e-mail address as typed; loaded (then validated) in the form accounts store."""

    def _deserialize(self, value, attr, data, **kwargs):
        return normalise_email(super()._deserialize(value, attr, data, **kwargs))


def drop_nulls(data, *names: str):
    """A null for an optional field means it was not given (JSON clients often send one)."""
    if not isinstance(data, dict):
        return data
    return {key: value for key, value in data.items() if not (key in names and value is None)}


class Timestamp(fields.AwareDateTime):
    """ISO 8601; a time typed without an offset is read in Asia/Ho_Chi_Minh (UTC+07:00).

    Answers always carry their offset.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "metadata",
            {"description": "ISO 8601; without an offset it is read in Asia/Ho_Chi_Minh"},
        )
        super().__init__(format="iso", default_timezone=LOCAL_TZ, **kwargs)


class ErrorBody(Schema):
    code = fields.String(required=True, metadata={"description": "A stable snake_case code."})
    message = fields.String(required=True, metadata={"description": "Human text."})
    details = fields.Dict(
        required=True,
        metadata={"description": "For 422: each field mapped to a list of messages."},
    )


class ErrorEnvelope(Schema):
    """Every error answer: ``{"error": {"code", "message", "details"}}``."""

    error = fields.Nested(ErrorBody, required=True)


class Money(fields.Integer):
    """An amount in the currency's smallest unit."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)


class PaginationArgs(Schema):
    """``?limit=`` (default 24, clamped to 100) and ``?cursor=``."""

    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(min=1))
    # The cursors we give are URL-safe and a few hundred characters at most; anything else
    # is refused (400 ``invalid_cursor``, or 422 when longer than this).
    cursor = fields.String(
        load_default=None,
        validate=validate.Length(max=1024),
        metadata={"pattern": r"^[A-Za-z0-9_.\-]+$", "description": "a `next_cursor` as given"},
    )

    @post_load
    def clamp_limit(self, data, **kwargs):
        data["limit"] = min(data["limit"], MAX_LIMIT)
        return data


class StrictBoolean(fields.Boolean):
    """JSON ``true`` or ``false`` only: not ``"yes"``, ``1`` or ``"true"``."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError(N_("Must be true or false."))
        return value
