"""VietQR: Napas's bank list, the EMVCo payload a banking app scans, and its image.

The only module that imports ``vietnam_qr_pay`` (payload and bank list) and ``segno`` (the
image); the rest of the code sees ``Bank`` and plain strings and bytes.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass

import segno
from vietnam_qr_pay import QRPay
from vietnam_qr_pay.constants import BanksObject, VietQRStatus

# EMVCo's two-digit length prefix: no field may be longer.
_FIELD_MAX = 99
# What a bank app's transfer note keeps: the additional data's sub-fields are 1–25 characters.
NOTE_MAX = 25


@dataclass(frozen=True)
class Bank:
    """A bank of Napas's list: its BIN (6 digits), the short name its customers know it by,
    and its full name."""

    bin: str
    short_name: str
    name: str


@functools.cache
def _banks_by_bin() -> dict[str, Bank]:
    """Every bank a VietQR transfer can be sent to, by BIN.

    A BIN the list gives twice (a bank renamed or taken over) names the current bank, not the
    deprecated one; banks that cannot receive VietQR transfers are left out.
    """
    found: dict[str, Bank] = {}
    entries = sorted(BanksObject.values(), key=lambda entry: bool(entry.deprecated))
    for entry in entries:
        if not entry.bin or entry.viet_qr_status == VietQRStatus.NOT_SUPPORTED:
            continue
        found.setdefault(entry.bin, Bank(entry.bin, entry.short_name, entry.name))
    return found


def find_bank(bank_bin: str) -> Bank | None:
    """The bank with this Napas BIN, or None."""
    return _banks_by_bin().get(bank_bin)


def banks() -> list[Bank]:
    """Every bank that can receive a VietQR transfer, by short name."""
    return sorted(_banks_by_bin().values(), key=lambda bank: bank.short_name.lower())


def transfer_payload(*, bank_bin: str, account_number: str, amount: int, note: str) -> str:
    """The VietQR (EMVCo) string of a transfer of ``amount`` dong to an account, with ``note``
    as the purpose of the transaction (the transfer's note in the payer's app); CRC included.

    Every value must be printable ASCII: EMVCo counts lengths in characters and bank apps
    in bytes, and the two agree only on ASCII.
    """
    for name, value in (("account_number", account_number), ("note", note)):
        if not value or not value.isascii() or not value.isprintable():
            raise ValueError(f"{name} must be printable ASCII")
    if len(note) > NOTE_MAX or len(account_number) > _FIELD_MAX:
        raise ValueError("too long for a VietQR field")
    if amount <= 0:
        raise ValueError("amount must be positive")
    return QRPay.init_viet_qr(
        bank_bin=bank_bin, bank_number=account_number, amount=str(amount), purpose=note
    ).build()


def _symbol(payload: str) -> segno.QRCode:
    # Level M survives a smudged phone screen or a creased print; never a Micro QR code,
    # which banking apps do not read.
    return segno.make_qr(payload, error="m")


def png(payload: str, *, scale: int = 8) -> bytes:
    """The payload as a black-on-white PNG, with the quiet zone scanners need."""
    out = io.BytesIO()
    _symbol(payload).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def svg(payload: str, *, scale: int = 8) -> bytes:
    """The payload as a standalone SVG document."""
    out = io.BytesIO()
    _symbol(payload).save(out, kind="svg", scale=scale, border=4, title="VietQR")
    return out.getvalue()
