"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from marketplace.extensions import db


@pytest.mark.live
def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
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
