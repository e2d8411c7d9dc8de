"""Builders shared by the checkout, order and payment tests."""

from __future__ import annotations

from marketplace.extensions import db
from marketplace.models import ProductVariant

ADDRESS = {
    "name": "Lò Thị Hoa",
    "phone": "0912 345 678",
    "line1": "Bản Cỏ Chàm",
    "commune": "Lóng Luông",
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


def run_command(app, *args: str):
    """Run a flask command in-process, as cron would: in a transaction of its own.

    The test's session shares one connection with the requests' sessions; ending its
    transaction first keeps the command's rollbacks from undoing what requests committed since.
    """
    db.session.commit()
    return app.test_cli_runner().invoke(args=list(args))
