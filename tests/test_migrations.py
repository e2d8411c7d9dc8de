"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy.engine import make_url

from marketplace import create_app
from marketplace.extensions import db
from marketplace.models.base import utcnow

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


@pytest.mark.live
def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        dialect = connection.dialect.name

        def include_object(obj, name, type_, reflected, compare_to):
            # Indexes declared for one database only (info={"only_on": …}, e.g. pg_trgm GIN).
            only_on = getattr(obj, "info", {}).get("only_on")
            return only_on is None or only_on == dialect

        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_categories_are_seeded_by_the_migrations(app):
    from marketplace.models import Category

    slugs = set(db.session.scalars(db.select(Category.slug)))
    assert {
        "food",
        "honey",
        "rice",
        "dried-meat",
        "beverages",
        "tea",
        "wine",
        "herbal",
        "herbal-bath",
        "handicraft",
        "textile",
        "brocade",
        "bamboo-rattan",
        "ornamental",
        "tourism",
    } <= slugs


def test_migrations_form_one_line_so_db_upgrade_works():
    from pathlib import Path

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    directory = Path(__file__).resolve().parent.parent / "migrations"
    config = Config(str(directory / "alembic.ini"))
    config.set_main_option("script_location", str(directory))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


@pytest.fixture
def empty_database(tmp_path):
    """The URL of a database of its own, empty (on PostgreSQL when TEST_DATABASE_URL is set)."""
    server_url = os.environ.get("TEST_DATABASE_URL")
    if not server_url:
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    url = make_url(server_url)
    name = f"test_migration_{uuid.uuid4().hex[:12]}"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


OLD_SHOPS = {  # a shop's commune before the 2025 migration → (commune, code) after it
    "Lóng Luông": ("Xã Vân Hồ", "04048"),
    "long luong": ("Xã Vân Hồ", "04048"),
    "Mường Tè": ("Xã Song Khủa", "04006"),
    "Suối Bàng": ("Xã Tô Múa", "04018"),
    "Tân Xuân": ("Xã Xuân Nha", "04057"),
    "Chiềng Xuân": ("Xã Chiềng Sơn", "03985"),
    "Vân Hồ": ("Xã Vân Hồ", "04048"),
    "Xã Mường Chanh": ("Xã Mường Chanh", "04117"),  # already a 2025 commune of Sơn La
    "Bản Mòng": ("Bản Mòng", None),  # unknown: kept until edited
}


def test_the_places_migration_maps_existing_shops_to_the_2025_communes(
    empty_database, restore_limiter
):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "SECRET_KEY": "x"})
    with app.app_context():
        upgrade(directory=str(MIGRATIONS), revision="orders_0001")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO users (id, name, email, role, password_hash, locale, created_at)"
                    " VALUES ('u1', 'Sấu', 'sau@example.test', 'artisan', 'x', 'vi', :now)"
                ),
                {"now": utcnow()},
            )
            for n, commune in enumerate(OLD_SHOPS):
                conn.execute(
                    sa.text(
                        "INSERT INTO shops (id, slug, name, name_search, commune, owner_id,"
                        " status, shipping_fee, created_at, updated_at) VALUES (:id, :id, :id,"
                        " :id, :commune, 'u1', 'active', 30000, :now, :now)"
                    ),
                    {"id": f"shop{n}", "commune": commune, "now": utcnow()},
                )
        upgrade(directory=str(MIGRATIONS), revision="places_0001")
        with db.engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT id, commune, commune_code, province, province_code, shipping_fee,"
                    " local_shipping_fee, free_shipping_over FROM shops ORDER BY id"
                )
            ).all()
        assert [(row.commune, row.commune_code) for row in rows] == list(OLD_SHOPS.values())
        assert {(row.province, row.province_code) for row in rows} == {("Sơn La", "14")}
        assert {row[5:] for row in rows} == {(30000, None, None)}
        # And back: the new columns go, the mapped names stay.
        downgrade(directory=str(MIGRATIONS), revision="orders_0001")
        with db.engine.connect() as conn:
            communes = conn.execute(sa.text("SELECT commune FROM shops ORDER BY id")).scalars()
            assert list(communes) == [commune for commune, _ in OLD_SHOPS.values()]
        db.engine.dispose()
