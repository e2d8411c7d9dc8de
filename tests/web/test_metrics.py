"""GET /metrics: Prometheus text behind METRICS_TOKEN, requests by endpoint and status, checkout
outcomes and stock conflicts counted where they are decided, the notification queue, the pool;
and, served by gunicorn with two workers, counts that add up over both."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from marketplace.extensions import db
from marketplace.models import NotificationDelivery
from marketplace.models.base import utcnow
from tests.factories import make_product
from tests.factories.orders import checkout_body, line, post_checkout
from tests.factories.storage import free_port

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "metrics-token-for-tests"


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """(sample name, its labels) → value, from Prometheus' text format (parsed by the client's
    own parser: the text must be valid)."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(parsed: dict, name: str, **labels) -> float:
    return parsed.get((name, frozenset(labels.items())), 0.0)


def scrape(client) -> dict:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return samples(response.get_data(as_text=True))


@pytest.fixture
def token(app_config):
    app_config(METRICS_TOKEN=TOKEN)


def test_metrics_are_not_public(client, app_config):
    app_config(METRICS_TOKEN=None)
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404
    app_config(METRICS_TOKEN=TOKEN)
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_requests_are_counted_by_route_and_status_with_their_latency(client, token):
    before = scrape(client)
    for _ in range(3):
        client.get("/api/v1/products/missing-one")
    client.get("/no/such/page")
    after = scrape(client)
    route = "/api/v1/products/<product_id>"
    counted = "chophien_http_requests_total"
    assert (
        value(after, counted, endpoint=route, method="GET", status="404")
        - value(before, counted, endpoint=route, method="GET", status="404")
        == 3
    )
    assert value(after, counted, endpoint="<unmatched>", method="GET", status="404") > value(
        before, counted, endpoint="<unmatched>", method="GET", status="404"
    )
    histogram = "chophien_http_request_duration_seconds_count"
    assert (
        value(after, histogram, endpoint=route, method="GET")
        - value(before, histogram, endpoint=route, method="GET")
        == 3
    )


def test_checkouts_by_outcome_and_stock_conflicts(client, auth, token):
    product = make_product(stock=1)
    _, first = auth.user("buyer")
    _, second = auth.user("buyer")
    before = scrape(client)
    assert post_checkout(client, first, line(product)).status_code == 201
    assert post_checkout(client, second, line(product)).status_code == 409
    assert (
        post_checkout(client, second, {"product_id": product.id, "quantity": 0}).status_code == 422
    )
    after = scrape(client)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("chophien_checkouts_total", outcome="placed") == 1
    assert grew("chophien_checkouts_total", outcome="out_of_stock") == 1
    assert grew("chophien_stock_conflicts_total") == 1
    # A body refused before the service runs is not a checkout tried.
    assert grew("chophien_checkouts_total", outcome="validation_error") == 0


def test_the_notification_queue_is_read_from_the_database(client, auth, token):
    user, _ = auth.user("buyer")
    from marketplace.models import PasswordReset

    reset = PasswordReset(user_id=user.id, channel="sms", nonce="n" * 32, expires_at=utcnow())
    db.session.add(reset)
    db.session.flush()
    for status in ("pending", "pending", "failed"):
        db.session.add(
            NotificationDelivery(
                password_reset_id=reset.id,
                channel="sms",
                address="+84912345678",
                status=status,
                next_attempt_at=utcnow(),
            )
        )
    db.session.commit()
    parsed = scrape(client)
    assert value(parsed, "chophien_notifications_due") == 2
    assert value(parsed, "chophien_notifications_failed") == 1


def test_database_pool_use_is_a_gauge(client, token):
    parsed = scrape(client)
    assert ("chophien_db_pool_connections_in_use", frozenset()) in parsed
    assert value(parsed, "chophien_db_pool_connections_capacity") >= 1


# --- two gunicorn workers: one count -----------------------------------------------------


@pytest.fixture
def gunicorn_two_workers(app, database_url, tmp_path):
    """The app served as in production (deploy/gunicorn.conf.py), two workers, metrics kept
    in a folder of the test's own; its base URL and that folder."""
    metrics_dir = tmp_path / "metrics"
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("RATELIMIT_", "REDIS_URL"))},
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "metrics-two-workers",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "METRICS_TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "LOG_FORMAT": "json",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(  # noqa: S603 (our venv's gunicorn, fixed arguments)
        [
            str(gunicorn),
            "-c",
            "deploy/gunicorn.conf.py",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(process, base)
        yield base, metrics_dir, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stderr.close()


def _wait(process, base):
    import time

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited: {process.stderr.read()[-3000:]}")
        try:
            if requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError("gunicorn did not answer")


@pytest.mark.live
def test_counts_add_up_across_two_gunicorn_workers(gunicorn_two_workers, auth):
    base, metrics_dir, _ = gunicorn_two_workers
    product = make_product(stock=5)
    buyers = [auth.user("buyer")[1] for _ in range(12)]
    body = checkout_body(line(product))
    # Reading the product back began a transaction (on SQLite one that holds the write lock):
    # ended before the servers write.
    db.session.rollback()

    def buy(headers):
        return requests.post(f"{base}/api/v1/checkouts", json=body, headers=headers, timeout=60)

    def browse(_):
        return requests.get(f"{base}/healthz", timeout=30)

    with ThreadPoolExecutor(max_workers=6) as pool:
        bought = list(pool.map(buy, buyers))
        browsed = [r.status_code for r in pool.map(browse, range(40))]
    assert sorted(r.status_code for r in bought) == [201] * 5 + [409] * 7, [
        r.text for r in bought if r.status_code >= 500
    ]
    assert browsed == [200] * 40
    # Both workers counted: each keeps its own file of counters.
    assert len(list(metrics_dir.glob("counter_*.db"))) == 2

    # Whichever worker answers the scrape reports both workers' counts.
    headers = {"Authorization": f"Bearer {TOKEN}"}
    for _ in range(4):
        response = requests.get(f"{base}/metrics", headers=headers, timeout=30)
        assert response.status_code == 200
        parsed = samples(response.text)
        assert value(parsed, "chophien_checkouts_total", outcome="placed") == 5
        assert value(parsed, "chophien_checkouts_total", outcome="out_of_stock") == 7
        assert value(parsed, "chophien_stock_conflicts_total") == 7
        assert (
            value(
                parsed,
                "chophien_http_requests_total",
                endpoint="/api/v1/checkouts",
                method="POST",
                status="201",
            )
            == 5
        )
        assert (
            value(
                parsed,
                "chophien_http_requests_total",
                endpoint="/healthz",
                method="GET",
                status="200",
            )
            >= 40
        )
        assert value(parsed, "chophien_db_pool_connections_capacity") >= 2
    assert requests.get(f"{base}/metrics", timeout=30).status_code == 404


def test_bank_feed_credits_are_counted_by_outcome(client, token, app_config):
    from tests.factories.bank import WEBHOOK_SECRET, credit, deliver

    app_config(BANK_WEBHOOK_SECRET=WEBHOOK_SECRET)
    before = scrape(client)
    unknown = credit("999999999", 150000, "CP NOTHING")
    assert deliver(client, unknown).status_code == 200
    assert deliver(client, unknown).status_code == 200  # the feed sends it again
    after = scrape(client)

    def grew(outcome):
        name, labels = "chophien_payments_total", {"method": "bank_transfer", "outcome": outcome}
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("unmatched") == 1
    assert grew("duplicate") == 1
