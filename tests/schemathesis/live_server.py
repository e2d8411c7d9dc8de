"""The live server schemathesis calls: a fresh database (SQLite, or a new one on a PostgreSQL
server), migrated and holding the demo world, served by gunicorn as ``make run`` serves it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import requests
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
# The benchmarks' server plumbing (free port, readiness, stopping a gunicorn session).
sys.path.insert(0, str(ROOT / "bench"))
from servers import free_port, stop, wait_ready  # noqa: E402, F401 (run.py takes them from here)

DEMO_ACCOUNT_LINE = re.compile(r"^\s+(\w+)\s+(\S+@\S+)\s+(\S+)\s{3}")


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


def demo_passwords(output: str, logins) -> dict[str, str]:
    """login → password of ``logins``, from the lines ``flask demo load`` prints once."""
    passwords = {}
    for line in output.splitlines():
        match = DEMO_ACCOUNT_LINE.match(line)
        if match:
            passwords[match.group(2)] = match.group(3)
    missing = set(logins) - set(passwords)
    if missing:
        raise SystemExit(f"flask demo load printed no password for {sorted(missing)}:\n{output}")
    return passwords


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


def sign_in(base: str, login: str, passwords: dict[str, str]) -> str:
    response = requests.post(
        base + "/api/v1/auth/token",
        json={"login": login, "password": passwords[login]},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()["token"]
