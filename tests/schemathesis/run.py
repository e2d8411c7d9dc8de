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
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

# Run as a script: this folder is on sys.path.
from live_server import (
    VENV_BIN,
    app_env,
    demo_passwords,
    flask,
    free_port,
    fresh_database,
    sign_in,
    start_gunicorn,
    stop,
    wait_ready,
)
from real_objects import known_objects, write_config

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


def main() -> int:
    options = parse_arguments()
    with tempfile.TemporaryDirectory(prefix="schemathesis-") as folder:
        work = Path(folder)
        with fresh_database(options.database_url, work) as database_url:
            env = app_env(database_url, work)
            flask(env, "db", "upgrade", "heads")
            passwords = demo_passwords(flask(env, "demo", "load"), ACCOUNTS.values())
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            server = start_gunicorn(env, port, work / "gunicorn.log")
            try:
                wait_ready(server, base, timeout=60)
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
    print_table(results, options, "PostgreSQL" if options.database_url else "SQLite")
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
