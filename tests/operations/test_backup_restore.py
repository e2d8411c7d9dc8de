"""The back-up procedure of README's operations section, run for real: a database filled
through the API is dumped with ``pg_dump``, restored with ``pg_restore`` into a fresh
database, and gunicorn serving the restored database answers with the same shop, product,
order and signed-in buyer.

A PostgreSQL procedure: on SQLite runs it is skipped, saying so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest
import requests
from sqlalchemy.engine import make_url

from marketplace.extensions import db
from tests.factories import make_product
from tests.factories.orders import line, post_checkout
from tests.factories.storage import free_port

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.live


@pytest.fixture
def postgresql(database_url):
    url = make_url(database_url)
    if not url.drivername.startswith("postgresql"):
        pytest.skip("back-up and restore is a PostgreSQL procedure (pg_dump): SQLite run")
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing (Debian: postgresql-client)")
    return url


def libpq(url) -> str:
    """The URL as libpq (pg_dump, psql) takes it: no SQLAlchemy driver suffix."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def restored_database(postgresql):
    """A fresh, empty database of this test's own, dropped afterwards."""
    name = f"restored_{uuid.uuid4().hex[:12]}"
    admin = libpq(postgresql.set(database="postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield postgresql.set(database=name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def serve(database_url: str, tmp_path: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("RATELIMIT_", "REDIS_URL"))},
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "restored",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(  # noqa: S603 (our venv's gunicorn, fixed arguments)
        [
            str(gunicorn),
            "-c",
            "deploy/gunicorn.conf.py",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn exited"
        try:
            if requests.get(f"{base}/readyz", timeout=5).status_code == 200:
                return process, base
        except requests.RequestException:
            pass
        time.sleep(0.2)
    process.kill()
    raise AssertionError("gunicorn did not become ready on the restored database")


def test_a_pg_dump_restored_into_a_fresh_database_is_served(
    client, auth, database_url, postgresql, restored_database, tmp_path
):
    # What the dump must carry: a shop with a product, a buyer with a token, an order.
    product = make_product(stock=4, title="Khăn thổ cẩm Cỏ Chàm")
    _, headers = auth.user("buyer")
    placed = post_checkout(client, headers, line(product, 2))
    assert placed.status_code == 201, placed.get_data(as_text=True)
    order_id = placed.get_json()["orders"][0]["id"]
    product_id, shop_id = product.id, product.shop_id
    db.session.rollback()

    dump = tmp_path / "chophien.dump"
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", libpq(postgresql)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    subprocess.run(
        [
            "pg_restore",
            "--no-owner",
            "--exit-on-error",
            f"--dbname={libpq(restored_database)}",
            str(dump),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    restored_url = restored_database.render_as_string(hide_password=False)
    # README's next step: a no-op upgrade for a dump of this release.
    upgrade = subprocess.run(
        [str(Path(sys.executable).with_name("flask")), "--app", "marketplace", "db", "upgrade"],
        cwd=ROOT,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": restored_url,
            "SECRET_KEY": "restored",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert upgrade.returncode == 0, upgrade.stderr

    process, base = serve(restored_url, tmp_path)
    try:
        shown = requests.get(f"{base}/api/v1/products/{product_id}", timeout=30)
        assert shown.status_code == 200
        assert shown.json()["title"] == "Khăn thổ cẩm Cỏ Chàm"
        assert requests.get(f"{base}/api/v1/shops/{shop_id}", timeout=30).status_code == 200
        # The buyer's token was restored with the rest: they see their order.
        order = requests.get(f"{base}/api/v1/orders/{order_id}", headers=headers, timeout=30)
        assert order.status_code == 200, order.text
        assert order.json()["id"] == order_id
        # Stock as the dump left it (4 - 2), and the search index works on the copy.
        variants = shown.json()["variants"]
        assert sum(v["stock"] for v in variants) == 2
        found = requests.get(f"{base}/api/v1/products", params={"q": "khan tho cam"}, timeout=30)
        assert found.status_code == 200
        assert product_id in [p["id"] for p in found.json()["items"]]
    finally:
        process.terminate()
        process.wait(timeout=30)
