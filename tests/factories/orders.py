"""Builders shared by the checkout, order and payment tests."""

from __future__ import annotations

from datetime import timedelta

from marketplace.extensions import db
from marketplace.models import Checkout, IdempotencyKey, ProductVariant
from marketplace.models.base import utcnow

ADDRESS = {
    "name": "Lò Thị Hoa",
    "phone": "0912 345 678",
    "line1": "Bản Cỏ Chàm",
    "commune": "Vân Hồ",
    "province": "Sơn La",
    "country": "VN",
}


def line(product, quantity=1, **extra) -> dict:
    return {"product_id": product.id, "quantity": quantity, **extra}


def checkout_body(*lines, address=None, payment_method="cod", **extra) -> dict:
    return {
        "items": list(lines),
        "shipping_address": address or dict(ADDRESS),
        "payment_method": payment_method,
        **extra,
    }


def stock_of(product) -> int:
    return db.session.scalar(
        db.select(db.func.sum(ProductVariant.stock)).where(ProductVariant.product_id == product.id)
    )


def post_checkout(client, headers, *lines, **kwargs):
    return client.post("/api/v1/checkouts", json=checkout_body(*lines, **kwargs), headers=headers)


def post_quote(client, *lines, headers=None, **kwargs):
    """POST /api/v1/checkouts/quote with the body ``post_checkout`` would send (anonymous
    unless ``headers`` are given); ``payment_method`` is left out unless named."""
    body = checkout_body(*lines, **kwargs)
    if "payment_method" not in kwargs:
        del body["payment_method"]
    return client.post("/api/v1/checkouts/quote", json=body, headers=headers)


def post_with_key(client, headers, body, key):
    """POST /api/v1/checkouts with ``body`` under an Idempotency-Key."""
    return client.post("/api/v1/checkouts", json=body, headers={**headers, "Idempotency-Key": key})


def checkouts() -> int:
    return db.session.scalar(db.select(db.func.count(Checkout.id)))


def age_the_key(minutes: int) -> None:
    """Every held Idempotency-Key as if its request began ``minutes`` ago."""
    db.session.execute(
        db.update(IdempotencyKey).values(created_at=utcnow() - timedelta(minutes=minutes))
    )
    db.session.commit()


def run_command(app, *args: str):
    """Run a flask command in-process, as cron would: in a transaction of its own.

    The test's session shares one connection with the requests' sessions; ending its
    transaction first keeps the command's rollbacks from undoing what requests committed since.
    """
    db.session.commit()
    return app.test_cli_runner().invoke(args=list(args))
