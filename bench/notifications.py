"""Notifications benchmark: 1,000 text messages drained from the outbox by one worker.

    .venv/bin/python bench/notifications.py [--messages 1000] [--rounds 3]
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/notifications.py

Serves a stand-in SMS gateway (an HTTP server answering 200, in a process of its own) and
writes 1,000 ``order_placed`` notifications to one artisan with a phone, in a fresh database
(a temporary SQLite file, or a new database on the server of BENCH_DATABASE_URL, dropped at
the end). Then, alternately and ``--rounds`` times each:

  * the worker: one ``Worker.run_once()``, what ``flask worker`` runs, drains the outbox (each
    notification given its delivery, batches taken under a lease, each message rendered, sent
    over HTTP, and recorded sent);
  * the baseline: the SMS channel's own send loop, the same 1,000 texts, rendered beforehand,
    posted one after the other on the same kept-alive connection: the cost of the messages alone.

Prints the medians in messages per second and the worker's ratio to the baseline: what the
outbox's bookkeeping (dispatching, claiming, rendering, recording, one commit per message)
costs on top of sending. Every message is checked to have reached the gateway exactly once.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from servers import free_port  # noqa: E402

TOKEN = "bench-gateway-token"
PHONE = "+84912000000"


# --- the gateway, in a process of its own --------------------------------------------------------


def serve_gateway(port: int) -> None:
    """Answer every POST 200 and count them; GET /count gives the count and the distinct keys."""
    lock = threading.Lock()
    keys: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out as two writes: without this, Nagle's algorithm holds the
        # body until the client's delayed ACK (40 ms a message).
        disable_nagle_algorithm = True

        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with lock:
                keys.append(self.headers.get("Idempotency-Key", ""))
            self._reply(b'{"ok": true}')

        def do_GET(self):  # noqa: N802
            with lock:
                body = json.dumps({"count": len(keys), "distinct": len(set(keys))}).encode()
                if self.path == "/reset":
                    keys.clear()
            self._reply(body)

        def _reply(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            pass

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def gateway_count(base: str, reset: bool = False) -> dict:
    with urllib.request.urlopen(base + ("/reset" if reset else "/count"), timeout=5) as r:  # noqa: S310
        return json.loads(r.read())


def start_gateway() -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, __file__, "--serve-gateway", str(port)])
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            gateway_count(base)
            return process, base
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the gateway did not start")


# --- the database --------------------------------------------------------------------------------


def create_database(server_url: str | None, tmp: str) -> tuple[str, callable]:
    if not server_url:
        return f"sqlite:///{tmp}/bench.db", lambda: None
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    name = f"bench_notify_{uuid.uuid4().hex[:8]}"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url.set(database=name).render_as_string(False), drop


def make_app(database_url: str, gateway: str):
    from flask_migrate import upgrade

    from marketplace import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "bench-secret",
            "SMS_WEBHOOK_URL": gateway + "/messages",
            "SMS_WEBHOOK_TOKEN": TOKEN,
            "PUBLIC_BASE_URL": "https://cho.example.vn",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
    return app


def notices(count: int, user_id: str) -> list:
    """``count`` order_placed notices to ``user_id``, as a COD checkout writes them."""
    from marketplace.services.notifications.events import order_ref
    from marketplace.services.notifications.outbox import Notice

    made = []
    for n in range(count):
        order_id = uuid.uuid4().hex
        params = {
            "order_id": order_id,
            "ref": order_ref(order_id),
            "total": 270000 + n,
            "currency": "VND",
            "first_item": "Khăn piêu thổ cẩm",
            "first_quantity": 2,
            "more_items": n % 3,
            "buyer": "Mùa A Páo",
            "shop": "Thổ cẩm Cỏ Chàm",
        }
        made.append(Notice(user_id, "order_placed", params, f"/seller/orders#order-{order_id}"))
    return made


def seed(app, count: int) -> None:
    """``count`` notifications to one artisan written to the outbox, each with its SMS."""
    from marketplace.extensions import db
    from marketplace.models import User
    from marketplace.services.notifications import outbox

    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.phone == PHONE))
        if user is None:
            user = User(name="Lò Thị Hoa", phone=PHONE, role="artisan", password_hash="-")
            db.session.add(user)
            db.session.commit()
        outbox.write(notices(count, user.id))
        db.session.commit()


# --- the two measurements ------------------------------------------------------------------------


def worker_round(app, gateway: str, count: int) -> float:
    from marketplace.extensions import db
    from marketplace.services.notifications.delivery import Worker

    seed(app, count)
    gateway_count(gateway, reset=True)
    with app.app_context():
        worker = Worker.from_config(app.config)
        started = time.perf_counter()
        report = worker.run_once()
        elapsed = time.perf_counter() - started
        worker.close()
        db.session.remove()
    received = gateway_count(gateway)
    if report.sent != count or received != {"count": count, "distinct": count}:
        raise SystemExit(f"worker: sent {report.sent}, gateway got {received} of {count}")
    return count / elapsed


def baseline_round(app, gateway: str, count: int) -> float:
    from marketplace.adapters.messaging import OutgoingMessage
    from marketplace.adapters.messaging.sms_webhook import SmsWebhookChannel
    from marketplace.services.notifications import messages

    with app.app_context():
        texts = [
            OutgoingMessage(
                uuid.uuid4().hex,
                PHONE,
                messages.sms(
                    notice.kind, notice.params, "vi", "https://cho.example.vn" + notice.link
                ),
            )
            for notice in notices(count, "-")
        ]
    channel = SmsWebhookChannel(gateway + "/messages", token=TOKEN)
    gateway_count(gateway, reset=True)
    started = time.perf_counter()
    for text in texts:
        channel.send(text)
    elapsed = time.perf_counter() - started
    channel.close()
    received = gateway_count(gateway)
    if received != {"count": count, "distinct": count}:
        raise SystemExit(f"baseline: gateway got {received} of {count}")
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve-gateway", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_gateway:
        serve_gateway(args.serve_gateway)
        return

    server_url = os.environ.get("BENCH_DATABASE_URL")
    gateway_process, gateway = start_gateway()
    with tempfile.TemporaryDirectory(prefix="bench-notify-") as tmp:
        database_url, drop = create_database(server_url, tmp)
        try:
            app = make_app(database_url, gateway)
            worker_rates, baseline_rates = [], []
            for _ in range(args.rounds):
                baseline_rates.append(baseline_round(app, gateway, args.messages))
                worker_rates.append(worker_round(app, gateway, args.messages))
            with app.app_context():
                from marketplace.extensions import db

                for engine in db.engines.values():
                    engine.dispose()
        finally:
            drop()
            gateway_process.kill()
            gateway_process.wait()

    database = "PostgreSQL" if server_url else "SQLite"
    worker, baseline = statistics.median(worker_rates), statistics.median(baseline_rates)
    print(f"{args.messages} text messages, {args.rounds} rounds each, {database}, one worker")
    print(
        f"worker (outbox drained: dispatched, claimed, rendered, sent, recorded): "
        f"{worker:,.0f} messages/s  (rounds: {', '.join(f'{r:,.0f}' for r in worker_rates)})"
    )
    print(
        f"baseline (the SMS channel's send loop alone, same gateway): {baseline:,.0f} messages/s"
        f"  (rounds: {', '.join(f'{r:,.0f}' for r in baseline_rates)})"
    )
    print(f"ratio worker/baseline: {worker / baseline:.2f}")
    print(f"{args.messages:,} notifications drained in {args.messages / worker:.1f} s")


if __name__ == "__main__":
    main()
