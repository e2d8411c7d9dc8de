"""Shops: what an artisan sends and what everyone gets back."""

from __future__ import annotations

from flask import current_app
from marshmallow import Schema, fields, post_load, validate

from marketplace.schemas.common import PaginationArgs, PhoneNumber
from marketplace.schemas.media import MediaSchema, media_id_field
from marketplace.schemas.products import WholeNumber, not_blank
from marketplace.services.orders.bank_accounts import describe as describe_bank_account

MAX_FEE = 100_000_000


class BankAccountInputSchema(Schema):
    """The account buyers transfer to; checked and tidied by services/orders/bank_accounts."""

    bank_bin = fields.String(
        required=True,
        validate=validate.Length(max=20),
        metadata={"description": "Napas BIN of the bank (422 unknown_bank), e.g. 970436"},
    )
    account_number = fields.String(required=True, validate=validate.Length(min=1, max=60))
    account_name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=120),
        metadata={"description": "kept upper case without diacritics, as banks print it"},
    )


class BankAccountSchema(Schema):
    bank_bin = fields.String()
    bank_name = fields.String()
    account_number = fields.String()
    account_name = fields.String()


def _fee(**kwargs) -> WholeNumber:
    return WholeNumber(validate=validate.Range(min=0, max=MAX_FEE), allow_none=True, **kwargs)


class _ShopFields(Schema):
    """Fields shared by creation and edits (an edit sends any subset)."""

    description = fields.String(allow_none=True, validate=validate.Length(max=5_000))
    story = fields.String(allow_none=True, validate=validate.Length(max=20_000))
    village = fields.String(allow_none=True, validate=validate.Length(max=80))
    ethnic_group = fields.String(allow_none=True, validate=validate.Length(max=40))
    phone = PhoneNumber(allow_none=True, validate=validate.Length(max=40))
    facebook_url = fields.Url(
        allow_none=True, schemes={"http", "https"}, validate=validate.Length(max=500)
    )
    zalo_phone = PhoneNumber(allow_none=True, validate=validate.Length(max=40))
    shipping_fee = _fee(
        metadata={
            "description": "fee for delivery in Vietnam; null: no delivery in Vietnam; "
            "left out when opening a shop: DEFAULT_SHIPPING_FEE"
        }
    )
    local_shipping_fee = _fee(
        metadata={"description": "fee inside the shop's own province; null: shipping_fee"}
    )
    free_shipping_over = _fee(
        metadata={"description": "an order whose subtotal reaches it ships free in Vietnam"}
    )
    international_shipping_fee = _fee(
        metadata={"description": "fee for delivery abroad; null: no delivery abroad"}
    )
    logo_id = media_id_field()
    cover_id = media_id_field()
    bank_account = fields.Nested(
        BankAccountInputSchema,
        allow_none=True,
        metadata={"description": "the account buyers pay by bank transfer into; null: none"},
    )

    @post_load
    def blank_is_none(self, data, **kwargs):
        for name in ("description", "story", "village", "ethnic_group"):
            if isinstance(data.get(name), str) and not data[name].strip():
                data[name] = None
        return data


_PLACE_HELP = "a code or a name (case, diacritics and the unit's word ignored)"


def _place(**kwargs) -> fields.String:
    return fields.String(validate=[validate.Length(min=1, max=80), not_blank], **kwargs)


class ShopCreateSchema(_ShopFields):
    name = fields.String(required=True, validate=[validate.Length(min=1, max=120), not_blank])
    province = _place(metadata={"description": f"{_PLACE_HELP}; default MARKETPLACE_PROVINCE"})
    commune = _place(required=True, metadata={"description": f"{_PLACE_HELP}, in the province"})


class ShopUpdateSchema(_ShopFields):
    name = fields.String(validate=[validate.Length(min=1, max=120), not_blank])
    province = _place(metadata={"description": f"{_PLACE_HELP}; the commune must be in it"})
    commune = _place(metadata={"description": f"{_PLACE_HELP}, in the shop's province"})


class ShopListArgs(PaginationArgs):
    commune = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=80),
        metadata={"description": "a commune code, or a name: every commune of that name"},
    )
    q = fields.String(load_default=None, validate=validate.Length(max=120))


class ShopSchema(Schema):
    id = fields.String()
    slug = fields.String()
    name = fields.String()
    description = fields.String(allow_none=True)
    story = fields.String(allow_none=True)
    province = fields.String()
    province_code = fields.String()
    commune = fields.String()
    commune_code = fields.String(allow_none=True)
    village = fields.String(allow_none=True)
    ethnic_group = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    facebook_url = fields.String(allow_none=True)
    zalo_phone = fields.String(allow_none=True)
    owner_id = fields.String()
    status = fields.String(metadata={"enum": ["active", "suspended"]})
    # Only a suspended shop's owner and the trade office can see a suspended shop at all.
    suspension_reason = fields.Method("get_suspension_reason", allow_none=True)
    verified = fields.Boolean()
    logo = fields.Nested(MediaSchema, allow_none=True)
    cover = fields.Nested(MediaSchema, allow_none=True)
    shipping_fee = fields.Integer(allow_none=True)
    local_shipping_fee = fields.Integer(allow_none=True)
    free_shipping_over = fields.Integer(allow_none=True)
    international_shipping_fee = fields.Integer(allow_none=True)
    currency = fields.Method("get_currency")
    created_at = fields.AwareDateTime(format="iso")

    def get_suspension_reason(self, shop) -> str | None:
        return shop.suspension_reason if shop.status == "suspended" else None

    def get_currency(self, shop) -> str:
        return current_app.config["CURRENCY"]


class OwnShopSchema(ShopSchema):
    """A shop as its owner and the trade office see it: with its bank account."""

    bank_account = fields.Method(
        "get_bank_account",
        allow_none=True,
        metadata={
            "type": "object",
            "nullable": True,
            "description": "{bank_bin, bank_name, account_number, account_name} or null; "
            "only ever shown to the shop's owner and the trade office",
        },
    )

    def get_bank_account(self, shop) -> dict | None:
        return describe_bank_account(shop.bank_account)


class ShopPageSchema(Schema):
    items = fields.List(fields.Nested(ShopSchema))
    next_cursor = fields.String(allow_none=True)
