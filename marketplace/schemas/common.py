"""Fields shared by several resources."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields

from marketplace.services.phones import InvalidPhone, normalise_phone


class PhoneNumber(fields.String):
    """A phone number as typed; loaded as E.164 (Vietnam by default)."""

    def _deserialize(self, value, attr, data, **kwargs):
        raw = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalise_phone(raw)
        except InvalidPhone as exc:
            raise ValidationError(str(exc)) from exc


def drop_nulls(data, *names: str):
    """A null for an optional field means it was not given (JSON clients often send one)."""
    if not isinstance(data, dict):
        return data
    return {key: value for key, value in data.items() if not (key in names and value is None)}


class Timestamp(fields.AwareDateTime):
    """ISO 8601 with an offset, always; naive input is rejected."""

    def __init__(self, **kwargs):
        super().__init__(format="iso", **kwargs)


class ErrorBody(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    details = fields.Dict()


class ErrorEnvelope(Schema):
    error = fields.Nested(ErrorBody, required=True)


class Money(fields.Integer):
    """An amount in the currency's smallest unit."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)


class StrictBoolean(fields.Boolean):
    """JSON ``true`` or ``false`` only: not ``"yes"``, ``1`` or ``"true"``."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError("Must be true or false.")
        return value
