"""Bank transfer with VietQR: what a buyer is told to pay, and an order's payment arriving.

A bank-transfer order starts ``pending_payment`` and holds its stock until its
``payment_due_at`` (BANK_TRANSFER_TIMEOUT_HOURS after checkout; ``orders expire`` cancels it
then). It carries its instructions, written once at checkout: the shop's account as it was
then, the amount, a unique reference for the transfer's note, and the VietQR payload of all
three. The money arrives either by the bank feed's webhook (services/orders/bank_feed) or by the
shop's owner saying so (``mark_paid``); both move the order ``pending_payment`` → ``placed``,
``paid``, through the lifecycle's compare-and-set, so only one of them ever pays it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from marketplace.adapters.payments import vietqr
from marketplace.errors import Forbidden, NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.messages import N_, Msg
from marketplace.models import Checkout, Order, PaymentTransaction, ShopBankAccount, User
from marketplace.services.orders.lifecycle import OWNER, get_order, move_order, parties_of

METHOD = "bank_transfer"
# The reference's alphabet leaves out 0/O and 1/I, which people misread when they type it.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
REFERENCE_PREFIX = "CP"
REFERENCE_RANDOM = 8  # 40 bits: with the prefix, 10 characters of A-Z0-9


def new_reference() -> str:
    """``CP7K3M9Q2A``: the prefix finds it in a transfer's note, the rest makes it unique."""
    return REFERENCE_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(REFERENCE_RANDOM))


def free_references(count: int) -> list[str]:
    """``count`` references no order has yet (a clash is one in a trillion; checked anyway,
    since the unique constraint would otherwise fail a buyer's checkout)."""
    references: set[str] = set()
    while len(references) < count:
        wanted = {new_reference() for _ in range(count - len(references))}
        taken = set(
            db.session.scalars(
                sa.select(Order.payment_reference).where(Order.payment_reference.in_(wanted))
            )
        )
        references |= wanted - taken
    return sorted(references)


def due_at(placed_at: datetime) -> datetime:
    """When an unpaid bank-transfer order placed at ``placed_at`` stops holding its stock."""
    return placed_at + timedelta(hours=current_app.config["BANK_TRANSFER_TIMEOUT_HOURS"])


def give_instructions(order: Order, account: ShopBankAccount, reference: str) -> None:
    """Write on a new order what its buyer is to pay, to which account, with which note."""
    bank = vietqr.find_bank(account.bank_bin)
    order.payment_reference = reference
    order.payment_due_at = due_at(order.created_at)
    order.payment_instructions = {
        "bank_bin": account.bank_bin,
        "bank_name": bank.short_name if bank else account.bank_bin,
        "account_number": account.account_number,
        "account_name": account.account_name,
        "amount": order.total,
        "reference": reference,
        "qr_payload": vietqr.transfer_payload(
            bank_bin=account.bank_bin,
            account_number=account.account_number,
            amount=order.total,
            note=reference,
        ),
    }


def unavailable(message: str) -> ValidationFailed:
    return ValidationFailed(
        message, code="payment_method_unavailable", details={"payment_method": [message]}
    )


def instructions_still_useful(order: Order) -> bool:
    """Instructions are shown while they may be followed or tell what was paid: not for an
    order cancelled before its money came."""
    return bool(order.payment_instructions) and not (
        order.status == "cancelled" and order.payment_status == "unpaid"
    )


# ---------------------------------------------------------------- the money arrives


def record_payment(order: Order, amount: int, *, provider_ref: str | None) -> None:
    """The order is paid (it was just moved to ``placed``): the ledger records the money and
    the checkout is settled when none of its orders waits any more. Flushes only."""
    order.payment_status = "paid"
    db.session.add(
        PaymentTransaction(
            checkout_id=order.checkout_id,
            order_id=order.id,
            kind="charge",
            status="succeeded",
            amount=amount,
            currency=order.currency,
            provider=METHOD,
            provider_ref=provider_ref,
            completed_at=order.updated_at,
        )
    )
    settle_checkouts([order.checkout_id])


def settle_checkouts(checkout_ids: Iterable[str]) -> None:
    """A bank-transfer checkout none of whose orders waits for its money any more is ``paid``
    (some were) or ``cancelled`` (none were). Flushes only."""
    for checkout_id in set(checkout_ids):
        rows = db.session.execute(
            sa.select(Order.status, Order.payment_status).where(Order.checkout_id == checkout_id)
        ).all()
        if not rows or any(status == "pending_payment" for status, _ in rows):
            continue
        paid = any(payment_status != "unpaid" for _, payment_status in rows)
        db.session.execute(
            sa.update(Checkout)
            .where(Checkout.id == checkout_id, Checkout.status == "pending_payment")
            .values(status="paid" if paid else "cancelled")
        )


def mark_paid(order_id: str, user: User, *, note: str | None = None) -> Order:
    """The shop's owner saw the transfer arrive: ``pending_payment`` → ``placed``, ``paid``.

    404 to anyone who may not see the order, 403 to its buyer, 422 ``not_bank_transfer`` for
    another payment method, 409 ``invalid_transition`` once it is no longer waiting.
    """
    order = get_order(order_id, user)
    if OWNER not in parties_of(order, user):
        raise Forbidden(N_("Only the shop's owner says the money arrived."), code="not_shop_owner")
    if order.payment_method != METHOD:
        raise ValidationFailed(
            N_("Only a bank-transfer order is marked paid by its shop."),
            code="not_bank_transfer",
            details={
                "payment_method": [
                    Msg("This order is paid by %(method)s.", method=order.payment_method)
                ]
            },
        )
    move_order(order, "mark_paid", user, note or "transfer_seen_by_shop")
    record_payment(order, order.total, provider_ref=None)
    db.session.commit()
    db.session.expire_all()
    return get_order(order_id, user)


def qr_image(order_id: str, user: User, kind: str) -> bytes:
    """The VietQR code of an order's instructions as a PNG or SVG image, to its buyer and its
    shop's owner (404 to anyone else, and for an order with nothing to pay by transfer)."""
    order = get_order(order_id, user)
    if not instructions_still_useful(order):
        raise NotFound(N_("This order has no bank-transfer instructions."), code="no_qr_code")
    payload = order.payment_instructions["qr_payload"]
    return vietqr.png(payload) if kind == "png" else vietqr.svg(payload)
