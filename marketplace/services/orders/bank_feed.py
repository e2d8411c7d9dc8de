"""The bank feed: credits reported by a bank-feed service (SePay, Casso and the like), signed
with BANK_WEBHOOK_SECRET, each applied once, matched to the order they pay.

A credit pays an order when its description holds the order's reference (case, spaces and
punctuation ignored), it went to the account the order's instructions named, and it is at least
the order's total. Whatever pays nothing (no reference, another account, too little, an order
cancelled or already paid) is kept as unmatched, for the shop and the trade office to sort out.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

import marketplace.metrics as metrics
from marketplace.errors import BadRequest, Forbidden, NotFound, ServiceUnavailable
from marketplace.extensions import db
from marketplace.messages import N_
from marketplace.models import BankTransaction, Order, Shop, ShopBankAccount, User
from marketplace.pagination import SortKey, keyset_page
from marketplace.services.orders import bank_transfer
from marketplace.services.orders.bank_accounts import normalise_account_number
from marketplace.services.orders.lifecycle import InvalidTransition, find_shop, move_order
from marketplace.services.permissions import is_staff, owns

log = logging.getLogger(__name__)

SIGNATURE_SCHEME = "sha256="
_NOT_REFERENCE_TEXT = re.compile(r"[^A-Z0-9]+")
# Every place a reference may start, overlapping ("CPCP7K…" holds two candidates).
_REFERENCE_AT = re.compile(
    rf"(?=({bank_transfer.REFERENCE_PREFIX}[A-Z0-9]{{{bank_transfer.REFERENCE_RANDOM}}}))"
)


@dataclass(frozen=True)
class ReportedCredit:
    """One transaction of a delivery, as the feed reported it."""

    external_id: str
    account_number: str
    amount: int
    description: str
    transferred_at: datetime | None = None


# ---------------------------------------------------------------- the delivery


def verify_signature(payload: bytes, signature: str | None) -> None:
    """The delivery's ``X-Signature: sha256=<hex HMAC-SHA256 of the raw body>``.

    503 ``bank_webhook_unconfigured`` without BANK_WEBHOOK_SECRET; 400 ``invalid_signature``
    when it is missing or wrong (before the body is even read).
    """
    secret = current_app.config.get("BANK_WEBHOOK_SECRET")
    if not secret:
        raise ServiceUnavailable(
            N_("The bank feed is not configured."), code="bank_webhook_unconfigured"
        )
    expected = hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()
    given = (signature or "").strip()
    if not (
        given.lower().startswith(SIGNATURE_SCHEME)
        and hmac.compare_digest(given[len(SIGNATURE_SCHEME) :].lower().encode(), expected.encode())
    ):
        raise BadRequest(
            N_("The X-Signature header is missing or wrong."), code="invalid_signature"
        )


def apply_credits(credits: list[ReportedCredit]) -> dict[str, int]:
    """Apply each credit once, each in its own transaction; counts what became of them.

    ``applied``: paid an order (or confirmed one its shop had marked paid); ``unmatched``: kept,
    paying nothing; ``duplicate``: already received; ``ignored``: not a credit (amount ≤ 0).
    """
    outcome = {"applied": 0, "unmatched": 0, "duplicate": 0, "ignored": 0}
    for credit in credits:
        if credit.amount <= 0:
            outcome["ignored"] += 1
            continue
        result = _apply_once(credit)
        outcome[result] += 1
        metrics.payment("bank_transfer", result)
    return outcome


def _apply_once(credit: ReportedCredit) -> str:
    db.session.rollback()
    known = sa.select(BankTransaction.id).where(BankTransaction.external_id == credit.external_id)
    if db.session.scalar(known) is not None:
        return "duplicate"
    transaction = BankTransaction(
        external_id=credit.external_id,
        account_number=normalise_account_number(credit.account_number),
        amount=credit.amount,
        currency=current_app.config["CURRENCY"],
        description=credit.description,
        transferred_at=credit.transferred_at,
        status="unmatched",
    )
    db.session.add(transaction)
    try:
        # Inserted first: a concurrent delivery of the same transaction waits on its unique
        # id here (PostgreSQL), or on the write lock taken when its transaction began
        # (SQLite), and then finds it.
        db.session.flush()
        _match(transaction)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return "duplicate"
    if transaction.status == "unmatched":
        log.info(
            "bank transaction %s unmatched (%s): %s to %s",
            credit.external_id,
            transaction.reason,
            credit.amount,
            transaction.account_number,
        )
    return transaction.status


def references_in(description: str) -> list[str]:
    """The order references a transfer's note may hold, however the bank spaced or cut it."""
    text = _NOT_REFERENCE_TEXT.sub("", (description or "").upper())
    return list(dict.fromkeys(match.group(1) for match in _REFERENCE_AT.finditer(text)))


def _match(transaction: BankTransaction) -> None:
    """Pay the order the transaction names, or say why it pays nothing. Flushes only."""
    candidates = references_in(transaction.description)
    orders = (
        db.session.scalars(
            sa.select(Order)
            .where(Order.payment_reference.in_(candidates))
            .order_by(Order.created_at, Order.id)
        ).all()
        if candidates
        else []
    )
    if not orders:
        transaction.reason = "no_reference"
        return
    to_this_account = [
        order
        for order in orders
        if (order.payment_instructions or {}).get("account_number") == transaction.account_number
    ]
    if not to_this_account:
        _unmatched(transaction, orders[0], "wrong_account")
        return
    waiting = [order for order in to_this_account if order.status == "pending_payment"]
    covered = [order for order in waiting if transaction.amount >= order.total]
    for order in covered:
        try:
            move_order(order, "pay", None, "bank_transfer_received")
        except InvalidTransition:
            continue  # paid, cancelled or expired a moment ago: see below
        bank_transfer.record_payment(
            order, transaction.amount, provider_ref=f"bank:{transaction.external_id}"
        )
        transaction.status, transaction.order_id = "applied", order.id
        transaction.shop_id = order.shop_id
        return
    order = to_this_account[0]
    db.session.refresh(order)
    if waiting and not covered:
        _unmatched(transaction, waiting[0], "underpaid")
    elif _confirms_marked_payment(order, transaction):
        transaction.status, transaction.order_id, transaction.shop_id = (
            "applied",
            order.id,
            order.shop_id,
        )
    elif order.payment_status != "unpaid":
        _unmatched(transaction, order, "already_paid")
    else:
        _unmatched(transaction, order, "order_closed")


def _confirms_marked_payment(order: Order, transaction: BankTransaction) -> bool:
    """The shop marked the order paid before the feed reported the transfer: this is that
    transfer (the first one for it, and enough), not a second payment."""
    if order.payment_status != "paid" or transaction.amount < order.total:
        return False
    marked = sa.select(BankTransaction.id).where(
        BankTransaction.order_id == order.id,
        BankTransaction.status == "applied",
        BankTransaction.id != transaction.id,
    )
    return db.session.scalar(marked) is None


def _unmatched(transaction: BankTransaction, order: Order, reason: str) -> None:
    transaction.reason, transaction.order_id, transaction.shop_id = reason, order.id, order.shop_id


# ---------------------------------------------------------------- unmatched transactions


def list_unmatched(
    user: User, *, shop: str | None, limit: int, cursor: str | None
) -> tuple[list[BankTransaction], str | None]:
    """Transactions that paid nothing, newest first: a shop's (its owner, the trade office);
    without ``shop``, all of them to the trade office and every shop of theirs to an owner.

    A shop's are those its orders' references named, and those sent to its current account.
    """
    stmt = sa.select(BankTransaction).where(BankTransaction.status == "unmatched")
    if shop is None and is_staff(user):
        scope = "bank-unmatched:all"
    elif shop is None:
        # An artisan's own shops, all of them: the list they look at without naming one.
        owned = sa.select(Shop.id).where(Shop.owner_id == user.id)
        if db.session.scalar(sa.select(sa.exists(owned))) is False:
            raise Forbidden(
                N_("Only shop owners and the trade office see bank transactions."),
                code="not_shop_owner",
            )
        accounts = sa.select(ShopBankAccount.account_number).where(
            ShopBankAccount.shop_id.in_(owned)
        )
        stmt = stmt.where(
            sa.or_(
                BankTransaction.shop_id.in_(owned),
                BankTransaction.account_number.in_(accounts),
            )
        )
        scope = f"bank-unmatched:owner:{user.id}"
    else:
        found = find_shop(shop)
        if found is None or not (owns(user, found) or is_staff(user) or found.status == "active"):
            raise NotFound(N_("No such shop."), code="shop_not_found")
        if not (owns(user, found) or is_staff(user)):
            raise Forbidden(
                N_("Only the shop's owner sees its bank transactions."), code="not_shop_owner"
            )
        mine = BankTransaction.shop_id == found.id
        if found.bank_account is not None:
            mine = sa.or_(mine, BankTransaction.account_number == found.bank_account.account_number)
        stmt = stmt.where(mine)
        scope = f"bank-unmatched:{found.id}"
    keys = [
        SortKey(BankTransaction.received_at, descending=True),
        SortKey(BankTransaction.id, descending=True),
    ]
    return keyset_page(
        db.session,
        stmt,
        keys,
        scope=scope,
        limit=limit,
        cursor=cursor,
        key_values=lambda row: (row.received_at, row.id),
    )
