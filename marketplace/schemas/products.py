"""Products: what a shop owner sends, and the Product clients get back.

``ProductSchema`` dumps the ``ProductView`` objects of services/catalog/product_views (a page
of them loaded in a constant number of queries) through a function compiled from its fields
(schemas/fast_dump): one declared shape for the answers, the pages and the OpenAPI document.
"""

from __future__ import annotations

import numbers

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from marketplace.messages import N_
from marketplace.schemas.common import PaginationArgs, drop_nulls
from marketplace.schemas.fast_dump import FastDumpSchema
from marketplace.schemas.media import MediaSchema, image_ids_field
from marketplace.services.trade_office.ocop import certificate_status

MAX_PRICE = 1_000_000_000  # a billion dong: far above any craft, well inside a 32-bit column
MAX_STOCK = 1_000_000
MAX_VARIANTS = 100
SORTS = ("newest", "price_asc", "price_desc", "relevance")


class WholeNumber(fields.Integer):
    """A JSON integer: no strings, floats or booleans."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _validated(self, value):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise self.make_error("invalid")
        return super()._validated(value)


def _price(**kwargs) -> WholeNumber:
    return WholeNumber(validate=validate.Range(min=1, max=MAX_PRICE), **kwargs)


def _stock(**kwargs) -> WholeNumber:
    return WholeNumber(validate=validate.Range(min=0, max=MAX_STOCK), **kwargs)


def _options(**kwargs) -> fields.Dict:
    return fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=40)),
        values=fields.String(validate=validate.Length(min=1, max=80)),
        validate=validate.Length(max=5),
        **kwargs,
    )


def not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError(N_("Must not be blank."))


_title = {"validate": [validate.Length(min=1, max=200), not_blank]}
_description = {"validate": validate.Length(max=20_000), "allow_none": True}
_sku = {"validate": validate.Length(min=1, max=64), "allow_none": True}
_weight = {"validate": validate.Range(min=1, max=1_000_000), "allow_none": True}
_CATEGORY_HELP = (
    "a category's slug, or its name in Vietnamese or English (case and diacritics ignored)"
)
_category = {
    "validate": validate.Length(min=1, max=60),
    "allow_none": True,
    "metadata": {"description": _CATEGORY_HELP},
}


# --- input -----------------------------------------------------------------------------------


class VariantInputSchema(Schema):
    """One option set of a new product."""

    sku = fields.String(load_default=None, **_sku)
    options = _options(load_default=dict)
    price = _price(required=True)
    stock = _stock(required=True)


class VariantPatchSchema(Schema):
    """One entry of a PATCH's ``variants``: with ``id`` an update, without one a new variant."""

    id = fields.String(validate=validate.Length(min=1, max=32))
    sku = fields.String(**_sku)
    options = _options()
    price = _price()
    stock = _stock()

    @validates_schema
    def new_variants_are_complete(self, data, **kwargs):
        if "id" in data:
            return
        missing = {
            name: ["Required for a new variant."] for name in ("price", "stock") if name not in data
        }
        if missing:
            raise ValidationError(missing)


class ProductCreateSchema(Schema):
    title = fields.String(required=True, **_title)
    description = fields.String(load_default=None, **_description)
    price = _price()
    stock = _stock()
    category = fields.String(load_default=None, **_category)
    sku = fields.String(load_default=None, **_sku)
    weight_grams = WholeNumber(load_default=None, **_weight)
    status = fields.String(load_default="active", validate=validate.OneOf(["draft", "active"]))
    variants = fields.List(
        fields.Nested(VariantInputSchema), validate=validate.Length(min=1, max=MAX_VARIANTS)
    )
    image_ids = image_ids_field()

    @pre_load
    def optional_nulls_and_ignored_price(self, data, **kwargs):
        data = drop_nulls(data, "status", "variants", "image_ids", "price", "stock")
        if isinstance(data, dict) and isinstance(data.get("variants"), list) and data["variants"]:
            # With variants, the top-level price and stock are ignored, whatever they hold.
            data = {k: v for k, v in data.items() if k not in ("price", "stock")}
        return data

    @validates_schema
    def price_and_stock_or_variants(self, data, **kwargs):
        if data.get("variants"):
            return
        missing = {
            name: ["Required unless variants are given."]
            for name in ("price", "stock")
            if name not in data
        }
        if missing:
            raise ValidationError(missing)


class ProductUpdateSchema(Schema):
    title = fields.String(**_title)
    description = fields.String(**_description)
    price = _price()
    stock = _stock()
    category = fields.String(**_category)
    sku = fields.String(**_sku)
    weight_grams = WholeNumber(**_weight)
    status = fields.String(validate=validate.OneOf(["draft", "active", "archived"]))
    variants = fields.List(
        fields.Nested(VariantPatchSchema), validate=validate.Length(min=1, max=MAX_VARIANTS)
    )
    image_ids = image_ids_field()


class ProductListArgs(PaginationArgs):
    q = fields.String(load_default=None, validate=validate.Length(max=200))
    shop = fields.String(load_default=None, validate=validate.Length(min=1, max=140))
    commune = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=80),
        metadata={"description": "a commune code, or a name: every commune of that name"},
    )
    category = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=60),
        metadata={"description": f"{_CATEGORY_HELP}; its descendants too"},
    )
    ocop_min_stars = fields.Integer(load_default=None, validate=validate.Range(min=3, max=5))
    min_price = fields.Integer(load_default=None, validate=validate.Range(min=0, max=MAX_PRICE))
    max_price = fields.Integer(load_default=None, validate=validate.Range(min=0, max=MAX_PRICE))
    sort = fields.String(load_default=None, validate=validate.OneOf(SORTS))


class ShopProductListArgs(PaginationArgs):
    status = fields.String(
        load_default="all",
        validate=validate.OneOf(["draft", "active", "archived", "suspended", "all"]),
    )


class LabelArgs(Schema):
    format = fields.String(load_default="svg", validate=validate.OneOf(["svg", "png"]))


# --- output ------------------------------------------------------------------------------------


class ProductShopSchema(Schema):
    id = fields.String()
    slug = fields.String()
    name = fields.String()
    commune = fields.String()


class CategoryRefSchema(Schema):
    slug = fields.String()
    name = fields.String()


class VariantSchema(Schema):
    id = fields.String()
    sku = fields.String(allow_none=True)
    options = fields.Dict(keys=fields.String(), values=fields.String())
    price = fields.Integer()
    stock = fields.Integer()


class OcopSchema(Schema):
    """A product's current certificate (``OcopCertificate``)."""

    stars = fields.Integer()
    certificate_number = fields.String()
    issued_on = fields.Date()
    expires_on = fields.Date()
    status = fields.Function(
        certificate_status, metadata={"type": "string", "enum": ["certified", "expired"]}
    )


class ProductSchema(FastDumpSchema):
    """A ``ProductView`` (services/catalog/product_views): the product and what it shows."""

    id = fields.String(attribute="product.id")
    shop = fields.Nested(ProductShopSchema)
    title = fields.String(attribute="product.title")
    description = fields.String(attribute="product.description", allow_none=True)
    price = fields.Integer(metadata={"description": "the lowest price of the active variants"})
    currency = fields.String()
    stock = fields.Integer(metadata={"description": "the total stock of the active variants"})
    status = fields.String(
        attribute="product.status",
        metadata={"enum": ["draft", "active", "archived", "suspended"]},
    )
    suspension_reason = fields.String(allow_none=True)
    category = fields.Nested(CategoryRefSchema, allow_none=True)
    sku = fields.String(allow_none=True, metadata={"description": "the default variant's SKU"})
    weight_grams = fields.Integer(attribute="product.weight_grams", allow_none=True)
    images = fields.List(fields.Nested(MediaSchema))
    variants = fields.List(fields.Nested(VariantSchema))
    ocop = fields.Nested(OcopSchema, attribute="certificate", allow_none=True)
    trace_code = fields.String(
        attribute="product.trace_code",
        metadata={
            "description": "8 characters, never changed: the product's public traceability "
            "page is /t/{trace_code}"
        },
    )
    created_at = fields.AwareDateTime(attribute="product.created_at", format="iso")
    updated_at = fields.AwareDateTime(attribute="product.updated_at", format="iso")


class ProductPageSchema(FastDumpSchema):
    items = fields.List(fields.Nested(ProductSchema))
    next_cursor = fields.String(allow_none=True)


class CategoryNodeSchema(Schema):
    slug = fields.String()
    name = fields.String()
    name_en = fields.String()
    children = fields.List(fields.Nested(lambda: CategoryNodeSchema()))


class CategoryTreeSchema(Schema):
    items = fields.List(fields.Nested(CategoryNodeSchema))
