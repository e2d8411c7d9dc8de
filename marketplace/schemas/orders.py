"""Checkouts and orders: what a buyer sends to check out, and the Order clients see."""

from __future__ import annotations

from flask import current_app, has_request_context, request
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from marketplace.messages import N_
from marketplace.models.order import ORDER_STATUSES, PAYMENT_STATUSES
from marketplace.schemas.common import Money, PaginationArgs, Timestamp
from marketplace.schemas.fast_dump import FastDumpSchema
from marketplace.services.orders.bank_transfer import instructions_still_useful
from marketplace.services.phones import InvalidPhone, is_vietnamese, normalise_phone
from marketplace.services.places import COUNTRY_CODES, VIETNAM

_ADDRESS_TEXT = ("name", "line1", "line2", "commune", "district", "province", "postal_code")


def _optional_text(max_length: int) -> fields.String:
    return fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=max_length)
    )


_PLACE_HELP = "a code or a name (case, diacritics and the unit's word ignored)"


class ShippingAddressSchema(Schema):
    """A delivery address: name, phone, line1, province and country are required, and in
    Vietnam the commune too.

    This checks the shape; the services check the places (services/places.checked_address:
    422 ``invalid_country``, ``unknown_province``, ``unknown_commune``) and store the official
    names and codes. ``district`` stays optional for older addresses. ``phone`` is normalised
    to E.164, read in the address's country.
    """

    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    phone = fields.String(required=True, validate=validate.Length(min=1, max=40))
    line1 = fields.String(required=True, validate=validate.Length(min=1, max=200))
    line2 = _optional_text(200)
    commune = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=120),
        metadata={"description": f"required in Vietnam: {_PLACE_HELP}; abroad free text"},
    )
    district = _optional_text(120)
    province = fields.String(
        required=True,
        validate=validate.Length(min=1, max=120),
        metadata={"description": f"in Vietnam {_PLACE_HELP}; abroad free text"},
    )
    country = fields.String(
        required=True,
        validate=validate.Length(min=1, max=60),
        metadata={"description": "ISO 3166-1 alpha-2 code (VN)"},
    )
    postal_code = _optional_text(20)

    @post_load
    def normalise(self, data, **kwargs):
        errors: dict[str, list[str]] = {}
        for name in _ADDRESS_TEXT:
            if isinstance(data.get(name), str):
                data[name] = " ".join(data[name].split()) or None
        data["country"] = country = data["country"].strip().upper()
        required = ("name", "line1", "province") + (("commune",) if country == VIETNAM else ())
        for name in required:
            if not data.get(name):
                errors[name] = ["Missing data for required field."]
        # An unknown country is the services' 422 invalid_country; the phone is read in it.
        if country in COUNTRY_CODES:
            try:
                data["phone"] = normalise_phone(data["phone"], region=country)
            except InvalidPhone as exc:
                errors["phone"] = [exc.args[0]]
        if errors:
            raise ValidationError(errors)
        return data


class CheckoutItemSchema(Schema):
    product_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    variant_id = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=64)
    )
    quantity = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=999))
    livestream_id = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=64)
    )
    expected_unit_price = Money(load_default=None, allow_none=True, validate=validate.Range(min=1))


PAYMENT_METHODS = ("cod", "bank_transfer", "stripe")


class CheckoutRequestSchema(Schema):
    items = fields.List(
        fields.Nested(CheckoutItemSchema), required=True, validate=validate.Length(min=1, max=100)
    )
    shipping_address = fields.Nested(ShippingAddressSchema, required=True)
    payment_method = fields.String(load_default="cod", validate=validate.OneOf(PAYMENT_METHODS))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))

    @validates_schema
    def domestic_cash_on_delivery_needs_a_vietnamese_phone(self, data, **kwargs):
        # The courier collects the cash by calling the buyer: a Vietnamese number is a must.
        address = data.get("shipping_address")
        if not address or data.get("payment_method") != "cod" or address["country"] != "VN":
            return
        if not is_vietnamese(address["phone"]):
            raise ValidationError(
                {"phone": [N_("Cash on delivery in Vietnam needs a Vietnamese phone number.")]},
                field_name="shipping_address",
            )


class QuoteRequestSchema(CheckoutRequestSchema):
    """A checkout's body; ``payment_method`` may be left out (then every usable one is listed;
    when named, it is checked as the checkout would)."""

    payment_method = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(PAYMENT_METHODS)
    )


class OrderShopSchema(Schema):
    id = fields.String()
    slug = fields.String()
    name = fields.String()


class OrderLineSchema(Schema):
    product_id = fields.String()
    variant_id = fields.String()
    title = fields.String()
    unit_price = fields.Integer()
    quantity = fields.Integer()
    livestream_id = fields.String(allow_none=True)
    line_total = fields.Integer()


class OrderHistorySchema(Schema):
    from_status = fields.String(data_key="from")
    to_status = fields.String(data_key="to")
    by = fields.Method("get_by")
    at = Timestamp(attribute="created_at")
    reason = fields.String(allow_none=True)

    def get_by(self, event) -> str:
        return event.actor_id or "system"


def public_url(path: str) -> str:
    """``path`` under PUBLIC_BASE_URL, or under the request's own host when it is unset."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if not base and has_request_context():
        base = request.host_url
    return (base or "").rstrip("/") + path


def payment_instructions_json(order) -> dict | None:
    """How to pay a bank-transfer order, as written at checkout, with where its QR image is;
    null for other orders and for one cancelled before it was paid."""
    if not instructions_still_useful(order):
        return None
    stored, due = order.payment_instructions, order.payment_due_at
    return {
        **{name: stored.get(name) for name in _STORED_INSTRUCTIONS},
        "expires_at": due.isoformat() if due else None,
        "qr_url": public_url(f"/api/v1/orders/{order.id}/qr.png"),
    }


_STORED_INSTRUCTIONS = (
    "bank_bin",
    "bank_name",
    "account_number",
    "account_name",
    "amount",
    "reference",
    "qr_payload",
)


class PaymentInstructionsSchema(Schema):
    bank_bin = fields.String()
    bank_name = fields.String()
    account_number = fields.String()
    account_name = fields.String()
    amount = fields.Integer()
    reference = fields.String(metadata={"description": "write it in the transfer's note"})
    qr_payload = fields.String(metadata={"description": "the VietQR (EMVCo) string"})
    expires_at = fields.String(
        allow_none=True, metadata={"description": "unpaid then, the order is cancelled"}
    )
    qr_url = fields.String(metadata={"description": "the VietQR code as a PNG (.svg also)"})


class _PaymentInstructionsField(fields.Nested):
    """The order's ``payment_instructions_json``, documented as PaymentInstructionsSchema."""

    # Read from the whole order, not one attribute: dumped as marshmallow would (fast_dump).
    dump_with_marshmallow = True

    def _serialize(self, nested_obj, attr, obj, **kwargs):
        return super()._serialize(payment_instructions_json(obj), attr, obj, **kwargs)


class OrderSchema(FastDumpSchema):
    id = fields.String()
    checkout_id = fields.String()
    shop = fields.Nested(OrderShopSchema)
    buyer_id = fields.String(allow_none=True)
    buyer_contact = fields.Dict(allow_none=True)
    status = fields.String()
    payment_method = fields.String()
    payment_status = fields.String()
    history = fields.List(fields.Nested(OrderHistorySchema))
    lines = fields.List(fields.Nested(OrderLineSchema))
    subtotal = fields.Integer()
    shipping_fee = fields.Integer()
    total = fields.Integer()
    currency = fields.String()
    shipping_address = fields.Dict()
    note = fields.String(allow_none=True)
    carrier = fields.String(allow_none=True)
    tracking_number = fields.String(allow_none=True)
    payment_instructions = _PaymentInstructionsField(
        PaymentInstructionsSchema,
        allow_none=True,
        metadata={"description": "how to pay a bank-transfer order; null otherwise"},
    )
    created_at = Timestamp()
    updated_at = Timestamp()


class QuoteLineSchema(Schema):
    product_id = fields.String(attribute="product.id")
    variant_id = fields.String(attribute="variant.id")
    title = fields.String()
    unit_price = fields.Integer()
    quantity = fields.Integer()
    livestream_id = fields.String(allow_none=True)
    line_total = fields.Integer()


class ShopQuoteSchema(Schema):
    shop = fields.Nested(OrderShopSchema)
    lines = fields.List(fields.Nested(QuoteLineSchema))
    subtotal = fields.Integer()
    shipping_fee = fields.Integer()
    total = fields.Integer()


class QuoteSchema(Schema):
    orders = fields.List(fields.Nested(ShopQuoteSchema))
    total = fields.Integer()
    currency = fields.String()
    payment_methods = fields.List(
        fields.String(), metadata={"description": "the methods this checkout may use"}
    )
    shipping_address = fields.Dict(
        metadata={"description": "as the orders would store it: official names and codes"}
    )


class CheckoutSchema(FastDumpSchema):
    """A checkout and its orders: the answer to every checkout, a flash sale's hottest path."""

    id = fields.String()
    status = fields.String()
    total = fields.Integer()
    currency = fields.String()
    payment = fields.Method("get_payment")
    orders = fields.List(fields.Nested(OrderSchema))
    created_at = Timestamp()

    def get_payment(self, checkout) -> dict:
        """How the buyer pays: cash on delivery, or the card payment's intent and its failure."""
        if checkout.payment_method != "stripe":
            return {"method": checkout.payment_method}
        return {
            "method": "stripe",
            "payment_intent_id": checkout.payment_intent_id,
            "client_secret": checkout.client_secret,
            "failure": checkout.payment_failure,
        }


class OrderListArgs(PaginationArgs):
    shop = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=140),
        metadata={
            "description": "a shop of yours (id or slug): its orders only; without it, your "
            "purchases and the orders of every shop you own"
        },
    )
    status = fields.String(load_default=None, validate=validate.OneOf(ORDER_STATUSES))
    payment_status = fields.String(load_default=None, validate=validate.OneOf(PAYMENT_STATUSES))


class OrderPageSchema(Schema):
    items = fields.List(fields.Nested(OrderSchema))
    next_cursor = fields.String(allow_none=True)


_NOT_BLANK = validate.Regexp(r"\s*\S", error="Must not be blank.")


class ShipSchema(Schema):
    carrier = fields.String(required=True, validate=[validate.Length(min=1, max=80), _NOT_BLANK])
    tracking_number = fields.String(
        required=True, validate=[validate.Length(min=1, max=120), _NOT_BLANK]
    )


class MarkPaidSchema(Schema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class CancelSchema(Schema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class ReturnSchema(Schema):
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=500), _NOT_BLANK])
    restock = fields.Boolean(required=True)
