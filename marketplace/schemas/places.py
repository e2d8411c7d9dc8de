"""Places: Vietnam's provinces and communes as the places endpoints list them."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class PlaceSchema(Schema):
    code = fields.String(metadata={"description": "official code: 2 digits, 5 for a commune"})
    name = fields.String(metadata={"description": "official name (Sơn La, Phường Sa Pa)"})


class PlaceListSchema(Schema):
    items = fields.List(fields.Nested(PlaceSchema))


class CommuneListArgs(Schema):
    q = fields.String(
        load_default=None,
        validate=validate.Length(max=80),
        metadata={"description": "part of the name; case and diacritics ignored"},
    )
