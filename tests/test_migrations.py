"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from marketplace.extensions import db


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
