"""Notifications and follows."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from marketplace.messages import N_
from marketplace.schemas.common import PaginationArgs, StrictBoolean
from marketplace.services.notifications import links

MAX_IDS = 100


class NotificationSchema(Schema):
    id = fields.String()
    kind = fields.String()
    title = fields.String()
    body = fields.String()
    link = fields.Method("absolute_link", allow_none=True)
    read_at = fields.AwareDateTime(format="iso", allow_none=True)
    created_at = fields.AwareDateTime(format="iso")

    def absolute_link(self, notification) -> str | None:
        return links.absolute(notification.link)


class NotificationPageSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema))
    next_cursor = fields.String(allow_none=True)


class NotificationListArgs(PaginationArgs):
    unread = fields.Boolean(load_default=False)


class MarkReadSchema(Schema):
    """``{"ids": [...]}`` or ``{"all": true}``."""

    ids = fields.List(
        fields.String(validate=validate.Length(min=1, max=32)),
        validate=validate.Length(min=1, max=MAX_IDS),
    )
    all = StrictBoolean()

    @validates_schema
    def one_of(self, data, **kwargs):
        if data.get("all") is True:
            if "ids" in data:
                raise ValidationError(N_("Give ids or all, not both."), field_name="ids")
            return
        if "ids" not in data:
            raise ValidationError(N_('Give "ids" or "all": true.'), field_name="ids")
