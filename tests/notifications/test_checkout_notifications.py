"""A checkout tells the seller: written with the checkout, sent by the worker, never slowing it.

The issue's "done when", on whichever database the suite runs: a COD checkout makes one
``order_placed`` for the artisan, listed by the API at once and received by the SMS gateway
once the worker runs; a checkout that fails makes none; a gateway answering 500 three times
gets the message on the fourth try, and the checkout did not wait for any of it.
"""

from __future__ import annotations

from datetime import timedelta

from marketplace.models import NotificationDelivery
from marketplace.models.base import utcnow
from marketplace.services.notifications.events import order_ref
from tests.factories import make_product, make_shop
from tests.factories.messaging import (
    all_deliveries,
    deliveries_of,
    notifications_of,
    run_worker,
)
from tests.factories.orders import line, post_checkout
from tests.notifications.helpers import artisan_with_phone, shop_with_product


def test_a_cod_checkout_tells_the_artisan_by_text_message(
    client, auth, sms_gateway, notify_to, app
):
    notify_to(gateway=sms_gateway)
    artisan, _, product = shop_with_product()
    _, headers = auth.user()

    response = post_checkout(client, headers, line(product, 2))
    assert response.status_code == 201, response.get_json()
    order_id = response.get_json()["orders"][0]["id"]

    # Written with the checkout, listed at once; nothing sent yet: the request never waits.
    assert sms_gateway.requests == []
    [notification] = notifications_of(artisan)
    assert notification.kind == "order_placed"
    assert notification.dispatched_at is None and deliveries_of(notification) == {}
    listed = client.get("/api/v1/notifications", headers=auth.headers(artisan)).get_json()
    [item] = listed["items"]
    assert item["kind"] == "order_placed"
    assert order_ref(order_id) in item["title"]
    assert "Khăn piêu x2" in item["body"] and "270.000 ₫" in item["body"]
    assert item["link"] == f"https://cho.example.vn/seller/orders#order-{order_id}"
    assert item["read_at"] is None

    report = run_worker(app)

    assert (report.dispatched, report.sent) == (1, 1)
    [text] = sms_gateway.texts_to(artisan.phone)
    assert text.startswith(f"Cho Phien: don moi #{order_ref(order_id)} 270.000 VND")
    assert text.endswith(f"https://cho.example.vn/seller/orders#order-{order_id}")
    assert len(text) <= 160 and text.isascii()
    assert deliveries_of(notification)["sms"].status == "sent"
    # Sent is final: another pass sends nothing again.
    assert run_worker(app).handled == 0
    assert len(sms_gateway.requests) == 1


def test_one_order_placed_per_shop_owner(client, auth):
    owners = [artisan_with_phone(), artisan_with_phone()]
    products = [make_product(make_shop(owner)) for owner in owners]
    _, headers = auth.user()

    response = post_checkout(client, headers, line(products[0]), line(products[1], 3))

    assert response.status_code == 201
    for owner in owners:
        assert [n.kind for n in notifications_of(owner)] == ["order_placed"]


def test_a_checkout_that_fails_tells_nobody(client, auth):
    artisan, _, product = shop_with_product(stock=1)
    _, headers = auth.user()

    out_of_stock = post_checkout(client, headers, line(product, 2))
    changed = post_checkout(client, headers, line(product, 1, expected_unit_price=1))

    assert out_of_stock.status_code == 409
    assert out_of_stock.get_json()["error"]["code"] == "out_of_stock"
    assert changed.status_code == 409
    assert notifications_of(artisan) == []
    assert all_deliveries() == []


def test_a_failing_gateway_gets_the_message_on_the_fourth_try(
    client, auth, sms_gateway, notify_to, app
):
    notify_to(gateway=sms_gateway, NOTIFY_RETRY_BASE_SECONDS=30, NOTIFY_RETRY_CAP_SECONDS=3600)
    sms_gateway.answers = [500, 500, 500]
    artisan, _, product = shop_with_product()
    _, headers = auth.user()

    response = post_checkout(client, headers, line(product))

    # The checkout was answered without a word to the gateway: a failing channel cannot slow it.
    assert response.status_code == 201
    assert sms_gateway.requests == []
    [notification] = notifications_of(artisan)
    start = utcnow() + timedelta(seconds=1)
    clock = {"now": start}

    def at(seconds: float):
        clock["now"] = start + timedelta(seconds=seconds)
        return run_worker(app, clock=lambda: clock["now"])

    assert at(0).retrying == 1  # 1st try: 500; again in 30 s
    assert at(29).handled == 0  # not due yet
    assert at(30).retrying == 1  # 2nd try: 500; again in 60 s
    delivery = deliveries_of(notification)["sms"]
    assert delivery.attempts == 2
    assert delivery.next_attempt_at == start + timedelta(seconds=90)
    assert "500" in delivery.last_error
    assert at(89).handled == 0
    assert at(90).retrying == 1  # 3rd try: 500; again in 120 s
    assert at(210).sent == 1  # 4th try: taken

    delivery = deliveries_of(notification)["sms"]
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 4, None)
    assert len(sms_gateway.requests) == 4
    assert len(sms_gateway.texts_to(artisan.phone)) == 1
    # Every try carried the same key, for a gateway that drops repeats.
    assert {r.headers["Idempotency-Key"] for r in sms_gateway.requests} == {delivery.id}


def test_backoff_is_capped_and_gives_up_after_the_last_attempt(
    client, auth, sms_gateway, notify_to, app
):
    notify_to(
        gateway=sms_gateway,
        NOTIFY_RETRY_BASE_SECONDS=30,
        NOTIFY_RETRY_CAP_SECONDS=100,
        NOTIFY_MAX_ATTEMPTS=4,
    )
    sms_gateway.answers = [503] * 10
    artisan, _, product = shop_with_product()
    _, headers = auth.user()
    assert post_checkout(client, headers, line(product)).status_code == 201
    [notification] = notifications_of(artisan)
    now = utcnow() + timedelta(seconds=1)
    waits = []
    for _ in range(4):
        run_worker(app, clock=lambda at=now: at)
        delivery = deliveries_of(notification)["sms"]
        if delivery.status != "pending":
            break
        waits.append((delivery.next_attempt_at - now).total_seconds())
        now = delivery.next_attempt_at

    assert waits == [30, 60, 100]  # 120 capped at 100
    assert delivery.status == "failed" and delivery.attempts == 4
    assert "503" in delivery.last_error


def test_a_gateway_refusing_the_number_ends_it_at_once(client, auth, sms_gateway, notify_to, app):
    notify_to(gateway=sms_gateway)
    sms_gateway.answers = [400]
    artisan, _, product = shop_with_product()
    _, headers = auth.user()
    post_checkout(client, headers, line(product))

    report = run_worker(app)

    assert report.failed == 1
    delivery = deliveries_of(notifications_of(artisan)[0])["sms"]
    assert delivery.status == "failed" and delivery.attempts == 1


def test_each_channel_is_retried_on_its_own(
    client, auth, sms_gateway, smtp_server, closed_port, notify_to, app, app_config
):
    """The text message went; the e-mail failed: only the e-mail is tried again."""
    notify_to(gateway=sms_gateway, smtp=smtp_server)
    app_config(SMTP_URL=f"smtp://127.0.0.1:{closed_port}")  # the mail server is down
    artisan = artisan_with_phone(email="weaver@example.vn")
    _, _, product = shop_with_product(artisan)
    _, headers = auth.user()
    post_checkout(client, headers, line(product))

    first = run_worker(app)

    assert (first.sent, first.retrying) == (1, 1)
    deliveries = deliveries_of(notifications_of(artisan)[0])
    assert deliveries["sms"].status == "sent"
    assert deliveries["email"].status == "pending"
    assert "Connection refused" in deliveries["email"].last_error
    app_config(SMTP_URL=smtp_server.url())  # back up
    later = deliveries["email"].next_attempt_at
    second = run_worker(app, clock=lambda: later)

    assert (second.sent, second.retrying) == (1, 0)
    assert len(sms_gateway.messages) == 1
    [mail] = smtp_server.mails
    assert mail.rcpt_tos == ["weaver@example.vn"]
    assert mail.subject.startswith("Đơn hàng mới #")


def test_channels_follow_the_users_choice(client, auth, app):
    both = artisan_with_phone(email="both@example.vn")
    quiet = artisan_with_phone(email="quiet@example.vn")
    quiet.notify_sms = quiet.notify_email = False
    products = [make_product(make_shop(owner)) for owner in (both, quiet)]
    _, headers = auth.user()

    post_checkout(client, headers, line(products[0]), line(products[1]))
    run_worker(app)  # to the log

    assert set(deliveries_of(notifications_of(both)[0])) == {"sms", "email"}
    # In the app only: no delivery at all.
    assert deliveries_of(notifications_of(quiet)[0]) == {}
    assert {d.address for d in all_deliveries()} == {both.phone, "both@example.vn"}
    assert all(isinstance(d, NotificationDelivery) for d in all_deliveries())
