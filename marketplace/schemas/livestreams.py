"""Livestreams: sessions, their featured products, stats and comment claims."""

from __future__ import annotations

from datetime import UTC, datetime

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from marketplace.messages import N_, Msg
from marketplace.schemas.common import PaginationArgs, PhoneNumber, Timestamp, drop_nulls
from marketplace.schemas.orders import OrderSchema, ShippingAddressSchema
from marketplace.schemas.products import MAX_PRICE, WholeNumber
from marketplace.services.livestreams.links import (
    MAX_URL_LENGTH,
    PLATFORMS,
    InvalidLivestreamUrl,
    check_livestream_url,
)
from marketplace.services.phones import is_vietnamese

STATUSES = ("scheduled", "live", "ended", "cancelled")
MAX_FEATURED = 100
# Any real schedule fits; the bounds keep date arithmetic (planned ends, calendars) in range.
_IN_RANGE = validate.Range(
    min=datetime(2000, 1, 1, tzinfo=UTC),
    max=datetime(3000, 1, 1, tzinfo=UTC),
    error="Give a time between the years 2000 and 3000.",
)


# --- input -----------------------------------------------------------------------------------


class FeaturedProductInputSchema(Schema):
    """One featured product; ``live_price`` left out keeps the one it has (none for a new one)."""

    product_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    live_price = WholeNumber(allow_none=True, validate=validate.Range(min=1, max=MAX_PRICE))


def _check_url(data: dict) -> None:
    if "url" in data and "platform" in data:
        try:
            check_livestream_url(data["url"], data["platform"])
        except InvalidLivestreamUrl as exc:
            raise ValidationError(exc.args[0], field_name="url") from exc


def _check_times(data: dict) -> None:
    start, end = data.get("scheduled_start"), data.get("scheduled_end")
    if start is not None and end is not None and end <= start:
        raise ValidationError(N_("Must be after scheduled_start."), field_name="scheduled_end")


def _distinct_products(products: list[dict] | None) -> None:
    ids = [entry["product_id"] for entry in products or []]
    if len(ids) != len(set(ids)):
        raise ValidationError(N_("Each product may be featured once."), field_name="products")


_TITLE = [validate.Length(min=1, max=200), validate.Regexp(r"\s*\S", error="Must not be blank.")]


class LivestreamCreateSchema(Schema):
    title = fields.String(required=True, validate=_TITLE)
    platform = fields.String(required=True, validate=validate.OneOf(PLATFORMS))
    url = fields.String(required=True, validate=validate.Length(min=1, max=MAX_URL_LENGTH))
    scheduled_start = Timestamp(required=True, validate=_IN_RANGE)
    scheduled_end = Timestamp(load_default=None, allow_none=True, validate=_IN_RANGE)
    description = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=5000)
    )
    products = fields.List(
        fields.Nested(FeaturedProductInputSchema),
        load_default=list,
        validate=validate.Length(max=MAX_FEATURED),
    )

    @pre_load
    def optional_nulls(self, data, **kwargs):
        return drop_nulls(data, "products")

    @validates_schema
    def consistent(self, data, **kwargs):
        _check_url(data)
        _check_times(data)
        _distinct_products(data.get("products"))


class LivestreamUpdateSchema(Schema):
    """Any of the session's own fields; ``products`` replaces the featured set."""

    title = fields.String(validate=_TITLE)
    platform = fields.String(validate=validate.OneOf(PLATFORMS))
    url = fields.String(validate=validate.Length(min=1, max=MAX_URL_LENGTH))
    scheduled_start = Timestamp(validate=_IN_RANGE)
    scheduled_end = Timestamp(allow_none=True, validate=_IN_RANGE)
    description = fields.String(allow_none=True, validate=validate.Length(max=5000))
    products = fields.List(
        fields.Nested(FeaturedProductInputSchema), validate=validate.Length(max=MAX_FEATURED)
    )

    @validates_schema
    def consistent(self, data, **kwargs):
        _check_url(data)
        _check_times(data)
        _distinct_products(data.get("products"))


class LivestreamCancelSchema(Schema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class PinnedProductSchema(Schema):
    """The product on screen now; null takes it off."""

    product_id = fields.String(required=True, allow_none=True, validate=validate.Length(max=64))


class StatusList(fields.String):
    """``live`` or a comma-separated list such as ``live,scheduled,ended``."""

    MAX_LENGTH = 100
    PATTERN = f"^({'|'.join(STATUSES)})(,({'|'.join(STATUSES)}))*$"

    def __init__(self, **kwargs) -> None:
        documented = {"pattern": self.PATTERN, "maxLength": self.MAX_LENGTH}
        metadata = {**documented, **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        raw = super()._deserialize(value, attr, data, **kwargs)
        if len(raw) > self.MAX_LENGTH:
            raise ValidationError(Msg("Longer than maximum length %(max)s.", max=self.MAX_LENGTH))
        statuses = [part.strip() for part in raw.split(",") if part.strip()]
        unknown = sorted(set(statuses) - set(STATUSES))
        if not statuses or unknown:
            raise ValidationError(
                Msg("Use one or more of %(choices)s.", choices=", ".join(STATUSES))
            )
        return tuple(dict.fromkeys(statuses))


class LivestreamListArgs(PaginationArgs):
    status = StatusList(load_default=None, metadata={"description": "live, scheduled, …"})
    shop = fields.String(load_default=None, validate=validate.Length(min=1, max=140))
    commune = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=80),
        metadata={"description": "a commune code, or a name: every commune of that name"},
    )


class CalendarArgs(Schema):
    shop = fields.String(load_default=None, validate=validate.Length(min=1, max=140))


# --- output ----------------------------------------------------------------------------------


class LivestreamShopSchema(Schema):
    id = fields.String()
    slug = fields.String()
    name = fields.String()
    commune = fields.String()


class FeaturedProductSchema(Schema):
    product_id = fields.String()
    code = fields.String()
    title = fields.String()
    price = fields.Integer()
    live_price = fields.Integer(allow_none=True)
    stock = fields.Integer()
    currency = fields.String()


class LivestreamEventSchema(Schema):
    from_ = fields.String(data_key="from", attribute="from_status")
    to = fields.String(attribute="to_status")
    by = fields.Function(lambda event: event.actor_id or "system")
    at = Timestamp(attribute="created_at")
    reason = fields.String(allow_none=True)


class LivestreamSchema(Schema):
    """A ``LivestreamView`` (services/livestreams/featured): the session and what it shows."""

    id = fields.String(attribute="livestream.id")
    shop = fields.Nested(LivestreamShopSchema, attribute="livestream.shop")
    title = fields.String(attribute="livestream.title")
    description = fields.String(attribute="livestream.description", allow_none=True)
    platform = fields.String(attribute="livestream.platform")
    url = fields.String(attribute="livestream.url")
    status = fields.String(attribute="livestream.status")
    scheduled_start = Timestamp(attribute="livestream.scheduled_start")
    scheduled_end = Timestamp(attribute="livestream.scheduled_end", allow_none=True)
    started_at = Timestamp(attribute="livestream.started_at", allow_none=True)
    ended_at = Timestamp(attribute="livestream.ended_at", allow_none=True)
    cancel_reason = fields.String(attribute="livestream.cancel_reason", allow_none=True)
    products = fields.List(fields.Nested(FeaturedProductSchema))
    pinned_product_id = fields.String(allow_none=True)
    history = fields.List(fields.Nested(LivestreamEventSchema), attribute="livestream.history")
    created_at = Timestamp(attribute="livestream.created_at")
    updated_at = Timestamp(attribute="livestream.updated_at")


class LivestreamPageSchema(Schema):
    items = fields.List(fields.Nested(LivestreamSchema))
    next_cursor = fields.String(allow_none=True)


class LivestreamStatsSchema(Schema):
    orders = fields.Integer()
    units = fields.Integer()
    revenue = fields.Integer()
    currency = fields.String()
    claims = fields.Integer()


# --- claims ----------------------------------------------------------------------------------


class ClaimRequestSchema(Schema):
    """A buyer's comment and how to reach them; the address's name and phone default to the
    buyer's."""

    comment = fields.String(required=True, validate=validate.Length(min=1, max=500))
    buyer_name = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=120), validate.Regexp(r"\s*\S", error="Give a name.")],
    )
    buyer_phone = PhoneNumber(required=True, validate=validate.Length(min=1, max=40))
    shipping_address = fields.Nested(ShippingAddressSchema, required=True)
    variant_id = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=64)
    )
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))

    @pre_load
    def address_defaults_to_the_buyer(self, data, **kwargs):
        address = data.get("shipping_address") if isinstance(data, dict) else None
        if isinstance(address, dict):
            address = dict(address)
            for field, source in (("name", "buyer_name"), ("phone", "buyer_phone")):
                if address.get(field) in (None, "") and isinstance(data.get(source), str):
                    address[field] = data[source]
            data = {**data, "shipping_address": address}
        return data

    @validates_schema
    def cash_on_delivery_in_vietnam_needs_a_vietnamese_phone(self, data, **kwargs):
        # The courier collects the cash by calling the buyer (as at checkout).
        address = data.get("shipping_address")
        if address and address["country"] == "VN" and not is_vietnamese(address["phone"]):
            raise ValidationError(
                {"phone": [N_("Cash on delivery in Vietnam needs a Vietnamese phone number.")]},
                field_name="shipping_address",
            )

    @post_load
    def tidy(self, data, **kwargs):
        data["buyer_name"] = " ".join(data["buyer_name"].split())
        data["comment"] = data["comment"].strip()
        return data


class ClaimSchema(Schema):
    id = fields.String()
    livestream_id = fields.String()
    comment = fields.String()
    code = fields.String()
    quantity = fields.Integer()
    order = fields.Nested(OrderSchema)
    created_by = fields.String()
    created_at = Timestamp()


class ClaimPageSchema(Schema):
    items = fields.List(fields.Nested(ClaimSchema))
    next_cursor = fields.String(allow_none=True)
