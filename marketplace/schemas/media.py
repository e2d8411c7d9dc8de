"""Media as clients see it, and the bodies of the media calls."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from marketplace.schemas.common import Timestamp


class MediaSchema(Schema):
    id = fields.String()
    kind = fields.String()
    content_type = fields.String()
    size = fields.Integer(allow_none=True)
    width = fields.Integer(allow_none=True)
    height = fields.Integer(allow_none=True)
    url = fields.Method("get_url")
    variants = fields.Method("get_variants")
    status = fields.String()
    created_at = fields.AwareDateTime(format="iso")

    def get_url(self, media) -> str:
        from marketplace.services.media.uploads import public_url

        return public_url(media.key)

    def get_variants(self, media) -> dict:
        from marketplace.services.media.uploads import public_url

        return {name: public_url(key) for name, key in (media.variant_keys or {}).items()}


class ImageUploadSchema(Schema):
    """``multipart/form-data`` with the image in the field ``file``."""

    file = Upload(required=True)


class DirectUploadRequestSchema(Schema):
    # Only for the client's own bookkeeping: keys are generated, never taken from it.
    filename = fields.String(required=True, validate=validate.Length(min=1, max=255))
    content_type = fields.String(required=True, validate=validate.Length(min=1, max=100))
    size = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class UploadTicketSchema(Schema):
    method = fields.String()
    url = fields.String()
    # "fields" would shadow marshmallow's own Schema.fields.
    form_fields = fields.Dict(
        keys=fields.String(), values=fields.String(), attribute="fields", data_key="fields"
    )
    expires_at = Timestamp()


class DirectUploadSchema(Schema):
    media = fields.Nested(MediaSchema)
    upload = fields.Nested(UploadTicketSchema)


MAX_GALLERY_IMAGES = 20


def media_id_field(**kwargs) -> fields.String:
    """The id of one of the caller's ready images (a shop's logo or cover); null clears it."""
    return fields.String(allow_none=True, validate=validate.Length(min=1, max=32), **kwargs)


def image_ids_field(**kwargs) -> fields.List:
    """An ordered gallery: ids of the caller's own ready images, first shown first."""
    return fields.List(
        fields.String(validate=validate.Length(min=1, max=32)),
        validate=validate.Length(max=MAX_GALLERY_IMAGES),
        **kwargs,
    )
