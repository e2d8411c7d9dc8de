"""Flash sale: checkouts racing for the last units and buying a hot product, on PostgreSQL.

Creates a fresh database on the server of BENCH_DATABASE_URL, applies the migrations, seeds one
shop with a "livestream flash sale" product (stock 50) and a hot product (a large stock), 200
buyers with tokens; serves the app with gunicorn (4 sync workers) and, the same way, the baseline
of bench/flash_sale_baseline.py (only the guarded UPDATE and one order row). Then, for each:

  1. the race: 200 buyers send one purchase each at the same instant for the 50 units;
     units sold must be exactly 50 (checked in the database), attempts/s is reported;
  2. the hot product: 200 buyers buy as fast as they can for 10 s (wrk, or Python threads),
     alternately on the baseline and the app, three times each (--rounds); medians of
     purchases/s and p99 latency, and the app's ratio to the baseline (target: >= 50%, issue 19).

The database is dropped at the end.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/flash_sale.py
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from servers import app_env, free_port, migrate, start_gunicorn, stop, wait_ready  # noqa: E402

from marketplace.models.product import new_trace_code  # noqa: E402
from marketplace.web.authentication import hash_token  # noqa: E402

BUYERS = 200
FLASH_STOCK = 50
HOT_STOCK = 10_000_000
ADDRESS = {
    "name": "Lò Thị Hoa",
    "phone": "0912345678",
    "line1": "Bản Cỏ Chàm",
    "commune": "Vân Hồ",
    "province": "Sơn La",
    "country": "VN",
}


# --- database ------------------------------------------------------------------------------------


def create_database(server_url: str) -> tuple[str, str, str]:
    url = make_url(server_url)
    name = f"bench_flash_{uuid.uuid4().hex[:8]}"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    bench = url.set(database=name)
    return (
        name,
        bench.render_as_string(False),
        bench.set(drivername="postgresql").render_as_string(False),
    )


def drop_database(server_url: str, name: str) -> None:
    admin = make_url(server_url).set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed(dsn: str) -> dict:
    """One shop, four variants (flash and hot, for the app and for the baseline), 200 buyers."""
    new = lambda: uuid.uuid4().hex  # noqa: E731
    ids = {name: new() for name in ("owner", "shop", "flash", "hot", "base_flash", "base_hot")}
    variants = {name: new() for name in ("flash", "hot", "base_flash", "base_hot")}
    tokens = [secrets.token_urlsafe(24) for _ in range(BUYERS)]
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO users (id, name, email, password_hash, role, locale, created_at) "
            "VALUES (%s, 'Giàng Thị Mai', 'mai@bench.test', 'x', 'artisan', 'vi', now())",
            (ids["owner"],),
        )
        cur.execute(
            "INSERT INTO shops (id, slug, name, name_search, province, province_code, commune, "
            "commune_code, owner_id, status, shipping_fee, created_at, updated_at) VALUES (%s, "
            "'tho-cam-co-cham', 'Thổ cẩm Cỏ Chàm', 'tho cam co cham', 'Sơn La', '14', "
            "'Xã Vân Hồ', '04048', %s, 'active', 30000, now(), now())",
            (ids["shop"], ids["owner"]),
        )
        for name, stock in (
            ("flash", FLASH_STOCK),
            ("hot", HOT_STOCK),
            ("base_flash", FLASH_STOCK),
            ("base_hot", HOT_STOCK),
        ):
            cur.execute(
                "INSERT INTO products (id, shop_id, title, status, price, title_search, "
                "text_search, trace_code, created_at, updated_at) VALUES (%s, %s, %s, 'active', "
                "150000, %s, %s, %s, now(), now())",
                (
                    ids[name],
                    ids["shop"],
                    f"Khăn piêu {name}",
                    f"khan pieu {name}",
                    name,
                    new_trace_code(),
                ),
            )
            cur.execute(
                "INSERT INTO product_variants (id, product_id, options, price, stock, status, "
                "position) VALUES (%s, %s, '{}', 150000, %s, 'active', 0)",
                (variants[name], ids[name], stock),
            )
        buyers = [(new(), f"Buyer {i}", f"buyer{i}@bench.test") for i in range(BUYERS)]
        cur.executemany(
            "INSERT INTO users (id, name, email, password_hash, role, locale, created_at) "
            "VALUES (%s, %s, %s, 'x', 'buyer', 'vi', now())",
            buyers,
        )
        cur.executemany(
            "INSERT INTO api_tokens (id, user_id, token_hash, created_at) VALUES (%s, %s, %s, "
            "now())",
            [
                (new(), buyer[0], hash_token(token))
                for buyer, token in zip(buyers, tokens, strict=True)
            ],
        )
        cur.execute(
            "CREATE TABLE flash_baseline_orders (id varchar(32) PRIMARY KEY, "
            "variant_id varchar(32) NOT NULL, created_at timestamptz NOT NULL)"
        )
    return {"products": ids, "variants": variants, "tokens": tokens}


def sold(dsn: str, variant_id: str, baseline: bool) -> tuple[int, int]:
    """(units in orders, stock left) for one variant, from the database."""
    with psycopg.connect(dsn) as conn:
        if baseline:
            units = conn.execute(
                "SELECT count(*) FROM flash_baseline_orders WHERE variant_id = %s", (variant_id,)
            ).fetchone()[0]
        else:
            units = conn.execute(
                "SELECT coalesce(sum(quantity), 0) FROM order_lines WHERE variant_id = %s",
                (variant_id,),
            ).fetchone()[0]
        stock = conn.execute(
            "SELECT stock FROM product_variants WHERE id = %s", (variant_id,)
        ).fetchone()[0]
    return int(units), int(stock)


# --- load ----------------------------------------------------------------------------------------


class Target:
    """How to make one purchase from one server: path, body and the buyer's headers."""

    def __init__(self, port: int, path: str, body: bytes, tokens: list[str] | None) -> None:
        self.port, self.path, self.body, self.tokens = port, path, body, tokens

    def headers(self, buyer: int) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self.tokens:
            headers["Authorization"] = f"Bearer {self.tokens[buyer % len(self.tokens)]}"
        return headers

    def post(self, buyer: int) -> tuple[int, float]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        began = time.perf_counter()
        try:
            conn.request("POST", self.path, body=self.body, headers=self.headers(buyer))
            response = conn.getresponse()
            response.read()
            return response.status, time.perf_counter() - began
        finally:
            conn.close()


def warm_up(target: Target, buyers: int = 16, each: int = 5) -> None:
    threads = [
        threading.Thread(target=lambda i=i: [target.post(i) for _ in range(each)])
        for i in range(buyers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)


def race(target: Target) -> dict:
    """Every buyer sends one purchase at the same instant."""
    gate = threading.Barrier(BUYERS + 1)
    answers: list[tuple[int, float]] = [(0, 0.0)] * BUYERS

    def buyer(index: int) -> None:
        gate.wait(timeout=60)
        answers[index] = target.post(index)

    threads = [threading.Thread(target=buyer, args=(i,)) for i in range(BUYERS)]
    for thread in threads:
        thread.start()
    gate.wait(timeout=60)
    began = time.perf_counter()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.perf_counter() - began
    statuses = [status for status, _ in answers]
    return {
        "attempts_per_s": BUYERS / elapsed,
        "won": statuses.count(201),
        "refused": statuses.count(409),
        "other": len(statuses) - statuses.count(201) - statuses.count(409),
    }


WRK_SCRIPT = """
local tokens = %(tokens)s
local path, body = %(path)s, %(body)s
local threads = {}
local counter = 0
function setup(thread) table.insert(threads, thread) end
function init(args) ok = 0; refused = 0; other = 0 end
function request()
  counter = counter + 1
  local headers = {["Content-Type"] = "application/json"}
  if #tokens > 0 then headers["Authorization"] = "Bearer " .. tokens[counter %% #tokens + 1] end
  return wrk.format("POST", path, headers, body)
end
function response(status, headers, body)
  if status == 201 then ok = ok + 1 elseif status == 409 then refused = refused + 1
  else other = other + 1 end
end
function done(summary, latency, requests)
  local a, b, c = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("ok"); b = b + t:get("refused"); c = c + t:get("other")
  end
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d\\n", a, b, c + summary.errors.connect
    + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration, latency:percentile(50), latency:percentile(99)))
end
"""


def _lua(value) -> str:
    if isinstance(value, list):
        return "{" + ", ".join(_lua(v) for v in value) + "}"
    return json.dumps(value if isinstance(value, str) else value.decode())


def hot_with_wrk(target: Target, seconds: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(
            WRK_SCRIPT
            % {
                "tokens": _lua(target.tokens or []),
                "path": _lua(target.path),
                "body": _lua(target.body),
            }
        )
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{BUYERS}",
                f"-d{seconds}s",
                "--timeout",
                "30s",
                "-s",
                script.name,
                f"http://127.0.0.1:{target.port}",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 120,
        ).stdout
    finally:
        os.unlink(script.name)
    line = next(line for line in out.splitlines() if line.startswith("RESULT"))
    ok, refused, other, duration_us, p50_us, p99_us = (int(v) for v in line.split()[1:])
    return {
        "per_s": ok / (duration_us / 1e6),
        "p50_ms": p50_us / 1000,
        "p99_ms": p99_us / 1000,
        "ok": ok,
        "failed": refused + other,
    }


def hot_with_python(target: Target, seconds: int) -> dict:
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    counts = {"ok": 0, "failed": 0}
    lock = threading.Lock()

    def buyer(index: int) -> None:
        mine, ok, failed = [], 0, 0
        while time.monotonic() < deadline:
            try:
                status, took = target.post(index)
            except OSError:
                failed += 1
                continue
            mine.append(took)
            ok += status == 201
            failed += status != 201
        with lock:
            latencies.extend(mine)
            counts["ok"] += ok
            counts["failed"] += failed

    threads = [threading.Thread(target=buyer, args=(i,)) for i in range(BUYERS)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    elapsed = time.monotonic() - began
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "per_s": counts["ok"] / elapsed,
        "p50_ms": cuts[49] * 1000,
        "p99_ms": cuts[98] * 1000,
        **counts,
    }


# --- the run -------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="length of the hot-product phase")
    parser.add_argument(
        "--rounds", type=int, default=3, help="hot-product phases per server, alternated"
    )
    parser.add_argument("--python-client", action="store_true", help="even if wrk is installed")
    args = parser.parse_args()
    server_url = os.environ.get(
        "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    use_wrk = shutil.which("wrk") is not None and not args.python_client
    name, url, dsn = create_database(server_url)
    servers: list[subprocess.Popen] = []
    try:
        migrate(app_env(url))
        world = seed(dsn)
        app_port, base_port = free_port(), free_port()
        drop = ["RATELIMIT_DEFAULT", "STRIPE_SECRET_KEY", "REDIS_URL"]
        options = ["--backlog", "2048"]
        servers.append(
            start_gunicorn(
                "wsgi:app", app_port, app_env(url, drop=drop), workers=4, options=options
            )
        )
        servers.append(
            start_gunicorn(
                "flash_sale_baseline:app",
                base_port,
                app_env(dsn, drop=drop),
                workers=4,
                options=[*options, "--pythonpath", str(ROOT / "bench")],
            )
        )
        for server, port in zip(servers, (app_port, base_port), strict=True):
            wait_ready(server, f"http://127.0.0.1:{port}", timeout=60)

        def app_target(product: str) -> Target:
            body = {
                "items": [{"product_id": world["products"][product], "quantity": 1}],
                "shipping_address": ADDRESS,
                "payment_method": "cod",
            }
            return Target(app_port, "/api/v1/checkouts", json.dumps(body).encode(), world["tokens"])

        def base_target(variant: str) -> Target:
            return Target(base_port, f"/buy/{world['variants'][variant]}", b"{}", None)

        # Warm both up (imports, pools, each worker's first queries) on the hot products,
        # outside the measurements: concurrently, so that every worker gets some.
        for target in (app_target("hot"), base_target("base_hot")):
            warm_up(target)

        print(f"flash sale on PostgreSQL, gunicorn 4 sync workers each, {BUYERS} buyers")
        print(f"load generator: {'wrk' if use_wrk else 'Python threads'}, {os.cpu_count()} cores\n")
        results = {}
        for label, target, variant, baseline in (
            ("baseline", base_target("base_flash"), "base_flash", True),
            ("app", app_target("flash"), "flash", False),
        ):
            outcome = race(target)
            units, stock = sold(dsn, world["variants"][variant], baseline)
            results[label] = {"race": {**outcome, "units": units, "stock": stock}}
        # Round-robin, each figure the median of its runs: on a shared machine the background
        # load drifts, and alternating spreads it over both servers alike.
        hot = hot_with_wrk if use_wrk else hot_with_python
        runs: dict[str, list[dict]] = {"baseline": [], "app": []}
        for _ in range(args.rounds):
            for label, target in (
                ("baseline", base_target("base_hot")),
                ("app", app_target("hot")),
            ):
                runs[label].append(hot(target, args.seconds))
        for label, measured in runs.items():
            results[label]["hot"] = {
                **{
                    key: statistics.median(run[key] for run in measured)
                    for key in ("per_s", "p50_ms", "p99_ms")
                },
                "ok": sum(run["ok"] for run in measured),
                "failed": sum(run["failed"] for run in measured),
                "runs": [run["per_s"] for run in measured],
            }
    finally:
        for server in servers:
            stop(server)
        drop_database(server_url, name)

    print(f"1. race for {FLASH_STOCK} units, one attempt per buyer at the same instant")
    for label in ("baseline", "app"):
        r = results[label]["race"]
        print(
            f"   {label:8}  units sold {r['units']:3} (201: {r['won']}, 409: {r['refused']}, "
            f"other: {r['other']}), stock left {r['stock']}, {r['attempts_per_s']:.0f} attempts/s"
        )
    print(
        f"2. hot product, {BUYERS} buyers for {args.seconds} s, {args.rounds} alternated runs "
        "each (medians)"
    )
    for label in ("baseline", "app"):
        h = results[label]["hot"]
        print(
            f"   {label:8}  {h['per_s']:.0f} purchases/s, p50 {h['p50_ms']:.0f} ms, "
            f"p99 {h['p99_ms']:.0f} ms ({h['ok']} made, {h['failed']} failed; runs: "
            f"{', '.join(f'{per_s:.0f}' for per_s in h['runs'])})"
        )
    ratio = results["app"]["hot"]["per_s"] / results["baseline"]["hot"]["per_s"]
    pairs = zip(results["app"]["hot"]["runs"], results["baseline"]["hot"]["runs"], strict=True)
    print(f"   app / baseline run by run: {', '.join(f'{a / b:.0%}' for a, b in pairs)}")
    race_ratio = (
        results["app"]["race"]["attempts_per_s"] / results["baseline"]["race"]["attempts_per_s"]
    )
    print(f"\napp / baseline: checkouts/s {ratio:.0%} (target >= 50%)")
    print(f"app / baseline: race attempts/s {race_ratio:.0%}")
    exact = all(results[label]["race"]["units"] == FLASH_STOCK for label in results)
    print(f"units sold in the race: {'exactly 50 on both' if exact else 'WRONG'}")
    return 0 if exact else 1


if __name__ == "__main__":
    raise SystemExit(main())
