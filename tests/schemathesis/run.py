"""schemathesis against /api/openapi.json on a live server: anonymous, buyer, artisan, officer.

    python tests/schemathesis/run.py                          # a fresh SQLite database
    python tests/schemathesis/run.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres

The server is the app as ``make run`` serves it (gunicorn, two workers) on a fresh database of
its own (on PostgreSQL a new database on that server, dropped afterwards), with the demo world
loaded so that generated calls reach real shops, products, livestreams and orders (ids the role
can see are bound to path, query and body parameters through schemathesis's dictionaries). Each
signed-in role runs schemathesis's CLI on every operation with the bearer token of a demo account
(but sign-out, which would end its token); the anonymous role on the operations anyone may call.
The checks are ``not_a_server_error``, ``status_code_conformance``,
``content_type_conformance`` and ``response_schema_conformance``, bounded by
``--max-examples`` per operation and a deadline per role. Prints operations, cases and failures
per role; exits 1 on any failure (or a run that did not finish), so CI fails with it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
import requests
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
# The demo accounts whose tokens the signed-in roles use (API.md's demo world): the artisan
# owns a shop with products, livestreams and orders; the buyer has orders.
ACCOUNTS = {
    "buyer": "minhanh@buyer.example",
    "artisan": "sau@cocham.example",
    "officer": "canbo@vanho.example",
}
# Signing out would revoke the token the rest of the role's run signs in with: only the
# anonymous role calls it (and gets its 401).
SIGNED_IN_EXCLUDES = ("DELETE /api/v1/auth/token",)
# A stranger's call to a signed-in operation is a 401 whatever else it sends (the request rules
# check sign-in first), and tests/web/test_openapi_document.py checks each of them answers its
# documented 401: the anonymous role fuzzes the operations anyone may call.
BEARER_ONLY = [{"bearerAuth": []}]
DEMO_ACCOUNT_LINE = re.compile(r"^\s+(\w+)\s+(\S+@\S+)\s+(\S+)\s{3}")


def main() -> int:
    options = parse_arguments()
    with tempfile.TemporaryDirectory(prefix="schemathesis-") as folder:
        work = Path(folder)
        with fresh_database(options.database_url, work) as database_url:
            env = app_env(database_url, work)
            flask(env, "db", "upgrade", "heads")
            passwords = demo_passwords(flask(env, "demo", "load"))
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            server = start_gunicorn(env, port, work / "gunicorn.log")
            try:
                wait_ready(server, base)
                tokens = {role: sign_in(base, ACCOUNTS[role], passwords) for role in ACCOUNTS}
                results = []
                for role in ("anonymous", *ACCOUNTS):
                    # Read before each role: the roles before it may have changed the world.
                    known = known_objects(base, tokens.get(role))
                    config = write_config(work / f"{role}.toml", known)
                    results.append(run_role(role, tokens.get(role), base, work, options, config))
            finally:
                stop(server)
            server_errors = [line for line in read(work / "gunicorn.log") if "Traceback" in line]
    print_table(results, options, database_url_kind(options.database_url))
    if server_errors:
        print(f"The server logged {len(server_errors)} tracebacks.", file=sys.stderr)
    return 0 if all(r["ok"] for r in results) else 1


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("TEST_DATABASE_URL"),
        help="a PostgreSQL server URL (a database is made on it); default: a fresh SQLite file",
    )
    parser.add_argument(
        "--max-examples",
        type=int,
        default=10,
        help="fuzzed cases per operation (besides the coverage phase's boundary cases)",
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="schemathesis's concurrent requests per role"
    )
    parser.add_argument(
        "--seed", default="20261207", help="schemathesis's seed, or 'random' for a new one"
    )
    parser.add_argument(
        "--deadline", type=float, default=240, help="seconds one role's run may take at most"
    )
    parser.add_argument("--roles", default="anonymous,buyer,artisan,officer")
    return parser.parse_args()


class fresh_database:  # noqa: N801 (used as a context manager, like contextlib's)
    """A new SQLite file in ``work``, or a new database on the PostgreSQL server at ``url``."""

    def __init__(self, url: str | None, work: Path) -> None:
        self.url, self.work, self.admin_dsn, self.name = url, work, None, None

    def __enter__(self) -> str:
        if not self.url:
            return f"sqlite:///{self.work / 'schemathesis.db'}"
        url = make_url(self.url)
        self.name = f"schemathesis_{uuid.uuid4().hex[:12]}"
        self.admin_dsn = url.set(drivername="postgresql", database="postgres").render_as_string(
            hide_password=False
        )
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        return url.set(database=self.name).render_as_string(hide_password=False)

    def __exit__(self, *exc_info) -> None:
        if self.name:
            with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def database_url_kind(url: str | None) -> str:
    return "PostgreSQL" if url else "SQLite"


def app_env(database_url: str, work: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "schemathesis-secret",
        "MEDIA_ROOT": str(work / "media"),
        "MEDIA_STORAGE": "local",
        # Configured, so that a fuzzed webhook is refused for its signature (400), not for
        # the missing configuration (503); card payments themselves stay off.
        "STRIPE_WEBHOOK_SECRET": "whsec_schemathesis",
        "BANK_WEBHOOK_SECRET": "schemathesis-bank-secret",
    }
    for name in ("STRIPE_SECRET_KEY", "REDIS_URL", "RATELIMIT_DEFAULT", "MARKETPLACE_ENV"):
        env.pop(name, None)
    return env


def flask(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603 (our own venv's flask, fixed arguments)
        [str(VENV_BIN / "flask"), "--app", "marketplace", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def demo_passwords(output: str) -> dict[str, str]:
    """login → password, from the lines ``flask demo load`` prints once."""
    passwords = {}
    for line in output.splitlines():
        match = DEMO_ACCOUNT_LINE.match(line)
        if match:
            passwords[match.group(2)] = match.group(3)
    missing = set(ACCOUNTS.values()) - set(passwords)
    if missing:
        raise SystemExit(f"flask demo load printed no password for {sorted(missing)}:\n{output}")
    return passwords


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    """The app as ``make run`` serves it, in a session of its own so ``stop`` ends its workers."""
    with log.open("w") as output:
        return subprocess.Popen(  # noqa: S603 (our own venv's gunicorn, fixed arguments)
            [
                str(VENV_BIN / "gunicorn"),
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--limit-request-line",
                "8190",  # as make run: every query the document allows fits
                "--log-level",
                "warning",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_ready(server: subprocess.Popen, base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with code {server.returncode}")
        try:
            if requests.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{base} did not answer /healthz within {timeout:.0f} s")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=5)


def sign_in(base: str, login: str, passwords: dict[str, str]) -> str:
    response = requests.post(
        base + "/api/v1/auth/token",
        json={"login": login, "password": passwords[login]},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()["token"]


class Reader:
    """GET calls of the API as one role, answering {} when refused."""

    def __init__(self, base: str, token: str | None) -> None:
        self.base = base
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def __call__(self, path: str, **params) -> dict:
        response = requests.get(self.base + path, params=params, headers=self.headers, timeout=30)
        return response.json() if response.status_code == 200 else {}

    def items(self, path: str, **params) -> list[dict]:
        return self(path, limit=100, **params).get("items", [])


def known_objects(base: str, token: str | None) -> dict[str, list[str]]:
    """Ids (and slugs) of real objects this role may see, for schemathesis's dictionaries:
    generated calls then reach real shops, products, livestreams, orders… as often as not."""
    get = Reader(base, token)
    me = get("/api/v1/me")
    shops = get.items("/api/v1/shops")
    own_shops = [shop for shop in shops if me and shop["owner_id"] == me.get("id")]
    products = get.items("/api/v1/products")
    orders = get.items("/api/v1/orders")
    for shop in own_shops:
        products = get.items(f"/api/v1/shops/{shop['slug']}/products") + products
        orders = get.items("/api/v1/orders", shop=shop["slug"]) + orders
    livestreams = [
        livestream
        for status in ("live", "scheduled", "ended", "cancelled")
        for livestream in get.items("/api/v1/livestreams", status=status)
    ]
    own_livestreams = [ls for ls in livestreams if ls["shop"]["id"] in {s["id"] for s in own_shops}]
    collections = get.items("/api/v1/collections")
    applications = get.items("/api/v1/ocop/applications")
    for product in products[:5] if own_shops else []:
        applications += get.items(f"/api/v1/products/{product['id']}/ocop-applications")
    media = [image["id"] for p in products for image in p.get("images", []) if own_shops]
    return {
        name: _first_unique(values)
        for name, values in {
            "shops": [v for shop in own_shops + shops for v in (shop["slug"], shop["id"])],
            "products": [product["id"] for product in products],
            "livestreams": [ls["id"] for ls in own_livestreams + livestreams],
            "orders": [order["id"] for order in orders],
            "checkouts": [order["checkout_id"] for order in orders],
            "collections": [v for c in collections for v in (c["slug"], c["id"])],
            "applications": [application["id"] for application in applications],
            "media": media,
        }.items()
        if values
    }


def _first_unique(values: list[str], most: int = 20) -> list[str]:
    return list(dict.fromkeys(values))[:most]


# Where each dictionary goes: ``location.name`` (or a body path), for every operation.
BINDINGS = {
    "path.shop_ref": "shops",
    "path.shop": "shops",
    "query.shop": "shops",
    "path.product_id": "products",
    "query.product_id": "products",
    "body.items[*].product_id": "products",
    "body.product_ids[*]": "products",
    "body.products[*].product_id": "products",
    "body.product_id": "products",
    "path.livestream_id": "livestreams",
    "path.order_id": "orders",
    "path.checkout_id": "checkouts",
    "path.application_id": "applications",
    "path.media_id": "media",
}
# ``{ref}`` is a shop's under /shops and a collection's under /collections.
REF_BINDINGS = {"^/api/v1/shops/": "shops", "^/api/v1/collections/": "collections"}
# How often a generated call takes a real object instead of a made-up value.
REAL_OBJECT_PROBABILITY = 0.7


def write_config(path: Path, known: dict[str, list[str]]) -> Path:
    """A schemathesis.toml binding path, query and body parameters to the known objects."""
    lines = []
    for name, values in known.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values)}", ""]

    def binding(dictionary: str) -> str:
        return f'{{ dictionary = "{dictionary}", probability = {REAL_OBJECT_PROBABILITY} }}'

    lines.append("[parameters]")
    for key, dictionary in BINDINGS.items():
        if dictionary in known:
            lines.append(f"{json.dumps(key)} = {binding(dictionary)}")
    for regex, dictionary in REF_BINDINGS.items():
        if dictionary in known:
            lines += [
                "",
                "[[operations]]",
                f"include-path-regex = {json.dumps(regex)}",
                f'parameters = {{ "path.ref" = {binding(dictionary)} }}',
            ]
    path.write_text("\n".join(lines) + "\n")
    return path


def signed_in_operations(base: str) -> list[str]:
    """``METHOD /path`` of every operation the document says needs a bearer token."""
    document = requests.get(base + "/api/openapi.json", timeout=30).json()
    return [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and operation.get("security") == BEARER_ONLY
    ]


def run_role(role, token, base, work, options, config: Path) -> dict:
    if role not in options.roles.split(","):
        return {"role": role, "skipped": True, "ok": True}
    report = work / f"{role}.json"
    command = [
        str(VENV_BIN / "schemathesis"),
        "--config-file",
        str(config),
        "run",
        f"{base}/api/openapi.json",
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(options.max_examples),
        "--request-timeout",
        "20",
        "--workers",
        str(options.workers),
        "--generation-database",
        "none",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--no-color",
    ]
    if options.seed != "random":
        command += ["--seed", options.seed]
    if token:
        command += ["--header", f"Authorization: Bearer {token}"]
        for name in SIGNED_IN_EXCLUDES:
            command += ["--exclude-name", name]
    else:
        for name in signed_in_operations(base):
            command += ["--exclude-name", name]
    print(f"schemathesis as {role}…", flush=True)
    started = time.monotonic()
    try:
        result = subprocess.run(  # noqa: S603 (our own venv's schemathesis, fixed arguments)
            command,
            cwd=work,
            capture_output=True,
            text=True,
            timeout=options.deadline,
            check=False,
        )
    except subprocess.TimeoutExpired:
        print(f"== {role}: schemathesis did not finish within {options.deadline:.0f} s")
        return {"role": role, "ok": False, "timed_out": True}
    seconds = time.monotonic() - started
    figures = summarise(report)
    ok = result.returncode == 0 and figures["failures"] == 0 and figures["errors"] == 0
    if not ok:
        print(f"== {role}: schemathesis exited {result.returncode}")
        print(result.stdout[-20000:])
        print(result.stderr[-5000:], file=sys.stderr)
    return {"role": role, "ok": ok, "seconds": seconds, **figures}


def summarise(report: Path) -> dict:
    """Operations tested, cases generated, failures and errors, from the JSON run report."""
    try:
        data = json.loads(report.read_text())
    except (OSError, ValueError):
        return {"operations": 0, "cases": 0, "failures": 0, "errors": 1}
    if not data.get("complete", False):
        data.setdefault("errors", []).append("the run did not complete")
    return figures_of(data)


def figures_of(data: dict) -> dict:
    operations = data.get("operations", {})
    cases = data.get("test_cases", {})
    return {
        "operations": operations.get("tested", 0),
        "cases": cases.get("generated", 0),
        "failures": cases.get("unique_failures", 0),
        "errors": len(data.get("errors") or []) + operations.get("errored", 0),
        "seed": data.get("seed"),
    }


def read(path: Path) -> list[str]:
    try:
        return path.read_text(errors="replace").splitlines()
    except OSError:
        return []


def print_table(results: list[dict], options, database: str) -> None:
    seed = options.seed
    print(
        f"schemathesis on {database}: checks {', '.join(CHECKS)}; "
        f"{options.max_examples} examples per operation; seed {seed}"
    )
    print(
        f"{'role':<10} {'operations':>10} {'cases':>7} {'failures':>8} {'errors':>6} {'s':>5}  seed"
    )
    for r in results:
        if r.get("skipped"):
            continue
        if r.get("timed_out"):
            print(f"{r['role']:<10} did not finish")
            continue
        print(
            f"{r['role']:<10} {r['operations']:>10} {r['cases']:>7} {r['failures']:>8} "
            f"{r['errors']:>6} {r['seconds']:>5.0f}  {r.get('seed')}"
        )


if __name__ == "__main__":
    sys.exit(main())
