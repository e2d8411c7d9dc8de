"""Builders for trade-office tests: certificates, evidence images, and orders written directly.

Orders are made with the models (not through checkout) so that reports can be checked against
orders with chosen statuses, dates and livestream attribution.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from marketplace.extensions import db
from marketplace.models import (
    Checkout,
    Media,
    OcopApplication,
    OcopCertificate,
    Order,
    OrderLine,
    Product,
    ProductVariant,
    Shop,
    User,
)
from marketplace.services.places import local_today
from tests.factories import make_user


def make_media(
    owner: User, *, status: str = "ready", kind: str = "image", key: str | None = None
) -> Media:
    media = Media(
        owner_id=owner.id,
        kind=kind,
        status=status,
        content_type="image/webp" if kind == "image" else "video/mp4",
        size=1234,
        width=10,
        height=10,
        backend="local",
        key=key or f"test/{uuid.uuid4().hex}.webp",
        variant_keys={},
    )
    db.session.add(media)
    db.session.commit()
    return media


def certify(
    product: Product,
    stars: int = 4,
    *,
    expires_on: date | None = None,
    issued_on: date | None = None,
    reviewer: User | None = None,
) -> OcopCertificate:
    """An approved application and the current certificate it became (no audit entry)."""
    today = local_today()
    issued_on = issued_on or today - timedelta(days=400)
    expires_on = expires_on or today + timedelta(days=700)
    reviewer = reviewer or make_user("officer")
    application = OcopApplication(
        product_id=product.id,
        status="approved",
        claimed_stars=stars,
        stars=stars,
        certificate_number=f"OCOP-{uuid.uuid4().hex[:6]}",
        issuer="UBND tỉnh Sơn La",
        issued_on=issued_on,
        expires_on=expires_on,
        submitted_by=product.shop.owner_id,
        reviewed_by=reviewer.id,
    )
    db.session.add(application)
    db.session.flush()
    db.session.execute(
        db.update(OcopCertificate)
        .where(OcopCertificate.product_id == product.id)
        .values(is_current=False)
    )
    certificate = OcopCertificate(
        product_id=product.id,
        application_id=application.id,
        stars=stars,
        certificate_number=application.certificate_number,
        issuer=application.issuer,
        issued_on=issued_on,
        expires_on=expires_on,
        is_current=True,
    )
    db.session.add(certificate)
    db.session.commit()
    return certificate


def local_time(day: date, hour: int = 12, minute: int = 0) -> datetime:
    """A UTC instant at ``hour:minute`` of ``day`` in Vietnam (UTC+7)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=7)


def make_order(
    shop: Shop,
    lines: list[tuple],
    *,
    created_at: datetime,
    status: str = "placed",
    shipping_fee: int = 30000,
    buyer: User | None = None,
) -> Order:
    """An order of ``lines``: (product, quantity, unit_price) or (…, livestream_id)."""
    subtotal = sum(quantity * unit_price for _, quantity, unit_price, *_ in lines)
    total = subtotal + shipping_fee
    checkout = Checkout(
        buyer_id=buyer.id if buyer else None,
        status="completed",
        payment_method="cod",
        total=total,
        currency="VND",
        created_at=created_at,
    )
    order = Order(
        checkout=checkout,
        shop_id=shop.id,
        buyer_id=buyer.id if buyer else None,
        status=status,
        payment_method="cod",
        subtotal=subtotal,
        shipping_fee=shipping_fee,
        total=total,
        currency="VND",
        shipping_address={"name": "A", "country": "VN"},
        created_at=created_at,
    )
    db.session.add_all([checkout, order])
    for position, (product, quantity, unit_price, *rest) in enumerate(lines):
        variant_id = db.session.scalar(
            db.select(ProductVariant.id).where(ProductVariant.product_id == product.id).limit(1)
        )
        db.session.add(
            OrderLine(
                order=order,
                position=position,
                product_id=product.id,
                variant_id=variant_id,
                title=product.title,
                unit_price=unit_price,
                quantity=quantity,
                line_total=unit_price * quantity,
                livestream_id=rest[0] if rest else None,
            )
        )
    db.session.commit()
    return order
