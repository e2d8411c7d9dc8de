"""A claim whose worker died between its commit and storing its answer: the seller's retry with
the same Idempotency-Key gets the order taken, and no second one."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import IdempotencyKey, LivestreamClaim, Order, ProductVariant
from marketplace.services.orders import idempotency
from tests.factories import make_livestream, make_product, make_shop

ADDRESS = {"line1": "Bản Cỏ Chàm", "commune": "Vân Hồ", "province": "Sơn La", "country": "VN"}
BODY = {
    "comment": "A1 x2",
    "buyer_name": "Giàng Thị Mai",
    "buyer_phone": "0912 345 678",
    "shipping_address": ADDRESS,
}


@pytest.fixture
def live(auth):
    owner, headers = auth.user("artisan")
    shop = make_shop(owner)
    scarf = make_product(shop, title="Khăn piêu", price=250000, stock=5)
    livestream = make_livestream(shop, status="live", products=[(scarf, 199000)])
    return {"headers": headers, "livestream": livestream, "scarf": scarf}


def post(client, live, key):
    return client.post(
        f"/api/v1/livestreams/{live['livestream'].id}/claims",
        json=BODY,
        headers={**live["headers"], "Idempotency-Key": key},
    )


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def stock_of(product) -> int:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(ProductVariant.stock).where(ProductVariant.product_id == product.id)
    )


def test_a_retry_after_a_crash_gets_the_claim_made_and_takes_no_second_order(
    client, live, monkeypatch
):
    unsent = []

    def die(claimed, status, body):
        unsent.append((status, body))
        monkeypatch.undo()
        raise SystemExit("killed")

    monkeypatch.setattr(idempotency, "record", die)
    with pytest.raises(SystemExit):
        post(client, live, "tap")
    [(status, body)] = unsent
    db.session.expire_all()
    key = db.session.scalars(sa.select(IdempotencyKey)).one()
    assert key.response_status is None
    assert (key.resource_type, key.resource_id) == ("livestream_claim", body["id"])

    retry = post(client, live, "tap")
    assert retry.status_code == status == 201
    assert retry.get_json() == body
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert count(LivestreamClaim) == 1 and count(Order) == 1
    assert stock_of(live["scarf"]) == 3
    assert post(client, live, "tap").get_json() == body
    assert count(LivestreamClaim) == 1
