"""Media as clients see it (the media issue owns this module)."""

from __future__ import annotations

from marshmallow import Schema, fields


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
        from marketplace.services.media import public_url

        return public_url(media.key)

    def get_variants(self, media) -> dict:
        from marketplace.services.media import public_url

        return {name: public_url(key) for name, key in (media.variant_keys or {}).items()}
