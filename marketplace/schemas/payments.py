"""Payments: the bank feed's deliveries and the transactions that paid nothing."""

from __future__ import annotations

import json
from datetime import datetime

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate

from marketplace.errors import BadRequest, ValidationFailed
from marketplace.messages import N_
from marketplace.schemas.common import PaginationArgs, Timestamp
from marketplace.services.orders.bank_feed import ReportedCredit
from marketplace.services.places import LOCAL_TZ

_AMOUNT_MAX = 10**15


class ExternalId(fields.Field):
    """The feed's id of a transaction: a string or a whole number, kept as a string."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip() or len(value.strip()) > 100:
            raise ValidationError(N_("A string or a whole number, up to 100 characters."))
        return value.strip()


def _bank_time(raw: str | None) -> datetime | None:
    """``2026-12-07 09:15:00`` (local) or ISO 8601 with an offset; None when unreadable: a
    feed's date format must not hold up a payment."""
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    # Bank feeds report local time when they give no offset.
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)


class BankCreditSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # feeds send more (gateway, transfer type, balance…)

    id = ExternalId(required=True)
    account_number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    amount = fields.Integer(
        strict=True, required=True, validate=validate.Range(min=-_AMOUNT_MAX, max=_AMOUNT_MAX)
    )
    description = fields.String(
        load_default="", allow_none=True, validate=validate.Length(max=2000)
    )
    when = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))

    @post_load
    def credit(self, data, **kwargs) -> ReportedCredit:
        return ReportedCredit(
            external_id=data["id"],
            account_number=data["account_number"],
            amount=data["amount"],
            description=data["description"] or "",
            transferred_at=_bank_time(data["when"]),
        )


class BankWebhookSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    transactions = fields.List(
        fields.Nested(BankCreditSchema), required=True, validate=validate.Length(max=1000)
    )


def bank_credits(payload: bytes) -> list[ReportedCredit]:
    """The credits of a (verified) delivery's body: 400 when it is not JSON, 422 when it is
    not the shape the contract gives."""
    try:
        body = json.loads(payload)
    except (ValueError, RecursionError) as exc:
        raise BadRequest(N_("The body is not valid JSON."), code="malformed_json") from exc
    if not isinstance(body, dict):
        raise ValidationFailed(details={"_schema": [N_("Send an object with `transactions`.")]})
    try:
        return BankWebhookSchema().load(body)["transactions"]
    except ValidationError as exc:
        raise ValidationFailed(details=exc.messages) from exc
    except RecursionError as exc:
        raise ValidationFailed(details={"_schema": [N_("Nested too deep.")]}) from exc


class BankWebhookOutcomeSchema(Schema):
    applied = fields.Integer()
    unmatched = fields.Integer()
    duplicate = fields.Integer()
    ignored = fields.Integer()


class UnmatchedListArgs(PaginationArgs):
    shop = fields.String(load_default=None, validate=validate.Length(min=1, max=140))


class BankTransactionSchema(Schema):
    id = fields.String()
    transaction_id = fields.String(attribute="external_id")
    account_number = fields.String()
    amount = fields.Integer()
    currency = fields.String()
    description = fields.String()
    transferred_at = Timestamp(allow_none=True)
    received_at = Timestamp()
    status = fields.String()
    reason = fields.String(
        allow_none=True,
        metadata={
            "enum": ["no_reference", "wrong_account", "underpaid", "order_closed", "already_paid"]
        },
    )
    order_id = fields.String(allow_none=True, metadata={"description": "the order it named"})
    shop_id = fields.String(allow_none=True)


class BankTransactionPageSchema(Schema):
    items = fields.List(fields.Nested(BankTransactionSchema))
    next_cursor = fields.String(allow_none=True)
