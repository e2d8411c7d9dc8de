"""The worker as it runs for real: a separate process that may be killed or stopped, and
several workers sharing one queue.

At-least-once, on purpose: a worker killed after the gateway took a message but before it
recorded that leaves the row pending under its lease; when the lease ends another worker sends
it again. The message is never lost; it can arrive twice (with the same Idempotency-Key), which
beats a seller never hearing of an order. A message recorded sent is never sent again.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from marketplace.extensions import db
from marketplace.models import NotificationDelivery
from marketplace.services.notifications import outbox
from marketplace.services.notifications.delivery import Worker
from tests.factories import make_product, make_shop
from tests.factories.messaging import GATEWAY_TOKEN, all_deliveries, run_worker
from tests.factories.orders import line, post_checkout, run_command
from tests.notifications.helpers import artisan_with_phone, buyer_with_phone, shop_with_product

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 60
# A lease of a few seconds, so that a dead worker's message is taken again soon.
SHORT_LEASE = {"NOTIFY_LEASE_SECONDS": "6", "NOTIFY_SEND_TIMEOUT_SECONDS": "3"}
_COLUMNS = NotificationDelivery.__table__.columns


@pytest.fixture
def start_worker(database_url, sms_gateway):
    """``start_worker(**settings)``: ``flask worker`` as a process of its own, on the test's
    database and gateway; any still running at the end of the test is killed."""
    started: list[subprocess.Popen] = []

    def start(*args: str, **settings: str) -> subprocess.Popen:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "SMS_WEBHOOK_URL": sms_gateway.url,
            "SMS_WEBHOOK_TOKEN": GATEWAY_TOKEN,
            "PUBLIC_BASE_URL": "https://cho.example.vn",
            "NOTIFY_POLL_SECONDS": "1",
            **settings,
        }
        env.pop("SMTP_URL", None)
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "marketplace", "worker", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()


def stop(process: subprocess.Popen, sig=signal.SIGTERM) -> int:
    if process.poll() is None:
        process.send_signal(sig)
    return process.wait(timeout=WAIT_SECONDS)


def wait_for_output(process: subprocess.Popen, text: str) -> bool:
    """Read the process's output until ``text`` appears (False if it ends first)."""
    seen = b""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.1)
        if ready:
            chunk = process.stdout.read1()
            if not chunk:
                return False
            seen += chunk
            if text.encode() in seen:
                return True
    return False


def wait_for(condition, what: str):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"waited {WAIT_SECONDS} s for {what}")


def deliveries() -> dict[str, SimpleNamespace]:
    """The deliveries by address, as plain values; the session's transaction is ended (on
    SQLite an open one would hold the write lock the worker needs)."""
    db.session.expire_all()
    rows = {
        row.address: SimpleNamespace(**{c.key: getattr(row, c.key) for c in _COLUMNS})
        for row in all_deliveries()
    }
    db.session.rollback()
    return rows


def checkout(client, headers, *products) -> None:
    """A COD checkout of one unit of each product, with the test's session out of the way."""
    lines = [line(product) for product in products]
    db.session.commit()
    assert post_checkout(client, headers, *lines).status_code == 201
    db.session.commit()


@pytest.mark.live
def test_a_worker_killed_between_sending_and_recording_loses_nothing(
    app, client, auth, sms_gateway, start_worker
):
    artisan, _, product = shop_with_product()
    _, headers = auth.user()
    phone = artisan.phone
    checkout(client, headers, product)
    sms_gateway.hold()
    worker = start_worker(**SHORT_LEASE)
    try:
        # The gateway has the message and holds its answer: the worker is between sending
        # and recording. It dies there, without a chance to clean up.
        assert sms_gateway.wait_until_held(), worker.stdout.read1().decode()
        assert stop(worker, signal.SIGKILL) == -signal.SIGKILL
    finally:
        sms_gateway.release()
    delivery = deliveries()[phone]
    assert (delivery.status, delivery.attempts, delivery.sent_at) == ("pending", 1, None)
    assert delivery.claimed_by is not None  # under the dead worker's lease

    # Not lost: when the lease ends the next worker sends it again.
    worker = start_worker(**SHORT_LEASE)
    wait_for(lambda: deliveries()[phone].status == "sent", "the message to be sent")
    assert stop(worker) == 0
    delivery = deliveries()[phone]
    assert delivery.attempts == 2
    # Sent twice, as one message: same text, same key.
    first, second = sms_gateway.requests
    assert first.text == second.text and first.to == second.to == phone
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"] == delivery.id


@pytest.mark.live
def test_sigterm_finishes_the_message_being_sent_and_hands_back_the_rest(
    app, client, auth, sms_gateway, start_worker
):
    owners = [artisan_with_phone(), artisan_with_phone()]
    products = [make_product(make_shop(owner)) for owner in owners]
    _, headers = auth.user()
    checkout(client, headers, *products)
    sms_gateway.hold()
    worker = start_worker()
    try:
        assert sms_gateway.wait_until_held(), worker.stdout.read1().decode()
        worker.send_signal(signal.SIGTERM)
    finally:
        sms_gateway.release()
    assert stop(worker) == 0

    rows = deliveries()
    [sent] = [row for row in rows.values() if row.status == "sent"]
    [handed_back] = [row for row in rows.values() if row.status == "pending"]
    assert sent.address == sms_gateway.requests[0].to
    assert (handed_back.attempts, handed_back.claimed_by) == (0, None)
    assert len(sms_gateway.requests) == 1


@pytest.mark.live
def test_an_idle_worker_stops_on_sigterm(app, start_worker):
    worker = start_worker()
    assert wait_for_output(worker, "delivering notifications")
    assert stop(worker) == 0


@pytest.mark.live
def test_several_workers_share_the_queue_and_send_each_message_once(app, sms_gateway, notify_to):
    notify_to(gateway=sms_gateway, NOTIFY_BATCH_SIZE=4)
    people = [buyer_with_phone() for _ in range(30)]
    outbox.write(
        outbox.Notice(person.id, "order_confirmed", _order_params(n))
        for n, person in enumerate(people)
    )
    db.session.commit()
    reports = []

    def work():
        with app.app_context():
            worker = Worker.from_config(app.config)
            reports.append(worker.run_once())
            worker.close()
            db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_SECONDS)

    assert sum(report.dispatched for report in reports) == 30
    assert sum(report.sent for report in reports) == 30
    keys = [request.headers["Idempotency-Key"] for request in sms_gateway.requests]
    assert len(keys) == len(set(keys)) == 30
    assert {row.status for row in all_deliveries()} == {"sent"}


def test_flask_worker_once_sends_what_is_due(app, client, auth, sms_gateway, notify_to):
    notify_to(gateway=sms_gateway)
    artisan, _, product = shop_with_product()
    _, headers = auth.user()
    post_checkout(client, headers, line(product))

    result = run_command(app, "worker", "--once")

    assert result.exit_code == 0, result.output
    assert "Dispatched 1 notification(s); sent 1, retrying 0, failed 0" in result.output
    assert len(sms_gateway.texts_to(artisan.phone)) == 1


def test_without_a_gateway_messages_go_to_the_log(app, client, auth, caplog):
    artisan, _, product = shop_with_product()
    _, headers = auth.user()
    post_checkout(client, headers, line(product))

    with caplog.at_level("INFO", logger="marketplace.messages"):
        report = run_worker(app)

    assert report.sent == 1
    [record] = [r for r in caplog.records if r.name == "marketplace.messages"]
    assert record.getMessage().startswith(f"sms to {artisan.phone}: Cho Phien: don moi #")


def _order_params(n: int) -> dict:
    return {
        "order_id": f"{n:032x}",
        "ref": f"{n:08X}",
        "total": 100000,
        "currency": "VND",
        "first_item": "Khăn piêu",
        "first_quantity": 1,
        "more_items": 0,
        "buyer": "Lò Thị Hoa",
        "shop": "Thổ cẩm Cỏ Chàm",
    }
