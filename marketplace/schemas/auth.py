"""Accounts."""

from __future__ import annotations

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from marketplace.messages import N_
from marketplace.schemas.common import EmailAddress, PhoneNumber, StrictBoolean, drop_nulls


class UserSchema(Schema):
    id = fields.String()
    name = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    role = fields.String()
    locale = fields.String()
    notify = fields.Method("notify_choice")
    created_at = fields.AwareDateTime(format="iso")

    def notify_choice(self, user) -> dict:
        return {"sms": user.notify_sms, "email": user.notify_email}


class RegisterSchema(Schema):
    name = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=120),
            validate.Regexp(r"\s*\S", error="Must not be blank."),
        ],
    )
    password = fields.String(
        required=True, load_only=True, validate=validate.Length(min=8, max=200)
    )
    email = EmailAddress(load_default=None, allow_none=True, validate=validate.Length(max=254))
    phone = PhoneNumber(load_default=None, allow_none=True, validate=validate.Length(max=40))
    role = fields.String(load_default="buyer", validate=validate.OneOf(["buyer", "artisan"]))
    locale = fields.String(load_default="vi", validate=validate.OneOf(["vi", "en"]))

    @pre_load
    def optional_nulls(self, data, **kwargs):
        return drop_nulls(data, "locale")

    @validates_schema
    def needs_a_login(self, data, **kwargs):
        if not data.get("email") and not data.get("phone"):
            raise ValidationError(N_("Give an email or a phone number."), field_name="email")

    @post_load
    def tidy(self, data, **kwargs):
        data["name"] = data["name"].strip()
        return data


class TokenRequestSchema(Schema):
    login = fields.String(required=True, validate=validate.Length(min=1, max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=200))


class SessionSchema(Schema):
    user = fields.Nested(UserSchema)
    token = fields.String()


NAME_RULES = [
    validate.Length(min=1, max=120),
    validate.Regexp(r"\s*\S", error="Must not be blank."),
]


class NotifyChoiceSchema(Schema):
    """The channels notifications go by besides the in-app list."""

    sms = StrictBoolean()
    email = StrictBoolean()


class ProfileUpdateSchema(Schema):
    name = fields.String(validate=NAME_RULES)
    locale = fields.String(validate=validate.OneOf(["vi", "en"]))
    notify = fields.Nested(NotifyChoiceSchema)

    @post_load
    def tidy(self, data, **kwargs):
        if "name" in data:
            data["name"] = data["name"].strip()
        return data


class PasswordResetRequestSchema(Schema):
    login = fields.String(required=True, validate=validate.Length(min=1, max=254))


class PasswordResetRequestedSchema(Schema):
    """The same answer whether or not the login has an account."""

    message = fields.String()


class PasswordResetConfirmSchema(Schema):
    login = fields.String(required=True, validate=validate.Length(min=1, max=254))
    code = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=20))
    password = fields.String(
        required=True, load_only=True, validate=validate.Length(min=8, max=200)
    )
