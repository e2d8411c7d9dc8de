"""Products: input shapes, the documented Product shape, and ``dump_products``.

``dump_products`` is how every part of the API renders products (lists, collections,
livestreams, the trade office): it batch-loads what a page needs in a constant number of
queries and builds plain dicts. ``ProductSchema`` documents the same shape for OpenAPI
(a test keeps the two in step); handlers answer with ``product_response``.
"""

from __future__ import annotations

import numbers
from collections import defaultdict

import sqlalchemy as sa
from flask import Response, current_app, jsonify
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from marketplace.extensions import db
from marketplace.models import Media, Product, ProductImage, ProductVariant, Shop
from marketplace.pagination import PaginationArgs
from marketplace.schemas.common import drop_nulls
from marketplace.schemas.media import MediaSchema, image_ids_field
from marketplace.services.catalog import categories
from marketplace.services.trade_office.ocop import current_certificates, ocop_json

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
        raise ValidationError("Must not be blank.")


_title = {"validate": [validate.Length(min=1, max=200), not_blank]}
_description = {"validate": validate.Length(max=20_000), "allow_none": True}
_sku = {"validate": validate.Length(min=1, max=64), "allow_none": True}
_weight = {"validate": validate.Range(min=1, max=1_000_000), "allow_none": True}
_category = {"validate": validate.Length(min=1, max=60), "allow_none": True}


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
    category = fields.String(load_default=None, validate=validate.Length(min=1, max=60))
    ocop_min_stars = fields.Integer(load_default=None, validate=validate.Range(min=3, max=5))
    min_price = fields.Integer(load_default=None, validate=validate.Range(min=0, max=MAX_PRICE))
    max_price = fields.Integer(load_default=None, validate=validate.Range(min=0, max=MAX_PRICE))
    sort = fields.String(load_default=None, validate=validate.OneOf(SORTS))


class ShopProductListArgs(PaginationArgs):
    status = fields.String(
        load_default="all",
        validate=validate.OneOf(["draft", "active", "archived", "suspended", "all"]),
    )


# --- output (documentation of what dump_products builds) --------------------------------------


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
    stars = fields.Integer()
    certificate_number = fields.String()
    issued_on = fields.Date()
    expires_on = fields.Date()
    status = fields.String(metadata={"enum": ["certified", "expired"]})


class ProductSchema(Schema):
    id = fields.String()
    shop = fields.Nested(ProductShopSchema)
    title = fields.String()
    description = fields.String(allow_none=True)
    price = fields.Integer(metadata={"description": "the lowest price of the active variants"})
    currency = fields.String()
    stock = fields.Integer(metadata={"description": "the total stock of the active variants"})
    status = fields.String(metadata={"enum": ["draft", "active", "archived", "suspended"]})
    suspension_reason = fields.String(allow_none=True)
    category = fields.Nested(CategoryRefSchema, allow_none=True)
    sku = fields.String(allow_none=True, metadata={"description": "the default variant's SKU"})
    weight_grams = fields.Integer(allow_none=True)
    images = fields.List(fields.Nested(MediaSchema))
    variants = fields.List(fields.Nested(VariantSchema))
    ocop = fields.Nested(OcopSchema, allow_none=True)
    created_at = fields.AwareDateTime(format="iso")
    updated_at = fields.AwareDateTime(format="iso")


class ProductPageSchema(Schema):
    items = fields.List(fields.Nested(ProductSchema))
    next_cursor = fields.String(allow_none=True)


class CategoryNodeSchema(Schema):
    slug = fields.String()
    name = fields.String()
    name_en = fields.String()
    children = fields.List(fields.Nested(lambda: CategoryNodeSchema()))


class CategoryTreeSchema(Schema):
    items = fields.List(fields.Nested(CategoryNodeSchema))


# --- rendering -------------------------------------------------------------------------------


def _loaded(obj, relationship: str) -> bool:
    # A loaded attribute lives in the instance's __dict__ (much cheaper than inspect()).
    return relationship in obj.__dict__


def _load_many_to_one(products: list[Product], relationship: str, model, fk: str) -> dict:
    """Objects each product points to, in one query unless the caller already loaded them."""
    if all(_loaded(p, relationship) for p in products):
        return {}
    ids = {getattr(p, fk) for p in products} - {None}
    if not ids:
        return {}
    return {obj.id: obj for obj in db.session.scalars(sa.select(model).where(model.id.in_(ids)))}


# Plain rows, not entities, from statements built once: a page holds a hundred variants or
# more and needs five of their fields; its images need only what MediaSchema shows.
_variants = ProductVariant.__table__
_ACTIVE_VARIANTS = (
    sa.select(
        _variants.c.product_id,
        _variants.c.id,
        _variants.c.sku,
        _variants.c.options,
        _variants.c.price,
        _variants.c.stock,
    )
    .where(
        _variants.c.product_id.in_(sa.bindparam("ids", expanding=True)),
        _variants.c.status == "active",
    )
    .order_by(_variants.c.position, _variants.c.id)
)
_images, _media = ProductImage.__table__, Media.__table__
_GALLERIES = (
    sa.select(_images.c.product_id, _media)
    .join_from(_images, _media, _media.c.id == _images.c.media_id)
    .where(_images.c.product_id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(_images.c.position)
)


def dump_products(products: list[Product]) -> list[dict]:
    """The contract's Product JSON for each product, in a constant number of queries."""
    if not products:
        return []
    ids = [p.id for p in products]
    variants: dict[str, list] = defaultdict(list)
    for variant in db.session.execute(_ACTIVE_VARIANTS, {"ids": ids}):
        variants[variant.product_id].append(variant)
    gallery: dict[str, list] = defaultdict(list)
    for image in db.session.execute(_GALLERIES, {"ids": ids}):
        gallery[image.product_id].append(image)
    shops = _load_many_to_one(products, "shop", Shop, "shop_id")
    category_names = categories.slug_and_name({p.category_id for p in products} - {None})
    if all(_loaded(p, "current_certificate") for p in products):
        certificates = {p.id: p.current_certificate for p in products}
    else:
        certificates = current_certificates(ids)
    currency = current_app.config["CURRENCY"]
    media_schema = MediaSchema(many=True) if gallery else None
    return [
        _product_json(
            product,
            shops.get(product.shop_id) or product.shop,
            category_names.get(product.category_id),
            variants[product.id],
            media_schema.dump(gallery[product.id]) if product.id in gallery else [],
            ocop_json(certificates.get(product.id)),
            currency,
        )
        for product in products
    ]


def dump_product(product: Product) -> dict:
    return dump_products([product])[0]


def _product_json(product, shop, category, variants, images, ocop, currency) -> dict:
    return {
        "id": product.id,
        "shop": {"id": shop.id, "slug": shop.slug, "name": shop.name, "commune": shop.commune},
        "title": product.title,
        "description": product.description,
        "price": min((v.price for v in variants), default=product.price),
        "currency": currency,
        "stock": sum(v.stock for v in variants),
        "status": product.status,
        "suspension_reason": product.suspension_reason if product.status == "suspended" else None,
        "category": {"slug": category[0], "name": category[1]} if category else None,
        "sku": variants[0].sku if variants else None,
        "weight_grams": product.weight_grams,
        "images": images,
        "variants": [
            {
                "id": v.id,
                "sku": v.sku,
                "options": v.options or {},
                "price": v.price,
                "stock": v.stock,
            }
            for v in variants
        ],
        "ocop": ocop,
        "created_at": product.created_at.isoformat(),
        "updated_at": product.updated_at.isoformat(),
    }


def product_response(product: Product, status: int = 200) -> Response:
    """One product as the answer (the handler's ``@blp.response`` documents its shape)."""
    response = jsonify(dump_product(product))
    response.status_code = status
    return response


def product_page_response(products: list[Product], next_cursor: str | None) -> Response:
    return jsonify({"items": dump_products(products), "next_cursor": next_cursor})
