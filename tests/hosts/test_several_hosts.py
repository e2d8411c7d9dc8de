"""Two app hosts behind nginx, one killed under load: nothing sold twice, nothing lost.

Two network namespaces (tests/hosts/network.py) each run gunicorn with deploy/gunicorn.conf.py
(two workers), behind Debian's nginx with deploy/nginx/cho-phien.conf (its upstream rewritten to
the two hosts), sharing the run's PostgreSQL database, Redis and a moto S3 server. A bounded
mixed load goes through nginx: browsing (API lists and pages, static files), sign-ins, photo
uploads, and 200 buyers racing for the 50 units of one product, each retrying its checkout
with its Idempotency-Key after a 5xx or a lost connection. Meanwhile host a is killed (SIGKILL
of gunicorn and its workers) and started again.

It proves: exactly 50 units sold and the stock at 0; every checkout that answered 201 exists,
once; no buyer has two checkouts (retries made no duplicate); no 5xx outside the kill window
(from the kill to a few seconds after host a answers again); rate limits counted across hosts
(failed sign-ins alternating between the hosts are refused after the limit); a session cookie
signed in on one host works on the other; a photo uploaded through one host is served by the
other. The figures are printed at the end (and written to hosts-report.json in the test's
temporary folder), with a sample of the JSON log and of /metrics.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
import requests
import sqlalchemy as sa
from PIL import Image
from sqlalchemy.engine import make_url

from marketplace.extensions import db
from marketplace.models import Checkout, Order, OrderLine, ProductVariant
from tests.deploy.test_deploy_files import nginx_main_config, nginx_site_for_test
from tests.factories import PASSWORD, headers_for, make_product, make_shop, make_user
from tests.factories.orders import ADDRESS
from tests.factories.storage import AWS_ENV, BUCKET, REGION, S3Server, free_port
from tests.hosts.network import HostNetwork

pytestmark = [pytest.mark.hosts, pytest.mark.live]

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
HOSTS = ["a", "b"]
APP_PORT = 8000
UNITS = 50
BUYERS = 200
METRICS_TOKEN = "hosts-metrics"
# After host a answers again, nginx may still hold answers it got from it while it was down.
KILL_MARGIN_SECONDS = 2.0
# The whole load is bounded: every buyer starts within this, every loop stops after it.
LOAD_SECONDS = 12.0
ABANDONED_AFTER = 8
# How long one buyer keeps retrying (a lost answer, a 5xx, a key still held by a dead request).
RETRY_SECONDS = 60


# --- the cluster --------------------------------------------------------------------------


@dataclass
class Cluster:
    network: HostNetwork
    env: dict[str, str]
    logs: Path
    nginx_url: str = ""
    servers: dict[str, subprocess.Popen] = field(default_factory=dict)

    def url(self, host: str) -> str:
        return f"http://{self.network.address(host)}:{APP_PORT}"

    def start(self, host: str) -> None:
        env = {
            **self.env,
            "PROMETHEUS_MULTIPROC_DIR": str(self.logs / f"metrics-{host}"),
            "GUNICORN_BIND": f"{self.network.address(host)}:{APP_PORT}",
        }
        log = open(self.logs / f"host-{host}.log", "a")  # noqa: SIM115 (kept by the process)
        self.servers[host] = self.network.run_in(
            host,
            [
                str(VENV_BIN / "gunicorn"),
                "-c",
                "deploy/gunicorn.conf.py",
                "--workers",
                "2",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
        )
        log.close()

    def wait_ready(self, host: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.servers[host].poll() is not None:
                raise AssertionError(f"host {host} exited: {self.tail(host)}")
            try:
                if requests.get(f"{self.url(host)}/readyz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise AssertionError(f"host {host} not ready: {self.tail(host)}")

    def kill(self, host: str) -> None:
        """SIGKILL to gunicorn and its workers at once: a host that dies, not one that stops."""
        process = self.servers[host]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self, host: str) -> None:
        process = self.servers.get(host)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def tail(self, host: str) -> str:
        return (self.logs / f"host-{host}.log").read_text()[-3000:]


@pytest.fixture
def cluster(hosts_possible, database_url, tmp_path, monkeypatch):
    nginx = hosts_possible
    logs = tmp_path
    net = HostNetwork(HOSTS)
    started: list[subprocess.Popen] = []
    prefix = f"hosts-{uuid.uuid4().hex[:8]}"
    try:
        net.up()
        net.forward(5432)
        net.forward(6379)
        # S3: moto's server on the bridge, one bucket.
        s3_port = free_port()
        moto = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "moto.server", "-H", net.gateway, "-p", str(s3_port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **AWS_ENV},
        )
        started.append(moto)
        s3 = S3Server(f"http://{net.gateway}:{s3_port}")
        _wait_for(lambda: requests.get(f"{s3.endpoint_url}/moto-api/", timeout=1), "moto")
        for name, value in AWS_ENV.items():  # boto3's credentials, for this test only
            monkeypatch.setenv(name, value)
        s3.client().create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        shared_db = make_url(database_url).set(host=net.gateway, port=5432)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("RATELIMIT_", "MEDIA_"))},
            **AWS_ENV,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": shared_db.render_as_string(hide_password=False),
            "REDIS_URL": f"redis://{net.gateway}:6379/12",
            "RATELIMIT_KEY_PREFIX": prefix,
            "RATELIMIT_LOGIN_FAILURES": "3 per 15 minutes",
            "RATELIMIT_LOGIN_FAILURES_PER_ADDRESS": "1000 per 15 minutes",
            "MEDIA_STORAGE": "s3",
            "S3_BUCKET": BUCKET,
            "S3_REGION": REGION,
            "S3_ENDPOINT_URL": s3.endpoint_url,
            "SECRET_KEY": "several-hosts-share-this-key",
            "TRUSTED_PROXIES": "1",
            "LOG_FORMAT": "json",
            "METRICS_TOKEN": METRICS_TOKEN,
            # A key claimed by a request that died with host a is taken over after this (300 s
            # by default): long enough for any request of this test, short enough to wait for.
            "IDEMPOTENCY_ABANDONED_AFTER_SECONDS": str(ABANDONED_AFTER),
        }
        cluster = Cluster(net, env, logs)
        for host in HOSTS:
            cluster.start(host)
        for host in HOSTS:
            cluster.wait_ready(host)
        # nginx, as shipped, in front of both.
        port = free_port()
        site = nginx_site_for_test(
            logs / "nginx", [f"{net.address(h)}:{APP_PORT}" for h in HOSTS], port
        )
        (logs / "nginx").mkdir()
        main = nginx_main_config(logs / "nginx", site)
        proxy = subprocess.Popen(  # noqa: S603
            [nginx, "-c", str(main), "-e", str(logs / "nginx" / "error.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(proxy)
        cluster.nginx_url = f"http://127.0.0.1:{port}"
        _wait_for(lambda: requests.get(f"{cluster.nginx_url}/healthz", timeout=2), "nginx")
        yield cluster
        for host in HOSTS:
            cluster.stop(host)
    finally:
        for process in started:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if "cluster" in locals():
            for host in HOSTS:
                cluster.stop(host)
        net.down()
        client = redis.Redis.from_url("redis://127.0.0.1:6379/12")
        for key in client.scan_iter(match=f"*{prefix}*"):
            client.delete(key)
        client.close()


def _wait_for(call, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            response = call()
            if response.status_code < 500:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not start")
        time.sleep(0.1)


# --- the load -----------------------------------------------------------------------------


@dataclass
class Answer:
    kind: str
    status: int | None  # None: no answer (connection lost)
    started: float
    ended: float


class Recorder:
    def __init__(self):
        self.answers: list[Answer] = []
        self.lock = threading.Lock()

    def call(self, kind: str, method: str, url: str, **kwargs) -> requests.Response | None:
        started = time.monotonic()
        try:
            response = requests.request(method, url, timeout=40, **kwargs)
        except requests.RequestException:
            response = None
        with self.lock:
            self.answers.append(
                Answer(
                    kind,
                    response.status_code if response is not None else None,
                    started,
                    time.monotonic(),
                )
            )
        return response


def png_bytes(seed: int) -> bytes:
    image = Image.new("RGB", (96, 64), (seed * 37 % 256, 120, 60))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_two_hosts_one_killed_under_load(cluster, request):
    # The world, written straight to the shared database: a shop with 50 units, 200 buyers.
    seller = make_user("artisan")
    shop = make_shop(seller)
    product = make_product(shop, stock=UNITS, price=250000, title="Váy lanh Mông")
    product_id = product.id
    seller_headers = headers_for(seller)
    buyers = [make_user("buyer") for _ in range(BUYERS)]
    buyer_headers = [headers_for(buyer) for buyer in buyers]
    buyer_ids = [buyer.id for buyer in buyers]
    logins = [buyer.email for buyer in buyers[:10]]
    target = make_user("buyer")
    target_login = target.email
    db.session.rollback()

    base = cluster.nginx_url
    recorder = Recorder()
    stop = threading.Event()
    body = {
        "items": [{"product_id": product_id, "quantity": 1}],
        "shipping_address": dict(ADDRESS),
        "payment_method": "cod",
    }

    def browse():
        paths = [
            "/api/v1/products?limit=20",
            f"/api/v1/products/{product_id}",
            "/",
            f"/products/{product_id}",
            "/static/pages.css",
            "/api/v1/categories",
        ]
        n = 0
        while not stop.is_set():
            recorder.call("browse", "GET", base + paths[n % len(paths)])
            n += 1

    def sign_in():
        n = 0
        while not stop.is_set():
            recorder.call(
                "sign-in",
                "POST",
                f"{base}/api/v1/auth/token",
                json={"login": logins[n % len(logins)], "password": PASSWORD},
            )
            n += 1
            time.sleep(0.05)

    uploaded: list[str] = []

    def upload():
        n = 0
        while not stop.is_set() and n < 20:
            response = recorder.call(
                "upload",
                "POST",
                f"{base}/api/v1/media",
                headers=seller_headers,
                files={"file": (f"photo{n}.png", png_bytes(n), "image/png")},
            )
            if response is not None and response.status_code == 201:
                uploaded.append(response.json()["id"])
            n += 1
            time.sleep(0.2)

    outcomes: dict[int, dict] = {}

    def buy(index: int):
        time.sleep(random.uniform(0, LOAD_SECONDS * 0.7))  # noqa: S311
        key = str(uuid.uuid4())
        headers = {**buyer_headers[index], "Idempotency-Key": key}
        attempts = []
        deadline = time.monotonic() + RETRY_SECONDS
        attempt = 0
        while time.monotonic() < deadline:
            attempt += 1
            response = recorder.call(
                "checkout", "POST", f"{base}/api/v1/checkouts", json=body, headers=headers
            )
            status = response.status_code if response is not None else None
            in_progress = (
                status == 409 and response.json()["error"]["code"] == "request_in_progress"
            )
            replayed = response is not None and response.headers.get("Idempotent-Replayed")
            attempts.append(
                "in_progress" if in_progress else f"{status} replayed" if replayed else status
            )
            retry = status is None or status >= 500 or in_progress
            if not retry:
                outcomes[index] = {
                    "status": status,
                    "attempts": attempts,
                    "checkout_id": response.json().get("id") if status == 201 else None,
                    "code": None if status == 201 else response.json()["error"]["code"],
                }
                return
            time.sleep(min(0.3 * attempt, 2.0))
        outcomes[index] = {"status": None, "attempts": attempts}

    kill = {}

    def kill_and_restart():
        time.sleep(LOAD_SECONDS * 0.25)
        kill["start"] = time.monotonic()
        cluster.kill("a")
        time.sleep(3)
        cluster.start("a")
        cluster.wait_ready("a")
        kill["ready"] = time.monotonic()

    loops = [threading.Thread(target=browse) for _ in range(4)]
    loops += [threading.Thread(target=sign_in), threading.Thread(target=upload)]
    killer = threading.Thread(target=kill_and_restart)
    began = time.monotonic()
    for thread in loops:
        thread.start()
    killer.start()
    with ThreadPoolExecutor(max_workers=48) as pool:
        list(pool.map(buy, range(BUYERS)))
    killer.join(timeout=120)
    # Browsing goes on until host a has answered again for a while, then everything stops.
    while time.monotonic() < max(began + LOAD_SECONDS, kill.get("ready", 0) + 3):
        time.sleep(0.2)
    stop.set()
    for thread in loops:
        thread.join(timeout=60)
    load_seconds = time.monotonic() - began
    assert "ready" in kill, "host a did not come back"

    # --- what the load left ---------------------------------------------------------------
    window = (kill["start"], kill["ready"] + KILL_MARGIN_SECONDS)

    def during_kill(answer: Answer) -> bool:
        return answer.ended >= window[0] and answer.started <= window[1]

    failed = [a for a in recorder.answers if a.status is None or a.status >= 500]
    outside = [a for a in failed if not during_kill(a)]
    inside = [a for a in failed if during_kill(a)]
    assert outside == [], f"5xx or lost answers outside the kill: {outside[:10]}"

    assert len(outcomes) == BUYERS
    unanswered = {i: o["attempts"] for i, o in outcomes.items() if o["status"] is None}
    assert unanswered == {}, "buyers without a final answer after their retries"
    statuses = sorted(o["status"] for o in outcomes.values())
    assert statuses == [201] * UNITS + [409] * (BUYERS - UNITS)
    assert {o["code"] for o in outcomes.values() if o["status"] == 409} == {"out_of_stock"}
    answered_ids = [o["checkout_id"] for o in outcomes.values() if o["status"] == 201]
    assert len(set(answered_ids)) == UNITS

    sold = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(OrderLine.quantity), 0)).where(
            OrderLine.product_id == product_id
        )
    )
    stock = db.session.scalar(
        sa.select(sa.func.sum(ProductVariant.stock)).where(ProductVariant.product_id == product_id)
    )
    made = db.session.execute(
        sa.select(Checkout.id, Checkout.buyer_id).where(Checkout.buyer_id.in_(buyer_ids))
    ).all()
    orders = db.session.scalar(
        sa.select(sa.func.count()).select_from(Order).where(Order.buyer_id.in_(buyer_ids))
    )
    db.session.rollback()
    assert sold == UNITS
    assert stock == 0
    # Every 201 exists, once; nothing exists that no 201 told of; no buyer twice.
    assert sorted(checkout_id for checkout_id, _ in made) == sorted(answered_ids)
    per_buyer = {}
    for _, buyer_id in made:
        per_buyer[buyer_id] = per_buyer.get(buyer_id, 0) + 1
    duplicates = sum(count - 1 for count in per_buyer.values())
    assert duplicates == 0
    assert orders == UNITS
    retried = [o for o in outcomes.values() if len(o["attempts"]) > 1]

    # --- one world, whichever host answers --------------------------------------------------
    a, b = cluster.url("a"), cluster.url("b")

    # Rate limits: failed sign-ins alternate between the hosts; one count in Redis.
    failures = [
        requests.post(
            f"{(a, b)[n % 2]}/api/v1/auth/token",
            json={"login": target_login, "password": "not the password"},
            timeout=30,
        ).status_code
        for n in range(5)
    ]
    assert failures == [401, 401, 401, 429, 429]

    # A session cookie signed in on host a is honoured by host b.
    page = requests.Session()
    form = page.get(f"{a}/signin", timeout=30)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    signed_in = page.post(
        f"{a}/signin",
        data={"login": logins[0], "password": PASSWORD, "csrf_token": csrf, "next": "/"},
        allow_redirects=False,
        timeout=30,
    )
    assert signed_in.status_code == 302, signed_in.text[:500]
    cookie = "; ".join(f"{c.name}={c.value}" for c in page.cookies)
    on_b = requests.get(
        f"{b}/signin", headers={"Cookie": cookie}, allow_redirects=False, timeout=30
    )
    assert on_b.status_code == 302  # already signed in: sent on
    home_b = requests.get(f"{b}/", headers={"Cookie": cookie}, timeout=30)
    assert 'class="who"' in home_b.text
    anonymous_b = requests.get(f"{b}/", timeout=30)
    assert 'class="who"' not in anonymous_b.text

    # A photo uploaded through host a is served by host b (and the other way round).
    for source, reader in ((a, b), (b, a)):
        photo = png_bytes(99)
        made_media = requests.post(
            f"{source}/api/v1/media",
            headers=seller_headers,
            files={"file": ("p.png", photo, "image/png")},
            timeout=30,
        )
        assert made_media.status_code == 201, made_media.text
        media_id = made_media.json()["id"]
        read = requests.get(f"{reader}/api/v1/media/{media_id}", headers=seller_headers, timeout=30)
        assert read.status_code == 200
        assert read.json()["status"] == "ready"
        fetched = requests.get(read.json()["url"], timeout=30)
        assert fetched.status_code == 200
        assert fetched.headers["Content-Type"].startswith("image/")
    # And the photos uploaded during the load: each readable from both hosts.
    assert uploaded
    for media_id in uploaded:
        for host in (a, b):
            read = requests.get(
                f"{host}/api/v1/media/{media_id}", headers=seller_headers, timeout=30
            )
            assert read.status_code == 200

    # --- the figures ------------------------------------------------------------------------
    by_kind: dict[str, int] = {}
    for answer in recorder.answers:
        by_kind[answer.kind] = by_kind.get(answer.kind, 0) + 1
    metrics = {
        host: requests.get(
            f"{cluster.url(host)}/metrics",
            headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
            timeout=30,
        ).text
        for host in HOSTS
    }
    log_lines = [
        line
        for line in (cluster.logs / "host-b.log").read_text().splitlines()
        if line.startswith("{") and '"path": "/api/v1/checkouts"' in line
    ]
    report = {
        "requests": len(recorder.answers),
        "requests_by_kind": by_kind,
        "load_seconds": round(load_seconds, 1),
        "kill_window_seconds": round(window[1] - window[0], 1),
        "failed_during_kill": len(inside),
        "failed_during_kill_by_kind": {
            kind: sum(1 for a in inside if a.kind == kind) for kind in {a.kind for a in inside}
        },
        "failed_outside_kill": len(outside),
        "units_sold": sold,
        "checkouts_201": len(answered_ids),
        "checkouts_409_out_of_stock": BUYERS - UNITS,
        "buyers_who_retried": len(retried),
        "buyers_who_waited_for_a_dead_request_s_key": sum(
            1 for o in retried if "in_progress" in o["attempts"]
        ),
        "retry_attempts": [" → ".join(map(str, o["attempts"])) for o in retried],
        "duplicate_checkouts": duplicates,
        "photos_uploaded_under_load": len(uploaded),
        "failed_sign_ins_across_hosts": " ".join(map(str, failures)),
    }
    (cluster.logs / "hosts-report.json").write_text(json.dumps(report, indent=2))
    sample_metrics = "\n".join(
        line
        for line in metrics["b"].splitlines()
        if line.startswith(
            (
                "chophien_checkouts_total",
                "chophien_stock_conflicts_total",
                "chophien_db_pool",
                "chophien_notifications",
                'chophien_http_requests_total{endpoint="/api/v1/checkouts"',
            )
        )
    )
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print("\n== several hosts: figures\n" + json.dumps(report, indent=2, ensure_ascii=False))
        print("== a request line of host b's JSON log\n" + (log_lines[-1] if log_lines else "-"))
        print("== /metrics of host b (excerpt)\n" + sample_metrics)
    assert by_kind.get("browse", 0) > 100
    assert by_kind.get("sign-in", 0) > 10
