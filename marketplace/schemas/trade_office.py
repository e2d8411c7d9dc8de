"""The trade office: OCOP applications, collections, moderation, reports and the audit trail."""

from __future__ import annotations

from datetime import date

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
from marketplace.schemas.common import PaginationArgs, drop_nulls
from marketplace.schemas.media import MediaSchema
from marketplace.schemas.products import ProductSchema, ProductShopSchema, WholeNumber
from marketplace.services.trade_office.reports import GROUPS

_reason = {"validate": validate.Length(min=1, max=2000)}
_stars = {"validate": validate.Range(min=3, max=5)}
_slug = validate.And(
    validate.Length(min=1, max=120),
    validate.Regexp(
        r"^[a-z0-9]+(-[a-z0-9]+)*$", error="Use lower-case letters, digits and single hyphens."
    ),
    validate.Regexp(r"^(?![0-9a-f]{32}$)", error="A slug may not look like an id."),
)


def _strip(data: dict, *names: str) -> dict:
    for name in names:
        if isinstance(data.get(name), str):
            data[name] = data[name].strip() or None
    return data


# --- OCOP ------------------------------------------------------------------------------------


class ApplicationCreateSchema(Schema):
    certificate_number = fields.String(required=True, validate=validate.Length(min=1, max=80))
    stars = WholeNumber(required=True, **_stars)
    issuer = fields.String(required=True, validate=validate.Length(min=1, max=200))
    issued_on = fields.Date(required=True)
    expires_on = fields.Date(required=True)
    evidence_media_ids = fields.List(
        fields.String(validate=validate.Length(min=1, max=32)),
        load_default=list,
        validate=validate.Length(max=20),
    )

    @pre_load
    def optional_nulls(self, data, **kwargs):
        return drop_nulls(data, "evidence_media_ids")

    @validates_schema
    def dates_in_order(self, data, **kwargs):
        from marketplace.services.places import local_today

        issued, expires = data.get("issued_on"), data.get("expires_on")
        if issued and expires and expires <= issued:
            raise ValidationError(N_("Must be after issued_on."), field_name="expires_on")
        if issued and issued > local_today():
            raise ValidationError(N_("A certificate cannot be issued in the future."), "issued_on")

    @post_load
    def tidy(self, data, **kwargs):
        data["certificate_number"] = data["certificate_number"].strip()
        data["issuer"] = data["issuer"].strip()
        for name in ("certificate_number", "issuer"):
            if not data[name]:
                raise ValidationError(N_("Must not be blank."), field_name=name)
        return data


class ApplicationProductSchema(Schema):
    """The product applied for, and its shop: what a review queue shows."""

    id = fields.String()
    title = fields.String()
    shop = fields.Nested(ProductShopSchema)


class ApplicationSchema(Schema):
    id = fields.String()
    product_id = fields.String()
    product = fields.Nested(ApplicationProductSchema)
    status = fields.String(metadata={"enum": ["pending", "approved", "rejected"]})
    stars = fields.Integer(metadata={"description": "as claimed, then as approved"})
    claimed_stars = fields.Integer()
    certificate_number = fields.String()
    issuer = fields.String()
    issued_on = fields.Date()
    expires_on = fields.Date()
    evidence = fields.List(fields.Nested(MediaSchema))
    reason = fields.String(allow_none=True, metadata={"description": "why it was rejected"})
    note = fields.String(allow_none=True, metadata={"description": "the approving officer's note"})
    reviewed_by = fields.String(allow_none=True)
    reviewed_at = fields.AwareDateTime(format="iso", allow_none=True)
    created_at = fields.AwareDateTime(format="iso")


class ApplicationPageSchema(Schema):
    items = fields.List(fields.Nested(ApplicationSchema))
    next_cursor = fields.String(allow_none=True)


class ProductApplicationListArgs(PaginationArgs):
    status = fields.String(
        load_default=None, validate=validate.OneOf(["pending", "approved", "rejected"])
    )


class ApplicationListArgs(ProductApplicationListArgs):
    product_id = fields.String(load_default=None, validate=validate.Length(min=1, max=32))


class ApproveSchema(Schema):
    stars = WholeNumber(load_default=None, allow_none=True, **_stars)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))

    @post_load
    def tidy(self, data, **kwargs):
        return _strip(data, "note")


class _RequiredReason(Schema):
    """A required reason: rejections and suspensions."""

    reason = fields.String(required=True, **_reason)

    @post_load
    def not_blank(self, data, **kwargs):
        if not data["reason"].strip():
            raise ValidationError(N_("Must not be blank."), field_name="reason")
        data["reason"] = data["reason"].strip()
        return data


class RejectSchema(_RequiredReason):
    """Why the application is rejected: the producer reads it."""


class SuspendSchema(_RequiredReason):
    """Why the shop or product is suspended: its owner reads it."""


class OfficeNoteSchema(Schema):
    """An optional reason, kept in the audit trail: reinstating, verifying. ``note`` (the word
    approvals use) is taken for it too."""

    reason = fields.String(load_default=None, allow_none=True, **_reason)
    note = fields.String(load_default=None, allow_none=True, load_only=True, **_reason)

    @post_load
    def tidy(self, data, **kwargs):
        note = data.pop("note", None)
        if data.get("reason") is None:
            data["reason"] = note
        return _strip(data, "reason")


# --- Collections -----------------------------------------------------------------------------


class _CollectionFields(Schema):
    slug = fields.String(validate=_slug)
    description = fields.String(allow_none=True, validate=validate.Length(max=5000))
    product_ids = fields.List(
        fields.String(validate=validate.Length(min=1, max=32)), validate=validate.Length(max=500)
    )

    @post_load
    def tidy(self, data, **kwargs):
        if "title" in data:
            data["title"] = data["title"].strip()
            if not data["title"]:
                raise ValidationError(N_("Must not be blank."), field_name="title")
        return _strip(data, "description") if "description" in data else data


class CollectionCreateSchema(_CollectionFields):
    @pre_load
    def optional_nulls(self, data, **kwargs):
        return drop_nulls(data, "slug")

    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    product_ids = fields.List(
        fields.String(validate=validate.Length(min=1, max=32)),
        required=True,
        validate=validate.Length(max=500),
    )


class CollectionUpdateSchema(_CollectionFields):
    title = fields.String(validate=validate.Length(min=1, max=200))


class CollectionSchema(Schema):
    """A ``CollectionView``: the collection and its visible products, in order."""

    id = fields.String(attribute="collection.id")
    slug = fields.String(attribute="collection.slug")
    title = fields.String(attribute="collection.title")
    description = fields.String(attribute="collection.description", allow_none=True)
    products = fields.List(fields.Nested(ProductSchema))
    created_at = fields.AwareDateTime(attribute="collection.created_at", format="iso")
    updated_at = fields.AwareDateTime(attribute="collection.updated_at", format="iso")


class CollectionPageSchema(Schema):
    items = fields.List(fields.Nested(CollectionSchema))
    next_cursor = fields.String(allow_none=True)


class ExportArgs(Schema):
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))


class ExportRowSchema(Schema):
    """A product as a national e-commerce floor imports it (the CSV's columns, in order)."""

    title = fields.String()
    shop = fields.String()
    commune = fields.String()
    price = fields.Integer()
    currency = fields.String()
    ocop_stars = fields.Integer(allow_none=True, metadata={"description": "while certified"})
    ocop_certificate = fields.String(allow_none=True, metadata={"description": "while certified"})
    ocop_expires_on = fields.Date(allow_none=True)
    ocop_status = fields.String(allow_none=True, validate=validate.OneOf(["certified", "expired"]))
    image_urls = fields.List(fields.String())
    weight_grams = fields.Integer(allow_none=True)
    product_url = fields.Url()


class CollectionExportSchema(Schema):
    id = fields.String()
    slug = fields.String()
    title = fields.String()
    items = fields.List(fields.Nested(ExportRowSchema))


# --- Reports ---------------------------------------------------------------------------------


class PeriodArgs(Schema):
    """``from`` and ``to``: local dates (Asia/Ho_Chi_Minh), both inclusive, both optional."""

    first = fields.Date(data_key="from", load_default=None)
    last = fields.Date(data_key="to", load_default=None)

    @validates_schema
    def in_order(self, data, **kwargs):
        first, last = data.get("first"), data.get("last")
        if isinstance(first, date) and isinstance(last, date) and first > last:
            raise ValidationError(N_("Must not be after 'to'."), field_name="from")


class SalesArgs(PeriodArgs):
    group_by = fields.String(load_default="month", validate=validate.OneOf(GROUPS))
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))


class OverviewSchema(Schema):
    shops = fields.Integer(metadata={"description": "active shops today"})
    active_products = fields.Integer(metadata={"description": "products anyone can buy today"})
    ocop_products = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": 'of those, with a valid certificate: {"3": n, "4": n, "5": n}'},
    )
    orders = fields.Integer()
    revenue = fields.Integer(metadata={"description": "sum of order totals"})
    line_revenue = fields.Integer(metadata={"description": "sum of line totals"})
    livestream_revenue = fields.Integer(metadata={"description": "attributed line totals"})
    livestream_share = fields.Float(metadata={"description": "livestream_revenue / line_revenue"})
    currency = fields.String()


class SalesRowSchema(Schema):
    key = fields.String(metadata={"description": "by commune: the commune's official name"})
    commune_code = fields.String(
        allow_none=True, metadata={"description": "by commune only: the commune's code"}
    )
    province = fields.String(metadata={"description": "by commune only: the commune's province"})
    orders = fields.Integer()
    units = fields.Integer()
    revenue = fields.Integer()


class SalesReportSchema(Schema):
    rows = fields.List(fields.Nested(SalesRowSchema))
    currency = fields.String()


# --- Audit -----------------------------------------------------------------------------------


class AuditListArgs(PaginationArgs):
    actor = fields.String(load_default=None, validate=validate.Length(min=1, max=32))
    actor_id = fields.String(load_default=None, validate=validate.Length(min=1, max=32))
    action = fields.String(load_default=None, validate=validate.Length(min=1, max=60))
    target_type = fields.String(load_default=None, validate=validate.Length(min=1, max=40))
    target_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))

    @post_load
    def one_actor(self, data, **kwargs):
        actor = data.pop("actor")
        data["actor_id"] = data["actor_id"] or actor
        return data


class AuditEntrySchema(Schema):
    id = fields.String()
    actor_id = fields.String()
    action = fields.String()
    target_type = fields.String()
    target_id = fields.String()
    reason = fields.String(allow_none=True)
    details = fields.Dict(allow_none=True)
    created_at = fields.AwareDateTime(format="iso")


class AuditPageSchema(Schema):
    items = fields.List(fields.Nested(AuditEntrySchema))
    next_cursor = fields.String(allow_none=True)


# --- Assisted listing ------------------------------------------------------------------------


class AssistanceCreateSchema(Schema):
    consent_note = fields.String(
        required=True,
        validate=validate.Length(min=3, max=2000),
        metadata={"description": "how and when the owner asked for help (read by auditors)"},
    )


class AssistanceListArgs(PaginationArgs):
    status = fields.String(load_default="open", validate=validate.OneOf(["open", "all"]))
    shop_id = fields.String(load_default=None, validate=validate.Length(min=1, max=32))


class AssistanceGrantSchema(Schema):
    id = fields.String()
    shop_id = fields.String()
    officer_id = fields.String()
    consent_note = fields.String()
    starts_at = fields.AwareDateTime(format="iso")
    expires_at = fields.AwareDateTime(format="iso", metadata={"description": "7 days after"})
    ended_at = fields.AwareDateTime(
        format="iso", allow_none=True, metadata={"description": "when ended before it lapsed"}
    )


class AssistancePageSchema(Schema):
    items = fields.List(fields.Nested(AssistanceGrantSchema))
    next_cursor = fields.String(allow_none=True)
