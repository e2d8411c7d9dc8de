"""Migration catalog_0002 on a database that already holds products: each gets its own code,
the column ends NOT NULL and unique, and nothing that refers to products is lost (SQLite rebuilds
the table to change the column)."""

from __future__ import annotations

import os
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy.engine import make_url

from marketplace import create_app
from marketplace.extensions import db

MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")
CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{8}$")
PRODUCTS = 40

pytestmark = pytest.mark.usefixtures("restore_limiter")


@pytest.fixture
def fresh_database_url(tmp_path):
    """An empty database of its own, on the server the run uses."""
    server_url = os.environ.get("TEST_DATABASE_URL")
    if not server_url:
        yield f"sqlite:///{tmp_path / 'before.db'}"
        return
    url = make_url(server_url)
    name = f"test_mig_{uuid.uuid4().hex[:12]}"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def old_app(fresh_database_url):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": fresh_database_url,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with app.app_context():
        yield app
        db.engine.dispose()


def _fill_before_trace_codes(conn) -> None:
    """A shop with products and their variants, written as the schema stood at orders_0001."""
    now = datetime.now(UTC)
    conn.execute(
        sa.text(
            "INSERT INTO users (id, name, email, password_hash, role, locale, created_at) "
            "VALUES ('u1', 'Giàng Thị Sấu', 'sau@example.test', 'x', 'artisan', 'vi', :now)"
        ),
        {"now": now},
    )
    conn.execute(
        sa.text(
            "INSERT INTO shops (id, slug, name, name_search, commune, owner_id, status, "
            "created_at, updated_at) VALUES ('s1', 'co-cham', 'Cỏ Chàm', 'co cham', "
            "'Lóng Luông', 'u1', 'active', :now, :now)"
        ),
        {"now": now},
    )
    products = [
        {"id": f"p{n:03d}", "title": f"Khăn {n}", "status": "active", "now": now}
        for n in range(PRODUCTS)
    ]
    conn.execute(
        sa.text(
            "INSERT INTO products (id, shop_id, title, status, price, title_search, text_search, "
            "created_at, updated_at) VALUES (:id, 's1', :title, :status, 1000, '', '', :now, :now)"
        ),
        products,
    )
    conn.execute(
        sa.text(
            "INSERT INTO product_variants (id, product_id, options, price, stock, status, position)"
            " VALUES (:variant, :id, '{}', 1000, 3, 'active', 0)"
        ),
        [{"variant": f"v{p['id']}", "id": p["id"]} for p in products],
    )


def _refused(statement: str, **params) -> bool:
    try:
        with db.engine.begin() as conn:
            conn.execute(sa.text(statement), params)
    except sa.exc.IntegrityError:
        return True
    return False


def test_existing_products_get_distinct_codes_and_keep_what_refers_to_them(old_app):
    upgrade(directory=MIGRATIONS, revision="orders_0001")
    with db.engine.begin() as conn:
        _fill_before_trace_codes(conn)

    upgrade(directory=MIGRATIONS, revision="catalog_0002")

    with db.engine.connect() as conn:
        codes = dict(conn.execute(sa.text("SELECT id, trace_code FROM products")).all())
        variants = conn.execute(
            sa.text(
                "SELECT count(*) FROM product_variants v JOIN products p ON p.id = v.product_id"
            )
        ).scalar()
    assert len(codes) == PRODUCTS and variants == PRODUCTS
    assert all(CODE.match(code) for code in codes.values()), codes
    assert len(set(codes.values())) == PRODUCTS
    insert = (
        "INSERT INTO products (id, shop_id, title, status, price, title_search, text_search, "
        "created_at, updated_at, trace_code) VALUES ('new', 's1', 'Mới', 'active', :price, '', '',"
        " '2026-01-01 00:00:00', '2026-01-01 00:00:00', :code)"
    )
    assert _refused(insert, price=1000, code=None)  # NOT NULL
    assert _refused(insert, price=1000, code=codes["p001"])  # unique
    assert _refused(insert, price=0, code="ZZZZZZZZ")  # the table kept its CHECK constraints
    assert _refused(
        "INSERT INTO product_variants (id, product_id, options, price, stock, status, position) "
        "VALUES ('orphan', 'nothing', '{}', 1, 1, 'active', 0)"
    )  # and foreign keys are enforced again afterwards
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as conn:
            indexes = {row[1] for row in conn.exec_driver_sql("PRAGMA index_list(products)")}
        assert {"ix_products_listing", "ix_products_price", "ix_products_shop_listing"} <= indexes

    downgrade(directory=MIGRATIONS, revision="orders_0001")
    with db.engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("products")}
        left = conn.execute(sa.text("SELECT count(*) FROM product_variants")).scalar()
    assert "trace_code" not in columns and left == PRODUCTS
