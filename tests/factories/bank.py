"""Bank transfers for the tests: shops' accounts, signed bank-feed deliveries, QR decoding.

The QR code is read back by independent parsers: the payload by vietnam-qr-pay's own
``QRPay`` (CRC checked), the image by zxing-cpp.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import itertools
import json

import zxingcpp
from PIL import Image
from vietnam_qr_pay import QRPay

WEBHOOK_SECRET = "bank-feed-secret-for-tests"
WEBHOOK_PATH = "/api/v1/payments/bank/webhook"
# Vietcombank, as an artisan types it: spaces in the number, diacritics in the name.
TYPED_ACCOUNT = {
    "bank_bin": "970436",
    "account_number": "0071 0006 39271",
    "account_name": "Lò Thị Hoa",
}
STORED_ACCOUNT = {
    "bank_bin": "970436",
    "bank_name": "Vietcombank",
    "account_number": "0071000639271",
    "account_name": "LO THI HOA",
}
_transaction_ids = itertools.count(1)


def account(n: int = 0, **changes) -> dict:
    """A valid account as typed, its number made distinct by ``n``."""
    return {**TYPED_ACCOUNT, "account_number": f"1903{n:08d}", **changes}


def credit(account_number: str, amount: int, description: str, **changes) -> dict:
    """One transaction as a bank feed reports it."""
    return {
        "id": f"FT{next(_transaction_ids):010d}",
        "account_number": account_number,
        "amount": amount,
        "description": description,
        "when": "2026-12-07 09:15:00",
        **changes,
    }


def signature(body: bytes, secret: str = WEBHOOK_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signed(transactions: list[dict], secret: str = WEBHOOK_SECRET) -> tuple[bytes, dict]:
    """The body and headers of a delivery, signed as the feed signs it."""
    body = json.dumps({"transactions": transactions}).encode()
    return body, {"X-Signature": signature(body, secret), "Content-Type": "application/json"}


def deliver(client, *transactions: dict, secret: str = WEBHOOK_SECRET):
    body, headers = signed(list(transactions), secret)
    return client.post(WEBHOOK_PATH, data=body, headers=headers)


def decode_payload(payload: str) -> QRPay:
    """The payload read by the library's own parser; ``is_valid`` is False on a bad CRC."""
    return QRPay(payload)


def read_qr_image(png: bytes) -> list[str]:
    """The texts of every QR code zxing-cpp finds in the image."""
    image = Image.open(io.BytesIO(png))
    return [found.text for found in zxingcpp.read_barcodes(image)]
