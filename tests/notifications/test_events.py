"""Who is told about what: order moves, payments, livestreams starting, OCOP decisions and
certificates about to lapse. Each notification is written with its event, in the recipient's
language; nobody is told about what they did themselves."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.extensions import db
from marketplace.services.notifications.events import notify_expiring_certificates
from marketplace.services.orders import payments
from marketplace.services.orders.lifecycle import PricedLine, add_order, open_checkout
from marketplace.services.places import local_today
from tests.factories import make_livestream, make_product, make_shop, make_user
from tests.factories.messaging import deliveries_of, notifications_of, run_worker, text_of
from tests.factories.orders import ADDRESS, line, post_checkout, run_command
from tests.factories.trade_office import certify
from tests.notifications.helpers import (
    artisan_with_phone,
    buyer_with_phone,
    set_locale,
    shop_with_product,
)


@pytest.fixture
def cod_order(client, auth):
    """A placed cash-on-delivery order: (artisan, artisan headers, buyer, buyer headers, id)."""
    artisan, _, product = shop_with_product()
    buyer = buyer_with_phone()
    buyer_headers = auth.headers(buyer)
    response = post_checkout(client, buyer_headers, line(product, 2))
    assert response.status_code == 201
    return artisan, auth.headers(artisan), buyer, buyer_headers, response.get_json()["orders"][0]


def kinds(user) -> list[str]:
    return [notification.kind for notification in notifications_of(user)]


def test_the_buyer_follows_the_order_from_confirmation_to_delivery(client, app, cod_order):
    artisan, seller, buyer, _, order = cod_order
    base = f"/api/v1/orders/{order['id']}"

    assert client.post(f"{base}/confirm", headers=seller).status_code == 200
    shipped = client.post(
        f"{base}/ship",
        json={"carrier": "Viettel Post", "tracking_number": "VTP123"},
        headers=seller,
    )
    assert shipped.status_code == 200
    assert client.post(f"{base}/deliver", headers=seller).status_code == 200

    assert kinds(buyer) == ["order_confirmed", "order_shipped", "order_delivered"]
    shipped_notice = notifications_of(buyer, "order_shipped")[0]
    assert "Viettel Post" in text_of(shipped_notice).body
    assert "VTP123" in text_of(shipped_notice).body
    assert shipped_notice.link == f"/orders/{order['id']}"
    run_worker(app)
    assert set(deliveries_of(shipped_notice)) == {"sms"}
    # The seller made every move: only the order itself was news to them.
    assert kinds(artisan) == ["order_placed"]


def test_a_delivery_the_buyer_confirms_tells_the_seller(client, cod_order):
    artisan, seller, buyer, buyer_headers, order = cod_order
    base = f"/api/v1/orders/{order['id']}"
    client.post(f"{base}/confirm", headers=seller)
    client.post(f"{base}/ship", json={"carrier": "VNPost", "tracking_number": "1"}, headers=seller)

    assert client.post(f"{base}/deliver", headers=buyer_headers).status_code == 200

    assert kinds(artisan) == ["order_placed", "order_delivered"]
    assert "order_delivered" not in kinds(buyer)


def test_a_cancellation_tells_the_other_party(client, auth, cod_order):
    artisan, seller, buyer, buyer_headers, order = cod_order

    response = client.post(
        f"/api/v1/orders/{order['id']}/cancel", json={"reason": "đặt nhầm"}, headers=buyer_headers
    )

    assert response.status_code == 200
    assert kinds(artisan) == ["order_placed", "order_cancelled"]
    assert "đặt nhầm" in text_of(notifications_of(artisan, "order_cancelled")[0]).body
    assert kinds(buyer) == []

    # And the other way round.
    _, _, product = shop_with_product(artisan)
    second = post_checkout(client, buyer_headers, line(product)).get_json()["orders"][0]
    client.post(f"/api/v1/orders/{second['id']}/cancel", json={}, headers=seller)
    assert kinds(buyer) == ["order_cancelled"]


def test_a_return_tells_the_buyer(client, cod_order):
    _, seller, buyer, _, order = cod_order
    base = f"/api/v1/orders/{order['id']}"
    client.post(f"{base}/confirm", headers=seller)
    client.post(f"{base}/ship", json={"carrier": "VNPost", "tracking_number": "1"}, headers=seller)

    client.post(f"{base}/return", json={"reason": "khách từ chối", "restock": True}, headers=seller)

    assert kinds(buyer)[-1] == "order_returned"


def test_a_payment_tells_the_seller_once(app):
    """A card order is news when it is paid: one payment_received, no order_placed first."""
    artisan, shop, product = shop_with_product()
    buyer = buyer_with_phone()
    checkout = open_checkout(buyer_id=buyer.id, payment_method="stripe", status="pending_payment")
    variant = product.variants[0]
    add_order(
        checkout,
        shop=shop,
        lines=[PricedLine(product, variant, 1, variant.price)],
        shipping_address=ADDRESS,
        shipping_fee=30000,
        status="pending_payment",
        buyer_id=buyer.id,
    )
    db.session.commit()
    assert kinds(artisan) == []

    payments.apply_payment(checkout)
    db.session.commit()

    assert kinds(artisan) == ["payment_received"]
    [notice] = notifications_of(artisan)
    assert "150.000 ₫" in text_of(notice).body
    run_worker(app)
    assert set(deliveries_of(notice)) == {"sms"}
    assert kinds(buyer) == []


def test_a_livestream_starting_tells_the_shops_followers(client, auth, app):
    owner, shop, product = shop_with_product()
    followers = [buyer_with_phone(), make_user("buyer")]
    stranger = buyer_with_phone()
    set_locale(followers[1], "en")
    for follower in (*followers, owner):
        assert (
            client.put(f"/api/v1/shops/{shop.slug}/follow", headers=auth.headers(follower))
        ).status_code == 204
    livestream = make_livestream(shop, title="Thổ cẩm mùa xuân", products=[(product, 99000)])

    response = client.post(
        f"/api/v1/livestreams/{livestream.id}/start", headers=auth.headers(owner)
    )

    assert response.status_code == 200
    for follower in followers:
        assert kinds(follower) == ["livestream_starting"]
    vi, en = notifications_of(followers[0])[0], notifications_of(followers[1])[0]
    assert text_of(vi, "vi").title == "Thổ cẩm Cỏ Chàm đang livestream"
    assert text_of(en, "en").title == "Thổ cẩm Cỏ Chàm is live now"
    assert "Facebook" in text_of(en, "en").body
    assert vi.link == f"/livestreams/{livestream.id}"
    run_worker(app)
    assert set(deliveries_of(vi)) == {"sms"} and set(deliveries_of(en)) == {"email"}
    assert kinds(stranger) == [] and kinds(owner) == []


def test_ocop_decisions_tell_the_owner(client, auth):
    owner, _, product = shop_with_product()
    _, officer = auth.user("officer")
    today = local_today()
    body = {
        "certificate_number": "123/QĐ-UBND",
        "stars": 4,
        "issuer": "UBND tỉnh Sơn La",
        "issued_on": (today - timedelta(days=30)).isoformat(),
        "expires_on": (today + timedelta(days=3 * 365)).isoformat(),
    }
    headers = auth.headers(owner)
    first = client.post(
        f"/api/v1/products/{product.id}/ocop-applications", json=body, headers=headers
    )
    client.post(
        f"/api/v1/ocop/applications/{first.get_json()['id']}/reject",
        json={"reason": "Thiếu ảnh bao bì"},
        headers=officer,
    )
    second = client.post(
        f"/api/v1/products/{product.id}/ocop-applications", json=body, headers=headers
    )
    client.post(
        f"/api/v1/ocop/applications/{second.get_json()['id']}/approve",
        json={"stars": 3},
        headers=officer,
    )

    rejected, approved = (text_of(n) for n in notifications_of(owner, "ocop_decided"))
    assert rejected.title == "Hồ sơ OCOP của Khăn piêu chưa được duyệt"
    assert "Thiếu ảnh bao bì" in rejected.body
    assert approved.title == "Khăn piêu đạt OCOP 3 sao"
    assert "123/QĐ-UBND" in approved.body


def test_certificates_about_to_lapse_are_reminded_60_then_14_days_before(app):
    owner = artisan_with_phone()
    shop = make_shop(owner)
    today = local_today()
    in_50 = certify(make_product(shop, title="Mật ong"), expires_on=today + timedelta(days=50))
    in_10 = certify(make_product(shop, title="Chè Shan"), expires_on=today + timedelta(days=10))
    in_90 = certify(make_product(shop, title="Gạo nếp"), expires_on=today + timedelta(days=90))
    certify(
        make_product(shop, title="Rượu"),
        issued_on=today - timedelta(days=800),
        expires_on=today - timedelta(days=1),
    )

    first = run_command(app, "ocop", "notify-expiring")
    again = run_command(app, "ocop", "notify-expiring")

    assert first.exit_code == 0, first.output
    assert "Reminded 2" in first.output and "Reminded 0" in again.output
    told = {n.dedupe_key: n for n in notifications_of(owner, "ocop_expiring")}
    # One reminder each: the nearest one due (a certificate seen first at 10 days gets "14").
    assert set(told) == {f"ocop-expiring:{in_50.id}:60", f"ocop-expiring:{in_10.id}:14"}
    assert "còn 50 ngày" in text_of(told[f"ocop-expiring:{in_50.id}:60"]).body
    assert told[f"ocop-expiring:{in_10.id}:14"].link == "/seller/ocop"

    # Forty days on: the first is 10 days from lapsing, the third 50.
    assert notify_expiring_certificates(today + timedelta(days=40)) == 2
    assert {n.dedupe_key for n in notifications_of(owner, "ocop_expiring")} == {
        f"ocop-expiring:{in_50.id}:60",
        f"ocop-expiring:{in_10.id}:14",
        f"ocop-expiring:{in_50.id}:14",
        f"ocop-expiring:{in_90.id}:60",
    }
