"""A shop's bank account: the account its buyers transfer to, checked against Napas's bank list.

Shown to the shop's owner and the trade office only; the shop's orders keep the account as it
was when they were placed (services/orders/bank_transfer).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import sqlalchemy as sa

from marketplace.adapters.payments import vietqr
from marketplace.errors import ValidationFailed
from marketplace.extensions import db
from marketplace.messages import N_, Msg
from marketplace.models import Shop, ShopBankAccount
from marketplace.services.text import fold

ACCOUNT_NUMBER = re.compile(r"[A-Z0-9]{4,24}")
# What people type between the digits of an account number: spaces, dots, dashes.
_NUMBER_SEPARATORS = re.compile(r"[\s.\-]+")
_NOT_NAME = re.compile(r"[^A-Z0-9 ]+")
ACCOUNT_NAME_MAX = 50


def normalise_account_number(raw: str) -> str:
    """``0071 0006 39-271`` → ``007100063927`` (upper case: some e-wallet accounts have letters)."""
    return _NUMBER_SEPARATORS.sub("", raw or "").upper()


def bank_account_name(raw: str) -> str:
    """``Lò Thị Hoa`` → ``LO THI HOA``: upper case, no diacritics, as banks print names."""
    return " ".join(_NOT_NAME.sub(" ", fold(raw).upper()).split())


def _invalid(field: str, message: str, code: str = "validation_error") -> ValidationFailed:
    return ValidationFailed(
        Msg("%(field)s: %(message)s", field="bank_account." + field, message=message),
        code=code,
        details={"bank_account": {field: [message]}},
    )


def checked_account(data: dict) -> dict:
    """The account as stored: a known BIN (422 ``unknown_bank``), the number without
    separators, the name upper case without diacritics."""
    bank_bin = (data.get("bank_bin") or "").strip()
    if vietqr.find_bank(bank_bin) is None:
        raise _invalid(
            "bank_bin", N_("Not the BIN of a bank in Napas's VietQR list."), "unknown_bank"
        )
    number = normalise_account_number(data.get("account_number") or "")
    if not ACCOUNT_NUMBER.fullmatch(number):
        raise _invalid("account_number", N_("4 to 24 digits (or letters), as the bank prints it."))
    name = bank_account_name(data.get("account_name") or "")
    if not name or len(name) > ACCOUNT_NAME_MAX:
        raise _invalid(
            "account_name",
            Msg("1 to %(max)s letters, as the bank prints it.", max=ACCOUNT_NAME_MAX),
        )
    return {"bank_bin": bank_bin, "account_number": number, "account_name": name}


def set_bank_account(shop: Shop, data: dict | None) -> None:
    """Give ``shop`` this account (``None``: none, and bank transfer is no longer offered).

    Checks it first (422 as ``checked_account``); nothing is committed: the caller commits.
    """
    if data is None:
        shop.bank_account = None  # delete-orphan: the row goes
        return
    values = checked_account(data)
    if shop.bank_account is None:
        shop.bank_account = ShopBankAccount(**values)
    else:
        for name, value in values.items():
            setattr(shop.bank_account, name, value)


def describe(account: ShopBankAccount | None) -> dict | None:
    """The account as the API shows it to its owner, with the bank's name from the list."""
    if account is None:
        return None
    bank = vietqr.find_bank(account.bank_bin)
    return {
        "bank_bin": account.bank_bin,
        "bank_name": bank.short_name if bank else account.bank_bin,
        "account_number": account.account_number,
        "account_name": account.account_name,
    }


def accounts_of(shop_ids: Iterable[str]) -> dict[str, ShopBankAccount]:
    """The bank accounts of these shops (those that have one), by shop id: one query."""
    ids = list(set(shop_ids))
    if not ids:
        return {}
    return {
        account.shop_id: account
        for account in db.session.scalars(
            sa.select(ShopBankAccount).where(ShopBankAccount.shop_id.in_(ids))
        )
    }
