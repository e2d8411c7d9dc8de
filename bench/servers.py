"""The plumbing the benchmarks share: the app's environment, its Flask commands (migrations
among them), gunicorn on a free local port, waiting until it answers, stopping it.

The scripts run as ``python bench/<name>.py``, so this folder is on ``sys.path``: they
``import servers``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def app_env(database_url: str, *, drop: Iterable[str] = (), **settings: str) -> dict[str, str]:
    """This process's environment for the app on ``database_url``, with ``settings`` added and
    the variables named in ``drop`` removed."""
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "bench-secret", **settings}
    for name in drop:
        env.pop(name, None)
    return env


def run_flask(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "marketplace", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )


def migrate(env: dict[str, str]) -> None:
    run_flask(env, "db", "upgrade", "heads")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    target: str,
    port: int,
    env: dict[str, str],
    *,
    workers: int,
    options: Iterable[str] = (),
    discard_output: bool = False,
) -> subprocess.Popen:
    """gunicorn serving ``target`` (``module:app``, from the repository root) on 127.0.0.1:port,
    logging only warnings and errors.

    It gets a session of its own so that ``stop`` ends its workers with it."""
    command = [str(VENV_BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}"]
    output = subprocess.DEVNULL if discard_output else None
    return subprocess.Popen(
        [*command, "--log-level", "warning", *options, target],
        cwd=ROOT,
        env=env,
        stdout=output,
        stderr=output,
        start_new_session=True,
    )


def wait_ready(
    server: subprocess.Popen, base: str, path: str = "/healthz", timeout: float = 30
) -> None:
    """Return once ``base + path`` answers 200; fail at ``timeout`` seconds or if ``server``
    has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"{base}: gunicorn exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(base + path, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{base} did not answer {path} within {timeout:.0f} s")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=5)
